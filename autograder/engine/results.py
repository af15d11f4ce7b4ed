"""Grading outputs, rendered from the one result model: results.json, feedback.md, grades.csv, regrades.csv.

An instructor's override (model.Override) is rendered beside the engine's
result, never into it: results.json keeps the engine's score in extra_data,
grades.csv in engine_score. regrades.csv is written from the ledger's rows.

Every file is written atomically (a temporary file in the same folder, then
os.replace), so a killed batch leaves each file either whole or absent.
results.json is written last for a submission: its presence means "a result
was recorded" (graded, or not graded with the reason).
"""
import csv
import io
import json
import logging
from pathlib import Path

from ..primitives import atomic_write, read_regular
from .attention import attention_list, stale_why
from .model import (DOES_NOT_IMPORT, GRADED, MISSING, NOT_GRADED, STALE, STALE_REASON, ResultFormatError, ResultOfRecord,
                    SubmissionResult, shows_output)
from .text import clean, csv_cell, markdown_block, markdown_inline

log = logging.getLogger("course.engine")

# score is the score of record: an instructor's override when one stands (described in override, the
# engine's own score in engine_score), else the engine's; 0 for missing and does not import; empty when
# not graded or stale. attention: why the instructor should look (engine/attention.py), "; "-separated.
GRADES_COLUMNS = ["student", "assignment", "score", "max_score", "status", "late", "late_days", "flags", "reason",
                  "engine_score", "override", "attention"]
# override: on a TOTAL row, the instructor's override that stands over the new score ("override 15 stands")
REGRADES_COLUMNS = ["at", "run", "student", "assignment", "why", "test", "old_score", "new_score", "change",
                    "override"]


MAX_RESULT_BYTES = 8 * 2**20  # far above any results.json the engine writes; a bound, not a limit in practice


def results_path(out_dir: Path, student: str, assignment_id: str) -> Path:
    return out_dir / student / assignment_id / "results.json"


def load_result(path: Path) -> SubmissionResult:
    """The result stored at path (read with primitives.read_regular: no link, at most MAX_RESULT_BYTES);
    ResultFormatError if it is unreadable, refused or not the engine's."""
    try:
        data = json.loads(read_regular(path, MAX_RESULT_BYTES).decode("utf-8", errors="replace"))
    except (OSError, ValueError) as exc:  # RefusedFile among them
        raise ResultFormatError(f"{path}: cannot be read ({exc})") from None
    return SubmissionResult.from_gradescope(data)


