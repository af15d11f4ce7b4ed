"""The course content: public tests, the spec's signatures, the lecture's numbers,
the stub builder and course.toml.

- Every assignment's public tests (assignments/<id>/test_*.py) run in a real
  `python -m pytest` on a copy of the released folder: on the stubs every test
  fails with the stub's "not implemented yet", on the reference every test
  passes, quickly and without MNIST.
- Every function of the student API (autograder/toolkit/lecture.toml) exists
  in the stub and in the reference with exactly its parameter names and defaults.
- The lecture's worked numbers hold for the reference (13,002 parameters, the
  cost of the two "3"s, the ReLU layer, sigma(0) = 0.5, a stable sigmoid,
  backprop = numerical gradient = the chain rule, gradient descent's rules).
- `course build --check` catches an edited stub; make_stub, strip_markers and
  the marker checks of autograder/build.py; course.toml's error messages.
"""
import ast
import importlib.util
import inspect
import itertools
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, run_course
from autograder.build import (BuildError, build, graded_functions, make_stub, solution_regions, stale_files,
                              strip_markers)
from autograder.config import CourseConfigError, load_course
from autograder.toolkit import lecture

COURSE = load_course(REPO / "course.toml")
ASSIGNMENTS = COURSE.assignments
# Every module name a student folder can hold: imports between them go by plain name.
COURSE_MODULES = sorted({Path(m).stem for a in ASSIGNMENTS for m in (*a.modules, *a.provided)})

# The student API (autograder/toolkit/lecture.toml, [api]): (assignment, module) -> signatures.
SPEC = {tuple(key.split("/")): list(signatures) for key, signatures in lecture.API.items()}

# The lecture's two "3"s, as the graders use them.
THREES = {"first": lecture.THREE, "second": lecture.SECOND_THREE}


# ------------------------------------------------------------ importing modules

def load_module(path: Path, *folders: Path):
    """Import the module file at path under a unique name, with folders first on
    sys.path (course modules import each other by plain name, e.g. forward
    imports neuron). sys.path and sys.modules are restored afterwards."""
    unique = "_course_content_" + re.sub(r"\W", "_", str(path.relative_to(REPO)))
    saved_path = list(sys.path)
    saved_modules = {name: sys.modules.pop(name) for name in COURSE_MODULES if name in sys.modules}
    sys.path[:0] = [str(folder) for folder in folders]
    try:
        spec = importlib.util.spec_from_file_location(unique, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved_path
        for name in COURSE_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved_modules)
    return module


@cache
def stub(assignment_id, module):
    release = COURSE.release_dir(assignment_id)
    return load_module(release / module, release)


@cache
def reference(assignment_id, module):
    """The reference module; its imports are the provided reference code beside the stub."""
    solutions = COURSE.solution_dir(assignment_id)
    return load_module(solutions / module, solutions, COURSE.release_dir(assignment_id))


def test_load_module_restores_sys_path_and_modules():
    path_before, modules_before = list(sys.path), set(sys.modules)
    module = load_module(COURSE.solution_dir("03_cost") / "cost.py", COURSE.solution_dir("03_cost"),
                         COURSE.release_dir("03_cost"))
    assert module.example_cost([1.0, 2.0], [0.0, 0.0]) == 5.0
    assert sys.path == path_before
    assert not {"neuron", "forward", "cost"} & (set(sys.modules) - modules_before)


# ------------------------------------------------------------ public tests

def public_test_file(assignment_id) -> Path:
    files = sorted(COURSE.release_dir(assignment_id).glob("test_*.py"))
    assert len(files) == 1, f"assignments/{assignment_id} should hold exactly one public test file, found {files}"
    return files[0]


def public_test_names(assignment_id) -> list[str]:
    tree = ast.parse(public_test_file(assignment_id).read_text())
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]


def run_public_tests(assignment_id, variant, folder: Path, source: str | None = None) -> tuple[int, str, float]:
    """pytest on a copy of the released folder (variant "reference": with the
    reference modules in place of the stubs; "slip": with source as the
    student's module), outside the repo: no pyproject, no conftest, and no
    MNIST to be found. Returns (exit code, output, CPU seconds of the whole
    pytest process: wall time says little on a busy machine)."""
    assignment = COURSE.assignment(assignment_id)
    copy = folder / assignment_id
    shutil.copytree(COURSE.release_dir(assignment_id), copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    if variant == "reference":
        for module in assignment.modules:
            shutil.copyfile(COURSE.solution_dir(assignment_id) / module, copy / module)
    if source is not None:
        (copy / assignment.modules[0]).write_text(source)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "COLUMNS": "1000", "PYTHONDONTWRITEBYTECODE": "1",
           "MNIST_DIR": str(folder / "no-mnist-here")}
    env.pop("PYTEST_ADDOPTS", None)
    log = folder / "pytest.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(copy)],
                                   cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   text=True, env=env)
        timer = threading.Timer(300, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)  # wait4: the CPU time of this child alone
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, log.read_text(), usage.ru_utime + usage.ru_stime


