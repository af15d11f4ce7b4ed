"""A new assignment is as good as the six: scaffolded with `course new` in a copy of the course,
given a small real function, it builds, its check.py knows its calls (from the docstring
examples), it grades, and `course audit` measures its graders, with no table to fill in
anywhere else and no hand-written corpus.
"""
import re
import shutil
import subprocess
import sys

import pytest

from conftest import run_course
from test_authoring import copied_course, results, submit

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
    """A copy of the course with 07_probe scaffolded, softmax written into it, and built."""
    from autograder.config import load_course

    from conftest import REPO

    taken = load_course(REPO / "course.toml")
    if "07_probe" in {a.id for a in taken.assignments} or "probe.py" in {m for a in taken.assignments for m in a.modules}:
        pytest.skip("the course already has an assignment 07_probe or a module probe.py: this test scaffolds them")
    tmp = tmp_path_factory.mktemp("new_assignment")
    path = copied_course(tmp / "course")
    root = path.parent
    made = run_course("new", "07_probe", "--title", "Softmax: the output layer as probabilities",
                      "--module", "probe.py", course=path)
    assert made.returncode == 0, made.stderr
    reference = root / "solutions/07_probe/probe.py"
    reference.write_text(reference.read_text() + SOFTMAX)
    grader = root / "graders/test_07_probe.py"
    grader.write_text(grader.read_text() + GRADER)
    built = run_course("build", course=path)
    assert built.returncode == 0, built.stdout + built.stderr
    return path


def release_with(course_path, tmp_path, source):
    folder = tmp_path / "07_probe"
    shutil.copytree(course_path.parent / "assignments/07_probe", folder)
    if source is not None:
        (folder / "probe.py").write_text(source)
    return folder


def check(folder):
    return subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300)


def last_line(done):
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_check_py_of_a_new_assignment_knows_its_calls(new_course, tmp_path):
    reference = (new_course.parent / "solutions/07_probe/probe.py").read_text()
    on_reference = check(release_with(new_course, tmp_path / "ref", reference))
    assert on_reference.returncode == 0, on_reference.stdout
    assert re.search(r"ok +softmax +2 calls from its docstring's examples", on_reference.stdout), on_reference.stdout

    on_stub = check(release_with(new_course, tmp_path / "stub", None))
    assert on_stub.returncode == 1, on_stub.stdout
    assert re.search(r"FAIL +softmax +still raises NotImplementedError", on_stub.stdout), on_stub.stdout

    variants = {
        "misnamed": (reference.replace("def softmax(", "def soft_max("), "probe.py has no function softmax"),
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
    submit(subs, "ref", (root / "solutions/07_probe/probe.py").read_text(), "07_probe", "probe.py")
    submit(subs, "stub", (root / "assignments/07_probe/probe.py").read_text(), "07_probe", "probe.py")
    graded = run_course("grade", "--assignment", "07_probe", subs, "--out", out, "--quiet", course=new_course)
    assert graded.returncode == 0, graded.stderr
    assert (results(out, "ref", "07_probe")["score"], results(out, "stub", "07_probe")["score"]) == (10, 0)

    shown = run_course("show", "07_probe", course=new_course)
    assert shown.returncode == 0, shown.stderr
    weighted_sum_part = shown.stdout[:shown.stdout.index("=== softmax")]
    assert "'Returns a float'" in weighted_sum_part and "UNCHECKED" not in weighted_sum_part, weighted_sum_part

    audited = run_course("audit", "07_probe", course=new_course)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert re.search(r"^07_probe: killed \d+ of \d+ mutants \(\d+%\)", audited.stdout, re.M), audited.stdout


def test_a_reference_function_without_an_example_stops_the_build(new_course, tmp_path):
    course = copied_course(tmp_path / "course")
    shutil.copytree(new_course.parent / "solutions/07_probe", course.parent / "solutions/07_probe")
    shutil.copy(new_course.parent / "graders/test_07_probe.py", course.parent / "graders/test_07_probe.py")
    shutil.copy(new_course.parent / "notebooks/07_probe.py", course.parent / "notebooks/07_probe.py")
    shutil.copytree(new_course.parent / "assignments/07_probe", course.parent / "assignments/07_probe")
    course.write_text(new_course.read_text())
    reference = course.parent / "solutions/07_probe/probe.py"
    text = reference.read_text()
    reference.write_text(text[:text.index("    Examples:\n\n    >>> softmax")] + '    """\n'
                         + text[text.index("    ### BEGIN SOLUTION\n    e = np.exp"):])
    done = run_course("build", course=course)
    assert done.returncode == 2
    assert "probe.py: softmax has no example in its docstring" in done.stderr, done.stderr

    reference.write_text(text.replace("array([[0.5],\n           [0.5]])", "array([[0.25],\n           [0.75]])"))
    done = run_course("build", course=course)
    assert done.returncode == 2
    assert "the example `softmax(np.zeros((2, 1)))` of softmax shows" in done.stderr, done.stderr


def test_pulling_the_new_unedited_notebook_changes_no_source(new_course):
    source = new_course.parent / "notebooks/07_probe.py"
    before = source.read_text()
    done = run_course("notebook", "pull", "07_probe", course=new_course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert source.read_text() == before
