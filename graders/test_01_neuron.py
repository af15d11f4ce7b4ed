"""Hidden graders for 01_neuron: sigmoid, sigmoid_prime, relu, relu_prime,
weighted_sum and neuron.

Each function is graded on its own: neuron() is checked with the identity and
ReLU activations, so a broken sigmoid costs its points once. The lecture's
worked numbers (sigma(0) = 0.5, the ReLU layer's 3.2, 1.39, -0.21, 0.6 x 2 =
1.2, the bias -10 threshold) carry 4 of the 20 points; seeded random inputs
carry the rest.

Stability: a warning printed in the child cannot be seen here, so
sigmoid(+-1000) is checked on its values: finite, no nan, 0.0 and 1.0 to
within 1e-12 (0.5 (1 + tanh(z / 2)) and clipping z at +-500 are accepted).
The plain 1 / (1 + e^-z) overflows with a RuntimeWarning at z = -1000 but its
values are right (1 / inf = 0.0), so it passes; e^z / (1 + e^z) gives nan and
fails.
"""
import numpy as np

from autograder.engine.handle import StudentError
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, compare, describe_value, expect_array, expect_computes_on,
                                expect_float, expect_unchanged, fail, lecture, points)
from autograder.toolkit import blame
from autograder.toolkit.network import relu, sigmoid

# Every behavioural promise of the docstrings (phrases quoted from solutions/01_neuron/neuron.py) and the
# tests that check it: `course show 01_neuron` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "sigmoid": {
        "sigmoid(0) = 0.5": ["test_sigmoid_at_zero"],
        "z: a float or an array of any shape": ["test_sigmoid_arrays", "test_sigmoid_float"],
        "Returns the same shape (a float for a float)": ["test_sigmoid_arrays", "test_sigmoid_float"],
        "Must be numerically stable: sigmoid(-1000) is 0.0 and sigmoid(1000) is 1.0, with no overflow warning "
        "and no nan": ["test_sigmoid_stable"],
    },
    "sigmoid_prime": {
        "sigma'(z) = sigma(z) (1 - sigma(z))": ["test_sigmoid_prime_random"],
        "z: a float or an array": ["test_sigmoid_prime_random"],
        "Returns the same shape": ["test_sigmoid_prime_random"],
        "sigmoid_prime(0) = 0.25, its largest value": ["test_sigmoid_prime_peak"],
        "far from 0 it is almost 0": ["test_sigmoid_prime_peak"],
    },
    "relu": {
        "ReLU(3.2) = 3.2, ReLU(1.39) = 1.39, ReLU(-0.21) = 0": ["test_relu_lecture"],
        "z: a float or an array": ["test_relu_random"],
        "returns the same shape": ["test_relu_lecture", "test_relu_random"],
    },
    "relu_prime": {
        "1.0 where z > 0, else 0.0 (also at z = 0)": ["test_relu_prime"],
        "z: a float or an array": ["test_relu_prime"],
        "returns floats of the same shape": ["test_relu_prime"],
    },
    "weighted_sum": {
        "1-D arrays (or sequences) of equal length n": ["test_weighted_sum_lecture", "test_weighted_sum_random"],
        "Returns a float": ["test_weighted_sum_lecture", "test_weighted_sum_random"],
        "weighted_sum([0.6], [2.0]) = 1.2": ["test_weighted_sum_lecture"],
        "Inputs of different lengths raise ValueError": ["test_weighted_sum_lengths"],
    },
    "neuron": {
        "activation(w1 a1 + ... + wn an + b)": ["test_neuron_random"],
        "b: the bias (a float)": ["test_neuron_random"],
        "activation: a function of one float (sigmoid by default)": ["test_neuron_threshold", "test_neuron_random"],
        "Returns a float": ["test_neuron_threshold", "test_neuron_random"],
        "the sigmoid neuron sits at its threshold: 0.5": ["test_neuron_threshold"],
    },
}

