"""course.toml validation beyond tests/lecture/test_course_content.py: the [limits]
disk_mb key, line numbers in messages, and a command start-up that imports
nothing heavy."""
import subprocess
import sys

import pytest

from autograder.config import CourseConfigError, load_course
from autograder.limits import DEFAULT_DISK_MB
from conftest import REPO
from test_course_content import config_error, write_course


def line_of(path, text) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line == text)


def test_disk_mb_defaults_and_overrides(tmp_path):
    course = load_course(write_course(tmp_path, r"^disk_mb = 64\n", ""))  # course.toml without the key
    assert course.limits.disk_mb == DEFAULT_DISK_MB == 64
    assert all(a.limits.disk_mb == 64 for a in course.assignments)
    course = load_course(write_course(tmp_path, r"^disk_mb = 64$", "disk_mb = 128"))
    assert course.limits.disk_mb == 128
    assert course.assignment("01_neuron").limits.disk_mb == 128
    course = load_course(write_course(tmp_path, r"^limits = \{ seconds = 120,",
                                      "limits = { disk_mb = 512, seconds = 120,"))
    assert course.assignment("06_mnist").limits.disk_mb == 512
    assert course.assignment("06_mnist").limits.seconds == 120
    assert course.assignment("01_neuron").limits.disk_mb == 64


@pytest.mark.parametrize("value, message", [
    ("0", "limits.disk_mb: 0 is less than the minimum of 1"),
    ("1.5", "limits.disk_mb: 1.5 is not of type 'integer'"),
    ('"64"', "limits.disk_mb: '64' is not of type 'integer'"),
    ("true", "limits.disk_mb: True is not of type 'integer'"),
])
def test_bad_disk_mb_is_named(tmp_path, value, message):
    path = write_course(tmp_path, r"^disk_mb = 64$", f"disk_mb = {value}")
    assert f"{path}: {message} (line {line_of(path, f'disk_mb = {value}')})" in config_error(path)


def test_messages_give_the_line_of_the_key(tmp_path):
    path = write_course(tmp_path, r"^points = 20$", "pionts = 20")
    assert f"assignments[0].pionts: unknown key (did you mean 'points'?) (line {line_of(path, 'pionts = 20')})" \
        in config_error(path)
    # a key missing from the third [[assignments]]: the line of that table's header
    path = write_course(tmp_path, r'^title = "The cost.*\n', "")
    header = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "[[assignments]]"][2]
    assert f"assignments[2].title: missing required key (line {header})" in config_error(path)
    # inside an inline table: the line of the table
    path = write_course(tmp_path, r"^limits = \{ seconds = 120,", "limits = { secnds = 120,")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("limits = {"))
    assert f"assignments[5].limits.secnds: unknown key (did you mean 'seconds'?) (line {line})" in config_error(path)


def test_every_problem_is_reported_with_the_file(tmp_path):
    path = write_course(tmp_path, r"^memory_mb = 2048$", "memory_mb = 100\nbogus = 1")
    lines = config_error(path).splitlines()
    assert f"{path}: limits.memory_mb: 100 is less than the minimum of 256" in lines[0]
    assert lines[1].startswith(f"{path}: limits.bogus: unknown key (allowed: seconds, ")


def test_toml_syntax_error_names_the_line(tmp_path):
    path = write_course(tmp_path, r"^points = 20$", "points = = 20")
    message = config_error(path)
    assert message.startswith(f"{path}: not valid TOML") and f"line {line_of(path, 'points = = 20')}" in message


def test_duplicate_assignment_id_is_named(tmp_path):
    path = write_course(tmp_path, r'^id = "02_forward"$', 'id = "01_neuron"')
    assert "assignments[1].id: '01_neuron' appears twice (line" in config_error(path)


def test_unreadable_course_toml(tmp_path):
    (tmp_path / "course.toml").write_bytes(b"name = \"\xff\"\n")
    with pytest.raises(CourseConfigError, match="not valid TOML"):
        load_course(tmp_path / "course.toml")


HEAVY = ["numpy", "pytest", "jsonschema", "nbformat", "matplotlib", "tqdm", "dask", "distributed", "nbgrader"]


