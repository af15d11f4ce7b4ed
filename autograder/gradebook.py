"""``course grade ... --gradebook DB``: our scores in nbgrader's gradebook.

After the engine has graded a class, record_in_gradebook puts each
student's result into the gradebook of the nbgrader course that ``course
nbgrader init`` made (DB's folder), so that ``nbgrader generate_feedback`` and
``nbgrader export`` work and show our scores:

- a graded submission: the score goes to the notebook's one hidden grade
  cell (``hidden_tests``, worth the assignment's points) as its auto score; a
  late penalty of ours becomes the notebook's late_submission_penalty, so
  nbgrader's export shows raw score, penalty and score as we computed them. A
  manual score an instructor gave in formgrader still wins, as always in
  nbgrader, and the cell is flagged for review (needs manual grade);
- a submission the engine could not grade (status "not graded"): no score at
  all. The cell needs manual grading, its auto score, any manual score and
  extra credit (even a score ``nbgrader autograde`` recorded, which student
  code can forge) and the late penalty are removed, and the instructor is
  told which earlier values were removed. Its output says why;
- an override (`course override`, kept in the output folder's ledger): its
  score becomes the cell's manual score, which nbgrader shows beside our
  auto score (the engine's) and uses as the grade; the override is listed
  among the problems that need attention. Missing and does-not-import
  results are recorded with their score 0 and listed too;
- the per-test scores and feedback become the grade cell's output in
  ``autograded/<student>/<ID>/<ID>.ipynb``, built from the student's submitted
  notebook by nbgrader's OverwriteCells, with every output of the student's cells cleared (no student HTML
  or script reaches a reader of the feedback). Locked and graded cells come
  from release/ (stripped by nbgrader), never from source/, so neither the
  autograded notebook nor the feedback can show hidden test source. A
  notebook that cannot be read or is malformed is replaced by the release's
  (the module was graded all the same) and the cell is flagged for review;
- a notebook whose read-only cells, grade cell or points the student changed
  (nbgrader_course.tamper) is flagged for review with what changed, and each
  change becomes an instructor flag of the student's results.json ("locked
  cells edited: ...", which the needs-attention list shows); the score is
  the engine's all the same, the cells come from the release.

Every result is read as the class's records hold it (engine.model.ResultOfRecord,
built by engine.results.results_of_record as for the report and the exports):
a result that grades.csv marks stale goes in as not graded (never its old
score), the override is the ledger's, and the cell is flagged for review for
the attention reasons that bear on the score (engine.attention.reasons with
grade_only: the status, the lateness, the override).

One student's problem never stops the others: each is recorded on its own,
and those that need attention are listed on stderr at the end.
"""
import copy
import dataclasses
import logging
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .config import Assignment, Course
from .errors import PathError
from .nbgrader_course.db import open_gradebook
from .engine.attention import reasons as attention_reasons
from .engine.model import ResultFormatError, ResultOfRecord, SubmissionResult
from .engine.of_record import results_of_record
from .engine.results import load_result
from .nbgrader_course.feedback import feedback_lines, not_graded_lines
from .nbgrader_course.grade_cell import GRADE_CELL_ID
from .nbgrader_course.preprocessors import overwrite_cells_from_release, sanitize_student_cell
from .nbgrader_course.tamper import changes as notebook_changes

_log = logging.getLogger("course.gradebook")
from .primitives import read_regular
from .engine.attention import LOCKED_CELLS_FLAG

NOTEBOOK_FLAG = f"{LOCKED_CELLS_FLAG}: "  # the needs-attention list's hook (engine.attention)
MAX_NOTEBOOK_BYTES = 16 * 2**20


class GradebookError(PathError):
    """The gradebook does not know the assignment as `course nbgrader init` would set it up
    (the CLI prints it on one line)."""