# A student's answer equals another within 1e-7 relative, 1e-10 absolute (compare's defaults); nan where
# the other is nan (the student's own unstable sigmoid) counts as equal.
SAME = dict(rtol=1e-7, atol=1e-10, equal_nan=True)


def _value(got, what) -> float:
    """A number for a value-only check. A 0-d array is accepted here: whether a
    float comes back as a float is graded once, in test_sigmoid_float."""
    if isinstance(got, np.ndarray) and got.shape in ((), (1,), (1, 1)) and got.dtype.kind in "biuf":
        got = got.reshape(())[()]
    return expect_float(got, what)


def _finite_array(got, shape, what, hint, student=None):
    """expect_array, with a word on where nan/inf comes from."""
    if isinstance(got, np.ndarray) and got.shape == tuple(shape) and got.dtype.kind in "biuf" \
            and not np.all(np.isfinite(got.astype(float))):
        if student is not None:
            blame.charge(student, "sigmoid", "unstable")  # sigmoid_prime built on it is not charged again
        fail(f"{what} contains nan or inf. {hint}")
    return expect_array(got, shape, what)


def _shapes(rng):
    """A column (n, 1), a 1-D array (n,), a batch (n, m) and a 3-D array."""
    return [(int(rng.integers(2, 9)), 1), (int(rng.integers(2, 9)),),
            (int(rng.integers(2, 7)), int(rng.integers(2, 7))), (2, 3, int(rng.integers(2, 5)))]


# ---------------------------------------------------------------- sigmoid

@points(1)
def test_sigmoid_at_zero(student, rng):
    """sigmoid(0) = 0.5: the neuron sits exactly at its threshold"""
    got = _value(student.sigmoid(0.0), "sigmoid(0.0)")
    compare(got, lecture.SIGMOID_AT_ZERO, "sigmoid(0)", rtol=1e-6, atol=1e-9, hint="1 / (1 + e^-0) = 1 / (1 + 1) = 0.5.")
    # A lecture test: its point goes to a sigmoid that computes (`return 0.5` does not)
    expect_computes_on(student, "sigmoid", [(0.0,), (float(rng.normal(0.0, 3.0)),)],
                       "sigmoid(z) for z = 0 and a random z", rng)


@points(2)
def test_sigmoid_stable(student):
    """sigmoid is numerically stable: sigmoid(-1000) = 0.0 and sigmoid(1000) = 1.0, no nan, no overflow warning"""
    hint = ("For large |z| one of e^z and e^-z overflows to inf, and inf / inf is nan. "
            "Use 1 / (1 + e^-z) for z >= 0 and the equal form e^z / (1 + e^z) for z < 0 "
            "(or 0.5 * (1 + tanh(z / 2))).")
    z = np.array([-1000.0, -800.0, -745.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 745.0, 800.0, 1000.0])
    with blame.errors_of(student, "sigmoid"):
        call = student.call("sigmoid", z, return_args=True)
    got = _finite_array(call.result, z.shape, "sigmoid(z) for z from -1000 to 1000", hint, student)
    # atol 1e-12: e^-1000 underflows to 0.0, but 0.5 (1 + tanh(z / 2)) rounds e^-50 to 0.0 and
    # clipping z at +-500 gives 7e-218 at -1000: all fine.
    expected = sigmoid(z)
    wrong = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12)
    if np.any(wrong):
        shown = "; ".join(f"sigmoid({zi:g}) should be {ei:.6g}, got {gi:.6g}"
                          for zi, ei, gi in list(zip(z[wrong], expected[wrong], got[wrong]))[:4])
        fail(f"{shown}. Very negative z should give a dark neuron (0.0), very positive z a bright one (1.0).")
    if call.warnings:
        fail(f"sigmoid(z) for z from -1000 to 1000 gives the right values but warns: {call.warnings[0]}. "
             f"A stable sigmoid computes no e^z that overflows, not even in a branch np.where throws away. {hint}")
    for z0, expected in ((-1000.0, 0.0), (1000.0, 1.0)):
        got = student.sigmoid(z0)
        if isinstance(got, (float, np.floating, np.ndarray)) and np.any(np.isnan(np.asarray(got, dtype=float))):
            fail(f"sigmoid({z0:g}) is nan. {hint}")
        got = _value(got, f"sigmoid({z0:g})")
        compare(got, expected, f"sigmoid({z0:g})", rtol=0, atol=1e-12, hint=hint)


