"""`course audit`: mutants from real student mistakes, the graders' kill rate, and whether a mistake is charged once."""
import re
import textwrap

import numpy as np
import pytest

from conftest import make_course, run_course
from autograder.audit.exceptions import AuditFileError, charged_elsewhere, reviewed_equivalents
from autograder.audit.mutate import OPERATORS, mutants
from autograder.primitives import solution_lines
from autograder.audit.run import FLOAT32, AuditReport, _random_like, _same, classify, print_report, show_mutant
from autograder.config import load_course
from autograder.engine.model import GRADED, SubmissionResult, TestResult


def _solution(body: str, signature: str = "f(x, y, params, rng)") -> str:
    return (f"import numpy as np\n\n\ndef {signature}:\n    \"\"\"Docstrings are not mutated.\"\"\"\n"
            f"    ### BEGIN SOLUTION\n{textwrap.indent(textwrap.dedent(body), '    ')}    ### END SOLUTION\n")


# operator: (a small solution body, a line its mutant must add)
MISTAKES = {
    "delete-raise": ("if x.shape != y.shape:\n    raise ValueError('shapes differ')\nreturn x @ y\n", None),
    "hoist-call": ("for _ in range(3):\n    for batch in np.array_split(rng.permutation(4), 2):\n"
                   "        x = x + batch.sum()\nreturn x\n", "+    hoisted = np.array_split(rng.permutation(4), 2)"),
    "dtype": ("return np.asarray(x, dtype=float)\n", "+    return np.asarray(x, dtype=np.float32)"),
    "float32-product": ("z = x @ y\nreturn z\n", "+    z = (x @ y).astype(np.float32)"),
    "in-place": ("return [p - 0.1 * g for p, g in zip(params, y)]\n",
                 "+    return [np.subtract(p, 0.1 * g, out=p) for p, g in zip(params, y)]"),
    "boundary": ("return np.all(np.abs(x) <= y)\n", "+    return np.all(np.abs(x) < y)"),
    "swap-axis": ("return x.mean(axis=1, keepdims=True)\n", "+    return x.mean(axis=0, keepdims=True)"),
    "drop-keepdims": ("return x.mean(axis=1, keepdims=True)\n", "+    return x.mean(axis=1)"),
    "all-axes": ("return x.mean(axis=1, keepdims=True)\n", "+    return x.mean(keepdims=True)"),
    "sum-mean": ("return x.mean(axis=1, keepdims=True)\n", "+    return x.sum(axis=1, keepdims=True)"),
    "flip-sign": ("return x - y\n", "+    return y - x"),
    "off-by-one": ("return [x[k:k + 2] for k in range(0, 6, 2)]\n",
                   "+    return [x[k:k + 2] for k in range(0, 6 + 1, 2)]"),
    "factor": ("return 2.0 * (x - y)\n", "+    return 1.0 * (x - y)"),
    "one-sided": ("x[0] = y + params\nf_plus = x.sum()\nx[0] = y - params\nf_minus = x.sum()\n"
                  "return (f_plus - f_minus) / (2 * params)\n", None),
    "floor-division": ("return x / y\n", "+    return x // y"),
    "swap-operator": ("return x + y\n", "+    return x - y"),
    "drop-term": ("return x + y\n", "+    return x"),
    "drop-transpose": ("return x.T @ y\n", "+    return x @ y"),
    "constant": ("return x + 3\n", "+    return x + 4"),
    "swap-arguments": ("return np.maximum(x, y)\n", "+    return np.maximum(y, x)"),
}


def test_every_operator_is_exercised_here():
    assert set(MISTAKES) == set(OPERATORS)


@pytest.mark.parametrize("operator", sorted(MISTAKES))
def test_each_operator_makes_the_mistake_it_names(operator):
    body, added = MISTAKES[operator]
    source = _solution(body)
    made = [m for m in mutants(source, "f.py", max_per_operator=99) if m.operator == operator]
    assert made, f"{operator} made nothing of:\n{body}"
    for mutant in made:
        compile(mutant.source, mutant.id, "exec")
        assert "### BEGIN SOLUTION" in mutant.source, "the mutant is the reference file with only the change"
        assert mutant.diff.startswith("--- a/f.py\n+++ b/f.py\n") and mutant.function == "f"
        assert source.splitlines()[mutant.line - 1].strip(), mutant.line
    diffs = "\n".join(m.diff for m in made)
    if operator == "delete-raise":
        assert "-    if x.shape != y.shape:" in diffs and "-        raise ValueError" in diffs
        assert "+" not in "".join(l[0] for l in made[0].diff.splitlines()[2:] if l)
    elif operator == "one-sided":
        assert "+    x[0] = y\n" in diffs and "/ (params)" in diffs, diffs
        assert any("forward difference" in m.description for m in made)
    else:
        assert added in diffs.splitlines(), diffs


