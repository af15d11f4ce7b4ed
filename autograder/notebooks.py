"""Write each assignment's notebook with nbformat from its cell source.

autograder/notebook_sources/<assignment id>.py defines CELLS: a list of
("markdown" | "code", text) pairs. The notebook is rebuilt from it by
``course build``, so nobody edits notebook JSON by hand.
"""
import importlib

import nbformat

from .config import Assignment, Course


def notebook_cells(assignment_id: str):
    """The (kind, text) cells of an assignment's notebook, or None if it has none."""
    module_name = f"autograder.notebook_sources.nb_{assignment_id}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    return module.CELLS


def build_notebook(course: Course, assignment: Assignment) -> str | None:
    """The notebook of an assignment as JSON text, or None if it has no cell source."""
    cells = notebook_cells(assignment.id)
    if cells is None:
        return None
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for index, (kind, text) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text.strip("\n"))
        cell.id = f"{assignment.id}-{index:02d}"  # stable ids keep the build reproducible
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
