"""check.py, the students' pre-submission check shipped in every released folder.

Each test copies a released folder (as `course build` wrote it), puts a
submission in place of the stub and runs `python check.py` there, as a
student would. The slow corpus test holds the check to its promise: whenever
it says READY, the real grader gives no zero for a structural reason
(missing function, import error, wrong name, wrong type or shape, timeout).
"""
import ast
import concurrent.futures
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_course
from autograder.config import load_course
from autograder.nbgrader_course.source import _copy_release

COURSE = load_course(REPO / "course.toml")
IDS = [a.id for a in COURSE.assignments]
CORPUS = REPO / "tests" / "submissions"


def release_copy(tmp_path: Path, assignment_id: str, source: str | None = None, name: str | None = None,
                 course=COURSE) -> Path:
    """A copy of assignments/<id>/ with source written as the student's module (the stub if None)."""
    folder = tmp_path / assignment_id
    shutil.copytree(course.release_dir(assignment_id), folder,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ipynb_checkpoints"))
    module = course.assignment(assignment_id).modules[0]
    if source is not None:
        (folder / module).unlink()
        (folder / (name or module)).write_text(source)
    return folder


def reference(assignment_id: str, course=COURSE) -> str:
    return (course.solution_dir(assignment_id) / course.assignment(assignment_id).modules[0]).read_text()


def mutant(assignment_id: str, name: str) -> str:
    return (CORPUS / assignment_id / "mutants" / f"{name}.py").read_text()


def check(folder: Path, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=timeout)


def verdict(done: subprocess.CompletedProcess) -> str:
    """The last line: READY: ... or NOT READY: ..."""
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else done.stderr


# ---------------------------------------------------------------- what check.py is

@pytest.mark.parametrize("assignment_id", IDS)
def test_every_release_ships_a_check_that_needs_only_numpy_and_pytest(assignment_id):
    source = (COURSE.release_dir(assignment_id) / "check.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    outside = imported - set(sys.stdlib_module_names) - {"numpy"}
    assert not outside, f"check.py imports {outside}: students have only numpy and pytest"
    assert "autograder" not in source.replace("autograder/", ""), "check.py must not need the course package"
    assert COURSE.assignment(assignment_id).modules[0] in source


# ---------------------------------------------------------------- what it says

@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", IDS)
def test_reference_is_ready(assignment_id, tmp_path):
    done = check(release_copy(tmp_path, assignment_id, reference(assignment_id)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert verdict(done).startswith("READY:"), done.stdout
    assert "public tests" in done.stdout and "passed" in done.stdout


@pytest.mark.slow
def test_stub_is_not_ready_and_says_not_implemented(tmp_path):
    done = check(release_copy(tmp_path, "01_neuron"))
    assert done.returncode == 1
    assert verdict(done).startswith("NOT READY: sigmoid: still raises NotImplementedError"), done.stdout


@pytest.mark.slow
def test_work_left_in_the_notebook_is_pointed_out(tmp_path):
    folder = release_copy(tmp_path, "03_cost")
    notebook = folder / "03_cost.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": "def one_hot(labels, n_classes=10):\n    return None\n"})
    notebook.write_text(json.dumps(nb))
    done = check(folder)
    assert done.returncode == 1
    assert "03_cost.ipynb defines one_hot: the grader reads only cost.py" in done.stdout, done.stdout


@pytest.mark.slow
def test_misnamed_function_is_not_ready(tmp_path):
    source = reference("01_neuron").replace("def sigmoid_prime(z):", "def sigmoidPrime(z):")
    done = check(release_copy(tmp_path, "01_neuron", source))
    assert done.returncode == 1
    assert verdict(done).startswith("NOT READY: sigmoid_prime: neuron.py has no function sigmoid_prime "
                                    "(found sigmoidPrime: use the exact name)"), done.stdout


@pytest.mark.slow
def test_misnamed_file_is_not_ready(tmp_path):
    done = check(release_copy(tmp_path, "01_neuron", reference("01_neuron"), name="Neuron (1).py"))
    assert done.returncode == 1
    assert "neuron.py is missing" in verdict(done) and "rename your work to neuron.py" in verdict(done), done.stdout


@pytest.mark.slow
def test_a_0d_array_for_a_float_is_not_ready(tmp_path):
    done = check(release_copy(tmp_path, "01_neuron", mutant("01_neuron", "sigmoid_where_0d")))
    assert done.returncode == 1
    assert re.search(r"NOT READY: sigmoid: sigmoid returned a 0-d numpy array, but the docstring asks "
                     r"for a float.* \(in the example `sigmoid\(0\.0\)`\)", verdict(done)), done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name,argument", [("01_neuron", "sigmoid_inplace", "z"),
                                                         ("04_gradient_descent", "sgd_step_inplace", "params")])