def _exp_ratio(z):
    """e^z / (1 + e^z): nan where e^z overflows (z > 709)."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(z, dtype=float))
        return e / (1.0 + e)


def _one_minus(z):
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 - np.exp(-np.asarray(z, dtype=float)))


# The sigmoids of typical mistakes, by the key the sigmoid tests charge them under (blame.note).
# A later function built on the student's own sigmoid is credited when its answer is what the
# charged mistake gives (sigmoid_prime, neuron with the default activation).
SIGMOID_MISTAKES = {"sign": lambda z: sigmoid(-np.asarray(z, dtype=float)), "denominator": _one_minus,
                    "relu": relu, "tanh": np.tanh, "unstable": _exp_ratio}


def _sigmoid_mistakes(z):
    hints = {"sign": "You computed 1 / (1 + e^z): the sigmoid is 1 / (1 + e^-z) (a minus sign in the exponent).",
             "denominator": "The sigmoid is 1 / (1 + e^-z), with a plus in the denominator.",
             "relu": "That is ReLU, max(0, z); the sigmoid is 1 / (1 + e^-z).",
             "tanh": "That is tanh(z); the sigmoid is 1 / (1 + e^-z) = 0.5 * (1 + tanh(z / 2))."}
    return [Mistake(SIGMOID_MISTAKES[key](z), hint, key=key) for key, hint in hints.items()]


def _own_sigmoids(student):
    """The sigmoids of the mistakes the sigmoid tests charged (for this submission)."""
    return [SIGMOID_MISTAKES[key] for key in sorted(blame.charged(student, "sigmoid")) if key in SIGMOID_MISTAKES]


@points(2)
def test_sigmoid_arrays(student, rng):
    """sigmoid works elementwise on arrays of several shapes: (n, 1), (n,), (n, m), 3-D"""
    for shape in _shapes(rng):
        z = rng.normal(0.0, 4.0, size=shape)
        z.flat[0] = 25.0 * np.sign(z.flat[0])  # a saturated neuron
        what = f"sigmoid(z) for z of shape {shape}"
        with blame.errors_of(student, "sigmoid"):
            got = student.sigmoid(z)
        got = expect_array(got, shape, what)
        mistakes = _sigmoid_mistakes(z)
        blame.note(student, "sigmoid", got, mistakes, sigmoid(z))
        compare(got, sigmoid(z), what, mistakes)


@points(1)
def test_sigmoid_float(student, rng):
    """sigmoid of a Python float returns a float (not a 0-d array)"""
    for z in (float(rng.normal(0.0, 3.0)), -float(rng.uniform(1.0, 5.0)), 0.0):
        got = student.sigmoid(z)
        if isinstance(got, np.ndarray) and got.ndim == 0:
            fail(f"sigmoid(a float) should return a float, but your code returned {describe_value(got)}. "
                 "np.asarray(z) and np.where turn a float into a 0-d array; give back a number for a number, "
                 "e.g. end with `return out[()]` (which leaves arrays as they are) or "
                 "`return float(out) if np.ndim(z) == 0 else out`.")
        got = expect_float(got, "sigmoid(z) for a float z")
        compare(got, float(sigmoid(z)), "sigmoid(z) for a float z", rtol=1e-9, atol=1e-12)


@points(1)
def test_sigmoid_unchanged(student, rng):
    """sigmoid does not modify its input array"""
    calls = []
    for shape in ((int(rng.integers(3, 8)), 1), (int(rng.integers(3, 6)), int(rng.integers(2, 6)))):
        z = rng.normal(0.0, 4.0, size=shape)
        z[0, 0], z[1, 0] = -abs(z[0, 0]) - 0.5, abs(z[1, 0]) + 0.5  # both signs
        calls.append((z, student.call("sigmoid", z.copy(), return_args=True)))
    # A property test: any sigmoid that computes something earns it, right or wrong (`return 0.25` does not).
    z = calls[0][0]
    expect_computes_on(student, "sigmoid", [(z,), (rng.normal(0.0, 4.0, size=z.shape),)],
                       f"sigmoid(z) for two arrays z of shape {z.shape}", rng)
    for z, call in calls:
        expect_unchanged(z, call.args[0], "z", who="your sigmoid",
                         advice="np.asarray(z, dtype=float) does not copy a float array, so writing into it "
                                "(z[mask] = ...) changes the caller's array; compute into a new array instead "
                                "(e.g. out = np.empty_like(z, dtype=float), or np.where).")


# ---------------------------------------------------------------- sigmoid_prime

def _sigmoid_prime_mistakes(z):
    s, z = sigmoid(z), np.asarray(z, dtype=float)
    return [
        Mistake(s * (1.0 + s), "sigma'(z) = sigma(z)(1 - sigma(z)), with a minus: you have sigma(z)(1 + sigma(z))."),
        Mistake(z * (1.0 - z), "Apply the sigmoid first: s = sigmoid(z), then s * (1 - s); you computed z(1 - z)."),
        Mistake(-s * (1.0 - s), "The sigmoid rises everywhere, so its slope is positive: sigma(z)(1 - sigma(z))."),
        Mistake(s, "That is sigma(z) itself; its derivative is sigma(z)(1 - sigma(z))."),
        Mistake(1.0 - s, "That is 1 - sigma(z); the derivative is sigma(z)(1 - sigma(z))."),
        Mistake(s * (1.0 - s) ** 2, "The derivative is sigma(z)(1 - sigma(z)), without a square."),
    ]


def _on_own_sigmoid(student, got, z, atol=1e-10) -> bool:
    """True if got is s(1 - s) for the sigmoid of a mistake the sigmoid tests charged."""
    for own in _own_sigmoids(student):
        with np.errstate(all="ignore"):
            s = own(z)
            if agrees(got, s * (1.0 - s), rtol=1e-7, atol=atol, equal_nan=True):
                return True
    return False


@points(2)
def test_sigmoid_prime_random(student, rng):
    """sigmoid_prime(z) = sigma(z)(1 - sigma(z)) on random arrays and a float"""
    cases = [rng.normal(0.0, 3.0, size=shape) for shape in _shapes(rng)[:3]] + [float(rng.normal(0.0, 2.0))]
    errors = []
    for z in cases:
        what = f"sigmoid_prime(z) for z of shape {np.shape(z)}" if np.ndim(z) else "sigmoid_prime(z) for a float z"
        try:
            raw = student.sigmoid_prime(z)
        except StudentError as error:
            if not blame.raised(student, "sigmoid", error):
                raise
            errors.append(error)  # the error of the student's own sigmoid, charged in its own tests
            continue
        got = expect_array(raw, np.shape(z), what) if np.ndim(z) else _value(raw, what)
        s = sigmoid(z)
        if not agrees(got, s * (1.0 - s), **SAME) and _on_own_sigmoid(student, got, z):
            continue  # s(1 - s) of the student's own sigmoid, whose mistake its own tests charged
        compare(got, s * (1.0 - s), what, _sigmoid_prime_mistakes(z))
    if len(errors) == len(cases):
        fail(f"sigmoid_prime raised an error for every input, so it computed nothing here: {errors[0]}")
    if errors:  # credit for the own sigmoid's error: only to a sigmoid_prime that computes where it answers
        twins = [rng.normal(0.0, 3.0, size=np.shape(z)) if np.ndim(z) else float(rng.normal(0.0, 2.0)) for z in cases]
        expect_computes_on(student, "sigmoid_prime", [(z,) for z in cases + twins],
                           "sigmoid_prime(z) on the inputs it answers", rng)


@points(1)
def test_sigmoid_prime_peak(student, rng):
    """sigmoid_prime is largest at 0 (0.25) and 0 far from 0 (z = +-1000), never nan"""
    # Fixed inputs (and credit for the own sigmoid's error): for a sigmoid_prime that computes only
    expect_computes_on(student, "sigmoid_prime", [(0.0,), (float(rng.normal(0.0, 2.0)),)],
                       "sigmoid_prime(z) for z = 0 and a random z", rng)
    got = _value(student.sigmoid_prime(0.0), "sigmoid_prime(0.0)")
    if got != lecture.SIGMOID_PRIME_AT_ZERO and not _on_own_sigmoid(student, got, 0.0):
        compare(got, lecture.SIGMOID_PRIME_AT_ZERO, "sigmoid_prime(0)", rtol=1e-6, atol=1e-9,
                hint="sigma(0)(1 - sigma(0)) = 0.5 x 0.5 = 0.25.")
    z = np.concatenate([np.linspace(-20.0, 20.0, 81), [-1000.0, -745.0, 745.0, 1000.0]])
    try:
        raw = student.sigmoid_prime(z)
    except StudentError as error:
        if blame.raised(student, "sigmoid", error):
            return  # the error of the student's own sigmoid on arrays, charged in its own tests (0 was computed)
        raise
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf":
        expected = sigmoid(z) * (1.0 - sigmoid(z))
        # nan from the student's own unstable sigmoid (charged by test_sigmoid_stable) costs points once
        if not agrees(raw, expected, rtol=1e-7, atol=1e-12, equal_nan=True) \
                and _on_own_sigmoid(student, raw, z, atol=1e-200):
            return
    hint = ("e^-z / (1 + e^-z)^2 is inf / inf = nan at z = -1000; "
            "write it as s * (1 - s) with s = sigmoid(z) (your stable sigmoid).")
    got = _finite_array(raw, z.shape, "sigmoid_prime(z) for z from -1000 to 1000", hint)
    expected = sigmoid(z) * (1.0 - sigmoid(z))
    compare(got, expected, "sigmoid_prime(z) for z = -20, -19.5, ..., 20, -1000, -745, 745, 1000",
            rtol=1e-7, atol=1e-12,
            hint="The slope is 0.25 at z = 0 and almost 0 where the neuron is saturated.")


# ---------------------------------------------------------------- relu

@points(1)
def test_relu_lecture(student, rng):
    """relu: the lecture's ReLU(3.2) = 3.2, ReLU(1.39) = 1.39, ReLU(-0.21) = 0"""
    hint = "ReLU keeps a positive number and turns a negative one into 0: max(0, z)."
    column = np.array(lecture.RELU_LAYER_Z)  # the ReLU layer's weighted sums plus biases: 3.2, 1.39, -0.21
    other = rng.normal(0.0, 2.0, size=column.shape)
    other[0, 0], other[-1, 0] = abs(other[0, 0]) + 0.1, -abs(other[-1, 0]) - 0.1  # relu(other) is not other
    expect_computes_on(student, "relu", [(column,), (other,)], "relu(z) for the lecture's z and a random z", rng)
    for z in (column.ravel(), column):
        got = expect_array(student.relu(z), z.shape, f"relu(z) for z of shape {z.shape}")
        compare(got, np.array(lecture.RELU_LAYER_OUTPUT).reshape(z.shape), "relu([3.2, 1.39, -0.21])",
                rtol=0, atol=1e-12, hint=hint)


