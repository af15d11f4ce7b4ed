"""Hidden graders for 01_neuron: sigmoid, sigmoid_prime, relu, relu_prime,
weighted_sum and neuron.

Each function is graded on its own, and a mistake costs its points once:
sigmoid and sigmoid_prime are asked on the same inputs in one shuffled stream
made before any verdict (weighted_sum likewise with the neuron tests' w and a);
sigmoid's (weighted_sum's) tests grade those very answers, and sigmoid_prime
(neuron) is also accepted where it equals the formula applied to them, s (1 - s)
of the student's own sigmoid(z), if that sigmoid computes (blame.Recording); neuron
also as the student's own sigmoid of their own weighted sum + b (sigmoid's stream
records and grades those sums too), and in the dtype (or the one-number array) their
own weighted_sum gives. Where neuron raises weighted_sum's charged error (or raises
where its weighted_sum answered an array, or gives what a wrong weighted sum no
evidence backs), it is asked again in a fresh child with a stand-in for
weighted_sum (toolkit/stand_in.py).
neuron() is also checked with the identity and ReLU activations. The lecture's
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
import zlib

import numpy as np

from autograder.engine.handle import NotImplementedYet, StudentError
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, compare, computes_nothing, describe_value, expect_array,
                                expect_computes_on, expect_float, expect_unchanged, fail, lecture, points)
from autograder.toolkit.evidence import fail_nothing
from autograder.toolkit import blame, stand_in
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


# ---------------------------------------------------------------- the recorded answers

# sigmoid(z) for z from -1000 to 1000: the stability test's inputs, and sigmoid_prime's far from 0.
STABLE_Z = np.array([-1000.0, -800.0, -745.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 745.0, 800.0, 1000.0])


def _stream_rng(seed, name):
    """The generator of one recorded stream: from the submission's seed alone, so that whichever test
    asks first makes the same stream."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _sigmoid_inputs(seed):
    """The inputs sigmoid's tests grade and sigmoid_prime's tests are judged on: arrays of several
    shapes (two of one shape), floats, and the neuron threshold test's weighted sums plus biases."""
    rng = _stream_rng(seed, "sigmoid inputs")
    arrays = []
    for shape in _shapes(rng) + [None]:
        twin = shape is None  # a second (n, m): two inputs of one shape, saturated at both ends
        z = rng.normal(0.0, 4.0, size=arrays[2].shape if twin else shape)
        z.flat[0] = -40.0 * np.sign(arrays[2].flat[0]) if twin else 40.0 * np.sign(z.flat[0])  # a saturated neuron
        arrays.append(z)
    floats = [float(rng.normal(0.0, 3.0)), -float(rng.uniform(1.0, 5.0)), 0.0]
    thresholds = [float(np.dot(w, a) + b) for w, a, b, _ in _threshold_cases(seed)]
    return arrays, floats, thresholds


def _own_sums_plus_bias(student, seed) -> list:
    """weighted sum + b of the neuron threshold test's cases, with the student's own weighted_sum (recorded in its
    stream) where it is wrong: sigmoid is asked (and graded) there too, so that neuron on both building blocks of
    the student's own is judged against recorded answers (_on_own_building_blocks)."""
    stream, out = _weighted_sum_stream(student, seed), []
    for w, a, b, _ in _threshold_cases(seed):
        if stream.error("weighted_sum", w, a) is None:
            ws = stream.answer("weighted_sum", w, a)
            if isinstance(ws, (int, float, np.integer, np.floating)) and not isinstance(ws, (bool, np.bool_)) \
                    and np.isfinite(float(ws)) and float(ws) != float(np.dot(w, a)):
                out.append(float(ws) + b)
    return out


def _sigmoid_stream(student, seed) -> blame.Recording:
    """sigmoid and sigmoid_prime on the same inputs, each asked twice, in one shuffled stream made
    before any verdict: sigmoid's tests grade these very answers, so its answers that sigmoid_prime
    (and neuron's default activation) are judged against cannot differ from the graded ones."""
    def make():
        arrays, floats, thresholds = _sigmoid_inputs(seed)
        sigmoid_in = arrays + [STABLE_Z] + floats + [-1000.0, 1000.0] + [z for z in thresholds if z not in floats]
        asked = [z for z in sigmoid_in if isinstance(z, float)]
        sigmoid_in += [z for z in _own_sums_plus_bias(student, seed) if z not in asked]
        prime_in = arrays + [STABLE_Z] + floats[:1] + [0.0]
        calls = [("sigmoid", (z,)) for z in sigmoid_in] + [("sigmoid_prime", (z,)) for z in prime_in]
        return blame.Recording(student, calls, _stream_rng(seed, "sigmoid stream"))
    return blame.recorded(student, "01 sigmoid stream", make)


