"""The grade of record is never silently wrong: regrades follow changes, bad layouts are refused,
failures are loud, lateness is read or flagged, and the outputs cannot be tricked.

Every test grades real submissions with the real engine (in-process batch, forked workers).
"""
import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys

import jsonschema
import pytest

from conftest import REPO, make_course, run_course
from autograder.config import load_course
from autograder.engine import batch
from autograder.engine import grade as grade_module
from autograder.engine.batch import grade_batch
from autograder.errors import EXIT_NOT_GRADED, EXIT_OK
from autograder.engine.model import GRADED, NOT_GRADED, Lateness, SubmissionResult, TestResult
from autograder.engine.results import feedback_markdown, load_result
from autograder.engine.submission import LayoutError
from autograder.gradescope.schema import RESULTS_SCHEMA

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
RELU_WRONG = REFERENCE.replace("out = np.maximum(0.0, np.asarray(z, dtype=float))", "out = np.abs(np.asarray(z, dtype=float))")


@pytest.fixture
def course(tmp_path):
    return load_course(make_course(tmp_path / "course", seconds=5, submission_seconds=20))


def submit(root, student, source, timestamp=None, assignment="01_neuron", module="neuron.py"):
    folder = root / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / module).write_text(source)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder


def grade(course, subs, out, **kwargs):
    return grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False, **kwargs)


def rows(out):
    with open(out / "grades.csv", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def stored(out, student):
    return load_result(out / student / "01_neuron" / "results.json")


# -- the model ---------------------------------------------------------------------
def test_result_round_trips_through_gradescope_json_and_validates_against_its_schema():
    result = SubmissionResult(
        student="ada", assignment="01_neuron", status=GRADED, max_score=20, earned=18.0,
        tests=(TestResult("test_a", "a works", 2, 2, True), TestResult("test_b", "b works", 0, 2, False, "wrong")),
        lateness=Lateness(late=True, late_days=1, penalty=0.1, submitted_at="2027-01-01T00:00:00+00:00"),
        notes=("late",), flags=("copy",), seed=7, isolation="nsjail")
    data = json.loads(json.dumps(result.to_gradescope()))
    jsonschema.validate(data, RESULTS_SCHEMA)
    assert data["score"] == pytest.approx(16.2)
    back = SubmissionResult.from_gradescope(data)
    assert back == result
    not_graded = SubmissionResult(student="bo", assignment="01_neuron", status=NOT_GRADED, max_score=20,
                                  reason="the grader crashed")
    data = not_graded.to_gradescope()
    assert data["score"] is None and data["extra_data"]["status"] == NOT_GRADED
    assert SubmissionResult.from_gradescope(data) == not_graded
    assert "Not graded yet" in feedback_markdown(not_graded) and "Score" not in feedback_markdown(not_graded)
    with pytest.raises(ValueError):
        SubmissionResult(student="x", assignment="01_neuron", status=NOT_GRADED, max_score=20, earned=3.0)


# -- regrading: exactly what changed -------------------------------------------------
@pytest.mark.slow
def test_rerun_regrades_exactly_the_changed_student_then_everyone_when_a_tests_points_change(
        course, tmp_path, capsys):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student, source in (("ann", REFERENCE), ("ben", RELU_WRONG), ("cat", STUB)):
        submit(subs, student, source)
    first = grade(course, subs, out)
    assert first.exit_code == EXIT_OK and sorted(first.plan.new) == ["ann", "ben", "cat"]
    mtimes = {s: (out / s / "01_neuron/results.json").stat().st_mtime_ns for s in ("ann", "ben", "cat")}

    again = grade(course, subs, out)
    assert again.plan.todo == [] and sorted(again.plan.unchanged) == ["ann", "ben", "cat"]
    assert "graded 0 new, 0 changed, skipped 3 unchanged" in capsys.readouterr().out

    submit(subs, "ben", REFERENCE)  # ben resubmits a fix
    third = grade(course, subs, out)
    assert third.plan.changed == ["ben"] and sorted(third.plan.unchanged) == ["ann", "cat"]
    assert (out / "ann/01_neuron/results.json").stat().st_mtime_ns == mtimes["ann"]
    assert stored(out, "ben").score == 20
    printed = capsys.readouterr().out
    assert "graded 0 new, 1 changed, skipped 2 unchanged" in printed and "regraded ben: " in printed
    regrades = list(csv.DictReader(open(out / "regrades.csv")))
    assert {r["student"] for r in regrades} == {"ben"}
    total = next(r for r in regrades if r["test"] == "TOTAL")
    assert float(total["new_score"]) == 20 and float(total["change"]) > 0

    # A grader fix: one test's points move to another (the total stays 20), in a copy of the graders.
    graders = course.graders_dir
    graders.unlink()
    shutil.copytree(REPO / "graders", graders, ignore=shutil.ignore_patterns("__pycache__"))
    grader = course.grader_file("01_neuron")
    source = grader.read_text()
    changed = source.replace("@points(2)\ndef test_relu_random", "@points(3)\ndef test_relu_random", 1)
    changed = changed.replace("@points(2)\ndef test_weighted_sum_random", "@points(1)\ndef test_weighted_sum_random", 1)
    assert changed.count("@points(3)") == source.count("@points(3)") + 1
    assert changed.count("@points(1)") == source.count("@points(1)") + 1
    grader.write_text(changed)
    fixed = subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(course.path), "grade",
                            "--assignment", "01_neuron", str(subs), "--out", str(out)],
                           cwd=REPO, capture_output=True, text=True, timeout=600)
    assert fixed.returncode == 0, fixed.stderr
    assert "graded 0 new, 3 changed, skipped 0 unchanged" in fixed.stdout
    regrades = list(csv.DictReader(open(out / "regrades.csv")))
    by_student = {}
    for row in regrades:
        by_student.setdefault(row["student"], {})[row["test"]] = row
    # ann and ben pass both tests: each test's points changed, the total did not.
    assert by_student["ann"]["test_relu_random"]["old_score"] == "2"
    assert by_student["ann"]["test_relu_random"]["new_score"] == "3"
    assert by_student["ann"]["test_weighted_sum_random"]["change"] == "-1"
    assert by_student["ann"]["TOTAL"]["change"] == "0"
    assert set(by_student["cat"]) == {"TOTAL"}  # the stub scores 0 before and after


