"""Statuses that say what happened, and the needs-attention list, on one class graded for real.

The class of 01_neuron (graded once, module-scoped): the reference (markers
removed), the untouched stub, a module with a SyntaxError, a folder holding
only neuron.zip, a Neuron.py, a byte-for-byte copy of the reference and the
reference with an unreadable timestamp. `course similar` runs first (the reference and the late one share a helper) into
GRADED/similarity/01_neuron, then `course grade`; the stub's grade is then
overridden and the stub regraded. Every status and attention reason must
reach grades.csv, the summary, report.html (attention list above the class
table, checked in Chromium) and the wide export.
"""
import csv
import html
import io
import shutil
import zipfile

import pytest

from conftest import REPO, run_course
from test_report import Page, run_chromium

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
CLEAN = REFERENCE.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
ON_TIME = "2027-02-01 10:00:00.000000 UTC"
# A helper two students share and nobody else wrote: `course similar` pairs them.
SHARED = """

def _scaled_sum(weights, inputs, bias):
    total = 0.0
    for weight, value in zip(weights, inputs):
        total += weight * value
    return total + bias
"""
NOT_GRADED_STATUSES = {"archive": "missing", "capital": "missing", "syntax": "does not import"}


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("neuron.py", source)
    return buffer.getvalue()