def _s_one_minus_s(s):
    """s (1 - s) in s's own dtype (a float32 sigmoid gives a float32 derivative), or None."""
    if isinstance(s, (float, np.floating)) and not isinstance(s, bool):
        return s * (1.0 - s)
    if isinstance(s, np.ndarray) and s.dtype.kind in "iuf":
        with np.errstate(all="ignore"):
            return s * (1.0 - s)
    return None


def _alike(values) -> bool:
    """True if these right answers (given the student's own building block) are all the same: then no
    test can tell a later function that computes from one that does not (docs/graders.md, rule 4)."""
    return bool(computes_nothing(values))


class _OwnSigmoid:
    """sigmoid_prime's and neuron's answers judged against the student's own recorded sigmoid."""

    # The lecture's fixed input is left out of the evidence: a wrong sigmoid (or its s (1 - s)) may give 0.0
    # at 0.0 without handing its input back.
    LEAVE_OUT = [(0.0,)]

    def __init__(self, student, seed):
        self.stream = _sigmoid_stream(student, seed)
        self.computes = not self.stream.why_nothing("sigmoid", leave_out=self.LEAVE_OUT)

    def at(self, z):
        """The student's sigmoid(z) as recorded (None if it did not answer, or shows no evidence)."""
        if not self.computes or self.stream.error("sigmoid", z) is not None:
            return None
        return self.stream.answer("sigmoid", z)

    def prime_at(self, z):
        """s (1 - s) of the student's own sigmoid(z), or None."""
        return _s_one_minus_s(self.at(z))

    def why_prime_computes_nothing(self) -> str:
        """'' if sigmoid_prime computes on the stream: rule (a) (different answers for different inputs)
        only where the right answers given the student's own sigmoid differ."""
        inputs = [args[0] for name, args, _ in self.stream.calls
                  if name == "sigmoid_prime" and (np.ndim(args[0]) or args[0] != 0.0)]
        derived = [d for d in (self.prime_at(z) for z in inputs) if d is not None]
        return self.stream.why_nothing("sigmoid_prime", distinct=not _alike(derived), leave_out=self.LEAVE_OUT)

    def raised_same(self, z, error) -> bool:
        """sigmoid(z) raised this very error (type and message, numbers aside) in the stream."""
        own = self.stream.error("sigmoid", z)
        return self.computes and own is not None and blame.same_error(own, error)


# ---------------------------------------------------------------- sigmoid

@points(1)
def test_sigmoid_at_zero(student, rng, seed):
    """sigmoid(0) = 0.5: the neuron sits exactly at its threshold"""
    stream = _sigmoid_stream(student, seed)
    got = _value(stream.answer("sigmoid", 0.0), "sigmoid(0.0)")
    compare(got, lecture.SIGMOID_AT_ZERO, "sigmoid(0)", rtol=1e-6, atol=1e-9, hint="1 / (1 + e^-0) = 1 / (1 + 1) = 0.5.")
    # A lecture test: its point goes to a sigmoid that computes (`return 0.5` does not)
    expect_computes_on(student, "sigmoid", [(0.0,), (float(rng.normal(0.0, 3.0)),)],
                       "sigmoid(z) for z = 0 and a random z", rng)


@points(2)
def test_sigmoid_stable(student, seed):
    """sigmoid is numerically stable: sigmoid(-1000) = 0.0 and sigmoid(1000) = 1.0, no nan, no overflow warning"""
    hint = ("For large |z| one of e^z and e^-z overflows to inf, and inf / inf is nan. "
            "Use 1 / (1 + e^-z) for z >= 0 and the equal form e^z / (1 + e^z) for z < 0 "
            "(or 0.5 * (1 + tanh(z / 2))).")
    z = STABLE_Z
    stream = _sigmoid_stream(student, seed)
    with blame.errors_of(student, "sigmoid"):
        call = stream.call("sigmoid", z)
    got = _finite_array(call.result, z.shape, "sigmoid(z) for z from -1000 to 1000", hint, student)
    # atol 1e-12: e^-1000 underflows to 0.0, but 0.5 (1 + tanh(z / 2)) rounds e^-50 to 0.0 and
    # clipping z at +-500 gives 7e-218 at -1000: all fine.
    expected = sigmoid(z)
    wrong = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12)
    if np.any(wrong):
        shown = "; ".join(f"sigmoid({zi:g}) should be {ei:.6g}, got {gi:.6g}"
                          for zi, ei, gi in list(zip(z[wrong], expected[wrong], got[wrong]))[:4])
        if call.result.dtype.itemsize < 8 and np.allclose(got, expected, rtol=1e-5, atol=1e-7):
            fail(f"{shown}: the same to about 7 significant digits, because your array has dtype "
                 f"{call.result.dtype}. Compute in float64: np.asarray(z, dtype=float).")
        fail(f"{shown}. Very negative z should give a dark neuron (0.0), very positive z a bright one (1.0).")
    if call.warnings:
        fail(f"sigmoid(z) for z from -1000 to 1000 gives the right values but warns: {call.warnings[0]}. "
             f"A stable sigmoid computes no e^z that overflows, not even in a branch np.where throws away. {hint}")
    for z0, expected in ((-1000.0, 0.0), (1000.0, 1.0)):
        got = stream.answer("sigmoid", z0)
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