def summary(output: str) -> dict[str, int]:
    """{"failed": 9} from pytest's last line, e.g. "9 failed in 0.16s"."""
    last = [line for line in output.splitlines() if line.strip()][-1]
    match = re.search(r" in [\d.]+s", last)
    assert match, f"no pytest summary line at the end of:\n{output[-3000:]}"
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last[:match.start()])}


PUBLIC_CASES = [pytest.param(a.id, variant, id=f"{a.id}-{variant}")
                for a in ASSIGNMENTS for variant in ("stub", "reference")]


@pytest.fixture(scope="module")
def public_runs(request, tmp_path_factory):
    """Start every selected public-test run at once: each is a subprocess of about a second."""
    wanted = [tuple(item.callspec.params.values()) for item in request.session.items
              if getattr(item, "originalname", None) == "test_public_tests" and item.path == Path(__file__)]
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    runs = {(assignment_id, variant): pool.submit(run_public_tests, assignment_id, variant,
                                                  tmp_path_factory.mktemp(f"public-{assignment_id}-{variant}"))
            for assignment_id, variant in wanted}
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id, variant", PUBLIC_CASES)
def test_public_tests(public_runs, assignment_id, variant):
    """Stub: every public test fails with "not implemented yet". Reference: all pass."""
    names = public_test_names(assignment_id)
    assert len(names) >= 1, f"{public_test_file(assignment_id)}: no public test"
    returncode, output, cpu_seconds = public_runs[assignment_id, variant].result()
    counts = summary(output)
    if variant == "stub":
        assert (returncode, counts) == (1, {"failed": len(names)}), (
            f"on the stub all {len(names)} public tests should fail:\n{output[-5000:]}")
        for name in names:
            line = re.search(rf"^FAILED \S+::{name} - (.*)$", output, re.MULTILINE)
            assert line and "NotImplementedError" in line.group(1) and "not implemented yet" in line.group(1), (
                f"{name} should fail with the stub's NotImplementedError \"... not implemented yet\", "
                f"got: {line.group(1) if line else 'no FAILED line'}\n{output[-5000:]}")
    else:
        assert (returncode, counts) == (0, {"passed": len(names)}), (
            f"on the reference all {len(names)} public tests should pass, with no warning:\n{output[-5000:]}")
    assert cpu_seconds < 1.5, (
        f"pytest on the public tests of {assignment_id} took {cpu_seconds:.2f} s of CPU, "
        f"interpreter start included: keep them well under 1.5 s")


def slip(assignment_id, mutant=None, old=None, new=None) -> str:
    """A student's module with one usual slip: a mutant of tests/submissions, or the reference edited."""
    if mutant:
        return (REPO / "tests" / "submissions" / assignment_id / "mutants" / f"{mutant}.py").read_text()
    source = reference_source(assignment_id)
    assert old in source, f"{old!r} is not in the reference of {assignment_id}"
    return source.replace(old, new)


def reference_source(assignment_id) -> str:
    return (COURSE.solution_dir(assignment_id) / COURSE.assignment(assignment_id).modules[0]).read_text()


# (assignment, the slip, the public test, what its message must say; None: the test passes)
SLIPS = {
    "sigmoid-np-where": ("01_neuron", dict(mutant="sigmoid_where_both_branches"),
                         "test_sigmoid_is_stable_at_plus_minus_1000",
                         "computes both forms on every element before it chooses"),
    "sigmoid-sign": ("01_neuron", dict(mutant="sigmoid_sign_error"), "test_neuron_with_bias_minus_10_is_a_threshold",
                     "Check sigmoid first: sigmoid(0) must be 0.5 and sigmoid(3) = 0.9526"),
    "count-np-int64": ("02_forward", dict(old="return int(sum(", new="return np.int64(sum("),
                       "test_count_parameters_is_13002", None),
    "count-float": ("02_forward", dict(mutant="count_float"), "test_count_parameters_is_13002",
                    "wrap your count in int(...)"),
    "feedforward-no-biases": ("02_forward", dict(old="a = layer_forward(W, a, b, activation)",
                                                 new="a = activation(W @ a)"),
                              "test_feedforward_goes_layer_by_layer",
                              "that is W a alone in every layer, activation(W a): add the biases"),
    "cost-one-by-one-array": ("03_cost", dict(mutant="example_cost_returns_array"),
                              "test_example_cost_of_the_second_three",
                              "Got ndarray of shape (1, 1): use float(...)"),
}


