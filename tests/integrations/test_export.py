"""`course export`: every format read back with the csv module, every value checked.

The class is written as results.json files in the engine's format, with the
cases an export can get wrong: a not-graded result (score null: blank or
flagged, never 0), a late one, lateness "unknown", a student with no result
for an assignment, fractional scores, and student names and failure
messages that a spreadsheet would run as formulas.
"""
import csv
import json

import pytest

from conftest import REPO, run_course
from autograder.cli import main
from autograder.config import load_course
from autograder.engine.text import neutralise
from autograder.export import number
from autograder.report.data import read_class

COURSE = load_course(REPO / "course.toml")
TITLE = {a.id: a.title for a in COURSE.assignments}
POINTS = {a.id: a.points for a in COURSE.assignments}
A1, A2 = "01_neuron", "02_forward"
EVIL = "@SUM+1"  # a student id (student_ids.py) that a spreadsheet would run as a formula


def outcome(name, key, score, max_score, output=""):
    return {"name": name, "score": score, "max_score": max_score, "status": "passed" if score >= max_score else "failed",
            "output": output, "visibility": "visible", "extra_data": {"test": key}}


def write_result(out, student, assignment, score, tests, status="graded", reason="", late=False, late_days=0):
    folder = out / student / assignment
    folder.mkdir(parents=True)
    extra = {"student": student, "assignment": assignment, "seed": 1, "isolation": "namespaces",
             "late": late, "late_days": late_days, "status": status}
    if reason:
        extra["reason"] = reason
    results = {"score": score, "max_score": POINTS[assignment], "output": "", "tests": tests, "extra_data": extra}
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "feedback.md").write_text(f"# {assignment}\n")


CARET_FAILURE = "sigmoid(0) should be 0.5, got 1.0\n    return 1 / (1 + exp(z))\n           ^^^^^^^^^^^^"
SIGN_MESSAGE = "sigmoid(0) should be 0.5, got 1.0\n    return 1 / (1 + exp(z))"


