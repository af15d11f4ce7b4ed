"""The score of record everywhere an instructor reads it: stale results, overrides, per-test statistics.

No grading here: results.json files in the engine's format (test_export's
class, written once per test where a test changes it), a grades.csv marking
results stale as `course grade` does, and overrides in a real ledger.
"""
import csv
import html
import shutil

from test_export import A1, A2, COURSE, graded as export_class, outcome, write_result  # noqa: F401 (fixture)
from autograder.engine.attention import Attention, reasons
from autograder.engine.batch import attention_lines
from autograder.engine.model import Override
from autograder.engine.model import MISSING, Lateness, SubmissionResult, TestResult
from autograder.engine.results import GRADES_COLUMNS, feedback_markdown
from autograder.export import not_graded_cells, write_export
from autograder.extensions import unmatched_rows
from autograder.report.data import read_class
from autograder.report.write import write_report
from test_report import Page

graded = export_class


def text_of(page_html: str) -> str:
    return " ".join(html.unescape(Page(page_html).all_text()).split())


def test_a_student_with_no_result_for_one_assignment_gets_a_dash_in_the_report(graded, tmp_path):
    out = tmp_path / "graded"
    shutil.copytree(graded, out)  # carol has 01_neuron only
    text = write_report(COURSE, out).read_text(encoding="utf-8")
    page = Page(text)
    carol = next(row for row in page.rows if row and row[0] == "carol")
    assert carol[2] == "\u2014", carol
    assert "1 lateness unknown" in carol[-1] and "late" not in carol[-1].replace("lateness unknown", ""), \
        "unknown lateness is not counted as late"
    bob = next(row for row in page.rows if row and row[0] == "bob")
    assert "1 late" in bob[-1] and "unknown" not in bob[-1]
    words = text_of(text)
    assert "4 graded, 0 missing, 0 does not import, 1 not graded" in words, "the command line's wording"


def mark_stale(out, *pairs):
    """grades.csv as `course grade` leaves it when the results of pairs are out of date."""
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=GRADES_COLUMNS)
        writer.writeheader()
        for student, assignment in pairs:
            writer.writerow({"student": student, "assignment": assignment, "score": "", "status": "stale"})


def test_a_stale_result_is_never_exported_or_reported_with_its_old_score(graded, tmp_path):
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    mark_stale(out, ("bob", A1), ("alice", A1))  # bob's 10, late 2 days, and alice's 20 are out of date
    results = read_class(COURSE, out)
    bob = results.result("bob", A1)
    assert bob.score is None and bob.stale and bob.lateness.late is False and results.total("bob") == 0
    assert any(r.startswith("stale:") for r in bob.attention), bob.attention
    rows = {}
    for fmt in ("wide", "canvas", "moodle"):
        with open(write_export(results, fmt, tmp_path / f"{fmt}.csv"), newline="") as f:
            rows[fmt] = {row[0]: row for row in csv.reader(f)}
    assert rows["wide"]["bob"][1] == "stale" and "late" not in rows["wide"]["bob"][5]
    assert "stale" in rows["wide"]["bob"][6], "on the attention list"
    assert rows["canvas"]["bob"][5] == "" and rows["moodle"]["bob"][1] == ""
    assert any(line.startswith(f"bob/{A1}: stale") for line in not_graded_cells(results))
    page = write_report(COURSE, out).read_text(encoding="utf-8")
    alice = next(row for row in Page(page).rows if row and row[0] == "alice")
    assert alice[1].startswith("stale") and "20" not in alice[1] and "1 stale" in alice[-1], alice
    assert alice[3] == "13.5", "the total counts nothing stale"
    assert "bob" in text_of(page[page.index('id="absent"'):]), "bob has no score of record left"


def test_per_test_statistics_leave_out_missing_and_unimportable_modules(graded, tmp_path):
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    failing = [outcome("sigmoid works", "test_sigmoid", 0, 10, "no module"),
               outcome("relu works", "test_relu", 0, 10, "no module")]
    write_result(out, "erin", A1, 0, failing, status="missing", reason="no neuron.py")
    write_result(out, "fay", A1, 0, failing, status="does not import", reason="SyntaxError")
    results = read_class(COURSE, out)
    with open(write_export(results, "tests", tmp_path / "tests.csv"), newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["assignment"] == A1]
    assert [(r["submitted"], r["passed"], r["left_out"]) for r in rows] == [("4", "1", "2"), ("4", "3", "2")]
    words = text_of(write_report(COURSE, out).read_text(encoding="utf-8"))
    assert "2 students whose module is missing or does not import left out of these pass rates" in words
    assert "/ 4" in words and "/ 6" not in words


