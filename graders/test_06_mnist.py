"""Hidden graders for 06_mnist: evaluate and train.

train shuffles with the Generator it is given, so no test demands the
reference's exact mini-batch order: one full-batch epoch is order-free (one
gradient step), a one-layer network fed the identity matrix shows which
examples went into mini-batches of which size, two calls with the same seed
must agree, and the real test trains 784-16-16-10 on a fixed MNIST subset and
measures the test accuracy here in the parent with the reference evaluate.
"""
import functools
import zlib

import numpy as np

from autograder.engine.errors import GradingError

from autograder.engine.handle import NotImplementedYet, StudentError, StudentFailure
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, blame, compare, describe_value, expect_array, expect_float, fail,
                                lecture, named_mistake, points, unchanged)
from autograder.toolkit import stand_in
from autograder.toolkit.dtypes import low_precision
from autograder.toolkit.evidence import fail_nothing, judge, one_stream
from autograder.toolkit.network import backprop, evaluate as right_evaluate
from autograder.toolkit.sgd_runs import along_gradient, flatten, match, sgd_runs, step_ratio, step_size_bounds
from autograder.toolkit.mistakes import scaled
from autograder.toolkit.network import feedforward, one_hot, random_network, random_problem
from autograder.toolkit.wording import count, verb

# Every behavioural promise of the docstrings (phrases quoted from solutions/06_mnist/train.py) and the
# tests that check it: `course show 06_mnist` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "evaluate": {
        "labels: m ints": ["test_evaluate_random"],
        "Returns a float in [0, 1]: how often predict(...) equals the label": ["test_evaluate_hand_made",
                                                                                "test_evaluate_random"],
    },
    "train": {
        "weights, biases: the starting network (not modified)": ["test_train_leaves_inputs_unchanged"],
        "rng: a np.random.Generator that shuffles the mini-batches": ["test_train_shuffles_with_rng"],
        "X_test, labels_test: optional test images and int labels": ["test_train_history_matches_network"],
        "Each epoch: for each mini-batch from mini_batches(m, batch_size, rng)": ["test_train_shuffles_with_rng",
                                                                                  "test_train_every_example_once_per_epoch"],
        "step weights and biases with sgd_step": ["test_train_one_full_batch_step"],
        "record the training cost (average_cost over all of X, Y) in history[\"cost\"]":
            ["test_train_history_matches_network"],
        "Returns (weights, biases, history)": ["test_train_returns_network_and_history"],
    },
}

# The MNIST test: the reference reaches 0.897 on average (lowest 0.889 over 30
# seeds; about 1.2 s of training) with these settings.
TRAIN_N = 10_000
EPOCHS = 10
BATCH_SIZE = 10
LEARN_RATE = 1.5  # Nielsen's 3.0 for his cost with a 1/2; ours has none
MIN_ACCURACY = 0.85
TRAIN_SECONDS = 120


@functools.lru_cache(maxsize=2)
def _mnist(mnist_dir):
    """(X_train, y_train, X_test, y_test) from the shared MNIST files, loaded once per process."""
    from data.fetch import unreadable_paragraph
    from data.mnist import IDXError, load_mnist
    try:
        return load_mnist(mnist_dir)
    except (OSError, IDXError) as exc:  # the machine's fault, not the student's
        raise GradingError(unreadable_paragraph(mnist_dir, exc)) from None


# ---------------------------------------------------------------- evaluate

def _judge_evaluate(answer, X, expected, what):
    got = expect_float(answer, what)
    mistakes = _evaluate_mistakes(expected, X.shape[1])
    compare(got, expected, what, mistakes, rtol=0, atol=1e-12, dtype=low_precision(answer),
            hint="evaluate is the fraction of columns whose prediction (the brightest output neuron) equals the label.")


def _float32(accuracy):
    return float(np.float32(accuracy))


# The accuracies of typical evaluate mistakes: train records the student's own evaluate, so a mistake
# test_evaluate_random charged on train's test images (_evaluate_mistake_everywhere) is not charged again there.
EVALUATE_MISTAKES = {"count": lambda accuracy, m: accuracy * m, "percent": lambda accuracy, m: 100 * accuracy,
                     "wrong_fraction": lambda accuracy, m: 1.0 - accuracy,
                     "float32": lambda accuracy, m: _float32(accuracy)}


def _evaluate_mistakes(expected, m):
    return [
        Mistake(expected * m if m > 1 else None, f"That is the number of correct examples; evaluate returns the "
                                                 f"fraction: divide by the number of examples ({m}).", rtol=0,
                atol=1e-9, key="count"),
        Mistake(100 * expected if expected > 0 else None, "That is a percentage; evaluate returns a fraction in [0, 1].",
                rtol=0, atol=1e-9, key="percent"),
        Mistake(1.0 - expected, "That is the fraction of wrong answers; evaluate returns the fraction of correct ones.",
                rtol=0, atol=1e-12, key="wrong_fraction"),
        Mistake(_float32(expected) if _float32(expected) != expected else None,
                "That is the right fraction rounded to float32 (about 7 digits; it prints the same): return "
                "float(...) of the float64 mean, without np.float32(...) or astype(np.float32).",
                rtol=0, atol=1e-7, key="float32"),
    ]


