"""Read notebooks/<ID>.py (jupytext percent format) and expand its include cells.

An include cell is a cell whose header carries ``include="NAME"`` and whose
body is empty. It stands for the cells of notebooks/shared/NAME.py, whose
texts are jinja2 templates (StrictUndefined) given ``assignment`` (.id,
.title), ``module`` (the first graded module's file name) and ``modules``.
Each cell an include produces carries INCLUDED metadata, {"name": NAME,
"cell": k}, so that `course notebook pull` can fold it back.
"""
from pathlib import Path

import jinja2
import jupytext
import nbformat

from ..errors import BuildError
from ..config import Assignment, Course

FORMAT = "py:percent"
INCLUDE = "include"            # source cell metadata: include="NAME"
INCLUDED = "course_include"    # built cell metadata: {"name": NAME, "cell": k}


class NotebookSourceError(BuildError):
    """A notebook source that cannot be built (bad include, template error)."""


def notebooks_dir(course: Course) -> Path:
    return course.root / "notebooks"


def source_path(course: Course, assignment_id: str) -> Path:
    """notebooks/<ID>.py: the notebook source of one assignment."""
    return notebooks_dir(course) / f"{assignment_id}.py"


def shared_path(course: Course, name: str) -> Path:
    return notebooks_dir(course) / "shared" / f"{name}.py"


def read_source(path: Path) -> nbformat.NotebookNode:
    """A percent-format file as a notebook (jupytext)."""
    return jupytext.reads(path.read_text(), fmt=FORMAT)


def template_context(assignment: Assignment) -> dict:
    return {"assignment": assignment, "module": assignment.modules[0], "modules": list(assignment.modules)}


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def shared_cells(course: Course, assignment: Assignment, name: str, where: str) -> list:
    """The cells of notebooks/shared/NAME.py rendered for one assignment, each marked INCLUDED."""
    path = shared_path(course, name)
    if not path.is_file():
        raise NotebookSourceError(f"{where}: includes {name!r}, but {_relative(course, path)} does not exist")
    cells = []
    for index, cell in enumerate(read_source(path).cells):
        if INCLUDE in cell.metadata:
            raise NotebookSourceError(f"{_relative(course, path)}: cell {index + 1}: a shared file cannot include another")
        try:
            text = _ENV.from_string(cell.source).render(template_context(assignment))
        except jinja2.TemplateError as exc:
            raise NotebookSourceError(f"{_relative(course, path)}: cell {index + 1}: {exc} "
                                      f"(the templates know assignment.id, assignment.title, module, modules)") from exc
        copy = nbformat.from_dict({**cell, "source": text})
        copy.metadata[INCLUDED] = {"name": name, "cell": index}
        cells.append(copy)
    return cells


def expanded_cells(course: Course, assignment: Assignment) -> list | None:
    """The cells of the assignment's notebook with every include expanded, or None without a source."""
    path = source_path(course, assignment.id)
    if not path.is_file():
        return None
    return expand(course, assignment, read_source(path), _relative(course, path))


def expand(course: Course, assignment: Assignment, nb: nbformat.NotebookNode, where: str) -> list:
    """The cells of a source notebook, each include cell replaced by the shared cells it names."""
    cells = []
    for index, cell in enumerate(nb.cells):
        name = cell.metadata.get(INCLUDE)
        if name is None:
            cells.append(cell)
            continue
        if not isinstance(name, str) or not name:
            raise NotebookSourceError(f"{where}: cell {index + 1}: include= needs a name, e.g. include=\"before-you-hand-in\"")
        if cell.source.strip():
            raise NotebookSourceError(f"{where}: cell {index + 1}: an include cell has an empty body "
                                      f"(its cells come from notebooks/shared/{name}.py)")
        cells.extend(shared_cells(course, assignment, name, f"{where}: cell {index + 1}"))
    return cells


def _relative(course: Course, path: Path) -> str:
    try:
        return path.relative_to(course.root).as_posix()
    except ValueError:
        return str(path)