def test_a_module_that_mutates_its_input_is_not_ready(assignment_id, name, argument, tmp_path):
    done = check(release_copy(tmp_path, assignment_id, mutant(assignment_id, name)))
    assert done.returncode == 1
    assert f"changed its input ({argument})" in verdict(done), done.stdout
    assert "compute into a new array" in verdict(done) and "instead of writing into the argument" in verdict(done)


def test_any_one_number_array_for_a_float_is_told_to_use_float():
    from autograder.student_check import form_problem
    import numpy as np

    for value, kind in ((np.array(3.37), "a 0-d numpy array"), (np.array([[3.37]]), "an array of shape (1, 1)"),
                        (np.array([3.37]), "an array of shape (1,)")):
        problem = form_problem({"type": "float"}, value)
        assert problem.startswith(kind) and "use float(...)" in problem, problem
    problem = form_problem({"type": "float"}, np.array([3.37, 1.61]))
    assert "asks for a float" in problem and "use float(...)" not in problem, problem
    assert form_problem({"type": "float"}, 3.37) is None


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name,said", [
    ("02_forward", "layer_transposed_W",
     "NOT READY: layer_forward: the example `layer_forward(W[:2], np.ones((3, 5)), b[:2]).shape` raises ValueError"),
    ("03_cost", "example_cost_returns_array",
     "NOT READY: example_cost: example_cost returned an array of shape (1, 1) (dtype float64), but the docstring "
     "asks for a float: use float(...)")])
def test_a_slip_the_docstring_examples_catch_is_named(assignment_id, name, said, tmp_path):
    done = check(release_copy(tmp_path, assignment_id, mutant(assignment_id, name)))
    assert done.returncode == 1
    assert verdict(done).startswith(said), done.stdout


@pytest.mark.slow
def test_output_at_import_and_a_helper_file_the_grader_lacks(tmp_path):
    noisy = "print('testing my sigmoid')\n" + reference("01_neuron")
    done = check(release_copy(tmp_path, "01_neuron", noisy))
    assert done.returncode == 1 and "prints something ('testing my sigmoid')" in verdict(done), done.stdout

    folder = release_copy(tmp_path / "helper", "01_neuron", "from helpers import *\n" + reference("01_neuron"))
    (folder / "helpers.py").write_text("STEP = 1\n")
    done = check(folder)
    assert done.returncode == 1
    assert "the grader ignores helpers.py" in done.stdout
    assert "neuron.py imports helpers, but the grader only gets neuron.py" in verdict(done), done.stdout


@pytest.mark.slow
def test_endless_loop_is_stopped_and_named(tmp_path):
    looping = re.sub(r'(def relu_prime\(z\):\n)', r'\1    while True:\n        pass\n', reference("01_neuron"))
    done = check(release_copy(tmp_path, "01_neuron", looping), timeout=60)
    assert done.returncode == 1
    assert ("NOT READY: relu_prime: the example `relu_prime(np.array([[-1.0], [0.0], [2.0]]))` did not finish within"
            in verdict(done)), done.stdout


@pytest.mark.slow
def test_nothing_check_started_outlives_it_when_it_is_killed(tmp_path):
    """check.py killed while the student's module is still importing: its child goes with it."""
    import os
    import signal
    import time
    slow = "import time\ntime.sleep(30)\n" + reference("01_neuron")
    folder = release_copy(tmp_path, "01_neuron", slow)
    running = subprocess.Popen([sys.executable, "check.py"], cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)

    def children():
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if "--child" in (entry / "cmdline").read_bytes().decode(errors="replace") and \
                            str(folder) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                        found.append(int(entry.name))
                except OSError:
                    pass
        return found

    deadline = time.monotonic() + 60
    while not children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children(), "check.py never started the student's module"
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    deadline = time.monotonic() + 10
    while children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children() == []


