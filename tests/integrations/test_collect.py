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

    # the Canvas export through the roster: its ID and SIS columns filled; dan, with no record in out/ (the due
    # date is still to come, so handing nothing in is not missing yet), is left out (never a 0 that no grading
    # recorded) and named
    export = run_course("export", out, "--format", "canvas", "--out", tmp_path / "canvas.csv", course=course_toml)
    assert export.returncode == 0, export.stderr
    rows = list(csv.reader((tmp_path / "canvas.csv").read_text().splitlines()))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    by_login = {row[3]: row for row in rows[2:]}
    assert by_login["alovelace"][:6] == ["Ada Lovelace", "1001", "S001", "alovelace", "A", "20"]
    assert [row[3] for row in rows[2:]] == ["alovelace", "bbrown", "cng", "zed"], "the roster's order first"
    assert "zed: graded but not on roster.csv" in export.stderr
    assert "no record in out: 1 rostered student(s) have no result for any assignment (dan)" in export.stderr


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
    assert rows[1][:4] == ["alovelace", "S001", "ada@example.org", "20"] and "dito" not in [row[0] for row in rows]


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


# -- what collect will not guess (issue 24's second round) ------------------------------------------------------

GUESS_ROSTER = ("student,name,sis_id,login,section,email,lms_id\n"
                "ada,Ada Lovelace,S001,alovelace,A,,1001\n"
                "ben,Ben Jones,S002,bjones,A,,\n"
                "asmith,\"Smith, Ann\",S003,asmith,B,,\n"
                "dlee,Dan Lee,S004,dlee,B,,\n")