def _hand_made_cases(rng):
    """(weights, biases, X, labels, expected, what) of test_evaluate_hand_made: the hand-made network, then the same
    network with its output neurons in another order, on its examples in another order, with other labels (other
    accuracies), so that an evaluate that recognises the hand-made inputs cannot answer them all."""
    # Output neuron j lights up exactly when input j is bright: the prediction is the brightest input.
    weights = [20.0 * np.eye(4)]
    biases = [-10.0 * np.ones((4, 1))]
    X = np.array([[1.0, 0.0, 0.0, 0.0, 0.9],
                  [0.0, 1.0, 0.0, 0.0, 0.1],
                  [0.0, 0.0, 1.0, 1.0, 0.0],
                  [0.0, 0.0, 0.0, 0.0, 0.2]])  # predictions 0, 1, 2, 2, 0
    labels = np.array([0, 1, 2, 3, 1])
    cases = [(weights, biases, X, labels, 0.6,
              "evaluate on 5 examples with predictions 0, 1, 2, 2, 0 and labels 0, 1, 2, 3, 1"),
             (weights, biases, X[:, 2:3], labels[2:3], 1.0, "evaluate on one example it gets right"),
             (weights, biases, X[:, 3:4], labels[3:4], 0.0, "evaluate on one example it gets wrong")]
    for right in rng.permutation([1, 2, 4, 5])[:3]:
        neurons, columns = rng.permutation(4), rng.permutation(5)
        W, b, shuffled = weights[0][neurons], biases[0][neurons], X[:, columns]
        predictions = np.argmax(W @ shuffled + b, axis=0)
        wrong = rng.permutation(5)[:5 - int(right)]
        new_labels = predictions.copy()
        new_labels[wrong] = (predictions[wrong] + rng.integers(1, 4, wrong.size)) % 4
        cases.append(([W], [b], shuffled, new_labels, right / 5,
                      f"evaluate on the same network with its output neurons in the order {neurons.tolist()}, on its "
                      f"examples in another order, with labels {new_labels.tolist()} (predictions "
                      f"{predictions.tolist()})"))
    return cases


@points(1)
def test_evaluate_hand_made(student, rng):
    """evaluate on a small hand-made network: 3 of 5 right gives 0.6 (and the same network reordered)"""
    cases = _hand_made_cases(rng)
    stream = blame.Recording(student, [("evaluate", case[:4]) for case in cases], rng)  # one shuffled stream
    for weights, biases, X, labels, expected, what in cases:
        _judge_evaluate(stream.answer("evaluate", weights, biases, X, labels), X, expected, what)


def _stream_rng(seed, name):
    """The generator of one recorded stream's inputs: from the submission's seed alone, so that whichever test
    asks first makes the same stream."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _history_problem(seed):
    """test_train_history_matches_network's network, training set, test images and test labels."""
    rng = _stream_rng(seed, "history problem")
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 24)
    X_test = rng.uniform(0.0, 1.0, (6, 30))
    labels_test = np.argmax(feedforward(weights, biases, X_test), axis=0)
    wrong = rng.random(30) < 0.5
    labels_test[wrong] = rng.integers(0, 4, int(wrong.sum()))
    return weights, biases, X, Y, X_test, np.asarray(labels_test, dtype=np.int64)


def _evaluate_cases(seed):
    """(weights, biases, X, labels, what) that test_evaluate_random grades: its own random networks, then 6-5-4
    networks on the test images of test_train_history_matches_network (where train records evaluate)."""
    rng = _stream_rng(seed, "evaluate networks")
    cases = []
    for sizes, m in (([8, 6, 10], 40), ([5, 7, 3], 37), ([6, 4, 10], 1)):
        weights, biases = random_network(rng, sizes)
        X = rng.uniform(0.0, 1.0, (sizes[0], m))
        labels = np.argmax(feedforward(weights, biases, X), axis=0)
        wrong = rng.random(m) < 0.3  # about 70% right, so that a wrong formula shows
        labels[wrong] = rng.integers(0, sizes[-1], int(wrong.sum()))
        cases.append((weights, biases, X, np.asarray(labels, dtype=np.int64),
                      f"evaluate on a random {'-'.join(map(str, sizes))} network and {m} examples"))
    *_, X_test, labels_test = _history_problem(seed)
    accuracies = set()
    for _ in range(50):  # networks of different accuracies: the evidence that evaluate computes compares them
        weights, biases = random_network(rng, [6, 5, 4])
        accuracy = right_evaluate(weights, biases, X_test, labels_test)
        if accuracy in accuracies or accuracy in (0.0, 0.5, 1.0):
            continue
        accuracies.add(accuracy)
        cases.append((weights, biases, X_test, labels_test, "evaluate on a random 6-5-4 network and 30 examples"))
        if len(accuracies) == HISTORY_NETWORKS:
            break
    return cases


