"""The toolkit's scoring rules (docs/graders.md, "Grades that are earned"), unit by unit:
nothing for nothing, a mistake charged once (the ledger), feedback that says what happened."""
import numpy as np
import pytest

from autograder.engine.handle import Call, StudentError
from autograder.toolkit import (Mistake, blame, compare, computes_nothing, computes_on, expect_computes,
                                expect_computes_on, expect_unchanged)


class Handle:
    """Stands for the engine's student handle: the ledger keys on the object."""


def test_code_that_computes_nothing_is_told_apart_from_wrong_code():
    z1, z2 = np.array([[1.0], [-2.0]]), np.array([[0.5], [3.0], [4.0]])
    assert computes_nothing([None, None]) == "it returned None"
    assert computes_nothing([0.25, 0.25]) == "it returned 0.25 everywhere, whatever its input"
    assert "everywhere" in computes_nothing([np.full((2, 1), 0.75), np.full((3, 1), 0.75)])
    assert computes_nothing([z1.copy(), z2.copy()], [z1, z2]) == "it returned its input unchanged"
    assert computes_nothing([np.ones(3), np.ones(3)]) != ""  # one number everywhere
    assert computes_nothing([-z1, -z2], [z1, z2]) == ""  # wrong, but computed from the input
    assert computes_nothing([1.2, 3.4]) == ""
    with pytest.raises(AssertionError, match="sigmoid: it returned None, so this test has nothing"):
        expect_computes([None], "sigmoid")


def test_unchanged_fails_only_on_a_real_change_and_names_round_off():
    x = np.random.default_rng(3).normal(size=(4, 3))
    expect_unchanged(x, x.copy(), "x")  # no change: passes
    nudged = x.copy()
    h = 1e-5
    for i in np.ndindex(x.shape):
        nudged[i] += h
        nudged[i] -= 2 * h
        nudged[i] += h
    assert not np.array_equal(nudged, x), "this x must not round-trip (choose another seed)"
    with pytest.raises(AssertionError, match="floating point does not round-trip"):
        expect_unchanged(x, nudged, "x")
    with pytest.raises(AssertionError, match="functions must not modify their arguments") as real:
        expect_unchanged(x, x + 1.0, "x")
    assert "round-trip" not in str(real.value)


def test_compare_names_a_low_precision_dtype_when_the_values_print_equal():
    expected = np.random.default_rng(5).normal(size=(3, 4)) * 1e-3
    got = (expected * (1 + 3e-6)).astype(np.float32)
    with pytest.raises(AssertionError, match="dtype float32") as failed:
        compare(got.astype(np.float64), expected, "grad_w[0]", rtol=1e-9, atol=1e-15, by_example=False,
                hint="Check the backward pass.", dtype=got.dtype)
    assert "Check the backward pass" not in str(failed.value)
    with pytest.raises(AssertionError, match="Check the backward pass"):  # really wrong: the hint as before
        compare(2 * expected, expected, "grad_w[0]", by_example=False, hint="Check the backward pass.")


def test_compare_names_float32_for_a_number_and_the_digits_it_keeps():
    """A float32 number agrees to about 7 digits, not 4: the message says so and names the dtype."""
    got = np.float32(1.0) / np.float32(3.0)
    for answer, dtype in ((got, None), (float(got), got.dtype)):  # the scalar itself, or converted with its dtype
        with pytest.raises(AssertionError, match="your number has dtype float32, which keeps about 7 digits") as failed:
            compare(answer, 1.0 / 3.0, "sigmoid(z) for a float z", rtol=1e-9, atol=1e-12, dtype=dtype)
        assert "4 digits" not in str(failed.value)
    with pytest.raises(AssertionError, match="to about 4 digits, not to the precision asked"):  # float64, slightly off
        compare(1.0 / 3.0 + 1e-6, 1.0 / 3.0, "sigmoid(z) for a float z", rtol=1e-9, atol=1e-12)


