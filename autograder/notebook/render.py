"""The student's notebook, assignments/<ID>/<ID>.ipynb, as text built from notebooks/<ID>.py.

Cell ids are the assignment id and the cell's position, and the notebook
metadata is fixed, so the same source always gives the same bytes (`course
build --check` relies on it). The jupytext header of the source is not
copied: a student's Jupyter with jupytext must not pair the notebook with a
.py file. The metadata records the source and the digest of the cells.
"""
import nbformat

from ..config import Assignment, Course
from .digest import BUILD_METADATA, cells_digest
from .source import expanded_cells, source_path

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook_from_cells(course: Course, assignment: Assignment, cells) -> nbformat.NotebookNode:
    """A fresh notebook of these cells: stable ids, no outputs, stamped with their digest."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(cells):
        if cell.cell_type == "code":
            made = nbformat.v4.new_code_cell(cell.source.strip("\n"))
        elif cell.cell_type == "markdown":
            made = nbformat.v4.new_markdown_cell(cell.source.strip("\n"))
        else:
            made = nbformat.v4.new_raw_cell(cell.source.strip("\n"))
        made.metadata.update(cell.metadata)
        made.id = f"{assignment.id}-{index:02d}"
        nb.cells.append(made)
    source = source_path(course, assignment.id).relative_to(course.root).as_posix()
    nb.metadata[BUILD_METADATA] = {"source": source, "digest": cells_digest(nb.cells)}
    nbformat.validate(nb)
    return nb


def build_notebook(course: Course, assignment: Assignment) -> str | None:
    """The notebook of an assignment as JSON text, or None if it has no notebooks/<ID>.py."""
    cells = expanded_cells(course, assignment)
    if cells is None:
        return None
    return nbformat.writes(notebook_from_cells(course, assignment, cells)) + "\n"
