"""A student of roster.csv who handed nothing in by the due date is recorded as missing (0) by `course grade`,
so the LMS exports carry their grade, and stays in every run's summary and exit code; one who already has
another result keeps it (a class graded a section at a time); before the due date nobody is missing yet."""
import csv
import shutil

from tests.conftest import REPO, make_course, run_course


def grades(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def class_of(tmp_path, due):
    course_toml = make_course(tmp_path / "course", due=due)  # 01_neuron's due date
    (course_toml.parent / "roster.csv").write_text("student,name\nada,Ada\nbob,Bob\ncat,Cat\n")
    submitted = tmp_path / "submitted"
    for student in ("ada", "bob"):
        (submitted / student / "01_neuron").mkdir(parents=True)
        shutil.copy(REPO / "solutions/01_neuron/neuron.py", submitted / student / "01_neuron")
    return course_toml, submitted


def grade(course_toml, submitted, out):
    return run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--jobs", "2", course=course_toml)


def test_a_rostered_student_without_a_folder_is_recorded_missing_and_an_earlier_grade_stands(tmp_path):
    course_toml, submitted = class_of(tmp_path, "2026-01-05T23:59:00Z")
    out = tmp_path / "graded"
    first = grade(course_toml, submitted, out)
    assert first.returncode == 5, first.stdout + first.stderr  # a module missing: EXIT_NO_MODULE
    rows = grades(out)
    assert (rows["cat"]["score"], rows["cat"]["status"]) == ("0", "missing"), rows["cat"]
    assert "on roster.csv, no 01_neuron/ folder: missing (0): cat" in first.stdout, first.stdout
    assert rows["ada"]["score"] == "20" and rows["bob"]["score"] == "20"

    canvas = tmp_path / "canvas.csv"
    export = run_course("export", out, "--format", "canvas", "--out", canvas, course=course_toml)
    assert export.returncode == 0, export.stderr
    assert any(line.startswith("Cat,") and line.rstrip().endswith(",0") for line in canvas.read_text().splitlines())

    # the next run grades only bob's section: ada's folder is gone from it, her 20 stands; cat is still missing,
    # counted in the summary and the exit code
    shutil.rmtree(submitted / "ada")
    second = grade(course_toml, submitted, out)
    assert second.returncode == 5, second.stdout + second.stderr
    rows = grades(out)
    assert rows["ada"]["score"] == "20" and rows["cat"]["status"] == "missing", rows
    assert "missing (0): cat" in second.stdout and "ada" not in second.stdout.split("missing (0):")[1].split("\n")[0]


def test_before_the_due_date_handing_nothing_in_is_not_missing_yet(tmp_path):
    course_toml, submitted = class_of(tmp_path, "2099-01-05T23:59:00Z")
    out = tmp_path / "graded"
    done = grade(course_toml, submitted, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cat" not in grades(out) and "missing (0)" not in done.stdout
