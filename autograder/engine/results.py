"""Grading outputs, rendered from the one result model: results.json, feedback.md, grades.csv, regrades.csv.

Every file is written atomically (a temporary file in the same folder, then
os.replace), so a killed batch leaves each file either whole or absent.
results.json is written last for a submission: its presence means "a result
was recorded" (graded, or not graded with the reason).
"""
import csv
import io
import json
import os
import tempfile
from pathlib import Path

from .model import ResultFormatError, SubmissionResult
from .text import csv_cell, markdown_block, markdown_inline

GRADES_COLUMNS = ["student", "assignment", "score", "max_score", "status", "late", "late_days", "flags", "reason"]
REGRADES_COLUMNS = ["student", "assignment", "test", "old_score", "new_score", "change"]
STALE = "stale"  # a status in grades.csv only: the result on disk no longer matches the files, graders or settings


def atomic_write(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_path(out_dir: Path, student: str, assignment_id: str) -> Path:
    return out_dir / student / assignment_id / "results.json"


def load_result(path: Path) -> SubmissionResult:
    """The result stored at path; ResultFormatError if it is unreadable or not the engine's."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        raise ResultFormatError(f"{path}: cannot be read ({exc})") from None
    return SubmissionResult.from_gradescope(data)


def feedback_markdown(result: SubmissionResult) -> str:
    """The student's feedback: score, then each test with what went wrong. Student text is escaped."""
    lines = [f"# {markdown_inline(result.assignment)}: feedback for {markdown_inline(result.student)}", ""]
    if not result.graded:
        lines += ["**Not graded yet.** Your submission could not be graded automatically; "
                  "your instructor has been told and will look at it.", "",
                  f"Reason: {markdown_inline(result.reason)}", ""]
        return "\n".join(lines) + "\n"
    lines += [f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    for note in result.notes:
        lines += [markdown_inline(note), ""]
    for test in result.tests:
        mark = "PASS" if test.passed else "FAIL"
        lines.append(f"- {mark} {test.name} ({test.score:g}/{test.max_score:g})")  # the graders' own words
        if not test.passed and test.visibility != "hidden" and test.output:
            lines += ["", *markdown_block(test.output, indent="      "), ""]
    lines += ["", f"Random inputs were drawn with seed {result.seed}; "
              "regrading gives the same inputs and the same result."]
    return "\n".join(lines) + "\n"


def write_submission_results(out_dir: Path, result: SubmissionResult):
    folder = out_dir / result.student / result.assignment
    atomic_write(folder / "feedback.md", feedback_markdown(result))
    atomic_write(folder / "results.json", json.dumps(result.to_gradescope(), indent=2, ensure_ascii=False) + "\n")


def grades_row(result: SubmissionResult, status: str | None = None) -> dict:
    """The row of grades.csv; a stale or not graded result has an empty score."""
    status = status or result.status
    return {"student": result.student, "assignment": result.assignment,
            "score": "" if status != "graded" else f"{result.score:g}", "max_score": f"{result.max_score:g}",
            "status": status, "late": result.lateness.label, "late_days": result.lateness.late_days,
            "flags": "; ".join(result.flags), "reason": result.reason}


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


def write_grades_csv(out_dir: Path, stale: frozenset = frozenset()) -> Path:
    """grades.csv from every result on disk; stale: (student, assignment) pairs whose result is out of date."""
    results, problems = collect_results(out_dir)
    rows = [grades_row(r, STALE if (r.student, r.assignment) in stale else None) for r in results]
    path = out_dir / "grades.csv"
    atomic_write(path, _csv(GRADES_COLUMNS, rows))
    for problem in problems:
        print(f"warning: {problem}: left out of grades.csv", flush=True)
    return path


def regrade_rows(old: SubmissionResult, new: SubmissionResult) -> list[dict]:
    """Per test and in total, the old and new score of a regraded student; unchanged tests are left out."""
    def fmt(x):
        return "" if x is None else f"{x:g}"
    old_tests = {t.test: t.score for t in old.tests} if old.graded else {}
    new_tests = {t.test: t.score for t in new.tests} if new.graded else {}
    rows = []
    for test in sorted(set(old_tests) | set(new_tests)):
        a, b = old_tests.get(test), new_tests.get(test)
        if a != b:
            rows.append({"test": test, "old_score": fmt(a), "new_score": fmt(b),
                         "change": fmt((b or 0) - (a or 0))})
    total_change = "" if old.score is None or new.score is None else fmt(new.score - old.score)
    rows.append({"test": "TOTAL", "old_score": fmt(old.score) if old.graded else old.status,
                 "new_score": fmt(new.score) if new.graded else new.status, "change": total_change})
    return [{"student": new.student, "assignment": new.assignment, **row} for row in rows]


def write_regrades_csv(out_dir: Path, rows: list[dict]) -> Path:
    path = out_dir / "regrades.csv"
    atomic_write(path, _csv(REGRADES_COLUMNS, rows))
    return path
