"""``course grade ... --gradebook DB``: our scores in nbgrader's gradebook.

After the engine has graded a class, record_in_gradebook puts each
student's score into the gradebook of the nbgrader course that ``course
nbgrader init`` made (DB's folder), so that ``nbgrader generate_feedback`` and
``nbgrader export`` work and show our scores:

- the score goes to the assignment notebook's one hidden grade cell
  (``hidden_tests``, worth the assignment's points) as its auto score; a late
  penalty of ours becomes the notebook's late_submission_penalty, so nbgrader's
  export shows raw score, penalty and score as we computed them. A manual
  score an instructor gave in formgrader still wins, as always in nbgrader;
- the per-test scores and feedback become that cell's output in
  ``autograded/<student>/<ID>/<ID>.ipynb``, built from the student's submitted
  notebook (or the release notebook when they handed in none). Every locked or
  graded cell comes from release/ (stripped by nbgrader), never from source/,
  so neither the autograded notebook nor the feedback HTML made from it can
  show hidden test source.

One grade cell per assignment (not one per hidden test) keeps nbgrader's
gradebook unchanged when hidden tests are added or renamed; the per-test
breakdown lives in results.json, feedback.md and the feedback HTML.
"""
import copy
import json
import uuid
import warnings
from pathlib import Path

import nbformat

from .config import Assignment, Course, CourseConfigError
from .nbgrader_course import GRADE_CELL_ID, open_gradebook


class GradebookError(CourseConfigError):
    """The gradebook does not know the assignment as `course nbgrader init` would set it up
    (the CLI prints it on one line)."""


def feedback_text(results: dict) -> str:
    """What the hidden grade cell shows: the score, then each test (no test source)."""
    lines = [f"Score from the course's grading engine: {results['score']:g} / {results['max_score']:g}"]
    if results.get("output"):
        lines.append(results["output"])
    for test in results["tests"]:
        mark = "PASS" if test["status"] == "passed" else "FAIL"
        lines.append(f"  {mark} {test['name']} ({test['score']:g}/{test['max_score']:g})")
        if test["status"] != "passed" and test.get("visibility") != "hidden" and test.get("output"):
            lines.extend("        " + line for line in test["output"].splitlines())
    return "\n".join(lines) + "\n"


def _graded_notebook(release_nb, submitted_path: Path | None, results: dict):
    """The student's notebook, sanitized like nbgrader's OverwriteCells, with our feedback.

    Locked and graded cells are taken from the release notebook; solution
    cells keep the student's text with the release's metadata; cells that
    claim nbgrader metadata the release does not have lose it.
    """
    release_cells = {}
    for cell in release_nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta and meta.get("grade_id"):
            release_cells[meta["grade_id"]] = cell
    nb = None
    if submitted_path is not None and submitted_path.is_file():
        try:
            nb = nbformat.read(submitted_path, as_version=4)
        except Exception:  # unreadable notebook: feedback on the release's cells
            nb = None
    if nb is None:
        nb = copy.deepcopy(release_nb)
    cells, seen = [], set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id in release_cells and grade_id not in seen:
            seen.add(grade_id)
            original = release_cells[grade_id]
            if original.metadata["nbgrader"].get("solution") and not original.metadata["nbgrader"].get("locked"):
                cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
                cells.append(cell)
            else:
                cells.append(copy.deepcopy(original))
        elif meta is not None:
            cell.metadata.pop("nbgrader")
            if grade_id not in seen:
                cells.append(cell)
        else:
            cells.append(cell)
    for grade_id, original in release_cells.items():  # cells the student deleted
        if grade_id not in seen:
            cells.append(copy.deepcopy(original))
    ids = set()
    for cell in cells:
        if "id" not in cell or cell.id in ids:
            cell.id = uuid.uuid4().hex[:8]
        ids.add(cell.id)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == GRADE_CELL_ID:
            cell.execution_count = None
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=feedback_text(results))]
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def record_in_gradebook(course: Course, assignment: Assignment, out_dir: Path | str,
                        gradebook_path: Path | str) -> list[str]:
    """Record every OUT/<student>/<ID>/results.json in the gradebook; return the students."""
    from nbgrader.api import MissingEntry

    gradebook_path = Path(gradebook_path).resolve()
    if not gradebook_path.is_file():
        raise GradebookError(f"{gradebook_path}: no gradebook; run `course nbgrader init` and "
                             f"`nbgrader generate_assignment {assignment.id}` there first")
    root = gradebook_path.parent
    graded = {path.parent.parent.name: json.loads(path.read_text())
              for path in sorted(Path(out_dir).glob(f"*/{assignment.id}/results.json"))}
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
        for student, results in graded.items():
            extra = results.get("extra_data", {})
            scale = max_points / results["max_score"] if results["max_score"] else 0.0
            raw = extra.get("score_before_penalty", results["score"]) * scale
            penalty = max(0.0, raw - results["score"] * scale)
            gb.update_or_create_student(student)
            stamp = {"timestamp": extra["submitted_at"]} if extra.get("submitted_at") else {}
            gb.update_or_create_submission(assignment.id, student, **stamp)
            grade = gb.find_grade(GRADE_CELL_ID, notebook, assignment.id, student)
            grade.auto_score = round(min(max(raw, 0.0), max_points), 6)
            grade.needs_manual_grade = False
            gb.find_submission_notebook(notebook, assignment.id, student).late_submission_penalty = (
                round(penalty, 6) if penalty else None)
            gb.db.commit()
            target = root / "autograded" / student / assignment.id
            target.mkdir(parents=True, exist_ok=True)
            submitted = root / "submitted" / student / assignment.id / f"{notebook}.ipynb"
            graded_path = target / f"{notebook}.ipynb"
            graded_path.unlink(missing_ok=True)  # nbgrader autograde leaves it read-only
            nbformat.write(_graded_notebook(release_nb, submitted, results), graded_path)
    print(f"gradebook {gradebook_path}: recorded {assignment.id} for {len(graded)} student(s); "
          f"`nbgrader generate_feedback {assignment.id}` in {root} writes their feedback")
    return sorted(graded)