def make_class(subs):
    files = {
        "ref": {"neuron.py": CLEAN + SHARED, "timestamp.txt": ON_TIME},
        "stub": {"neuron.py": STUB, "timestamp.txt": ON_TIME},
        "syntax": {"neuron.py": CLEAN + "\n\ndef broken(:\n    pass\n", "timestamp.txt": ON_TIME},
        "archive": {"neuron.zip": _zip(CLEAN), "timestamp.txt": "handed in late, see email"},
        "capital": {"Neuron.py": CLEAN, "timestamp.txt": ON_TIME},
        "copy": {"neuron.py": REFERENCE, "timestamp.txt": ON_TIME},
        "late": {"neuron.py": CLEAN + SHARED,
                 "timestamp.txt": "sometime last week"},
    }
    for student, named in files.items():
        folder = subs / student / "01_neuron"
        folder.mkdir(parents=True)
        for name, data in named.items():
            (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("attention")
    subs, out = work / "submitted", work / "graded"
    make_class(subs)
    similar = run_course("similar", "01_neuron", subs, "--out", out / "similarity" / "01_neuron")
    assert similar.returncode == 0, similar.stderr
    first = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet")
    override = run_course("override", "stub", "01_neuron", "--score", "5", "--reason", "partial credit by hand",
                          "--comment", "Your plan was right.", "--out", out)
    assert override.returncode == 0, override.stderr
    again = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet", "--student", "stub")
    # Only the stub was regraded, but the class still has missing modules and one that does not import:
    # the exit code is the class's (5), not this run's alone.
    assert again.returncode == 5, again.stdout + again.stderr
    report = run_course("report", out)
    assert report.returncode == 0, report.stderr
    wide = run_course("export", out, "--format", "wide", "--out", work / "wide.csv")
    assert wide.returncode == 0, wide.stderr
    with open(out / "grades.csv", newline="") as f:
        grades = {r["student"]: r for r in csv.DictReader(f)}
    with open(work / "wide.csv", newline="") as f:
        rows = list(csv.reader(f))
    export = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    return {"work": work, "out": out, "first": first, "again": again, "grades": grades, "export": export,
            "report": (out / "report.html").read_text()}


# Each student's attention reasons, as fragments every output must carry.
EXPECTED = {
    "syntax": ["does not import", "SyntaxError", "line"],
    "archive": ["missing", "found neuron.zip: unzip it or use `course collect`"],
    "capital": ["missing", "found Neuron.py: did you mean neuron.py?"],
    "copy": ["identical to the reference solution", "solution markers"],
    "late": ["late unknown", "similar to ref's submission (score 1.00)"],
    "ref": ["similar to late's submission (score 1.00)"],
    "stub": ["override score 5 (partial credit by hand)",
             "submitted the stub unchanged: neuron.py is the released 01_neuron/neuron.py"],
}


def test_the_zip_the_wrong_name_and_the_syntax_error_are_not_graded_and_the_exit_code_says_so(graded):
    assert graded["first"].returncode == 5, graded["first"].stdout + graded["first"].stderr
    grades = graded["grades"]
    for student, status in NOT_GRADED_STATUSES.items():
        assert grades[student]["status"] == status, student
        assert grades[student]["score"] == "0", "the LMS gets a number, the status says why"
    assert {grades[s]["status"] for s in ("ref", "stub", "copy", "late")} == {"graded"}
    assert grades["ref"]["score"] == "20" and grades["late"]["late"] == "unknown"


def test_every_reason_is_in_grades_csv_the_summary_the_report_and_the_export(graded):
    summary = graded["first"].stdout
    assert "1 does not import" in summary and "2 missing" in summary
    tail = summary[summary.index("needs attention"):]  # the summary ends with the list
    listed = list(dict.fromkeys(line.split()[0] for line in tail.splitlines()[1:] if "01_neuron:" in line))
    # does not import, then missing (not alphabetical), the flags, the lateness, the similar pair
    assert listed == ["syntax", "archive", "capital", "copy", "stub", "late", "ref"], "most severe first"
    for student, fragments in EXPECTED.items():
        attention = graded["grades"][student]["attention"]
        exported = graded["export"][student]["attention"]
        shown = [line for line in tail.splitlines() if line.strip().startswith(f"{student} 01_neuron:")]
        if student == "stub":  # the override came after the first run: the regrade's summary lists it
            shown = [line for line in graded["again"].stdout.splitlines() if f"{student} 01_neuron:" in line]
        for fragment in fragments:
            assert fragment in attention, (student, fragment, attention)
            assert fragment in exported, (student, fragment, exported)
            assert any(fragment in line for line in shown), (student, fragment, shown)
            assert fragment in html.unescape(graded["report"]), (student, fragment)


def test_a_missing_zero_shows_no_lateness_and_an_unreadable_time_is_said_so(graded):
    archive = graded["grades"]["archive"]
    assert "late unknown" not in archive["attention"], "a missing 0 has no lateness to doubt"
    assert (archive["late"], archive["late_days"]) == ("", "")
    assert "late" not in graded["export"]["archive"]["notes"], graded["export"]["archive"]["notes"]
    page = html.unescape(graded["report"])
    assert "late?" not in page[page.index('href="archive/'):page.index('href="capital/')]
    assert "1 lateness unknown" not in page.split('id="students"')[1].split("archive")[1].split("</tr>")[0]
    assert "late 0 · lateness unknown 1<" in page, "the late student alone"
    assert "7 students with a score" in page
    feedback = (graded["out"] / "archive/01_neuron/feedback.md").read_text()
    assert "it holds no date and time that can be read" in feedback and "time zone" not in feedback, feedback
    assert "did you mean neuron.py?." not in (graded["out"] / "capital/01_neuron/feedback.md").read_text()
    assert "did you mean neuron.py?" in (graded["out"] / "capital/01_neuron/feedback.md").read_text()


def test_the_override_is_marked_with_the_engines_score_beside_it(graded):
    stub = graded["grades"]["stub"]
    assert (stub["score"], stub["engine_score"], stub["status"]) == ("5", "0", "graded")
    assert stub["override"] == "override score 5 (partial credit by hand)"
    assert graded["export"]["stub"]["01_neuron"] == "5"
    assert "engine score 0" in graded["export"]["stub"]["notes"]
    assert "override (engine 0)" in graded["report"]
    feedback = (graded["out"] / "stub/01_neuron/feedback.md").read_text()
    assert "Score set by your instructor: 5 / 20" in feedback and "Your plan was right." in feedback
    assert "graded in this run: 1, mean 5.0" in graded["again"].stdout, "the regrade kept the override"


def test_the_summary_mean_covers_the_whole_class(graded):
    again = graded["again"].stdout
    scores = [float(r["score"]) for r in graded["grades"].values()]
    assert f"mean {sum(scores) / len(scores):.1f} / 20 over all 7 with a score" in again
    assert "4 graded, 2 missing, 1 does not import, 0 not graded" in again


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="no chromium binary on PATH (Debian: apt-get install -y chromium)")
def test_the_report_opens_with_the_attention_list_linked_to_feedback(graded, tmp_path):
    out = graded["out"]
    code, dom, stderr = run_chromium(["--dump-dom", (out / "report.html").as_uri()], tmp_path / "profile")
    assert code == 0, stderr[-2000:]
    assert 0 <= dom.index('id="attention"') < dom.index('id="students"'), "attention comes before the class table"
    page = Page(dom)
    section = dom[dom.index('id="attention"'):dom.index('id="students"')]
    linked = [href for href in Page(section).hrefs if href.endswith("feedback.html")]
    assert sorted(h.split("/")[0] for h in linked) == sorted(EXPECTED), linked
    for href in linked:
        assert (out / href).is_file(), href
    assert page.errors == []


