"""roster.csv: the course's ids and the LMS's, validated with file, line and field."""
import pytest

from autograder.roster import RosterError, load_roster


def roster_in(tmp_path, text):
    (tmp_path / "roster.csv").write_text(text)
    return load_roster(tmp_path)


def test_only_student_is_required_and_rows_match_by_lms_id_login_or_name(tmp_path):
    roster = roster_in(tmp_path, "\ufeffname,student,lms_id\nAda Lovelace,ada,1001\nBob Brown,bob,\n\n")
    assert [s.student for s in roster.students] == ["ada", "bob"] and roster.get("bob").sis_id == ""
    assert [s.student for s in roster.match(lms_id="1001")] == ["ada"]
    assert [s.student for s in roster.match(names=("brownbob",))] == ["bob"]  # Canvas's sortable name
    assert [s.student for s in roster.match(names=("Bob Brown",))] == ["bob"]  # Moodle's full name
    assert roster.match(names=("Zoe Smith",)) == [] and load_roster(tmp_path / "nowhere").path is None


@pytest.mark.parametrize("text, message", [
    ("name,email\nAda,a@x.org\n", "roster.csv:1: student: missing column"),
    ("student,sis\nada,1\n", "roster.csv:1: sis: unknown column (did you mean 'sis_id'?)"),
    ("student,name\nada,Ada\n,Bob\n", "roster.csv:3: student: empty"),
    ("student,name\nada,Ada\nada b,Bob\n", "roster.csv:3: student: 'ada b' cannot be a student id"),
    ("student,login\nada,al\nbob,al\n", "roster.csv:3: login: 'al' is already on line 2"),
    ("student,email\nada,not-an-address\n", "roster.csv:2: email: 'not-an-address' is not an e-mail address"),
    ("student,name\nada,Ada,extra\n", "roster.csv:2: 3 cells for the 2 columns"),
])
def test_a_bad_roster_names_the_file_the_line_and_the_field(tmp_path, text, message):
    with pytest.raises(RosterError) as error:
        roster_in(tmp_path, text)
    assert message in str(error.value)
