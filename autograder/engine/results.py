"""Grading outputs: results.json (Gradescope's format), feedback.md, grades.csv.

Every file is written atomically (a temporary file in the same folder, then
os.replace), so a killed batch leaves each file either whole or absent.
results.json is written last for a submission: its presence means "graded".
"""
import csv
import io
import json
import os
import tempfile
from pathlib import Path

GRADES_COLUMNS = ["student", "assignment", "score", "max_score", "late", "late_days"]


def atomic_write(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_path(out_dir: Path, student: str, assignment_id: str) -> Path:
    return out_dir / student / assignment_id / "results.json"


def feedback_markdown(results: dict) -> str:
    """The student's feedback: score, then each test with what went wrong."""
    extra = results["extra_data"]
    lines = [f"# {extra['assignment']}: feedback for {extra['student']}", "",
             f"**Score: {results['score']:g} / {results['max_score']:g}**", ""]
    if results.get("output"):
        lines += [results["output"], ""]
    for test in results["tests"]:
        mark = "PASS" if test["status"] == "passed" else "FAIL"
        lines.append(f"- {mark} {test['name']} ({test['score']:g}/{test['max_score']:g})")
        if test["status"] != "passed" and test["visibility"] != "hidden" and test.get("output"):
            lines += ["", *("    " + line for line in test["output"].splitlines()), ""]
    lines += ["", f"Random inputs were drawn with seed {extra['seed']}; "
              "regrading gives the same inputs and the same result."]
    return "\n".join(lines) + "\n"


def write_submission_results(out_dir: Path, student: str, assignment_id: str, results: dict):
    folder = out_dir / student / assignment_id
    atomic_write(folder / "feedback.md", feedback_markdown(results))
    atomic_write(folder / "results.json", json.dumps(results, indent=2) + "\n")


def collect_grades(out_dir: Path) -> list[dict]:
    """One row per results.json under out_dir (every assignment graded there)."""
    rows = []
    for path in sorted(out_dir.glob("*/*/results.json")):
        try:
            results = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # cannot happen with atomic writes; never let one file stop the table
        extra = results.get("extra_data", {})
        rows.append({"student": path.parent.parent.name, "assignment": path.parent.name,
                     "score": results["score"], "max_score": results["max_score"],
                     "late": extra.get("late", False), "late_days": extra.get("late_days", 0)})
    return rows


def write_grades_csv(out_dir: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=GRADES_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(collect_grades(out_dir))
    path = out_dir / "grades.csv"
    atomic_write(path, buffer.getvalue())
    return path