@pytest.fixture(scope="module")
def slip_runs(tmp_path_factory):
    """The public tests on every slip of SLIPS at once: each is a subprocess of about a second."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = {name: pool.submit(run_public_tests, assignment_id, "slip", tmp_path_factory.mktemp(f"slip-{name}"),
                                  slip(assignment_id, **change))
                for name, (assignment_id, change, _, _) in SLIPS.items()}
        yield {name: run.result() for name, run in runs.items()}


@pytest.mark.parametrize("name", SLIPS)
def test_public_tests_say_what_to_fix(slip_runs, name):
    """The public test meant for a usual slip fails with a message that names the fix (or passes an
    answer the grader accepts)."""
    _, _, test, said = SLIPS[name]
    _, output, _ = slip_runs[name]
    failed = re.search(rf"^FAILED \S+::{test}\b", output, re.MULTILINE)
    if said is None:
        assert not failed and re.search(r"\d+ passed", output), output[-3000:]
        return
    assert failed, f"{test} should fail on the slip {name}:\n{output[-3000:]}"
    section = re.search(rf"^_+ {test} _+$(.*?)(?=^_+ test|^=+ short test summary)", output,
                        re.MULTILINE | re.DOTALL).group(1)
    assert said in " ".join(section.split()), f"{test} should say {said!r}:\n{section[:3000]}"


# ------------------------------------------------------------ the spec's signatures

def spec_signature(line):
    """(name, [(parameter, default expression or None)]) of a spec line, e.g. "one_hot(labels, n_classes=10)"."""
    function = ast.parse(f"def {line}: pass").body[0]
    args = function.args.args
    defaults = [None] * (len(args) - len(function.args.defaults)) + function.args.defaults
    return function.name, [(arg.arg, default) for arg, default in zip(args, defaults)]


SIGNATURE_CASES = [pytest.param(assignment_id, module, line, variant,
                                id=f"{variant}-{spec_signature(line)[0]}")
                   for (assignment_id, module), lines in SPEC.items() for line in lines
                   for variant in ("stub", "reference")]


def api_problems(course, api: dict) -> list[str]:
    """What keeps an [api] table ("ID/module.py" -> signatures, as in autograder/toolkit/lecture.toml) from
    following course.toml: a graded module with no entry, an entry that is no assignment's module, a graded
    function of the reference the entry does not list, or a listed signature the reference does not have."""
    graded = {f"{a.id}/{m}": (a.id, m) for a in course.assignments for m in a.modules}
    problems = [f"[api] has no entry {key!r}, a module course.toml grades" for key in graded if key not in api]
    problems += [f"[api] {key!r} is no module of an assignment of {course.path}" for key in api if key not in graded]
    for key in [k for k in graded if k in api]:
        assignment_id, module = graded[key]
        defined = {}
        for function in graded_functions((course.solution_dir(assignment_id) / module).read_text()):
            args = function.args.args
            defaults = [None] * (len(args) - len(function.args.defaults)) + function.args.defaults
            defined[function.name] = [(a.arg, d and ast.unparse(d)) for a, d in zip(args, defaults)]
        listed = {}
        for line in api[key]:
            name, parameters = spec_signature(line)
            listed[name] = [(p, d and ast.unparse(d)) for p, d in parameters]
            if name not in defined:
                problems.append(f"[api] {key!r}: {line!r}, but the reference has no function {name}")
            elif defined[name] != listed[name]:
                have = ", ".join(p if d is None else f"{p}={d}" for p, d in defined[name])
                problems.append(f"[api] {key!r}: {line!r}, but the reference has {name}({have})")
        problems += [f"[api] {key!r} lacks {name}, a graded function of the reference" for name in defined
                     if name not in listed]
    return problems


def test_spec_modules_are_in_course_toml():
    course_modules = {(a.id, m) for a in ASSIGNMENTS for m in a.modules}
    assert set(SPEC) <= course_modules, f"course.toml lacks {set(SPEC) - course_modules}"


def test_an_api_that_does_not_follow_course_toml_is_told():
    api = dict(lecture.API)
    assert api_problems(COURSE, api) == []
    first = f"{ASSIGNMENTS[0].id}/{ASSIGNMENTS[0].modules[0]}"
    del api[first]
    api["99_gone/gone.py"] = ("gone(x)",)
    api["02_forward/forward.py"] = tuple(line.replace("count_parameters(sizes)", "count_parameters(layers)")
                                         for line in api["02_forward/forward.py"] if not line.startswith("predict("))
    assert api_problems(COURSE, api) == [
        f"[api] has no entry {first!r}, a module course.toml grades",
        f"[api] '99_gone/gone.py' is no module of an assignment of {COURSE.path}",
        "[api] '02_forward/forward.py': 'count_parameters(layers)', but the reference has count_parameters(sizes)",
        "[api] '02_forward/forward.py' lacks predict, a graded function of the reference"]


@pytest.mark.parametrize("assignment_id, module, line, variant", SIGNATURE_CASES)
def test_signature_matches_the_spec(assignment_id, module, line, variant):
    loaded = (stub if variant == "stub" else reference)(assignment_id, module)
    name, expected = spec_signature(line)
    function = getattr(loaded, name, None)
    assert callable(function), f"{variant} {assignment_id}/{module} has no function {name}"
    parameters = list(inspect.signature(function).parameters.values())
    assert [p.name for p in parameters] == [n for n, _ in expected], (
        f"{name}{inspect.signature(function)} in the {variant}; the spec says {line}")
    for parameter, (_, default) in zip(parameters, expected):
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, f"{name}: {parameter}"
        if default is None:
            assert parameter.default is inspect.Parameter.empty, f"{name}: {parameter} should have no default ({line})"
        elif isinstance(default, ast.Name):  # a function of the module, e.g. activation=sigmoid
            assert parameter.default is getattr(loaded, default.id), f"{name}: {parameter} should default to {default.id}"
        else:
            value = ast.literal_eval(default)
            assert type(parameter.default) is type(value) and parameter.default == value, (
                f"{name}: {parameter.name} defaults to {parameter.default!r}; the spec says {line}")


# ------------------------------------------------------------ the lecture's numbers, on the reference

def test_the_lecture_numbers_are_the_lectures():
    """toolkit.lecture, which graders and these tests share, holds the lecture's numbers; the tests
    below check each against the reference solutions."""
    assert lecture.SIZES == (784, 16, 16, 10)
    assert (lecture.WEIGHTS, lecture.BIASES, lecture.PARAMETERS) == (12_960, 42, 13_002)
    assert (lecture.THREE.cost, lecture.SECOND_THREE.cost) == (3.37, 1.61)
    assert lecture.SIGMOID_AT_ZERO == 0.5 and lecture.RELU_LAYER_OUTPUT == ((3.2,), (1.39,), (0.0,))
    for three in lecture.THREES:  # the squared terms shown on screen are those of the output, to 4 decimals
        y = np.eye(10)[lecture.THREE_LABEL]
        assert np.allclose((np.array(three.output) - y) ** 2, three.squared_terms, atol=6e-4)
        assert round(sum(three.squared_terms), 2) == three.cost


def test_13002_parameters():
    forward = reference("02_forward", "forward.py")
    sizes = list(lecture.SIZES)
    assert forward.count_parameters(sizes) == lecture.PARAMETERS
    assert type(forward.count_parameters(sizes)) is int
    weights, biases = forward.init_network(sizes, np.random.default_rng(0))
    assert sum(w.size for w in weights) == lecture.WEIGHTS and sum(b.size for b in biases) == lecture.BIASES


@pytest.mark.parametrize("which", THREES)
def test_cost_of_the_lectures_threes(which):
    cost = reference("03_cost", "cost.py")
    three = THREES[which]
    squared_terms = list(three.squared_terms)
    output, y = np.array(three.output).reshape(10, 1), cost.one_hot(lecture.THREE_LABEL)
    assert round(cost.example_cost(output, y), 2) == three.cost
    # Each term on its own. The activations are reconstructed to four decimals
    # from the squared terms shown on screen, so a term may be off by one unit
    # in the fourth decimal (0.8595^2 = 0.73874 is shown as 0.7388).
    terms = [cost.example_cost(output[i], y[i]) for i in range(10)]
    np.testing.assert_allclose(terms, squared_terms, rtol=0, atol=1.0001e-4)
    assert sum(np.round(terms, 4) == squared_terms) >= 9


def test_relu_layer_step_by_step():
    forward = reference("02_forward", "forward.py")
    neuron = reference("01_neuron", "neuron.py")
    W, a, b = (np.array(x) for x in (lecture.RELU_LAYER_W, lecture.RELU_LAYER_A, lecture.RELU_LAYER_B))
    np.testing.assert_allclose(forward.layer_forward(W, a, np.zeros((3, 1)), activation=lambda z: z),
                               lecture.RELU_LAYER_WEIGHTED, atol=1e-12)  # step 1: multiply by weights
    np.testing.assert_allclose(forward.layer_forward(W, a, b, activation=lambda z: z),
                               lecture.RELU_LAYER_Z, atol=1e-12)  # step 2: add biases
    got = forward.layer_forward(W, a, b, activation=neuron.relu)  # step 3: ReLU
    assert got.shape == (3, 1)
    np.testing.assert_allclose(got, lecture.RELU_LAYER_OUTPUT, atol=1e-12)
    assert neuron.weighted_sum(lecture.WEIGHTED_SUM_W, lecture.WEIGHTED_SUM_A) == pytest.approx(lecture.WEIGHTED_SUM)
    assert neuron.weighted_sum(lecture.THIRD_NEURON_W, lecture.THIRD_NEURON_A) == pytest.approx(lecture.THIRD_NEURON_SUM)


def test_sigmoid_and_the_bias_as_a_threshold():
    neuron = reference("01_neuron", "neuron.py")
    assert neuron.sigmoid(0.0) == lecture.SIGMOID_AT_ZERO
    assert neuron.sigmoid_prime(0.0) == lecture.SIGMOID_PRIME_AT_ZERO
    # bias -10: active only when the weighted sum exceeds 10
    w, b = np.ones(10), lecture.THRESHOLD_BIAS
    assert neuron.neuron(w, np.ones(10), b) == 0.5
    assert neuron.neuron(w, np.full(10, 1.2), b) > 0.5 > neuron.neuron(w, np.full(10, 0.8), b)


def test_sigmoid_is_stable_at_plus_minus_1000():
    neuron = reference("01_neuron", "neuron.py")
    # Warnings are errors, and so are numpy's overflow, invalid and divide (underflow to 0.0 is fine).
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        low, high = neuron.sigmoid(-1000.0), neuron.sigmoid(1000.0)
        both = neuron.sigmoid(np.array([[-1000.0], [1000.0]]))
        prime = neuron.sigmoid_prime(np.array([-1000.0, 1000.0]))
    assert (low, high) == (0.0, 1.0)
    assert isinstance(low, float) and isinstance(high, float)
    assert both.shape == (2, 1) and both[0, 0] == 0.0 and both[1, 0] == 1.0
    assert np.all(np.isfinite(prime)) and np.all(prime == 0.0)


def test_sigmoid_is_the_lectures_two_formulas_chosen_by_sign():
    """Provided from 02 on, so it reads like the lecture: 1 / (1 + e^-z) for z >= 0 and the
    equal form e^z / (1 + e^z) for z < 0, exactly (not a faster curve that agrees to rounding)."""
    neuron = reference("01_neuron", "neuron.py")
    z = np.linspace(-30.0, 30.0, 61).reshape(61, 1)
    got = neuron.sigmoid(z)
    e = np.exp(z)
    expected = np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), e / (1.0 + e))
    assert got.shape == z.shape
    np.testing.assert_array_equal(got, expected)
    for value in (-2.5, 0.0, 3.0):
        assert type(neuron.sigmoid(value)) is float, "a Python float in, a Python float out (the spec)"
    assert neuron.sigmoid(np.array(0.0)) == 0.5


def test_backprop_takes_sigma_prime_of_the_kept_zs():
    """The provided backprop does what its docstring says: keeps every z on the way forward and
    multiplies by sigma'(z) on the way back (output layer first), not by a (1 - a)."""
    backprop = reference("05_backprop", "backprop.py")
    weights, biases, X, Y = random_network([4, 6, 5, 3], 7, seed=3)
    zs, a = [], X
    for W, b in zip(weights, biases):
        zs.append(W @ a + b)
        a = 1.0 / (1.0 + np.exp(-zs[-1]))
    seen, original = [], backprop.sigmoid_prime

    def recording_sigmoid_prime(z):
        seen.append(np.array(z, copy=True))
        return original(z)

    backprop.sigmoid_prime = recording_sigmoid_prime
    try:
        backprop.backprop(weights, biases, X, Y)
    finally:
        backprop.sigmoid_prime = original
    assert len(seen) == len(zs), f"sigma'(z) should be taken once per layer, {len(seen)} calls"
    for got, z in zip(seen, reversed(zs)):
        np.testing.assert_allclose(got, z, rtol=1e-12, atol=1e-12)