def test_the_attention_head_counts_results_and_reasons():
    items = [Attention("a", A1, ("one", "two")), Attention("b", A1, ("three",))]
    lines = attention_lines(items)
    assert lines[0] == "needs attention (2 results, 3 reasons):" and len(lines) == 4
    assert attention_lines(items[1:])[0] == "needs attention (1):"


def neuron_result(points, penalty=0.0, status="graded"):
    """01_neuron graded: test name -> points earned of 10 each."""
    tests = tuple(TestResult(test=t, name=f"{t} works", score=p, max_score=10.0, passed=p == 10.0)
                  for t, p in points.items())
    return SubmissionResult(student="ann", assignment=A1, status=status, max_score=20.0,
                            earned=float(sum(points.values())), tests=tests, seed=1,
                            lateness=Lateness(late=penalty > 0, late_days=1 if penalty else 0, penalty=penalty))


def override(score=None, tests=None, engine=None, comment=""):
    return Override("ann", A1, score, tests or {}, "checked by hand", comment, engine, "2027-02-02T10:00:00Z")


def test_feedback_opens_with_the_score_of_record():
    result = neuron_result({"test_sigmoid": 7.0, "test_relu": 10.0})
    text = feedback_markdown(result, override(tests={"test_sigmoid": 9.0}, engine=17.0))
    opening = text.splitlines()[2]
    assert opening == "**Score set by your instructor: 19 / 20** (the automatic grading gave 17).", text
    assert "**Score: 17" not in text
    late = neuron_result({"test_sigmoid": 7.0, "test_relu": 10.0}, penalty=0.3)
    text = feedback_markdown(late, override(tests={"test_sigmoid": 9.0}, engine=11.9))
    assert "Score set by your instructor: 13.3 / 20" in text.splitlines()[2]
    assert "works\u201d to 9 of 10 points (the automatic grading gave 7): 19 points, " \
           "less the late penalty of 30%: 13.3." in text, text
    missing = SubmissionResult(student="ann", assignment=A1, status=MISSING, max_score=20.0, earned=0.0,
                               reason="no neuron.py was handed in", seed=1)
    text = feedback_markdown(missing, override(score=20.0, engine=0.0, comment="Emailed in time."))
    assert text.splitlines()[2].startswith("**Score set by your instructor: 20 / 20**"), text
    assert "Score: 0" not in text and "Nothing was graded" not in text and "Emailed in time." in text


def test_an_override_left_below_the_engines_new_score_says_so():
    now = neuron_result({"test_sigmoid": 10.0, "test_relu": 10.0})  # resubmitted: 20
    why = reasons(now, override(tests={"test_sigmoid": 9.0}, engine=17.0))
    assert "the override (19) is now below the engine's score (20)" in " ".join(why), why
    assert not any("below" in w for w in reasons(now, override(tests={"test_sigmoid": 9.0}, engine=20.0))), \
        "an instructor's deduction on the same score is no news"


def test_an_extension_row_for_nobody_names_the_closest_student(tmp_path):
    (tmp_path / "extensions.csv").write_text("student,assignment,due,reason\n"
                                             "twin_c,01_neuron,2027-03-01T12:00:00Z,illness\n"
                                             "Twin_A,*,2027-03-01T12:00:00Z,illness\n"
                                             "zed,01_neuron,2027-03-01T12:00:00Z,illness\n"
                                             "newcomer,01_neuron,2027-03-01T12:00:00Z,late enrolment\n")
    found = unmatched_rows(tmp_path, [A1, A2], {A1: {"twin_a", "zed"}})
    lines = dict(found[A1])
    assert set(lines) == {"twin_c", "Twin_A", "newcomer"}, "zed submitted: nothing to say"
    assert lines["twin_c"].startswith("extensions.csv:2:") and "closest student id: 'twin_a'" in lines["twin_c"]
    assert lines["Twin_A"].startswith("extensions.csv:3:") and "'twin_a'" in lines["Twin_A"]
    assert "closest" not in lines["newcomer"] and "applies once they submit" in lines["newcomer"]
