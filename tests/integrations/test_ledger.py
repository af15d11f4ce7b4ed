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
    assert "graded 20/20 (override 15 stands)" in lines[2] and "why: changed submission" in lines[2]
    assert "graded 20/20 (override 15 stands)" in lines[3] and "why: forced" in lines[3]
    assert "(override" not in lines[0], "no override stood yet"
    assert "regraded ann: 20 -> 20 (+0) (override 15 stands) [forced]" in steps["forced"].stdout
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
    totals = [(r["student"], r["why"], r["old_score"], r["new_score"], r["override"])
              for r in rows if r["test"] == "TOTAL"]
    assert totals == [("ann", "changed submission", "0", "20", "override 15 stands"),
                      ("ann", "forced", "20", "20", "override 15 stands"), ("ben", "forced", "20", "20", "")]
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


def test_override_and_history_name_what_is_wrong_and_a_comment_may_come_alone(term, tmp_path, capsys):
    from autograder.cli import main

    _, _, graded, _ = term
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    with pytest.raises(OverrideError, match=r"unknown student 'bne' .*closest known: ben"):
        set_override(out, NEURON, "bne", "typo", score=3)
    with pytest.raises(OverrideError, match="GRADED folder .*nowhere does not exist"):
        set_override(tmp_path / "nowhere", NEURON, "ben", "no folder", score=3)
    line = set_override(out, NEURON, "ben", "a note", comment="Tidy code, well done.")
    assert "comment recorded" in line
    assert (grades(out)["ben"]["score"], grades(out)["ben"]["attention"]) == ("20", "")
    assert "Tidy code, well done." in (out / "ben/01_neuron/feedback.md").read_text()
    assert "**Score: 20 / 20**" in (out / "ben/01_neuron/feedback.md").read_text()
    assert main(["history", "--assignment", "01_nueron", "--out", str(out)]) == 2
    assert "no assignment '01_nueron'" in capsys.readouterr().err
    reader = subprocess.Popen([sys.executable, "-m", "autograder.cli", "history", "--out", str(out)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # `| head` that has read enough
    stderr = reader.stderr.read().decode()
    reader.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_an_output_folder_without_a_ledger_is_migrated(term, tmp_path):
    _, subs, graded, _ = term
    out = tmp_path / "graded"
    shutil.copytree(graded, out, ignore=shutil.ignore_patterns(LEDGER_NAME, "regrades.csv"))
    lines = history_lines(out, "ann")  # the first look at the history migrates the folder
    assert len(lines) == 1 or lines[1].startswith("    "), lines
    assert "graded 20/20  why: migrated" in lines[0]
    assert "OVERRIDE score 15 (engine 0)  why: emailed file accepted" in lines[-2], "results.json's override"
    assert lines[-1] == "    comment: Accepted by email."
    summary = grade_batch(COURSE, NEURON, subs, out, progress=False)  # migrates nothing twice
    assert sorted(summary.plan.unchanged) == ["ann", "ben"]
    with read_ledger(out) as ledger:
        assert [(e.student, e.why, e.score) for e in ledger.history()] == [
            ("ann", MIGRATED, 20.0), ("ann", "override", 15.0), ("ben", MIGRATED, 20.0)]
        (override,) = ledger.overrides().values()
    assert (override.score, override.reason, override.engine_score) == (15.0, "emailed file accepted", 0.0)
    assert summary.class_mean() == 17.5, "the override lost with the ledger still stands"
    assert (grades(out)["ann"]["score"], grades(out)["ann"]["engine_score"]) == ("15", "20")
    assert "Accepted by email." in (out / "ann/01_neuron/feedback.md").read_text()


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


def test_an_extension_is_recorded_as_the_reason_of_its_regrade(term, tmp_path, capsys):
    _, subs, graded, _ = term
    course = load_course(make_course(tmp_path / "course"))
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False)  # this course's graders
    (tmp_path / "course" / "extensions.csv").write_text("student,assignment,due,reason\n"
                                                        "ben,01_neuron,2027-03-01T12:00:00Z,illness\n"
                                                        "Ann,01_neuron,2027-03-01T12:00:00Z,illness\n")
    capsys.readouterr()
    summary = grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False)
    assert summary.plan.changed == ["ben"] and summary.why == {"ben": "extension"}
    warning = "extensions.csv:3: no student 'Ann' submitted 01_neuron; closest student id: 'ann'"
    assert warning in capsys.readouterr().err, "a typo is loud: the real student gets no extension"
    assert any(warning in why for item in summary.attention for why in item.reasons)
    assert [r["why"] for r in regrades(out) if r["student"] == "ben"][-1] == "extension"


def _copy(term, tmp_path):
    """A copy of the term's submissions and output folder, to change freely."""
    _, subs, graded, _ = term
    shutil.copytree(subs, tmp_path / "submitted")
    shutil.copytree(graded, tmp_path / "graded")
    return tmp_path / "submitted", tmp_path / "graded"


