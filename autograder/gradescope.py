"""``course gradescope ID --out FILE.zip``: a Gradescope autograder bundle.

Gradescope unpacks the zip into /autograder/source, runs ``setup.sh`` once
when it builds the image and ``run_autograder`` (copied to /autograder/) for
every submission; the student's files are in /autograder/submission and the
score must end up in /autograder/results/results.json. The zip holds:

    setup.sh          installs Python 3.11+ and the pinned requirements (nsjail
                      with them) in a venv; system packages only on Gradescope
    run_autograder    makes the bundle unreadable to other users, takes the upload
                      apart safely (gradescope_upload.py), lays it out as
                      SUBMISSIONS/<student>/<ID>/, runs `python -m autograder.cli
                      grade` and copies the student's results.json into place
    requirements.txt  the pinned dependencies of pyproject.toml, less the notebook tooling
    autograder/       the engine and the graders' toolkit
    graders/          of the hidden graders only test_<ID>.py
    solutions/        the reference of the assignment and of the modules it is given
    assignments/<ID>/ the stubs and provided modules
    data/             the MNIST reader; mnist/ the MNIST files, only if the
                      assignment uses them
    course.toml, pyproject.toml

Both scripts are templates (templates/gradescope/*.j2). Nothing of the bundle reaches students, but it is the reference: keep the zip
private. ``AUTOGRADER_ROOT`` (default /autograder) moves the whole layout, so
tests run the real scripts against a temporary folder.
"""
import re
import shlex
import stat
import tomllib
import zipfile
from pathlib import Path

import jinja2

from .config import REPO_ROOT, Assignment, Course, CourseConfigError

TEMPLATES = Path(__file__).with_name("templates") / "gradescope"
VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]
FORMATS = ["text", "html", "simple_format", "md", "ansi"]

# Gradescope's results.json, from https://gradescope-autograders.readthedocs.io/en/latest/specs/
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Gradescope autograder results",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": FORMATS},
        "test_output_format": {"enum": FORMATS},
        "test_name_format": {"enum": FORMATS},
        "visibility": {"enum": VISIBILITY},
        "stdout_visibility": {"enum": VISIBILITY},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": {"enum": FORMATS},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": {"enum": FORMATS},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": {"enum": VISIBILITY},
                    "extra_data": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
        "leaderboard": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"type": "string"},
                    "value": {"type": ["number", "string"]},
                    "order": {"enum": ["asc", "desc"]},
                },
                "additionalProperties": False,
            },
        },
    },
    # "score" is optional only when every test has one.
    "anyOf": [
        {"required": ["score"]},
        {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}},
    ],
    "additionalProperties": False,
}

class BundleError(CourseConfigError):
    """The bundle cannot be built from the course as it is (the CLI prints it on one line)."""


_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


# Notebook tooling the autograder never uses; nbgrader's dependencies also make
# `import jsonschema` seconds slower (its optional rfc3987-syntax builds a grammar).
NOT_FOR_GRADING = {"nbformat", "nbclient", "ipykernel", "nbgrader", "jupytext"}


def requirements(pyproject: Path) -> str:
    """The pinned dependencies of pyproject.toml that grading needs, one per line."""
    with open(pyproject, "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    return "".join(f"{d}\n" for d in dependencies if re.split(r"[=<>!~\[ ;]", d)[0].lower() not in NOT_FOR_GRADING)


def _uses_mnist(course: Course, assignment: Assignment) -> bool:
    grader = course.grader_file(assignment.id)
    text = grader.read_text() if grader.is_file() else ""
    return "mnist.py" in assignment.provided or "mnist" in text.lower()


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


def render_script(template: str, assignment: Assignment) -> bytes:
    """One of the bundle's shell scripts, from templates/gradescope/ (values shell-quoted)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     comment_start_string="{##", comment_end_string="##}")  # bash has ${#x}
    environment.filters["quote"] = shlex.quote
    return environment.get_template(template).render(assignment=assignment.id,
                                                      modules=assignment.modules).encode()


def bundle_contents(course: Course, assignment: Assignment) -> dict[str, bytes | Path]:
    """Archive name -> content (bytes) or file to copy."""
    with_mnist = _uses_mnist(course, assignment)
    contents: dict[str, bytes | Path] = {
        "setup.sh": render_script("setup.sh.j2", assignment),
        "run_autograder": render_script("run_autograder.j2", assignment),
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
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    executable = {"setup.sh", "run_autograder"}
    tmp = zip_path.with_name(f".{zip_path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(bundle_contents(course, assignment).items()):
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible zips
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, data)
    tmp.replace(zip_path)
    return zip_path