def test_hoisting_leaves_calls_that_depend_on_the_loop_alone():
    source = _solution("for i in range(3):\n    x = x + np.sum(y[i])\n    for b in np.array_split(x, 2):\n"
                       "        y = y + b\nreturn x\n")
    assert not [m for m in mutants(source) if m.operator == "hoist-call"], "np.array_split(x, 2) depends on x"


def test_mutants_are_bounded_per_function_and_operator():
    body = "".join(f"x = x + {k}\n" for k in range(10)) + "return x\n"
    made = mutants(_solution(body), max_per_operator=2)
    per = {}
    for m in made:
        per[(m.function, m.operator)] = per.get((m.function, m.operator), 0) + 1
    assert max(per.values()) == 2 and per[("f", "constant")] == 2
    lines = sorted(m.line for m in made if m.operator == "constant")
    assert lines[0] < lines[-1], "chosen through the function, not only its first lines"
    assert [m.id for m in made] == [m.id for m in mutants(_solution(body), max_per_operator=2)], "stable"


def test_code_outside_solution_regions_and_docstrings_is_left_alone():
    source = "import numpy as np\n\n\ndef outside(x):\n    return x + 1\n\n\n" + _solution("return x + y\n")
    assert {m.function for m in mutants(source)} == {"f"}
    lines = solution_lines(source)
    assert {source.splitlines()[i - 1].strip() for i in lines} == {"return x + y"}


def test_a_variant_without_solution_regions_has_its_graded_functions_bodies_mutated():
    source = ('import numpy as np\n\n\ndef _helper(x):\n    return x + 1\n\n\ndef f(x, y):\n'
              '    """x + y, in a docstring."""\n    return _helper(x) + y - 1\n')
    assert not mutants(source), "no solution regions: nothing to mutate without functions"
    made = mutants(source, "variant.py", functions=["f", "g"])
    assert made and {m.function for m in made} == {"f"} and {m.line for m in made} == {10}, "not _helper"
    assert all("x + y, in a docstring." in m.source for m in made)


def test_answers_are_the_same_only_with_the_same_types_and_values():
    assert _same([np.ones(3), 2.0], [np.ones(3) + 1e-13, 2.0])
    assert not _same(1.0, np.float64(1.0)), "a numpy scalar is not a float"
    assert not _same(1.0, np.array(1.0)), "a 0-d array is not a float"
    assert not _same(np.ones((3, 1)), np.ones(3))
    assert not _same((1.0, 2.0), [1.0, 2.0])
    rounded = np.linspace(0.1, 3, 7).astype(np.float32).astype(float)
    assert not _same(np.linspace(0.1, 3, 7), rounded) and _same(np.linspace(0.1, 3, 7), rounded, FLOAT32)
    assert not _same(np.ones(3), np.ones(3, dtype=np.float32), FLOAT32), "a float32 result is a dtype mistake"
    rng = np.random.default_rng(0)
    fresh = _random_like((np.zeros((4, 2)), 3, 0.5), rng)
    assert fresh[0].shape == (4, 2) and fresh[1] == 3 and fresh[2] != 0.5


# -- charged once: the figures on cases whose answer is known ---------------------------------
def _graded(broken=(), **lost) -> SubmissionResult:
    """A graded result: each test is worth 2 and loses lost[name]; a test in broken lost all to the import."""
    lost.update({name: 2 for name in broken})
    tests = tuple(TestResult(name, name, 2 - lost.get(name, 0), 2, passed=not lost.get(name),
                             output="your module could not be imported: SyntaxError" if name in broken else "")
                  for name in ("test_f_values", "test_f_unchanged", "test_g_values", "test_orphan"))
    return SubmissionResult("s", "01_neuron", GRADED, 8, earned=sum(t.score for t in tests), tests=tests)


TESTS = {"test_f_values": "f", "test_f_unchanged": "f", "test_g_values": "g", "test_orphan": None}


