"""A student of roster.csv who handed nothing in is recorded as missing (0) by `course grade`, so the LMS
exports carry their grade; one who already has a result keeps it (a class graded a section at a time)."""
import csv
import shutil

from tests.conftest import REPO, make_course, run_course


def grades(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_a_rostered_student_without_a_folder_is_recorded_missing_and_an_earlier_grade_stands(tmp_path):
    course_toml = make_course(tmp_path / "course")
    (course_toml.parent / "roster.csv").write_text("student,name\nada,Ada\nbob,Bob\ncat,Cat\n")
    submitted, out = tmp_path / "submitted", tmp_path / "graded"
    for student in ("ada", "bob"):
        (submitted / student / "01_neuron").mkdir(parents=True)
        shutil.copy(REPO / "solutions/01_neuron/neuron.py", submitted / student / "01_neuron")

    first = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--jobs", "2",
                       course=course_toml)
    assert first.returncode == 5, first.stdout + first.stderr  # a module missing: EXIT_NO_MODULE
    rows = grades(out)
    assert (rows["cat"]["score"], rows["cat"]["status"]) == ("0", "missing"), rows["cat"]
    assert "no folder 01_neuron/" in rows["cat"]["attention"] or "missing" in rows["cat"]["attention"]
    assert "on roster.csv, no 01_neuron/ folder: recorded missing (0): cat" in first.stdout, first.stdout
    assert rows["ada"]["score"] == "20" and rows["bob"]["score"] == "20"

    canvas = tmp_path / "canvas.csv"
    export = run_course("export", out, "--format", "canvas", "--out", canvas, course=course_toml)
    assert export.returncode == 0, export.stderr
    assert any(line.startswith("Cat,") and line.rstrip().endswith(",0") for line in canvas.read_text().splitlines())

    # the next run grades only bob's section: ada's folder is gone from it, her 20 stands; cat is not regraded
    shutil.rmtree(submitted / "ada")
    second = run_course("grade", "--assignment", "01_neuron", submitted, "--out", out, "--jobs", "2",
                        course=course_toml)
    assert second.returncode in (0, 5), second.stdout + second.stderr
    rows = grades(out)
    assert rows["ada"]["score"] == "20", rows["ada"]
    assert "recorded missing" not in second.stdout, second.stdout
