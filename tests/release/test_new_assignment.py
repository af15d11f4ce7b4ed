"""A new assignment is as good as the six: scaffolded with `course new` in a copy of the course,
given a small real function, it builds, its check.py knows its calls (from the docstring
examples), it grades, code that computes nothing scores 0 on it, whenever its check.py says
READY the grader gives no structural zero, and `course audit` measures its graders, with no
table to fill in anywhere but the guide's [api] line and no hand-written corpus.

Its id and module are free in whatever course.toml the repository has (the next number).
"""
import itertools
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograder.config import load_course
from conftest import REPO, run_course
from test_authoring import GUIDE, copied_course, guide_steps, results, submit
from test_course_content import api_problems


def free_names(course_toml: Path) -> tuple[str, str]:
    """An assignment id numbered after the course's last (NN_probe) and a module name no assignment of the course
    uses, neither with a file in the way."""
    course = load_course(course_toml)
    root = course_toml.parent
    used = {int(a.id[:2]) for a in course.assignments}

    def free(number):
        name = f"{number:02d}_probe"
        return number not in used and not any(
            (root / path).exists() for path in (f"solutions/{name}", f"assignments/{name}", f"notebooks/{name}.py",
                                                f"graders/test_{name}.py"))
    number = next(n for n in (*range(max(used, default=0) + 1, 100), *range(100)) if free(n))
    modules = {Path(m).name for a in course.assignments for m in (*a.modules, *a.provided)}
    module = next(name for k in itertools.count() if (name := "probe" + "_x" * k + ".py") not in modules)
    return f"{number:02d}_probe", module


ID, MODULE = free_names(REPO / "course.toml")

SOFTMAX = '''

def softmax(z):
    """The softmax of each column of z: e^z_i / (e^z_1 + ... + e^z_n).

    z: (n, m) weighted inputs of the output layer, one column per example.
    Returns (n, m): positive numbers, each column adding up to 1.

    Examples:

    >>> softmax(np.zeros((2, 1)))
    array([[0.5],
           [0.5]])
    >>> softmax(np.arange(12.0).reshape(4, 3)).shape
    (4, 3)
    """
    ### BEGIN SOLUTION
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
    ### END SOLUTION
'''

GRADER = '''


@points(0)
def test_softmax_random(student, reference, rng):
    """softmax(z) on random batches: each column adds up to 1"""
    for n, m in ((3, 1), (5, 4)):
        z = rng.normal(size=(n, m))
        compare(student.softmax(z), reference.softmax(z), f"softmax(z) for z of shape {(n, m)}")
'''


@pytest.fixture(scope="module")
def new_course(tmp_path_factory):
    """A copy of the course with ID scaffolded, softmax written into it, and built."""
    tmp = tmp_path_factory.mktemp("new_assignment")
    path = copied_course(tmp / "course")
    root = path.parent
    made = run_course("new", ID, "--title", "Softmax: the output layer as probabilities",
                      "--module", MODULE, course=path)
    assert made.returncode == 0, made.stderr
    reference = root / f"solutions/{ID}/{MODULE}"
    reference.write_text(reference.read_text() + SOFTMAX)
    grader = root / f"graders/test_{ID}.py"
    grader.write_text(grader.read_text() + GRADER)
    built = run_course("build", course=path)
    assert built.returncode == 0, built.stdout + built.stderr
    return path


def release_with(course_path, tmp_path, source):
    folder = tmp_path / ID
    shutil.copytree(course_path.parent / f"assignments/{ID}", folder)
    if source is not None:
        (folder / MODULE).write_text(source)
    return folder


def check(folder):
    return subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300)