def test_a_mutant_charged_in_another_functions_test_is_not_charged_once():
    f_mutant, g_mutant = (m for m in mutants(_solution("return x + y\n") + _solution("return x * y\n", "g(x, y)"))
                          if m.operator == "swap-operator")
    results = [classify(1, f_mutant, _graded(test_f_values=2, test_f_unchanged=1), TESTS, [], "01_neuron"),
               classify(2, f_mutant, _graded(test_f_values=2, test_g_values=2), TESTS, [], "01_neuron"),
               classify(3, g_mutant, _graded(test_g_values=1), TESTS, [], "01_neuron"),
               classify(4, g_mutant, _graded(test_g_values=2, test_orphan=0.5), TESTS, [], "01_neuron"),
               classify(5, f_mutant, _graded(), TESTS, [], "01_neuron"),
               classify(6, f_mutant, _graded(["test_g_values"], test_f_values=2), TESTS, [], "01_neuron")]
    assert [r.status for r in results] == ["killed"] * 4 + ["SURVIVED", "killed"]
    assert [r.charged_once for r in results] == [True, False, True, False, False, False]
    assert results[0].lost == 3 and [c.function for c in results[1].charges] == ["f", "g"]
    assert [c.function for c in results[3].elsewhere] == [None], "a test that grades no function is elsewhere"
    report = AuditReport("01_neuron", results)
    assert report.last_line() == "01_neuron: killed 5 of 6 mutants (83%); charged once: 2 of 5 (40%)"
    assert AuditReport("x", results[:1]).last_line() == "x: killed 1 of 1 mutants (100%); charged once: 1 of 1 (100%)"
    lines = []
    print_report(report, lines.append)
    text = "\n".join(lines)
    assert "NOT ONCE   #2 swap-operator" in text and "test_g_values -2 (g)" in text
    assert "test_orphan -0.5 (no graded function)" in text and "SURVIVED   #5" in text


def test_a_mutant_whose_every_failure_is_the_import_is_not_killed():
    mutant = mutants(_solution("return x + y\n"))[0]
    broken = _graded(list(TESTS))
    result = classify(1, mutant, broken, TESTS, [], "01_neuron")
    assert result.status == "does not import" and not result.charges and "could not be imported" in result.note
    assert AuditReport("01_neuron", [result]).last_line() == \
        "01_neuron: killed 0 of 0 mutants (100%); charged once: 0 of 0 (100%)"


# -- the reviewed lists: read, and checked with file:line: key messages ---------------------------
COURSE_TESTS = {"01_neuron": {"functions": ["f", "g"], "tests": TESTS}}
GOOD = """# why each is fair
[[charged_elsewhere]]
assignment = "01_neuron"
function = "f"
tests = ["test_g_values"]
why = "g is defined as f twice"
"""


def test_an_exception_explains_charges_elsewhere_but_does_not_count_as_once(tmp_path):
    path = tmp_path / "audit_exceptions.toml"
    path.write_text(GOOD)
    exceptions = charged_elsewhere(path, COURSE_TESTS, list(OPERATORS), "graders/audit_exceptions.toml")
    f_mutant = next(m for m in mutants(_solution("return x + y\n")) if m.function == "f")
    fair = classify(1, f_mutant, _graded(test_f_values=2, test_g_values=2), TESTS, exceptions, "01_neuron")
    unfair = classify(2, f_mutant, _graded(test_f_values=2, test_orphan=2), TESTS, exceptions, "01_neuron")
    assert fair.fair and fair.fair.why == "g is defined as f twice" and not fair.charged_once
    assert unfair.fair is None
    lines = []
    print_report(AuditReport("01_neuron", [fair, unfair]), lines.append)
    assert any(line.startswith("  fair ") and "(fair: g is defined as f twice)" in line for line in lines)
    assert any(line.startswith("  NOT ONCE ") for line in lines)