@points(2)
def test_relu_random(student, rng):
    """relu = max(0, z) elementwise on random arrays and floats, input unchanged"""
    for shape in _shapes(rng)[:3]:
        z = rng.normal(0.0, 2.0, size=shape)
        z.flat[0], z.flat[-1] = 0.0, -abs(z.flat[-1]) - 0.1
        what = f"relu(z) for z of shape {shape}"
        call = student.call("relu", z.copy(), return_args=True)
        got = expect_array(call.result, shape, what)
        compare(got, relu(z), what, [
            Mistake(np.minimum(0.0, z), "ReLU is max(0, z): it keeps the positive numbers, not the negative ones."),
            Mistake(np.abs(z), "ReLU turns negative numbers into 0; it does not flip their sign."),
        ], rtol=0, atol=1e-12)
        expect_unchanged(z, call.args[0], "z", who="your relu",
                         advice="Setting z[z < 0] = 0 writes into the caller's array: "
                                "use np.maximum(0, z), or work on a copy.")
    for z in (float(rng.uniform(0.5, 3.0)), -float(rng.uniform(0.5, 3.0))):
        raw = student.relu(z)
        if isinstance(raw, np.ndarray) and raw.ndim == 0:
            fail(f"relu(a float) should return a float, but your code returned {describe_value(raw)}: "
                 "give back a number for a number, e.g. `return out[()]`.")
        got = expect_float(raw, "relu(z) for a float z")
        compare(got, max(0.0, z), "relu(z) for a float z", rtol=0, atol=1e-12)


