"""`course collect`: Canvas and Moodle downloads, as their LMS names them, into submitted/ and graded."""
import csv
import json
import stat
import zipfile

import pytest

from conftest import REPO, make_course, run_course

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_bytes()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_bytes()
ROSTER = ("student,name,sis_id,login,section,email,lms_id\n"
          "ada,Ada Lovelace,S001,alovelace,A,ada@example.org,1001\n"
          "bob,Bob Brown,S002,bbrown,A,,\n"
          "cat,Cat Ng,S003,cng,B,,1003\n"
          "dan,Dan Ito,S004,dito,B,,\n")


def course_with_roster(tmp_path):
    course_toml = make_course(tmp_path / "course")
    course_toml.write_text(course_toml.read_text() + "\n[late]\npenalty_per_day = 0.1\n")
    (course_toml.parent / "roster.csv").write_text(ROSTER)
    return course_toml


def canvas_download(path):
    """Canvas's "Download Submissions" zip: <sortable name>[_LATE]_<user id>_<attachment id>_<file>."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lovelaceada_1001_55501_neuron.py", REFERENCE)
        archive.writestr("brownbob_1002_55502_neuron.py", STUB)  # no lms_id: found by name
        archive.writestr("ngcat_LATE_1003_55503_neuron-1.py", REFERENCE)  # late, uploaded a second time
        archive.writestr("ngcat_LATE_1003_55504_notes.txt", b"my notes")
        # cat's own records, which must not count: Canvas's are the only ones
        archive.writestr("ngcat_LATE_1003_55510_late_mark.txt", b"canvas: on time\n")
        archive.writestr("ngcat_LATE_1003_55511_timestamp.txt", b"2027-02-01 00:00:00 UTC")
        archive.writestr("smithzoe_1009_55509_neuron.py", REFERENCE)  # not on the roster
        archive.writestr("lovelaceada_1001_text.html", b"<p>see file</p>")
        archive.writestr("lovelaceada_1001_55507_times.csv",  # a student's file that looks like Moodle's worksheet
                         'Identifier,Last modified (submission)\nParticipant 1001,"1 February 2027, 1:00 AM"\n')
        link = zipfile.ZipInfo("itodan_1004_55505_neuron.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("../evil_1005_55506_neuron.py", REFERENCE)
    return path


def moodle_download(path):
    """Moodle's "Download all submissions" (in folders) with its grading worksheet for the times."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Ada Lovelace_1001_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("Cat Ng_1003_assignsubmission_file_/work.zip", nested_zip())
        archive.writestr("Cat Ng_1003_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>")
        archive.writestr("Bob Brown_2002_assignsubmission_file_/timestamp.txt", b"2020-01-01 00:00:00 UTC")
        archive.writestr("Bob Brown_2002_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("grading.csv",
                         "Identifier,Full name,Email address,Status,Last modified (submission),Grade\n"
                         "Participant 1001,Ada Lovelace,ada@example.org,Submitted,\"Friday, 5 February 2027, 11:00 PM\",\n"
                         "Participant 1003,Cat Ng,,Submitted,\"Monday, 8 February 2027, 9:30 AM\",\n"
                         "Participant 2002,Bob Brown,,Submitted,-,\n")
    return path


def nested_zip() -> bytes:
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("my-work/01_neuron/neuron.py", REFERENCE)
        archive.writestr("__MACOSX/my-work/._neuron.py", b"junk")
    return buffer.getvalue()


