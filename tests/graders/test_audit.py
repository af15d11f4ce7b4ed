"""`course audit`: mutants of the reference, and the graders' kill rate."""
import re

import numpy as np
import pytest

from conftest import run_course
from autograder.audit.mutate import mutants, solution_lines
from autograder.audit.run import _random_like, _same

SOURCE = '''import numpy as np


def outside(x):
    return x + 1


def inside(W, a, b):
    """Docstrings are not mutated."""
    ### BEGIN SOLUTION
    z = W.T @ a - b
    total = np.sum(z, axis=0) * 2.5
    for i in range(3):
        total = total / 2
    return np.maximum(0.0, total[1:]), -z, z > 0
    ### END SOLUTION
'''


def test_every_operator_makes_a_slip_inside_solution_regions_only():
    found = mutants(SOURCE)
    operators = {m.operator for m in found}
    assert operators >= {"swap-operator", "drop-term", "sum-mean", "axis", "drop-transpose", "constant",
                         "off-by-one", "swap-arguments", "drop-minus"}
    assert all(m.function == "inside" for m in found), "code outside the solution regions is left alone"
    diffs = {m.description: m.diff for m in found}
    assert "+    z = W @ a - b\n" in diffs["drop the transpose in W.T"]
    assert "np.mean(z, axis=0)" in diffs["sum -> mean in np.sum(z, axis=0)"]
    assert "range(3 - 1)" in next(d for k, d in diffs.items() if k.startswith("range end -1"))
    for mutant in found:
        compile(mutant.source, mutant.id, "exec")
        assert mutant.source != SOURCE and mutant.diff.count("\n+") >= 1
    assert len({m.id for m in found}) == len(found) and [m.id for m in mutants(SOURCE)] == [m.id for m in found]


def test_solution_lines_are_those_between_the_markers():
    lines = solution_lines(SOURCE)
    text = SOURCE.splitlines()
    assert {text[i - 1].strip() for i in lines} >= {"z = W.T @ a - b", "return np.maximum(0.0, total[1:]), -z, z > 0"}
    assert not any("BEGIN" in text[i - 1] or "def " in text[i - 1] for i in lines)


def test_answers_are_the_same_only_with_the_same_types_and_values():
    assert _same([np.ones(3), 2.0], [np.ones(3) + 1e-13, 2.0])
    assert not _same(1.0, np.float64(1.0)), "a numpy scalar is not a float"
    assert not _same(1.0, np.array(1.0)), "a 0-d array is not a float"
    assert not _same(np.ones((3, 1)), np.ones(3))
    assert not _same((1.0, 2.0), [1.0, 2.0])
    rng = np.random.default_rng(0)
    fresh = _random_like((np.zeros((4, 2)), 3, 0.5), rng)
    assert fresh[0].shape == (4, 2) and fresh[1] == 3 and fresh[2] != 0.5


@pytest.mark.slow
def test_audit_of_01_neuron_kills_at_least_95_percent_and_ends_with_the_line():
    done = run_course("audit", "01_neuron", "--fail-under", "95", timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"01_neuron: killed (\d+) of (\d+) mutants \((\d+)%\)", last)
    assert match, last
    killed, total = int(match[1]), int(match[2])
    assert total >= 10 and killed / total >= 0.95
    assert "hand-written corpus: caught" in done.stdout


def test_graders_that_fail_the_reference_stop_the_audit_with_the_reason(tmp_path):
    """A kill rate is meaningless when the graders reject the reference itself: the audit says so (exit 3)."""
    from conftest import make_course

    toml = make_course(tmp_path / "course")
    graders = tmp_path / "course" / "graders"
    graders.unlink()
    graders.mkdir()
    (graders / "pytest.ini").write_text("[pytest]\n")
    (graders / "test_01_neuron.py").write_text(
        "import pytest\n\n\n@pytest.mark.points(20)\ndef test_never_pleased(student):\n"
        "    assert False, 'nothing is ever right'\n")
    done = run_course("audit", "01_neuron", course=toml, timeout=900)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the reference scores 0 of 20" in done.stderr and "nothing is ever right" in done.stderr
    assert "killed" not in done.stdout