def test_the_course_command_imports_nothing_heavy_to_start():
    code = ("import sys; import autograder.cli as cli; cli.parser(); "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--scheduler" in done.stdout


# -- [assignments.tests]: per hidden test points and visibility ---------------------------------
TESTS_TABLE = ('due = 2027-02-05T23:59:00Z\n\n[assignments.tests]\ntest_relu_random = { points = 3 }\n'
               'test_weighted_sum_random = { points = 1, visibility = "after_due_date" }\n')


def test_tests_table_is_read_with_the_line_of_each_test(tmp_path):
    path = write_course(tmp_path, r"^due = 2027-02-05T23:59:00Z\n", TESTS_TABLE)
    course = load_course(path)
    neuron = course.assignment("01_neuron")
    relu, weighted = neuron.tests
    assert (relu.name, relu.points, relu.visibility) == ("test_relu_random", 3, None)
    assert (weighted.points, weighted.visibility) == (1, "after_due_date")
    assert relu.line == line_of(path, "test_relu_random = { points = 3 }")
    assert weighted.line == relu.line + 1
    assert neuron.points_line == line_of(path, "points = 20") and neuron.index == 0
    assert course.assignment("02_forward").tests == () and course.assignment("02_forward").index == 1


def test_tests_as_an_inline_table_point_at_its_line(tmp_path):
    path = write_course(tmp_path, r"^points = 20$", 'points = 20\ntests = { test_relu_random = { points = 2 } }')
    (setting,) = load_course(path).assignment("01_neuron").tests
    assert setting.points == 2 and setting.line == line_of(path, "tests = { test_relu_random = { points = 2 } }")


@pytest.mark.parametrize("entry, message", [
    ('test_relu_random = { visibility = "after_due" }',
     "assignments[0].tests.test_relu_random.visibility: 'after_due' is not one of ['visible', 'hidden', "
     "'after_due_date', 'after_published'] (did you mean 'after_due_date'?)"),
    ("test_relu_random = { points = -1 }", "assignments[0].tests.test_relu_random.points: -1 is less than the minimum of 0"),
    ("test_relu_random = { pionts = 2 }", "assignments[0].tests.test_relu_random.pionts: unknown key (did you mean 'points'?)"),
    ("relu_random = { points = 2 }", "assignments[0].tests.relu_random: 'relu_random' does not match '^test_[A-Za-z0-9_]+$'"),
    ('test_relu_random = 2', "assignments[0].tests.test_relu_random: 2 is not of type 'object'"),
])
def test_bad_tests_entries_are_named_with_file_key_and_line(tmp_path, entry, message):
    path = write_course(tmp_path, r"^due = 2027-02-05T23:59:00Z\n",
                        f"due = 2027-02-05T23:59:00Z\n\n[assignments.tests]\n{entry}\n")
    assert f"{path}: {message} (line {line_of(path, entry)})" in config_error(path)


def test_audit_styles_defaults_and_overrides(tmp_path):
    course = load_course(write_course(tmp_path, r"^\[limits\]$", "[limits]"))
    assert course.styles_dir("03_cost") == course.root / "tests/submissions/03_cost/correct"
    course = load_course(write_course(tmp_path, r"^\[limits\]$", '[audit]\nstyles = "styles/{id}/ok"\n\n[limits]'))
    assert course.styles_dir("03_cost") == course.root / "styles/03_cost/ok"


@pytest.mark.parametrize("value, message", [
    ('"styles"', "audit.styles: 'styles' must name the assignment's folder with {id} once"),
    ('"styles/{name}"', "audit.styles: 'styles/{name}' must name the assignment's folder with {id} once"),
    ('"styles/{id}/{id"', "audit.styles: 'styles/{id}/{id' must name"),
    ('""', "audit.styles: '' should be non-empty"),
    ("3", "audit.styles: 3 is not of type 'string'"),
])
def test_bad_audit_styles_is_named_with_its_line(tmp_path, value, message):
    path = write_course(tmp_path, r"^\[limits\]$", f"[audit]\nstyles = {value}\n\n[limits]")
    error = config_error(path)
    assert f"{path}: {message}" in error and f"(line {line_of(path, f'styles = {value}')})" in error, error