def last_line(done):
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_check_py_of_a_new_assignment_knows_its_calls(new_course, tmp_path):
    reference = (new_course.parent / f"solutions/{ID}/{MODULE}").read_text()
    on_reference = check(release_with(new_course, tmp_path / "ref", reference))
    assert on_reference.returncode == 0, on_reference.stdout
    assert re.search(r"ok +softmax +2 calls from its docstring's examples", on_reference.stdout), on_reference.stdout

    on_stub = check(release_with(new_course, tmp_path / "stub", None))
    assert on_stub.returncode == 1, on_stub.stdout
    assert re.search(r"FAIL +softmax +still raises NotImplementedError", on_stub.stdout), on_stub.stdout

    variants = {
        "misnamed": (reference.replace("def softmax(", "def soft_max("), f"{MODULE} has no function softmax"),
        "wrong shape": (reference.replace("return e / e.sum(axis=0, keepdims=True)",
                                          "return (e / e.sum(axis=0, keepdims=True)).ravel()"),
                        "softmax returned an array of shape (2,); the docstring asks for shape (2, 1)"),
        "a list": (reference.replace("return e / e.sum(axis=0, keepdims=True)",
                                     "return (e / e.sum(axis=0, keepdims=True)).tolist()"),
                   "softmax returned a list of 2 items, but the docstring asks for a numpy array of shape (2, 1)"),
        "mutating": (reference.replace("e = np.exp(z - z.max(axis=0, keepdims=True))",
                                       "z -= z.max(axis=0, keepdims=True)\n    e = np.exp(z)"),
                     "softmax changed its input (z)"),
    }
    for name, (source, message) in variants.items():
        done = check(release_with(new_course, tmp_path / name.replace(" ", "_"), source))
        assert done.returncode == 1 and message in last_line(done), (name, done.stdout)


@pytest.mark.slow
def test_a_new_assignment_grades_and_audits(new_course, tmp_path):
    root = new_course.parent
    subs, out = tmp_path / "submitted", tmp_path / "out"
    submit(subs, "ref", (root / f"solutions/{ID}/{MODULE}").read_text(), ID, MODULE)
    submit(subs, "stub", (root / f"assignments/{ID}/{MODULE}").read_text(), ID, MODULE)
    graded = run_course("grade", "--assignment", ID, subs, "--out", out, "--quiet", course=new_course)
    assert graded.returncode == 0, graded.stderr
    assert (results(out, "ref", ID)["score"], results(out, "stub", ID)["score"]) == (10, 0)

    shown = run_course("show", ID, course=new_course)
    assert shown.returncode == 0, shown.stderr
    weighted_sum_part = shown.stdout[:shown.stdout.index("=== softmax")]
    assert "'Returns a float'" in weighted_sum_part and "UNCHECKED" not in weighted_sum_part, weighted_sum_part

    audited = run_course("audit", ID, course=new_course)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert re.search(rf"^{ID}: killed \d+ of \d+ mutants \(\d+%\)", audited.stdout, re.M), audited.stdout


def test_a_reference_function_without_an_example_stops_the_build(new_course, tmp_path):
    course = copied_course(tmp_path / "course")
    shutil.copytree(new_course.parent / f"solutions/{ID}", course.parent / f"solutions/{ID}")
    shutil.copy(new_course.parent / f"graders/test_{ID}.py", course.parent / f"graders/test_{ID}.py")
    shutil.copy(new_course.parent / f"notebooks/{ID}.py", course.parent / f"notebooks/{ID}.py")
    shutil.copytree(new_course.parent / f"assignments/{ID}", course.parent / f"assignments/{ID}")
    course.write_text(new_course.read_text())
    reference = course.parent / f"solutions/{ID}/{MODULE}"
    text = reference.read_text()
    reference.write_text(text[:text.index("    Examples:\n\n    >>> softmax")] + '    """\n'
                         + text[text.index("    ### BEGIN SOLUTION\n    e = np.exp"):])
    done = run_course("build", course=course)
    assert done.returncode == 2
    assert f"{MODULE}: softmax has no example in its docstring" in done.stderr, done.stderr

    reference.write_text(text.replace("array([[0.5],\n           [0.5]])", "array([[0.25],\n           [0.75]])"))
    done = run_course("build", course=course)
    assert done.returncode == 2
    assert "the example `softmax(np.zeros((2, 1)))` of softmax shows" in done.stderr, done.stderr