def test_several_assignments_exit_with_the_most_severe_code():
    from autograder.engine.batch import worst_exit_code

    assert worst_exit_code([0, 5]) == 5 and worst_exit_code([5, 4, 0]) == 4, "not graded outranks missing"
    assert worst_exit_code([4, 130]) == 130 and worst_exit_code([130, 3]) == 3 and worst_exit_code([0, 0]) == 0


def test_a_not_graded_submission_with_an_override_standing_is_settled_one_without_exits_4():
    from autograder.engine.batch import BatchSummary
    from autograder.engine.model import Override, SubmissionResult
    symlink = SubmissionResult(student="ben", assignment="01_neuron", status="not graded", max_score=20.0,
                               reason="neuron.py is a symbolic link; submit the file itself")
    summary = BatchSummary(assignment="01_neuron", class_results=[symlink])
    assert summary.exit_code == 4
    summary.overrides = {("ben", "01_neuron"): Override("ben", "01_neuron", 18.0, {}, "emailed file", "", None,
                                                        "2027-02-02")}
    assert summary.exit_code == 0, "the override is the grade of record"
    summary.overrides = {("ben", "01_neuron"): Override("ben", "01_neuron", None, {}, "", "a comment", None,
                                                        "2027-02-02")}
    assert summary.exit_code == 4, "a comment sets no grade"


def test_the_stub_is_flagged_only_when_nothing_was_written_in_it():
    from autograder.config import load_course
    from autograder.engine.attention import STUB_FLAG, stub_flags

    course = load_course(REPO / "course.toml")
    assignment = course.assignment("01_neuron")
    stub = STUB.encode()
    windows = stub.replace(b"\n", b"\r\n") + b"\r\n\r\n"  # saved on Windows, a blank line added
    (flag,) = stub_flags(course, assignment, {"neuron.py": windows})
    assert flag.startswith(STUB_FLAG + ": neuron.py")
    one_line = stub.replace(b"raise NotImplementedError", b"return 0.5", 1)
    assert one_line != stub and stub_flags(course, assignment, {"neuron.py": one_line}) == []
    assert stub_flags(course, assignment, {"neuron.py": CLEAN.encode()}) == []


def test_a_results_reasons_go_most_severe_first_and_a_zero_has_no_late_line():
    from autograder.engine.attention import attention_list
    from autograder.engine.model import Lateness, Override, SubmissionResult
    unknown = Lateness(late=None, note="Lateness unknown: there is no timestamp.txt")
    graded = SubmissionResult(student="ann", assignment="01_neuron", status="graded", max_score=20.0, earned=20.0,
                              lateness=unknown, flags=("neuron.py is byte-for-byte identical to the reference",))
    missing = SubmissionResult(student="bob", assignment="01_neuron", status="missing", max_score=20.0, earned=0.0,
                               lateness=unknown, reason="no submission")
    overrides = {("ann", "01_neuron"): Override("ann", "01_neuron", 15.0, {}, "by hand", "", 20.0, "2027-02-02")}
    ann, bob = attention_list([graded, missing], overrides)[::-1]
    assert [a.student for a in attention_list([graded, missing], overrides)] == ["bob", "ann"]
    assert bob.reasons == ("missing: no submission",)
    assert [r.split()[0] for r in ann.reasons] == ["neuron.py", "late", "override"]


def test_not_graded_then_does_not_import_then_missing_whatever_the_names():
    from autograder.engine.attention import attention_list
    from autograder.engine.model import SubmissionResult

    def result(student, status):
        return SubmissionResult(student=student, assignment="01_neuron", status=status, max_score=20.0,
                                earned=None if status == "not graded" else 0.0, reason="why")
    ranked = attention_list([result("amy", "missing"), result("bea", "does not import"), result("cy", "not graded")],
                            {})
    assert [item.student for item in ranked] == ["cy", "bea", "amy"]
