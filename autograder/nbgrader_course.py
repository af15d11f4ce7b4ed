"""``course nbgrader init DIR``: make DIR a ready nbgrader course.

nbgrader releases and collects; our engine grades. init_course writes

- ``nbgrader_config.py``, with nbgrader's known traps handled:
  ``Autograde.exclude_overwriting`` keeps each student's own module(s) (else
  autograde would put the stub from source/ back in their place), the student
  modules are NOT in ``CourseDirectory.ignore`` (which would hide them from
  autograde too), ``ClearHiddenTests`` also runs in generate_feedback (else the
  feedback shows hidden test cells), and the cell timeout fits the engine;
- ``source/<ID>/``: the student release of assignments/<ID>/ (stubs, provided
  modules, public tests; never a reference module) and ``<ID>.ipynb``, the
  assignment's notebook with nbgrader metadata: markdown cells read-only, code
  cells plain, cells with solution regions marked as solution cells, and at
  the end ONE hidden grade cell worth the assignment's points. Its hidden-tests
  region runs the isolated engine in a subprocess on the module(s) in the
  notebook's folder and ends with the score as the cell's value, which
  nbgrader takes as partial credit (nbgrader.utils.determine_grade); it writes
  nothing to stderr (which would score 0);
- ``gradebook.db``: every assignment, with its due date from course.toml.

Then ``nbgrader generate_assignment <ID>`` in DIR writes release/<ID>/ with
the notebook stripped by nbgrader and our .py stubs.
"""
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat

from .config import Assignment, Course, CourseConfigError

GRADE_CELL_ID = "hidden_tests"
# Files of assignments/<ID>/ that never go to source/ (nor, hence, to release/).
_NEVER_COPIED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache")
_ENGINE_SLACK_SECONDS = 120  # interpreter start, pytest collection, the sandbox's set-up


class InitError(CourseConfigError):
    """The course cannot be turned into an nbgrader course as it is (the CLI prints it on one line)."""


def engine_timeout(assignment: Assignment) -> int:
    """Seconds the hidden cell waits for the engine on one submission."""
    return int(assignment.limits.submission_seconds) + _ENGINE_SLACK_SECONDS


# The hidden grade cell. Everything between the markers is instructor-only:
# nbgrader removes it from the release (ClearHiddenTests) and, with our
# config, from the feedback; it is restored from the gradebook by autograde.
_GRADE_CELL = '''\
# Grading: when you hand in, the course's grading engine runs hidden tests on
# your {modules_text} and this cell shows your score. Running it yourself does
# nothing; use the public tests and the cells above to check your work.
### BEGIN HIDDEN TESTS
def _nnfs_autograde():
    """Grade the module(s) in this folder with the isolated engine; return the score."""
    import json, os, re, shutil, subprocess, sys, tempfile
    from pathlib import Path

    assignment, modules = {assignment_id!r}, {modules!r}
    course_toml, package_root = {course_toml!r}, {package_root!r}
    python = {python!r} if os.path.exists({python!r}) else sys.executable

    class GradingFailed(Exception):
        def _render_traceback_(self):  # IPython shows this instead of a traceback (no test source)
            return ["GradingFailed: " + str(self)]

    here = Path.cwd()  # nbgrader autograde runs the notebook in autograded/<student>/<ID>/
    student = here.parent.name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@+-]*", student):
        student = "student"
    with tempfile.TemporaryDirectory(prefix="nnfs-grade-") as tmp:
        submitted = Path(tmp, "submitted")
        folder = submitted / student / assignment
        folder.mkdir(parents=True)
        for module in modules:  # only the graded module(s): lateness is nbgrader's business here
            if (here / module).is_file():
                shutil.copyfile(here / module, folder / module)
        env = dict(os.environ)
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            done = subprocess.run(
                [python, "-m", "autograder.cli", "--course", course_toml, "grade", "--assignment", assignment,
                 str(submitted), "--out", str(Path(tmp, "out")), "--quiet", "--force"],
                cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout={timeout})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GradingFailed(f"the grading engine did not run: {{exc}}") from None
        results_file = Path(tmp, "out", student, assignment, "results.json")
        if done.returncode != 0 or not results_file.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise GradingFailed(f"the grading engine failed (exit {{done.returncode}}): " + " | ".join(tail))
        results = json.loads(results_file.read_text())
    print(f"{{', '.join(modules)}}: {{results['score']:g}} / {{results['max_score']:g}} points "
          "from the course's grading engine")
    if results.get("output"):
        print(results["output"])
    for test in results["tests"]:
        mark = "PASS" if test["status"] == "passed" else "FAIL"
        print(f"  {{mark}} {{test['name']}} ({{test['score']:g}}/{{test['max_score']:g}})")
        if test["status"] != "passed" and test.get("visibility") != "hidden" and test.get("output"):
            print("\\n".join("        " + line for line in test["output"].splitlines()))
    return float(results["score"])


_nnfs_autograde()
### END HIDDEN TESTS
'''


def grade_cell_source(course: Course, assignment: Assignment) -> str:
    """The source of the hidden grade cell of one assignment (instructor version)."""
    modules = list(assignment.modules)
    return _GRADE_CELL.format(
        modules_text=", ".join(modules), assignment_id=assignment.id, modules=modules,
        course_toml=str(course.path), package_root=str(Path(__file__).resolve().parent.parent),
        python=sys.executable, timeout=engine_timeout(assignment)).rstrip("\n")


def _locked(grade_id: str) -> dict:
    return {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
            "solution": False, "task": False}