@pytest.mark.parametrize("change, where", [
    (("why = ", "reason = "), "6: key 'reason': unknown"),
    (('function = "f"', 'function = "h"'), "4: key 'function': 'h' is not a graded function of 01_neuron"),
    (('"test_g_values"', '"test_g_value"'), "5: key 'tests': 'test_g_value' is not a hidden test"),
    (('"test_g_values"', '"test_f_values"'), "5: key 'tests': 'test_f_values' is f's own test"),
    (('tests = ["test_g_values"]\n', ''), "2: key 'tests': missing"),
    (('"01_neuron"', '"01_neurons"'), "3: key 'assignment': '01_neurons' is not an assignment"),
    (('why = "g is defined as f twice"', 'why = ""'), "6: key 'why': must be a non-empty string"),
    (('why = "g', 'why = g'), "6: not valid TOML"),
])
def test_a_bad_exceptions_file_names_its_file_line_and_key(tmp_path, change, where):
    path = tmp_path / "audit_exceptions.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(AuditFileError) as error:
        charged_elsewhere(path, COURSE_TESTS, list(OPERATORS), "graders/audit_exceptions.toml")
    assert str(error.value).startswith(f"graders/audit_exceptions.toml:{where}"), str(error.value)


def test_reviewed_equivalents_are_read_and_checked(tmp_path):
    path = tmp_path / "audit_equivalent.toml"
    path.write_text('[[equivalent]]\nid = "f-constant-0123456789"\nwhy = "no mistake"\n')
    assert reviewed_equivalents(path) == {"f-constant-0123456789": "no mistake"}
    path.write_text('[[equivalent]]\nid = "f-constant-0123456789"\nwhy = "no mistake"\n\n'
                    '[[equivalent]]\nwhy = "no id"\n')
    with pytest.raises(AuditFileError, match=r"audit_equivalent.toml:5: key 'id': missing"):
        reviewed_equivalents(path, "audit_equivalent.toml")


# -- one real audit of a tiny assignment whose figures are known ----------------------------------
TINY_SOLUTION = '''"""Four functions; quadruple is built on double."""
import numpy as np


def double(x):
    """2 x."""
    ### BEGIN SOLUTION
    return 2.0 * x
    ### END SOLUTION


def quadruple(x):
    """4 x."""
    ### BEGIN SOLUTION
    return 2.0 * double(x)
    ### END SOLUTION


def square(x):
    """x squared."""
    ### BEGIN SOLUTION
    return x * x + 0.0
    ### END SOLUTION


def inverse(x):
    """1 / x; x = 0 raises ZeroDivisionError."""
    ### BEGIN SOLUTION
    if x == 0:
        raise ZeroDivisionError("0 has no inverse")
    return 1 / x
    ### END SOLUTION
'''
TINY_GRADER = '''import pytest

from autograder.engine.handle import StudentFailure
from autograder.toolkit import points


@points(8)
def test_double(student):
    """double(3) = 6"""
    assert student.double(3.0) == 6.0, "double(3.0) is not 6.0"


@points(8)
def test_quadruple(student):
    """quadruple(1) = 4"""
    assert student.quadruple(1.0) == 4.0, "quadruple(1.0) is not 4.0"


@points(2)
def test_square(student):
    """square(1) = 1 (too weak: x / x passes)"""
    assert student.square(1.0) == 1.0, "square(1.0) is not 1.0"


@points(2)
def test_inverse(student):
    """inverse(2) = 0.5; inverse(0) raises ZeroDivisionError (as 1 / 0 does without the check)"""
    assert student.inverse(2.0) == 0.5, "inverse(2.0) is not 0.5"
    with pytest.raises(StudentFailure):
        student.inverse(0.0)
'''
TINY_EXCEPTIONS = '''[[charged_elsewhere]]
assignment = "01_neuron"
function = "double"
tests = ["test_quadruple"]
operator = "factor"
why = "quadruple is 2 double(x): the test of a building block's use"
'''
# Correct variants in other styles ([audit] styles = "variants/{id}"): nested's quadruple calls double twice
# (a mistake in double is charged in quadruple's test too, with no exception for its operators); wrong does
# not score full marks and is skipped.
TINY_NESTED = '''import numpy as np


def double(x):
    return x + x


def quadruple(x):
    return double(double(x))


def square(x):
    return x ** 2


def inverse(x):
    if x == 0:
        raise ZeroDivisionError("0 has no inverse")
    return 1.0 / x
'''
TINY_WRONG = TINY_NESTED.replace("double(double(x))", "3.0 * x")


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    """The course with one assignment, 01_neuron, whose reference and graders are the tiny ones above
    (and two variants in other styles in variants/01_neuron/)."""
    root = tmp_path_factory.mktemp("tiny")
    toml = make_course(root / "course")
    text = toml.read_text()
    toml.write_text(text[:text.index("[[assignments]]", text.index('id = "01_neuron"'))])
    for name in ("solutions", "graders"):
        (root / "course" / name).unlink()
    (root / "course/solutions/01_neuron").mkdir(parents=True)
    (root / "course/solutions/01_neuron/neuron.py").write_text(TINY_SOLUTION)
    (root / "course/graders").mkdir()
    (root / "course/graders/pytest.ini").write_text("[pytest]\n")
    (root / "course/graders/test_01_neuron.py").write_text(TINY_GRADER)
    (root / "course/graders/audit_exceptions.toml").write_text(TINY_EXCEPTIONS)
    toml.write_text(toml.read_text() + '\n[audit]\nstyles = "variants/{id}"\n')
    (root / "course/variants/01_neuron").mkdir(parents=True)
    (root / "course/variants/01_neuron/nested.py").write_text(TINY_NESTED)
    (root / "course/variants/01_neuron/wrong.py").write_text(TINY_WRONG)
    return toml