def graded(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


def test_a_canvas_download_is_collected_through_the_roster_and_graded(tmp_path):
    course_toml = course_with_roster(tmp_path)
    download = canvas_download(tmp_path / "submissions.zip")
    submitted = tmp_path / "submitted"
    done = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert done.returncode == 0, done.stderr
    assert "collected 3 student(s)" in done.stdout and "canvas" in done.stdout
    assert f"course: using {course_toml}" in done.stderr
    assert (submitted / "ada/01_neuron/neuron.py").read_bytes() == REFERENCE
    assert (submitted / "bob/01_neuron/neuron.py").read_bytes() == STUB
    assert (submitted / "cat/01_neuron/neuron.py").read_bytes() == REFERENCE  # Canvas's -1 taken off
    assert (submitted / "cat/01_neuron/notes.txt").read_bytes() == b"my notes"
    assert not (submitted / "dan").exists() and not (tmp_path / "evil_1005_55506_neuron.py").exists()
    assert not list(submitted.rglob("timestamp.txt")), "Canvas's download records no time"
    # Canvas's own verdict instead: late where its file names say _LATE (a resubmission's too), on time elsewhere
    assert (submitted / "cat/01_neuron/late_mark.txt").read_text() == "canvas: late\n"
    assert (submitted / "ada/01_neuron/late_mark.txt").read_text() == "canvas: on time\n"
    for line in ("smithzoe (Canvas user 1009)", "not on roster.csv", "itodan_1004_55505_neuron.py",
                 "symbolic link", "'../evil_1005_55506_neuron.py'", "'lovelaceada_1001_text.html'",
                 "Canvas marks 1 submission(s) LATE", ": cat"):
        assert line in done.stderr, line
    (submitted / "zed" / "01_neuron").mkdir(parents=True)  # handed in some other way, not on the roster
    (submitted / "zed" / "01_neuron" / "neuron.py").write_bytes(REFERENCE)
    out = tmp_path / "out"
    grade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet", "--jobs", "2",
                       course=course_toml)
    assert grade.returncode == 0, grade.stderr
    assert graded(out, "ada")["score"] == 20 and graded(out, "bob")["score"] == 0
    # cat: late by Canvas's mark, one day's penalty (the least), listed since the days are not known
    cat = graded(out, "cat")
    assert cat["extra_data"]["late"] is True and cat["extra_data"]["late_days"] == 1 and cat["score"] == 18
    assert graded(out, "ada")["extra_data"]["late"] is False and graded(out, "zed")["extra_data"]["late"] == "unknown"
    assert "cat 01_neuron: late by an unknown number of days: Canvas marks the submission late" in grade.stdout
    assert "ada 01_neuron: late" not in grade.stdout and "late_mark.txt" not in json.dumps(graded(out, "ada"))

    # Canvas's times from its submissions API (a browser-saved page): cat came 2.5 days late, so 3 days' penalty
    api = tmp_path / "submissions.json"
    api.write_text("while(1);" + json.dumps([
        {"user_id": 1001, "assignment_id": 77, "submitted_at": "2027-02-05T20:00:00Z", "late": False},
        {"user_id": 1003, "assignment_id": 77, "submitted_at": "2027-02-08T12:00:00Z", "late": True},
        {"user_id": 1004, "assignment_id": 77, "submitted_at": None, "late": False}]))
    again = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted,
                       "--canvas-submissions", api, course=course_toml)
    assert again.returncode == 0, again.stderr
    assert (submitted / "cat/01_neuron/timestamp.txt").read_text().startswith("2027-02-08 12:00:00")
    assert "bob: Canvas user 1002 has no submission time" in again.stderr and "Canvas marks" not in again.stderr
    regrade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet", "--jobs", "2",
                         course=course_toml)
    assert regrade.returncode == 0, regrade.stderr
    assert "graded 0 new, 2 changed" in regrade.stdout, regrade.stdout  # ada and cat: their times are new
    cat = graded(out, "cat")
    assert cat["extra_data"]["late_days"] == 3 and abs(cat["score"] - 14) < 1e-9
    assert "cat 01_neuron: late" not in regrade.stdout

    # the Canvas export through the roster: its ID and SIS columns filled, the non-submitter dan present with 0
    export = run_course("export", out, "--format", "canvas", "--out", tmp_path / "canvas.csv", course=course_toml)
    assert export.returncode == 0, export.stderr
    rows = list(csv.reader((tmp_path / "canvas.csv").read_text().splitlines()))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    by_login = {row[3]: row for row in rows[2:]}
    assert by_login["alovelace"][:6] == ["Ada Lovelace", "1001", "S001", "alovelace", "A", "20"]
    assert by_login["dito"][:6] == ["Dan Ito", "", "S004", "dito", "B", "0"]
    assert [row[3] for row in rows[2:]] == ["alovelace", "bbrown", "cng", "dito", "zed"], "the roster's order first"
    assert "zed: graded but not on roster.csv" in export.stderr
    assert "01_neuron: 1 rostered student(s) without a submission, exported as missing (0): dan" in export.stderr


