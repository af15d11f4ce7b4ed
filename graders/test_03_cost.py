"""Hidden graders for 03_cost: one_hot, example_cost, average_cost, cost_derivative.

Each function is checked on its own (the network in average_cost runs on the
provided forward.py), on the lecture's two "3"s and mostly on seeded random
inputs compared with the reference. When a wrong answer matches a typical
mistake (mean instead of sum, a 1/2 factor, no square, mean over all entries,
a missing factor 2, ...) the feedback names it.
"""
import zlib

import numpy as np

from autograder.engine.handle import NotImplementedYet, StudentError, StudentFailure
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, blame, compare, describe_value, expect_array, expect_computes_on,
                                expect_float, expect_list, expect_unchanged, fail, lecture, named_mistake, points)
from autograder.toolkit import stand_in
from autograder.toolkit.dtypes import expect_float64, low_precision
from autograder.toolkit.evidence import computes_on, fail_nothing
from autograder.toolkit.network import feedforward, random_network


# Every behavioural promise of the docstrings (phrases quoted from solutions/03_cost/cost.py) and the
# tests that check it: `course show 03_cost` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "one_hot": {
        "one int (a digit) -> a column of shape (n_classes, 1)": ["test_one_hot_single_label", "test_one_hot_n_classes"],
        "a sequence or 1-D array of m ints -> (n_classes, m)": ["test_one_hot_many_labels"],
        "column j is 1.0 in row labels[j] and 0.0 elsewhere": ["test_one_hot_single_label", "test_one_hot_many_labels"],
    },
    "example_cost": {
        "(10, 1) or (10,) activations": ["test_example_cost_random"],
        "y: the target of the same shape": ["test_example_cost_random"],
        "Returns a float": ["test_example_cost_lecture", "test_example_cost_random"],
        "No 1/2, no mean": ["test_example_cost_lecture", "test_example_cost_random"],
    },
    "average_cost": {
        "Feeds X forward and averages the example costs over the m columns": ["test_average_cost_random",
                                                                               "test_average_cost_batch_of_one"],
        "Returns a float": ["test_average_cost_random"],
    },
    "cost_derivative": {
        "dC0/da_i = 2 (a_i - y_i)": ["test_cost_derivative_random"],
        "returns that shape": ["test_cost_derivative_random"],
    },
}

# ---------------------------------------------------------------- one_hot


def _check_one_hot(got, expected, what):
    """Shape first (with the likely mistake named), then the values."""
    n_classes, m = expected.shape
    if isinstance(got, np.ndarray) and got.shape != expected.shape:
        if got.shape == (m, n_classes) and m != n_classes:
            fail(f"{what} should have shape {expected.shape} (one column per label: examples are columns), "
                 f"got {got.shape} - your one-hot vectors are rows; transpose the result.")
        if got.ndim == 2 and got.shape[1] == m and got.shape[0] != n_classes:
            fail(f"{what} should have shape {expected.shape}, got {got.shape}: the number of rows is n_classes "
                 f"({n_classes} here) - did you ignore the n_classes argument?")
        if got.shape == (n_classes,) and m == 1:
            fail(f"{what} should be a column of shape {expected.shape}, got the flat shape {got.shape}. "
                 "The target of one example is a column, like the output activations: reshape it to (n_classes, 1).")
    got = expect_array(got, expected.shape, what)
    if not np.array_equal(got, expected):
        wrong = [j for j in range(m) if not np.array_equal(got[:, j], expected[:, j])]
        column = got[:, wrong[0]]
        row = int(np.argmax(expected[:, wrong[0]]))
        detail = (f"column {wrong[0]} should be 1.0 in row {row} (the label) and 0.0 elsewhere, "
                  f"but yours has {int(np.count_nonzero(column))} nonzero entries"
                  + (f" and its largest entry in row {int(np.argmax(column))}" if np.any(column) else ""))
        fail(f"{what} is not the one-hot encoding of the labels: {detail}.")