@pytest.mark.slow
def test_student_option_regrades_only_the_chosen_and_marks_the_others_stale(course, tmp_path, monkeypatch):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student in ("ann", "ben"):
        submit(subs, student, REFERENCE)
    grade(course, subs, out)
    submit(subs, "ann", RELU_WRONG)
    submit(subs, "ben", STUB)
    chosen = grade(course, subs, out, students=["ben"])
    assert chosen.plan.changed == ["ben"] and chosen.plan.left_stale == ["ann"]
    table = rows(out)
    assert table["ben"]["score"] == "0" and table["ben"]["status"] == "graded"
    assert table["ann"]["score"] == "" and table["ann"]["status"] == "stale", "an out-of-date grade is not shown"
    with pytest.raises(LayoutError, match="nobody"):
        grade(course, subs, out, students=["nobody"])


def test_a_section_not_in_the_folder_goes_stale_when_the_late_policy_changes(course, tmp_path, capsys):
    """Graded a section at a time into one OUT: after a settings change and a regrade of section B only,
    section A's result is stale (no score, never the old one), saying its files were not checked."""
    out = tmp_path / "out"

    def neuron_rows(out):
        return {r["student"]: r for r in csv.DictReader(open(out / "grades.csv", newline=""))
                if r["assignment"] == "01_neuron"}
    submit(tmp_path / "A", "ann", REFERENCE, timestamp="2027-02-08 12:00:00 UTC")  # late: 0 before, a penalty after
    submit(tmp_path / "B", "ben", REFERENCE)
    terms = course.root / "extensions.csv"
    terms.write_text("student,assignment,due,reason\nben,01_neuron,2027-02-09T23:59:00Z,ill\n")
    grade(course, tmp_path / "A", out)
    grade(course, tmp_path / "B", out)
    assert neuron_rows(out)["ann"]["status"] == "graded"
    toml = course.path.read_text()
    course.path.write_text(toml.replace("[limits]", "[late]\npenalty_per_day = 0.05\n\n[limits]", 1))
    changed = load_course(course.path)
    (tmp_path / "C/ben/02_forward").mkdir(parents=True)  # another assignment graded: 01's results are checked too
    other = grade_batch(changed, changed.assignment("02_forward"), tmp_path / "C", out, progress=False)
    assert ("ann", "01_neuron") in {(a.student, a.assignment) for a in other.attention}
    assert neuron_rows(out)["ann"]["status"] == "stale" and "did not grade its folder" in neuron_rows(out)["ann"]["reason"]
    again = grade(changed, tmp_path / "B", out)
    assert again.plan.changed == ["ben"] and again.why["ben"] == "changed settings", "the policy, not his extension"
    table = neuron_rows(out)
    assert table["ben"]["status"] == "graded"
    assert table["ann"]["status"] == "stale" and table["ann"]["score"] == "", "never the old score, never a 0"
    assert "files could not be checked" in table["ann"]["attention"] and "settings" in table["ann"]["attention"]
    assert "STALE (graders or settings changed" in capsys.readouterr().out
    assert again.stale == {"ann"} and again.class_mean() == 20
    assert any(a.student == "ann" and "could not be checked" in " ".join(a.reasons) for a in again.attention)
    terms.write_text("student,assignment,due,reason\nben,01_neuron,2027-02-12T23:59:00Z,ill\n")
    later = grade(load_course(course.path), tmp_path / "B", out)  # a later run of B keeps A stale
    assert neuron_rows(out)["ann"]["status"] == "stale" and later.why["ben"] == "extension"
    grade(load_course(course.path), tmp_path / "A", out)  # graded with its folder: fresh, the new penalty taken
    assert neuron_rows(out)["ann"]["status"] == "graded" and float(neuron_rows(out)["ann"]["score"]) < 20