@pytest.fixture(scope="module")
def tiny_listing(tiny_course):
    return run_course("audit", "01_neuron", "--list", "--fail-under-once", "79", course=tiny_course, timeout=300)


def test_the_last_line_counts_kills_and_charges_once_on_a_known_case(tiny_listing):
    """double's 4 mutants are killed; 3 of them (1.0 x, 4.0 x, x) also fail quadruple's test, 2.0 / x does not;
    quadruple's 4 are killed in its own test; square's x / x survives, 2 are equivalent, 2 are killed;
    inverse's 4 are killed in its own test, 2 are equivalent (one the deleted check: 1 / 0 refuses 0 too)."""
    assert tiny_listing.returncode == 1, "Q = 78% is under --fail-under-once 79: " + tiny_listing.stderr[-2000:]
    last = tiny_listing.stdout.strip().splitlines()[-1]
    assert last == "01_neuron: killed 14 of 15 mutants (93%); charged once: 11 of 14 (78%)", tiny_listing.stdout


def test_list_prints_every_mutant_with_operator_location_points_and_tests(tiny_listing):
    out = tiny_listing.stdout
    entries = re.findall(r"^  #(\d+) +(\S+(?: \S+)?) +(\S+) +solutions/01_neuron/neuron.py:(\d+) \((\w+)\): (.*)\n"
                         r" +(.*)$", out, re.M)
    assert [int(e[0]) for e in entries] == list(range(1, 20)), out
    by = {(e[4], e[6].split("[")[0].strip()) for e in entries}
    assert ("double", "lost 16: test_double -8, test_quadruple -8 (quadruple)") in by, out
    assert ("double", "lost 8: test_double -8") in by and ("square", "lost nothing") in by
    fair = [e for e in entries if "charged elsewhere, fair: quadruple is 2 double(x)" in e[6]]
    assert len(fair) == 3 and {e[2] for e in fair} == {"factor"} and {e[3] for e in fair} == {"8"}
    assert sum(e[1] == "equivalent" for e in entries) == 4 and sum(e[1] == "SURVIVED" for e in entries) == 1
    deleted = next(e for e in entries if e[2] == "delete-raise")
    assert deleted[1] == "equivalent" and deleted[4] == "inverse" and "refusals included" in deleted[6]
    survivor = next(e for e in entries if e[1] == "SURVIVED")
    assert survivor[2] == "swap-operator" and survivor[3] == "22" and survivor[5] == "* -> / in x * x"


def test_show_prints_one_mutant_as_a_diff_against_the_reference(tiny_course, tiny_listing):
    number = re.search(r"^  #(\d+) +SURVIVED", tiny_listing.stdout, re.M)[1]
    done = run_course("audit", "01_neuron", "--show", number, course=tiny_course, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"#{number} square-swap-operator-") and "neuron.py:22 (square)" in lines[0]
    assert "--- a/solutions/01_neuron/neuron.py" in lines and "-    return x * x + 0.0" in lines
    assert "+    return x / x + 0.0" in lines
    missing = run_course("audit", "01_neuron", "--show", "99", course=tiny_course, timeout=120)
    assert missing.returncode == 2 and "has 19 mutants (1 to 19)" in missing.stderr
    course = load_course(tiny_course)
    mutant_id = lines[0].split()[1].rstrip(":")
    assert show_mutant(course, course.assignment("01_neuron"), mutant_id) == done.stdout.rstrip("\n"), "by its id too"