@points(1)
def test_relu_prime(student, rng):
    """relu_prime is 1.0 where z > 0 and 0.0 elsewhere, also at z = 0"""
    got = student.relu_prime(0.0)
    if isinstance(got, (bool, np.bool_)) or (isinstance(got, np.ndarray) and got.dtype.kind == "b"):
        fail(f"relu_prime(0.0) should be the float 0.0, but your code returned {describe_value(got)}: "
             "convert the comparison to floats, e.g. (z > 0).astype(float) or float(z > 0).")
    got = _value(got, "relu_prime(0.0)")
    compare(got, 0.0, "relu_prime(0)", rtol=0, atol=0,
            hint="Here ReLU'(0) is 0.0: the derivative is 1.0 only where z > 0.")
    for shape in _shapes(rng)[:3]:
        z = rng.normal(0.0, 2.0, size=shape)
        z.flat[0] = 0.0
        z.flat[-1] = abs(z.flat[-1]) + 0.1
        what = f"relu_prime(z) for z of shape {shape}"
        got = student.relu_prime(z)
        if isinstance(got, np.ndarray) and got.shape == shape and got.dtype.kind != "f":
            fail(f"{what} should hold floats 1.0 and 0.0, but your array has dtype {got.dtype}: "
                 "convert it, e.g. (z > 0).astype(float).")
        got = expect_array(got, shape, what)
        compare(got, (z > 0).astype(float), what, [
            Mistake((z >= 0).astype(float), "At z = 0 the derivative is 0.0 here: use z > 0, not z >= 0."),
            Mistake(relu(z), "That is ReLU itself; its derivative is 1.0 where z > 0, else 0.0."),
        ], rtol=0, atol=0)