# -- layouts that are refused ---------------------------------------------------------
def test_a_folder_that_is_not_a_submissions_layout_is_refused_and_nothing_is_written(tmp_path):
    course_toml = make_course(tmp_path / "course")
    wrong = tmp_path / "wrong"
    (wrong / "ann" / "02_forward").mkdir(parents=True)
    done = run_course("grade", "--assignment", "01_neuron", wrong, "--out", tmp_path / "out", course=course_toml)
    assert done.returncode == 2, done.stderr
    assert "no <student>/01_neuron/ folder" in done.stderr and "ann/" in done.stderr
    assert not (tmp_path / "out").exists()

    nbgrader_root = tmp_path / "nbgrader-course"
    for folder in ("source", "release", "submitted/ann"):
        (nbgrader_root / folder / "01_neuron").mkdir(parents=True)
    done = run_course("grade", "--assignment", "01_neuron", nbgrader_root, "--out", tmp_path / "out2",
                      course=course_toml)
    assert done.returncode == 2 and "is this the course folder?" in done.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_reserved_names_and_unsafe_ids_are_refused_symlinks_are_not_graded(course, tmp_path, capsys):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "honest", REFERENCE)
    (subs / "grades.csv").mkdir()  # a folder named like an output, without the assignment: not a student
    submit(subs, "bad\x1bname", REFERENCE)
    submit(subs, "linked-module", "")
    os.unlink(subs / "linked-module/01_neuron/neuron.py")
    os.symlink(REPO / "solutions/01_neuron/neuron.py", subs / "linked-module/01_neuron/neuron.py")
    submit(tmp_path / "elsewhere", "x", REFERENCE)
    os.symlink(tmp_path / "elsewhere/x", subs / "linked-folder")
    (subs / "linked-assignment").mkdir()
    os.symlink(tmp_path / "elsewhere/x/01_neuron", subs / "linked-assignment/01_neuron")
    with pytest.raises(LayoutError, match="grades.csv"):
        grade(course, subs, out)
    (subs / "grades.csv").rmdir()
    summary = grade(course, subs, out)
    assert summary.exit_code == EXIT_NOT_GRADED
    assert stored(out, "honest").score == 20
    for student in ("linked-module", "linked-folder", "linked-assignment"):
        result = stored(out, student)
        assert result.status == NOT_GRADED and "symbolic link" in result.reason, student
        assert "symbolic link" in (out / student / "01_neuron/feedback.md").read_text()
        assert rows(out)[student]["score"] == "" and rows(out)[student]["status"] == NOT_GRADED
    assert list(summary.roster.refused) == ["bad\\x1bname"]
    assert not any("\x1b" in p.name for p in out.iterdir())
    printed = capsys.readouterr().out
    assert "REFUSED folder" in printed and "NOT GRADED linked-module" in printed


