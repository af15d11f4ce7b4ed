"""Authoring: `course new` scaffolds an assignment that builds and grades at once, `course show`
maps tests to functions, and per-test points and visibility from course.toml reach the grades.

Every test works on a temporary copy of the course (course.toml, solutions/, graders/,
assignments/ and notebooks/ copied, data/ symlinked) and runs the real `course` command.
"""
import csv
import os
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograder.engine.grader_points import effective_points
from autograder.authoring.show import hidden_tests, primary_function, show
from autograder.config import load_course
from autograder.engine.fingerprint import settings_digest
from conftest import REPO, make_course, run_course
from test_course_content import api_problems

NEW = ["new", "07_layer", "--title", "A layer of neurons: a' = sigma(W a + b)", "--module", "layer.py",
       "--points", "10", "--due", "2027-03-19T23:59:00Z", "--provided", "neuron.py"]


def copied_course(folder):
    """A course.toml in folder with writable copies of the course content (data/ is only read)."""
    folder.mkdir(parents=True)
    for name in ("solutions", "graders", "assignments", "notebooks"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    (folder / "data").symlink_to(REPO / "data")
    text = (REPO / "course.toml").read_text().replace(
        'mnist_dir = "../shared/data/mnist"', f'mnist_dir = "{(REPO.parent / "shared/data/mnist").as_posix()}"')
    (folder / "course.toml").write_text(text)
    return folder / "course.toml"


def snapshot(root):
    """Every file under root (symlinked data/ aside) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).parts[0] == "data"}


def submit(root, student, source, assignment, module):
    folder = root / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / module).write_text(source)


def results(out, student, assignment):
    return json.loads((out / student / assignment / "results.json").read_text())


# -- course new ------------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["layer.py", "weighted_sum.py"])  # the second: named like its function
def test_course_new_builds_and_grades_the_reference_full_and_the_stub_zero(tmp_path, module):
    path = copied_course(tmp_path / "course")
    root = path.parent
    before = path.read_text()
    stem = module.removesuffix(".py")
    done = run_course(*[module if arg == "layer.py" else arg for arg in NEW], course=path)
    assert done.returncode == 0, done.stderr
    for name in (f"solutions/07_layer/{module}", "notebooks/07_layer.py", f"assignments/07_layer/test_{stem}.py",
                 "graders/test_07_layer.py"):
        assert f"wrote {name}" in done.stdout and (root / name).is_file()
    assert "course build" in done.stdout and "course show 07_layer" in done.stdout and "course grade" in done.stdout
    # course.toml: the old text untouched (comments and all), one table appended
    after = path.read_text()
    assert after.startswith(before) and "# The course: what students get" in after
    assignment = load_course(path).assignment("07_layer")
    assert (assignment.title, assignment.modules, assignment.provided, assignment.points) == \
        ("A layer of neurons: a' = sigma(W a + b)", (module,), ("neuron.py",), 10)
    assert assignment.due.isoformat() == "2027-03-19T23:59:00+00:00"
    # the notebook source: jupytext percent format with the shared cells included
    notebook = (root / "notebooks/07_layer.py").read_text()
    assert "format_name: percent" in notebook and '\n# %% include="before-you-hand-in"\n' in notebook
    assert f"import {stem}" in notebook

    built = run_course("build", course=path)
    assert built.returncode == 0, built.stderr
    release = root / "assignments/07_layer"
    stub = (release / module).read_text()
    assert "raise NotImplementedError" in stub and "### BEGIN SOLUTION" not in stub and "np.sum(w * a)" not in stub
    assert (release / "neuron.py").is_file() and (release / "check.py").is_file()
    assert run_course("build", "--check", course=path).returncode == 0

    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "ref", (root / f"solutions/07_layer/{module}").read_text(), "07_layer", module)
    submit(subs, "stub", stub, "07_layer", module)
    graded = run_course("grade", "--assignment", "07_layer", subs, "--out", out, "--quiet", course=path)
    assert graded.returncode == 0, graded.stderr
    assert (results(out, "ref", "07_layer")["score"], results(out, "stub", "07_layer")["score"]) == (10, 0)
    with open(out / "grades.csv", newline="") as f:
        assert {r["student"]: r["status"] for r in csv.DictReader(f)} == {"ref": "graded", "stub": "graded"}

    # the public test fails on the stub and passes on the reference
    public = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"test_{stem}.py"]
    on_stub = subprocess.run(public, cwd=release, capture_output=True, text=True, timeout=120)
    assert on_stub.returncode == 1 and "NotImplementedError" in on_stub.stdout
    reference = tmp_path / "on_reference"
    reference.mkdir()
    shutil.copy(root / f"solutions/07_layer/{module}", reference)
    shutil.copy(release / f"test_{stem}.py", reference)
    on_reference = subprocess.run(public, cwd=reference, capture_output=True, text=True, timeout=120)
    assert on_reference.returncode == 0, on_reference.stdout

    shown = run_course("show", "07_layer", course=path)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert f"=== weighted_sum ({module})" in text
    assert "test_weighted_sum_lecture_example" in text  # the public test
    assert "test_weighted_sum_random" in text and " 10 points visible" in text
    grader_lines = (root / "graders/test_07_layer.py").read_text().splitlines()
    defined = next(n for n, line in enumerate(grader_lines, 1) if line.startswith("def test_weighted_sum_random"))
    assert f"from graders/test_07_layer.py:{defined}" in text
    assert "Total: 1 hidden test worth 10 points" in text


def test_the_scaffolded_notebook_is_jupytext_percent_format(tmp_path):
    jupytext = pytest.importorskip("jupytext")
    path = copied_course(tmp_path / "course")
    assert run_course(*NEW, course=path).returncode == 0
    notebook = jupytext.reads((path.parent / "notebooks/07_layer.py").read_text(), fmt="py:percent")
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and "code" in kinds
    assert notebook.cells[-1].metadata.get("include") == "before-you-hand-in"


@pytest.mark.parametrize("args, message", [
    (["new", "01_neuron", "--title", "t", "--module", "layer.py"], "assignment '01_neuron' already exists"),
    (["new", "7_layer", "--title", "t", "--module", "layer.py"], "id '7_layer' does not match"),
    (["new", "07_Layer", "--title", "t", "--module", "layer.py"], "id '07_Layer' does not match"),
    (["new", "07_layer", "--title", "t", "--module", "Layer.py"], "--module 'Layer.py' does not match"),
    (["new", "07_layer", "--title", "t", "--module", "layer"], "--module 'layer' does not match"),
    (["new", "07_layer", "--title", "t", "--module", "neuron.py"], "'neuron.py' is already graded in 01_neuron"),
    (["new", "07_layer", "--title", "t", "--module", "check.py"], "would hide"),
    (["new", "07_layer", "--title", "t", "--module", "random.py"], "would hide"),
    (["new", "07_layer", "--title", "t", "--module", "layer.py", "--provided", "nothing.py"],
     "--provided 'nothing.py' is neither"),
    (["new", "07_layer", "--title", "t", "--module", "layer.py", "--due", "2027-03-19T23:59:00"],
     "give a time zone"),
    (["new", "07_layer", "--title", "t", "--module", "layer.py", "--points", "0"], "--points 0: must be more than 0"),
    (["new", "07_layer", "--title", "two\nlines", "--module", "layer.py"], "--title: one line of text"),
])
def test_course_new_refuses_bad_names_and_writes_nothing(tmp_path, args, message):
    path = copied_course(tmp_path / "course")
    before = snapshot(path.parent)
    done = run_course(*args, course=path)
    assert done.returncode == 2
    assert message in done.stderr and "nothing was written" in done.stderr
    assert snapshot(path.parent) == before


def test_course_new_refuses_a_file_that_exists_and_writes_nothing(tmp_path):
    path = copied_course(tmp_path / "course")
    (path.parent / "graders/test_07_layer.py").write_text("# someone's draft\n")
    before = snapshot(path.parent)
    done = run_course(*NEW, course=path)
    assert done.returncode == 2
    assert "graders/test_07_layer.py already exists" in done.stderr
    assert snapshot(path.parent) == before  # not even the reference, which came first


# -- course show -----------------------------------------------------------------------------
def test_course_show_maps_tests_to_functions_by_their_syntax():
    course = load_course(REPO / "course.toml")
    assignment = course.assignment("01_neuron")
    text = show(course, assignment)
    relu = text.split("=== relu (neuron.py)")[1].split("\n=== ")[0]
    assert "raise NotImplementedError(\"relu() is not implemented yet" in relu  # the stub
    assert "np.maximum(0.0" in relu  # the reference
    assert "test_relu_on_the_lecture_layer" in relu  # public, uses neuron.relu
    assert "test_relu_random" in relu and "test_sigmoid_stable" not in relu
    names = ["sigmoid", "sigmoid_prime", "relu", "relu_prime", "weighted_sum", "neuron"]
    by_name = {t.name: t for t in hidden_tests(course, assignment, names)}
    # student.call("sigmoid", ...) counts; a helper's use of the student's sigmoid counts for the test too
    assert "sigmoid" in by_name["test_sigmoid_stable"].uses
    assert primary_function(by_name["test_sigmoid_prime_random"]) == "sigmoid_prime"
    assert set(by_name["test_neuron_random"].uses) >= {"neuron", "relu"}
    total = sum(p.points for p in effective_points(course, assignment))
    assert f"Total: 15 hidden tests worth {total:g} points" in text and total == 20


# -- per-test points and visibility -----------------------------------------------------------
OVERRIDES = """
[assignments.tests]
test_relu_random = { points = 3 }
test_weighted_sum_random = { points = 1, visibility = "after_due_date" }
"""


def with_overrides(path, tests=OVERRIDES):
    text = path.read_text()
    anchor = "due = 2027-02-05T23:59:00Z\n"
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, anchor + tests))
    return path


def line_of(path, start) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


@pytest.mark.slow
def test_a_tests_points_from_course_toml_reach_results_and_regrade(tmp_path):
    path = make_course(tmp_path / "course")
    reference = (REPO / "solutions/01_neuron/neuron.py").read_text()
    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "ann", reference, "01_neuron", "neuron.py")
    args = ("grade", "--assignment", "01_neuron", subs, "--out", out, "--quiet")
    first = run_course(*args, course=path)
    assert first.returncode == 0, first.stderr
    by_max = sorted(t["max_score"] for t in results(out, "ann", "01_neuron")["tests"])
    assert run_course(*args, course=path).stdout.count("skipped 1 unchanged") == 1

    with_overrides(path)
    again = run_course(*args, course=path)
    assert again.returncode == 0, again.stderr
    assert "graded 0 new, 1 changed" in again.stdout  # the settings changed: regraded
    data = results(out, "ann", "01_neuron")
    assert data["score"] == 20 and sorted(t["max_score"] for t in data["tests"]) != by_max
    relu = next(t for t in data["tests"] if t["name"].startswith("relu = max(0, z) elementwise on random"))
    weighted = next(t for t in data["tests"] if t["name"].startswith("weighted_sum of random vectors"))
    assert (relu["max_score"], relu["visibility"]) == (3, "visible")
    assert (weighted["max_score"], weighted["visibility"]) == (1, "after_due_date")


def test_overrides_are_part_of_the_settings_fingerprint(tmp_path):
    plain = load_course(make_course(tmp_path / "plain"))
    changed = load_course(with_overrides(make_course(tmp_path / "changed")))
    a, b = plain.assignment("01_neuron"), changed.assignment("01_neuron")
    assert settings_digest(plain, a, a.due, a.limits) != settings_digest(changed, b, b.due, b.limits)
    # the other assignments keep their digests
    c, d = plain.assignment("02_forward"), changed.assignment("02_forward")
    assert settings_digest(plain, c, c.due, c.limits) == settings_digest(changed, d, d.due, d.limits)


def test_totals_that_do_not_add_up_say_where_each_figure_comes_from(tmp_path):
    path = with_overrides(make_course(tmp_path / "course"), OVERRIDES.replace("points = 3", "points = 4"))
    relu_line, points_line = line_of(path, "test_relu_random ="), line_of(path, "points = 20")
    expected = (f"{path}: assignments[0] (01_neuron): its tests add up to 21 points but points = 20 "
                f"(line {points_line}): test_sigmoid_at_zero 1 (graders/test_01_neuron.py:")
    out = tmp_path / "out"
    for args in (("build",), ("show", "01_neuron"),
                 ("grade", "--assignment", "01_neuron", tmp_path, "--out", out)):
        done = run_course(*args, course=path)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr, done.stderr
        assert f"test_relu_random 4 (course.toml line {relu_line})" in done.stderr
        assert f"test_weighted_sum_random 1 (course.toml line {relu_line + 1})" in done.stderr
    assert not out.exists()  # nothing graded, nothing written


def test_an_unknown_test_name_is_named_with_its_line_and_a_close_match(tmp_path):
    path = with_overrides(make_course(tmp_path / "course"),
                          OVERRIDES.replace("test_relu_random", "test_relu_randm"))
    done = run_course("grade", "--assignment", "01_neuron", tmp_path, "--out", tmp_path / "out", course=path)
    assert done.returncode == 2
    assert (f"{path}: assignments[0].tests.test_relu_randm: not a test of graders/test_01_neuron.py "
            f"(did you mean 'test_relu_random'?) (line {line_of(path, 'test_relu_randm')})") in done.stderr


# -- the guide --------------------------------------------------------------------------------
GUIDE = REPO / "docs" / "authoring.md"


def guide_steps(text):
    """The guide's fenced blocks in order: ("run", line, exit code) or ("write"/"append"/"replace", path, text).

    A shell line ending in `# exit N` must exit N, every other one 0. A block marked
    replace=PATH replaces PATH from the block's first line to the end of the file.
    """
    steps, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith("```") or line == "```":
            continue
        info = line[3:].split()
        body = []
        while not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        index += 1
        if info[0] == "sh":
            for command in body:
                code = 0
                if "# exit " in command:
                    command, code = command.split("# exit ")[0], int(command.split("# exit ")[1].split()[0])
                if command.strip() and not command.lstrip().startswith("#"):
                    steps.append(("run", command.strip(), code))
        for option in info[1:]:
            kind, _, path = option.partition("=")
            steps.append(({"file": "write"}.get(kind, kind), path, "\n".join(body) + "\n"))
    return steps


@pytest.mark.slow
def test_the_guide_runs_as_written(tmp_path):
    path = copied_course(tmp_path / "course")
    root = path.parent
    shutil.copy(REPO / "pyproject.toml", root)  # the Gradescope bundle pins what it installs from it
    (root / "autograder/toolkit").mkdir(parents=True)  # the guide adds the assignment's [api] line to it
    shutil.copy(REPO / "autograder/toolkit/lecture.toml", root / "autograder/toolkit")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COURSE_TOML": str(path), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("PYTHONPATH", None)
    steps = guide_steps(GUIDE.read_text())
    assert sum(kind == "run" for kind, *_ in steps) >= 15
    printed = {}
    for kind, what, detail in steps:
        if kind == "run":
            done = subprocess.run(["bash", "-c", what], cwd=root, env=env, capture_output=True, text=True,
                                  timeout=600)
            assert done.returncode == detail, f"{what}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            printed.setdefault(what, done.stdout + done.stderr)  # the first run of each command
        elif kind == "write":
            (root / what).write_text(detail)
        elif kind == "append":
            (root / what).write_text((root / what).read_text() + detail)
        else:
            assert kind == "replace", kind
            text = (root / what).read_text()
            anchor = text.index(detail.splitlines()[0])
            (root / what).write_text(text[:anchor] + detail)
    assert "its tests add up to 14 points but points = 10" in printed["course build"]
    api = tomllib.loads((root / "autograder/toolkit/lecture.toml").read_text())["api"]
    assert "07_layer/layer.py" in api and not api_problems(load_course(path), api), api_problems(load_course(path), api)
    assert "killed 6 of 7 mutants (85%); charged once: 6 of 6 (100%)" in printed["course audit 07_layer"]
    with open(root / "trial/graded/grades.csv", newline="") as f:
        assert {r["student"]: r["score"] for r in csv.DictReader(f)} == {"reference": "10", "stub": "0"}
    assert "4 points after_due_date" in printed["course show 07_layer"]
    assert (tmp_path / "nnfs-nbgrader/release/07_layer/layer.py").is_file()
    assert (tmp_path / "07_layer-autograder.zip").is_file()
    assert (root / "trial/graded/report.html").is_file()


def test_the_engine_refuses_points_that_do_not_add_up_even_without_the_command(tmp_path):
    """grade_batch (as Gradescope's and nbgrader's paths call the engine) checks the points that ran."""
    from autograder.engine.batch import grade_batch
    from autograder.engine.errors import GradingError

    path = with_overrides(make_course(tmp_path / "course"), OVERRIDES.replace("points = 3", "points = 4"))
    course = load_course(path)
    subs = tmp_path / "submitted"
    submit(subs, "ann", (REPO / "solutions/01_neuron/neuron.py").read_text(), "01_neuron", "neuron.py")
    with pytest.raises(GradingError) as info:
        grade_batch(course, course.assignment("01_neuron"), subs, tmp_path / "out", progress=False)
    message = str(info.value)
    assert "its tests add up to 21 points but points = 20" in message
    assert f"test_relu_random 4 (course.toml line {line_of(path, 'test_relu_random =')})" in message
    assert "test_sigmoid_at_zero 1 (test_01_neuron.py)" in message
    assert not (tmp_path / "out" / "ann" / "01_neuron" / "results.json").exists()