# ---------------------------------------------------------------- weighted_sum

# The weighted sums of typical mistakes, by the key the weighted_sum tests charge them under.
WEIGHTED_SUM_MISTAKES = {"mean": lambda w, a: float(np.dot(w, a)) / len(w),
                         "product_of_sums": lambda w, a: float(np.sum(w) * np.sum(a)),
                         "sum_of_sums": lambda w, a: float(np.sum(np.add(w, a)))}


def _weighted_sum_mistakes(w, a, expected=None):
    hints = {"mean": "You divided by the number of inputs: the weighted sum is w1 a1 + ... + wn an, not the mean.",
             "product_of_sums": "Multiply each weight by its own activation, then add the products: "
                                "w1 a1 + w2 a2 + ... + wn an.",
             "sum_of_sums": "Multiply each weight by its activation (w_i * a_i) before adding."}
    return [Mistake(WEIGHTED_SUM_MISTAKES[key](w, a), hint, key=key) for key, hint in hints.items()]


@points(1)
def test_weighted_sum_lecture(student, rng):
    """weighted_sum: the lecture's 0.6 x 2 = 1.2 and 1.2 x 2 + 0.7 x 0.5 + 0.4 x 0.1 = 2.79"""
    W, a = np.array(lecture.RELU_LAYER_W), np.array(lecture.RELU_LAYER_A).ravel()
    other = (rng.normal(0.0, 1.0, a.size), rng.uniform(0.0, 1.0, a.size))
    expect_computes_on(student, "weighted_sum", [(W[2], a), other],
                       "weighted_sum(w, a) for the lecture's w, a and random ones", rng)
    got = expect_float(student.weighted_sum(lecture.WEIGHTED_SUM_W, lecture.WEIGHTED_SUM_A), "weighted_sum([0.6], [2.0])")
    compare(got, lecture.WEIGHTED_SUM, "weighted_sum([0.6], [2.0])", rtol=1e-6, atol=1e-9,
            hint="0.6 x 2 = 1.2. (Lists must work too: np.asarray them.)")
    for w, expected in ((W[2], lecture.THIRD_NEURON_SUM), (W[1], lecture.RELU_LAYER_WEIGHTED[1][0])):  # 2.79, 0.39
        what = f"weighted_sum({w.tolist()}, {a.tolist()})"
        got = expect_float(student.weighted_sum(w.copy(), a.copy()), what)
        compare(got, expected, what, _weighted_sum_mistakes(w, a, expected))