@points(1)
def test_one_hot_single_label(student, reference, rng):
    """one_hot(3) is a (10, 1) column of floats with 1.0 in row 3"""
    expect_computes_on(student, "one_hot", [(3,), (int(rng.integers(4, 10)),)], "one_hot(label) for two labels", rng)
    got = student.one_hot(3)
    _check_one_hot(got, reference.one_hot(3), "one_hot(3)")
    _check_one_hot(student.one_hot(0), reference.one_hot(0), "one_hot(0)")
    if got.dtype.kind != "f":  # the dtype is judged here only; the other one_hot tests judge the values
        fail(f"one_hot(3) should hold the floats 1.0 and 0.0 (desired activations, like the network's output), "
             f"but your array has dtype {got.dtype}: make it with np.zeros((n_classes, m)) (floats), "
             "or convert with .astype(float).")


@points(2)
def test_one_hot_many_labels(student, reference, rng):
    """one_hot of m labels (a list or an array) is (10, m), one column per label"""
    m = int(rng.integers(5, 30))
    labels = rng.integers(0, 10, size=m)
    _check_one_hot(student.one_hot([int(k) for k in labels]), reference.one_hot(labels),
                   f"one_hot of a list of {m} labels")
    labels = rng.integers(0, 10, size=int(rng.integers(11, 40)))
    _check_one_hot(student.one_hot(labels), reference.one_hot(labels),
                   f"one_hot of a 1-D array of {labels.size} labels")
    label = int(rng.integers(0, 10))
    _check_one_hot(student.one_hot([label]), reference.one_hot([label]), f"one_hot([{label}]) (a batch of one)")


@points(1)
def test_one_hot_n_classes(student, reference, rng):
    """one_hot respects n_classes other than 10"""
    n_classes = int(rng.integers(3, 7))
    labels = rng.integers(0, n_classes, size=int(rng.integers(12, 20)))
    _check_one_hot(student.one_hot(labels, n_classes=n_classes), reference.one_hot(labels, n_classes=n_classes),
                   f"one_hot of {labels.size} labels with n_classes={n_classes}")
    n_classes = int(rng.integers(12, 20))
    label = int(rng.integers(10, n_classes))
    _check_one_hot(student.one_hot(label, n_classes), reference.one_hot(label, n_classes),
                   f"one_hot({label}, n_classes={n_classes})")


# ---------------------------------------------------------------- example_cost


def _example_cost_mistakes(a, y):
    d = np.asarray(a, dtype=float) - np.asarray(y, dtype=float)
    total = np.sum(d ** 2)
    return [
        Mistake(np.mean(d ** 2), f"That is the sum of the squared differences divided by {d.size}: did you take the mean "
                          "instead of the sum? The cost of one example is the SUM "
                          "(a_0 - y_0)^2 + ... + (a_9 - y_9)^2."),
        Mistake(total / 2, "That is half the sum of the squared differences: the lecture's cost has no 1/2 factor, "
                    "C0 = (a_0 - y_0)^2 + ... + (a_9 - y_9)^2."),
        Mistake(np.sum(d), "That is the plain sum of the differences a_i - y_i: did you forget to square them? "
                    "Squaring makes every difference count as a positive cost."),
        Mistake(-np.sum(d), "That is the plain sum of the differences y_i - a_i: did you forget to square them?"),
        Mistake(np.sum(np.abs(d)), "That is the sum of the absolute differences |a_i - y_i|: the cost squares the "
                            "differences instead, (a_i - y_i)^2."),
        Mistake(np.sqrt(total), "That is the square root of the sum of squares (the length of a - y): the cost is the sum "
                         "of squares itself, no square root."),
        Mistake(np.mean(np.abs(d)), "That is the mean absolute difference: the cost is the SUM of the SQUARED differences."),
    ]


