"""The class at a glance: ``course report OUT_DIR`` writes OUT_DIR/report.html.

After ``course grade`` an instructor wants three answers: how did the class
do (the grade distribution of each assignment), which mistakes does the class
make (the share of students passing each hidden test), and how did each
student do (a sortable table whose scores link to the student's feedback).

The page is one self-contained file: figures are PNGs embedded as data URIs
(and also written next to it as report-<assignment>-grades.png and
report-<assignment>-tests.png), CSS and the few lines of sorting JavaScript
are inline, and nothing is fetched from anywhere. A Content-Security-Policy
allows only that inline script (by its hash), so even a student folder name
that slipped through escaping could not run code; everything a student
controls (folder names, test outputs) is escaped with html.escape anyway.

Input: every OUT_DIR/<student>/<assignment>/results.json (Gradescope's
format, written by the engine). A missing or unreadable results.json is
skipped and listed in a note at the top of the page.
"""
import base64
import collections
import dataclasses
import datetime as dt
import hashlib
import html
import io
import json
import math
import re
import statistics
from pathlib import Path
from urllib.parse import quote

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .config import Course
from .engine.results import atomic_write

REPORT_NAME = "report.html"
DPI = 100
MESSAGE_CHARS = 300  # of a failure message shown in the tests table
FAILURE_MESSAGES = 3  # the commonest failure messages shown per test
CHART_NAME_CHARS = 75  # of a test name on the chart's axis


def _e(text) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------- reading

@dataclasses.dataclass
class Submission:
    student: str
    assignment: str
    results: dict
    has_feedback: bool

    @property
    def score(self) -> float:
        return float(self.results["score"])

    @property
    def max_score(self) -> float:
        return float(self.results["max_score"])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shape_problem(results) -> str | None:
    """Why results is not a usable Gradescope results dict, or None."""
    if not isinstance(results, dict):
        return "not a JSON object"
    for key in ("score", "max_score"):
        if not _is_number(results.get(key)):
            return f"no numeric {key!r}"
    tests = results.get("tests")
    if not isinstance(tests, list):
        return "no 'tests' list"
    for index, test in enumerate(tests):
        if not (isinstance(test, dict) and isinstance(test.get("name"), str)
                and _is_number(test.get("score")) and _is_number(test.get("max_score"))):
            return f"tests[{index}] lacks a name, score or max_score"
    return None


def read_submissions(course: Course, out_dir: Path) -> tuple[list[Submission], list[str]]:
    """Every readable results.json under out_dir, and a note for each one skipped."""
    known = {a.id for a in course.assignments}
    submissions, notes = [], []
    for student_dir in sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            where = f"{student_dir.name}/{folder.name}"
            path = folder / "results.json"
            if not path.is_file():
                if folder.name in known:
                    notes.append(f"{where}: no results.json (not graded yet, or grading was "
                                 "interrupted): skipped")
                continue
            try:
                results = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                notes.append(f"{where}: results.json cannot be read ({exc}): skipped")
                continue
            problem = _shape_problem(results)
            if problem:
                notes.append(f"{where}: results.json is not in Gradescope's format ({problem}): skipped")
                continue
            submissions.append(Submission(student_dir.name, folder.name, results,
                                          (folder / "feedback.md").is_file()))
    return submissions, notes


# ---------------------------------------------------------------- summaries

@dataclasses.dataclass
class TestSummary:
    key: str  # the grader's test function when known, else the name
    name: str
    max_score: float
    visibility: str
    passed: int = 0
    taken: int = 0
    failures: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    @property
    def rate(self) -> float:
        return self.passed / self.taken if self.taken else 0.0


def _passed(test: dict) -> bool:
    status = test.get("status")
    if status in ("passed", "failed"):
        return status == "passed"
    return test["score"] >= test["max_score"]


def summarize_tests(submissions: list[Submission]) -> list[TestSummary]:
    """Per hidden test: how many students passed it and their commonest failure message."""
    tests: dict[str, TestSummary] = {}
    for submission in submissions:
        for test in submission.results["tests"]:
            extra = test.get("extra_data") if isinstance(test.get("extra_data"), dict) else {}
            key = str(extra.get("test") or test["name"])
            summary = tests.setdefault(key, TestSummary(key, test["name"], float(test["max_score"]),
                                                        str(test.get("visibility", "visible"))))
            summary.taken += 1
            if _passed(test):
                summary.passed += 1
            else:
                message = str(test.get("output") or "").strip()
                summary.failures[message[:MESSAGE_CHARS] + ("..." if len(message) > MESSAGE_CHARS else "")] += 1
    return list(tests.values())