# The sigmoids of typical mistakes, by the key the sigmoid tests charge them under (blame.note):
# their hints name the mistake (a later function is judged against the recorded answers instead).
SIGMOID_MISTAKES = {"sign": lambda z: sigmoid(-np.asarray(z, dtype=float)), "denominator": _one_minus,
                    "relu": relu, "tanh": np.tanh, "unstable": _exp_ratio}


def _sigmoid_mistakes(z):
    hints = {"sign": "You computed 1 / (1 + e^z): the sigmoid is 1 / (1 + e^-z) (a minus sign in the exponent).",
             "denominator": "The sigmoid is 1 / (1 + e^-z), with a plus in the denominator.",
             "relu": "That is ReLU, max(0, z); the sigmoid is 1 / (1 + e^-z).",
             "tanh": "That is tanh(z); the sigmoid is 1 / (1 + e^-z) = 0.5 * (1 + tanh(z / 2))."}
    return [Mistake(SIGMOID_MISTAKES[key](z), hint, key=key) for key, hint in hints.items()]


@points(2)
def test_sigmoid_arrays(student, seed):
    """sigmoid works elementwise on arrays of several shapes: (n, 1), (n,), (n, m), 3-D"""
    stream = _sigmoid_stream(student, seed)
    for z in _sigmoid_inputs(seed)[0]:
        what = f"sigmoid(z) for z of shape {z.shape}"
        with blame.errors_of(student, "sigmoid"):
            raw = stream.answer("sigmoid", z)
        got = expect_array(raw, z.shape, what)
        mistakes = _sigmoid_mistakes(z)
        blame.note(student, "sigmoid", got, mistakes, sigmoid(z))
        compare(got, sigmoid(z), what, mistakes, dtype=getattr(raw, "dtype", None))


@points(1)
def test_sigmoid_float(student, seed):
    """sigmoid of a Python float returns a float (not a 0-d array)"""
    stream = _sigmoid_stream(student, seed)
    _, floats, thresholds = _sigmoid_inputs(seed)
    for z in floats + thresholds + _own_sums_plus_bias(student, seed):
        got = stream.answer("sigmoid", z)
        if isinstance(got, np.ndarray) and got.ndim == 0:
            fail(f"sigmoid(a float) should return a float, but your code returned {describe_value(got)}. "
                 "np.asarray(z) and np.where turn a float into a 0-d array; give back a number for a number, "
                 "e.g. end with `return out[()]` (which leaves arrays as they are) or "
                 "`return float(out) if np.ndim(z) == 0 else out`.")
        dtype = getattr(got, "dtype", None)
        got = expect_float(got, "sigmoid(z) for a float z")
        compare(got, float(sigmoid(z)), "sigmoid(z) for a float z", rtol=1e-9, atol=1e-12, dtype=dtype)


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


def _on_own_sigmoid(own, got, z, atol=1e-10) -> bool:
    """True if got is s(1 - s) for the student's own recorded sigmoid(z), and both compute: to the precision
    of s's dtype (s - s*s and s(1 - s) round differently), and non-finite wherever s(1 - s) is (inf - inf
    is nan where inf * -inf is -inf: the own sigmoid's inf, charged in its own tests)."""
    derived = own.prime_at(z)
    if derived is None or own.why_prime_computes_nothing():
        return False
    single = np.asarray(derived).dtype == np.float32
    if single:
        atol = max(atol, 1e-7)
    bad = ~np.isfinite(np.asarray(derived, dtype=float))
    if bad.any():
        if not (isinstance(got, np.ndarray) and got.dtype.kind in "biuf") and not isinstance(got, (float, np.floating)):
            return False
        answer = np.asarray(got, dtype=np.float64)
        if answer.shape != bad.shape or np.isfinite(answer[bad]).any():
            return False
        got, derived = np.where(bad, 0.0, answer), np.where(bad, 0.0, np.asarray(derived, dtype=float))
    return agrees(got, derived, rtol=1e-5 if single else 1e-7, atol=atol, equal_nan=True)


def _sigmoid_table(zs) -> list:
    """A stand-in sigmoid's answers: the right sigmoid of each z and of -z (sigma(-z) = 1 - sigma(z) is a
    common way to write the derivative), as a float for a float."""
    table = []
    for z in zs:
        for x in (z, -z):
            right = sigmoid(x)
            table.append(((x,), float(right) if isinstance(x, float) else right))
    return table