def _check_example_cost(got, a, y, expected, what):
    dtype = low_precision(got)  # named if the values agree to the printed digits only
    got = expect_float(got, what)
    compare(got, expected, what, _example_cost_mistakes(a, y), rtol=1e-6, atol=1e-9, dtype=dtype)


@points(2)
def test_example_cost_lecture(student, seed):
    """example_cost of the lecture's two "3"s is 3.37 and 1.61 (and right for the same outputs with one entry changed)"""
    stream = _cost_stream(student, seed)
    why = stream.recording.why_nothing("example_cost")
    if why:
        fail_nothing("example_cost(output, y) for the lecture's outputs and random ones", why)
    for three, (a, y), (near, k) in stream.lecture:
        got = expect_float(stream.recording.answer("example_cost", a, y), f"example_cost for {three.where}")
        expected = _right_example_cost(a, y)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-9):
            hint = named_mistake(got, _example_cost_mistakes(a, y))
            fail(f"your cost for {three.where} against one_hot(3) is {got:.4g}; the sum of the squared differences "
                 f"is {three.cost:.2f}. " + (hint or "Add up (a_i - y_i)^2 over the 10 output neurons."))
        # The same output with one entry changed, asked in the same shuffled stream: a cost computed from the
        # output is right there too, a cost recognised from the lecture notes is not.
        got = expect_float(stream.recording.answer("example_cost", near, y), f"example_cost for {three.where}")
        expected = _right_example_cost(near, y)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-9):
            hint = named_mistake(got, _example_cost_mistakes(near, y))
            fail(f"your cost for {three.where} is right, but for the same output with a_{k} changed to "
                 f"{float(near[k, 0]):.4g} it is {got:.4g}; the sum of the squared differences is {expected:.4g}. "
                 + (hint or "The cost is computed from the output: add up (a_i - y_i)^2 over the 10 output "
                            "neurons, whatever their values."))


def _lecture_cases(seed):
    """(three, (output, y), (near, k)) for each "3" of the lecture: its output against one_hot(3), and the same
    output with entry k changed (asked in the same stream, so that a lookup of the notes' numbers earns nothing)."""
    rng = _stream_rng(seed, "example_cost lecture")
    y = _one_hot_column(lecture.THREE_LABEL, 10)
    out = []
    for three in lecture.THREES:
        a = np.array(three.output, dtype=float).reshape(10, 1)
        k = int(rng.integers(0, 10))
        near = a.copy()
        near[k, 0] = (a[k, 0] + rng.uniform(0.2, 0.6)) % 1.0
        out.append((three, (a, y), (near, k)))
    return out


def _output_probes(seed):
    """Pairs (output, y), (other output, y): the same target, outputs that differ. A cost depends on the output
    (its answers differ within a pair) and is 0 for an output equal to its target (the (y, y) probes)."""
    rng = _stream_rng(seed, "example_cost probes")
    pairs, zeros = [], []
    for shape in ((10, 1), (4, 1)):
        y = _one_hot_column(int(rng.integers(0, shape[0])), shape[0])
        pairs.append(((rng.random(shape), y), (rng.random(shape), y)))
        zeros.append((y.copy(), y))
    return pairs, zeros


def _stream_rng(seed, name):
    """The generator of one recorded stream's inputs: from the submission's seed alone, so that whichever test
    asks first makes the same stream."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _example_cost_cases(seed):
    """(output, y, what) of test_example_cost_random's own cases."""
    rng = _stream_rng(seed, "example_cost cases")
    cases = [
        (rng.random((10, 1)), _one_hot_column(int(rng.integers(0, 10)), 10), "a (10, 1) output against a one-hot target"),
        (rng.random((10, 1)), rng.random((10, 1)), "a (10, 1) output against a (10, 1) target"),
        (rng.random(10), rng.random(10), "a flat (10,) output against a (10,) target"),
        (rng.random(10), np.eye(10)[int(rng.integers(0, 10))], "a flat (10,) output against a flat one-hot target"),
    ]
    return [(a, y, f"example_cost for {what}") for a, y, what in cases]