HISTORY_NETWORKS = 3  # networks evaluate is recorded on, on the test images train's history test uses


def _evaluate_stream(student, seed) -> blame.Recording:
    """evaluate on every case of _evaluate_cases, each asked twice, in one shuffled stream made before any verdict:
    test_evaluate_random grades these very answers, and train's history test is judged against them."""
    return blame.recorded(student, "06 evaluate stream", lambda: blame.Recording(
        student, [("evaluate", (w, b, X, labels)) for w, b, X, labels, _ in _evaluate_cases(seed)],
        _stream_rng(seed, "evaluate stream")))


@points(3)
def test_evaluate_random(student, seed):
    """evaluate on random networks agrees with the reference (a float in [0, 1])"""
    stream = _evaluate_stream(student, seed)
    for weights, biases, X, labels, what in _evaluate_cases(seed):
        expected = right_evaluate(weights, biases, X, labels)
        _judge_evaluate(stream.answer("evaluate", weights, biases, X, labels), X, expected, what)


def _evaluate_raised_everywhere(student, seed, error) -> bool:
    """True if the student's evaluate, recorded on the test images of train's history test, raised this error (its
    type and message, numbers aside) for every network there: test_evaluate_random charged it."""
    stream = _evaluate_stream(student, seed)
    return all(blame.same_error(stream.error("evaluate", weights, biases, X, labels), error)
               for weights, biases, X, labels, _ in _evaluate_cases(seed)[-HISTORY_NETWORKS:])


def _evaluate_mistake_everywhere(student, seed, key) -> bool:
    """True if the student's evaluate, recorded on the test images of train's history test, made the mistake key
    on every network there (test_evaluate_random charged it: it grades those answers), and computes."""
    stream = _evaluate_stream(student, seed)
    if stream.why_nothing("evaluate"):
        return False
    shown = 0
    for weights, biases, X, labels, _ in _evaluate_cases(seed)[-HISTORY_NETWORKS:]:
        right = right_evaluate(weights, biases, X, labels)
        wrong = EVALUATE_MISTAKES[key](right, X.shape[1])
        if wrong == right:
            continue
        try:
            answer = stream.answer("evaluate", weights, biases, X, labels)
        except StudentError:
            return False
        if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)) \
                or not agrees(float(answer), wrong, rtol=0, atol=1e-9):
            return False
        shown += 1
    return shown > 0


# ---------------------------------------------------------------- train

def _unpack_train(got, weights, biases, epochs, call, test_data=False, per_epoch=True):
    """(weights, biases, history) with the right structure; arrays as float64.

    per_epoch=False: history["cost"] must be a non-empty list of floats of any
    length (tests about something else do not all take points for a wrong count).
    """
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail(f"{call} should return (weights, biases, history), but your code returned {describe_value(got)}.")
    new_w, new_b, history = got
    L = len(weights)
    out = []
    for name, new, old in (("weights", new_w, weights), ("biases", new_b, biases)):
        if not isinstance(new, (list, tuple)) or len(new) != L:
            fail(f"the {name} returned by {call} should be a list of {L} arrays, but your code returned {describe_value(new)}.")
        out.append([expect_array(n, o.shape, f"{name}[{layer}] returned by {call}")
                    for layer, (n, o) in enumerate(zip(new, old))])
    if not isinstance(history, dict):
        fail(f"the history returned by {call} should be a dict with a list under \"cost\", "
             f"but your code returned {describe_value(history)}.")
    keys = ["cost"] + (["test_accuracy"] if test_data else [])
    lists = {}
    for key in keys:
        if key not in history:
            when = " (test data was given)" if key == "test_accuracy" else ""
            fail(f"the history returned by {call} has no \"{key}\" entry{when}: record one value per epoch.")
        values = history[key]
        if isinstance(values, np.ndarray) and values.ndim == 1:
            values = list(values)
        if not isinstance(values, (list, tuple)) or (len(values) != epochs if per_epoch else not values):
            fail(f"history[\"{key}\"] from {call} should hold one value per epoch ({epochs}), "
                 f"but your code returned {describe_value(values)}.")
        lists[key] = [expect_float(v, f"history[\"{key}\"][{k}] from {call}") for k, v in enumerate(values)]
    return out[0], out[1], lists


EVIDENCE_LEARN_RATE = 0.02  # small steps: the change after a few of them points along the first gradient
MIN_ALIGNMENT = 0.8  # |cos| of the networks' and the gradients' differences: about 1 for steps, 1/sqrt(n) for noise