def _sigmoid_prime_on_stand_in(student, seed, test):
    """sigmoid_prime judged on its own where the student's sigmoid computes nothing on its stream (a constant, an
    error for every input, not implemented yet: charged in sigmoid's tests): asked
    in a fresh child whose sigmoid is a stand-in giving the right sigmoid for exactly this run's new inputs
    (toolkit/stand_in.py), each asked twice in one shuffled stream. It must compute (rule 1) and give s (1 - s)."""
    rng = _stream_rng(seed, f"sigmoid_prime stand-in {test}")
    if test == "peak":
        zs = [0.0, STABLE_Z.copy(), float(rng.normal(0.0, 3.0)), float(rng.normal(0.0, 3.0))]
    else:
        shapes = _shapes(rng)
        zs = [rng.normal(0.0, 4.0, size=shape) for shape in shapes + [shapes[2]]] + [float(rng.normal(0.0, 3.0))]
    run = stand_in.recorded(student, {"sigmoid": _sigmoid_table(zs)}, [("sigmoid_prime", (z,)) for z in zs],
                            _stream_rng(seed, f"sigmoid_prime stand-in stream {test}"))
    why = "your sigmoid computes nothing (its own tests charge that)"
    if run is None:
        fail(f"sigmoid_prime(z): {why}, and sigmoid_prime could not be asked again with a sigmoid that works.")
    asked = (f"{why}, so sigmoid_prime was asked again in a process of its own, on new inputs, with sigmoid "
             "replaced by a stand-in that gives the right sigmoid")
    for z in zs:
        error = run.error("sigmoid_prime", z)
        if isinstance(error, NotImplementedYet):
            raise error
        if error is not None:
            fail(f"sigmoid_prime(z) for z of shape {np.shape(z)}: {asked}; there your sigmoid_prime still raised: {error}")
    nothing = run.why_nothing("sigmoid_prime")
    if nothing:
        fail_nothing(f"sigmoid_prime(z): {asked}", nothing)
    for z in zs:
        what = f"sigmoid_prime(z) for z of shape {np.shape(z)} ({asked})" if np.ndim(z) \
            else f"sigmoid_prime({z:g}) ({asked})"
        raw = run.answer("sigmoid_prime", z)
        got = expect_array(raw, np.shape(z), what) if np.ndim(z) else _value(raw, what)
        s = sigmoid(z)
        compare(got, s * (1.0 - s), what, _sigmoid_prime_mistakes(z), rtol=1e-7, atol=1e-12)


@points(2)
def test_sigmoid_prime_random(student, seed):
    """sigmoid_prime(z) = sigma(z)(1 - sigma(z)) on random arrays and a float"""
    own = _OwnSigmoid(student, seed)
    if not own.computes:  # sigmoid_prime's own part cannot show on it (charged in sigmoid's tests)
        return _sigmoid_prime_on_stand_in(student, seed, "random")
    arrays, floats, _ = _sigmoid_inputs(seed)
    cases = arrays + floats[:1]
    errors = []
    for z in cases:
        what = f"sigmoid_prime(z) for z of shape {np.shape(z)}" if np.ndim(z) else "sigmoid_prime(z) for a float z"
        try:
            raw = own.stream.answer("sigmoid_prime", z)
        except StudentError as error:
            if not own.raised_same(z, error):
                raise
            errors.append(error)  # the error of the student's own sigmoid, charged in its own tests
            continue
        if isinstance(raw, np.ndarray) and raw.shape == np.shape(z) and raw.dtype.kind == "f" \
                and not np.isfinite(raw).all() and _on_own_sigmoid(own, raw, z):
            continue  # nan or inf where the student's own sigmoid gave them (charged in test_sigmoid_stable)
        got = expect_array(raw, np.shape(z), what) if np.ndim(z) else _value(raw, what)
        s = sigmoid(z)
        if not agrees(got, s * (1.0 - s), **SAME) and _on_own_sigmoid(own, got, z):
            continue  # s(1 - s) of the student's own sigmoid, whose mistake its own tests charged
        compare(got, s * (1.0 - s), what, _sigmoid_prime_mistakes(z))
    if len(errors) == len(cases):
        fail(f"sigmoid_prime raised an error for every input, so it computed nothing here: {errors[0]}")
    why = own.why_prime_computes_nothing() if errors else ""
    if why:  # credit for the own sigmoid's error: only to a sigmoid_prime that computes
        fail_nothing("sigmoid_prime(z) on the inputs it answers", why)