def _class_max(submissions: list[Submission], fallback: float) -> float:
    """The assignment's max score: the one most results.json agree on."""
    counts = collections.Counter(s.max_score for s in submissions)
    return counts.most_common(1)[0][0] if counts else fallback


# ---------------------------------------------------------------- figures

def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def grades_figure(assignment_id: str, scores: list[float], max_score: float) -> Figure:
    """Histogram of the scores: ten bins from 0 to max_score."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.add_subplot()
    top = max_score if max_score > 0 else max(scores + [1.0])
    ax.hist(np.clip(scores, 0, top), bins=np.linspace(0, top, 11), color="tab:blue", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    mean = statistics.fmean(scores)
    ax.axvline(mean, color="tab:orange", linestyle="--", label=f"mean {mean:.1f}")
    ax.legend(loc="upper left")
    ax.set_title(f"{assignment_id}: grade distribution ({len(scores)} students)")
    return fig


def _axis_label(name: str) -> str:
    """A test name fit for a chart axis: shortened, and '$' kept out of mathtext."""
    if len(name) > CHART_NAME_CHARS:
        name = name[:CHART_NAME_CHARS - 3] + "..."
    return name.replace("$", r"\$")


def tests_figure(assignment_id: str, tests: list[TestSummary]) -> Figure:
    """Horizontal bars: the share of students passing each test, hardest on top."""
    fig = Figure(figsize=(10.4, max(2.4, 0.4 * len(tests) + 1.3)), layout="constrained")
    ax = fig.add_subplot()
    rates = [t.rate for t in tests]
    positions = np.arange(len(tests))
    ax.barh(positions, rates, color=colormaps["RdYlGn"](0.1 + 0.8 * np.asarray(rates)), height=0.7)
    ax.set_yticks(positions, [_axis_label(t.name) for t in tests])
    ax.invert_yaxis()  # the first (hardest) test at the top
    for y, test in zip(positions, tests):
        ax.text(min(test.rate, 1.0) + 0.01, y, f"{test.passed}/{test.taken}", va="center", fontsize=8)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("students passing")
    fig.suptitle(f"{assignment_id}: share of students passing each hidden test (hardest first)")
    ax.grid(axis="x", alpha=0.3)
    return fig


# ---------------------------------------------------------------- HTML

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5rem; color: #1f2328; background: #fff; line-height: 1.45; }
h1 { margin: 0 0 .2rem; font-size: 1.7rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; }
.meta, .summary { color: #57606a; }
nav a { margin-right: 1rem; }
.notes { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .5rem 1rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure { margin: 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
figcaption { font-size: .85rem; color: #57606a; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .7rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:hover { background: #eaeef2; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.full a { color: #1a7f37; }
td.zero a { color: #cf222e; }
td.missing { color: #8c959f; }
.late { font-size: .75rem; color: #9a6700; margin-left: .3rem; }
.rate { display: inline-block; height: .7rem; background: #2da44e; vertical-align: middle; margin-right: .4rem; }
.rate.low { background: #cf222e; }
.rate.mid { background: #d4a72c; }
.nowrap { white-space: nowrap; }
.message + small { display: block; margin-bottom: .3rem; }
code { font-size: .8rem; color: #57606a; }
.message { font-family: ui-monospace, monospace; font-size: .8rem; white-space: pre-wrap; max-width: 34rem; }
"""

# Sort a table by the clicked column: numbers by data-sort, text alphabetically.
SCRIPT = """
for (const table of document.querySelectorAll("table.sortable")) {
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, col) => th.addEventListener("click", () => {
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    heads.forEach(h => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const numeric = th.dataset.type === "num";
    const key = row => {
      const cell = row.cells[col], value = cell.dataset.sort ?? cell.textContent.trim();
      return numeric ? parseFloat(value) : value.toLowerCase();
    };
    const body = table.tBodies[0], rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = key(a), y = key(b), order = numeric ? x - y : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(row => body.appendChild(row));
  }));
}
document.body.dataset.sortable = "ready";
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def _anchor(assignment_id: str) -> str:
    return "a-" + re.sub(r"[^A-Za-z0-9_-]", "_", assignment_id)


def _file_part(assignment_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", assignment_id)


def feedback_href(student: str, assignment_id: str) -> str:
    """The relative URL of a student's feedback.md (percent-encoded, not yet HTML-escaped)."""
    return f"{quote(student, safe='')}/{quote(assignment_id, safe='')}/feedback.md"


