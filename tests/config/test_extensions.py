"""Per-student extensions and time accommodations: read from CSV beside course.toml, used by every path."""
import csv
import datetime as dt

import pytest

from conftest import REPO, make_course, run_course
from autograder.config import load_course
from autograder.engine.batch import grade_batch
from autograder.engine.results import load_result
from autograder.extensions import ExtensionsError, due_date, limits_for, load_terms

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
IDS = ["01_neuron", "02_forward"]


def write(path, text):
    path.write_text(text)
    return path.parent


def test_an_extension_for_one_assignment_wins_over_one_for_all(tmp_path):
    root = write(tmp_path / "extensions.csv",
                 "student,assignment,due,reason\n"
                 "ann,*,2027-03-01T12:00:00Z,illness\n"
                 "ann,01_neuron,2027-02-20T23:59:00+01:00,registrar\n"
                 "ben,02_forward,2027-02-15T10:00:00,\n")
    write(tmp_path / "accommodations.csv", "student,assignment,time_multiplier,reason\nann,*,1.5,DSP letter\n")
    terms = load_terms(root, IDS)
    assert terms["ann"].due == {"*": dt.datetime(2027, 3, 1, 12, tzinfo=dt.timezone.utc),
                                "01_neuron": dt.datetime(2027, 2, 20, 22, 59, tzinfo=dt.timezone.utc)}
    assert terms["ben"].due["02_forward"].tzinfo == dt.timezone.utc, "no zone means UTC"
    assert terms["ann"].time_multiplier == {"*": 1.5}


@pytest.mark.parametrize("text, message", [
    ("student,assignment,due\nann,*,2027-01-01\n", "extensions.csv:1: missing column(s) reason"),
    ("student,assignment,due,reason\nann,*,next tuesday,\n", "extensions.csv:2: due: 'next tuesday' is not an ISO"),
    ("student,assignment,due,reason\n\nann,99_nope,2027-01-01,\n", "extensions.csv:3: assignment: unknown assignment '99_nope'"),
    ("student,assignment,due,reason\n,*,2027-01-01,\n", "extensions.csv:2: student: empty"),
    ("student,assignment,due,reason\nann,*,2027-01-01,a\nann,*,2027-01-02,b\n",
     "extensions.csv:3: student: ann already has a row for * on line 2"),
    ("student,assignment,due,reason\nann,*,2027-01-01,a,extra\n", "extensions.csv:2: more cells"),
])
def test_a_bad_row_names_the_file_the_line_and_the_field(tmp_path, text, message):
    root = write(tmp_path / "extensions.csv", text)
    with pytest.raises(ExtensionsError) as error:
        load_terms(root, IDS)
    assert message in str(error.value)


def test_a_bad_multiplier_is_refused(tmp_path):
    root = write(tmp_path / "accommodations.csv", "student,assignment,time_multiplier,reason\nann,*,0.5,\n")
    with pytest.raises(ExtensionsError, match="accommodations.csv:2: time_multiplier: '0.5' must be a number from 1"):
        load_terms(root, IDS)


def test_the_course_applies_them_to_due_dates_and_limits(tmp_path):
    course_toml = make_course(tmp_path / "course")
    write(course_toml.parent / "extensions.csv", "student,assignment,due,reason\nann,*,2027-03-01T00:00:00Z,x\n")
    write(course_toml.parent / "accommodations.csv", "student,assignment,time_multiplier,reason\nann,01_neuron,2,x\n")
    course = load_course(course_toml)
    a = course.assignment("01_neuron")
    assert due_date(course, a, "ann") == dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    assert due_date(course, a, "ben") == a.due
    assert limits_for(course, a, "ann").seconds == 2 * a.limits.seconds
    assert limits_for(course, a, "ben") == a.limits
    assert limits_for(course, course.assignment("02_forward"), "ann") == course.assignment("02_forward").limits


@pytest.mark.slow
def test_grading_uses_the_extension_and_a_new_extension_regrades_the_student(tmp_path):
    course_toml = make_course(tmp_path / "course", seconds=5, submission_seconds=20)
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student in ("ann", "ben"):  # both a day after the course's due date (2027-02-05 23:59 UTC)
        folder = subs / student / "01_neuron"
        folder.mkdir(parents=True)
        (folder / "neuron.py").write_text(REFERENCE)
        (folder / "timestamp.txt").write_text("2027-02-06 12:00:00.000000 UTC")
    course = load_course(course_toml)
    grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False)
    assert load_result(out / "ann/01_neuron/results.json").lateness.late is True

    write(course_toml.parent / "extensions.csv", "student,assignment,due,reason\nann,01_neuron,2027-02-07T00:00:00Z,flu\n")
    summary = grade_batch(load_course(course_toml), course.assignment("01_neuron"), subs, out, progress=False)
    assert summary.plan.changed == ["ann"], "an extension changes what the grade depends on"
    ann = load_result(out / "ann/01_neuron/results.json")
    assert ann.lateness.late is False and ann.lateness.due.startswith("2027-02-07")
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert rows["ann"]["late"] == "on time" and rows["ben"]["late"] == "late"
    from autograder.report.data import read_class  # what the report and the exports read
    seen = read_class(load_course(course_toml), out).results
    assert seen[("ann", "01_neuron")].lateness.late is False and seen[("ben", "01_neuron")].lateness.late is True

    write(course_toml.parent / "extensions.csv", "student,assignment,due,reason\nann,01_neuron,soon,flu\n")
    done = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, course=course_toml)
    assert done.returncode == 2 and "extensions.csv:2: due:" in done.stderr


def test_nbgrader_late_plugin_uses_the_students_extension(tmp_path):
    """nbgrader autograde asks CourseLatePenalty, which must see extensions.csv as course grade does."""
    from types import SimpleNamespace

    from traitlets.config import Configurable

    from autograder.nbgrader_course.late import CourseLatePenalty

    course_toml = make_course(tmp_path / "course")
    text = course_toml.read_text().replace("[limits]", "[late]\npenalty_per_day = 0.1\n\n[limits]", 1)
    course_toml.write_text(text)
    write(course_toml.parent / "extensions.csv", "student,assignment,due,reason\nann,01_neuron,2027-02-10T00:00:00Z,flu\n")
    two_days_late = dt.datetime(2027, 2, 7, 12, 0)  # nbgrader keeps naive UTC; due 2027-02-05T23:59Z

    class AutogradeStep(Configurable):  # stands in for nbgrader's AssignLatePenalties
        assignment_id = "01_neuron"
        gradebook = SimpleNamespace(find_submission=lambda a, s: SimpleNamespace(timestamp=two_days_late))

    plugin = CourseLatePenalty(parent=AutogradeStep(), course_toml=str(course_toml))
    assert plugin.late_submission_penalty("ben", 20.0, 2 * 86400) == pytest.approx(4.0)  # 2 days x 10%
    assert plugin.late_submission_penalty("ann", 20.0, 2 * 86400) is None, "ann's extension runs to the 10th"