def _expect_train_computes(student, weights, biases, m, settings, what, rng):
    """The evidence that train computes (docs/graders.md, rule 1): train (the test's epochs and batch_size, a
    small learn_rate) on two training sets that any shuffle leaves as they are, each asked twice in one shuffled
    stream. Each holds m copies of one example, so a train that shuffles with np.random (charged in
    test_train_shuffles_with_rng alone) answers the same set the same way, the other example must give another
    network, and every mini-batch's gradient is that example's: the two networks must differ along the difference
    of the two examples' gradients (downhill or uphill, steps of any size, rescaled or shifted alike), in the
    parameters they differ in. A constant, a pattern, the starting network
    handed back, a counter or noise (from the rng or not) show nothing."""
    n_in, n_out = weights[0].shape[1], weights[-1].shape[0]
    epochs, batch_size, _ = settings
    seeds, cases, examples = [int(s) for s in rng.choice(2**31, 2, replace=False)], [], []
    for seed in seeds:  # a Generator of another seed for each example: noise drawn from it does not cancel
        x, y = rng.uniform(0.0, 1.0, (n_in, 1)), one_hot([int(rng.integers(0, n_out))], n_out)
        examples.append((x, y))
        cases.append((weights, biases, np.repeat(x, m, axis=1), np.repeat(y, m, axis=1), epochs, batch_size,
                      EVIDENCE_LEARN_RATE, Fn("rng", seed=seed)))
    what = (f"{what}, and the same with learn_rate = {EVIDENCE_LEARN_RATE} on {m} copies of one example "
            "(for two examples)")
    results = one_stream(student, [("train", case, {}) for case in cases], rng)
    network = lambda result: [*result[0], *result[1]]  # noqa: E731
    why = judge([[(c.result if c is not None else None, e) for c, e in pair] for pair in results], cases, network)
    if why:
        fail_nothing(what, why)
    # what the two examples' networks differ by must go along the difference of their gradients (for steps of any
    # sign and size, and for a network a wrong train rescales or shifts alike for both)
    nets = [[np.asarray(p, dtype=np.float64) for p in network(pair[0][0].result)] for pair in results]
    gradients = [[*grad_w, *grad_b] for grad_w, grad_b in (backprop(weights, biases, x, y) for x, y in examples)]
    moved = [i for i, (a, b) in enumerate(zip(*nets)) if a.shape == b.shape and not np.array_equal(a, b)]
    size = sum(nets[0][i].size for i in moved)
    flat = [np.concatenate([net[i].ravel() for i in moved]) if moved else np.zeros(0) for net in nets]
    difference = np.concatenate([(gradients[0][i] - gradients[1][i]).ravel() for i in moved]) if moved else np.zeros(0)
    if size < min(8, sum(p.size for p in nets[0])) or along_gradient(flat[1], flat[0], difference) < MIN_ALIGNMENT:
        fail_nothing(what, "the networks it returned for the two examples do not differ along the gradients of "
                           "their costs (every mini-batch step on copies of one example goes along that example's "
                           "gradient), only by changes unrelated to them")
    steps = epochs * -(-m // batch_size)
    low, high = step_size_bounds(steps, m)
    ratio = step_ratio(flat[1], flat[0], difference, EVIDENCE_LEARN_RATE)
    if not low <= ratio <= high:
        fail_nothing(what, f"the networks it returned for the two examples differ along their gradients by "
                           f"{ratio:.3g} times learn_rate * gradient, where {steps} mini-batch steps of learn_rate * "
                           f"gradient give about {steps}: far from any number of steps of that size")


@points(2)
def test_train_returns_network_and_history(student, rng):
    """train returns (weights, biases, history) with one training cost per epoch"""
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 20)
    call = "train on a 6-5-4 network for 3 epochs"
    got = student.train(weights, biases, X, Y, 3, 5, 0.5, Fn("rng", seed=int(rng.integers(2**31))))
    _unpack_train(got, weights, biases, 3, call)
    # A property test (what train returns): earned by code that trains, right or wrong, not by a constant
    # network, a pattern or the starting one handed back.
    _expect_train_computes(student, weights, biases, X.shape[1], (3, 5, 0.5), call, rng)


def _check_cost_history(reference, weights, biases, X, Y, new_w, new_b, history):
    """The last history["cost"] entry is the average cost of the network train returned."""
    cost = reference.average_cost(new_w, new_b, X, Y)
    last = history["cost"][-1]
    if agrees(last, cost, rtol=1e-6, atol=1e-12):
        return
    tolerance = dict(rtol=1e-6, atol=1e-12)
    before_training = Mistake(reference.average_cost(weights, biases, X, Y),
                              "Your first entry is the cost of the network before any training: record the cost "
                              "at the end of each epoch, after its mini-batch steps.", **tolerance)
    hint = (named_mistake(history["cost"][0], [before_training])
            or named_mistake(last, [
                Mistake(cost * X.shape[1], "That is the total over the examples; the cost is the mean example "
                                           "cost (average_cost).", **tolerance),
                Mistake(cost / 2, "That is half the cost: the lecture's cost is the sum of squares, without a 1/2.",
                        **tolerance)])
            or "history[\"cost\"] holds the average cost over all training examples after each epoch.")
    fail(f"the last history[\"cost\"] entry is {last:.6g}, but the average cost of the network your train "
         f"returned is {cost:.6g}. {hint}")


