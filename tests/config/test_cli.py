"""The `course` command as a newcomer meets it: help for students and instructors, options anywhere."""
import subprocess
import sys

from conftest import REPO, run_course


def test_help_lists_what_students_and_instructors_use():
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    students, instructors = done.stdout.split("for students")[1].split("for instructors")
    assert "python check.py" in students and "pytest" in students
    for command in ("build", "grade", "report", "export", "similar", "audit", "doctor", "nbgrader", "gradescope"):
        assert f"course {command}" in instructors, command


def test_the_course_option_works_before_and_after_the_subcommand(tmp_path):
    missing = tmp_path / "nowhere" / "course.toml"
    before = run_course("build", "--check", course=missing)
    after = run_course("build", "--check", "--course", missing)
    assert before.returncode == after.returncode == 2
    assert str(missing) in before.stderr and before.stderr == after.stderr
    assert run_course("build", "--check", "--course", REPO / "course.toml").returncode == 0