def _one_hot_column(label, n):
    y = np.zeros((n, 1))
    y[label] = 1.0
    return y


def _average_cost_cases(seed):
    """(weights, biases, X, Y, what) of test_average_cost_random's networks, then test_average_cost_batch_of_one's."""
    rng = _stream_rng(seed, "average_cost networks")
    out = []
    for sizes, m in (([6, 5, 4], 7), (list(lecture.SIZES), int(rng.integers(12, 25))), ([3, 8, 2], 5),
                     ([5, 4, 3], 1), (list(lecture.SIZES), 1)):
        weights, biases, X = _random_network(rng, sizes, m)
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], size=m)]
        what = f"average_cost of a {'-'.join(map(str, sizes))} network on {m} examples"
        if m == 1:
            what = f"average_cost of a {'-'.join(map(str, sizes))} network on a batch of one (a (n, 1) column)"
        out.append((weights, biases, X, Y, what))
    return out


def _columns(weights, biases, X, Y):
    """(output column, target column) of each example: what an average_cost built on example_cost asks it."""
    out = feedforward(weights, biases, X)
    return [(np.ascontiguousarray(out[:, j:j + 1]), np.ascontiguousarray(Y[:, j:j + 1])) for j in range(X.shape[1])]


class _CostStream:
    """example_cost on its own test's cases and on every example of the average_cost tests' networks, and
    average_cost on those networks: one shuffled stream, each call twice, before any verdict (blame.Recording).
    test_example_cost_random grades the example_cost answers of 10 neurons; average_cost is also accepted where it
    is the mean of the student's own example_cost over the columns, if example_cost computes and its own test
    charged its mistake (docs/graders.md, "Grades that are earned")."""

    def __init__(self, student, seed):
        self.own = _example_cost_cases(seed)
        self.networks = _average_cost_cases(seed)
        self.lecture = _lecture_cases(seed)
        self.pairs, self.zeros = _output_probes(seed)
        calls = [("example_cost", (a, y)) for a, y, _ in self.own]
        calls += [("example_cost", case) for _, case, (near, _k) in self.lecture]
        calls += [("example_cost", (near, case[1])) for _, case, (near, _k) in self.lecture]
        calls += [("example_cost", case) for pair in self.pairs for case in pair]
        calls += [("example_cost", case) for case in self.zeros]
        for weights, biases, X, Y, _ in self.networks:
            calls += [("example_cost", column) for column in _columns(weights, biases, X, Y)]
            calls.append(("average_cost", (weights, biases, X, Y)))
        self.recording = blame.Recording(student, calls, _stream_rng(seed, "cost stream"))

    def example_cost_cases(self):
        """(output, y, what) of every example_cost call that test_example_cost_random grades: its own cases and the
        examples of the networks with 10 output neurons (the docstring promises (10, 1) or (10,) activations)."""
        cases = list(self.own)
        for weights, biases, X, Y, what in self.networks:
            n = weights[-1].shape[0]
            if n != 10:
                continue
            cases += [(a, y, f"example_cost for example {j} of the {what.split(' of ')[1]} (its ({n}, 1) output "
                              "column against its target)") for j, (a, y) in enumerate(_columns(weights, biases, X, Y))]
        return cases

    def verdict(self):
        """test_example_cost_random's failure message on these answers ('' if it passes)."""
        return _judge_example_cost(self)

    def is_a_cost(self) -> bool:
        """Evidence that the student's example_cost measures how far the output is from the target: its answers
        differ for outputs that differ against the same target, and it is 0 for an output equal to its target
        (every honest cost mistake - a mean, a 1/2, no square, absolute values - keeps both; a function of the
        target only, or of anything else, does not)."""
        try:
            for first, second in self.pairs:
                a, b = (self.recording.answer("example_cost", *case) for case in (first, second))
                if not all(isinstance(v, (int, float, np.integer, np.floating)) for v in (a, b)) or a == b:
                    return False
            return all(isinstance(v, (int, float, np.integer, np.floating)) and abs(float(v)) <= 1e-12
                       for v in (self.recording.answer("example_cost", *case) for case in self.zeros))
        except (StudentError, KeyError):
            return False

    def own_average(self, weights, biases, X, Y):
        """(the mean of the student's own example_cost over the columns, its dtype if low precision), or None:
        only where example_cost computes in this stream, is a cost (is_a_cost) and test_example_cost_random
        charged its mistake."""
        if self.recording.why_nothing("example_cost") or not self.is_a_cost():
            return None
        try:
            if not self.verdict():
                return None
            answers = [self.recording.answer("example_cost", a, y) for a, y in _columns(weights, biases, X, Y)]
        except (StudentError, KeyError):
            return None
        if not answers or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating))
                              for v in answers):
            return None
        dtypes = {low_precision(v) for v in answers}
        return float(np.mean([float(v) for v in answers])), (dtypes.pop() if len(dtypes) == 1 else None)