def test_a_moodle_download_gets_its_times_from_the_worksheet_and_the_late_penalty(tmp_path):
    course_toml = course_with_roster(tmp_path)
    download = moodle_download(tmp_path / "moodle.zip")
    submitted = tmp_path / "submitted"
    done = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted,
                      "--timezone", "Europe/Berlin", course=course_toml)
    assert done.returncode == 0, done.stderr
    assert "collected 3 student(s)" in done.stdout and "moodle" in done.stdout
    # 23:00 in Berlin is 22:00 UTC, before the 23:59 UTC due date; Monday 09:30 Berlin is 3 days late
    assert (submitted / "ada/01_neuron/timestamp.txt").read_text().startswith("2027-02-05 22:00:00")
    assert (submitted / "cat/01_neuron/timestamp.txt").read_text().startswith("2027-02-08 08:30:00")
    assert (submitted / "cat/01_neuron/neuron.py").read_bytes() == REFERENCE  # lifted out of the student's zip
    assert not (submitted / "bob/01_neuron/timestamp.txt").exists(), "a student's own timestamp.txt is not the LMS's"
    assert "onlinetext submission, not a file" in done.stderr
    out = tmp_path / "out"
    grade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet", "--jobs", "2",
                       course=course_toml)
    assert grade.returncode == 0, grade.stderr
    ada, cat = graded(out, "ada"), graded(out, "cat")
    assert ada["score"] == 20 and ada["extra_data"]["late"] is False
    assert cat["extra_data"]["late"] is True and cat["extra_data"]["late_days"] == 3
    assert abs(cat["score"] - 20 * 0.7) < 1e-9
    export = run_course("export", out, "--format", "moodle", "--out", tmp_path / "moodle.csv", course=course_toml)
    assert export.returncode == 0, export.stderr
    rows = list(csv.reader((tmp_path / "moodle.csv").read_text().splitlines()))
    assert rows[0][:3] == ["Username", "ID number", "Email address"]
    assert rows[1][:4] == ["alovelace", "S001", "ada@example.org", "20"] and rows[4][:4] == ["dito", "S004", "", "0"]


def test_a_folder_of_student_folders_is_collected_and_its_links_refused(tmp_path):
    """No roster: folder names are the ids; nbgrader's <student>/<ID>/ works too; a link is never followed."""
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.roster import Roster

    course = load_course(make_course(tmp_path / "course"))
    download = tmp_path / "download"
    (download / "ada").mkdir(parents=True)
    (download / "ada" / "neuron.py").write_bytes(REFERENCE)
    (download / "ada" / "late_mark.txt").write_text("canvas: on time\n")  # the student's: never the record
    (download / "bob" / "01_neuron").mkdir(parents=True)
    (download / "bob" / "01_neuron" / "neuron.py").write_bytes(STUB)
    (download / "eve").mkdir()
    (download / "eve" / "neuron.py").symlink_to(REPO / "solutions/01_neuron/neuron.py")
    (download / "Bad Name").mkdir()
    (download / "Bad Name" / "neuron.py").write_bytes(STUB)
    done = collect(course, course.assignment("01_neuron"), download, tmp_path / "submitted", Roster(students=[]))
    assert sorted(done.placed) == ["ada", "bob"] and done.platforms == {"folder"}
    assert not (tmp_path / "submitted/ada/01_neuron/late_mark.txt").exists()
    assert (tmp_path / "submitted/bob/01_neuron/neuron.py").read_bytes() == STUB
    assert any("eve/neuron.py" in line and "symbolic link" in line for line in done.unplaced)
    assert any("Bad Name" in line and "roster.csv" in line for line in done.unplaced)


def test_a_students_zip_beyond_the_bounds_is_not_extracted(tmp_path):
    import io

    from autograder.collect import unpack

    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(unpack.MAX_NESTED_FILES + 1):
            archive.writestr(f"f{i}.txt", "x")
    entries, refused = unpack.nested_entries(many.getvalue(), "ada's work.zip", unpack._Budget())
    assert entries == [] and f"holds {unpack.MAX_NESTED_FILES + 1} entries" in refused[0]
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("neuron.py", b"\0" * (unpack.MAX_FILE_BYTES + 1))  # a header can lie: the bytes count
    (entry,), _ = unpack.nested_entries(big.getvalue(), "ada's work.zip", unpack._Budget())
    with pytest.raises(ValueError, match="larger than 16 MB"):
        entry.read()


# --- Canvas's late mark and times (fast: no grading) -----------------------------------------


def _course(tmp_path, late="penalty_per_day = 0.1", extensions=None):
    from autograder.config import load_course
    course_toml = make_course(tmp_path / "course")
    course_toml.write_text(course_toml.read_text() + f"\n[late]\n{late}\n")
    if extensions:
        (course_toml.parent / "extensions.csv").write_text("student,assignment,due,reason\n" + extensions)
    course = load_course(course_toml)
    return course, course.assignment("01_neuron")