@points(2)
def test_train_history_matches_network(student, reference, rng, seed):
    """history records the cost and test accuracy at the end of each epoch"""
    weights, biases, X, Y, X_test, labels_test = _history_problem(seed)
    epochs, train_seed = 2, int(rng.integers(2**31))
    call = "train on a 6-5-4 network for 2 epochs with test data"
    try:
        got = student.train(weights, biases, X, Y, epochs, 6, 1.0, Fn("rng", seed=train_seed),
                            X_test=X_test, labels_test=labels_test)
    except StudentError as error:
        if not _evaluate_raised_everywhere(student, seed, error):
            raise
        # train records the student's own evaluate, which raised this error on these test images in
        # test_evaluate_random: the cost history is judged without test data, and only for a train that computes
        call = "train on a 6-5-4 network for 2 epochs without test data (with it, your evaluate raised)"
        got = student.train(weights, biases, X, Y, epochs, 6, 1.0, Fn("rng", seed=train_seed))
        new_w, new_b, history = _unpack_train(got, weights, biases, epochs, call)
        _check_cost_history(reference, weights, biases, X, Y, new_w, new_b, history)
        _expect_train_computes(student, weights, biases, X.shape[1], (epochs, 6, 1.0), call, rng)
        return
    new_w, new_b, history = _unpack_train(got, weights, biases, epochs, call, test_data=True)
    _check_cost_history(reference, weights, biases, X, Y, new_w, new_b, history)
    _expect_train_computes(student, weights, biases, X.shape[1], (epochs, 6, 1.0), call, rng)  # not the start handed back
    accuracies = history["test_accuracy"]
    accuracy = reference.evaluate(new_w, new_b, X_test, labels_test)
    if not agrees(accuracies[-1], accuracy, rtol=0, atol=1e-12) and _evaluate_charged(student, seed):
        # not the right accuracy, and the student's own evaluate is wrong in its own test: train is asked again with
        # the right evaluate (whatever the mistake, in whatever style), and must record it
        return _history_on_stand_in(student, reference, (weights, biases, X, Y, epochs, 6, 1.0, train_seed),
                                    X_test, labels_test)
    # train records the student's own evaluate: a mistake there, charged by test_evaluate_random on these very test
    # images (recorded before any verdict, for other networks), is not charged again here
    if any(agrees(accuracies[-1], mistake(accuracy, X_test.shape[1]), rtol=0, atol=1e-9)
           and _evaluate_mistake_everywhere(student, seed, key) for key, mistake in EVALUATE_MISTAKES.items()):
        return
    if not all(0.0 <= a <= 1.0 for a in accuracies):
        fail(f"history[\"test_accuracy\"] should hold fractions in [0, 1], got {accuracies}.")
    if not agrees(accuracies[-1], accuracy, rtol=0, atol=1e-12):
        fail(f"the last history[\"test_accuracy\"] entry is {accuracies[-1]:.6g}, but the network your train "
             f"returned classifies {accuracy:.6g} of the test examples correctly: record evaluate(weights, "
             "biases, X_test, labels_test) at the end of each epoch.")


def _evaluate_charged(student, seed) -> bool:
    """True if test_evaluate_random fails on the recorded answers (a wrong value, an error, not implemented)."""
    stream = _evaluate_stream(student, seed)
    try:
        for weights, biases, X, labels, what in _evaluate_cases(seed):
            _judge_evaluate(stream.answer("evaluate", weights, biases, X, labels), X,
                            right_evaluate(weights, biases, X, labels), what)
    except (AssertionError, StudentFailure):
        return True
    return False


def _history_on_stand_in(student, reference, args, X_test, labels_test):
    """train's test-accuracy history judged on its own where the student's evaluate is charged in its own test:
    train asked again in a fresh child whose evaluate is the right one (a function of the child's fixed library,
    toolkit/stand_in.py), the call twice; the last entry must be the accuracy of the network it returns."""
    weights, biases, X, Y, epochs, batch_size, learn_rate, train_seed = args
    rng = Fn("rng", seed=train_seed)
    calls = [("train", (weights, biases, X, Y, epochs, batch_size, learn_rate, rng),
              {"X_test": X_test, "labels_test": labels_test})]
    run = stand_in.recorded(student, {"evaluate": Fn("accuracy")}, calls, np.random.default_rng(train_seed))
    why = "your evaluate is charged in its own test (test_evaluate_random)"
    if run is None:
        fail(f"train's test accuracy history: {why}, and train could not be asked again with an evaluate that works.")
    asked = (f"{why}, so train was asked again in a process of its own, with evaluate replaced by the right one")
    error = run.error("train", *calls[0][1])
    if isinstance(error, NotImplementedYet):
        raise error
    if error is not None:
        fail(f"train: {asked}; there your train raised: {error}")
    call = f"train on a 6-5-4 network for 2 epochs with test data ({asked})"
    new_w, new_b, history = _unpack_train(run.answer("train", *calls[0][1]), weights, biases, epochs, call,
                                          test_data=True)
    accuracy = reference.evaluate(new_w, new_b, X_test, labels_test)
    if not agrees(history["test_accuracy"][-1], accuracy, rtol=0, atol=1e-12):
        fail(f"the last history[\"test_accuracy\"] entry is {history['test_accuracy'][-1]:.6g} ({asked}), but the "
             f"network your train returned classifies {accuracy:.6g} of the test examples correctly: record "
             "evaluate(weights, biases, X_test, labels_test) at the end of each epoch.")