@pytest.mark.slow
def test_copies_of_the_reference_and_solution_markers_are_graded_but_flagged(course, tmp_path, capsys):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "copier", REFERENCE)
    submit(subs, "marker", REFERENCE.replace("import numpy as np", "import numpy as np  # mine", 1))
    submit(subs, "clean", REFERENCE.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
    grade(course, subs, out)
    table = rows(out)
    assert table["copier"]["score"] == "20" and "identical to the reference" in table["copier"]["flags"]
    assert "solution markers" in table["marker"]["flags"] and "identical" not in table["marker"]["flags"]
    assert table["clean"]["flags"] == ""
    printed = capsys.readouterr().out
    assert "copier 01_neuron: neuron.py is byte-for-byte identical" in printed  # in the needs-attention list
    assert "clean 01_neuron: neuron.py" not in printed
    assert "identical" not in (out / "copier/01_neuron/feedback.md").read_text(), "flags are for the instructor"


# -- failures are loud, and never keep an old grade -------------------------------------
@pytest.mark.slow
def test_a_crash_of_the_grader_gives_not_graded_and_replaces_the_old_grade(course, tmp_path, monkeypatch):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "ann", REFERENCE)
    submit(subs, "ben", REFERENCE)
    grade(course, subs, out)
    assert rows(out)["ann"]["score"] == "20"
    submit(subs, "ann", RELU_WRONG)
    real = grade_module._run_graders

    def crash_for_ann(course_, assignment, seed, child):
        if seed == grade_module.submission_seed(course_, assignment, "ann"):
            raise RuntimeError("grader bug")
        return real(course_, assignment, seed, child)

    monkeypatch.setattr(grade_module, "_run_graders", crash_for_ann)
    summary = grade(course, subs, out, force=True)
    assert summary.exit_code == EXIT_NOT_GRADED and list(summary.not_graded) == ["ann"]
    result = stored(out, "ann")
    assert result.status == NOT_GRADED and result.score is None and "grader bug" in result.reason
    table = rows(out)
    assert table["ann"]["score"] == "" and table["ann"]["status"] == NOT_GRADED and "grader bug" in table["ann"]["reason"]
    assert table["ben"]["score"] == "20"
    monkeypatch.setattr(grade_module, "_run_graders", real)
    retried = grade(course, subs, out)
    assert retried.plan.retry == ["ann"] and stored(out, "ann").status == GRADED, "not graded is retried on rerun"


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_submission_retried_once(course, tmp_path, monkeypatch):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student in ("ann", "dies-once", "dies-always", "zed"):
        submit(subs, student, REFERENCE)
    marker = tmp_path / "died-once"
    real = batch.grade_submission

    def dying(course_, assignment, student, folder, out_dir, isolation, *rest):
        if student == "dies-always" or (student == "dies-once" and not marker.exists()):
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        return real(course_, assignment, student, folder, out_dir, isolation, *rest)

    monkeypatch.setattr(batch, "grade_submission", dying)
    summary = grade(course, subs, out, jobs=2)
    assert summary.exit_code == EXIT_NOT_GRADED and list(summary.not_graded) == ["dies-always"]
    assert "died" in summary.not_graded["dies-always"] and "twice" in summary.not_graded["dies-always"]
    table = rows(out)
    assert {s: table[s]["score"] for s in table} == {"ann": "20", "dies-once": "20", "dies-always": "", "zed": "20"}


@pytest.mark.slow
def test_text_that_cannot_be_encoded_is_sanitised_not_fatal(course, tmp_path):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    nasty = REFERENCE + (
        "\nimport sys\nsys.stdout.buffer.write(b'\\xff\\xfe\\x00 printed\\x1b[2J')\n"
        "def relu(z):\n    raise ValueError('\\udcff lone surrogate \\x00 and \\x1b[31m escape')\n")
    submit(subs, "nasty", nasty)
    summary = grade(course, subs, out)
    assert summary.exit_code == EXIT_OK
    result = stored(out, "nasty")
    assert result.status == GRADED and 0 < result.score < 20
    feedback = (out / "nasty/01_neuron/feedback.md").read_bytes().decode("utf-8")  # valid UTF-8
    assert "lone surrogate" in feedback and "\x1b" not in feedback and "\x00" not in feedback


