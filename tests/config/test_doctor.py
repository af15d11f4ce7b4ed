"""`course doctor`: one line per check, non-zero when anything is wrong; the course each command uses is said."""
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, make_course, run_course


def no_mnist_env(tmp_path) -> dict:
    return {"MNIST_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_doctor_fails_on_a_broken_course_toml(tmp_path):
    course_toml = make_course(tmp_path / "course")
    course_toml.write_text(course_toml.read_text().replace("points = 20", "pionts = 20", 1))
    done = run_course("doctor", "--quick", course=course_toml, env=no_mnist_env(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  course.toml: " in done.stdout and "did you mean 'points'?" in done.stdout
    assert "isolation: " in done.stdout, "the machine is still checked"
    # what needs no course is still checked: MNIST in its default places (here an empty cache)
    mnist = next(line for line in done.stdout.splitlines() if "MNIST" in line)
    assert mnist.startswith("FAIL  MNIST (default places, no course read): not found") and "data.download" in mnist
    assert "course.toml is not valid" in done.stdout.splitlines()[-1]


def test_outside_a_course_folder_doctor_fails_unless_asked_for_the_machine_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COURSE_TOML"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    mnist = os.environ.get("MNIST_DIR") or str(REPO.parent / "shared/data/mnist")
    env["MNIST_DIR"] = mnist
    command = [sys.executable, "-m", "autograder.cli", "doctor"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "only this machine is checked" in done.stderr and "everything checked is in order" not in done.stdout
    assert "ok    MNIST (default places, no course read): found in" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("no course checked") and "--machine" in done.stdout
    machine = subprocess.run([*command, "--machine"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
    assert machine.returncode == 0, machine.stdout + machine.stderr
    assert machine.stdout.splitlines()[-1] == "everything checked is in order (this machine only)"
    assert "course: using" not in machine.stderr and "course.toml" not in machine.stdout


def test_doctor_fails_on_missing_mnist_and_names_the_command(tmp_path):
    course_toml = make_course(tmp_path / "course")
    course_toml.write_text(re.sub(r'(?m)^mnist_dir = .*$', f'mnist_dir = "{tmp_path}/nowhere"', course_toml.read_text()))
    done = run_course("doctor", "--quick", course=course_toml, env=no_mnist_env(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "MNIST" in line)
    assert line.startswith("FAIL  MNIST: not found, and 06_mnist read it") and "data.download" in line
    assert "ok    course.toml" in done.stdout and "ok    graders" in done.stdout
    # this course folder has no pyproject.toml (the tester's: course.toml, solutions/, graders/, ...): a FAIL line
    # naming it and what it is for, never a traceback; `course gradescope` says the same and exits 2
    pyproject = course_toml.parent / "pyproject.toml"
    assert f"FAIL  Gradescope: {pyproject}: missing; the Gradescope bundle needs the course's pyproject.toml" \
        in done.stdout and "Traceback" not in done.stderr, done.stdout + done.stderr
    bundle = run_course("gradescope", "01_neuron", "--out", tmp_path / "01.zip", course=course_toml)
    assert bundle.returncode == 2 and f"{pyproject}: missing" in bundle.stderr and "requirements.txt" in bundle.stderr
    assert "Traceback" not in bundle.stderr and not (tmp_path / "01.zip").exists()


def test_outside_a_course_folder_a_command_says_so_instead_of_using_the_packaged_course(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COURSE_TOML"}
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--all", str(tmp_path), "--out",
                           str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"no course.toml in {tmp_path.resolve()} or any folder above it" in done.stderr
    assert "--course PATH" in done.stderr and not (tmp_path / "out").exists()


def test_doctor_checks_the_nbgrader_configuration_of_the_working_folder(tmp_path):
    from autograder.config import load_course
    from autograder.doctor import check_nbgrader
    from autograder.nbgrader_course.config_files import COURSE_CONFIG, course_config_text

    course = load_course(make_course(tmp_path / "course"))
    folder = tmp_path / "nbgrader"
    folder.mkdir()
    assert check_nbgrader(course, folder) is None, "no nbgrader course here: nothing to check"
    (folder / COURSE_CONFIG).write_text(course_config_text(course))
    assert check_nbgrader(course, folder).ok
    other = load_course(make_course(tmp_path / "other"))
    (folder / COURSE_CONFIG).write_text(course_config_text(other))
    check = check_nbgrader(course, folder)
    assert not check.ok and "out of date" in check.line and f"course nbgrader init {folder}" in check.line
    (folder / COURSE_CONFIG).write_text(course_config_text(course).replace("c.Execute.timeout", "c.Execute.timeout = 1\n#"))
    check = check_nbgrader(course, folder)
    assert not check.ok and "was edited" in check.line and "--force" in check.line


def test_in_the_nbgrader_folder_commands_use_the_course_its_configuration_records(tmp_path):
    from autograder.config import CourseConfigError, find_course_path, load_course
    from autograder.nbgrader_course.config_files import COURSE_CONFIG, course_config_text

    course_toml = make_course(tmp_path / "course")
    folder = tmp_path / "nbgrader" / "release"
    folder.mkdir(parents=True)
    (folder.parent / COURSE_CONFIG).write_text(course_config_text(load_course(course_toml)))
    path, how = find_course_path(None, cwd=folder)
    assert path == course_toml.resolve() and how == f"recorded in {folder.parent / COURSE_CONFIG}"
    env = {k: v for k, v in os.environ.items() if k != "COURSE_TOML"}
    (tmp_path / "graded").mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "export", str(tmp_path / "graded"), "--format",
                           "wide", "--out", str(tmp_path / "wide.csv")], cwd=folder.parent, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"course: using {course_toml.resolve()} (recorded in {folder.parent / COURSE_CONFIG})" in done.stderr
    (folder.parent / COURSE_CONFIG).write_text("course_toml = compute()\n")  # not a recorded path: not guessed
    with pytest.raises(CourseConfigError, match="no course.toml in"):
        find_course_path(None, cwd=folder)