@points(1)
def test_train_leaves_inputs_unchanged(student, reference, rng):
    """train does not modify the starting weights, biases, X or Y"""
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 12)
    m, learn_rate = X.shape[1], 0.5
    before = ([W.copy() for W in weights], [b.copy() for b in biases], X.copy(), Y.copy())
    # two epochs of one full mini-batch each: two gradient steps, whatever the order of the columns
    call = student.call("train", weights, biases, X, Y, 2, m, learn_rate, Fn("rng", seed=int(rng.integers(2**31))),
                        return_args=True)
    after = call.args
    for name, old, new in zip(("weights", "biases"), before[:2], after[:2]):
        if not isinstance(new, list) or len(new) != len(old):
            fail(f"your code changed the list {name} it was given; functions must not modify their arguments.")
        for layer, (o, n) in enumerate(zip(old, new)):
            if not unchanged(o, n):
                fail(f"your code changed the starting {name}[{layer}]; train must not modify its arguments: "
                     "update with W = W - learn_rate * grad (a new array), not W -= learn_rate * grad "
                     "on the arrays you were given (sgd_step returns new lists).")
    for name, old, new in (("X", before[2], after[2]), ("Y", before[3], after[3])):
        if not unchanged(old, new):
            fail(f"your code changed its input {name}; train must not modify its arguments "
                 "(shuffle indices, e.g. rng.permutation(m), not the data itself).")
    what = f"train for 2 epochs with batch_size = m = {m}"
    # A property test: any train that computes a new network earns it, right or wrong (the steps are judged by
    # the other train tests); handing back the starting network (or None) computes nothing.
    _unpack_train(call.result, before[0], before[1], 2, what, per_epoch=False)
    _expect_train_computes(student, before[0], before[1], m, (2, m, learn_rate), what, rng)


def _step_mistakes(right_step, m):
    """Gradient steps of the wrong size or direction."""
    return scaled(right_step, [
        (-1.0, "Your step goes uphill: subtract learn_rate * gradient (W - learn_rate * grad_W)."),
        (1.0 / m, f"Your step is {m} times too small: backprop already averages over the mini-batch, "
                  "so the step is learn_rate * grad, not learn_rate / len(batch) * grad."),
        (float(m), f"Your step is {m} times too large: the gradient of the batch cost is the mean "
                   "over the examples, not the sum."),
        (2.0, "Your step is twice too large."),
        (0.5, "Your step is half the right one.")], rtol=1e-6, atol=1e-12)


@points(3)
def test_train_one_full_batch_step(student, reference, rng):
    """one epoch with a single mini-batch of all examples is one gradient descent step"""
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 12)
    m, learn_rate = X.shape[1], 0.5
    call = f"train for 1 epoch with batch_size = m = {m} and learn_rate = {learn_rate}"
    got = student.train(weights, biases, X, Y, 1, m, learn_rate, Fn("rng", seed=int(rng.integers(2**31))))
    new_w, new_b, history = _unpack_train(got, weights, biases, 1, call, per_epoch=False)
    grad_w, grad_b = reference.backprop(weights, biases, X, Y)
    for name, new, old, grads in (("weights", new_w, weights, grad_w), ("biases", new_b, biases, grad_b)):
        for layer in range(len(old) - 1, -1, -1):
            expected = old[layer] - learn_rate * grads[layer]
            if agrees(new[layer], expected, rtol=1e-6, atol=1e-10):
                continue
            step, right_step = new[layer] - old[layer], -learn_rate * grads[layer]
            hint = ("One epoch with batch_size = m runs one mini-batch holding every example: "
                    "(grad_w, grad_b) = backprop(weights, biases, X[:, batch], Y[:, batch]), then "
                    "W - learn_rate * grad_W for every layer.")
            if np.array_equal(new[layer], old[layer]):
                hint = ("Your train did not change them at all: did the epoch run no mini-batch? With "
                        "batch_size = m there is exactly one, holding all m examples.")
            else:
                hint = named_mistake(step, _step_mistakes(right_step, m)) or hint
            compare(new[layer], expected, f"{name}[{layer}] after {call}", rtol=1e-6, atol=1e-10, hint=hint,
                    by_example=False)
    cost = reference.average_cost(new_w, new_b, X, Y)
    compare(history["cost"][0], cost, f"history[\"cost\"][0] after {call}", rtol=1e-6, atol=1e-12,
            hint="Record the average cost over all training examples at the end of each epoch.")