def a1_tests(sigmoid_ok, relu_ok, message=CARET_FAILURE):
    return [outcome("sigmoid works", "test_sigmoid", 10 if sigmoid_ok else 0, 10, "" if sigmoid_ok else message),
            outcome("relu works", "test_relu", 10 if relu_ok else 0, 10, "" if relu_ok else "-relu(-1) is not 0")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "graded"
    write_result(out, "alice", A1, 20, a1_tests(True, True))
    write_result(out, "alice", A2, 13.5, [outcome("forward", "test_forward", 13.5, 20, "close")])
    write_result(out, "bob", A1, 10, a1_tests(False, True), late=True, late_days=2)
    write_result(out, "bob", A2, None, [], status="not graded", reason="no submission")
    write_result(out, "carol", A1, 20 / 3, a1_tests(False, False), late="unknown")
    write_result(out, EVIL, A1, 10, a1_tests(False, True))
    write_result(out, "dan", A1, None, [], status="not graded", reason="forward.py does not parse")
    return out


def course(capsys, *args):
    """The `course` command in this process (what the console script runs): (exit code, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse rejects bad arguments with exit 2
        code = exc.code
    return code, capsys.readouterr().err


@pytest.fixture
def export(capsys, tmp_path):
    def run(graded, fmt):
        out = tmp_path / f"{fmt}.csv"
        code, stderr = course(capsys, "export", graded, "--format", fmt, "--out", out)
        assert code == 0, stderr
        with open(out, newline="", encoding="utf-8") as f:
            return list(csv.reader(f)), stderr
    return run


def test_neutralise_and_number():
    for start in "=+-@\t\r":
        assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("alice") == "alice" and neutralise("a=b") == "a=b"
    assert number(20.0) == "20" and number(13.5) == "13.5" and number(20 / 3) == "6.6667" and number(0.0) == "0"


def test_wide(graded, export):
    rows, stderr = export(graded, "wide")
    assert rows[0] == ["student", A1, A2, "total", "max_total", "notes", "attention"]
    body = {row[0]: row[1:6] for row in rows[1:]}
    attention = {row[0]: row[6] for row in rows[1:]}
    assert list(body) == sorted(["alice", "bob", "carol", "dan", "'" + EVIL])
    assert body["alice"] == ["20", "13.5", "33.5", "40", ""]
    assert body["bob"] == ["10", "not graded", "10", "40",
                           f"{A1}: late 2 day(s); {A2}: not graded (no submission)"]
    assert body["carol"] == ["6.6667", "", "6.6667", "40", f"{A1}: late: unknown; {A2}: no result"]
    assert body["dan"] == ["not graded", "", "", "40",  # nothing graded: no total, never 0
                           f"{A1}: not graded (forward.py does not parse); {A2}: no result"]
    assert body["'" + EVIL] == ["10", "", "10", "40", f"{A2}: no result"]
    assert "bob/02_forward: not graded (no submission)" in stderr
    # The needs-attention column: who and why, per assignment.
    assert attention["alice"] == "" and attention["'" + EVIL] == ""
    assert attention["bob"] == f"{A2}: not graded: no submission"
    assert attention["carol"].startswith(f"{A1}: late unknown")
    assert attention["dan"] == f"{A1}: not graded: forward.py does not parse"


def test_canvas(graded, export):
    rows, stderr = export(graded, "canvas")
    assert "no roster.csv beside course.toml: the ID, SIS User ID and Section columns are blank" in stderr
    assert "Canvas can match these rows only if the course ids are the students' Canvas login ids" in stderr
    warning = [line for line in stderr.splitlines() if "import removes a grade it already holds" in line]
    assert len(warning) == 1 and "2 student(s) have a blank cell (not graded or stale): bob, dan;" in warning[0]
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       f"{TITLE[A1]} ({A1})", f"{TITLE[A2]} ({A2})"]
    assert rows[1] == ["Points Possible", "", "", "", "", "20", "20"]
    body = {row[0]: row for row in rows[2:]}
    assert body["alice"] == ["alice", "", "", "alice", "", "20", "13.5"]
    assert body["bob"] == ["bob", "", "", "bob", "", "10", ""], "not graded is blank, never 0"
    assert body["carol"] == ["carol", "", "", "carol", "", "6.6667", ""]
    assert body["dan"] == ["dan", "", "", "dan", "", "", ""]
    assert body["'" + EVIL] == ["'" + EVIL, "", "", "'" + EVIL, "", "10", ""]
    assert len(rows) == 2 + 5


def test_moodle(graded, export):
    rows, _ = export(graded, "moodle")
    assert rows[0] == ["Username", f"{TITLE[A1]} ({A1})", f"{TITLE[A2]} ({A2})"]
    assert rows[1:] == [["'" + EVIL, "10", ""], ["alice", "20", "13.5"], ["bob", "10", ""],
                        ["carol", "6.6667", ""], ["dan", "", ""]]


def test_tests_statistics(graded, export):
    rows, _ = export(graded, "tests")
    assert rows[0] == ["assignment", "test", "name", "points", "submitted", "passed", "pass_rate",
                       "commonest_failure", "commonest_failure_count", "left_out"]
    # Graded submissions of 01: alice, bob, carol, EVIL (dan was not graded: not counted).
    assert rows[1:] == [
        [A1, "test_sigmoid", "sigmoid works", "10", "4", "1", "0.25", SIGN_MESSAGE, "3", "0"],
        [A1, "test_relu", "relu works", "10", "4", "3", "0.75", "'-relu(-1) is not 0", "1", "0"],
        [A2, "test_forward", "forward", "20", "1", "0", "0", "close", "1", "0"],
    ]
    assert "^^^" not in "".join(cell for row in rows for cell in row)


def test_unreadable_results_are_named_not_exported(graded, tmp_path, export):
    import shutil
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    (out / "alice" / A2 / "results.json").write_text('{"score": 3, "tests": [')
    rows, stderr = export(out, "wide")
    assert f"alice/{A2}: results.json is not usable" in stderr
    assert {row[0]: row for row in rows}["alice"][1:4] == ["20", "", "20"]


def test_bad_arguments(tmp_path, graded, capsys):
    code, stderr = course(capsys, "export", tmp_path / "nowhere", "--format", "wide", "--out", tmp_path / "x.csv")
    assert code == 2 and "is not a folder" in stderr
    code, stderr = course(capsys, "export", graded, "--format", "excel", "--out", tmp_path / "x.csv")
    assert code == 2 and "invalid choice" in stderr


def test_the_console_command_runs(graded, tmp_path):
    done = run_course("export", graded, "--format", "canvas", "--out", tmp_path / "c.csv")
    assert done.returncode == 0 and "wrote" in done.stdout, done.stderr
    assert (tmp_path / "c.csv").read_text(encoding="utf-8").startswith("Student,ID,SIS User ID,SIS Login ID,Section,")
    assert not (tmp_path / "x.csv").exists()


def test_read_class_keeps_not_graded_apart(graded):
    results = read_class(COURSE, graded)
    bob = results.result("bob", A2)
    assert bob.score is None and not bob.graded and bob.reason == "no submission"
    assert results.submitted("bob") and not results.submitted("dan")
    assert results.total("bob") == 10


# -- a roster: a 0 only from a recorded grade; Canvas's columns by its own assignment ids ---------------

ROSTER = ("student,name,sis_id,login,section\n"
          "alice,Alice A,S1,alogin,A\nbob,Bob B,S2,,A\ngina,Gina G,S3,,B\nerin,Erin E,S4,elogin,B\nfred,Fred F,S5,,B\n")


@pytest.fixture
def rostered(graded, tmp_path):
    """The class plus gina (a recorded missing 0 for 01, nothing for 02), with a roster on which erin and
    fred (another section) have no record at all in the graded folder; 01_neuron has its canvas_id."""
    import shutil
    from conftest import make_course
    out = tmp_path / "graded"
    shutil.copytree(graded, out)
    write_result(out, "gina", A1, 0, a1_tests(False, False), status="missing",
                 reason="neuron.py is missing from your submission")
    course_toml = make_course(tmp_path / "course")
    text = course_toml.read_text().replace(f'id = "{A1}"\n', f'id = "{A1}"\ncanvas_id = 12345\n', 1)
    course_toml.write_text(text)
    (course_toml.parent / "roster.csv").write_text(ROSTER)
    return course_toml, out


def exported(capsys, course_toml, out, fmt, tmp_path):
    path = tmp_path / f"{fmt}.csv"
    code, stderr = course(capsys, "--course", course_toml, "export", out, "--format", fmt, "--out", path)
    assert code == 0, stderr
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f)), stderr


def test_a_rostered_student_with_no_record_is_never_given_a_zero(rostered, capsys, tmp_path):
    course_toml, out = rostered
    rows, stderr = exported(capsys, course_toml, out, "canvas", tmp_path)
    body = {row[0]: row for row in rows[2:]}
    assert "Erin E" not in body and "Fred F" not in body, "no record at all: left out, so Canvas leaves them alone"
    assert body["Alice A"][1:] == ["", "S1", "alogin", "A", "20", "13.5"]
    assert body["Gina G"][5:] == ["0", ""], "the recorded missing is 0; no record for 02 is blank, never 0"
    assert body["Bob B"][5:] == ["10", ""]
    assert "no record in graded: 2 rostered student(s) have no result for any assignment (erin, fred)" in stderr
    assert f"no record in graded for {A2}: gina: a blank cell, never 0" in stderr
    assert "exported as missing" not in stderr
    moodle, _ = exported(capsys, course_toml, out, "moodle", tmp_path)
    assert [row[0] for row in moodle[1:]] == ["alogin", "bob", "gina", "'" + EVIL, "carol", "dan"]
    assert moodle[3][3:] == ["0", ""]
    wide, _ = exported(capsys, course_toml, out, "wide", tmp_path)
    erin = next(row for row in wide[1:] if row[0] == "erin")
    assert erin[1:5] == ["", "", "", "40"] and erin[5] == f"{A1}: no record in graded; {A2}: no record in graded"
    gina = next(row for row in wide[1:] if row[0] == "gina")
    assert gina[1:5] == ["0", "", "0", "40"] and gina[5].endswith(f"{A2}: no record in graded")


def test_canvas_columns_carry_the_canvas_assignment_id(rostered, capsys, tmp_path):
    course_toml, out = rostered
    rows, stderr = exported(capsys, course_toml, out, "canvas", tmp_path)
    assert rows[0][5:] == [f"{TITLE[A1]} (12345)", f"{TITLE[A2]} ({A2})"]
    assert f"{A2}: no canvas_id in course.toml: Canvas will create a new assignment column" in stderr
    assert f"{A1}: no canvas_id" not in stderr and "no roster.csv" not in stderr
    moodle, stderr = exported(capsys, course_toml, out, "moodle", tmp_path)
    assert moodle[0][3] == f"{TITLE[A1]} ({A1})" and "canvas_id" not in stderr, "Moodle is mapped by hand"


def test_a_canvas_id_is_validated_with_its_line(tmp_path):
    from conftest import make_course
    from autograder.config import CourseConfigError, load_course
    course_toml = make_course(tmp_path / "course")
    text = course_toml.read_text()
    for bad, message in (("canvas_id = \"12345\"", "canvas_id: '12345' is not of type 'integer'"),
                         ("canvas_id = 0", "canvas_id: 0 is less than the minimum of 1"),
                         ("canvas_id = 7", "assignments[1].canvas_id: 7 is already 01_neuron's")):
        changed = text.replace(f'id = "{A1}"\n', f'id = "{A1}"\ncanvas_id = 7\n', 1) if "already" in message else text
        changed = changed.replace(f'id = "{A2}"\n', f'id = "{A2}"\n{bad}\n', 1)
        course_toml.write_text(changed)
        with pytest.raises(CourseConfigError) as caught:
            load_course(course_toml)
        line = len(changed.splitlines()) - changed.splitlines()[::-1].index(bad)  # the last: A2's
        assert message in str(caught.value) and f"(line {line})" in str(caught.value), str(caught.value)