# -- lateness ----------------------------------------------------------------------------
@pytest.mark.slow
def test_lateness_reads_every_nbgrader_timestamp_and_flags_what_it_cannot_read(tmp_path, capsys):
    course = load_course(make_course(tmp_path / "course", seconds=5, submission_seconds=20))
    subs, out = tmp_path / "submitted", tmp_path / "out"
    # due 2027-02-05T23:59:00Z
    stamps = {"utc-ontime": "2027-02-05 23:00:00.000000 UTC",
              "est-late": "2027-02-05 19:30:00.000000 EST",     # 00:30 UTC on the 6th
              "cet-ontime": "2027-02-06 00:30:00.000000 CET",   # 23:30 UTC on the 5th
              "offset-late": "2027-02-06 02:00:00.000000 +0100",  # 01:00 UTC on the 6th
              "garbled": "yesterday-ish, honest",
              "unknown-zone": "2027-02-05 10:00:00.000000 XYZT"}
    for student, stamp in stamps.items():
        submit(subs, student, REFERENCE, timestamp=stamp)
    submit(subs, "no-stamp", REFERENCE)
    grade(course, subs, out)
    late = {s: r["late"] for s, r in rows(out).items()}
    assert late == {"utc-ontime": "on time", "est-late": "late", "cet-ontime": "on time", "offset-late": "late",
                    "garbled": "unknown", "unknown-zone": "unknown", "no-stamp": "unknown"}
    assert stored(out, "garbled").lateness.late is None
    assert "Lateness unknown" in (out / "garbled/01_neuron/feedback.md").read_text()
    printed = capsys.readouterr().out
    assert sorted(s for s in late if f"{s} 01_neuron: late unknown" in printed) == ["garbled", "no-stamp",
                                                                                   "unknown-zone"]


def test_timestamps_parse_as_nbgrader_parses_them():
    import datetime as dt

    from nbgrader.utils import parse_utc

    from autograder.engine.lateness import parse_timestamp
    for text in ("2027-02-06 10:00:00.123456 UTC", "2027-02-06 10:00:00.123456 EST", "2027-02-06 10:00:00 CET",
                 "2027-02-06 10:00:00 Europe/Berlin", "2027-02-06T10:00:00+01:00", "2027-02-06 10:00:00"):
        ours = parse_timestamp(text).astimezone(dt.timezone.utc).replace(tzinfo=None)
        assert ours == parse_utc(text), text
    # nbgrader reads a numeric zone as seconds (a bug); an offset is an offset here.
    assert parse_timestamp("2027-02-06 10:00:00 +0100").utcoffset() == dt.timedelta(hours=1)


def test_a_timestamp_without_a_time_says_so_not_that_its_last_word_is_an_unknown_zone():
    from autograder.engine.lateness import UnreadableTimestamp, parse_timestamp
    with pytest.raises(UnreadableTimestamp, match="^it holds no date and time that can be read$"):
        parse_timestamp("handed in late, see email")
    with pytest.raises(UnreadableTimestamp, match="unknown time zone 'Mars/Olympus'"):
        parse_timestamp("2027-02-06 10:00:00 Mars/Olympus")


# -- outputs that cannot be tricked -------------------------------------------------------
@pytest.mark.slow
def test_grades_csv_neutralises_formulas_and_feedback_escapes_student_names(course, tmp_path):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student in ("+cmd", "-2+3", "@SUM"):
        submit(subs, student, REFERENCE)
    folder = submit(subs, "mallory", REFERENCE)
    (folder / "# Score: 20 of 20 [click](http:x) <b>.txt").write_text("")
    grade(course, subs, out)
    raw = list(csv.reader(open(out / "grades.csv", newline="")))
    students = [row[0] for row in raw[1:]]
    assert sorted(students) == sorted(["'+cmd", "'-2+3", "'@SUM", "mallory"])
    feedback = (out / "mallory/01_neuron/feedback.md").read_text()
    assert [line for line in feedback.splitlines() if line.startswith("#")] == ["# 01\\_neuron: feedback for mallory"]
    assert "\\# Score" in feedback and "\\[click\\]" in feedback and "\\<b\\>" in feedback