@points(2)
def test_train_every_example_once_per_epoch(student, rng):
    """each epoch uses every example exactly once, in mini-batches of at most batch_size"""
    # One layer fed the identity matrix: weight column i is moved only by example i, by
    # -learn_rate * delta_i / len(its mini-batch). So the change of each column tells which
    # examples were used and how large their mini-batches were, whatever the order. X has
    # more rows (input neurons) than columns (examples): m must come from X.shape[1].
    m, n_in, n_out, batch_size, learn_rate = 23, 30, 4, 5, 1e-5
    X = np.eye(n_in, m)  # example i lights up input neuron i; the last 7 input neurons stay dark
    labels = rng.integers(0, n_out, m)
    Y = one_hot(labels, n_out)
    weights = [0.5 * rng.standard_normal((n_out, n_in))]
    biases = [np.zeros((n_out, 1))]
    call = f"train for 1 epoch on {m} examples ({n_in} input neurons) with batch_size = {batch_size}"
    try:
        got = student.train(weights, biases, X, Y, 1, batch_size, learn_rate,
                            Fn("rng", seed=int(rng.integers(2**31))))
    except StudentError as exc:
        if exc.type == "IndexError":
            fail(f"{call}: {exc}\nX holds one example per column, so the number of examples is "
                 f"m = X.shape[1] = {m}; X.shape[0] = {n_in} is the number of input neurons. "
                 "Cut mini_batches(X.shape[1], batch_size, rng).")
        raise
    (new_W,), _, _ = _unpack_train(got, weights, biases, 1, call, per_epoch=False)
    a = 1.0 / (1.0 + np.exp(-(weights[0][:, :m] + biases[0])))  # column i: the output for example i
    delta = 2.0 * (a - Y) * a * (1.0 - a)
    change = new_W[:, :m] - weights[0][:, :m]
    unused = [i for i in range(m) if not np.any(change[:, i])]
    if len(unused) == m:
        fail(f"{call}: the weights did not change at all. Every mini-batch step must update the network: "
             "weights = sgd_step(weights, grad_w, learn_rate) returns new lists, it does not change its inputs.")
    if unused:
        fail(f"{call}: {count(len(unused), 'example')} of the {m} {verb(len(unused), 'was', 'were')} never used "
             f"in the epoch. With {m} examples and batch_size = {batch_size} the mini-batches hold 5, 5, 5, 5 "
             "and 3 examples: keep the last, shorter one (range(0, m, batch_size), slices [k:k + batch_size]).")
    # the change of column i is -learn_rate * delta_i / size: least squares for size
    sizes = -learn_rate * np.sum(delta * delta, axis=0) / np.sum(delta * change, axis=0)
    rounded = np.round(sizes)
    if np.all(sizes < 0):
        fail(f"{call}: every weight moved uphill, in the direction that raises the cost: "
             "W - learn_rate * grad_W, not W + learn_rate * grad_W.")
    if not np.all(np.abs(sizes - rounded) <= 0.03 * np.abs(rounded)) or np.any(rounded < 1):
        fail(f"{call}: the weights moved as if some examples counted twice or with a wrong weight. Each "
             "example belongs to exactly one mini-batch per epoch, and one step is learn_rate times the "
             "gradient of that mini-batch's (mean) cost.")
    if np.any(rounded > batch_size):
        fail(f"{call}: the steps are as small as those of mini-batches of {int(rounded.max())} examples, more than "
             f"batch_size = {batch_size}. Is the step divided by the batch size twice? backprop already "
             "averages over the mini-batch: W - learn_rate * grad_W.")
    for size in np.unique(rounded):
        if np.sum(rounded == size) % size:
            fail(f"{call}: the steps do not fit mini-batches that each use every example once: "
                 f"{int(np.sum(rounded == size))} examples look as if in mini-batches of {int(size)}.")


# test_train_shuffles_with_rng: 4 examples in mini-batches of 2 for 3 epochs: 6 orders per epoch, 216 networks
SHUFFLE_M, SHUFFLE_BATCH, SHUFFLE_EPOCHS, SHUFFLE_RATE, SHUFFLE_SEEDS = 4, 2, 3, 2.0, 5


def _shuffle_problem(rng):
    """A 3-3-2 network and 4 examples, with every run of mini-batch SGD on them (sgd_runs: right steps, uphill
    steps, and steps of half and twice the size, so that a wrong step still shows the order)."""
    weights, biases, X, Y, _ = random_problem(rng, [3, 3, 2], SHUFFLE_M)
    runs = sgd_runs(weights, biases, X, Y, SHUFFLE_EPOCHS, SHUFFLE_BATCH, SHUFFLE_RATE, factors=(1.0, -1.0, 0.5, 2.0))
    return weights, biases, X, Y, runs


def _full_batch_steps(weights, biases, X, Y):
    """What one step per epoch on all the examples gives (batch_size ignored)."""
    for _ in range(SHUFFLE_EPOCHS):
        grad_w, grad_b = backprop(weights, biases, X, Y)
        weights = [W - SHUFFLE_RATE * g for W, g in zip(weights, grad_w)]
        biases = [b - SHUFFLE_RATE * g for b, g in zip(biases, grad_b)]
    return flatten(weights, biases)