def test_a_bad_exceptions_file_stops_the_audit_before_grading(tmp_path):
    toml = make_course(tmp_path / "course")
    graders = tmp_path / "course" / "graders"
    graders.unlink()
    graders.mkdir()
    from conftest import REPO
    for path in (REPO / "graders").iterdir():
        if path.name != "audit_exceptions.toml":  # written below, in this copy only
            (graders / path.name).symlink_to(path)
    (graders / "audit_exceptions.toml").write_text(
        '[[charged_elsewhere]]\nassignment = "01_neuron"\nfunction = "sigmoid"\ntests = ["test_no_such"]\nwhy = "x"\n')
    done = run_course("audit", "01_neuron", course=toml, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "graders/audit_exceptions.toml:4: key 'tests': 'test_no_such' is not a hidden test" in done.stderr
    assert "grading" not in done.stdout


@pytest.mark.slow
def test_audit_of_01_neuron_ends_with_the_line():
    done = run_course("audit", "01_neuron", timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"01_neuron: killed (\d+) of (\d+) mutants \((\d+)%\); charged once: (\d+) of (\d+) "
                         r"\((\d+)%\)", last)
    assert match, last
    assert int(match[2]) >= 30 and int(match[5]) == int(match[1]) and int(match[4]) <= int(match[1])
    assert "hand-written corpus: caught" in done.stdout


def test_graders_that_fail_the_reference_stop_the_audit_with_the_reason(tmp_path):
    """A kill rate is meaningless when the graders reject the reference itself: the audit says so (exit 3)."""
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


@pytest.fixture(scope="module")
def tiny_styles(tiny_course):
    return run_course("audit", "01_neuron", "--styles", "--list", "--jobs", "1", course=tiny_course, timeout=300)


def test_styles_audit_the_correct_variants_with_a_second_line(tiny_styles):
    """nested's double(x) = x + x has 3 mutants, each charged in quadruple's test too (quadruple calls it twice;
    the exception covers only factor mutants): the reference's double is a style where this is fair, nested's
    is not; square's x ** 3 survives (square(1) = 1); inverse's 4 are killed in its own test, 2 are equivalent
    to nested itself. wrong.py does not score full marks: reported, and its mutants not made."""
    out = tiny_styles.stdout
    lines = out.strip().splitlines()
    assert tiny_styles.returncode == 0, tiny_styles.stderr[-2000:]
    assert "01_neuron: killed 14 of 15 mutants (93%); charged once: 11 of 14 (78%)" in lines, \
        "the reference's line is unchanged: " + out
    assert lines[-1] == "01_neuron (other styles, 1 variant): killed 7 of 8 mutants (87%); charged once: 4 of 7 (57%)"
    entries = re.findall(r"^  #nested:(\d+) +(\S+(?: \S+)?) +(\S+) +variants/01_neuron/nested.py:(\d+) \((\w+)\): .*\n"
                         r" +(.*)$", out, re.M)
    assert [int(e[0]) for e in entries] == list(range(1, 11)), out
    twice = [e for e in entries if "NOT CHARGED ONCE" in e[5]]
    assert {e[4] for e in twice} == {"double"} and len(twice) == 3, out
    assert all("test_double -8, test_quadruple -8 (quadruple)" in e[5] for e in twice)
    assert [(e[1], e[4]) for e in entries if e[1] != "killed"] == [
        ("SURVIVED", "square"), ("equivalent", "inverse"), ("equivalent", "inverse")], out
    assert "answers as the variant nested on every input tried" in out
    skipped = next(line for line in lines if "skipped variant" in line)
    assert "variants/01_neuron/wrong.py: scores 12 of 20" in skipped and "quadruple(1.0) is not 4.0" in skipped
    assert "#wrong:" not in out


def test_show_prints_a_variants_mutant_as_a_diff_against_the_variant(tiny_course, tiny_styles):
    survivor = re.search(r"^  #(nested:\d+) +SURVIVED", tiny_styles.stdout, re.M)[1]
    done = run_course("audit", "01_neuron", "--show", survivor, course=tiny_course, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"#{survivor} square-constant-"), done.stdout
    assert "--- a/variants/01_neuron/nested.py" in done.stdout and "+    return x ** 3" in done.stdout.splitlines()
    missing = run_course("audit", "01_neuron", "--show", "loops:1", course=tiny_course, timeout=120)
    assert missing.returncode == 2 and "no correct variant 'loops' in variants/01_neuron (nested, wrong)" \
        in missing.stderr, missing.stderr