def test_pulling_the_new_unedited_notebook_changes_no_source(new_course):
    source = new_course.parent / f"notebooks/{ID}.py"
    before = source.read_text()
    done = run_course("notebook", "pull", ID, course=new_course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert source.read_text() == before


def test_the_guides_api_step_makes_the_new_assignment_follow_course_toml(new_course):
    """docs/authoring.md, section 4: the new module's line appended to autograder/toolkit/lecture.toml (its [api]
    is the last table); without it the repository's test of [api] against course.toml names the missing entry."""
    course = load_course(new_course)
    key = f"{ID}/{MODULE}"
    lecture_toml = (REPO / "autograder/toolkit/lecture.toml").read_text()
    assert api_problems(course, tomllib.loads(lecture_toml)["api"]) == [
        f"[api] has no entry {key!r}, a module course.toml grades"]
    step = [text for kind, path, text in guide_steps(GUIDE.read_text())
            if (kind, path) == ("append", "autograder/toolkit/lecture.toml")]
    assert len(step) == 1 and step[0].startswith('"07_layer/layer.py" = ["weighted_sum(w, a)", "layer(W, a, b)"]'), step
    ours = step[0].replace('"07_layer/layer.py"', f'"{key}"').replace('"layer(W, a, b)"', '"softmax(z)"')
    api = tomllib.loads(lecture_toml + ours)["api"]
    assert api[key] == ["weighted_sum(w, a)", "softmax(z)"] and api_problems(course, api) == []
    api[key] = ["weighted_sum(w, a)", "softmax(x)"]
    assert api_problems(course, api) == [f"[api] {key!r}: 'softmax(x)', but the reference has softmax(z)"]


@pytest.mark.slow
def test_code_that_computes_nothing_scores_zero_on_a_new_assignment(new_course, tmp_path):
    """The trivial submissions and the attacks of tests/graders/test_graders.py reach an assignment of course.toml
    with no list to add it to, and its graders (the scaffold's and the author's) give them nothing."""
    from test_graders import ATTACKS, TRIVIAL, attack_module, attacks_on, trivial_module

    course = load_course(new_course)
    assert attacks_on(ID, course) == list(ATTACKS)
    reference = (new_course.parent / f"solutions/{ID}/{MODULE}").read_text()
    texts = {f"trivial-{name}": trivial_module(reference, body) for name, body in TRIVIAL.items()}
    texts.update({f"attack-{name}": attack_module(reference, ATTACKS[name]) for name in attacks_on(ID, course)})
    texts["reference"] = reference
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student, text in texts.items():
        submit(subs, student, text, ID, MODULE)
    graded = run_course("grade", "--assignment", ID, subs, "--out", out, "--jobs", "2", "--quiet", course=new_course)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert results(out, "reference", ID)["score"] == 10
    for student in texts.keys() - {"reference"}:
        got = results(out, student, ID)
        assert got["extra_data"]["status"] == "graded", (student, got["output"][:300])
        assert got["score"] == 0, (student, [t["extra_data"]["test"] for t in got["tests"] if t["score"]])


# Mistakes of value, not of form, that the public tests (one example each) miss: check.py says READY (it compares
# types and shapes), the grader charges them without a structural zero.
MISTAKES = {
    "softmax-over-rows": ("return e / e.sum(axis=0, keepdims=True)", "return e / e.sum(axis=1, keepdims=True)"),
    "softmax-float32": ("return e / e.sum(axis=0, keepdims=True)",
                        "return (e / e.sum(axis=0, keepdims=True)).astype(np.float32)"),
    "weighted-sum-reversed": ("return float(np.sum(w * a))", "return float(np.sum(w * a[::-1]))"),
}


@pytest.mark.slow
def test_whenever_check_says_ready_the_grader_gives_no_structural_zero_on_a_new_assignment(new_course, tmp_path):
    from test_check import corpus, ready_means_no_structural_zero

    course = load_course(new_course)
    reference = (new_course.parent / f"solutions/{ID}/{MODULE}").read_text()
    submissions = corpus(ID, course)
    for name, (right, wrong) in MISTAKES.items():
        assert right in reference, name
        submissions[f"mutant-{name}"] = (reference.replace(right, wrong), {})
    submissions["mutant-mutating-softmax"] = (reference.replace(
        "e = np.exp(z - z.max(axis=0, keepdims=True))", "z -= z.max(axis=0, keepdims=True)\n    e = np.exp(z)"), {})
    ready = ready_means_no_structural_zero(course, ID, submissions, tmp_path)
    assert {f"mutant-{name}" for name in MISTAKES} <= set(ready), sorted(ready)
    assert "mutant-mutating-softmax" not in ready and not any(s.startswith("trivial-") for s in ready), sorted(ready)