def _judge_example_cost(stream) -> str:
    """test_example_cost_random's failure message on the stream's example_cost answers ('' if they pass); raises the
    StudentError of a call that raised."""
    try:
        for a, y, what in stream.example_cost_cases():
            call = stream.recording.call("example_cost", a, y)
            _check_example_cost(call.result, a, y, _right_example_cost(a, y), what)
            expect_float64(call.result, what)  # the dtype's home: the values agree here
            expect_unchanged(a, call.args[0], "output")
            expect_unchanged(y, call.args[1], "y")
    except AssertionError as failure:
        return str(failure)
    return ""


def _cost_stream(student, seed) -> _CostStream:
    return blame.recorded(student, "03 cost stream", lambda: _CostStream(student, seed))


def _right_example_cost(a, y):
    return float(np.sum((np.asarray(a, dtype=float) - np.asarray(y, dtype=float)) ** 2))


@points(3)
def test_example_cost_random(student, seed):
    """example_cost on random outputs and targets, (10, 1) and (10,), is a float (64 bits); inputs unchanged"""
    why = _judge_example_cost(_cost_stream(student, seed))
    if why:
        fail(why)


# ---------------------------------------------------------------- average_cost


def _random_network(rng, sizes, m):
    weights, biases = random_network(rng, sizes)
    return weights, biases, rng.random((sizes[0], m))


def _average_cost_mistakes(weights, biases, X, Y):
    out = feedforward(weights, biases, X)
    squares = (out - Y) ** 2
    total = float(np.sum(squares))
    (n_in, m), n_out = X.shape, Y.shape[0]
    candidates = [
        Mistake(total, f"That is the SUM of the example costs over the {m} examples: the cost of the network is their "
                f"average (mean over the columns), so divide by m = X.shape[1]."),
        Mistake(total / n_in, f"That is the sum divided by X.shape[0] = {n_in}, the number of input neurons; divide by "
                       "the number of examples m = X.shape[1] (examples are columns)."),
        Mistake(total / n_out, f"That is the sum divided by the {n_out} output neurons: a mean over the neurons and a sum "
                        "over the examples - the axes are swapped. Each example's cost sums over the neurons "
                        "(axis=0); then take the mean over the examples (axis=1, the columns)."),
        Mistake(total / (2 * m), "That is half the average cost: the lecture's cost has no 1/2 factor."),
        Mistake(total / (n_out * m), f"That is the mean over all {n_out} x {m} entries of (output - Y)^2 (np.mean of the "
                              f"squared differences): it also divides by the {n_out} output neurons. Sum over the "
                              "neurons (each example's cost), then take the mean over the examples (columns)."),
        Mistake(float(np.sum(squares[:, 0])), "That is the cost of the first example only: average over all m columns."),
        Mistake(float(np.sum(np.abs(out - Y)) / m), "That uses absolute differences: the example cost squares them."),
        Mistake(_one_d_columns(weights, biases, X, Y), COLUMN_HINT.format(n=n_in)),
    ]
    return [mistake for mistake in candidates
            if mistake.answer is not None and not np.isclose(mistake.answer, total / m, rtol=1e-9)]


