"""``course gradescope ID --out FILE.zip``: a Gradescope autograder bundle.

Gradescope unpacks the zip into /autograder/source, runs ``setup.sh`` once
when it builds the image and ``run_autograder`` (copied to /autograder/) for
every submission; the student's files are in /autograder/submission and the
score must end up in /autograder/results/results.json. The zip holds:

    setup.sh          installs Python 3.11+ and the pinned requirements in a venv
    run_autograder    lays out the submission as SUBMISSIONS/<student>/<ID>/, runs
                      `python -m autograder.cli --course source/course.toml grade`
                      and copies the student's results.json into place
    requirements.txt  the pinned dependencies of pyproject.toml
    autograder/       the engine, and of the graders only test_<ID>.py and helpers
    solutions/        the reference of the assignment and of the modules it is given
    assignments/<ID>/ the stubs and provided modules
    data/             the MNIST reader; mnist/ the MNIST files, only if the
                      assignment uses them
    course.toml, pyproject.toml

Nothing of the bundle reaches students, but it is the reference: keep the zip
private. ``AUTOGRADER_ROOT`` (default /autograder) moves the whole layout, so
tests run the real scripts against a temporary folder.
"""
import re
import stat
import tomllib
import zipfile
from pathlib import Path

from .config import REPO_ROOT, Assignment, Course, CourseConfigError

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

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image:
# Python 3.11 or later in a virtualenv with the course's pinned requirements.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # An older base image (Ubuntu 22.04 has 3.10): its python3.11 package will do.
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -r "$SOURCE/requirements.txt"
"$ROOT/venv/bin/python" -c 'import numpy, pytest, jsonschema, tqdm; print("autograder environment ready")'
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission: the course's isolated engine grades
# /autograder/submission and its results.json goes to /autograder/results/.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
ASSIGNMENT=__ASSIGNMENT__
MODULES=(__MODULES__)
if [ -x "$ROOT/venv/bin/python" ]; then PYTHON="$ROOT/venv/bin/python"; else PYTHON="$(command -v python3)"; fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# One folder per Gradescope user id: the random inputs differ between students
# and stay the same when a submission is regraded.
STUDENT="$("$PYTHON" - "$ROOT/submission_metadata.json" <<'EOF'
import json, re, sys
try:
    user = json.load(open(sys.argv[1]))["users"][0]
    print("gs-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(user["id"])))
except Exception:
    print("student")
EOF
)"
SUBMITTED="$WORK/submissions/$STUDENT/$ASSIGNMENT"
mkdir -p "$SUBMITTED" "$ROOT/results"
for module in "${MODULES[@]}"; do
    found="$ROOT/submission/$module"
    if [ ! -f "$found" ]; then  # uploaded inside a folder (a zip, GitHub): the first one found
        found="$(find "$ROOT/submission" -type f -name "$module" -not -path '*/__MACOSX/*' 2>/dev/null | sort | head -n 1)"
    fi
    if [ -n "$found" ] && [ -f "$found" ]; then cp "$found" "$SUBMITTED/$module"; fi
done

export OPENBLAS_NUM_THREADS=1
export PYTHONPATH="$SOURCE${PYTHONPATH:+:$PYTHONPATH}"
if [ -d "$SOURCE/mnist" ]; then export MNIST_DIR="$SOURCE/mnist"; fi
cd "$SOURCE"
"$PYTHON" -m autograder.cli --course "$SOURCE/course.toml" grade --assignment "$ASSIGNMENT" \
    "$WORK/submissions" --out "$WORK/out" --quiet
status=$?
RESULTS="$WORK/out/$STUDENT/$ASSIGNMENT/results.json"
if [ "$status" -ne 0 ] || [ ! -f "$RESULTS" ]; then
    # No results.json: Gradescope then reports that the autograder failed, rather than a silent 0.
    echo "run_autograder: the grading engine could not grade this submission (exit $status)"
    exit 1
fi
cp "$RESULTS" "$ROOT/results/results.json"
echo "run_autograder: results written to $ROOT/results/results.json"
"""

class BundleError(CourseConfigError):
    """The bundle cannot be built from the course as it is (the CLI prints it on one line)."""


_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def requirements(pyproject: Path) -> str:
    """The pinned dependencies of pyproject.toml, one per line."""
    with open(pyproject, "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    return "".join(f"{d}\n" for d in dependencies)


def _uses_mnist(course: Course, assignment: Assignment) -> bool:
    grader = REPO_ROOT / "autograder" / "graders" / f"test_{assignment.id}.py"
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
    """The autograder package: everything but other assignments' graders and notebook sources."""
    package = REPO_ROOT / "autograder"
    files = {}
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_dir() or _SKIP_PARTS & set(relative.parts) or path.suffix == ".pyc":
            continue
        if relative.parts[0] == "notebook_sources":
            continue
        if relative.parts[0] == "graders" and path.name.startswith("test_") \
                and path.name != f"test_{assignment.id}.py":
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
    modules = " ".join(assignment.modules)
    contents: dict[str, bytes | Path] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.replace("__ASSIGNMENT__", assignment.id)
                                        .replace("__MODULES__", modules).encode(),
        "requirements.txt": requirements(course.root / "pyproject.toml").encode(),
        "course.toml": _course_toml(course).encode(),
        "pyproject.toml": course.root / "pyproject.toml",
    }
    contents.update(_package_files(assignment))
    contents.update(_solution_files(course, assignment))
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