def _img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _rate_bar(rate: float) -> str:
    level = "low" if rate < 0.5 else "mid" if rate < 0.8 else "high"
    return f'<span class="rate {level}" style="width:{rate * 6:.2f}rem"></span>{rate:.0%}'


def _tests_table(tests: list[TestSummary]) -> str:
    rows = []
    for test in tests:
        failure = "".join(
            f'<div class="message">{_e(message) or "(no message)"}</div>'
            f"<small>{count} student{'s' if count != 1 else ''}</small>"
            for message, count in test.failures.most_common(FAILURE_MESSAGES))
        if len(test.failures) > FAILURE_MESSAGES:
            others = len(test.failures) - FAILURE_MESSAGES
            failure += f"<div><small>and {others} other message{'s' if others != 1 else ''}</small></div>"
        hidden = " <small>(hidden from students)</small>" if test.visibility == "hidden" else ""
        rows.append(
            "<tr>"
            f"<td>{_e(test.name)}{hidden}<br><code>{_e(test.key)}</code></td>"
            f'<td class="num" data-sort="{test.max_score:g}">{test.max_score:g}</td>'
            f'<td class="num" data-sort="{test.passed}">{test.passed} / {test.taken}</td>'
            f'<td class="nowrap" data-sort="{test.rate:.6f}">{_rate_bar(test.rate)}</td>'
            f"<td>{failure}</td>"
            "</tr>")
    return ('<table class="sortable tests"><thead><tr>'
            '<th data-type="text">test</th><th class="num" data-type="num">points</th>'
            '<th class="num" data-type="num">passed</th><th data-type="num">pass rate</th>'
            '<th data-type="text">failure messages, commonest first</th>'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _assignment_section(course: Course, assignment_id: str, submissions: list[Submission],
                        out_dir: Path) -> tuple[str, float]:
    """The HTML of one assignment (figures also written as PNG files) and its max score."""
    known = {a.id: a for a in course.assignments}
    title = known[assignment_id].title if assignment_id in known else "(not in course.toml)"
    max_score = _class_max(submissions, known[assignment_id].points if assignment_id in known else 0.0)
    scores = [s.score for s in submissions]
    tests = sorted(summarize_tests(submissions), key=lambda t: t.rate)  # stable: grader order on ties

    pictures = []
    for kind, fig, alt in (
            ("grades", grades_figure(assignment_id, scores, max_score), f"{assignment_id} grade distribution"),
            ("tests", tests_figure(assignment_id, tests) if tests else None, f"{assignment_id} pass rate per test")):
        if fig is None:
            continue
        png = _png(fig)
        name = f"report-{_file_part(assignment_id)}-{kind}.png"
        (out_dir / name).write_bytes(png)
        pictures.append(_img(png, alt, name))

    full = sum(1 for s in scores if s >= max_score > 0)
    zero = sum(1 for s in scores if s <= 0)
    late = sum(1 for s in submissions if isinstance(s.results.get("extra_data"), dict)
               and s.results["extra_data"].get("late"))
    summary = (f"{len(scores)} student{'s' if len(scores) != 1 else ''} &middot; "
               f"mean {statistics.fmean(scores):.1f} / {max_score:g} &middot; "
               f"median {statistics.median(scores):g} &middot; full marks {full} &middot; "
               f"zero {zero} &middot; late {late}")
    section = (f'<section id="{_anchor(assignment_id)}">'
               f"<h2>{_e(assignment_id)}: {_e(title)}</h2>"
               f'<p class="summary">{summary}</p>'
               f'<div class="figures">{"".join(pictures)}</div>'
               f"<h3>Hidden tests, hardest first</h3>"
               f"{_tests_table(tests) if tests else '<p>No tests in these results.</p>'}"
               "</section>")
    return section, max_score


def _score_cell(submission: Submission | None, max_score: float) -> str:
    if submission is None:
        return '<td class="num missing" data-sort="-1" title="not graded">&mdash;</td>'
    score = submission.score
    kind = "full" if score >= max_score > 0 else "zero" if score <= 0 else "partial"
    extra = submission.results.get("extra_data") if isinstance(submission.results.get("extra_data"), dict) else {}
    note = str(submission.results.get("output") or "")
    title = f' title="{_e(note)}"' if note else ""
    text = f"{score:g}"
    if submission.has_feedback:
        href = feedback_href(submission.student, submission.assignment)
        text = f'<a href="{_e(href)}">{text}</a>'
    if extra.get("late"):
        text += f'<span class="late">late {_e(extra.get("late_days", ""))}d</span>'
    return f'<td class="num {kind}" data-sort="{score:g}"{title}>{text}</td>'


def _students_table(assignment_ids: list[str], by_key: dict, maxima: dict) -> str:
    students = sorted({student for student, _ in by_key})
    total_max = sum(maxima.values())
    head = ['<th data-type="text">student</th>']
    head += [f'<th class="num" data-type="num">{_e(a)}<br><small>/ {maxima[a]:g}</small></th>'
             for a in assignment_ids]
    head += [f'<th class="num" data-type="num">total<br><small>/ {total_max:g}</small></th>',
             '<th class="num" data-type="num">%</th>']
    rows = []
    for student in students:
        cells = [f"<td>{_e(student)}</td>"]
        total = 0.0
        for a in assignment_ids:
            submission = by_key.get((student, a))
            cells.append(_score_cell(submission, maxima[a]))
            total += submission.score if submission else 0.0
        share = total / total_max if total_max else 0.0
        cells.append(f'<td class="num" data-sort="{total:g}">{total:g}</td>')
        cells.append(f'<td class="num" data-sort="{share:.6f}">{share:.0%}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table class="sortable students"><thead><tr>' + "".join(head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def render_report(course: Course, out_dir: Path) -> str:
    """The report page for the results under out_dir (writes the figure PNGs there too)."""
    submissions, notes = read_submissions(course, out_dir)
    order = {a.id: i for i, a in enumerate(course.assignments)}
    assignment_ids = sorted({s.assignment for s in submissions}, key=lambda a: (order.get(a, len(order)), a))

    sections, maxima = [], {}
    for assignment_id in assignment_ids:
        section, maxima[assignment_id] = _assignment_section(
            course, assignment_id, [s for s in submissions if s.assignment == assignment_id], out_dir)
        sections.append(section)
    by_key = {(s.student, s.assignment): s for s in submissions}
    students = {s.student for s in submissions}

    nav = "".join(f'<a href="#{_anchor(a)}">{_e(a)}</a>' for a in assignment_ids)
    nav += '<a href="#students">students</a>' if submissions else ""
    notes_html = ""
    if notes:
        notes_html = ('<section class="notes"><strong>Skipped:</strong><ul>'
                      + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul></section>")
    if submissions:
        body = "".join(sections) + (
            '<section id="students"><h2>Students</h2>'
            "<p class=\"summary\">Click a column to sort. Each score links to the student's "
            "feedback; a missing assignment (&mdash;) counts 0 towards the total.</p>"
            + _students_table(assignment_ids, by_key, maxima) + "</section>")
    else:
        body = f"<p>No graded submissions found in {_e(out_dir)}: run <code>course grade</code> first.</p>"
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(course.name)}: class report</title>"
        f"<style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{_e(course.name)}</h1>"
        f'<p class="meta">{_e(course.term)} &middot; {len(students)} student{"s" if len(students) != 1 else ""}'
        f" &middot; {len(assignment_ids)} assignment{'s' if len(assignment_ids) != 1 else ''} graded"
        f" &middot; results in {_e(out_dir.name)}/ &middot; generated {generated}</p>"
        f"<nav>{nav}</nav></header>\n"
        f"{notes_html}{body}\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n")


def write_report(course: Course, out_dir) -> Path:
    """Write OUT_DIR/report.html (and its figures as PNGs beside it); return its path."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"{out_dir} is not a folder: give the --out folder of `course grade`")
    path = out_dir / REPORT_NAME
    atomic_write(path, render_report(course, out_dir))
    return path