def after_the_plan(monkeypatch, step):
    """Run step() once, in the next grading run, between its plan and its first write (as another process would)."""
    from autograder.engine import batch

    plan, done = batch._plan, []

    def planned(*args, **kwargs):
        planned_run = plan(*args, **kwargs)
        if not done:
            done.append(True)
            step()
        return planned_run
    monkeypatch.setattr(batch, "_plan", planned)
    return done


def test_an_override_recorded_during_a_grading_run_is_in_the_files_it_writes(term, tmp_path, monkeypatch):
    subs, out = _copy(term, tmp_path)
    done = after_the_plan(monkeypatch, lambda: set_override(out, NEURON, "ben", "oral exam", score=15))
    grade_batch(COURSE, NEURON, subs, out, progress=False, students=["ben"])
    assert done, "the override came after the plan"
    ben = grades(out)["ben"]
    assert (ben["score"], ben["engine_score"], ben["override"]) == ("15", "20", "override score 15 (oral exam)")
    assert "Score set by your instructor: 15 / 20" in (out / "ben/01_neuron/feedback.md").read_text()
    assert '"score": 15' in (out / "ben/01_neuron/results.json").read_text()


def test_two_runs_with_different_students_at_once_leave_neither_stale(term, tmp_path, monkeypatch):
    subs, out = _copy(term, tmp_path)
    submit(subs, "ann", REFERENCE + "\n# second try\n")
    submit(subs, "ben", REFERENCE + "\n# tidied\n")
    seen = {}

    def other_run():  # `course grade --student ben` at once, from its plan to its grades.csv
        grade_batch(COURSE, NEURON, subs, out, progress=False, students=["ben"])
        seen.update(grades(out))
    after_the_plan(monkeypatch, other_run)
    summary = grade_batch(COURSE, NEURON, subs, out, progress=False, students=["ann"])
    assert summary.plan.left_stale == ["ben"], "this run planned ben as stale"
    assert seen["ann"]["status"] == "stale", "ann was stale for the other run: not graded yet"
    assert seen["ann"]["reason"].startswith("stale: the submission changed since it was graded (not chosen with "
                                            "--student)"), "the real reason, not the settings"
    table = grades(out)
    assert [(table[s]["status"], table[s]["score"]) for s in ("ann", "ben")] == [("graded", "15"), ("graded", "20")]
    assert summary.stale == frozenset()
    assert not any(why.startswith("stale") for item in summary.attention for why in item.reasons)


def test_comments_add_up_with_their_dates_and_never_relabel_the_score(term, tmp_path):
    from autograder.cli import main

    _, out = _copy(term, tmp_path)
    feedback = out / "ben/01_neuron/feedback.md"
    set_override(out, NEURON, "ben", "partial credit", score=5, comment="First look.")
    set_override(out, NEURON, "ben", "feedback", comment="Second look.")
    assert grades(out)["ben"]["override"] == "override score 5 (partial credit)", "a comment keeps the reason"
    assert grades(out)["ben"]["score"] == "5"
    text = feedback.read_text()
    assert text.index("First look.") < text.index("Second look."), text
    assert f"{ledger_day(out)}: First look." in text and f"{ledger_day(out)}: Second look." in text, text
    set_override(out, NEURON, "ben", "regraded by hand", score=6)
    text = feedback.read_text()
    assert "Score set by your instructor: 6 / 20" in text and "First look." in text and "Second look." in text
    assert grades(out)["ben"]["override"] == "override score 6 (regraded by hand)"
    lost = tmp_path / "lost"  # the ledger lost: results.json's override, every comment with its date, migrated
    shutil.copytree(out, lost, ignore=shutil.ignore_patterns(LEDGER_NAME))
    history_lines(lost)
    with read_ledger(out) as before, read_ledger(lost) as after:
        kept, migrated = before.overrides()[("ben", "01_neuron")], after.overrides()[("ben", "01_neuron")]
    assert (migrated.score, migrated.reason, migrated.at, migrated.dated_comments) == \
        (kept.score, kept.reason, kept.at, kept.dated_comments) == (6.0, "regraded by hand", kept.at, kept.comments)
    assert [text for _, text in kept.comments] == ["First look.", "Second look."]
    with pytest.raises(OverrideError, match="--clear removes the override; it takes no --score"):
        set_override(out, NEURON, "ben", "oops", score=9, clear=True)
    assert main(["override", "ben", "01_neuron", "--clear", "--score", "9", "--reason", "x", "--out", str(out),
                 "--course", str(REPO / "course.toml")]) == 2
    assert grades(out)["ben"]["score"] == "6", "nothing was recorded"


def ledger_day(out):
    with read_ledger(out) as ledger:
        return ledger.history("ben")[-1].at[:10]