@points(1)
def test_sigmoid_prime_peak(student, seed):
    """sigmoid_prime is largest at 0 (0.25) and 0 far from 0 (z = +-1000), never nan"""
    # Fixed inputs (and credit for the own sigmoid's error): for a sigmoid_prime that computes only, on the
    # stream's random inputs (where its right answers, given the student's own sigmoid, differ)
    own = _OwnSigmoid(student, seed)
    if not own.computes:
        return _sigmoid_prime_on_stand_in(student, seed, "peak")
    raw = own.stream.answer("sigmoid_prime", 0.0)  # first: an error (or "not implemented yet") is told as it is
    why = own.why_prime_computes_nothing()
    if why:
        fail_nothing("sigmoid_prime(z) for random z", why)
    if not _on_own_sigmoid(own, raw, 0.0):
        got = _value(raw, "sigmoid_prime(0.0)")
        if got != lecture.SIGMOID_PRIME_AT_ZERO:
            compare(got, lecture.SIGMOID_PRIME_AT_ZERO, "sigmoid_prime(0)", rtol=1e-6, atol=1e-9,
                    hint="sigma(0)(1 - sigma(0)) = 0.5 x 0.5 = 0.25.")
    z = STABLE_Z
    try:
        raw = own.stream.answer("sigmoid_prime", z)
    except StudentError as error:
        if own.raised_same(z, error):
            return  # the error of the student's own sigmoid on arrays, charged in its own tests (0 was computed)
        raise
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf":
        expected = sigmoid(z) * (1.0 - sigmoid(z))
        # nan from the student's own unstable sigmoid (charged by test_sigmoid_stable) costs points once
        if not agrees(raw, expected, rtol=1e-7, atol=1e-12, equal_nan=True) \
                and _on_own_sigmoid(own, raw, z, atol=1e-200):
            return
    hint = ("e^-z / (1 + e^-z)^2 is inf / inf = nan at z = -1000; "
            "write it as s * (1 - s) with s = sigmoid(z) (your stable sigmoid).")
    got = _finite_array(raw, z.shape, "sigmoid_prime(z) for z from -1000 to 1000", hint)
    expected = sigmoid(z) * (1.0 - sigmoid(z))
    compare(got, expected, "sigmoid_prime(z) for z = -1000, -800, -745, -710, -50, -1, 0, 1, 50, 710, 745, 800, 1000",
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


def _weighted_sum_inputs(seed):
    """The (w, a) pairs weighted_sum's value test grades: its own (lengths 1, 2 to 9 and 784) and those of
    the neuron tests, whose answers are judged against these recorded weighted sums."""
    rng = _stream_rng(seed, "weighted_sum inputs")
    own = [(rng.normal(0.0, 1.0, size=n), rng.uniform(0.0, 1.0, size=n)) for n in (1, int(rng.integers(2, 10)), 784)]
    return own + [(w, a) for w, a, _, _ in _threshold_cases(seed) + _neuron_cases(seed)]


def _weighted_sum_stream(student, seed) -> blame.Recording:
    """weighted_sum on every pair of _weighted_sum_inputs, each asked twice, in one shuffled stream."""
    return blame.recorded(student, "01 weighted_sum stream", lambda: blame.Recording(
        student, [("weighted_sum", pair) for pair in _weighted_sum_inputs(seed)],
        _stream_rng(seed, "weighted_sum stream")))


@points(2)
def test_weighted_sum_random(student, seed):
    """weighted_sum of random vectors (lengths 1 to 784) is a float, inputs unchanged"""
    stream = _weighted_sum_stream(student, seed)
    for w, a in _weighted_sum_inputs(seed):
        what = f"weighted_sum(w, a) for w and a of length {len(w)}"
        with blame.errors_of(student, "weighted_sum"):  # charged here: neuron built on it is judged with a stand-in
            call = stream.call("weighted_sum", w, a)
        got = call.result
        if isinstance(got, (np.floating, np.ndarray)) and np.asarray(got).dtype.kind == "f" \
                and np.asarray(got).dtype != np.float64:
            fail(f"{what} should be a Python float (64 bits), but your code returned {describe_value(got)}: "
                 f"a {np.asarray(got).dtype} keeps only about 7 significant digits. Compute in float64 "
                 "(np.asarray(w, dtype=float)) and return float(...).")
        got = expect_float(got, what)
        expected = float(np.dot(w, a))
        mistakes = _weighted_sum_mistakes(w, a, expected)
        blame.note(student, "weighted_sum", got, mistakes, expected, rtol=1e-9, atol=1e-9)
        if not agrees(got, expected, rtol=1e-9, atol=1e-9) and agrees(got, expected, rtol=1e-5, atol=1e-6):
            fail(f"{what}: expected {expected!r}, got {got!r}: the same to about 7 significant digits, the "
                 "precision of float32. Compute in float64: np.asarray(w, dtype=float), not np.float32.")
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


def _threshold_cases(seed):
    """(w, a, b, what) of test_neuron_threshold: weighted sum 10 with bias -10, and a random neuron."""
    rng = _stream_rng(seed, "neuron threshold")
    n = int(rng.integers(3, 12))
    return [(np.full(4, 0.5), np.full(4, 5.0), lecture.THRESHOLD_BIAS,  # 0.5 x 5 x 4 = 10: sigma(0) = 0.5
             "neuron(w, a, b=-10) with weighted sum 10"),
            (rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n), float(rng.normal(0.0, 2.0)),
             f"neuron(w, a, b) with the default activation, n = {n}")]