@points(1)
def test_weighted_sum_lengths(student, rng):
    """weighted_sum raises ValueError for inputs of different lengths, as its docstring says"""
    n = int(rng.integers(2, 6))
    # A property test: it is earned only by a weighted_sum that computes something for equal lengths
    # (raising ValueError for every input, or returning a constant, computes nothing).
    pairs = [(rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)) for _ in range(2)]
    expect_computes_on(student, "weighted_sum", pairs, f"weighted_sum(w, a) for w and a of length {n}", rng)
    for w, a in ((rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n + 1)),
                 (rng.normal(0.0, 1.0, n + 2), rng.uniform(0.0, 1.0, n))):
        what = f"weighted_sum(w, a) for w of length {len(w)} and a of length {len(a)}"
        try:
            got = student.weighted_sum(w, a)
        except StudentError as error:
            if error.type == "ValueError":
                continue
            fail(f"{what} raised {error.type}: {error.error_message}. The docstring promises a ValueError for "
                 "inputs of different lengths: check len(w) == len(a) first and "
                 "raise ValueError(\"w and a must have the same length\").")
        fail(f"{what} returned {describe_value(got)} instead of raising ValueError: inputs of different lengths "
             "have no weighted sum (np.dot would pair them up wrongly or fail with another error), and the "
             "docstring promises a ValueError. Check len(w) == len(a) first.")


@points(2)
def test_weighted_sum_random(student, rng):
    """weighted_sum of random vectors (lengths 1 to 784) is a float, inputs unchanged"""
    for n in (1, int(rng.integers(2, 10)), 784):
        w, a = rng.normal(0.0, 1.0, size=n), rng.uniform(0.0, 1.0, size=n)
        what = f"weighted_sum(w, a) for w and a of length {n}"
        call = student.call("weighted_sum", w.copy(), a.copy(), return_args=True)
        got = expect_float(call.result, what)
        expected = float(np.dot(w, a))
        mistakes = _weighted_sum_mistakes(w, a, expected)
        blame.note(student, "weighted_sum", got, mistakes, expected, rtol=1e-9, atol=1e-9)
        compare(got, expected, what, mistakes, rtol=1e-9, atol=1e-9)
        for before, after, name in ((w, call.args[0], "w"), (a, call.args[1], "a")):
            expect_unchanged(before, after, name, who="your weighted_sum",
                             advice="Multiply into new arrays: np.dot(w, a) or np.sum(w * a).")


# ---------------------------------------------------------------- neuron

