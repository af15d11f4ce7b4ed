"""Hidden graders for 04_gradient_descent: gradient_descent, sgd_step, mini_batches.

gradient_descent gets its gradient from the child's library (wire.Fn
"quadratic_gradient": 2 scale (x - center), or "constant"); the parent runs the
reference on the same real function and compares the whole path. The spec's
loop checks the step BEFORE applying it; the lecture's simple_gd applies the
step and then checks the next gradient - the feedback explains the difference
when a submission follows the lecture's loop.
mini_batches gets a Generator built in the child: wire.Fn("rng", seed=s) is
np.random.default_rng(s), and the reference gets the same Generator here.
"""
import math
import zlib

import numpy as np

from autograder.engine import wire
from autograder.engine.handle import StudentError
from autograder.toolkit import (Mistake, agrees, blame, compare, describe_value, expect_array, expect_computes_on, expect_list,
                                expect_unchanged, fail, named_mistake, points, unchanged)
from autograder.toolkit.wording import count, verb

# Every behavioural promise of the docstrings (phrases quoted from solutions/04_gradient_descent/descent.py) and the
# tests that check it: `course show 04_gradient_descent` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "gradient_descent": {
        "gradient: a function returning the gradient at x (same shape as x)": ["test_gd_array_start"],
        "start: the first guess, a float or an array": ["test_gd_float_start", "test_gd_array_start"],
        "n_iter: at most this many steps": ["test_gd_n_iter"],
        "tolerance: stop when every component of the step is this small or smaller":
            ["test_gd_tolerance_every_component", "test_gd_tolerance_boundary"],
        "If every |step| <= tolerance it stops without applying the step": ["test_gd_stops_before_tiny_step",
                                                                            "test_gd_tolerance_boundary"],
        "holds each point visited as a separate value (no two entries are the same array object)":
            ["test_gd_start_unchanged_history_separate"],
        "Returns (x, history) where history = [start, x1, x2, ...]": ["test_gd_float_start", "test_gd_array_start"],
        "start itself is left unchanged": ["test_gd_start_unchanged_history_separate"],
    },
    "sgd_step": {
        "grads: the gradients, shaped like params": ["test_sgd_step"],
        "Returns a new list [p - learn_rate * g for each pair]": ["test_sgd_step"],
        "params and grads are unchanged": ["test_sgd_step_inputs_unchanged"],
    },
    "mini_batches": {
        "Shuffle the indices of n examples and cut them into mini-batches": ["test_mini_batches_follow_rng_permutation"],
        "rng: a np.random.Generator": ["test_mini_batches_follow_rng_permutation"],
        "Returns a list of 1-D int arrays": ["test_mini_batches_every_index_once"],
        "a random permutation of range(n) (rng.permutation(n)) cut into consecutive pieces of batch_size":
            ["test_mini_batches_follow_rng_permutation", "test_mini_batches_sizes"],
        "the last piece may be shorter": ["test_mini_batches_sizes"],
        "Every index appears exactly once": ["test_mini_batches_every_index_once"],
    },
}

SAME = dict(rtol=1e-9, atol=1e-12)  # a point (or a whole path) of the student's equals the reference's

LECTURE_LOOP = (" The assignment's loop checks the step BEFORE applying it: compute step = -learn_rate * gradient(x); "
                "if every |step| <= tolerance, stop without applying it; otherwise x = x + step. (The lecture's "
                "simple_gd applies the step first and then checks the next gradient, so it always takes at least "
                "one step and applies a step the assignment would not.)")


# ---------------------------------------------------------------- gradient_descent helpers


def _call_gd(student, *args, return_args=False, **kwargs):
    """student.gradient_descent(...), explaining the one error the lecture's loop gives on arrays."""
    try:
        return student.call("gradient_descent", *args, return_args=return_args, **kwargs)
    except StudentError as error:
        if error.type == "ValueError" and "truth value of an array" in error.error_message:
            fail(f"{error}\nWith an array start the step is an array, and `if abs(step) <= tolerance` cannot decide "
                 "for all components at once: test every component with np.all(np.abs(step) <= tolerance).")
        raise


def _gradient(kind, **params):
    """The wire.Fn for the child and the same function for the reference run here."""
    if kind == "quadratic_gradient":
        center, scale = params["center"], params["scale"]
        return wire.Fn(kind, center=center, scale=scale), (lambda x: 2.0 * scale * (x - center))
    if kind == "constant":
        value = params["value"]
        return wire.Fn(kind, value=value), (lambda x: value)
    raise ValueError(kind)