# -- every assignment at once ---------------------------------------------------------------
@pytest.mark.slow
def test_grade_all_grades_every_assignment_that_has_submissions_with_one_table(tmp_path):
    course_toml = make_course(tmp_path / "course", seconds=5, submission_seconds=20)
    subs, out = tmp_path / "submitted", tmp_path / "out"
    forward = (REPO / "solutions/02_forward/forward.py").read_text()
    submit(subs, "ann", REFERENCE)
    submit(subs, "ann", forward, assignment="02_forward", module="forward.py")
    submit(subs, "ben", STUB)
    done = run_course("grade", "--all", subs, "--out", out, "--jobs", "2", course=course_toml)
    assert done.returncode == 0, done.stderr
    table = [line.split() for line in done.stdout.splitlines() if line.startswith(("01_", "02_", "03_"))
             and len(line.split()) == 10]
    assert [row[0] for row in table] == ["01_neuron", "02_forward"], done.stdout
    # new, regraded, unchanged, graded, missing, does not import, not graded, class mean, this run's mean
    assert table[0][1:] == ["2", "0", "0", "2", "0", "0", "0", "10.0", "10.0"]
    assert table[1][1:] == ["1", "0", "0", "1", "0", "0", "0", "20.0", "20.0"]
    with open(out / "grades.csv", newline="") as f:
        graded = sorted((r["student"], r["assignment"], r["score"]) for r in csv.DictReader(f))
    assert graded == [("ann", "01_neuron", "20"), ("ann", "02_forward", "20"), ("ben", "01_neuron", "0")]
    both = run_course("grade", "--all", "--assignment", "01_neuron", subs, "--out", out, course=course_toml)
    assert both.returncode == 2 and "either --assignment ID or --all" in both.stderr


def test_a_grader_that_breaks_gives_not_graded_never_a_zero(tmp_path):
    """An exception in a grader (not a verdict on the answer) is the graders' fault: NOT GRADED, exit 4."""
    toml = make_course(tmp_path / "course")
    graders = tmp_path / "course" / "graders"
    graders.unlink()
    shutil.copytree(REPO / "graders", graders, ignore=shutil.ignore_patterns("__pycache__"))
    grader = graders / "test_01_neuron.py"
    docstring = '    """sigmoid(0) = 0.5: the neuron sits exactly at its threshold"""\n'
    source = grader.read_text()
    assert source.count(docstring) == 1
    grader.write_text(source.replace(docstring, docstring + "    {}['a grader bug']\n"))
    subs, out = tmp_path / "subs", tmp_path / "out"
    submit(subs, "ada", (REPO / "solutions/01_neuron/neuron.py").read_text())
    done = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, course=toml)
    assert done.returncode == 4, done.stdout + done.stderr
    row = rows(out)["ada"]
    assert row["status"] == "not graded" and row["score"] == ""
    assert "test_sigmoid_at_zero failed inside the grader (KeyError" in row["reason"]


@pytest.mark.parametrize("after, said", [
    (dt.timedelta(seconds=5), "Submitted 5 seconds (counted as 1 started day by the late policy) after the due date"),
    (dt.timedelta(minutes=1), "Submitted 1 minute (counted as 1 started day by the late policy)"),
    (dt.timedelta(hours=3, minutes=7, seconds=30), "Submitted 3 hours 7 minutes (counted as 1 started day"),
    (dt.timedelta(hours=2), "Submitted 2 hours (counted as 1 started day"),
    (dt.timedelta(days=1, hours=2), "Submitted 2 days after the due date"),
])
def test_a_late_note_says_the_real_lateness_under_a_day_and_the_days_the_penalty_counts(tmp_path, after, said):
    """Before, a submission 5 s late read 'Submitted 1 day after the due date' (the started days only)."""
    from autograder.engine.lateness import assess

    toml = make_course(tmp_path / "course")
    toml.write_text(toml.read_text().replace("[limits]", "[late]\npenalty_per_day = 0.1\n\n[limits]", 1))
    course = load_course(toml)
    assignment = course.assignment("01_neuron")
    found = assess(course, assignment, "ada", assignment.due + after)
    assert found.late and said in found.note and "late penalty" in found.note
    assert found.late_days == (1 if after < dt.timedelta(days=1) else 2)