def test_import_check_run_from_the_notebook_folder(tmp_path):
    folder = release_copy(tmp_path, "02_forward", reference("02_forward"))
    done = subprocess.run([sys.executable, "-c", "import check; print('returned', check.run())"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert "READY: forward.py runs as the grader runs it" in done.stdout and "returned True" in done.stdout, \
        done.stdout + done.stderr


@pytest.mark.slow
def test_works_in_nbgrader_release_layout(tmp_path):
    """nbgrader's release/<ID>/ holds what the course copies there, plus the notebook."""
    folder = tmp_path / "release" / "05_backprop"
    folder.mkdir(parents=True)
    _copy_release(COURSE, COURSE.assignment("05_backprop"), folder)
    shutil.copyfile(COURSE.release_dir("05_backprop") / "05_backprop.ipynb", folder / "05_backprop.ipynb")
    assert (folder / "check.py").is_file()
    done = check(folder)
    assert done.returncode == 1 and "NotImplementedError" in verdict(done), done.stdout
    (folder / "backprop.py").write_text(reference("05_backprop"))
    done = check(folder)
    assert done.returncode == 0, done.stdout


# ---------------------------------------------------------------- the promise, on the whole corpus

# Lost points whose feedback says the grader could not use the function at all.
STRUCTURAL = re.compile(
    r"is missing from your|could not be imported|exited while being imported|did not start properly|"
    r"timed out|time limit for your whole|crashed or timed out|not implemented yet|your process ended while|"
    r"should be a float|should be an int|should be a numpy array|should have shape|should be a list|"
    r"should return a tuple|should be a 1-D")

# Hostile submissions (tests/engine/test_engine_hostile.py) that are safe to run outside the sandbox,
# as check.py does: no fork bombs, no signals to other processes, no writes or searches outside.
SAFE_HOSTILE = ["exit_os", "exit_sys", "exit_in_call", "syntax_error", "loop_at_import", "loop_in_call",
                "memory_bomb", "memory_bomb_in_call", "missing_functions", "wrong_types", "lying_objects",
                "monkeypatch", "shadow_files", "shadow_files_honest", "stack_frames", "hardcoded", "import_graders"]


def corpus(assignment_id: str, course=COURSE) -> dict[str, tuple[str, dict]]:
    """student -> (module source, other files): mutants, correct variants, trivial and hostile submissions."""
    from test_graders import TRIVIAL, trivial_module

    subs = {"correct-reference": (reference(assignment_id, course), {})}  # every assignment has one, corpus or not
    for kind in ("mutants", "correct"):
        for path in sorted((CORPUS / assignment_id / kind).glob("*.py")):
            subs[f"{kind}-{path.stem}"] = (path.read_text(), {})
    for name, body in TRIVIAL.items():
        subs[f"trivial-{name}"] = (trivial_module(reference(assignment_id, course), body), {})
    if assignment_id == "01_neuron":
        from test_engine_hostile import hostile_cases
        cases = hostile_cases({"repo": REPO, "submissions": Path("/nonexistent/s"), "out": Path("/nonexistent/o")})
        for name in SAFE_HOSTILE:
            subs[f"hostile-{name}"] = cases[name]
    return subs


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", IDS)
def test_whenever_check_says_ready_the_grader_gives_no_structural_zero(assignment_id, tmp_path):
    ready_means_no_structural_zero(COURSE, assignment_id, corpus(assignment_id), tmp_path)


def ready_means_no_structural_zero(course, assignment_id, submissions, tmp_path) -> dict:
    """Run check.py on each submission (student -> (source, other files)) in a copy of the course's release, grade
    those it says READY for with `course grade`, and fail on any structural zero among them; the READY ones."""
    module = course.assignment(assignment_id).modules[0]
    ready, verdicts = {}, {}
    folders = {}
    for student, (source, others) in submissions.items():
        folders[student] = release_copy(tmp_path / "check" / student, assignment_id, source, course=course)
        for name, text in others.items():
            (folders[student] / name).write_text(text)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # one check.py per core
        checked = dict(zip(folders, pool.map(check, folders.values())))
    for student, (source, others) in submissions.items():
        done = checked[student]
        assert done.returncode in (0, 1), (student, done.stdout, done.stderr[-2000:])
        verdicts[student] = verdict(done)
        assert verdicts[student].startswith("READY:" if done.returncode == 0 else "NOT READY:"), (student, done.stdout)
        if done.returncode == 0:
            ready[student] = (source, others)
    assert any(s.startswith("correct-") for s in ready), "the correct variants should be ready"
    not_ready = [s for s in verdicts if s.startswith("correct-") and s not in ready]
    assert not not_ready, [(s, verdicts[s]) for s in not_ready]

    submitted, out = tmp_path / "submitted", tmp_path / "graded"
    for student, (source, others) in ready.items():
        folder = submitted / student / assignment_id
        folder.mkdir(parents=True)
        (folder / module).write_text(source)
        for name, text in others.items():
            (folder / name).write_text(text)
    result = run_course("grade", "--assignment", assignment_id, submitted, "--out", out, "--jobs", "2",
                        course=course.path)
    assert result.returncode == 0, result.stderr[-3000:]
    structural = []
    for student in ready:
        graded = json.loads((out / student / assignment_id / "results.json").read_text())
        structural += [(student, t["extra_data"]["test"], t["output"][:300]) for t in graded["tests"]
                       if t["score"] < t["max_score"] and STRUCTURAL.search(t["output"])]
    assert not structural, "check.py said READY, but the grader could not use the function:\n" + \
        "\n".join(map(str, structural))
    return ready
