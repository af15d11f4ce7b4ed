"""`course report OUT_DIR` on a class graded for real.

Five submissions of 01_neuron (the reference twice, the untouched stub, a
sign error in sigmoid, and the reference from a student whose folder name is
an HTML injection attempt) are graded with the real `course grade`, then
`course report` writes report.html. Test names and points are read from the
results.json files, never hard-coded: the graders change.
"""
import base64
import dataclasses
import json
import os
import shutil
import signal
import subprocess
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
from matplotlib.image import imread

from conftest import REPO, run_course
from autograder.config import load_course
from autograder.engine.results import load_result, write_submission_results
from autograder.report.write import write_report

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
# The reference with sigmoid redefined at the end: e^z where e^-z belongs.
SIGN_ERROR = REFERENCE + '''

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))
'''
EVE = 'eve<script>alert("x&y")'  # a legal folder name on Linux; must never reach the page raw
CLASS = {"alice": REFERENCE, "bob": REFERENCE, "carol": STUB, "dave": SIGN_ERROR, EVE: REFERENCE}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Collects what the tests look at, and every nesting error of the markup."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags = [], [], []
        self.text, self.hrefs, self.srcs, self.ids = [], [], [], set()
        self.rows, self._row, self._cell = [], None, None
        self.script_text = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag not in VOID:
            self.stack.append(tag)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append((tag, attrs["src"]))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.script_text.append(data)
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def all_text(self):
        return " ".join(" ".join(self.text).split())

    def row(self, *first_cells):
        """The one table row whose first cell reads as one of first_cells."""
        wanted = {" ".join(text.split()) for text in first_cells}
        matches = [row for row in self.rows if row and row[0] in wanted]
        assert len(matches) == 1, f"{len(matches)} table rows start with {first_cells}"
        return matches[0]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(OUT_DIR, {(student, assignment): results}, report.html text) of the sample class."""
    root = tmp_path_factory.mktemp("report")
    submitted, out = root / "submitted", root / "graded"
    for student, source in CLASS.items():
        folder = submitted / student / "01_neuron"
        folder.mkdir(parents=True)
        (folder / "neuron.py").write_text(source)
        (folder / "timestamp.txt").write_text("2027-02-01 12:00:00.000000 UTC")  # on time, as nbgrader writes it
    grade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet")
    # The engine refuses EVE's folder name as a student id (exit 4, listed); the report must still
    # escape any folder it finds, so EVE's result is put there as a hand-made copy of alice's would be.
    assert grade.returncode == 4 and "REFUSED folder 'eve<script>" in grade.stdout, grade.stdout + grade.stderr
    alice = load_result(out / "alice" / "01_neuron" / "results.json")
    write_submission_results(out, dataclasses.replace(alice, student=EVE))
    report = run_course("report", out)
    assert report.returncode == 0, report.stderr
    assert str(out / "report.html") in report.stdout
    results = {(p.parent.parent.name, p.parent.name): json.loads(p.read_text())
               for p in out.glob("*/*/results.json")}
    assert {student for student, _ in results} == set(CLASS)
    return out, results, (out / "report.html").read_text(encoding="utf-8")


def assert_png_drawn(path_or_bytes, min_variance=0.003):
    pixels = imread(path_or_bytes)[..., :3]
    assert pixels.shape[0] > 150 and pixels.shape[1] > 150, pixels.shape
    assert pixels.var() > min_variance, f"blank picture (pixel variance {pixels.var():.5f})"
    return pixels


def test_page_is_well_formed_and_self_contained(graded):
    out, results, text = graded
    assert text.startswith("<!DOCTYPE html>")
    page = Page(text)
    assert not page.errors, page.errors
    assert not page.stack, f"never closed: {page.stack}"
    for tag in ("html", "head", "body", "title", "style"):
        assert any(t == tag for t, _ in page.tags), f"no <{tag}>"
    assert not any(t == "link" for t, _ in page.tags), "no external stylesheets"
    assert page.srcs, "the figures are embedded"
    for tag, src in page.srcs:
        assert tag == "img" and src.startswith("data:image/png;base64,"), f"<{tag} src={src[:60]}>"
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)
    for href in page.hrefs:
        assert not urlsplit(href).scheme and not href.startswith("//"), f"external link {href}"
        if href.startswith("#"):
            assert href[1:] in page.ids, f"{href} points nowhere"
    templates = REPO / "autograder" / "templates" / "report"
    assert (templates / "report.css").read_text() in text, "the stylesheet is inlined as written, not escaped"
    assert (templates / "report.js").read_text() in text
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]


def test_every_student_and_every_test_is_on_the_page(graded):
    out, results, text = graded
    page = Page(text)
    words = page.all_text()
    for (student, assignment), result in results.items():
        row = page.row(student)
        assert row[1] == f"{result['score']:g}", (student, row)
        for test in result["tests"]:
            assert " ".join(test["name"].split()) in words, test["name"]
    # The tests table: one row per test (its name, then the grader's function),
    # with passed / taken counted from results.json.
    tests = {(t["name"], t["extra_data"]["test"]) for r in results.values() for t in r["tests"]}
    for name, function in tests:
        outcomes = [t["status"] == "passed" for r in results.values() for t in r["tests"] if t["name"] == name]
        row = page.row(f"{name} {function}", f"{name} (hidden from students) {function}")
        assert row[2] == f"{sum(outcomes)} / {len(outcomes)}", (name, row)
    scores = {student: r["score"] for (student, _), r in results.items()}
    assert scores["alice"] == scores["bob"] == scores[EVE] == 20 and scores["carol"] == 0
    assert 0 < scores["dave"] < 20, "the sign error loses some points, not all"


def test_scores_link_to_each_feedback_rendered_as_html(graded):
    out, results, text = graded
    targets = {}
    for href in Page(text).hrefs:
        if not href.startswith("#"):
            target = (out / unquote(href)).resolve()
            assert target.is_file(), f"{href} links to a missing file"
            assert out.resolve() in target.parents, f"{href} leaves OUT_DIR"
            targets[target] = href
    for student, assignment in results:
        feedback = (out / student / assignment / "feedback.html").resolve()
        assert feedback in targets, f"no link to {student}/{assignment}/feedback.html"
        html_text = feedback.read_text(encoding="utf-8")
        page = Page(html_text)
        assert not page.errors and not page.stack
        markdown = (out / student / assignment / "feedback.md").read_text()
        assert markdown.startswith("# ") and "**Score:" in markdown
        assert "<h1>" in html_text and "<strong>Score:" in html_text, "rendered, not raw Markdown"
        assert "**Score" not in html_text
        assert f"feedback for {student}" in page.all_text()
        assert not any(tag == "script" for tag, _ in page.tags)
        assert (REPO / "autograder/templates/report/feedback.css").read_text() in html_text
    eve = (out / EVE / "01_neuron" / "feedback.html").read_text(encoding="utf-8")
    assert EVE not in eve and "&lt;script&gt;" in eve


def test_the_students_table_comes_first(graded):
    out, results, text = graded
    page = Page(text)
    tables = [attrs.get("class", "") for tag, attrs in page.tags if tag == "table"]
    assert tables[0] == "sortable students", tables
    texts = [t.strip() for t in page.text if t.strip()]
    first_section = next(i for i, t in enumerate(texts) if t.startswith("01_neuron: "))
    assert texts.index("Students") < first_section


def test_student_folder_names_are_escaped(graded):
    out, results, text = graded
    assert EVE not in text and "<script>alert" not in text
    assert text.count("<script") == 1, "only the page's own sorting script"
    assert "&lt;script&gt;alert" in text
    page = Page(text)
    assert [t for t, _ in page.tags].count("script") == 1
    assert "alert" not in "".join(page.script_text)
    assert EVE in page.all_text(), "the name itself is shown, as text"
    assert "eve&lt;script&gt;alert(&#34;x&amp;y&#34;)" in text  # markupsafe writes " as &#34;


def test_figures_are_written_next_to_the_report(graded):
    out, results, text = graded
    embedded = {base64.b64decode(src.split(",", 1)[1]) for _, src in Page(text).srcs}
    for assignment in {a for _, a in results}:
        for kind in ("grades", "tests"):
            path = out / f"report-{assignment}-{kind}.png"
            assert path.is_file(), path
            assert_png_drawn(path)
            assert path.read_bytes() in embedded, f"{path.name} is not the picture on the page"


def test_missing_and_corrupt_results_are_skipped_with_a_note(graded, tmp_path):
    out = tmp_path / "graded"
    shutil.copytree(graded[0], out)
    (out / "dave/01_neuron/results.json").write_text('{"score": 3, "tests": [')  # cut short
    (out / "carol/01_neuron/results.json").unlink()  # feedback.md stays
    (out / "bob/01_neuron/results.json").write_text('{"score": "many", "max_score": 20, "tests": []}')
    course = load_course(REPO / "course.toml")
    text = write_report(course, out).read_text(encoding="utf-8")
    page = Page(text)
    assert not page.errors and not page.stack
    notes = page.all_text()
    for student in ("dave", "carol", "bob"):
        assert f"{student}/01_neuron" in notes
    students = {row[0] for row in page.rows}
    assert {"alice", EVE} <= students and not {"bob", "carol", "dave"} & students

    empty = tmp_path / "empty"
    empty.mkdir()
    assert "No graded submissions" in write_report(course, empty).read_text()
    with pytest.raises(FileNotFoundError):
        write_report(course, tmp_path / "no such folder")


def run_chromium(args, folder, timeout=120):
    """Run headless Chromium in its own session; kill that session if it hangs."""
    command = [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={folder}", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {timeout} s")
    return process.returncode, stdout, stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="no chromium binary on PATH (Debian: apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(graded, tmp_path):
    out, results, text = graded
    url = (out / "report.html").as_uri()
    screenshot = tmp_path / "report.png"
    code, _, stderr = run_chromium([f"--screenshot={screenshot}", "--window-size=1200,1600", url],
                                   tmp_path / "profile-shot")
    assert code == 0 and screenshot.is_file(), stderr[-2000:]
    pixels = assert_png_drawn(screenshot, min_variance=0.01)
    assert pixels.shape[:2] == (1600, 1200)
    assert np.mean(pixels.min(axis=-1) < 0.9) > 0.05, "the page is almost all white"
    colourful = np.mean(pixels.max(axis=-1) - pixels.min(axis=-1) > 0.25)
    assert colourful > 0.01, "the coloured figures did not render"

    # The inline script runs under the page's Content-Security-Policy (its hash is allowed).
    code, dom, stderr = run_chromium(["--dump-dom", url], tmp_path / "profile-dom")
    assert code == 0, stderr[-2000:]
    assert 'data-sortable="ready"' in dom, "the sorting script did not run"


# ---------------------------------------------------------------- synthetic classes

def synthetic_class(out, students, assignments=("01_neuron", "02_forward"), seed=0):
    """results.json + feedback.md for each student, in the engine's format with the new status fields.

    Student i: graded (scores from a seeded generator) except every 7th result not graded
    (a broken file) and every 50th student with no submission at all; every 5th late,
    every 11th of unknown lateness. Returns {(student, assignment): score or None}.
    """
    rng = np.random.default_rng(seed)
    scores = {}
    for i in range(students):
        student = f"s{i:04d}"
        for k, assignment in enumerate(assignments):
            folder = out / student / assignment
            folder.mkdir(parents=True)
            absent = i % 50 == 49
            not_graded = absent or (i + k) % 7 == 3
            passes = rng.random(4) < 0.2 + 0.2 * np.arange(4)
            tests = [{"name": f"test {t} of {assignment}", "score": 5.0 if ok else 0.0, "max_score": 5.0,
                      "status": "passed" if ok else "failed", "visibility": "visible",
                      "output": "" if ok else f"wrong value in step {t}\n    y = f(x)\n        ^^^^",
                      "extra_data": {"test": f"test_{t}"}} for t, ok in enumerate(passes)]
            score = None if not_graded else float(sum(t["score"] for t in tests))
            late = "unknown" if i % 11 == 5 else i % 5 == 0
            extra = {"student": student, "assignment": assignment, "seed": i, "isolation": "namespaces",
                     "late": late, "late_days": 1 if late is True else 0,
                     "status": "not graded" if not_graded else "graded"}
            if not_graded:
                extra["reason"] = "no submission" if absent else "neuron.py does not parse (line 3)"
            (folder / "results.json").write_text(json.dumps(
                {"score": score, "max_score": 20.0, "output": "", "tests": [] if not_graded else tests,
                 "extra_data": extra}))
            (folder / "feedback.md").write_text(f"# {assignment}: feedback for {student}\n\n**Score: {score}**\n")
            scores[(student, assignment)] = score
    return scores


def test_not_graded_and_absent_students_are_kept_apart(tmp_path):
    out = tmp_path / "graded"
    scores = synthetic_class(out, 100)
    course = load_course(REPO / "course.toml")
    text = write_report(course, out).read_text(encoding="utf-8")
    page = Page(text)
    assert not page.errors and not page.stack
    absent = {s for (s, _), v in scores.items()} - {s for (s, _), v in scores.items() if v is not None}
    assert absent == {"s0049", "s0099"}
    rows = {row[0]: row for row in page.rows if row and row[0].startswith("s0")}
    assert not absent & set(rows), "students with no submission are not in the table"
    words = page.all_text()
    assert "No submission" in words and "s0049 (01_neuron: no submission; 02_forward: no submission)" in words
    for (student, assignment), score in scores.items():
        if student in absent:
            continue
        cell = rows[student][1 if assignment == "01_neuron" else 2]
        if score is None:
            assert cell.startswith("not graded"), (student, cell)
        else:
            assert cell.split()[0] == f"{score:g}", (student, cell)
        total = sum(v for (s, _), v in scores.items() if s == student and v is not None)
        assert rows[student][3] == f"{total:g}"
    # Pass rates count graded submissions only.
    graded_01 = [v for (s, a), v in scores.items() if a == "01_neuron" and v is not None]
    assert f"{len(graded_01)} graded" in words
    test_rows = [row for row in page.rows if row and row[0].startswith("test 0 of 01_neuron")]
    assert test_rows[0][2].endswith(f"/ {len(graded_01)}")
    assert "^^^^" not in text and "wrong value in step 0" in text
    assert "late?" in words, "unknown lateness is flagged"


@pytest.mark.slow
def test_a_thousand_students_load_and_sort_in_chromium(tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium)")
    out = tmp_path / "graded"
    scores = synthetic_class(out, 1000, assignments=tuple(a.id for a in load_course(REPO / "course.toml").assignments))
    course = load_course(REPO / "course.toml")
    report = write_report(course, out)
    totals = {}
    for (student, _), score in scores.items():
        totals[student] = totals.get(student, 0.0) + (score or 0.0)
    absent = {s for s in totals if all(v is None for (t, _), v in scores.items() if t == s)}
    shown = {s: t for s, t in totals.items() if s not in absent}
    assert len(shown) == 980

    code, dom, stderr = run_chromium(["--dump-dom", report.as_uri() + "#sort=total:desc"], tmp_path / "profile")
    assert code == 0, stderr[-2000:]
    assert 'data-sortable="ready"' in dom, "the sorting script did not run"
    assert 'data-sorted="total:desc"' in dom
    page = Page(dom[dom.index("<body"):])
    rows = [row for row in page.rows if row and row[0] in shown]
    assert len(rows) == 980
    column = len(course.assignments) + 1  # student, one column per assignment, then total
    order = [float(row[column]) for row in rows]
    assert order == sorted(shown.values(), reverse=True), "sorted by total, highest first"
    assert [row[0] for row in rows] != sorted(shown), "not simply the page's own order"

    code, dom, stderr = run_chromium(["--dump-dom", report.as_uri() + "#sort=student:desc"], tmp_path / "profile2")
    assert code == 0 and 'data-sorted="student:desc"' in dom, stderr[-2000:]
    names = [row[0] for row in Page(dom[dom.index("<body"):]).rows if row and row[0] in shown]
    assert names == sorted(shown, reverse=True)
