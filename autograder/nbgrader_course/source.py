"""source/<ID>/ of the nbgrader course: the student release and the notebook with nbgrader metadata.

source_notebook() takes the assignment's notebook (or a minimal one): markdown
cells read-only, code cells plain, cells with solution regions marked as
solution cells, and at the end ONE hidden grade cell worth the assignment's
points (autograder.nbgrader_course.grade_cell). write_source() copies the student
release of assignments/<ID>/ beside it (stubs, provided modules, public
tests; never a reference module) and checks the folder for leaks.
"""
import shutil
from pathlib import Path

import nbformat

from ..config import Assignment, Course
from ..errors import PathError
from ..primitives import markers_in
from .grade_cell import GRADE_CELL_ID, grade_cell_source

# Files of assignments/<ID>/ that never go to source/ (nor, hence, to release/).
_NEVER_COPIED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache")


class InitError(PathError):
    """The course cannot be turned into an nbgrader course as it is (the CLI prints it on one line)."""


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
    return not markers_in(source).isdisjoint(markers)


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
                                f"graders/test_{assignment.id}.py")
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
    from ..release_check import check_release

    notebook = folder / f"{assignment.id}.ipynb"
    findings = [f for f in check_release(course, folder) if Path(f.file) != notebook]
    if findings:
        shutil.rmtree(folder)
        raise InitError(f"{folder}: refusing to put this in an nbgrader source folder:\n"
                        + "\n".join(str(f) for f in findings))


def write_source(course: Course, assignment: Assignment, folder: Path):
    """(Re)write source/<ID>/ = folder: the release's files and the nbgrader notebook."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _copy_release(course, assignment, folder)
    nbformat.write(source_notebook(course, assignment), folder / f"{assignment.id}.ipynb")
    _check_source(course, assignment, folder)