def random_network(sizes, m, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    X = rng.random((sizes[0], m))
    Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    return weights, biases, X, Y


def batch_cost(weights, biases, X, Y):
    """The lecture's cost, written out here: mean over examples of sum_i (a_i - y_i)^2."""
    a = X
    for W, b in zip(weights, biases):
        a = 1.0 / (1.0 + np.exp(-(W @ a + b)))
    return float(np.mean(np.sum((a - Y) ** 2, axis=0)))


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def test_numerical_gradient_on_a_known_function():
    backprop = reference("05_backprop", "backprop.py")
    x = np.random.default_rng(0).standard_normal((3, 2))
    before = x.copy()
    # not separable: a nudge left in place would change the other partial derivatives
    got = backprop.numerical_gradient(lambda v: float(np.sum(np.sin(v)) + np.sum(v) ** 3), x)
    assert got.shape == x.shape
    assert relative_error(got, np.cos(x) + 3 * np.sum(x) ** 2) < 1e-9
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_matches_numerical_gradient(seed):
    backprop = reference("05_backprop", "backprop.py")
    weights, biases, X, Y = random_network([4, 5, 3], 6, seed)
    grad_w, grad_b = backprop.backprop(weights, biases, X, Y)
    assert [g.shape for g in grad_w] == [w.shape for w in weights]
    assert [g.shape for g in grad_b] == [b.shape for b in biases]
    for layer in range(len(weights)):
        def cost_of_w(W):
            return batch_cost([*weights[:layer], W, *weights[layer + 1:]], biases, X, Y)

        def cost_of_b(b):
            return batch_cost(weights, [*biases[:layer], b, *biases[layer + 1:]], X, Y)

        numeric_w = backprop.numerical_gradient(cost_of_w, weights[layer])
        numeric_b = backprop.numerical_gradient(cost_of_b, biases[layer])
        assert relative_error(grad_w[layer], numeric_w) < 1e-7, f"weights of layer {layer + 1}"
        assert relative_error(grad_b[layer], numeric_b) < 1e-7, f"biases of layer {layer + 1}"


@pytest.mark.parametrize("a_prev, w, b, y", [(0.8, 1.5, -0.5, 1.0), (0.3, -2.0, 0.7, 0.0), (1.0, 0.0, 0.0, 0.5)])
def test_chain_rule_single_is_the_lectures_formulas_and_backprop(a_prev, w, b, y):
    backprop = reference("05_backprop", "backprop.py")
    got = backprop.chain_rule_single(a_prev, w, b, y)
    assert isinstance(got, tuple) and len(got) == 3 and all(type(v) is float for v in got)
    a = 1.0 / (1.0 + np.exp(-(w * a_prev + b)))
    ds = a * (1.0 - a)
    np.testing.assert_allclose(got, [a_prev * ds * 2 * (a - y), ds * 2 * (a - y), w * ds * 2 * (a - y)],
                               rtol=1e-12, atol=1e-15)
    # The same numbers from backprop on a 1-1 network (one neuron per layer, m = 1).
    grad_w, grad_b = backprop.backprop([np.array([[w]])], [np.array([[b]])], np.array([[a_prev]]), np.array([[y]]))
    np.testing.assert_allclose([grad_w[0][0, 0], grad_b[0][0, 0]], got[:2], rtol=1e-12, atol=1e-15)


def test_gradient_descent_on_x_squared():
    descent = reference("04_gradient_descent", "descent.py")
    x, history = descent.gradient_descent(lambda x: 2 * x, 10.0, 0.2)
    np.testing.assert_allclose(history[:4], [10.0, 6.0, 3.6, 2.16], rtol=1e-12)
    # Steps 0.4 x shrink; the first one <= 1e-6 comes at x = 10 * 0.6^30 and is not applied.
    assert len(history) == 31 and x == history[-1]
    assert 0.4 * abs(history[-2]) > 1e-6 >= 0.4 * abs(x)
    assert isinstance(x, float) and all(isinstance(h, float) for h in history)


def test_gradient_descent_stops_without_applying_a_small_step():
    descent = reference("04_gradient_descent", "descent.py")
    assert descent.gradient_descent(lambda x: -1e-6, 3.0, 1.0) == (3.0, [3.0])  # |step| == tolerance: stop
    x, history = descent.gradient_descent(lambda x: -2e-6, 3.0, 1.0, n_iter=4)  # above it: step
    assert len(history) == 5 and x == pytest.approx(3.0 + 8e-6)
    x, history = descent.gradient_descent(lambda x: 2 * x, 10.0, 0.2, n_iter=3)
    assert len(history) == 4 and x == pytest.approx(2.16)
    assert descent.gradient_descent(lambda x: 1.0, 0.0, 1.0, n_iter=0) == (0.0, [0.0])


def test_gradient_descent_array_start_is_not_aliased():
    descent = reference("04_gradient_descent", "descent.py")
    start = np.array([10.0, -5.0])
    # The second component is at rest from the start (step 0): it must not stop
    # the descent, only a step that is small in EVERY component does.
    x, history = descent.gradient_descent(lambda x: 2 * x * np.array([1.0, 0.0]), start, 0.2, n_iter=5)
    np.testing.assert_array_equal(start, [10.0, -5.0])
    assert len(history) == 6
    np.testing.assert_array_equal(history[0], start)
    for earlier, later in itertools.combinations([start, *history], 2):
        assert earlier is not later and not np.shares_memory(earlier, later)
    np.testing.assert_allclose(history[1], [6.0, -5.0])
    np.testing.assert_allclose(x, [10.0 * 0.6 ** 5, -5.0])
    np.testing.assert_array_equal(x, history[-1])
    x, history = descent.gradient_descent(lambda x: np.zeros(2), start, 0.1)
    assert len(history) == 1 and history[0] is not start
    np.testing.assert_array_equal(x, start)


# ------------------------------------------------------------ course build --check

@pytest.mark.slow
def test_build_check_passes_on_the_committed_tree():
    result = run_course("build", "--check")
    assert result.returncode == 0, f"run `course build` and commit the release:\n{result.stderr}"
    assert "release is up to date" in result.stdout


@pytest.mark.slow
def test_build_check_names_an_edited_stub(tmp_path):
    for name in ("solutions", "assignments", "data"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "course.toml", tmp_path / "course.toml")
    course = load_course(tmp_path / "course.toml")
    build(course)  # the copy is now up to date, whatever the state of the working tree
    edited = tmp_path / "assignments" / "01_neuron" / "neuron.py"
    original = edited.read_text()
    edited.write_text(original.replace("raise NotImplementedError", "return 0.5  # raise NotImplementedError", 1))

    result = run_course("--course", tmp_path / "course.toml", "build", "--check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("stale:")] == \
        ["stale: assignments/01_neuron/neuron.py"], result.stderr
    assert "course build" in result.stderr

    assert build(course) == [edited] and edited.read_text() == original
    assert stale_files(course) == []


# ------------------------------------------------------------ autograder/build.py

SOURCE = '''"""A module."""
import math


def area(r):
    """The area of a circle of radius r."""
    ### BEGIN SOLUTION
    return math.pi * r ** 2
    ### END SOLUTION


def outer(x):
    """Outer docstring."""
    def inner(y):
        """Inner docstring."""
        ### BEGIN SOLUTION
        return y + 1
        ### END SOLUTION
    return inner(x)
'''


def test_make_stub_keeps_docstrings_and_raises_naming_the_function():
    out = make_stub(SOURCE, "shapes.py")
    assert '"""The area of a circle of radius r."""' in out and '"""Inner docstring."""' in out
    assert "math.pi" not in out and "return y + 1" not in out and "SOLUTION" not in out
    namespace = {}
    exec(compile(out, "shapes.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"area\(\) is not implemented yet: write it in shapes.py"):
        namespace["area"](2.0)
    with pytest.raises(NotImplementedError, match=r"inner\(\) is not implemented yet"):
        namespace["outer"](1)
    assert namespace["area"].__doc__ == "The area of a circle of radius r."
    assert out.startswith('"""A module."""\nimport math\n') and "    return inner(x)\n" in out


@pytest.mark.parametrize("source, line, what", [
    pytest.param("def f():\n    ### END SOLUTION\n", 2, "without", id="end-without-begin"),
    pytest.param("def f():\n    pass\n    ### BEGIN SOLUTION\n    return 1\n", 3, "never closed", id="never-closed"),
    pytest.param("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", 3, "inside another",
                 id="nested"),
    pytest.param("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", 1, "inside a function", id="outside-function"),
])
def test_bad_markers_raise_build_error_naming_file_and_line(source, line, what):
    with pytest.raises(BuildError, match=rf"^broken\.py:{line}: .*{what}"):
        make_stub(source, "broken.py")


def test_a_module_without_regions_is_an_error():
    with pytest.raises(BuildError, match=r"plain\.py: no ### BEGIN SOLUTION"):
        make_stub("def f():\n    return 1\n", "plain.py")
    with pytest.raises(BuildError, match=r"never closed"):
        strip_markers("### BEGIN SOLUTION\n")


def test_strip_markers_removes_only_marker_lines():
    source = ('def f(x):\n'
              '    """Twice x."""\n'
              '    ### BEGIN SOLUTION   \n'
              '    y = 2 * x\n'
              '\n'
              '    return y   \n'
              '    ### END SOLUTION\n'
              'z = 1\n')
    assert strip_markers(source) == ('def f(x):\n'
                                     '    """Twice x."""\n'
                                     '    y = 2 * x\n'
                                     '\n'
                                     '    return y   \n'
                                     'z = 1\n')


@pytest.mark.parametrize("mention", ['    """Mentions ### BEGIN SOLUTION in a docstring."""\n',
                                     '    y = x  # ### END SOLUTION is not alone here\n',
                                     'z = "### END SOLUTION!"\n', '# BEGIN HIDDEN TESTS\n'])
def test_a_marker_mentioned_outside_a_marker_line_is_refused_as_nbgrader_would_act_on_it(mention):
    """The release would carry it (check-release calls it a leak) and nbgrader would clear the line's cell."""
    source = 'def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n'
    with pytest.raises(BuildError, match=r"ref.py:2: '(BEGIN|END) (SOLUTION|HIDDEN TESTS)' outside a marker line"):
        strip_markers(source.replace("def f(x):\n", "def f(x):\n" + mention), "ref.py")


@pytest.mark.parametrize("assignment_id, module", [(a.id, m) for a in ASSIGNMENTS for m in a.modules])
def test_stubs_of_the_reference_keep_docstrings_and_leak_nothing(assignment_id, module):
    source = (COURSE.solution_dir(assignment_id) / module).read_text()
    out = make_stub(source, module)
    regions = solution_regions(source, module)
    lines = source.splitlines()
    inside = {n for begin, end in regions for n in range(begin + 1, end)}
    outside = {lines[n].strip() for n in range(len(lines)) if n not in inside}
    stub_lines = {line.strip() for line in out.splitlines()}
    leaked = [lines[n] for n in sorted(inside) if lines[n].strip() and lines[n].strip() not in outside
              and lines[n].strip() in stub_lines]
    assert not leaked, f"solution lines in the stub of {module}: {leaked}"
    assert out.count("raise NotImplementedError(") == len(regions)

    def docstrings(text):
        return {node.name: ast.get_docstring(node) for node in ast.walk(ast.parse(text))
                if isinstance(node, ast.FunctionDef)}
    assert docstrings(out) == docstrings(source)
    assert ast.get_docstring(ast.parse(out)) == ast.get_docstring(ast.parse(source))


# ------------------------------------------------------------ autograder/config.py

def write_course(tmp_path, old=None, new=None) -> Path:
    """The repo's course.toml in tmp_path, with the first `old` replaced by `new`."""
    text = (REPO / "course.toml").read_text()
    if old is not None:
        text, count = re.subn(old, new, text, count=1, flags=re.MULTILINE)
        assert count == 1, old
    path = tmp_path / "course.toml"
    path.write_text(text)
    return path


def config_error(path) -> str:
    with pytest.raises(CourseConfigError) as info:
        load_course(path)
    return str(info.value)


def test_the_course_toml_loads():
    """Every assignment of course.toml has its [api] entries and every [api] entry is an assignment's module
    (a new assignment is added to [api] as docs/authoring.md, section 4, says)."""
    assert not api_problems(COURSE, lecture.API), api_problems(COURSE, lecture.API)
    assert all(a.due is not None and a.due.utcoffset() is not None for a in ASSIGNMENTS[:6])
    assert all(a.due is None or a.due.utcoffset() is not None for a in ASSIGNMENTS)  # a new one may have none yet


def test_misspelt_key_names_file_key_and_suggestion(tmp_path):
    path = write_course(tmp_path, r"^points = 20$", "pionts = 20")
    message = config_error(path)
    assert str(path) in message
    assert "assignments[0].pionts: unknown key (did you mean 'points'?)" in message


def test_missing_required_key_is_named(tmp_path):
    path = write_course(tmp_path, r'^title = "A single neuron.*\n', "")
    message = config_error(path)
    assert f"{path}: assignments[0].title: missing required key" in message
    path = write_course(tmp_path, r'^term = .*\n', "")
    assert "course.term: missing required key" in config_error(path)


def test_bad_type_is_named(tmp_path):
    path = write_course(tmp_path, r"^points = 20$", 'points = "twenty"')
    message = config_error(path)
    assert f"{path}: assignments[0].points: 'twenty' is not of type 'number'" in message
    message = config_error(write_course(tmp_path, r"^seconds = 10$", "seconds = [10]"))
    assert "limits.seconds:" in message and "number" in message


def test_naive_due_date_is_rejected(tmp_path):
    message = config_error(write_course(tmp_path, r"^due = 2027-02-05T23:59:00Z$", "due = 2027-02-05T23:59:00"))
    assert "assignments[0].due" in message and "time zone" in message
    message = config_error(write_course(tmp_path, r"^due = 2027-02-05T23:59:00Z$", "due = 2027-02-05"))
    assert "assignments[0].due: must be a TOML date-time" in message


def test_mnist_dir_environment_overrides_the_toml(tmp_path, monkeypatch):
    path = write_course(tmp_path)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "nnfs" / "mnist"
    assert [p.path for p in load_course(path).mnist_places] == [(tmp_path / "../shared/data/mnist").resolve(), cache]
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "elsewhere"))
    assert [p.path for p in load_course(path).mnist_places] == [(tmp_path / "elsewhere").resolve(), cache]
    assert load_course(path).mnist_dir == cache, "where neither holds MNIST: the cache, where it is fetched"


def test_unknown_assignment_id_lists_the_known_ones():
    with pytest.raises(CourseConfigError) as info:
        COURSE.assignment("07_convnets")
    message = str(info.value)
    assert "'07_convnets'" in message
    assert all(a.id in message for a in ASSIGNMENTS)


def test_the_readme_names_the_assignments_that_have_plots():
    """The README tells students which folders have a provided plots.py: exactly those whose course.toml
    provides one (a scaffolded assignment has none until its author writes it)."""
    paragraph = next(p for p in (REPO / "README.md").read_text().split("\n\n") if "provided `plots.py`" in p)
    named = set(re.findall(r"\b\d\d_[a-z_]+[a-z]\b", paragraph))
    having = {a.id for a in ASSIGNMENTS if "plots.py" in a.provided}
    assert named == having, f"the README names {sorted(named)}; course.toml provides plots.py to {sorted(having)}"
    assert all((COURSE.release_dir(a) / "plots.py").is_file() for a in having)