@dataclass
class _Entry:
    """One student's result as the gradebook will hold it."""
    student: str
    record: ResultOfRecord | None  # None: its results.json cannot be read
    reason: str | None  # why no score goes in (not graded, stale, unreadable), or None
    attention: list[str]  # why the instructor should look, besides reason
    path: Path | None = None  # its results.json

    @property
    def results(self) -> SubmissionResult | None:
        return self.record.result if self.record is not None else None

    @property
    def override(self):
        """The ledger's standing override (a comment only included), or None."""
        return self.record.override if self.record is not None else None

    @property
    def overridden(self) -> float | None:
        """The override's score, which goes in as the manual score (the grade, not flagged for review); None when
        no override sets one (or the result is stale)."""
        record = self.record
        return record.overridden_score if record is not None and not record.stale else None


def _tampering(release_nb, submitted: Path) -> list[str]:
    """What the submitted notebook changed of the release's read-only and grade cells (read as JSON, bounded)."""
    import json
    try:
        data = json.loads(read_regular(submitted, MAX_NOTEBOOK_BYTES))
        cells = data.get("cells") if isinstance(data, dict) else None
    except (OSError, ValueError):
        return []  # unreadable: reported as malformed when the graded notebook is made
    return notebook_changes(release_nb.cells, cells) if isinstance(cells, list) else []


def _with_notebook_flags(result: SubmissionResult, found: list[str]) -> SubmissionResult:
    """result with the notebook's changes as its instructor flags (earlier notebook flags replaced)."""
    kept = [f for f in result.flags if not f.startswith(NOTEBOOK_FLAG)]
    flags = tuple(kept + [NOTEBOOK_FLAG + change for change in found])
    return result if flags == tuple(result.flags) else dataclasses.replace(result, flags=flags)


def notebook_flagger(gradebook_path: Path | str):
    """For `course grade --gradebook`: result -> result with the flags of its student's notebook in the
    nbgrader course's submitted/ (as record_in_gradebook finds them), so that the run that grades a
    tampered notebook lists it in grades.csv and its summary. Never raises: what it cannot read it leaves
    to record_in_gradebook, which says so."""
    root = Path(gradebook_path).resolve().parent
    releases = {}

    def amend(result: SubmissionResult) -> SubmissionResult:
        try:
            if result.assignment not in releases:
                path = root / "release" / result.assignment / f"{result.assignment}.ipynb"
                releases[result.assignment] = nbformat.read(path, as_version=4) if path.is_file() else None
            release_nb = releases[result.assignment]
            submitted = root / "submitted" / result.student / result.assignment / f"{result.assignment}.ipynb"
            if release_nb is None or submitted.is_symlink() or not submitted.is_file():
                return result
            return _with_notebook_flags(result, _tampering(release_nb, submitted))
        except Exception:  # a release nbformat cannot read: record_in_gradebook reports it
            return result
    return amend


def _flag_result(entry: _Entry, found: list[str]):
    """The notebook's changes as instructor flags of the student's results.json and its row of grades.csv
    (a result not regraded by this run: its notebook may have changed all the same)."""
    if entry.results is None or entry.path is None:
        return
    from .engine.attention import reasons, similar_pairs
    from .engine.results import update_grades_row, write_submission_results
    flagged = _with_notebook_flags(entry.results, found)
    if flagged is not entry.results:
        entry.record = dataclasses.replace(entry.record, result=flagged)
        out_dir = entry.path.parent.parent.parent
        write_submission_results(out_dir, entry.results, override=entry.override)
        similar = similar_pairs(out_dir, entry.results.assignment).get(entry.student, [])
        update_grades_row(out_dir, entry.results, entry.override,
                          reasons(entry.results, entry.override, similar, entry.record.stale))


def feedback_text(results: SubmissionResult) -> str:
    """What the hidden grade cell shows for a graded submission."""
    return "\n".join(feedback_lines(results)) + "\n"