def _neuron_cases(seed):
    """(w, a, b, name) of test_neuron_random: three identity neurons, a ReLU neuron lit up and a dark one."""
    rng = _stream_rng(seed, "neuron random")
    sizes = [(1, "identity"), (int(rng.integers(2, 8)), "identity"), (int(rng.integers(10, 40)), "identity"),
             (int(rng.integers(3, 9)), "ReLU"), (int(rng.integers(3, 9)), "ReLU")]
    cases = []
    for i, (n, name) in enumerate(sizes):
        w, a = rng.normal(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)
        ws = float(np.dot(w, a))
        b = float(rng.normal(0.0, 2.0))
        if name == "ReLU":  # one neuron lit up, one dark
            b = (abs(b) + 0.5 - ws) if i == len(sizes) - 2 else (-abs(b) - 0.5 - ws)
        cases.append((w, a, b, name))
    return cases


def _own_weighted_sums(student, seed, w, a) -> list:
    """The weighted sum the student's own weighted_sum gives for (w, a), recorded in its value test's stream (if
    it computes there): a mistake the ledger holds from other inputs excuses nothing."""
    stream = _weighted_sum_stream(student, seed)
    sums = []  # recorded for this very (w, a): that answer decides; a ledger key charged on other inputs excuses nothing
    if stream.index("weighted_sum", w, a) is not None and stream.error("weighted_sum", w, a) is None \
            and not stream.why_nothing("weighted_sum"):
        got = stream.answer("weighted_sum", w, a)
        if isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, (bool, np.bool_)):
            sums.append(got)
    return sums


def _own_sum_dtypes(student, seed) -> set:
    """The numpy float dtypes of the student's own weighted_sum's recorded answers (a float32 weighted sum makes a
    float32 neuron: charged in test_weighted_sum_random, not again in neuron's tests)."""
    stream = _weighted_sum_stream(student, seed)
    if stream.why_nothing("weighted_sum"):
        return set()
    return {call.result.dtype for (call, error), _ in stream.results
            if error is None and isinstance(call.result, np.floating)}


def _on_own_building_blocks(student, seed, got, w, a, b, f, own_sigmoid=None, tolerance=SAME) -> bool:
    """True if neuron's answer is f(weighted sum + b) for the student's own weighted_sum (recorded, or a
    mistake its tests charged), or, for the default activation, the student's own recorded sigmoid of
    the right weighted sum plus b: never from calls made after the graded ones."""
    sums = _own_weighted_sums(student, seed, w, a)
    candidates = [f(ws + b) for ws in sums]
    if own_sigmoid is not None:  # the student's own sigmoid of the right weighted sum, or of their own, plus b
        for z in [float(np.dot(w, a) + b)] + [float(ws) + b for ws in sums]:
            s = own_sigmoid.at(z) if own_sigmoid.stream.index("sigmoid", z) is not None else None
            if isinstance(s, (float, np.floating)) or (isinstance(s, np.ndarray) and s.size == 1):
                candidates.append(float(np.asarray(s).reshape(())))
    return any(agrees(got, c, **tolerance) for c in candidates)


def _on_unverified_weighted_sum(student, seed, got, w, a, b, f, tolerance=SAME) -> bool:
    """True if got is f(weighted sum + b) for the student's own weighted_sum's recorded answer on (w, a), a wrong
    one (graded in test_weighted_sum_random) that no credit can take, because weighted_sum shows no evidence of
    computing on its stream: neuron is then judged with a stand-in (_neuron_on_stand_in)."""
    stream = _weighted_sum_stream(student, seed)
    if stream.index("weighted_sum", w, a) is None or stream.error("weighted_sum", w, a) is not None \
            or not stream.why_nothing("weighted_sum"):  # it computes: _on_own_building_blocks credits it
        return False
    ws = stream.answer("weighted_sum", w, a)
    if not isinstance(ws, (int, float, np.integer, np.floating)) or isinstance(ws, (bool, np.bool_)) \
            or agrees(ws, float(np.dot(w, a)), rtol=1e-9, atol=1e-9):
        return False
    try:
        return agrees(got, f(float(ws) + b), **tolerance)
    except (TypeError, ValueError, OverflowError):
        return False