def _neuron_mistakes(w, a, b, f):
    ws = float(np.dot(w, a))
    return [
        Mistake(f(ws), "You forgot the bias: the neuron computes activation(w1 a1 + ... + wn an + b)."),
        Mistake(f(ws - b), "Add the bias b to the weighted sum; you subtracted it."),
        Mistake(f(ws * b), "Add the bias b to the weighted sum; you multiplied by it."),
        Mistake(f(float(np.dot(w, a + b))), "Add b once, to the weighted sum, not to every input activation."),
        Mistake(f(ws) + b, "Add the bias before applying the activation: activation(weighted sum + b)."),
        Mistake(float(sigmoid(ws + b)), "Use the activation you are given (the `activation` argument); "
                                        "sigmoid is only the default."),
    ]


def _neuron_own_building_blocks(student, got, w, a, b, f, default_sigmoid=False) -> bool:
    """True if neuron's answer is right given the mistakes the tests of the student's own
    weighted_sum (and, for the default activation, sigmoid) charged: never from re-calls."""
    sums = [float(np.dot(w, a))] + [WEIGHTED_SUM_MISTAKES[key](w, a)
                                    for key in sorted(blame.charged(student, "weighted_sum"))]
    activations = [f] + ([lambda x, own=own: float(np.asarray(own(x)).reshape(()))
                          for own in _own_sigmoids(student)] if default_sigmoid else [])
    return any(agrees(got, g(ws + b), **SAME) for ws in sums for g in activations
               if not (ws == sums[0] and g is f))


@points(1)
def test_neuron_threshold(student, rng):
    """neuron uses sigmoid by default: with weighted sum 10 and bias -10 it gives 0.5"""
    sig = lambda x: float(sigmoid(x))  # noqa: E731
    n = int(rng.integers(3, 12))
    cases = [(np.full(4, 0.5), np.full(4, 5.0), lecture.THRESHOLD_BIAS,
              "neuron(w, a, b=-10) with weighted sum 10")]  # 0.5 x 5 x 4 = 10: at the threshold, sigma(0) = 0.5
    cases.append((rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n), float(rng.normal(0.0, 2.0)),
                  f"neuron(w, a, b) with the default activation, n = {n}"))
    for w, a, b, what in cases:
        # _value: a 0-d array here comes from the student's sigmoid, graded in test_sigmoid_float.
        got = _value(student.neuron(w, a, b), what)
        if (agrees(got, sig(np.dot(w, a) + b), **SAME)
                or _neuron_own_building_blocks(student, got, w, a, b, sig, True)):
            continue
        compare(got, sig(np.dot(w, a) + b), what, _neuron_mistakes(w, a, b, sig))


@points(1)
def test_neuron_random(student, rng):
    """neuron on random w, a, b with activation=identity and activation=ReLU: the bias is added"""
    identity, relu_ = (lambda x: x), (lambda x: max(0.0, x))
    cases = []
    for n in (1, int(rng.integers(2, 8)), int(rng.integers(10, 40))):
        cases.append((n, Fn("identity"), identity, "identity"))
    cases.append((int(rng.integers(3, 9)), Fn("relu"), relu_, "ReLU"))
    cases.append((int(rng.integers(3, 9)), Fn("relu"), relu_, "ReLU"))
    for i, (n, fn, f, name) in enumerate(cases):
        w, a = rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)
        ws = float(np.dot(w, a))
        b = float(rng.normal(0.0, 2.0))
        if name == "ReLU":  # one neuron lit up, one dark
            b = (abs(b) + 0.5 - ws) if i == len(cases) - 2 else (-abs(b) - 0.5 - ws)
        what = f"neuron(w, a, b, activation={name}) for n = {n}"
        got = expect_float(student.neuron(w, a, b, activation=fn), what)
        if (agrees(got, f(ws + b), rtol=1e-9, atol=1e-9, equal_nan=True)
                or _neuron_own_building_blocks(student, got, w, a, b, f)):
            continue
        compare(got, f(ws + b), what, _neuron_mistakes(w, a, b, f), rtol=1e-9, atol=1e-9)
