"""The bundle's contents and its zip (see the package docstring for the layout)."""
import io
import re
import stat
import zipfile
from pathlib import Path

from ..config import REPO_ROOT, Assignment, Course
from ..errors import PathError
from ..primitives import atomic_write_bytes
from .requirements import requirements
from .scripts import render_script


class BundleError(PathError):
    """The bundle cannot be built from the course as it is (the CLI prints it on one line)."""


_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def _uses_mnist(course: Course, assignment: Assignment) -> bool:
    from data.fetch import needs_mnist  # one rule for the bundle, `course grade` and the demo

    return needs_mnist(course, assignment)


def _course_toml(course: Course) -> str:
    """course.toml with [data] mnist_dir pointing into the bundle (mnist/, present when needed)."""
    text = course.path.read_text()
    text, count = re.subn(r'(?m)^(\s*mnist_dir\s*=\s*)".*"', r'\1"mnist"', text, count=1)
    if count != 1:
        raise BundleError(f"{course.path}: no mnist_dir line in [data] to point into the bundle")
    return text


def _package_files(assignment: Assignment) -> dict[str, Path]:
    """The autograder package (engine and graders' toolkit)."""
    package = REPO_ROOT / "autograder"
    files = {}
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_dir() or _SKIP_PARTS & set(relative.parts) or path.suffix == ".pyc":
            continue
        files[f"autograder/{relative.as_posix()}"] = path
    return files


def _solution_files(course: Course, assignment: Assignment) -> dict[str, Path]:
    """The reference the graders import: the assignment's own folder and the owners of its provided modules."""
    needed = {assignment.id}
    wanted = set(assignment.modules) | set(assignment.provided)
    needed |= {a.id for a in course.assignments if wanted & set(a.modules)}
    files = {}
    for assignment_id in sorted(needed):
        folder = course.solution_dir(assignment_id)
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            relative = path.relative_to(folder)
            if path.is_file() and not _SKIP_PARTS & set(relative.parts) and path.suffix != ".pyc":
                files[f"solutions/{assignment_id}/{relative.as_posix()}"] = path
    return files


def _release_files(course: Course, assignment: Assignment) -> dict[str, Path]:
    release = course.release_dir(assignment.id)
    files = {}
    for name in (*assignment.modules, *assignment.provided):
        path = release / name
        if not path.is_file():
            raise BundleError(f"{path}: missing; run `course build` first")
        files[f"assignments/{assignment.id}/{name}"] = path
    return files


def bundle_contents(course: Course, assignment: Assignment) -> dict[str, bytes | Path]:
    """Archive name -> content (bytes) or file to copy."""
    with_mnist = _uses_mnist(course, assignment)
    contents: dict[str, bytes | Path] = {
        "setup.sh": render_script("setup.sh.j2", assignment),
        "run_autograder": render_script("run_autograder.j2", assignment, course.root),
        "requirements.txt": requirements(course.root / "pyproject.toml").encode(),
        "course.toml": _course_toml(course).encode(),
        "pyproject.toml": course.root / "pyproject.toml",
    }
    contents.update(_package_files(assignment))
    contents.update(_solution_files(course, assignment))
    contents[f"graders/test_{assignment.id}.py"] = course.grader_file(assignment.id)
    contents["graders/pytest.ini"] = course.graders_dir / "pytest.ini"
    contents.update(_release_files(course, assignment))
    for path in sorted((course.root / "data").glob("*.py")):
        contents[f"data/{path.name}"] = path
    if with_mnist:
        for path in sorted(course.mnist_dir.glob("*-ubyte.gz")):
            contents[f"mnist/{path.name}"] = path
    return contents


def build_bundle(course: Course, assignment: Assignment, zip_path: Path | str) -> Path:
    """Write the Gradescope autograder zip for one assignment; return its path."""
    zip_path = Path(zip_path)
    executable = {"setup.sh", "run_autograder"}
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(bundle_contents(course, assignment).items()):
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible zips
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, data)
    atomic_write_bytes(zip_path, zipped.getvalue(), mode=0o644)
    return zip_path