def _read_entry(student: str, path: Path, record: ResultOfRecord | None, problem: str = "") -> _Entry:
    """The entry of one results.json: record None when it cannot be read (problem says why)."""
    if record is None:
        return _Entry(student, None, f"its results.json cannot be read ({problem})", [], path)
    scored = record.result.graded and not record.stale
    override = record.grade_override
    attention = []
    for line in attention_reasons(record.result, record.override, stale=record.stale, grade_only=True):
        line = " ".join(line.split())
        if line.startswith(("stale:", "not graded:")):
            continue  # said by the entry's reason (needs manual grading)
        recorded = not record.stale and record.overridden_score is not None  # as the manual score (_record)
        if recorded and line.startswith(f"{override.describe()}; the engine gives"):
            engine = "not graded" if record.engine_score is None else f"{record.engine_score:g}"
            line = f"{override.describe()}, recorded as the manual score (engine {engine})"
        attention.append(line)
    return _Entry(student, record, None if scored else record.reason, attention, path)


def _submitted_notebook(release_nb, submitted_path: Path | None, repairs: list[str]):
    """The student's notebook as nbformat reads and validates it (raises otherwise), or a copy of the release's
    when there is none; a kernelspec that is not the release's is added to repairs."""
    if submitted_path is None or not submitted_path.is_file():
        return copy.deepcopy(release_nb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.read(submitted_path, as_version=4)
    nbformat.validate(nb)
    if nb.metadata.get("kernelspec") != release_nb.metadata.get("kernelspec"):
        repairs.append("its kernelspec is missing or changed")
    return nb


def _graded_notebook(release_nb, submitted_path: Path | None, feedback: str):
    """(notebook, repairs): the student's notebook put right by nbgrader's OverwriteCells, with our feedback.

    The course's cells (locked and grade cells) get the release's metadata,
    then nbgrader's OverwriteCells, answered from the release notebook rather
    than the gradebook (whose source cells hold the hidden tests), puts back
    their type and text; solution cells keep the student's text with the
    release's metadata (a solution cell turned into another type is the
    release's again); cells that claim nbgrader metadata the release does not
    have (or a grade_id a second time) lose it; cells deleted come back at the
    end; the kernelspec is the release's; every cell is sanitized as in the
    feedback (no output but the grade cell's, which is the feedback; student
    markdown as text). repairs says what had to be put right in the student's
    notebook. Raises on a notebook that cannot be read or does not follow the
    notebook format.
    """
    release_cells = {}
    for cell in release_nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta and meta.get("grade_id"):
            release_cells[meta["grade_id"]] = cell
    repairs = []
    nb = _submitted_notebook(release_nb, submitted_path, repairs)
    cells, seen, known = [], set(), []  # known: (cell, its release cell, whether it is the course's)
    for index, cell in enumerate(nb.cells, start=1):
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id in release_cells and grade_id not in seen:
            seen.add(grade_id)
            original = release_cells[grade_id]
            ours = not original.metadata["nbgrader"].get("solution") or original.metadata["nbgrader"].get("locked")
            if not ours and cell.cell_type != original.cell_type:
                cell = copy.deepcopy(original)
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            known.append((cell, original, ours))
            cells.append(cell)
        elif meta is not None:
            cell.metadata.pop("nbgrader")
            repairs.append(f"cell {index} has nbgrader metadata the release does not give it "
                           f"(grade_id {str(grade_id)[:40]!r})")
            if grade_id not in seen:
                cells.append(cell)
        else:
            cells.append(cell)
    nb.cells = cells
    nb, _ = overwrite_cells_from_release(release_nb).preprocess(nb, {})
    for cell, original, ours in known:  # OverwriteCells sets checksums of its own: the release's metadata
        if not ours:
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            continue
        cell.metadata = copy.deepcopy(original.metadata)  # the course's cell whole: its id, nothing attached
        cell.pop("attachments", None)
        if "id" in original:
            cell.id = original.id
    missing = [grade_id for grade_id in release_cells if grade_id not in seen]
    if missing and submitted_path is not None and submitted_path.is_file():
        repairs.append(f"{len(missing)} cell(s) of the release were deleted or lost their nbgrader metadata "
                       f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); restored from the release")
    cells = nb.cells + [copy.deepcopy(release_cells[grade_id]) for grade_id in missing]
    ids = set()
    for cell in cells:
        if "id" not in cell or cell.id in ids:
            cell.id = uuid.uuid4().hex[:8]
        ids.add(cell.id)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == GRADE_CELL_ID:
            cell.execution_count = None
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=feedback)]
    nb.cells = [sanitize_student_cell(cell) for cell in cells]
    nb.metadata["kernelspec"] = copy.deepcopy(release_nb.metadata.get("kernelspec", {}))
    nbformat.validate(nb)
    return nb, repairs