def recorded_override(path: Path) -> dict | None:
    """The override results.json at path records (extra_data.override, as model.Override.recorded writes it; older
    files lack tests, comments and engine_score), its values checked; None when it records none or is unreadable."""
    try:
        data = json.loads(read_regular(path, MAX_RESULT_BYTES).decode("utf-8", errors="replace"))
        override = data["extra_data"].get("override")
        if not isinstance(override, dict):
            return None

        def number(x):
            return None if x is None else float(x)
        comments = [(str(c.get("at") or ""), clean(str(c.get("text") or ""))) for c in override.get("comments") or ()]
        if not comments and override.get("comment"):
            comments = [(str(override.get("at") or ""), clean(str(override["comment"])))]
        return {"score": number(override.get("score")), "reason": clean(str(override.get("reason") or "")),
                "tests": {clean(str(t)): float(p) for t, p in (override.get("tests") or {}).items()},
                "comments": comments, "at": str(override.get("at") or ""),
                "engine_score": number(override.get("engine_score", data["extra_data"].get("engine_score")))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("warning: %s: its override cannot be read (%s); not migrated", path, exc)
        return None


def _score_of_record_lines(record: ResultOfRecord) -> list[str]:
    """The feedback's opening: the score of record, an override's marked as the instructor's with the engine's
    score beside it and, for an override of some tests, the sum that gives it."""
    result, override, score = record.result, record.grade_override, record.overridden_score
    if score is None:
        return [f"**Score: {result.score:g} / {result.max_score:g}**", ""] if result.graded else []
    engine = "no score" if result.score is None else f"{result.score:g}"
    lines = [f"**Score set by your instructor: {score:g} / {result.max_score:g}** "
             f"(the automatic grading gave {engine}).", ""]
    if override.score is None:
        tests = {t.test: t for t in result.tests}
        changes = [f"\u201c{tests[name].name}\u201d to {points:g} of {tests[name].max_score:g} points "
                   f"(the automatic grading gave {tests[name].score:g})"
                   for name, points in sorted(override.tests.items()) if name in tests]
        earned = result.earned + sum(points - tests[name].score for name, points in override.tests.items()
                                     if name in tests)
        text = f"Your instructor set {'; '.join(changes)}: {earned:g} points"
        if result.lateness.penalty:
            text += f", less the late penalty of {100 * result.lateness.penalty:g}%: {score:g}"
        lines += [markdown_inline(text) + ".", ""]
    return lines


def _instructor_lines(override) -> list[str]:
    """Every comment of the instructor's, oldest first, each with its date."""
    if override is None or not override.dated_comments:
        return []
    lines = ["## From your instructor", ""]
    for at, text in override.dated_comments:
        lines += [f"{markdown_inline(at[:10])}: {markdown_inline(text)}", ""]
    return lines


def feedback_markdown(result: SubmissionResult, override=None, now=None) -> str:
    """The student's feedback: the score of record (an override's, marked, when one stands), then each test with
    what went wrong (a failed test's output as model.shows_output allows at now, default the current time); the
    instructor's comment last. Student text is escaped."""
    after_due = result.lateness.past_due(now)
    lines = [f"# {markdown_inline(result.assignment)}: feedback for {markdown_inline(result.student)}", ""]
    opening = _score_of_record_lines(ResultOfRecord.of(result, override))
    if not result.graded:
        if opening:
            lines += [*opening, "Your submission could not be graded automatically.", ""]
        else:
            lines += ["**Not graded yet.** Your submission could not be graded automatically; "
                      "your instructor has been told and will look at it.", ""]
        lines += [f"Reason: {markdown_inline(result.reason)}", "", *_instructor_lines(override)]
        return "\n".join(lines) + "\n"
    lines += opening
    by_instructor = opening[0].startswith("**Score set")
    engine_part = "The automatic grading found nothing to grade" if by_instructor else "Nothing was graded"
    if result.status == MISSING:
        lines += [f"**{engine_part}: your module is missing.** {markdown_inline(result.reason)}", ""]
    elif result.status == DOES_NOT_IMPORT:
        lines += [f"**{engine_part}: your module could not be imported.**", "",
                  *markdown_block(result.reason, indent="    "), ""]
    for note in result.notes:
        lines += [markdown_inline(note), ""]
    if by_instructor and result.tests:
        lines += [f"The automatic grading, test by test ({result.score:g} / {result.max_score:g}):", ""]
    for test in result.tests:
        mark = "PASS" if test.passed else "FAIL"
        lines.append(f"- {mark} {test.name} ({test.score:g}/{test.max_score:g})")  # the graders' own words
        if not test.passed and test.output and shows_output(test, after_due):
            lines += ["", *markdown_block(test.output, indent="      "), ""]
    lines += ["", f"Random inputs were drawn with seed {result.seed}; "
              "regrading gives the same inputs and the same result.", "", *_instructor_lines(override)]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_submission_results(out_dir: Path, result: SubmissionResult, override=None):
    folder = out_dir / result.student / result.assignment
    atomic_write(folder / "feedback.md", feedback_markdown(result, override))
    atomic_write(folder / "results.json",
                 json.dumps(result.to_gradescope(override), indent=2, ensure_ascii=False) + "\n")


def grades_row(result: SubmissionResult, status: str | None = None, override=None, attention=(),
               stale_why: str = "") -> dict:
    """The row of grades.csv, rendered from the result of record (status STALE: a stale one); a stale or not graded
    result has an empty score, unless an override gives one. A stale result, and a not graded one whose lateness
    was never assessed (no time, no note), have empty late and late_days: "on time" would be a verdict nobody
    made; so has one the engine did not grade whose lateness is unknown (no penalty to doubt). The override
    column describes the standing override, a comment only included."""
    record = ResultOfRecord.of(result, override, stale=(stale_why or True) if status == STALE else False,
                               attention=attention)
    late = result.lateness
    unassessed = record.stale or (result.status == NOT_GRADED and late.late is False and late.submitted_at is None
                                  and not late.note) or (result.status != GRADED and late.late is None)
    engine = "" if record.stale or record.engine_score is None else f"{record.engine_score:g}"
    return {"student": result.student, "assignment": result.assignment,
            "score": "" if record.score is None else f"{record.score:g}", "max_score": f"{result.max_score:g}",
            "status": record.status, "late": "" if unassessed else late.label,
            "late_days": "" if unassessed else late.late_days,
            "flags": "; ".join(result.flags), "reason": record.stale_why or result.reason, "engine_score": engine,
            "override": record.override_column, "attention": "; ".join(record.attention)}


def stale_results(out_dir: Path) -> dict:
    """(student, assignment) -> why ("" for the usual reason) of every row grades.csv marks stale (empty when there
    is no grades.csv)."""
    path = Path(out_dir) / "grades.csv"
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            return {(r.get("student"), r.get("assignment")): _stale_reason(r.get("reason") or "")
                    for r in csv.DictReader(f) if r.get("status") == STALE}
    except OSError:
        return {}


def _stale_reason(reason: str) -> str:
    """A stale row's reason kept when it says more than STALE_REASON (staleness.py's), else ""."""
    return reason if reason.startswith("stale:") and reason != STALE_REASON else ""


def collect_results(out_dir: Path) -> tuple[list[SubmissionResult], list[str]]:
    """Every result under out_dir (every assignment graded there), and a line for each unreadable one."""
    results, problems = [], []
    for path in sorted(out_dir.glob("*/*/results.json")):
        try:
            results.append(load_result(path))
        except ResultFormatError as exc:
            problems.append(f"{path}: {exc}")
    return results, problems


def _csv(columns, rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _why_text(why) -> str:
    return why if isinstance(why, str) else ""


def write_grades_csv(out_dir: Path, stale=frozenset(), overrides=None) -> Path:
    """grades.csv from every result on disk; stale: (student, assignment) pairs whose result is out of date (a set,
    or a dict of them to why);
    overrides: the ledger's standing ones ((student, assignment) -> Override)."""
    results, problems = collect_results(out_dir)
    overrides = overrides or {}
    attention = {(a.student, a.assignment): a.reasons for a in attention_list(results, overrides, out_dir, stale)}
    rows = [grades_row(r, STALE if (r.student, r.assignment) in stale else None,
                       overrides.get((r.student, r.assignment)), attention.get((r.student, r.assignment), ()),
                       _why_text(stale_why(stale, (r.student, r.assignment))))
            for r in results]
    path = out_dir / "grades.csv"
    atomic_write(path, _csv(GRADES_COLUMNS, rows))
    for problem in problems:
        log.warning("warning: %s: left out of grades.csv", problem)
    return path


def update_grades_row(out_dir: Path, result: SubmissionResult, override, attention=()) -> Path:
    """Rewrite one row of grades.csv (after an override), keeping its status (stale stays stale) and the rest."""
    path = out_dir / "grades.csv"
    rows = []
    if path.is_file():
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            rows = list(csv.DictReader(f))
    key = (result.student, result.assignment)
    row = next((r for r in rows if (r.get("student"), r.get("assignment")) == key), {})
    status = row.get("status")
    new = grades_row(result, STALE if status == STALE else None, override, attention,
                     _stale_reason(row.get("reason") or "") if status == STALE else "")
    replaced = [new if (r.get("student"), r.get("assignment")) == key else {c: r.get(c, "") for c in GRADES_COLUMNS}
                for r in rows]
    if key not in {(r.get("student"), r.get("assignment")) for r in rows}:
        replaced.append(new)
    atomic_write(path, _csv(GRADES_COLUMNS, sorted(replaced, key=lambda r: (r["student"], r["assignment"]))))
    return path


def write_regrades_csv(out_dir: Path, rows: list[dict]) -> Path:
    path = out_dir / "regrades.csv"
    atomic_write(path, _csv(REGRADES_COLUMNS, rows))
    return path