COLUMN_HINT = ("X[:, j] is 1-D, of shape ({n},): the example should have had the column shape ({n}, 1), as "
               "feedforward expects. W a + b then broadcasts a (n,) array against the (n_out, 1) biases into a "
               "square matrix. Take the column with X[:, j:j + 1] (or X[:, [j]]), or do the whole batch at once: "
               "feedforward(weights, biases, X) gives every example's output, one column each.")


def _one_d_columns(weights, biases, X, Y):
    """What a loop over 1-D columns X[:, j] gives (W a + b broadcast into a matrix), or None if it fails."""
    total = 0.0
    with np.errstate(all="ignore"):
        for j in range(X.shape[1]):
            a = X[:, j]
            for W, b in zip(weights, biases):
                a = 1.0 / (1.0 + np.exp(-(W @ a + b)))
            try:
                total += float(np.sum((a - Y[:, j]) ** 2))
            except ValueError:
                return None
    return total / X.shape[1]


def _average_cost(stream, weights, biases, X, Y, what):
    """The student's average_cost(...) as recorded in the stream, naming the shape a 1-D column in a loop
    should have had."""
    try:
        return stream.recording.answer("average_cost", weights, biases, X, Y)
    except StudentError as error:
        if error.type == "ValueError" and "broadcast" in error.error_message:
            fail(f"{what}: {error}\n" + COLUMN_HINT.format(n=X.shape[0]))
        raise


def _example_cost_charged(stream) -> bool:
    """True if test_example_cost_random fails on the stream's answers (a wrong value, an error, not implemented)."""
    try:
        return bool(stream.verdict())
    except StudentFailure:
        return True


def _judge_average_costs(student, seed, stream, networks, test, dtype=False):
    """Judge average_cost on each network (_check_average_cost); where its answer is wrong (or it fails) and the
    student's own example_cost is charged in its own test, on its own instead (_average_cost_on_stand_in)."""
    blamed = []
    for weights, biases, X, Y, what in networks:
        try:
            _check_average_cost(stream, weights, biases, X, Y, what, dtype=dtype)
        except (AssertionError, StudentFailure):
            if not _example_cost_charged(stream):
                raise
            blamed.append((weights, biases, X, Y))
    if blamed:
        _average_cost_on_stand_in(student, seed, blamed, test)


def _stand_in_cost_run(student, seed, blamed, test):
    """(run, cases, asked): average_cost asked in a fresh child whose example_cost is the right one (a function of
    the child's fixed library: average_cost computes the columns it passes itself), on new networks of the blamed
    cases' sizes and batch sizes, each with a twin (output weights pushed far positive, then far negative), each
    asked twice in one shuffled stream (toolkit/stand_in.py)."""
    rng = _stream_rng(seed, f"average_cost stand-in {test}")
    cases = []
    for weights, _, X, Y in blamed:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        new_weights, new_biases, new_X = _random_network(rng, sizes, X.shape[1])
        new_Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], size=X.shape[1])]
        for sign in (10.0, -10.0):
            twin = list(new_weights)
            twin[-1] = sign * np.abs(new_weights[-1])
            cases.append((twin, new_biases, new_X, new_Y))
    run = stand_in.recorded(student, {"example_cost": Fn("squared_error")}, [("average_cost", c) for c in cases], rng)
    why = "your example_cost is charged in its own test (test_example_cost_random)"
    if run is None:
        fail(f"average_cost: {why}, and average_cost could not be asked again with an example_cost that works.")
    asked = (f"{why}, so average_cost was asked again in a process of its own, on new networks of the same sizes, "
             "with example_cost replaced by the right one")
    for case in cases:
        error = run.error("average_cost", *case)
        if isinstance(error, NotImplementedYet):
            raise error
        if error is not None:
            fail(f"average_cost: {asked}; there your average_cost still raised: {error}")
    nothing = run.why_nothing("average_cost")
    if nothing:
        fail_nothing(f"average_cost: {asked}", nothing)
    return run, cases, asked