def _write_autograded(root: Path, assignment: Assignment, notebook: str, release_nb, entry: _Entry, feedback: str):
    """autograded/<student>/<ID>/<notebook>.ipynb; a malformed submitted notebook adds to entry.attention."""
    target = root / "autograded" / entry.student / assignment.id
    target.mkdir(parents=True, exist_ok=True)
    submitted = root / "submitted" / entry.student / assignment.id / f"{notebook}.ipynb"
    found = _tampering(release_nb, submitted) if submitted.is_file() and not submitted.is_symlink() else []
    entry.attention.extend(f"its notebook {notebook}.ipynb: {change} (the score is the engine's; the cell is "
                           "restored from the release)" for change in found)
    _flag_result(entry, found)
    try:
        graded, repairs = _graded_notebook(release_nb, submitted, feedback)
        entry.attention.extend(f"its notebook {notebook}.ipynb was repaired: {repair}" for repair in repairs)
    except Exception as exc:  # any malformed notebook: the release's cells carry the feedback
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        entry.attention.append(f"its notebook {notebook}.ipynb is malformed ({problem}); "
                               "the feedback shows the release notebook")
        feedback += (f"\nYour notebook {notebook}.ipynb could not be read ({problem}); "
                     "this feedback shows the released notebook.\n")
        graded, _ = _graded_notebook(release_nb, None, feedback)
    graded_path = target / f"{notebook}.ipynb"
    graded_path.unlink(missing_ok=True)  # nbgrader autograde leaves it read-only
    nbformat.write(graded, graded_path)


def _record(gb, assignment: Assignment, notebook: str, max_points: float, entry: _Entry) -> list[str]:
    """Write one entry's grade; return what earlier values were removed (not graded only)."""
    submitted_at = entry.record.lateness.submitted_at if entry.record is not None else None  # none when stale
    gb.update_or_create_student(entry.student)
    stamp = {"timestamp": submitted_at} if submitted_at else {}
    gb.update_or_create_submission(assignment.id, entry.student, **stamp)
    grade = gb.find_grade(GRADE_CELL_ID, notebook, assignment.id, entry.student)
    submission_nb = gb.find_submission_notebook(notebook, assignment.id, entry.student)
    removed = []
    if entry.reason is not None:
        for name in ("auto_score", "manual_score", "extra_credit"):
            if getattr(grade, name) is not None:
                removed.append(f"{name} {getattr(grade, name):g}")
                setattr(grade, name, None)
        if submission_nb.late_submission_penalty:
            removed.append(f"late_submission_penalty {submission_nb.late_submission_penalty:g}")
        submission_nb.late_submission_penalty = None
        grade.needs_manual_grade = True
    else:
        result = entry.results
        scale = max_points / result.max_score if result.max_score else 0.0
        raw = result.earned * scale
        penalty = max(0.0, raw - result.score * scale)
        grade.auto_score = round(min(max(raw, 0.0), max_points), 6)
        grade.needs_manual_grade = grade.manual_score is not None or bool(entry.attention)
        submission_nb.late_submission_penalty = round(penalty, 6) if penalty else None
    overridden = entry.overridden
    if overridden is not None:  # nbgrader grades with the manual score and shows the auto one beside it
        scale = max_points / entry.results.max_score if entry.results.max_score else 0.0
        grade.manual_score = round(min(max(overridden * scale, 0.0), max_points), 6)
        grade.needs_manual_grade = False
        submission_nb.late_submission_penalty = None  # the override is the score of record, penalty included
    gb.db.commit()
    return removed