def _own_sum_array(student, seed, w, a):
    """The student's own weighted_sum's recorded answer for this very (w, a) where it is a numeric array of one
    number (a (1, 1) or 0-d array, not a float: charged in test_weighted_sum_random), else None."""
    stream = _weighted_sum_stream(student, seed)
    if stream.index("weighted_sum", w, a) is None or stream.error("weighted_sum", w, a) is not None:
        return None
    own = stream.answer("weighted_sum", w, a)
    return own if isinstance(own, np.ndarray) and own.size == 1 and own.dtype.kind in "biuf" else None


def _blamed(student, seed, w, a, b, f, call, tolerance=SAME):
    """(answer, None), or (None, True) where neuron's outcome comes from the student's own weighted_sum in a way no
    answer verifies: the error weighted_sum's tests charged, or f of its unverified recorded answer plus b."""
    try:
        raw = call()
    except StudentError as error:
        if blame.raised(student, "weighted_sum", error) or _weighted_sum_stream(student, seed).raised("weighted_sum", error):
            return None, True  # the error of the student's own weighted_sum, charged in its own tests
        if _own_sum_array(student, seed, w, a) is not None:
            return None, True  # float() of the array its own weighted_sum gave here (charged there): judged on a stand-in
        raise
    if _on_unverified_weighted_sum(student, seed, raw, w, a, b, f, tolerance):
        return None, True
    return raw, None


def _stand_in_cases(seed, blamed, test):
    """New (w, a, b, activation name or None) for each blamed case: three of its length n. For the default activation
    the weighted sum plus bias is exactly one of the floats sigmoid's stream recorded, so that neuron on the student's
    own sigmoid can be credited; for ReLU two neurons light up and one stays dark."""
    rng = _stream_rng(seed, f"neuron stand-in {test}")
    targets = _sigmoid_inputs(seed)[1]  # sigmoid's recorded floats: a random z, a negative z and 0.0
    cases = []
    for w, a, _, name in blamed:
        for k in range(3):
            for _ in range(20):  # until s + b is exactly the target (almost always the first draw)
                new_w, new_a = rng.normal(0.0, 1.0, len(w)), rng.uniform(0.0, 1.0, len(w))
                s = float(np.dot(new_w, new_a))
                if name is None:
                    b = targets[k] - s
                elif name == "ReLU":
                    b = (float(rng.uniform(0.5, 2.0)) if k < 2 else -float(rng.uniform(0.5, 2.0))) - s
                else:
                    b = float(rng.normal(0.0, 2.0))
                if name is not None or s + b == targets[k]:
                    break
            cases.append((new_w, new_a, b, name))
    return cases


def _neuron_on_stand_in(student, seed, blamed, test, own_sigmoid=None, sigmoid_too=False):
    """neuron judged on its own where its outcome came from the student's own weighted_sum (_blamed): asked in a
    fresh child whose weighted_sum is a stand-in giving the right weighted sum for exactly this run's (w, a)
    (toolkit/stand_in.py), on new inputs (_stand_in_cases), each asked twice in one shuffled stream. It must compute
    (rule 1) and add the bias and apply the activation itself. blamed: (w, a, b, activation name or None)."""
    cases = _stand_in_cases(seed, blamed, test)
    pairs = [(w, a) for w, a, _, _ in cases] + [(a, w) for w, a, _, _ in cases]  # w . a = a . w
    stand_ins = {"weighted_sum": stand_in.table(lambda w, a: float(np.dot(w, a)), pairs)}
    if sigmoid_too:  # the default activation too: each case's weighted sum plus bias, exactly
        stand_ins["sigmoid"] = _sigmoid_table([float(np.dot(w, a)) + b for w, a, b, name in cases if name is None])
    calls = [("neuron", (w, a, b), {} if name is None else {"activation": Fn(name.lower())}) for w, a, b, name in cases]
    run = stand_in.recorded(student, stand_ins, calls, _stream_rng(seed, f"neuron stand-in stream {test}"))
    blocks = "sigmoid and weighted_sum" if sigmoid_too else "weighted_sum"
    why = ("your sigmoid computes nothing (its own tests charge that), so neuron's default activation shows nothing "
           "of neuron's own part" if sigmoid_too else
           "your neuron's answer here comes from your weighted_sum (its error, or its wrong weighted sum), which its "
           "own tests charge")
    if run is None:
        fail(f"neuron(w, a, b): {why}, and neuron could not be asked again with a {blocks} that work.")
    asked = (f"{why}. So neuron was asked again in a process of its own, on new inputs, with {blocks} replaced "
             "by stand-ins that give the right answers")
    functions = {None: lambda x: float(sigmoid(x)), "identity": lambda x: x, "ReLU": lambda x: max(0.0, x)}
    for w, a, b, name in cases:
        what = f"neuron(w, a, b{'' if name is None else ', activation=' + name}) for n = {len(w)}"
        error = run.error("neuron", w, a, b)
        if isinstance(error, NotImplementedYet):
            raise error
        if error is not None:
            fail(f"{what}: {asked}; there your neuron still raised: {error}")
    nothing = run.why_nothing("neuron")
    if nothing:
        fail_nothing(f"neuron(w, a, b): {asked}", nothing)
    for w, a, b, name in cases:
        f, s = functions[name], float(np.dot(w, a))
        what = f"neuron(w, a, b{'' if name is None else ', activation=' + name}) for n = {len(w)} ({asked})"
        raw = run.answer("neuron", w, a, b)
        if name is None:
            own = own_sigmoid.at(s + b) if own_sigmoid is not None \
                and own_sigmoid.stream.index("sigmoid", s + b) is not None else None
            got = _value(raw, what)
            if isinstance(own, (float, np.floating)) and agrees(got, float(own), **SAME):
                continue  # the student's own sigmoid of the right weighted sum plus b, charged in its own tests
            if not agrees(got, f(s + b), **SAME):
                compare(got, f(s + b), what, _neuron_mistakes(w, a, b, f))
            continue
        if isinstance(raw, np.floating) and raw.dtype != np.float64:
            fail(f"{what} should be a Python float (64 bits), but your code returned {describe_value(raw)}.")
        compare(expect_float(raw, what), f(s + b), what, _neuron_mistakes(w, a, b, f), rtol=1e-9, atol=1e-9)