@points(1)
def test_train_shuffles_with_rng(student, rng):
    """train shuffles the mini-batches with the rng it is given, anew every epoch (same seed, same result)"""
    weights, biases, X, Y, runs = _shuffle_problem(rng)
    seeds = [int(s) for s in rng.choice(2**31, SHUFFLE_SEEDS, replace=False)]
    call = (f"train for {SHUFFLE_EPOCHS} epochs on {SHUFFLE_M} examples with batch_size = {SHUFFLE_BATCH} and "
            f"learn_rate = {SHUFFLE_RATE}")
    results = []
    for s in seeds[:1] + seeds:
        got = student.train(weights, biases, X, Y, SHUFFLE_EPOCHS, SHUFFLE_BATCH, SHUFFLE_RATE, Fn("rng", seed=s))
        new_w, new_b, _ = _unpack_train(got, weights, biases, SHUFFLE_EPOCHS, call, per_epoch=False)
        results.append(flatten(new_w, new_b))
    start = flatten(weights, biases)
    if all(np.array_equal(r, start) for r in results):
        fail(f"{call}: train returned the starting network unchanged, so its shuffling cannot be checked: each "
             "mini-batch step must update weights and biases (weights = sgd_step(weights, grad_w, learn_rate)).")
    if not np.allclose(results[0], results[1], rtol=1e-12, atol=1e-14):
        fail("Two calls of train with Generators of the same seed gave different networks: shuffle with the rng "
             "passed in (e.g. rng.permutation(m)), not with np.random or a Generator of your own.")
    found = [match(runs, r) for r in results[1:]]
    if any(run is None for run in found):
        hint = ("Each epoch cuts the shuffled examples into mini-batches of batch_size and takes one gradient step "
                "per mini-batch: for batch in mini_batches(m, batch_size, rng).")
        if np.allclose(results[1], _full_batch_steps(weights, biases, X, Y), rtol=1e-6, atol=1e-9):
            hint = (f"It is the network of one gradient step per epoch on all {SHUFFLE_M} examples: the epoch must "
                    f"step once per mini-batch of batch_size = {SHUFFLE_BATCH}. " + hint)
        fail(f"{call}: your network is none of those that mini-batches of {SHUFFLE_BATCH} examples, each used once "
             f"per epoch in some shuffled order, give, so the order of your mini-batches cannot be read from it. "
             + hint)
    if len({run.epochs for run in found}) == 1:
        fail("Generators of different seeds gave the same network: the mini-batches do not depend on rng. "
             "Stochastic gradient descent shuffles the examples every epoch: order = rng.permutation(m).")
    if all(len(set(run.epochs)) == 1 for run in found):
        fail(f"{call} gives, for each of {SHUFFLE_SEEDS} seeds, the network of the same mini-batches in every epoch: "
             "cut once, before the epochs, and used again. Stochastic gradient descent shuffles the examples anew "
             "in every epoch: call mini_batches(m, batch_size, rng) inside the loop over the epochs.")


@points(5)
def test_train_mnist(student, reference, course, seed):
    """train teaches 784-16-16-10 to read digits: at least 85% on the 10,000 test images"""
    X_train, y_train, X_test, y_test = _mnist(str(course.mnist_dir))
    X = np.ascontiguousarray(X_train[:, :TRAIN_N])
    Y = one_hot(y_train[:TRAIN_N], 10)
    weights, biases = random_network(np.random.default_rng(seed), list(lecture.SIZES))
    call = (f"train on the first {TRAIN_N:,} MNIST training images ({EPOCHS} epochs, batch_size = {BATCH_SIZE}, "
            f"learn_rate = {LEARN_RATE})")
    got = student.call("train", weights, biases, X, Y, EPOCHS, BATCH_SIZE, LEARN_RATE, Fn("rng", seed=seed),
                       seconds=TRAIN_SECONDS, expect=(weights, biases))  # the reply: a network, not the data
    new_w, new_b, history = _unpack_train(got, weights, biases, EPOCHS, call, per_epoch=False)
    cost = history["cost"]
    accuracy = reference.evaluate(new_w, new_b, X_test, y_test)
    if accuracy < MIN_ACCURACY:
        hint = ""
        if accuracy <= max(reference.evaluate(weights, biases, X_test, y_test) + 0.05, 0.2):
            hint = (" It did not learn at all: check that each mini-batch step goes downhill, "
                    "W - learn_rate * grad_W, with the gradients of that mini-batch.")
        fail(f"After {call}, your network recognises {accuracy:.1%} of the 10,000 test images; at least "
             f"{MIN_ACCURACY:.0%} is required (the reference's train reaches about 89%).{hint}")
    if not cost[-1] < cost[0]:
        fail(f"After {call}, the recorded training cost did not fall: from {cost[0]:.4g} after the first "
             f"epoch to {cost[-1]:.4g} after the last. Record the average cost over all training examples at "
             "the end of each epoch.")
