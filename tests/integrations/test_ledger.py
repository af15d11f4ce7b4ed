"""The grade history (OUT/ledger.sqlite), `course history`, `course override` and regrades.csv.

One class of 01_neuron graded for real through a term's events (module-scoped):
ann hands in the stub, the instructor overrides her grade, she resubmits the
reference, and a --force regrade follows. The history must show each event in
order with why, the override must stand through both regrades, and regrades.csv
must keep the rows of every run.
"""
import csv
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import REPO, make_course, run_course
from autograder.config import load_course
from autograder.engine.batch import grade_batch
from autograder.engine.ledger import LEDGER_NAME, MIGRATED, open_ledger, read_ledger
from autograder.grade_history import OverrideError, history_lines, set_override

COURSE = load_course(REPO / "course.toml")
NEURON = COURSE.assignment("01_neuron")
REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text().replace("### BEGIN SOLUTION", "") \
    .replace("### END SOLUTION", "")
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
ON_TIME = "2027-02-01 10:00:00.000000 UTC"


def submit(subs, student, source):
    folder = subs / student / "01_neuron"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "neuron.py").write_text(source)
    (folder / "timestamp.txt").write_text(ON_TIME)


def grades(out):
    with open(out / "grades.csv", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def regrades(out):
    with open(out / "regrades.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    work = tmp_path_factory.mktemp("ledger")
    subs, out = work / "submitted", work / "graded"
    submit(subs, "ann", STUB)
    submit(subs, "ben", REFERENCE)
    steps = {"first": run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet")}
    steps["override"] = run_course("override", "ann", "01_neuron", "--score", "15", "--reason", "emailed file accepted",
                                   "--comment", "Accepted by email.", "--out", out)
    submit(subs, "ann", REFERENCE)
    steps["resubmitted"] = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet")
    steps["forced"] = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet", "--force")
    steps["history"] = run_course("history", "ann", "--out", out)
    for name, done in steps.items():
        assert done.returncode == 0, (name, done.stdout[-2000:], done.stderr[-2000:])
    return work, subs, out, steps


def test_history_shows_every_event_in_order_with_why(term):
    _, _, out, steps = term
    lines = [line for line in steps["history"].stdout.splitlines() if not line.startswith(" ")]
    assert len(lines) == 4, steps["history"].stdout
    assert "graded 0/20" in lines[0] and "why: new" in lines[0]
    assert "OVERRIDE score 15 (engine 0)" in lines[1] and "why: emailed file accepted" in lines[1]
    assert "graded 20/20" in lines[2] and "why: changed submission" in lines[2]
    assert "graded 20/20" in lines[3] and "why: forced" in lines[3]
    assert "comment: Accepted by email." in steps["history"].stdout
    assert "fingerprint: files" in steps["history"].stdout and "tests: test_" in steps["history"].stdout
    with read_ledger(out) as ledger:
        assert [e.why for e in ledger.history("ben")] == ["new", "forced"]
        runs = [e.run for e in ledger.history("ann") if e.kind == "grade"]
        assert len(set(runs)) == 3, "each run has its own id"


def test_the_override_stands_through_regrades_and_a_changed_engine_score_needs_attention(term):
    _, _, out, steps = term
    ann = grades(out)["ann"]
    assert (ann["score"], ann["engine_score"]) == ("15", "20")
    assert ann["override"] == "override score 15 (emailed file accepted)"
    assert "the engine's score changed under the override: 0 when it was made, 20 now" in ann["attention"]
    assert "ann 01_neuron: the engine's score changed under the override" in steps["resubmitted"].stdout
    assert "Score set by your instructor: 15 / 20" in (out / "ann/01_neuron/feedback.md").read_text()
    assert "Accepted by email." in (out / "ann/01_neuron/feedback.md").read_text()


def test_regrades_csv_keeps_the_rows_of_every_run(term):
    _, _, out, _ = term
    rows = regrades(out)
    totals = [(r["student"], r["why"], r["old_score"], r["new_score"]) for r in rows if r["test"] == "TOTAL"]
    assert totals == [("ann", "changed submission", "0", "20"), ("ann", "forced", "20", "20"),
                      ("ben", "forced", "20", "20")]
    assert len({r["run"] for r in rows}) == 2
    assert any(r["student"] == "ann" and r["test"] == "test_relu_random" and r["change"] == "2" for r in rows)


def test_one_test_override_then_clear(term, tmp_path):
    _, _, graded, _ = term
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    line = set_override(out, NEURON, "ben", "partial credit", test="test_relu_random", points=1)
    assert "scores 19 (the engine gives 20)" in line
    assert grades(out)["ben"]["score"] == "19" and grades(out)["ben"]["engine_score"] == "20"
    with pytest.raises(OverrideError, match="no test 'test_nothing'"):
        set_override(out, NEURON, "ben", "typo", test="test_nothing", points=1)
    with pytest.raises(OverrideError, match="worth 0 to 20"):
        set_override(out, NEURON, "ben", "too much", score=21)
    set_override(out, NEURON, "ben", "decided otherwise", clear=True)
    assert (grades(out)["ben"]["score"], grades(out)["ben"]["override"]) == ("20", "")
    with open_ledger(out) as ledger:
        assert [e.why for e in ledger.history("ben")][-2:] == ["override", "override cleared"]
        for statement in ("UPDATE entries SET score = 0", "DELETE FROM entries"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                ledger.db.execute(statement)


def test_an_output_folder_without_a_ledger_is_migrated(term, tmp_path):
    _, subs, graded, _ = term
    out = tmp_path / "graded"
    shutil.copytree(graded, out, ignore=shutil.ignore_patterns(LEDGER_NAME, "regrades.csv"))
    lines = history_lines(out, "ann")  # the first look at the history migrates the folder
    assert len(lines) == 1 or lines[1].startswith("    "), lines
    assert "graded 20/20  why: migrated" in lines[0]
    summary = grade_batch(COURSE, NEURON, subs, out, progress=False)  # migrates nothing twice
    assert sorted(summary.plan.unchanged) == ["ann", "ben"]
    with read_ledger(out) as ledger:
        assert [(e.student, e.why, e.score) for e in ledger.history()] == [("ann", MIGRATED, 20.0),
                                                                           ("ben", MIGRATED, 20.0)]
    assert summary.class_mean() == 20.0


def test_two_grading_runs_at_once_stay_consistent(term, tmp_path):
    _, subs, graded, _ = term
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    with read_ledger(out) as ledger:
        before = len(ledger.history())
    command = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", "01_neuron", str(subs),
               "--out", str(out), "--quiet", "--force"]
    runs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stdout + stderr
    with read_ledger(out) as ledger:
        entries = ledger.history()
    added = entries[before:]
    assert sorted((e.student, e.why) for e in added) == [("ann", "forced")] * 2 + [("ben", "forced")] * 2
    assert len({e.run for e in added}) == 2
    table = grades(out)
    assert (table["ann"]["score"], table["ben"]["score"]) == ("15", "20"), "the override stood through both"
    rows = regrades(out)
    assert len({r["run"] for r in rows}) == 4, "regrades.csv holds both runs' rows and the earlier ones"


def test_an_extension_is_recorded_as_the_reason_of_its_regrade(term, tmp_path):
    _, subs, graded, _ = term
    course = load_course(make_course(tmp_path / "course"))
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False)  # this course's graders
    (tmp_path / "course" / "extensions.csv").write_text("student,assignment,due,reason\n"
                                                        "ben,01_neuron,2027-03-01T12:00:00Z,illness\n")
    summary = grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False)
    assert summary.plan.changed == ["ben"] and summary.why == {"ben": "extension"}
    assert [r["why"] for r in regrades(out) if r["student"] == "ben"][-1] == "extension"