@points(1)
def test_neuron_threshold(student, seed):
    """neuron uses sigmoid by default: with weighted sum 10 and bias -10 it gives 0.5"""
    sig = lambda x: float(sigmoid(x))  # noqa: E731
    own = _OwnSigmoid(student, seed)
    if not own.computes:  # neuron's own part cannot show on a sigmoid that computes nothing (charged in its tests)
        return _neuron_on_stand_in(student, seed, [(w, a, b, None) for w, a, b, _ in _threshold_cases(seed)],
                                   "threshold", sigmoid_too=True)
    blamed = []
    for w, a, b, what in _threshold_cases(seed):
        raw, unverified = _blamed(student, seed, w, a, b, sig, lambda: student.neuron(w, a, b))
        if unverified:
            blamed.append((w, a, b, None))
            continue
        if _on_own_building_blocks(student, seed, raw, w, a, b, sig, own):
            continue  # what the student's own sigmoid (or weighted_sum) gives, charged in its own tests
        # _value: a 0-d array here comes from the student's sigmoid, graded in test_sigmoid_float.
        got = _value(raw, what)
        if agrees(got, sig(np.dot(w, a) + b), **SAME):
            continue
        compare(got, sig(np.dot(w, a) + b), what, _neuron_mistakes(w, a, b, sig))
    if blamed:
        _neuron_on_stand_in(student, seed, blamed, "threshold", own)


@points(1)
def test_neuron_random(student, seed):
    """neuron on random w, a, b with activation=identity and activation=ReLU: the bias is added"""
    identity, relu_ = (lambda x: x), (lambda x: max(0.0, x))
    tolerance = dict(rtol=1e-9, atol=1e-9, equal_nan=True)
    blamed = []
    for w, a, b, name in _neuron_cases(seed):
        fn, f = (Fn("identity"), identity) if name == "identity" else (Fn("relu"), relu_)
        what = f"neuron(w, a, b, activation={name}) for n = {len(w)}"
        got, unverified = _blamed(student, seed, w, a, b, f, lambda: student.neuron(w, a, b, activation=fn), tolerance)
        if unverified:
            blamed.append((w, a, b, name))
            continue
        if isinstance(got, np.floating) and got.dtype != np.float64 and got.dtype not in _own_sum_dtypes(student, seed):
            fail(f"{what} should be a Python float (64 bits), but your code returned {describe_value(got)}: "
                 f"a {got.dtype} keeps only about 7 significant digits. Return float(...).")
        own = _own_sum_array(student, seed, w, a)
        if isinstance(got, np.ndarray) and own is not None and got.shape == own.shape and got.dtype.kind in "biuf":
            got = got.reshape(())[()]  # the array its own weighted_sum gives here: charged once, in its own tests
        got = expect_float(got, what)  # a dtype its own weighted_sum gives: charged once, in test_weighted_sum_random
        if (agrees(got, f(float(np.dot(w, a)) + b), **tolerance)
                or _on_own_building_blocks(student, seed, got, w, a, b, f, tolerance=tolerance)):
            continue
        compare(got, f(float(np.dot(w, a)) + b), what, _neuron_mistakes(w, a, b, f), rtol=1e-9, atol=1e-9)
    if blamed:
        _neuron_on_stand_in(student, seed, blamed, "random")
