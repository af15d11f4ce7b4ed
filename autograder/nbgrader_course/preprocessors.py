"""nbgrader preprocessors the course's configuration adds to nbgrader's pipelines.

- FlagUngradedCells (autograde, right after SaveAutoGrades): nbgrader scores
  a grade cell with an error or anything on stderr 0, and one with no value
  full marks. For the course's grade cell each of these means the engine did
  not grade: the auto score is removed and the cell needs manual grading.
- SanitizeStudentCells (generate_feedback): the feedback shows no output of
  the student's cells and only the text of the grade cell's output; the
  markdown the student wrote shows as text, its HTML escaped. No student HTML
  or script reaches whoever reads the feedback.
- RestoreHiddenTests (autograde, before OverwriteCells): a locked cell the
  student left as released gets its hidden tests back before OverwriteCells
  compares checksums. nbgrader's gradebook holds the checksum of the cell
  with its hidden tests and the release the one without, so OverwriteCells
  would otherwise warn "Attribute 'checksum' for cell hidden_tests has
  changed!" for every untouched notebook and bury the warning for a real
  edit, which (as any other change) is left for OverwriteCells to report
  and undo.
- overwrite_cells_from_release() (`course grade --gradebook`'s autograded
  notebook): nbgrader's OverwriteCells with the release notebook in place of
  the gradebook's source cells, which hold the hidden tests.
"""
import html
import re

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from .grade_cell import GRADE_CELL_ID
from .tamper import without_hidden_tests


def _is_course_grade_cell(cell: NotebookNode) -> bool:
    return utils.is_grade(cell) and cell.metadata["nbgrader"].get("grade_id") == GRADE_CELL_ID


def engine_scored(cell: NotebookNode) -> bool:
    """Whether the grade cell ended with a score from the engine (a number, no error, no stderr)."""
    scored = False
    for output in cell.get("outputs", []):
        if output.output_type == "error" or (output.output_type == "stream" and output.get("name") == "stderr"):
            return False
        if output.output_type == "execute_result":
            try:
                float(output.get("data", {}).get("text/plain", ""))
            except ValueError:
                return False
            scored = True
    return scored


class FlagUngradedCells(NbGraderPreprocessor):
    """Leave a course grade cell that did not get the engine's score for manual grading."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        ungraded = [cell for cell in nb.cells if _is_course_grade_cell(cell) and not engine_scored(cell)]
        if not ungraded:
            return nb, resources
        with Gradebook(info["db_url"]) as gb:
            for cell in ungraded:
                grade = gb.find_grade(GRADE_CELL_ID, info["notebook"], info["assignment"], info["student"])
                grade.auto_score = None
                grade.needs_manual_grade = True
                self.log.warning("%s/%s: the grading engine did not grade %s; it needs manual grading",
                                 info["student"], info["assignment"], GRADE_CELL_ID)
            gb.db.commit()
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        return cell, resources


_SCRIPT_URL = re.compile(r"(?i)(java|vb)script\s*:")


def sanitize_student_cell(cell: NotebookNode) -> NotebookNode:
    """A cell as the feedback may show it (see the module docstring); locked cells are the course's own."""
    meta = cell.metadata.get("nbgrader")
    locked = isinstance(meta, dict) and meta.get("locked") and not meta.get("solution")
    if cell.cell_type == "markdown" and not locked:
        cell.source = _SCRIPT_URL.sub("\\1script-", html.escape(cell.source, quote=False))
        cell.pop("attachments", None)
    if cell.cell_type != "code":
        return cell
    if not _is_course_grade_cell(cell):
        cell.outputs, cell.execution_count = [], None
        return cell
    kept = []
    for output in cell.outputs:
        if output.output_type in ("stream", "error"):
            kept.append(output)
        elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
            output.data = {"text/plain": output.data["text/plain"]}
            output.metadata = {}
            kept.append(output)
    cell.outputs = kept
    return cell


class SanitizeStudentCells(NbGraderPreprocessor):
    """sanitize_student_cell on every cell."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        return sanitize_student_cell(cell), resources


class RestoreHiddenTests(NbGraderPreprocessor):
    """Put the hidden tests back into locked cells that are exactly as released (see the module docstring)."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        with Gradebook(info["db_url"]) as gb:
            self.gradebook = gb
            nb, resources = super().preprocess(nb, resources)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        from nbgrader.api import MissingEntry

        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id:
            return cell, resources
        try:
            source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return cell, resources
        if source.locked and cell.cell_type == source.cell_type \
                and source.source != cell.source and cell.source == without_hidden_tests(source.source):
            cell.source = source.source
        return cell, resources


class _ReleaseCells:
    """What nbgrader's OverwriteCells asks its gradebook (source cells, points), answered from the release
    notebook: the cells as students got them, hidden tests stripped, so nothing restored can show one."""

    def __init__(self, release_nb: NotebookNode):
        self.cells = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in release_nb.cells
                      if isinstance(cell.metadata.get("nbgrader"), dict) and cell.metadata["nbgrader"].get("grade_id")}

    def find_source_cell(self, grade_id: str, notebook_id, assignment_id):
        from types import SimpleNamespace

        from nbgrader.api import MissingEntry
        if grade_id not in self.cells:
            raise MissingEntry()
        cell = self.cells[grade_id]
        return SimpleNamespace(name=grade_id, cell_type=cell.cell_type, locked=utils.is_locked(cell),
                               source=cell.source, checksum=utils.compute_checksum(cell))

    def find_graded_cell(self, grade_id: str, notebook_id, assignment_id):
        from types import SimpleNamespace
        return SimpleNamespace(max_score=self.cells[grade_id].metadata["nbgrader"]["points"])


def overwrite_cells_from_release(release_nb: NotebookNode):
    """nbgrader's OverwriteCells (cell type, lock, points and the locked cells' source put back, the
    checksum checked), with the release notebook in place of the gradebook's source cells; its warnings go
    to a logger of its own (the caller reports what changed, nbgrader_course.tamper)."""
    import logging

    from nbgrader.preprocessors import OverwriteCells

    class OverwriteCellsFromRelease(OverwriteCells):
        def preprocess(self, nb, resources):
            self.notebook_id = self.assignment_id = None
            self.gradebook = _ReleaseCells(release_nb)
            return NbGraderPreprocessor.preprocess(self, nb, resources)  # OverwriteCells' own opens the database

    log = logging.getLogger("autograder.nbgrader.overwrite_cells")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return OverwriteCellsFromRelease(log=log)
