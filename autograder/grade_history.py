"""`course history` and `course override`: the grade history of an output folder, and hand-set grades.

history prints the ledger (engine/ledger.py) of GRADED, oldest first.
override records an instructor's decision there: a score of record for the
whole assignment, or the points of one test; it shows in grades.csv at once
(marked, with the engine's score beside it), in the feedback (with the
comment) and results.json (Gradescope's format: the override's score, the
engine's in extra_data), and in the report, the exports and the gradebook when they are
next written. It stands through every regrade until cleared. A --comment
alone (no --score, no --test) reaches the feedback and changes no grade.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from .config import Assignment
from .engine import ledger as history
from .engine.attention import attention_list
from .engine.model import ResultFormatError
from .errors import UserError
from .engine.results import load_result, results_path, stale_results, update_grades_row, write_submission_results


class OverrideError(UserError, ValueError):
    """An override that cannot be recorded (nothing was written)."""


def _score(value) -> str:
    return "-" if value is None else f"{value:g}"


def history_lines(out_dir: Path, student: str | None = None, assignment: str | None = None) -> list[str]:
    """The history of out_dir as lines, oldest first; [] when there is none."""
    ledger = history.read_ledger(out_dir)
    if ledger is None:
        if not any(Path(out_dir).glob("*/*/results.json")):
            return []
        ledger = history.open_ledger(out_dir)  # a folder graded before the ledger: migrated now
    with ledger:
        entries = ledger.history(student, assignment)
    lines, standing = [], {}
    for e in entries:
        head = f"{e.at}  {e.student}  {e.assignment}  "
        if e.kind == "grade":
            points = ", ".join(f"{test} {points:g}" for test, points in e.tests.items())
            override = standing.get((e.student, e.assignment))
            stands = override.stands(e.tests, e.score) if override is not None else ""
            lines.append(head + f"{e.status} {_score(e.score)}/{_score(e.max_score)}"
                         + (f" ({stands})" if stands else "") + f"  why: {e.why}  run {e.run}")
            if e.fingerprint:
                lines.append(f"    fingerprint: {e.fingerprint}")
            if points:
                lines.append(f"    tests: {points}")
            if e.note:
                lines.append(f"    reason: {' '.join(e.note.split())[:300]}")
            continue
        history._stand(standing, e)
        if e.why == history.OVERRIDE_CLEARED:
            lines.append(head + f"override cleared ({e.note}); engine {_score(e.engine_score)}")
        else:
            what = (f"score {e.score:g}" if e.score is not None
                    else ", ".join(f"{t} {p:g} points" for t, p in e.tests.items()) or "comment only")
            lines.append(head + f"OVERRIDE {what} (engine {_score(e.engine_score)})  why: {e.note}")
            if e.comment:
                lines.append(f"    comment: {e.comment}")
    return lines


def _result_of(out_dir: Path, assignment: Assignment, student: str):
    """The student's results.json in out_dir; OverrideError naming the closest known students otherwise."""
    path = results_path(out_dir, student, assignment.id)
    if not path.is_file():
        known = sorted(p.parent.parent.name for p in out_dir.glob(f"*/{assignment.id}/results.json"))
        if student not in known:
            close = difflib.get_close_matches(student, known, n=3, cutoff=0.5)
            hint = (f"closest known: {', '.join(close)}" if close else
                    f"known: {', '.join(known[:10])}{', ...' if len(known) > 10 else ''}" if known else
                    "nobody is graded there yet")
            raise OverrideError(f"unknown student {student!r} in {out_dir} for {assignment.id} ({hint})")
        raise OverrideError(f"{path}: no result for {student} in {assignment.id}; grade it first "
                            f"(`course grade --assignment {assignment.id} ... --out {out_dir}`)")
    try:
        return load_result(path)
    except ResultFormatError as exc:
        raise OverrideError(str(exc)) from None


def _check_request(result, assignment: Assignment, student: str, score, test, points, comment: str):
    """OverrideError unless exactly one of a score, a test's points or a comment alone is given, within range."""
    if score is not None and test is not None:
        raise OverrideError("give either --score N or --test NAME --points N, not both")
    if score is None and test is None and not comment.strip():
        raise OverrideError("give --score N, --test NAME --points N, or --comment TEXT alone")
    if test is not None:
        tests = {t.test: t for t in result.tests}
        if points is None:
            raise OverrideError("--test needs --points N")
        if test not in tests:
            raise OverrideError(f"{assignment.id} has no test {test!r} in {student}'s result "
                                f"(its tests: {', '.join(tests) or 'none: not graded, give --score'})")
        if not 0 <= points <= tests[test].max_score:
            raise OverrideError(f"--points {points:g}: {test} is worth 0 to {tests[test].max_score:g}")
    elif score is not None and not 0 <= score <= result.max_score:
        raise OverrideError(f"--score {score:g}: {assignment.id} is worth 0 to {result.max_score:g}")


def set_override(out_dir: Path, assignment: Assignment, student: str, reason: str, score: float | None = None,
                 test: str | None = None, points: float | None = None, comment: str = "",
                 clear: bool = False) -> str:
    """Record (or clear) an override; rewrite the student's feedback and grades.csv row. Returns a summary line."""
    out_dir = Path(out_dir)
    if not reason.strip():
        raise OverrideError("give --reason: the history keeps why a grade was set by hand")
    if not out_dir.is_dir():
        raise OverrideError(f"GRADED folder {out_dir} does not exist (give the --out folder of `course grade`)")
    if clear and (given := [option for option, value in (("--score", score), ("--test", test), ("--points", points),
                                                             ("--comment", comment)) if value not in (None, "")]):
        raise OverrideError(f"--clear removes the override; it takes no {', '.join(given)} (clear it, then give "
                            "the new override in a second `course override`)")
    run = history.new_run_id()
    with history.open_ledger(out_dir) as ledger, ledger.exclusive():  # a grading run writes before or after
        result = _result_of(out_dir, assignment, student)
        if clear:
            if (student, assignment.id) not in ledger.overrides(student, assignment.id):
                raise OverrideError(f"{student} has no override in {assignment.id} to clear")
            ledger.clear_override(result, reason.strip(), run)
            override = None
        else:
            _check_request(result, assignment, student, score, test, points, comment)
            override = ledger.set_override(result, reason.strip(), run, score=score, test=test, points=points,
                                           comment=comment.strip())
        attention = attention_list([result], ledger.overrides(student, assignment.id), out_dir,
                                   stale_results(out_dir))
        write_submission_results(out_dir, result, override)
        update_grades_row(out_dir, result, override, attention[0].reasons if attention else ())
    engine = _score(result.score) if result.score is not None else "not graded"
    if override is None:
        return f"override cleared: {student} {assignment.id} is back to the engine's {engine}"
    if not override.sets_grade:
        return (f"comment recorded for {student} {assignment.id} (the grade stays {engine}); "
                "the feedback updated")
    return (f"override recorded: {student} {assignment.id} scores {_score(override.apply(result))} "
            f"(the engine gives {engine}); grades.csv and the feedback updated; "
            f"`course report {out_dir}` and `course export` show it when next run")