def test_the_ledger_credits_only_mistakes_the_building_blocks_own_tests_charged():
    student, other = Handle(), Handle()
    z = np.array([-1.0, 0.5, 2.0])
    right = 1 / (1 + np.exp(-z))
    mistakes = [Mistake(1 / (1 + np.exp(z)), "a minus sign", key="sign"), Mistake(np.tanh(z), "tanh", key="tanh")]
    blame.note(student, "sigmoid", right, mistakes, right)  # right: nothing charged
    assert blame.charged(student, "sigmoid") == frozenset()
    blame.note(student, "sigmoid", np.full(3, 0.75), mistakes, right)  # junk: no named mistake, nothing charged
    assert blame.charged(student, "sigmoid") == frozenset()
    blame.note(student, "sigmoid", 1 / (1 + np.exp(z)), mistakes, right)
    assert blame.charged(student, "sigmoid") == {"sign"} and blame.charged(other, "sigmoid") == frozenset()
    error = StudentError("layer_forward", {"type": "ValueError", "message": "shapes (3,4) and (2,1) not aligned"})
    with pytest.raises(StudentError):
        with blame.errors_of(student, "layer_forward"):
            raise error
    same = StudentError("feedforward", {"type": "ValueError", "message": "shapes (3,4) and (2,1) not aligned"})
    different = StudentError("feedforward", {"type": "ValueError", "message": "something else"})
    other_sizes = StudentError("predict", {"type": "ValueError", "message": "shapes (5,6) and (2,1) not aligned"})
    assert blame.raised(student, "layer_forward", other_sizes)  # the same mistake on inputs of other sizes
    assert blame.raised(student, "layer_forward", same) and not blame.raised(student, "layer_forward", different)
    assert not blame.raised(other, "layer_forward", same)