def _minimal_notebook(assignment: Assignment) -> nbformat.NotebookNode:
    """A notebook for an assignment that has none yet: what to do, and where."""
    modules = ", ".join(f"`{m}`" for m in assignment.modules)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# {assignment.title}\n\n"
            f"Your work for this assignment goes in {modules}: replace each "
            "`raise NotImplementedError(...)` by your code, following the docstrings. "
            "Run the public tests (`python -m pytest`) as often as you like; when you hand in, "
            "the course's grading engine grades your module(s) with hidden tests."),
        nbformat.v4.new_code_cell("\n".join(f"import {m.removesuffix('.py')}" for m in assignment.modules)),
    ]
    return nb


def _has_marker(source: str, *markers: str) -> bool:
    return any(marker in source for marker in markers)


def source_notebook(course: Course, assignment: Assignment) -> nbformat.NotebookNode:
    """The assignment's notebook with nbgrader metadata and the hidden grade cell."""
    path = course.release_dir(assignment.id) / f"{assignment.id}.ipynb"
    nb = nbformat.read(path, as_version=4) if path.is_file() else _minimal_notebook(assignment)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    nb.metadata.setdefault("language_info", {"name": "python"})
    cells = []
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("nbgrader", None)  # ours only: no stray grade cells from elsewhere
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if _has_marker(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                raise InitError(f"{path}: cell {index + 1} has hidden tests; hidden tests belong in "
                                f"autograder/graders/test_{assignment.id}.py")
            if _has_marker(cell.source, "BEGIN SOLUTION"):
                cell.metadata["nbgrader"] = {**_locked(f"solution_{index:02d}"), "locked": False, "solution": True}
        elif cell.cell_type == "markdown":
            if _has_marker(cell.source, "BEGIN SOLUTION"):
                raise InitError(f"{path}: markdown cell {index + 1} has a solution region")
            cell.metadata["nbgrader"] = _locked(f"text_{index:02d}")
        cells.append(cell)
    grade = nbformat.v4.new_code_cell(grade_cell_source(course, assignment))
    grade.metadata["nbgrader"] = {**_locked(GRADE_CELL_ID), "grade": True, "points": assignment.points}
    grade.id = GRADE_CELL_ID.replace("_", "-")
    cells.append(grade)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def nbgrader_config(course: Course) -> str:
    """The text of nbgrader_config.py."""
    exclude = {a.id: list(a.modules) for a in course.assignments}
    timeout = max(engine_timeout(a) for a in course.assignments) + 60
    return f'''\
# nbgrader configuration of "{course.name}" ({course.id}), written by
# `course nbgrader init` from {course.path}. Running it again overwrites this file.
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (provided by traitlets)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = {course.id!r}
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# The students' modules are what is graded: without this, autograde would copy
# the stub from source/<ID>/ over each student's module. (Do not list them in
# CourseDirectory.ignore instead: that also hides them from autograde.)
c.Autograde.exclude_overwriting = {json.dumps(exclude, indent=4)}

# The hidden grade cell runs the grading engine on a submission: give it time.
c.Execute.timeout = {timeout}

# nbgrader's feedback shows hidden test cells unless they are cleared again.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
'''


def _copy_release(course: Course, assignment: Assignment, target: Path):
    """Copy the student-facing files of assignments/<ID>/ (not its notebook) to target."""
    release = course.release_dir(assignment.id)
    if not release.is_dir():
        raise InitError(f"{release}: no release folder; run `course build` first")
    for module in assignment.modules:
        if not (release / module).is_file():
            raise InitError(f"{release / module}: the stub is missing; run `course build` first")
    for path in sorted(release.rglob("*")):
        relative = path.relative_to(release)
        if any(part in _NEVER_COPIED or part.startswith(".") for part in relative.parts):
            continue
        if path.is_dir() or relative == Path(f"{assignment.id}.ipynb") or path.suffix == ".pyc":
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)


def _check_source(course: Course, assignment: Assignment, folder: Path):
    """No solution, reference code or hidden test in source/<ID>/ but the notebook's hidden cell."""
    from .release_check import check_release

    notebook = folder / f"{assignment.id}.ipynb"
    findings = [f for f in check_release(course, folder) if Path(f.file) != notebook]
    if findings:
        shutil.rmtree(folder)
        raise InitError(f"{folder}: refusing to put this in an nbgrader source folder:\n"
                        + "\n".join(str(f) for f in findings))


def _naive_utc(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def open_gradebook(db_path: Path, course_id: str):
    """nbgrader's Gradebook on db_path (created if missing).

    A new gradebook asks the ``alembic`` command for its schema version, so
    the folder of this interpreter (a virtualenv's bin/) must be on PATH even
    when the venv is not activated.
    """
    from nbgrader.api import Gradebook

    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (bin_dir, os.environ.get("PATH")) if p)
    return Gradebook(f"sqlite:///{Path(db_path).resolve()}", course_id=course_id)


def register_assignments(course: Course, db_path: Path):
    """Every assignment of the course in the gradebook, with its due date."""
    with open_gradebook(db_path, course.id) as gb:
        for assignment in course.assignments:
            due = _naive_utc(assignment.due)
            if due is None:
                gb.update_or_create_assignment(assignment.id)
            else:
                gb.update_or_create_assignment(assignment.id, duedate=due)


def init_course(course: Course, target: Path | str) -> Path:
    """Make target a ready nbgrader course (see the module docstring); return it."""
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    (target / "nbgrader_config.py").write_text(nbgrader_config(course))
    for assignment in course.assignments:
        folder = target / "source" / assignment.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        _copy_release(course, assignment, folder)
        nbformat.write(source_notebook(course, assignment), folder / f"{assignment.id}.ipynb")
        _check_source(course, assignment, folder)
    register_assignments(course, target / "gradebook.db")
    return target
