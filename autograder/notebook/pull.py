"""`course notebook pull ID`: an .ipynb edited in Jupyter back into notebooks/<ID>.py.

The cells of assignments/<ID>/<ID>.ipynb become the source again: outputs
and execution counts are dropped, and so is Jupyter's UI metadata. A run of
cells an include produced (cell metadata INCLUDED) that still reads exactly
as notebooks/shared/NAME.py renders it folds back into its one include cell.
A shared cell edited here is never lost: the run stays as ordinary cells in
notebooks/<ID>.py in place of the include, and a note says so. Afterwards
the .ipynb is rebuilt from the new source, so `course build` leaves it be.

Pull refuses when notebooks/<ID>.py itself changed since the notebook was
built and the notebook was edited too: both sides changed, and choosing one
would lose the other (force=True takes the notebook's side).
"""
import copy
import dataclasses
from pathlib import Path

import jupytext
import nbformat

from ..errors import BuildError
from ..config import Assignment, Course
from .digest import BUILD_METADATA, authored_metadata, edit_state
from .render import KERNELSPEC, build_notebook, notebook_from_cells
from .source import FORMAT, INCLUDE, INCLUDED, expand, read_source, shared_cells, source_path

DEFAULT_HEADER = {"jupytext": {"formats": FORMAT}, "kernelspec": KERNELSPEC}


class PullError(BuildError):
    """The notebook cannot be pulled as it is (missing, unreadable, or both sides edited)."""


@dataclasses.dataclass
class Pulled:
    source: Path          # notebooks/<ID>.py
    notebook: Path        # assignments/<ID>/<ID>.ipynb
    changed: bool         # whether notebooks/<ID>.py was rewritten
    notes: list[str]      # shared cells edited in the notebook, kept as ordinary cells


def pull(course: Course, assignment: Assignment, force: bool = False) -> Pulled:
    """Write the cells of assignments/<ID>/<ID>.ipynb into notebooks/<ID>.py, then rebuild the notebook."""
    notebook_path = course.release_dir(assignment.id) / f"{assignment.id}.ipynb"
    path = source_path(course, assignment.id)
    where = notebook_path.relative_to(course.root).as_posix()
    if not notebook_path.is_file():
        raise PullError(f"{where}: no notebook to pull (run `course build` to write it)")
    try:
        edited = nbformat.read(notebook_path, as_version=4)
    except Exception as exc:
        raise PullError(f"{where}: not a readable notebook ({type(exc).__name__}: {exc})") from exc
    if path.is_file() and not force:
        _refuse_if_both_edited(course, assignment, edited, notebook_path, where)

    cells, notes = _source_cells(course, assignment, edited.cells, where)
    header = read_source(path).metadata if path.is_file() else DEFAULT_HEADER
    source_nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(header), cells=cells)
    text = jupytext.writes(source_nb, fmt=FORMAT)
    _check_round_trip(course, assignment, text, edited.cells, path)

    changed = not path.is_file() or path.read_text() != text
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    built = build_notebook(course, assignment)
    if notebook_path.read_text() != built:
        notebook_path.write_text(built)
    return Pulled(path, notebook_path, changed, notes)


def _refuse_if_both_edited(course, assignment, edited, notebook_path: Path, where: str):
    recorded = edited.metadata.get(BUILD_METADATA, {}).get("digest")
    relative = source_path(course, assignment.id).relative_to(course.root).as_posix()
    source_cells = expand(course, assignment, read_source(source_path(course, assignment.id)), relative)
    if recorded == notebook_from_cells(course, assignment, source_cells).metadata[BUILD_METADATA]["digest"]:
        return  # the source is what the notebook was built from
    if recorded is None:
        raise PullError(f"{where} has no build digest, so pull cannot tell whether {relative} changed since: "
                        f"`course notebook pull {assignment.id} --force` replaces {relative} by the notebook")
    if edit_state(notebook_path) is None:
        raise PullError(f"{where} has no edits to pull, and {relative} changed since it was built: "
                        f"run `course build` to bring the notebook up to date")
    raise PullError(f"both {where} and {relative} changed since the last build: pulling would lose the "
                    f"edits of {relative}. Merge by hand, or `course notebook pull {assignment.id} --force` "
                    f"to replace {relative} by the notebook")


def _plain(cell) -> nbformat.NotebookNode:
    """A source cell: the text and the authored metadata, no outputs, no id."""
    metadata = authored_metadata(cell.metadata)
    metadata.pop(INCLUDED, None)
    made = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
        cell.cell_type, nbformat.v4.new_raw_cell)(cell.source, metadata=metadata)
    return made


def _marker(cell):
    mark = cell.metadata.get(INCLUDED)
    return mark if isinstance(mark, dict) and isinstance(mark.get("name"), str) else None


def _source_cells(course, assignment, cells, where: str) -> tuple[list, list[str]]:
    """The source's cells: runs of included cells that are unchanged fold into one include cell."""
    out, notes, index = [], [], 0
    while index < len(cells):
        mark = _marker(cells[index])
        if mark is None:
            out.append(_plain(cells[index]))
            index += 1
            continue
        run = [cells[index]]
        while index + len(run) < len(cells):
            after = _marker(cells[index + len(run)])
            if after is None or after["name"] != mark["name"] or after.get("cell", 0) <= _marker(run[-1]).get("cell", 0):
                break
            run.append(cells[index + len(run)])
        name, span = mark["name"], f"cells {index + 1}-{index + len(run)}"
        try:
            expected = shared_cells(course, assignment, name, f"{where}: {span}")
        except BuildError:
            expected = None
        if expected is not None and _same_cells(run, expected):
            include = nbformat.v4.new_code_cell("", metadata={INCLUDE: name})
            out.append(include)
        else:
            out.extend(_plain(cell) for cell in run)
            notes.append(f"{where}: {span} came from notebooks/shared/{name}.py and were edited here "
                         f"(or it no longer renders them): they are kept in notebooks/{assignment.id}.py as "
                         f"ordinary cells in place of its include=\"{name}\" cell. If every notebook should "
                         f"change, edit notebooks/shared/{name}.py instead and put the include cell back.")
        index += len(run)
    return out, notes


def _same_cells(run, expected) -> bool:
    def key(cell):
        metadata = authored_metadata(cell.metadata)
        metadata.pop(INCLUDED, None)
        return cell.cell_type, cell.source.strip("\n"), metadata
    return len(run) == len(expected) and all(key(a) == key(b) for a, b in zip(run, expected))


def _check_round_trip(course, assignment, text: str, edited_cells, path: Path):
    """The new source must build the edited cells exactly, or nothing is written."""
    rebuilt = expand(course, assignment, jupytext.reads(text, fmt=FORMAT), str(path))
    want = [(c.cell_type, c.source.strip("\n")) for c in edited_cells]
    got = [(c.cell_type, c.source.strip("\n")) for c in rebuilt]
    if want != got:
        first = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        raise PullError(f"{path}: jupytext cannot write cell {first + 1} of the notebook so that it reads back "
                        f"the same; nothing was written (edit that cell, e.g. a line starting with '# %%')")