def _point(value, shape, what):
    """One point of the path as float64: a number for a float start (a 0-d array is accepted), else an array."""
    if shape is None:
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            fail(f"{what} should be a number (the start was a float), but your code returned {describe_value(value)}.")
        value = float(value)
        if not math.isfinite(value):
            fail(f"{what} should be a finite number, got {value}.")
        return np.float64(value)
    return expect_array(value, shape, what)


def _unpack(got, shape, what):
    """(x, history) as float64 values, after checking the types and shapes."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{what} should return the pair (x, history), but your code returned {describe_value(got)}.")
    x, history = got
    if not isinstance(history, (list, tuple)):
        fail(f"{what}: history should be a list [start, x1, x2, ...], but your code returned {describe_value(history)}.")
    history = [_point(h, shape, f"{what}: history[{i}]") for i, h in enumerate(history)]
    return _point(x, shape, f"{what}: the returned x"), history


def _apply_then_check(real, start, learn_rate, n_iter=50, tolerance=1e-06):
    """The path of the loop that applies each step and only then checks it (one step too many)."""
    x = np.array(start, dtype=float) if isinstance(start, np.ndarray) else start
    history = [np.copy(x) if isinstance(x, np.ndarray) else x]
    for _ in range(n_iter):
        step = -learn_rate * np.asarray(real(x), dtype=float)
        x = x + (step if isinstance(x, np.ndarray) else float(step))
        history.append(np.copy(x) if isinstance(x, np.ndarray) else x)
        if np.all(np.abs(step) <= tolerance):
            break
    return x, history


def _same_run(got, run) -> bool:
    """got (a student's (x, history)) is the run (x, history), point by point (infinities in the same places)."""
    try:
        x, history = got
        if not isinstance(history, (list, tuple)) or len(history) != len(run[1]):
            return False
        points = [np.asarray(v, dtype=np.float64) for v in [x, *history]]
    except (TypeError, ValueError):
        return False
    return all(p.shape == np.shape(r) and bool(np.allclose(p, r, equal_nan=True, **SAME))
               for p, r in zip(points, [run[0], *run[1]]))


def _descent_with(rule, real, start, learn_rate, n_iter=50, tolerance=1e-06):
    """The spec's loop with the new point rule(x, g, learn_rate) (a gradient_descent built on an sgd_step that
    computes rule): the path of sgd_step's mistake, charged in test_sgd_step."""
    x = np.array(start, dtype=float) if isinstance(start, np.ndarray) else start
    history = [np.copy(x) if isinstance(x, np.ndarray) else x]
    with np.errstate(all="ignore"):
        for _ in range(n_iter):
            g = np.asarray(real(x), dtype=float)
            if np.all(np.abs(-learn_rate * g) <= tolerance):
                break
            new = rule(np.asarray(x, dtype=float), g, learn_rate)
            x = np.asarray(new, dtype=float) if isinstance(x, np.ndarray) else float(new)
            history.append(np.copy(x) if isinstance(x, np.ndarray) else x)
    return x, history


def _aliased(history, x) -> bool:
    """Every point of history after start is the final x: one array appended and changed in place."""
    return len(history) > 2 and all(agrees(h, x, **SAME) for h in history[1:])


def _check_run(got, expected, start, step_at_start, what, more="", fewer="", also=None, history_home=True):
    """Compare a student's (x, history) with the reference's, naming the likely mistake.

    more / fewer: what taking more / fewer steps than expected means in this check.
    also: other accepted (x, history) runs, the paths of mistakes charged in their own tests (the
    stopping rule; a descent built on sgd_step's charged mistake). history_home: False where a history
    aliased in place is charged elsewhere (test_gd_start_unchanged_history_separate): then its final x
    is judged here, not its history.
    """
    shape = None if np.ndim(start) == 0 and not isinstance(start, np.ndarray) else np.shape(start)
    if any(_same_run(got, run) for run in also or ()):
        return  # a mistake charged in its own tests (the stopping rule's, or sgd_step's in a descent built on it)
    x, history = _unpack(got, shape, what)
    ref_x, ref_history = expected
    if not history_home and _aliased(history, x) and len(history) == len(ref_history) \
            and not agrees(ref_history[1], ref_history[-1], **SAME):
        compare(x, ref_x, f"{what}: the returned x", by_example=False, **SAME)
        return
    n, N = len(history), len(ref_history)
    if (N > 1 and n >= 2 and agrees(history[1], start - step_at_start, **SAME)
            and not agrees(history[1], ref_history[1], **SAME)):
        fail(f"{what}: your first step went from {_brief(start)} to {_brief(history[1])}, uphill: the step is "
             f"-learn_rate * gradient(x) (expected {_brief(ref_history[1])}). The gradient points uphill, so "
             "gradient descent moves against it.")
    if n == 0 or not agrees(history[0], start, **SAME):
        if n >= 1 and agrees(history[0], ref_history[min(1, N - 1)], **SAME) and agrees(history, ref_history[1:], **SAME):
            fail(f"{what}: history should begin with start itself, [start, x1, x2, ...]; yours begins with the "
                 "first point after a step.")
        if n >= 1 and agrees(history[0], x, **SAME) and N > 1:
            fail(f"{what}: history[0] should be start ({_brief(start)}), but it is the final x: history[0] is the "
                 "same array as x and changed when x was updated in place. Start from a copy of start.")
        fail(f"{what}: history[0] should be start ({_brief(start)}), "
             f"got {_brief(history[0]) if n else 'an empty history'}.")
    if n != N:
        if n > N and agrees(history[:N], ref_history, **SAME):
            fail(f"{what}: your code took {count(n - 1, 'step')}; expected {count(N - 1, 'step')} (a history of "
                 f"{count(N, 'point')}: start and one per step). It went on after the point where it should have "
                 f"stopped. {more.strip()}".rstrip())
        if n < N and agrees(history, ref_history[:n], **SAME):
            fail(f"{what}: your code took {count(n - 1, 'step')}; expected {count(N - 1, 'step')} (a history of "
                 f"{count(N, 'point')}: start and one per step). It stopped too early. {fewer.strip()}".rstrip())
        fail(f"{what}: your history has {count(n, 'point')}, expected {N} (start and one per step).")
    if (n > 2 and all(agrees(h, history[-1], **SAME) for h in history[1:])
            and not agrees(ref_history[1], ref_history[-1], **SAME)):
        fail(f"{what}: every point of your history after start is the same ({_brief(history[-1])}, the final x): "
             "you appended x and then changed it in place (x += step or x -= ...), so all entries are one array. "
             "Update with x = x + step (a new array) or append a copy.")
    for i, (h, r) in enumerate(zip(history, ref_history)):
        if not agrees(h, r, **SAME):
            fail(f"{what}: history[{i}] should be {_brief(r)}, got {_brief(h)}. Each step is "
                 "x = x + step with step = -learn_rate * gradient(x).")
    compare(x, ref_x, f"{what}: the returned x", by_example=False, hint="x should be the last point of history.",
            **SAME)


def _brief(value):
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return f"{float(value):.6g}"
    return np.array2string(value.ravel()[:6], precision=4, separator=", ") + ("..." if value.size > 6 else "")


def _run(student, reference, seed, kind, params, start, learn_rate, what, more="", fewer="", stopping_home=False,
         **kwargs):
    """Run the student's gradient_descent and the reference's on the same function; compare.

    stopping_home: this test judges the stopping rule (check the step before applying it). Elsewhere
    a path that applies the last small step before checking it is accepted: charged once, there.
    Everywhere, the descent built on sgd_step's mistake is accepted when test_sgd_step charged it on the
    student's recorded answers and sgd_step computes (_SgdStream.charged_rule)."""
    fn, real = _gradient(kind, **params)
    got = _call_gd(student, fn, np.copy(start) if isinstance(start, np.ndarray) else start, learn_rate, **kwargs)
    expected = reference.gradient_descent(real, np.copy(start) if isinstance(start, np.ndarray) else start,
                                          learn_rate, **kwargs)
    step = -learn_rate * np.asarray(real(start), dtype=float)
    also = [] if stopping_home else [_apply_then_check(real, start, learn_rate, **kwargs)]
    rule = _sgd_stream(student, seed).charged_rule()
    if rule is not None:
        also.append(_descent_with(rule, real, start, learn_rate, **kwargs))
    _check_run(got, expected, start, step, what, more=more, fewer=fewer, also=also, history_home=False)
    return expected


# ---------------------------------------------------------------- gradient_descent tests


@points(3)
def test_gd_float_start(student, reference, rng, seed):
    """gradient_descent from a float start follows the reference's path"""
    _run(student, reference, seed, "quadratic_gradient", dict(center=0.0, scale=1.0), 10.0, 0.2,
         "gradient_descent(gradient of x^2, start=10.0, learn_rate=0.2, n_iter=5) (6.0, 3.6, 2.16, ...)",
         n_iter=5)
    for learn_rate, n_iter, tolerance in ((rng.uniform(0.1, 0.4), 500, 1e-4), (rng.uniform(0.01, 0.04), 30, 1e-6)):
        center, scale = float(rng.normal(0, 3)), float(rng.uniform(0.5, 1.5))
        start = center + float(rng.choice([-1.0, 1.0]) * rng.uniform(2, 8))
        _run(student, reference, seed, "quadratic_gradient", dict(center=center, scale=scale), start, float(learn_rate),
             f"gradient_descent on a random quadratic from a float start (n_iter={n_iter}, tolerance={tolerance:g})",
             more=LECTURE_LOOP, n_iter=n_iter, tolerance=tolerance)


@points(2)
def test_gd_array_start(student, reference, rng, seed):
    """gradient_descent from an array start follows the reference's path"""
    for shape in ((3,), (2, 2)):
        center = rng.normal(0, 2, size=shape)
        start = center + rng.normal(0, 4, size=shape)
        _run(student, reference, seed, "quadratic_gradient", dict(center=center, scale=float(rng.uniform(0.5, 1.5))),
             start, float(rng.uniform(0.1, 0.3)),
             f"gradient_descent on a random quadratic from an array of shape {shape}",
             more=LECTURE_LOOP, n_iter=200, tolerance=1e-5)


@points(2)
def test_gd_start_unchanged_history_separate(student, reference, rng):
    """gradient_descent leaves an array start unchanged and keeps every point of history separately"""
    center = rng.normal(0, 2, size=4)
    start = center + rng.normal(0, 4, size=4)
    learn_rate = float(rng.uniform(0.05, 0.15))
    fn, real = _gradient("quadratic_gradient", center=center, scale=1.0)
    what = "gradient_descent from an array start (8 steps)"
    call = _call_gd(student, fn, start.copy(), learn_rate, 8, 1e-6, return_args=True)
    # A property test: it judges start and history, not the path (the other tests judge that).
    x, history = _unpack(call.result, start.shape, what)
    start2 = center + rng.normal(0, 4, size=4)
    expect_computes_on(student, "gradient_descent",
                       [(fn, start, learn_rate, 8, 1e-6), (fn, start2, learn_rate, 8, 1e-6)],
                       f"{what}, from two starts", rng, answer=lambda result: result[0])
    expect_unchanged(start, call.args[1], "start")
    if _aliased(history, x):
        fail(f"{what}: every point of your history after start is the same ({_brief(x)}, the final x): "
             "you appended x and then changed it in place (x += step or x -= ...), so all entries are one array. "
             "Update with x = x + step (a new array) or append a copy.")
    if len(history) > 1 and not agrees(history[0], start, **SAME) and agrees(history[0], x, **SAME):
        fail(f"{what}: history[0] should be start ({_brief(start)}), but it is the final x: history[0] is the "
             "same array as x and changed when x was updated in place. Start from a copy of start.")


@points(2)
def test_gd_stops_before_tiny_step(student, reference, rng, seed):
    """gradient_descent checks the step first and stops without applying a step within tolerance"""
    start = float(rng.normal(0, 5))
    value = float(rng.choice([-1.0, 1.0]) * rng.uniform(1e-6, 9e-6))
    _run(student, reference, seed, "constant", dict(value=value), start, 0.1,
         f"gradient_descent with a constant gradient of {value:.2g} and learn_rate=0.1 (every step is at most "
         "9e-07, within the tolerance 1e-06): it should return start and history [start]",
         more=LECTURE_LOOP, stopping_home=True, n_iter=20, tolerance=1e-6)
    center = float(rng.normal(0, 5))
    _run(student, reference, seed, "quadratic_gradient", dict(center=center, scale=1.0), center, 0.1,
         "gradient_descent started exactly at the minimum (the gradient is 0): it should return start and "
         "history [start]", more=LECTURE_LOOP, stopping_home=True, n_iter=20, tolerance=1e-6)
    center = float(rng.normal(0, 5))
    _run(student, reference, seed, "quadratic_gradient", dict(center=center, scale=1.0), center + float(rng.uniform(5, 9)),
         0.25, "gradient_descent on x^2-like slope with tolerance=1e-3 (each step halves the distance to the minimum)",
         more=LECTURE_LOOP, stopping_home=True, n_iter=100, tolerance=1e-3)


@points(1)
def test_gd_tolerance_boundary(student, reference, rng, seed):
    """gradient_descent stops when every |step| <= tolerance (equal counts as small enough)"""
    start = float(rng.normal(0, 5))
    # 0.5 * 0.5 = 0.25 exactly: the step equals the tolerance
    _run(student, reference, seed, "constant", dict(value=0.5), start, 0.5,
         "gradient_descent where every step is exactly as large as the tolerance (|step| = 0.25 = tolerance)",
         more="Stop when every |step| <= tolerance: a step exactly as large as the tolerance counts as small "
              "enough (<=, not <), and the check comes before the step is applied.",
         stopping_home=True, n_iter=4, tolerance=0.25)
    _run(student, reference, seed, "constant", dict(value=0.5), start, 0.5,
         "gradient_descent where every step is just larger than the tolerance (|step| = 0.25, tolerance = 0.24)",
         fewer="A step of 0.25 is larger than the tolerance 0.24, so it must be applied.", stopping_home=True,
         n_iter=4, tolerance=0.24)


@points(1)
def test_gd_tolerance_every_component(student, reference, rng, seed):
    """gradient_descent on an array continues until EVERY component of the step is within tolerance"""
    center = rng.normal(0, 2, size=3)
    start = center.copy()
    start[1:] += rng.uniform(3, 6, size=2) * rng.choice([-1.0, 1.0], size=2)  # component 0 starts at its minimum
    _run(student, reference, seed, "quadratic_gradient", dict(center=center, scale=1.0), start, 0.2,
         "gradient_descent from an array start whose first component is already at its minimum",
         fewer="Stop only when EVERY component of the step is within the tolerance (np.all), not when any one "
               "of them is (np.any), and not when the first one is.",
         n_iter=100, tolerance=1e-4)


@points(2)
def test_gd_n_iter(student, reference, rng, seed):
    """gradient_descent takes at most n_iter steps (history has n_iter + 1 points)"""
    n_iter = int(rng.integers(3, 15))
    value = float(rng.choice([-1.0, 1.0]) * rng.uniform(1, 3))
    note = (f"With n_iter={n_iter} and steps that never get small, it takes exactly n_iter steps: "
            f"for _ in range(n_iter), and history holds start plus {n_iter} points.")
    _run(student, reference, seed, "constant", dict(value=value), float(rng.normal(0, 5)), 0.1,
         f"gradient_descent with a constant gradient and n_iter={n_iter}", more=note, fewer=note,
         n_iter=n_iter, tolerance=1e-6)
    n_iter = int(rng.integers(5, 20))
    start = rng.normal(0, 2, size=3)
    _run(student, reference, seed, "quadratic_gradient", dict(center=start + 50.0, scale=0.01), start, 0.1,
         f"gradient_descent on a shallow slope from an array start with n_iter={n_iter}",
         more=f"It should take at most n_iter = {n_iter} steps.", fewer=f"It should take n_iter = {n_iter} steps here.",
         n_iter=n_iter, tolerance=1e-6)


@points(1)
def test_gd_defaults(student, reference, rng, seed):
    """gradient_descent uses n_iter=50 and tolerance=1e-06 when they are not given"""
    start = float(rng.normal(0, 5))
    _run(student, reference, seed, "constant", dict(value=1.0), start, 0.01,
         "gradient_descent(gradient, start, 0.01) with steps of 0.01 that never get small",
         more="Without n_iter it takes at most 50 steps (the default n_iter=50).",
         fewer="Without n_iter it takes 50 steps here (the default n_iter=50).")
    _run(student, reference, seed, "constant", dict(value=1e-6), start, 0.5,
         "gradient_descent(gradient, start, 0.5) with steps of 5e-07",
         more="Without tolerance, steps of size 1e-06 or less count as small enough (the default tolerance=1e-06).")
    _run(student, reference, seed, "constant", dict(value=4e-6), start, 0.5,
         "gradient_descent(gradient, start, 0.5) with steps of 2e-06",
         fewer="Without tolerance, a step of 2e-06 is larger than the default tolerance=1e-06 and is applied.")


# ---------------------------------------------------------------- sgd_step


def _sgd_case(rng):
    shapes = [(4, 3), (4, 1), (2, 4), (2, 1)]
    params = [rng.normal(0, 1, size=s) for s in shapes]
    grads = [rng.normal(0, 1, size=s) for s in shapes]
    return params, grads, float(rng.uniform(0.05, 3.0))


# The new points of typical sgd_step mistakes, by key: a gradient_descent built on such an sgd_step follows the
# path _descent_with(rule, ...) gives, accepted once test_sgd_step charged the mistake.
SGD_STEP_RULES = {
    "uphill": (lambda p, g, learn_rate: p + learn_rate * g,
               "That is p + learn_rate * g: a step uphill. The step is -learn_rate * gradient, against the gradient."),
    "no_rate": (lambda p, g, learn_rate: p - g, "That is p - g: the learning rate is missing."),
    "step_alone_up": (lambda p, g, learn_rate: learn_rate * g,
                      "That is learn_rate * g alone: add the step to the parameter, p - learn_rate * g."),
    "step_alone": (lambda p, g, learn_rate: -learn_rate * g,
                   "That is the step alone: the new parameter is p - learn_rate * g."),
}


def _sgd_step_mistakes(p, g, learn_rate):
    return [Mistake(rule(p, g, learn_rate), text, key=key, **SAME) for key, (rule, text) in SGD_STEP_RULES.items()]


def _stream_rng(seed, name):
    """The generator of one recorded stream's inputs: from the submission's seed alone, so that whichever test
    asks first makes the same stream."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


class _SgdStream:
    """sgd_step on two random cases, each asked twice in one shuffled stream before any verdict
    (blame.Recording): test_sgd_step grades these very answers, and gradient_descent is accepted where it is
    the descent built on the mistake they show (docs/graders.md, "Grades that are earned")."""

    def __init__(self, student, seed):
        rng = _stream_rng(seed, "sgd_step cases")
        self.cases = [_sgd_case(rng) for _ in range(2)]
        self.recording = blame.Recording(student, [("sgd_step", case) for case in self.cases],
                                         _stream_rng(seed, "sgd_step stream"))

    def verdict(self) -> str:
        """test_sgd_step's failure message on these answers ('' if they pass); raises a StudentError it raised."""
        return _judge_sgd_step(self)

    def charged_rule(self):
        """The rule of the one named mistake every recorded answer shows, if sgd_step computes and test_sgd_step
        charged it; else None."""
        if self.recording.why_nothing("sgd_step"):
            return None
        try:
            if not self.verdict():
                return None
            answers = [self.recording.answer("sgd_step", *case) for case in self.cases]
        except StudentError:
            return None
        for key, (rule, _) in SGD_STEP_RULES.items():
            if all(isinstance(got, (list, tuple)) and len(got) == len(params) and
                   all(np.shape(e) == p.shape and agrees(np.asarray(e, dtype=float), rule(p, g, learn_rate), **SAME)
                       for e, p, g in zip(got, params, grads))
                   for got, (params, grads, learn_rate) in zip(answers, self.cases)):
                return rule
        return None


def _sgd_stream(student, seed) -> _SgdStream:
    return blame.recorded(student, "04 sgd_step stream", lambda: _SgdStream(student, seed))


def _judge_sgd_step(stream) -> str:
    """test_sgd_step's failure message on the stream's sgd_step answers ('' if they pass); raises the StudentError of
    a call that raised."""
    try:
        for params, grads, learn_rate in stream.cases:
            _check_sgd_step(stream.recording.answer("sgd_step", params, grads, learn_rate), params, grads, learn_rate)
    except AssertionError as failure:
        return str(failure)
    return ""


def _check_sgd_step(got, params, grads, learn_rate):
    """Fail unless got is [p - learn_rate * g], naming the mistake."""
    got = expect_list(got, len(params), "sgd_step")
    for i, (p, g, e) in enumerate(zip(params, grads, got)):
        e = expect_array(e, p.shape, f"sgd_step: item {i} of the new list")
        compare(e, p - learn_rate * g, f"sgd_step: item {i} (shape {p.shape})", _sgd_step_mistakes(p, g, learn_rate),
                by_example=False, **SAME)


@points(2)
def test_sgd_step(student, seed):
    """sgd_step returns [p - learn_rate * g] for arrays of different shapes"""
    why = _judge_sgd_step(_sgd_stream(student, seed))
    if why:
        fail(why)


@points(1)
def test_sgd_step_inputs_unchanged(student, reference, rng):
    """sgd_step leaves params and grads unchanged (it returns a new list)"""
    params, grads, learn_rate = _sgd_case(rng)
    call = student.call("sgd_step", [p.copy() for p in params], [g.copy() for g in grads], learn_rate,
                        return_args=True)
    result = expect_list(call.result, len(params), "sgd_step")
    # A property test: any sgd_step that computes new arrays earns it, right or wrong (the values are judged
    # by test_sgd_step); handing back params (or constants) computes nothing.
    for i, (got, p) in enumerate(zip(result, params)):
        expect_array(got, p.shape, f"sgd_step(...)[{i}]")
    other = _sgd_case(rng)
    expect_computes_on(student, "sgd_step", [(params, grads, learn_rate), other],
                       "sgd_step(params, grads, learn_rate)", rng)
    after_params, after_grads = call.args[:2]
    for name, before, after in (("params", params, after_params), ("grads", grads, after_grads)):
        after = expect_list(after, len(before), f"{name} after the call")
        for i, (b, a) in enumerate(zip(before, after)):
            if isinstance(a, np.ndarray) and a.shape == b.shape and not unchanged(b, a):  # changed, not replaced
                fail(f"your code changed {name}[{i}]: sgd_step must return a NEW list and leave {name} as they were "
                     "(p - learn_rate * g makes a new array; p -= learn_rate * g changes p in place).")
            expect_unchanged(b, a, f"{name}[{i}]")


# ---------------------------------------------------------------- mini_batches


def _mini_batch_cases(rng):
    n = int(rng.integers(20, 60))
    bs = int(rng.integers(3, 9))
    if n % bs == 0:
        n += 1
    return [(10, 2), (10, 3), (7, 10), (n, bs), (bs * 4, bs), (1, 1)]


def _batches(got, what):
    if not isinstance(got, (list, tuple)):
        fail(f"{what} should be a list of index arrays, but your code returned {describe_value(got)}.")
    return got


@points(1)
def test_mini_batches_every_index_once(student, rng):
    """mini_batches returns int index arrays holding every index exactly once"""
    n, batch_size = _mini_batch_cases(rng)[0]  # rule 1: a fixed pattern (np.arange) that ignores rng earns nothing
    seed = int(rng.integers(2 ** 31))
    expect_computes_on(student, "mini_batches", [(n, batch_size, wire.Fn("rng", seed=seed)),
                                                 (n, batch_size, wire.Fn("rng", seed=seed + 1))],
                       f"mini_batches(n={n}, batch_size={batch_size}, rng) for two generators", rng)
    for n, batch_size in _mini_batch_cases(rng):
        what = f"mini_batches(n={n}, batch_size={batch_size}, rng)"
        got = _batches(student.mini_batches(n, batch_size, wire.Fn("rng", seed=int(rng.integers(2 ** 31)))), what)
        for i, b in enumerate(got):
            if not isinstance(b, np.ndarray) or b.ndim != 1 or b.dtype.kind not in "iu":
                fail(f"{what}: each mini-batch should be a 1-D numpy array of int indices (e.g. a slice of "
                     f"rng.permutation(n)), but batch {i} is {describe_value(b)}.")
        every = np.concatenate(got) if got else np.array([], dtype=int)
        counts = np.bincount(every[(every >= 0) & (every < n)], minlength=n)
        outside = every[(every < 0) | (every >= n)]
        if outside.size:
            fail(f"{what}: indices must be in range(n) = 0 .. {n - 1}; yours include {int(outside[0])}.")
        missing, repeated = int(np.sum(counts == 0)), int(np.sum(counts > 1))
        if missing or repeated:
            hint = ""
            if repeated:
                hint = " Shuffle a permutation of range(n) (rng.permutation(n)) instead of drawing indices at random."
            elif missing == n % batch_size:
                hint = (f" That is the last, shorter mini-batch ({count(n % batch_size, 'example')}) that was "
                        "dropped: keep it.")
            fail(f"{what}: every index 0 .. {n - 1} should appear exactly once; {missing} {verb(missing)} missing "
                 f"and {repeated} {verb(repeated, 'appears', 'appear')} more than once.{hint}")


@points(1)
def test_mini_batches_sizes(student, rng):
    """mini_batches cuts consecutive pieces of batch_size (the last may be shorter)"""
    n, batch_size = _mini_batch_cases(rng)[0]  # a property test: for a mini_batches that shuffles with its rng
    seed = int(rng.integers(2 ** 31))
    expect_computes_on(student, "mini_batches", [(n, batch_size, wire.Fn("rng", seed=seed)),
                                                 (n, batch_size, wire.Fn("rng", seed=seed + 1))],
                       f"mini_batches(n={n}, batch_size={batch_size}, rng) for two generators", rng)
    for n, batch_size in _mini_batch_cases(rng):
        what = f"mini_batches(n={n}, batch_size={batch_size}, rng)"
        got = _batches(student.mini_batches(n, batch_size, wire.Fn("rng", seed=int(rng.integers(2 ** 31)))), what)
        sizes = [int(np.size(b)) for b in got]
        full, rest = divmod(n, batch_size)
        expected = [batch_size] * full + ([rest] if rest else [])
        if sizes != expected:
            hint = named_mistake(sizes, _mini_batch_size_mistakes(n, batch_size))
            fail(f"{what}: expected {len(expected)} mini-batches of sizes {_sizes(expected)}, got {len(sizes)} "
                 f"of sizes {_sizes(sizes)}." + (f" {hint}" if hint else ""))


def _mini_batch_size_mistakes(n, batch_size):
    """The batch sizes typical mistakes give."""
    full, rest = divmod(n, batch_size)
    pieces = full + (1 if rest else 0)
    balanced = [len(piece) for piece in np.array_split(np.arange(n), pieces)]
    exact = dict(rtol=0, atol=0)
    return [Mistake([batch_size] * full if rest else None, "The last, shorter mini-batch is missing: keep it.", **exact),
            Mistake(balanced if rest else None, "Your batches are balanced in size (like np.array_split): cut "
                    "consecutive pieces of exactly batch_size instead, order[k:k + batch_size].", **exact)]


def _sizes(sizes):
    return str(sizes) if len(sizes) <= 8 else f"{sizes[:3]} ... {sizes[-2:]}".replace("] ... [", ", ..., ")


@points(1)
def test_mini_batches_follow_rng_permutation(student, reference, rng):
    """mini_batches cuts rng.permutation(n) of the Generator it is given (reproducible)"""
    for n, batch_size in ((int(rng.integers(30, 60)), int(rng.integers(3, 9))), (12, 4)):
        seed = int(rng.integers(2 ** 31))
        what = f"mini_batches(n={n}, batch_size={batch_size}, rng)"
        got = _batches(student.mini_batches(n, batch_size, wire.Fn("rng", seed=seed)), what)
        expected = reference.mini_batches(n, batch_size, np.random.default_rng(seed))
        same = [isinstance(g, (np.ndarray, list, tuple)) and np.shape(g) == e.shape and np.array_equal(g, e)
                for g, e in zip(got, expected)]
        if len(got) == len(expected) and all(same):
            continue
        if len(got) == len(expected) - 1 >= 1 and all(same):
            continue  # rng.permutation's order, last short batch dropped: test_mini_batches_sizes says so
        flat = np.concatenate([np.ravel(g) for g in got]) if got else np.array([])
        if flat.shape == (n,) and np.array_equal(flat, np.arange(n)):
            fail(f"{what}: your mini-batches are not shuffled (0, 1, 2, ... in order). Stochastic gradient "
                 "descent needs a random order: cut rng.permutation(n).")
        again = student.mini_batches(n, batch_size, wire.Fn("rng", seed=seed))
        if isinstance(again, (list, tuple)) and (len(again) != len(got) or not all(
                np.shape(a) == np.shape(g) and np.array_equal(a, g) for a, g in zip(again, got))):
            fail(f"{what}: two calls with Generators made from the same seed gave different mini-batches: use the "
                 "rng argument (rng.permutation(n)), not np.random.permutation / np.random.shuffle, so that runs "
                 "are reproducible.")
        fail(f"{what}: your mini-batches are not the pieces of rng.permutation(n) for the Generator given. Shuffle "
             "with order = rng.permutation(n) (as the docstring says; rng.choice and other shuffles give a "
             "different order) and cut order[k:k + batch_size] for k = 0, batch_size, 2 batch_size, ...")