def _entries(out_dir: Path, assignment_id: str) -> list[_Entry]:
    """One entry per OUT/<student>/<assignment_id>/results.json, as the class's records hold it."""
    paths = {path.parent.parent.name: path for path in sorted(out_dir.glob(f"*/{assignment_id}/results.json"))}
    loaded, problems = {}, {}
    for student, path in paths.items():
        try:
            loaded[(student, assignment_id)] = load_result(path)
        except ResultFormatError as exc:
            problems[student] = str(exc)
    records = results_of_record(out_dir, loaded)
    return [_read_entry(student, path, records.get((student, assignment_id)), problems.get(student, ""))
            for student, path in sorted(paths.items())]


def record_in_gradebook(course: Course, assignment: Assignment, out_dir: Path | str,
                        gradebook_path: Path | str) -> list[str]:
    """Record every OUT/<student>/<ID>/results.json in the gradebook; return the students recorded."""
    from nbgrader.api import MissingEntry

    gradebook_path = Path(gradebook_path).resolve()
    if not gradebook_path.is_file():
        raise GradebookError(f"{gradebook_path}: no gradebook; run `course nbgrader init` and "
                             f"`nbgrader generate_assignment {assignment.id}` there first")
    root = gradebook_path.parent
    entries = _entries(Path(out_dir), assignment.id)
    recorded, attention = [], []
    with warnings.catch_warnings(), open_gradebook(gradebook_path, course.id) as gb:
        # nbgrader's own add_submission makes SQLAlchemy warn about autoflush; harmless.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        try:
            notebooks = [nb.name for nb in gb.find_assignment(assignment.id).notebooks]
        except MissingEntry:
            notebooks = []
        notebook = assignment.id if assignment.id in notebooks else None
        if notebook is None:
            raise GradebookError(f"{gradebook_path}: assignment {assignment.id} has no notebook "
                                 f"{assignment.id}.ipynb; run `nbgrader generate_assignment {assignment.id}` "
                                 f"in {root} first")
        try:
            max_points = gb.find_grade_cell(GRADE_CELL_ID, notebook, assignment.id).max_score
        except MissingEntry:
            raise GradebookError(f"{gradebook_path}: {assignment.id}.ipynb has no grade cell {GRADE_CELL_ID!r}; "
                                 "was its source made by `course nbgrader init`?") from None
        release_path = root / "release" / assignment.id / f"{notebook}.ipynb"
        if not release_path.is_file():
            raise GradebookError(f"{release_path}: missing; run `nbgrader generate_assignment {assignment.id}`")
        release_nb = nbformat.read(release_path, as_version=4)
        for entry in entries:
            try:
                feedback = ("\n".join(not_graded_lines(entry.reason)) + "\n" if entry.reason is not None
                            else feedback_text(entry.results))
                _write_autograded(root, assignment, notebook, release_nb, entry, feedback)
                removed = _record(gb, assignment, notebook, max_points, entry)
            except Exception as exc:  # a bug of ours or a gradebook problem: this student only
                gb.db.rollback()
                attention.append(f"{entry.student}: NOT recorded in the gradebook ({type(exc).__name__}: {exc})")
                continue
            recorded.append(entry.student)
            if entry.reason is not None:
                attention.append(f"{entry.student}: not graded ({entry.reason}); needs manual grading"
                                 + (f"; removed the earlier {', '.join(removed)}" if removed else ""))
            done = ("not flagged for review: the manual score is the grade" if entry.overridden is not None
                    else "flagged for review")
            attention.extend(f"{entry.student}: {note}; {done}" for note in entry.attention)
    print(f"gradebook {gradebook_path}: recorded {assignment.id} for {len(recorded)} student(s); "
          f"`nbgrader generate_feedback {assignment.id}` in {root} writes their feedback")
    if attention:
        _log.warning(f"gradebook: {len(attention)} problem(s) need your attention (formgrader lists those "
              "flagged for review as needing manual grading):")
        for line in attention:
            _log.warning(f"  {line}")
    return sorted(recorded)