def guessing_download(path):
    """A Canvas zip where a guess would grade the wrong work: two files of Ben on neuron.py (Canvas renamed the
    second one attached to the submission neuron-1.py), two Canvas users named Ann Smith for one rostered Ann
    Smith without an lms_id; Dan Lee handed in nothing."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lovelaceada_1001_60000_neuron.py", REFERENCE)
        archive.writestr("jonesben_1002_60001_neuron.py", REFERENCE)
        archive.writestr("jonesben_1002_60002_neuron-1.py", STUB)
        archive.writestr("jonesben_1002_60003_notes.txt", b"ben's notes")
        archive.writestr("lovelaceada_1009_60004_neuron.py", STUB)  # another Ada Lovelace: roster's has 1001
        archive.writestr("smithann_1005_60005_neuron.py", REFERENCE)
        archive.writestr("smithann_1007_60006_neuron.py", STUB)
    return path


def test_collect_guesses_no_file_and_no_student_and_course_grade_says_not_graded(tmp_path):
    course_toml = make_course(tmp_path / "course")
    (course_toml.parent / "roster.csv").write_text(GUESS_ROSTER)
    download = guessing_download(tmp_path / "submissions.zip")
    submitted = tmp_path / "submitted"
    with zipfile.ZipFile(tmp_path / "earlier.zip", "w") as archive:  # an earlier collect: replaced, never kept
        archive.writestr("smithann_1005_60005_neuron.py", REFERENCE)
    earlier = run_course("collect", tmp_path / "earlier.zip", "--assignment", "01_neuron", "--out", submitted,
                         course=course_toml)
    assert (submitted / "asmith" / "01_neuron" / "neuron.py").read_bytes() == REFERENCE, earlier.stderr
    done = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert done.returncode == 0, done.stderr
    assert "collected 1 student(s)" in done.stdout and "2 marked not graded" in done.stdout, done.stdout
    assert (submitted / "ada/01_neuron/neuron.py").read_bytes() == REFERENCE
    ben = next(line for line in done.stderr.splitlines() if "NOT GRADED ben" in line)
    assert "'jonesben_1002_60001_neuron.py', 'jonesben_1002_60002_neuron-1.py'" in ben and "neuron.py" in ben
    assert not (submitted / "ben/01_neuron/neuron.py").exists(), "neither of Ben's two neuron.py is picked"
    assert (submitted / "ben/01_neuron/notes.txt").read_bytes() == b"ben's notes"
    ann = next(line for line in done.stderr.splitlines() if "NOT GRADED asmith" in line)
    for user in ("Canvas user 1005", "Canvas user 1007", "give each an lms_id in roster.csv"):
        assert user in ann, user
    assert not (submitted / "asmith/01_neuron/neuron.py").exists(), "neither Ann Smith's work is asmith's"
    other_ada = next(line for line in done.stderr.splitlines() if "lovelaceada (Canvas user 1009)" in line)
    assert "not placed" in other_ada and "another lms_id" in other_ada
    assert "on roster.csv, nothing in the download: dlee" in done.stderr
    assert "1 rostered student(s) not in the download" in done.stdout

    out = tmp_path / "out"
    grade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet", "--jobs", "2",
                       course=course_toml)
    assert grade.returncode == 4, grade.stderr  # some not graded
    assert graded(out, "ada")["score"] == 20
    for student, names in (("ben", "jonesben_1002_60002_neuron-1.py"), ("asmith", "Canvas user 1007")):
        result = graded(out, student)["extra_data"]
        assert result["status"] == "not graded" and names in result["reason"], result
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert rows["ben"]["status"] == "not graded" and rows["ben"]["score"] == ""
    assert rows["asmith"]["status"] == "not graded" and rows["asmith"]["score"] == ""
    # no time was ever read for them: their lateness is blank, not "on time" (a graded row keeps its verdict)
    assert (rows["ben"]["late"], rows["ben"]["late_days"]) == ("", "") and rows["ada"]["late"] == "on time"

    # the download fixed (Ben's stub gone): collected again, Ben is graded and the marker is gone
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("jonesben_1002_60001_neuron.py", REFERENCE)
    again = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert again.returncode == 0 and "NOT GRADED" not in again.stderr, again.stderr
    assert not (submitted / "ben/01_neuron.not-graded.txt").exists()
    assert (submitted / "ben/01_neuron/neuron.py").read_bytes() == REFERENCE
    assert "on roster.csv, nothing in the download: ada, asmith, dlee" in again.stderr


def test_a_students_zip_with_two_different_modules_is_not_guessed(tmp_path):
    """Two folders of a student's zip each hold a neuron.py: neither is lifted; the same bytes twice are one file."""
    import io

    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.engine.submission import read_submission
    from autograder.roster import Roster

    course = load_course(make_course(tmp_path / "course"))
    download = tmp_path / "download"
    for student, second in (("ada", STUB), ("bob", REFERENCE)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("final/neuron.py", REFERENCE)
            archive.writestr("old/neuron.py", second)
        (download / student).mkdir(parents=True)
        (download / student / "work.zip").write_bytes(buffer.getvalue())
    assignment = course.assignment("01_neuron")
    done = collect(course, assignment, download, tmp_path / "submitted", Roster(students=[]))
    assert sorted(done.placed) == ["bob"] and list(done.not_graded) == ["ada"]
    assert "'final/neuron.py', 'old/neuron.py'" in done.not_graded["ada"]
    assert (tmp_path / "submitted/bob/01_neuron/neuron.py").read_bytes() == REFERENCE
    refused = read_submission(course, assignment, tmp_path / "submitted/ada/01_neuron", "ada")
    assert refused.refusal.startswith("ada/01_neuron.not-graded.txt: course collect did not place") \
        and "old/neuron.py" in refused.refusal


def berlin_moodle_download(path):
    """Moodle's folders and worksheet as a Berlin instructor downloads them: its times are Berlin's local time."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Ada Lovelace_1001_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("Cat Ng_1003_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("grading.csv",
                         "Identifier,Full name,Email address,Status,Last modified (submission),Grade\n"
                         "Participant 1001,Ada Lovelace,ada@example.org,Submitted,"
                         "\"Saturday, 6 February 2027, 12:40 AM\",\n"
                         "Participant 1003,Cat Ng,,Submitted,\"Samstag, 6. Februar 2027, 00:40\",\n")  # German UI
    return path


def test_moodle_times_are_never_read_in_a_zone_nobody_gave(tmp_path):
    """00:40 on Saturday in Berlin is 23:40 UTC on Friday, before the 23:59 UTC due date; read as UTC it is late."""
    course_toml = course_with_roster(tmp_path)
    download = berlin_moodle_download(tmp_path / "moodle.zip")
    submitted = tmp_path / "submitted"
    refused = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert refused.returncode == 2, refused.stderr
    for words in ("'grading.csv'", "nothing was collected", "--timezone Europe/Berlin",
                  f"in {course_toml}: [collect] timezone = \"Europe/Berlin\""):
        assert words in refused.stderr, words
    assert not submitted.exists()

    course_toml.write_text(course_toml.read_text() + '\n[collect]\ntimezone = "Europe/Berlin"\n')
    done = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert done.returncode == 0, done.stderr
    assert "read as Europe/Berlin local time, from [collect] timezone in course.toml" in done.stderr
    assert (submitted / "ada/01_neuron/timestamp.txt").read_text().startswith("2027-02-05 23:40:00")
    assert "cat: Moodle's time 'Samstag, 6. Februar 2027, 00:40' cannot be read as a date" in done.stderr
    assert not (submitted / "cat/01_neuron/timestamp.txt").exists()
    out = tmp_path / "out"
    grade = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--quiet", course=course_toml)
    assert grade.returncode == 0, grade.stderr
    ada = graded(out, "ada")
    assert ada["score"] == 20 and ada["extra_data"]["late"] is False

    # --timezone says otherwise: it wins over course.toml
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.roster import load_roster
    course = load_course(course_toml)
    done = collect(course, course.assignment("01_neuron"), download, tmp_path / "utc", load_roster(course.root),
                   timezone="UTC")
    assert (tmp_path / "utc/ada/01_neuron/timestamp.txt").read_text().startswith("2027-02-06 00:40:00")


def test_a_collect_timezone_in_course_toml_is_checked_with_file_key_and_line(tmp_path):
    from autograder.config import CourseConfigError, parse_course

    text = make_course(tmp_path / "course").read_text()
    path = tmp_path / "course" / "course.toml"
    assert parse_course(text + '\n[collect]\ntimezone = "Asia/Kolkata"\n', path).collect_timezone == "Asia/Kolkata"
    assert parse_course(text, path).collect_timezone is None
    line = len(text.splitlines()) + 3
    for zone in ("Europe/Berln", "../../etc/passwd"):
        with pytest.raises(CourseConfigError) as error:
            parse_course(text + f'\n[collect]\ntimezone = "{zone}"\n', path)
        assert str(error.value) == (f"{path}: collect.timezone: {zone!r} is not a time zone (an IANA name such as "
                                    f"Europe/Berlin or America/New_York) (line {line})")
    with pytest.raises(CourseConfigError, match=r"collect\.zone: unknown key \(did you mean 'timezone'\?\)"):
        parse_course(text + '\n[collect]\nzone = "Europe/Berlin"\n', path)


def test_one_canvas_user_fitting_two_rostered_students_leaves_both_not_graded(tmp_path):
    """Two Ann Smiths on roster.csv without an lms_id: neither gets the file, neither is exported as missing (0)."""
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.roster import parse_roster

    course = load_course(make_course(tmp_path / "course"))
    (tmp_path / "roster.csv").write_text('student,name\nasmith,"Smith, Ann"\nann2,Ann Smith\ndlee,Dan Lee\n')
    with zipfile.ZipFile(tmp_path / "submissions.zip", "w") as archive:
        archive.writestr("smithann_1005_60005_neuron.py", REFERENCE)
    done = collect(course, course.assignment("01_neuron"), tmp_path / "submissions.zip", tmp_path / "submitted",
                   parse_roster(tmp_path / "roster.csv"))
    assert done.placed == {} and sorted(done.not_graded) == ["ann2", "asmith"] and done.absent == ["dlee"]
    for student in ("asmith", "ann2"):
        assert "smithann (Canvas user 1005) matches 2 students of roster.csv (asmith, ann2)" in done.not_graded[student]
        assert (tmp_path / f"submitted/{student}/01_neuron").is_dir()
        assert (tmp_path / f"submitted/{student}/01_neuron.not-graded.txt").is_file()


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
    # the mirror: Canvas counts it on time (an extension given in Canvas), the course's due date says late:
    # no penalty taken silently, both facts in the note
    (b"canvas: on time\ndue: 2027-02-09 23:59:00 UTC\n", b"2027-02-06 20:00:00.000000 UTC", None, 0, 0.0,
     "Canvas counts the submission on time against its due date 2027-02-09 23:59 UTC for this student (an "
     "extension given in Canvas?), but its time 2027-02-06 20:00 UTC is 20 hours 1 minute (counted as 1 started day by "
     "the late policy) after the due date 2027-02-05 23:59"),
    (b"canvas: on time\n", b"2027-02-05 20:00:00.000000 UTC", False, 0, 0.0, ""),
    # both say late, by different due dates (an extension in Canvas): 3 days here, 1 by Canvas's: not silently 30%
    (b"canvas: late\ndue: 2027-02-07 23:59:00 UTC\n", b"2027-02-08 12:00:00.000000 UTC", None, 0, 0.0,
     "is 1 started day(s) late by Canvas's date, 3 by this one"),
    (b"canvas: late\ndue: 2027-02-05 23:59:00 UTC\n", b"2027-02-08 12:00:00.000000 UTC", True, 3, 0.3, "Submitted 3"),
    # the download's _LATE marker and the submissions JSON disagree: the time may not be the files'
    (b"canvas: on time\ndownload: late\n", b"2027-02-05 20:00:00.000000 UTC", None, 0, 0.0,
     "Canvas's download marks the submission late but its submissions JSON says on time"),
    (b"canvas: late\nwhen: now\n", None, None, 0, 0.0, "'when: now' is not 'due: TIME'"),
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
                    '"late": true, "cached_due_date": "2027-02-05T23:59:00Z"}, '
                    '{"user_id": 1004, "assignment_id": 77, "submitted_at": null, "late": false}]')
    times, canvas_assignment = read_canvas_times([page])
    assert list(times) == ["1003"] and times["1003"].late and times["1003"].submitted_at.hour == 12
    assert canvas_assignment == "77" and times["1003"].due.day == 5
    assert read_canvas_times([page], 77)[1] == "77"
    with pytest.raises(DownloadError, match="page1.json: submissions of Canvas assignment 77, but this "
                                            "assignment's canvas_id in course.toml is 44101"):
        read_canvas_times([page], 44101)
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
    from autograder.engine.results import write_submission_results
    from autograder.gradebook import _entries
    course, assignment = _course(tmp_path)
    for mark, listed in ((b"canvas: late\n", True), (b"canvas: on time\n", False)):
        result = SubmissionResult(student="cat", assignment=assignment.id, status=GRADED, max_score=20.0,
                                  earned=20.0, lateness=lateness(course, assignment, "cat", None, "", mark))
        assert any(r.startswith("late by an unknown number of days") for r in reasons(result)) is listed
        write_submission_results(tmp_path / "out", result)
        (entry,) = _entries(tmp_path / "out", assignment.id)
        assert any("late by an unknown number of days" in a for a in entry.attention) is listed
        assert entry.results.score == (18.0 if listed else 20.0)


def test_canvas_pages_of_another_assignment_are_refused_and_canvas_extensions_never_penalised(tmp_path):
    """The tester's two findings: 02's page given for 01 (whole class penalised), and an extension given in Canvas
    (late: false, a later cached_due_date) turned into a 40% penalty without a word."""
    from autograder.collect.run import collect
    from autograder.collect.unpack import DownloadError
    from autograder.config import load_course
    from autograder.engine.lateness import lateness
    from autograder.roster import parse_roster

    course_toml = course_with_roster(tmp_path)
    with zipfile.ZipFile(tmp_path / "submissions.zip", "w") as archive:
        archive.writestr("lovelaceada_1001_55501_neuron.py", REFERENCE)
        archive.writestr("ngcat_1003_55503_neuron.py", REFERENCE)
        archive.writestr("brownbob_LATE_1002_55502_neuron.py", REFERENCE)  # the download says late
    page = tmp_path / "page.json"
    page.write_text(json.dumps([
        {"user_id": 1001, "assignment_id": 44102, "submitted_at": "2027-02-05T20:00:00Z", "late": False,
         "cached_due_date": "2027-02-05T23:59:00Z"},
        {"user_id": 1003, "assignment_id": 44102, "submitted_at": "2027-02-09T12:00:00Z", "late": False,
         "cached_due_date": "2027-02-12T23:59:00Z"},   # cat: an extension in Canvas to the 12th
        {"user_id": 1002, "assignment_id": 44102, "submitted_at": "2027-02-05T21:00:00Z", "late": False}]))
    roster = parse_roster(course_toml.parent / "roster.csv")
    course_toml.write_text(course_toml.read_text().replace('id = "01_neuron"\n', 'id = "01_neuron"\ncanvas_id = 44101\n'))
    course = load_course(course_toml)
    assert course.assignment("01_neuron").canvas_id == 44101
    with pytest.raises(DownloadError, match=r"page.json: submissions of Canvas assignment 44102, but this "
                                            r"assignment's canvas_id in course.toml is 44101.*nothing was collected"):
        collect(course, course.assignment("01_neuron"), tmp_path / "submissions.zip", tmp_path / "submitted", roster,
                canvas_submissions=[page])
    assert not (tmp_path / "submitted").exists()
    refused = run_course("collect", tmp_path / "submissions.zip", "--assignment", "01_neuron", "--out",
                         tmp_path / "submitted", "--canvas-submissions", page, course=course_toml)
    assert refused.returncode == 2 and "canvas_id in course.toml is 44101" in refused.stderr, refused.stderr
    assert not (tmp_path / "submitted").exists()

    course_toml.write_text(course_toml.read_text().replace("canvas_id = 44101\n", ""))
    course = load_course(course_toml)
    assignment = course.assignment("01_neuron")
    done = collect(course, assignment, tmp_path / "submissions.zip", tmp_path / "submitted", roster,
                   canvas_submissions=[page])
    assert any("for Canvas assignment 44102; 01_neuron has no canvas_id in course.toml, so it could not be checked"
               in note and "canvas_id = 44102" in note for note in done.notes), done.notes
    cat_folder = tmp_path / "submitted/cat/01_neuron"
    assert (cat_folder / "late_mark.txt").read_text() == "canvas: on time\ndue: 2027-02-12 23:59:00 UTC\n"
    cat = lateness(course, assignment, "cat", (cat_folder / "timestamp.txt").read_bytes(), "",
                   (cat_folder / "late_mark.txt").read_bytes())
    assert cat.late is None and cat.penalty == 0 and "2027-02-12 23:59 UTC" in cat.note and "4 days" in cat.note
    ada_folder = tmp_path / "submitted/ada/01_neuron"
    ada = lateness(course, assignment, "ada", (ada_folder / "timestamp.txt").read_bytes(), "",
                   (ada_folder / "late_mark.txt").read_bytes())
    assert ada.late is False
    # bob: the download's LATE and the JSON's late=false disagree: the note collect prints is true, he is listed
    from autograder.engine.attention import reasons
    from autograder.engine.model import GRADED, SubmissionResult
    note = next(note for note in done.notes if note.startswith("bob: the download marks the submission late"))
    assert "lateness is left unknown and listed for attention by course grade" in note
    bob_folder = tmp_path / "submitted/bob/01_neuron"
    bob = lateness(course, assignment, "bob", (bob_folder / "timestamp.txt").read_bytes(), "",
                   (bob_folder / "late_mark.txt").read_bytes())
    assert bob.late is None and "download marks the submission late but its submissions JSON says on time" in bob.note
    result = SubmissionResult(student="bob", assignment=assignment.id, status=GRADED, max_score=20.0, earned=20.0,
                              lateness=bob)
    assert any(r.startswith("late unknown: Canvas's download marks") for r in reasons(result)), reasons(result)


def test_collecting_again_keeps_what_the_instructor_placed_by_hand(tmp_path):
    """The not-graded marker's advice followed (the right file put in, the marker deleted), then collect again
    (say to add times): that folder is kept and named, the others collected; --replace replaces it."""
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.roster import parse_roster

    course_toml = make_course(tmp_path / "course")
    (course_toml.parent / "roster.csv").write_text(GUESS_ROSTER)
    download = guessing_download(tmp_path / "submissions.zip")
    submitted = tmp_path / "submitted"
    course = load_course(course_toml)
    assignment, roster = course.assignment("01_neuron"), parse_roster(course_toml.parent / "roster.csv")
    first = collect(course, assignment, download, submitted, roster)
    assert "ben" in first.not_graded and first.kept == {}
    (submitted / "ben/01_neuron/neuron.py").write_bytes(REFERENCE)   # the instructor's choice
    (submitted / "ben/01_neuron.not-graded.txt").unlink()
    (submitted / "zoe/01_neuron").mkdir(parents=True)                # handed in by mail: no collect record
    (submitted / "zoe/01_neuron/neuron.py").write_bytes(STUB)
    (submitted / "ada/01_neuron/neuron.py").write_bytes(STUB)       # collect's own folder, edited

    again = run_course("collect", download, "--assignment", "01_neuron", "--out", submitted, course=course_toml)
    assert again.returncode == 1, again.stderr  # nobody placed anew, and a file not placed (the other Ada)
    ben = next(line for line in again.stderr.splitlines() if "KEPT ben" in line)
    for words in ("added neuron.py", "the not-graded marker deleted", "--replace ben", "delete that folder"):
        assert words in ben, (words, ben)
    assert "KEPT ada" in again.stderr and "changed neuron.py" in again.stderr
    assert "2 folder(s) kept as they were" in again.stdout and "1 marked not graded" in again.stdout  # asmith
    assert (submitted / "ben/01_neuron/neuron.py").read_bytes() == REFERENCE
    assert not (submitted / "ben/01_neuron.not-graded.txt").exists()
    assert (submitted / "ada/01_neuron/neuron.py").read_bytes() == STUB
    assert (submitted / "zoe/01_neuron/neuron.py").read_bytes() == STUB  # not in the download: untouched

    # zoe in a download now: her folder was never collect's, so it is kept too
    with zipfile.ZipFile(tmp_path / "zoe.zip", "w") as archive:
        archive.writestr("zoe/neuron.py", REFERENCE)
    zoe = collect(course, assignment, tmp_path / "zoe.zip", submitted, roster.__class__(students=[]))
    assert "no record of writing it" in zoe.kept["zoe"] and zoe.placed == {}
    assert (submitted / "zoe/01_neuron/neuron.py").read_bytes() == STUB

    replaced = collect(course, assignment, download, submitted, roster, replace=("ben",))
    assert "ben" in replaced.not_graded and list(replaced.kept) == ["ada"]
    assert not (submitted / "ben/01_neuron/neuron.py").exists() and (submitted / "ben/01_neuron.not-graded.txt").exists()
    assert any("ben: " in note and "replaced as asked (--replace)" in note for note in replaced.notes)


def test_moodle_times_in_the_repeated_hour_or_without_a_row_are_named_not_guessed(tmp_path):
    """2:30 AM on 25 October 2026 happened twice in Berlin (00:30 and 01:30 UTC): neither is picked; a participant
    folder without a worksheet row is named, and so is a Moodle download without a worksheet."""
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.roster import parse_roster

    course_toml = course_with_roster(tmp_path)
    course = load_course(course_toml)
    roster = parse_roster(course_toml.parent / "roster.csv")
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as archive:
        archive.writestr("Ada Lovelace_1001_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("Cat Ng_1003_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("Bob Brown_2002_assignsubmission_file_/neuron.py", REFERENCE)
        archive.writestr("grading.csv",
                         "Identifier,Full name,Email address,Status,Last modified (submission),Grade\n"
                         "Participant 1001,Ada Lovelace,,Submitted,\"Sunday, 25 October 2026, 2:30 AM\",\n"
                         "Participant 1003,Cat Ng,,Submitted,\"Sunday, 29 March 2026, 2:30 AM\",\n")
    done = collect(course, course.assignment("01_neuron"), tmp_path / "moodle.zip", tmp_path / "submitted", roster,
                   timezone="Europe/Berlin")
    assert sorted(done.placed) == ["ada", "bob", "cat"]
    assert not list((tmp_path / "submitted").rglob("timestamp.txt")), "no reading is picked for anyone"
    notes = "\n".join(done.notes)
    assert ("ada: Moodle's time 'Sunday, 25 October 2026, 2:30 AM' is shown twice by Europe/Berlin's clocks when "
            "daylight saving time ends (00:30 or 01:30 UTC)") in notes
    assert "cat: Moodle's time 'Sunday, 29 March 2026, 2:30 AM' does not exist in Europe/Berlin" in notes
    assert ("no submission time in Moodle's grading worksheet (grading.csv: no row, or '-') for bob: no "
            "timestamp.txt written") in notes
    with zipfile.ZipFile(tmp_path / "bare.zip", "w") as archive:
        archive.writestr("Ada Lovelace_1001_assignsubmission_file_/neuron.py", REFERENCE)
    bare = collect(course, course.assignment("01_neuron"), tmp_path / "bare.zip", tmp_path / "bare", roster)
    assert any(note.startswith("no grading worksheet in Moodle's download") and note.endswith(
        "for ada: no timestamp.txt written (course grade reports the lateness as unknown)") for note in bare.notes)


def test_a_student_canvas_says_submitted_but_absent_from_the_download_is_not_graded_never_missing(tmp_path):
    """Section A's download with the whole class's submissions JSON: cat (in it as submitted) has no file in this
    download, so she is marked not graded with Canvas's time, not left to become missing (0); section B's
    download then places her and the marker goes."""
    from autograder.collect.run import collect
    from autograder.config import load_course
    from autograder.engine.submission import NOT_GRADED_SUFFIX
    from autograder.roster import parse_roster

    course_toml = course_with_roster(tmp_path)
    course = load_course(course_toml)
    roster = parse_roster(course_toml.parent / "roster.csv")
    page = tmp_path / "page.json"
    page.write_text(json.dumps([
        {"user_id": 1001, "assignment_id": 77, "submitted_at": "2027-02-05T20:00:00Z", "late": False},
        {"user_id": 1003, "assignment_id": 77, "submitted_at": "2027-02-05T21:00:00Z", "late": False}]))
    section_a, section_b = tmp_path / "a.zip", tmp_path / "b.zip"
    with zipfile.ZipFile(section_a, "w") as archive:
        archive.writestr("lovelaceada_1001_55501_neuron.py", REFERENCE)
    with zipfile.ZipFile(section_b, "w") as archive:
        archive.writestr("ngcat_1003_55503_neuron.py", REFERENCE)
    submitted = tmp_path / "submitted"
    done = collect(course, course.assignment("01_neuron"), section_a, submitted, roster, canvas_submissions=[page])
    marker = submitted / "cat" / f"01_neuron{NOT_GRADED_SUFFIX}"
    assert "Canvas says cat (Canvas user 1003) submitted at 2027-02-05 21:00 UTC" in done.not_graded["cat"]
    assert marker.is_file() and (submitted / "cat/01_neuron/timestamp.txt").read_text().startswith("2027-02-05 21:00")
    assert "dan" not in done.not_graded, "no lms_id, not in the JSON: nothing to say he submitted"

    done = collect(course, course.assignment("01_neuron"), section_b, submitted, roster, canvas_submissions=[page])
    assert "cat" in done.placed and not marker.exists()
    assert (submitted / "cat/01_neuron/neuron.py").read_bytes() == REFERENCE
    assert (submitted / "ada/01_neuron/neuron.py").read_bytes() == REFERENCE, "section A's folder stays"


def test_a_contested_student_keeps_canvas_time_and_late_mark_and_is_penalised_once_fixed(tmp_path):
    """Two different neuron.py of one Canvas user: not placed, but timestamp.txt (from the submissions JSON) and
    late_mark.txt are written and named in the marker; the folder fixed by hand is graded late, penalised."""
    from autograder.collect.run import collect
    from autograder.engine.batch import grade_batch
    from autograder.roster import parse_roster
    course, assignment = _course(tmp_path)
    (course.root / "roster.csv").write_text(ROSTER)
    with zipfile.ZipFile(tmp_path / "download.zip", "w") as archive:
        archive.writestr("ngcat_LATE_1003_55503_neuron.py", REFERENCE)
        archive.writestr("ngcat_LATE_1003_55504_neuron-1.py", STUB)
    page = tmp_path / "page1.json"
    page.write_text('[{"user_id": 1003, "submitted_at": "2027-02-07T12:00:00Z", "late": true}]')
    submitted = tmp_path / "submitted"
    done = collect(course, assignment, tmp_path / "download.zip", submitted,
                   parse_roster(course.root / "roster.csv"), canvas_submissions=[page])
    assert "cat" in done.not_graded
    folder = submitted / "cat/01_neuron"
    assert not (folder / "neuron.py").exists()
    assert "2027-02-07" in (folder / "timestamp.txt").read_text() and (folder / "late_mark.txt").is_file()
    marker = (submitted / "cat/01_neuron.not-graded.txt").read_text()
    assert "timestamp.txt (2027-02-07" in marker and "late_mark.txt" in marker and "keep them" in marker
    (folder / "neuron.py").write_bytes(REFERENCE)  # the marker's advice followed
    (submitted / "cat/01_neuron.not-graded.txt").unlink()
    summary = grade_batch(course, assignment, submitted, tmp_path / "out", progress=False, report=lambda _: None)
    cat = summary.graded["cat"]
    assert cat.lateness.late and cat.lateness.late_days == 2 and cat.score == 16  # 0.1 a day, never "unknown"