@pytest.mark.parametrize("mark, stamp, late, days, penalty, note", [
    (b"canvas: late\n", None, True, 1, 0.1, "Canvas marks the submission late and records no time: counted as 1 day"),
    (b"canvas: on time\n", None, False, 0, 0.0, "Canvas did not mark the submission late"),
    (None, None, None, 0, 0.0, "Lateness unknown: there is no timestamp.txt"),
    (b"canvas: late\n", b"2027-02-08 12:00:00.000000 UTC", True, 3, 0.3, "Submitted 3 days after"),
    # the platform's time says on time, its mark says late: neither is dropped, the instructor looks
    (b"canvas: late\n", b"2027-02-05 20:00:00.000000 UTC", None, 0, 0.0, "Canvas marks the submission late, but its time"),
    (b"canvas: on time\n", b"2027-02-06 20:00:00.000000 UTC", True, 1, 0.1, "Submitted 1 day after"),
    (b"late\n", None, None, 0, 0.0, "not 'canvas: late' or 'canvas: on time'"),  # not collect's: unknown
])
def test_a_late_mark_is_applied_and_never_dropped(tmp_path, mark, stamp, late, days, penalty, note):
    from autograder.engine.lateness import lateness
    course, assignment = _course(tmp_path)
    found = lateness(course, assignment, "ada", stamp, "", mark)
    assert (found.late, found.late_days, round(found.penalty, 9)) == (late, days, penalty), found
    assert note in found.note, found.note


def test_a_late_mark_with_an_extension_or_a_grace_period(tmp_path):
    from autograder.engine.lateness import lateness
    course, assignment = _course(tmp_path, "penalty_per_day = 0.1\ngrace_minutes = 15",
                                 "ben,01_neuron,2027-02-09T23:59:00Z,ill\n")
    # Canvas's mark is against Canvas's due date: with a later one of extensions.csv it tells nothing
    unknown = lateness(course, assignment, "ben", None, "", b"canvas: late\n")
    assert unknown.late is None and "extensions.csv" in unknown.note
    assert lateness(course, assignment, "ben", None, "", b"canvas: on time\n").late is False
    # the time within the grace period: on time, and the mark is mentioned
    graced = lateness(course, assignment, "ada", b"2027-02-06 00:05:00 UTC", "", b"canvas: late\n")
    assert graced.late is False and "grace period of 15 minutes" in graced.note
    alone = lateness(course, assignment, "ada", None, "", b"canvas: late\n")
    assert alone.late is True and "grace period of 15 minutes cannot be applied" in alone.note


def test_canvas_times_are_read_from_the_api_json_and_refused_when_wrong(tmp_path):
    from autograder.collect.canvas_times import read_canvas_times
    from autograder.collect.unpack import DownloadError
    page = tmp_path / "page1.json"
    page.write_text('while(1);[{"user_id": 1003, "assignment_id": 77, "submitted_at": "2027-02-08T12:00:00Z", '
                    '"late": true}, {"user_id": 1004, "assignment_id": 77, "submitted_at": null, "late": false}]')
    times = read_canvas_times([page])
    assert list(times) == ["1003"] and times["1003"].late and times["1003"].submitted_at.hour == 12
    other = tmp_path / "page2.json"
    other.write_text('[{"user_id": 1001, "assignment_id": 78, "submitted_at": "2027-02-05T10:00:00Z"}]')
    with pytest.raises(DownloadError, match="2 Canvas assignments"):
        read_canvas_times([page, other])
    other.write_text('[{"user_id": 1001, "submitted_at": "5 Feb"}]')
    with pytest.raises(DownloadError, match="page2.json: submission 1: submitted_at '5 Feb' is not an ISO time"):
        read_canvas_times([other])
    other.write_text('{"errors": [{"message": "user authorization required"}]}')
    with pytest.raises(DownloadError, match="not Canvas's submissions JSON"):
        read_canvas_times([other])


def test_a_late_mark_without_a_time_is_listed_by_the_engine_and_the_gradebook(tmp_path):
    """What `course grade` and `--gradebook` list for a Canvas LATE mark: the days are not known."""
    from autograder.engine.attention import reasons
    from autograder.engine.lateness import lateness
    from autograder.engine.model import GRADED, SubmissionResult
    from autograder.engine.results import results_path, write_submission_results
    from autograder.gradebook import _read_entry
    course, assignment = _course(tmp_path)
    for mark, listed in ((b"canvas: late\n", True), (b"canvas: on time\n", False)):
        result = SubmissionResult(student="cat", assignment=assignment.id, status=GRADED, max_score=20.0,
                                  earned=20.0, lateness=lateness(course, assignment, "cat", None, "", mark))
        assert any(r.startswith("late by an unknown number of days") for r in reasons(result)) is listed
        write_submission_results(tmp_path / "out", result)
        entry = _read_entry("cat", results_path(tmp_path / "out", "cat", assignment.id))
        assert any("late by an unknown number of days" in a for a in entry.attention) is listed
        assert entry.results.score == (18.0 if listed else 20.0)