class Module:
    """Stands for the engine's student handle: calls functions of one process, errors as StudentError."""

    def __init__(self, **functions):
        self.functions = functions

    def call(self, name, *args, return_args=False, **kwargs):
        try:
            result = self.functions[name](*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - what the child reports
            raise StudentError(name, {"type": type(error).__name__, "message": str(error)}) from None
        return Call(result, args, kwargs, []) if return_args else result


def _counter():
    calls = [0]

    def count(*args, **kwargs):
        calls[0] += 1
        return np.full(np.shape(args[0]), float(calls[0]))
    return count


def _raise_for_arrays(z):
    if np.ndim(z):
        raise ValueError("arrays are not supported")
    return 0.25


ATTACKS = {  # what the attacker who read the graders submitted, and why each computes nothing
    "a constant": (lambda z: 0.5, "0.5 everywhere"),
    "the lecture's answer for every input of its shape": (lambda z: np.resize([3.2, 1.39, 0.0], np.shape(z)),
                                                          "same answer"),
    "a counter": (_counter(), "different answers to the same input"),
    "a fixed pattern": (lambda z: np.arange(np.size(z), dtype=float).reshape(np.shape(z)), "same answer"),
    "the input handed back": (lambda z: z, "returned its input unchanged"),
    "raises for arrays": (_raise_for_arrays, "raised ValueError"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_evidence_that_code_computes_cannot_be_faked_by_remembering_calls(attack):
    function, why = ATTACKS[attack]
    rng = np.random.default_rng(11)
    z = rng.normal(size=(3, 1))
    cases = [(z,), (rng.normal(size=(3, 1)),)]
    assert why in computes_on(Module(relu=function), "relu", cases, rng)
    with pytest.raises(AssertionError, match="so this test has nothing to judge"):
        expect_computes_on(Module(relu=function), "relu", cases, "relu(z)", rng)


def test_evidence_accepts_code_that_computes_right_or_wrong():
    rng = np.random.default_rng(12)
    cases = [(rng.normal(size=(4, 2)),), (rng.normal(size=(4, 2)),)]
    for relu in (lambda z: np.maximum(0.0, z), lambda z: 1.5 * np.maximum(0.0, z), lambda z: np.abs(z)):
        assert computes_on(Module(relu=relu), "relu", cases, rng) == ""
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert computes_on(Module(sigmoid=sigmoid), "sigmoid", cases + [(0.0,), (-1.3,)], rng) == ""
    lecture, other = ([784, 16, 16, 10],), ([5, 7, 3, 2],)
    count = lambda sizes: sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))  # noqa: E731
    assert computes_on(Module(count_parameters=count), "count_parameters", [lecture, other], rng) == ""
    assert "13002 everywhere" in computes_on(Module(count_parameters=lambda sizes: 13002), "count_parameters",
                                             [lecture, other], rng)
    params, grads = [rng.normal(size=(2, 3))], [rng.normal(size=(2, 3))]
    handed_back = Module(sgd_step=lambda params, grads, learn_rate: list(grads))  # every argument is compared
    assert "item 0 of argument 2" in computes_on(handed_back, "sgd_step",
                                                 [(params, grads, 0.1), (params, [-g for g in grads], 0.2)], rng)


def test_raising_for_some_inputs_is_no_evidence_unless_two_inputs_of_one_shape_are_answered():
    rng = np.random.default_rng(13)
    module = Module(sigmoid_prime=_raise_for_arrays)  # the floats answered, all with 0.25
    cases = [(rng.normal(size=3),), (0.0,), (float(rng.normal()),)]
    assert "0.25 everywhere" in computes_on(module, "sigmoid_prime", cases, rng)
    honest_for_floats = Module(sigmoid_prime=lambda z: float(np.exp(-z) / (1 + np.exp(-z)) ** 2) if not np.ndim(z)
                               else 1 / 0)
    assert computes_on(honest_for_floats, "sigmoid_prime", cases, rng) == ""
    assert "for every input but one" in computes_on(honest_for_floats, "sigmoid_prime", cases[:2], rng)
    assert "no two inputs of the same shape" in computes_on(Module(relu=np.abs), "relu",
                                                            [(rng.normal(size=3),), (rng.normal(size=4),)], rng)


def _logged(log, name, function):
    def logged(*args, **kwargs):
        log.append(name)
        return function(*args, **kwargs)
    return logged


def test_recorded_answers_come_from_one_shuffled_stream_asked_twice_and_are_judged_by_rule_1():
    rng = np.random.default_rng(14)
    inputs = [rng.normal(size=(3, 2)) for _ in range(3)] + [0.5, -1.5]
    log = []
    sigmoid = lambda z: 1 / (1 + np.exp(-np.asarray(z)))  # noqa: E731
    module = Module(sigmoid=_logged(log, "sigmoid", sigmoid),
                    sigmoid_prime=_logged(log, "sigmoid_prime", lambda z: sigmoid(z) * (1 - sigmoid(z))))
    calls = [("sigmoid", (z,)) for z in inputs] + [("sigmoid_prime", (z,)) for z in inputs]
    stream = blame.Recording(module, calls, rng)
    assert len(log) == 2 * len(calls) and log[:len(calls)] != sorted(log[:len(calls)])  # twice each, interleaved
    assert np.array_equal(stream.answer("sigmoid", inputs[1]), sigmoid(inputs[1]))
    assert stream.why_nothing("sigmoid") == stream.why_nothing("sigmoid_prime") == ""
    assert stream.index("sigmoid", rng.normal(size=(3, 2))) is None  # only the stream's own inputs

    student = Handle()
    made = []
    first = blame.recorded(student, "stream", lambda: made.append(1) or stream)
    assert blame.recorded(student, "stream", lambda: made.append(1)) is first and made == [1]  # once per submission


def test_a_stream_gives_no_evidence_to_junk_and_none_to_what_raises_for_arrays():
    rng = np.random.default_rng(15)
    inputs = [rng.normal(size=(2, 2)) for _ in range(2)] + [0.7, -1.5]
    calls = [("sigmoid", (z,)) for z in inputs] + [("sigmoid_prime", (z,)) for z in inputs]
    for attack, (function, _) in ATTACKS.items():
        stream = blame.Recording(Module(sigmoid=function, sigmoid_prime=function), calls, rng)
        assert stream.why_nothing("sigmoid"), attack
    zero = blame.Recording(Module(sigmoid=np.round, sigmoid_prime=lambda z: 0 * np.asarray(z)), calls, rng)
    assert "everywhere" in zero.why_nothing("sigmoid_prime")
    # s (1 - s) of a sigmoid that returns 0 or 1 is 0 everywhere: only then rule (a) is left out
    assert zero.why_nothing("sigmoid_prime", distinct=False) == "" and zero.why_nothing("sigmoid") == ""
    raising = blame.Recording(Module(sigmoid=_raise_for_arrays, sigmoid_prime=_raise_for_arrays), calls, rng)
    assert raising.error("sigmoid", inputs[0]).type == "ValueError" and raising.error("sigmoid", 0.7) is None
    with pytest.raises(StudentError, match="arrays are not supported"):
        raising.answer("sigmoid", inputs[0])
    assert blame.same_error(raising.error("sigmoid", inputs[0]), raising.error("sigmoid_prime", inputs[1]))