def _average_cost_on_stand_in(student, seed, blamed, test):
    """average_cost judged on its own where its answers came from the student's own example_cost, charged in its own
    test (_stand_in_cost_run): each answer must be the mean example cost over the columns."""
    run, cases, asked = _stand_in_cost_run(student, seed, blamed, test)
    for weights, biases, X, Y in cases:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        what = f"average_cost of a {'-'.join(map(str, sizes))} network on {X.shape[1]} examples ({asked})"
        got = expect_float(run.answer("average_cost", weights, biases, X, Y), what)
        expected = float(np.sum((feedforward(weights, biases, X) - Y) ** 2) / X.shape[1])
        compare(got, expected, what, _average_cost_mistakes(weights, biases, X, Y), rtol=1e-6, atol=1e-9)


def _check_average_cost(stream, weights, biases, X, Y, what, dtype=False):
    """Judge the value (and, dtype=True, that it is a float of 64 bits): right, or the mean of the student's
    own example_cost over the columns where example_cost's own test charged its mistake."""
    got = answer = _average_cost(stream, weights, biases, X, Y, what)
    if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] == got.shape[1] and X.shape[1] > 0:
        fail(f"{what} should be a float, but your code returned {describe_value(got)}. " + COLUMN_HINT.format(n=X.shape[0]))
    got = expect_float(got, what)
    expected = float(np.sum((feedforward(weights, biases, X) - Y) ** 2) / X.shape[1])
    own = None if agrees(got, expected, rtol=1e-6, atol=1e-9) else stream.own_average(weights, biases, X, Y)
    if own is not None and agrees(got, own[0], rtol=1e-5 if own[1] is not None else 1e-9, atol=1e-9):
        return  # the mean of your own example_cost, whose mistake its own test charged
    compare(got, expected, what, _average_cost_mistakes(weights, biases, X, Y), rtol=1e-6, atol=1e-9)
    if dtype:
        own = stream.own_average(weights, biases, X, Y)
        if own is not None and own[1] is not None and low_precision(answer) == own[1]:
            return  # the dtype of your own example_cost, charged in its own test
        expect_float64(answer, what)


@points(4)
def test_average_cost_random(student, seed):
    """average_cost of random networks and batches is a float (64 bits): the mean example cost over the columns"""
    stream = _cost_stream(student, seed)
    _judge_average_costs(student, seed, stream, stream.networks[:3], "random", dtype=True)


@points(2)
def test_average_cost_batch_of_one(student, seed):
    """average_cost of a batch of one example equals that example's cost"""
    stream = _cost_stream(student, seed)
    _judge_average_costs(student, seed, stream, stream.networks[3:], "batch of one")


@points(1)
def test_average_cost_inputs_unchanged(student, reference, rng, seed):
    """average_cost leaves weights, biases, X and Y unchanged"""
    sizes, m = [7, 6, 4], 9
    weights, biases, X = _random_network(rng, sizes, m)
    Y = reference.one_hot(rng.integers(0, sizes[-1], size=m), sizes[-1])
    try:
        call = student.call("average_cost", [w.copy() for w in weights], [b.copy() for b in biases], X.copy(),
                            Y.copy(), return_args=True)
    except (StudentError, NotImplementedYet):
        if not _example_cost_charged(_cost_stream(student, seed)):
            raise
        return _inputs_unchanged_on_stand_in(student, seed, weights, X)
    # A property test: its points go to code that computes something from the network, right or wrong. The same
    # X and Y through output weights pushed far positive and far negative (outputs near 1, near 0) give costs far
    # apart, so that a value mistake (// for /, a rounding) still answers them differently, and a function of Y
    # alone does not.
    up, down = list(weights), list(weights)
    up[-1], down[-1] = 10.0 * np.abs(weights[-1]), -10.0 * np.abs(weights[-1])
    why = computes_on(student, "average_cost", [(up, biases, X, Y), (down, biases, X, Y)], rng)
    if why and _example_cost_charged(_cost_stream(student, seed)):  # nothing of its own shows over that example_cost
        return _inputs_unchanged_on_stand_in(student, seed, weights, X)
    if why:
        fail_nothing("average_cost for one batch X, Y through two networks", why)
    after_w, after_b, after_X, after_Y = call.args
    for name, before, after in (("weights", weights, after_w), ("biases", biases, after_b)):
        after = expect_list(after, len(before), f"{name} after the call")
        for layer, (b, a) in enumerate(zip(before, after)):
            expect_unchanged(b, a, f"{name}[{layer}]")
    expect_unchanged(X, after_X, "X")
    expect_unchanged(Y, after_Y, "Y")


def _inputs_unchanged_on_stand_in(student, seed, weights, X):
    """The property on its own where average_cost fails (or computes nothing) here and the student's own example_cost
    is charged in its own test: asked again with the right example_cost (_stand_in_cost_run), it must compute there and leave its
    inputs unchanged."""
    run, cases, asked = _stand_in_cost_run(student, seed, [(weights, None, X, None)], "unchanged")
    for case in cases:
        after = run.call("average_cost", *case).args
        for name, before, got in zip(("weights", "biases", "X", "Y"), case, after):
            if name in ("weights", "biases"):
                got = expect_list(got, len(before), f"{name} after the call ({asked})")
                for layer, (b, a) in enumerate(zip(before, got)):
                    expect_unchanged(b, a, f"{name}[{layer}]")
            else:
                expect_unchanged(before, got, name)


# ---------------------------------------------------------------- cost_derivative


def _check_cost_derivative(got, a, y, expected, what):
    got = expect_array(got, a.shape, what)
    compare(got, expected, what, _cost_derivative_mistakes(a, y), rtol=1e-9, atol=1e-12)


def _cost_derivative_mistakes(a, y):
    d = a - y
    return [
        Mistake(d, "That is a - y: the factor 2 is missing. The derivative of (a - y)^2 with respect to a is 2 (a - y)."),
        Mistake(-2 * d, "That is 2 (y - a): the sign is flipped. dC0/da = 2 (a - y) is positive when an activation is "
                 "too high, so gradient descent lowers it."),
        Mistake(-d, "That is y - a: both the factor 2 and the sign are off. dC0/da = 2 (a - y)."),
        Mistake(d ** 2, "That is the squared difference (the cost terms themselves), not their derivative 2 (a - y)."),
        Mistake(d / 2, "That is (a - y) / 2: the derivative of (a - y)^2 is 2 (a - y)."),
    ]


@points(3)
def test_cost_derivative_random(student, reference, rng):
    """cost_derivative is 2 (a - y), the same shape as the output"""
    for shape in ((10, 1), (10, int(rng.integers(2, 9))), (int(rng.integers(3, 8)),)):
        a, y = rng.random(shape), rng.random(shape)
        _check_cost_derivative(student.cost_derivative(a, y), a, y, reference.cost_derivative(a, y),
                               f"cost_derivative for an output of shape {shape}")


@points(1)
def test_cost_derivative_inputs_unchanged(student, reference, rng):
    """cost_derivative leaves output and y unchanged"""
    a, y = rng.random((10, 4)), reference.one_hot(rng.integers(0, 10, size=4))
    call = student.call("cost_derivative", a.copy(), y.copy(), return_args=True)
    a2 = rng.random((10, 4))  # a property test: its points go to code that computes something, right or wrong
    expect_computes_on(student, "cost_derivative", [(a, y), (a2, y)], "cost_derivative for two outputs", rng)
    expect_unchanged(a, call.args[0], "output")
    expect_unchanged(y, call.args[1], "y")
