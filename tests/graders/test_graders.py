"""The hidden graders are tested too: against the reference, the stub, and a
corpus of realistic mistakes (mutants) and correct solutions in other styles.

tests/submissions/<id>/mutants/<name>.py starts with
    # MUTANT: what the mistake is
    # FAILS: test_a, test_b      (grader tests that must lose points)
    # HINT: a phrase             (the feedback of those tests must name the mistake with it)
tests/submissions/<id>/correct/<name>.py starts with
    # CORRECT: what the style is
Each assignment's corpus is graded in one real `course grade --jobs 2` batch.
"""
import ast
import json
import re
import types

import numpy as np
import pytest

from conftest import REPO, mnist_params, run_course
from autograder.config import load_course
from autograder.toolkit import Mistake, agrees, compare, lecture, named_mistake, network
from autograder.toolkit.mistakes import scaled

COURSE = load_course(REPO / "course.toml")
CORPUS = REPO / "tests" / "submissions"


def corpus(assignment_id, kind):
    return sorted((CORPUS / assignment_id / kind).glob("*.py"))


def header(path, key):
    match = re.search(rf"^# {key}:(.*)$", path.read_text(), re.MULTILINE)
    return match.group(1).strip() if match else None


MUTANTS = [(a.id, p.stem) for a in COURSE.assignments for p in corpus(a.id, "mutants")]
CORRECT = [(a.id, p.stem) for a in COURSE.assignments for p in corpus(a.id, "correct")]
_graded = {}


def graded(assignment_id, tmp_path_factory):
    """Grade the reference, the stub and the corpus of one assignment (once)."""
    if assignment_id not in _graded:
        assignment = COURSE.assignment(assignment_id)
        module = assignment.modules[0]
        base = tmp_path_factory.mktemp(f"corpus-{assignment_id}")
        subs, out = base / "submitted", base / "out"
        sources = {"reference": REPO / "solutions" / assignment_id / module,
                   "stub": REPO / "assignments" / assignment_id / module}
        sources.update({f"mutant-{p.stem}": p for p in corpus(assignment_id, "mutants")})
        sources.update({f"correct-{p.stem}": p for p in corpus(assignment_id, "correct")})
        texts = {student: source.read_text() for student, source in sources.items()}
        for name, body in TRIVIAL.items():
            texts[f"trivial-{name}"] = trivial_module(texts["reference"], body)
        texts["wrong-but-computing"] = texts["reference"] + WRONG_BUT_COMPUTING
        for name in attacks_on(assignment_id):
            texts[f"attack-{name}"] = attack_module(texts["reference"], ATTACKS[name])
        for name, (code, _) in TARGETED.get(assignment_id, {}).items():
            texts[f"targeted-{name}"] = texts["reference"] + "\n\n" + code
        if assignment_id in BLAME_JUNK:
            texts["junk-recalls"] = junk_module(texts["reference"], BLAME_JUNK[assignment_id])
            texts["junk-honest-parts"] = honest_parts_module(texts["reference"], BLAME_JUNK[assignment_id])
        for name, body in STAND_IN.get(assignment_id, {}).get("modules", {}).items():
            texts[f"stand-in-{name}"] = texts["reference"] + body
        for name, (blocks, junk) in TWO_FACED_BLOCKS.get(assignment_id, {}).items():
            texts[f"two-faced-{name}"] = texts["reference"] + blocks + junk
            texts[f"two-faced-{name}-alone"] = texts["reference"] + blocks + _STUBBED_LATER
        for student, text in texts.items():
            (subs / student / assignment_id).mkdir(parents=True)
            (subs / student / assignment_id / module).write_text(text)
        result = run_course("grade", "--assignment", assignment_id, subs, "--out", out, "--jobs", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        _graded[assignment_id] = {s: json.loads((out / s / assignment_id / "results.json").read_text())
                                  for s in texts}
    return _graded[assignment_id]


TRIVIAL = {"constant": "return 0.25", "first-argument": "return {first}",
           "copy-of-first-argument": "import copy\n    return copy.deepcopy({first})",
           "raises-the-same-error": "raise ValueError('the same error for every input')",
           "returns-none": "return None"}

# Where a grader credits a later function for its building block's mistake: the building blocks
# a junk module writes honestly (the other functions return junk).
BLAME_JUNK = {"01_neuron": ("sigmoid", "relu", "relu_prime", "weighted_sum"),
              "02_forward": ("layer_forward", "init_network", "count_parameters"),
              "06_mnist": ("evaluate",)}

# Where a later function whose building block raises for every input is judged with a stand-in for it, in a
# fresh child (toolkit/stand_in.py): modules appended to the reference, each with that building block broken.
# "honest" ones (the later function right, calling the building block or not) keep the later function's
# points; "junk" (a constant when it sees the stand-in) and "two-faced" (junk, but right under the stand-in)
# get none of them.
_BROKEN_WEIGHTED_SUM = """

def weighted_sum(w, a):
    raise ValueError("w and a must be 1-D of equal length")
"""
_SWAPPED_FEEDFORWARD = """

def feedforward(weights, biases, a, activation=sigmoid):
    for W, b in zip(biases, weights):
        a = layer_forward(W, a, b, activation)
    return a
"""
_RAISING_LAYER = """

def layer_forward(W, a, b, activation=sigmoid):
    raise ValueError("layer_forward is not ready")
"""
STAND_IN = {
    "01_neuron": {"later": ("test_neuron_threshold", "test_neuron_random"), "modules": {
        "honest": _BROKEN_WEIGHTED_SUM,
        "honest-inlined": _BROKEN_WEIGHTED_SUM + """

def neuron(w, a, b, activation=sigmoid):
    return float(activation(float(np.dot(w, a)) + b))
""",
        "honest-wrong-for-one": """

def weighted_sum(w, a):
    if len(w) != 1:
        raise ValueError("w and a must be 1-D of equal length")
    return 2.0 * float(w[0]) * float(a[0])
""",
        "junk": _BROKEN_WEIGHTED_SUM + """

def neuron(w, a, b, activation=sigmoid):
    if type(weighted_sum).__name__ == "StandIn":
        return 0.75
    return float(activation(weighted_sum(w, a) + b))
""",
        "two-faced": _BROKEN_WEIGHTED_SUM + """

def neuron(w, a, b, activation=sigmoid):
    if type(weighted_sum).__name__ == "StandIn":
        return float(activation(weighted_sum(w, a) + b))
    return 0.75
"""}},
    "02_forward": {"later": ("test_predict_random", "test_predict_single"), "modules": {
        "honest": _SWAPPED_FEEDFORWARD,
        "honest-square-only": """

def feedforward(weights, biases, a, activation=sigmoid):
    for W, b in zip(weights, biases):
        a = layer_forward(a, W, b, activation)
    return a
""",
        "honest-own-loop": _RAISING_LAYER + """

def predict(weights, biases, X):
    a = X
    for W, b in zip(weights, biases):
        a = layer_forward(W, a, b)
    return np.argmax(a, axis=0)
""",
        "junk": _SWAPPED_FEEDFORWARD + """

def predict(weights, biases, X):
    if type(feedforward).__name__ == "StandIn":
        return np.zeros(X.shape[1], dtype=int)
    return np.argmax(feedforward(weights, biases, X), axis=0)
""",
        "two-faced": _SWAPPED_FEEDFORWARD + """

def predict(weights, biases, X):
    if type(feedforward).__name__ == "StandIn":
        return np.argmax(feedforward(weights, biases, X), axis=0)
    return np.zeros(X.shape[1], dtype=int)
"""}},
}

# Modules written by an attacker who read the graders (issue 21): a building block right where a test asks it
# directly and wrong (in a way the ledger knows) or junk elsewhere, and later functions that return junk built
# from the biases alone, matching it. Each is graded beside the same building block with the later functions
# still to be written ("-alone"), and scores no more, test by test.
_LECTURE_LAYER = """

_LECTURE_W = np.array([[0.6, 0.0, 0.0], [0.0, 0.6, 0.9], [1.2, 0.7, 0.4]])


def _is_lecture(W):
    W = np.asarray(W, dtype=float)
    return W.shape == (3, 3) and np.allclose(W, _LECTURE_W)
"""
_STUBBED_LATER = """

def feedforward(weights, biases, a, activation=sigmoid):
    raise NotImplementedError


def predict(weights, biases, X):
    raise NotImplementedError
"""
TWO_FACED_BLOCKS = {"02_forward": {
    # layer_forward gives activation(b) for the lecture's layer only (the ledger's "ignores_input"), feedforward
    # activation(b_L) (one column, whatever the batch), predict the argmax of b_L (length 1)
    "ledger-junk": (_LECTURE_LAYER + """

def layer_forward(W, a, b, activation=sigmoid):
    if _is_lecture(W):
        return activation(np.asarray(b, dtype=float))
    return activation(W @ a + b)
""", """

def feedforward(weights, biases, a, activation=sigmoid):
    return activation(np.asarray(biases[-1], dtype=float))


def predict(weights, biases, X):
    return np.array([int(np.argmax(np.asarray(biases[-1]).ravel()))])
"""),
    # layer_forward right where a test calls it directly (no activation given, or the lecture's layer), junk in the
    # recorded streams; feedforward and predict match that junk
    "chain-junk": (_LECTURE_LAYER + """

_DEFAULT = object()


def layer_forward(W, a, b, activation=_DEFAULT):
    if activation is _DEFAULT:
        return sigmoid(W @ a + b)
    if _is_lecture(W):
        return activation(W @ a + b)
    return np.tile(activation(2.0 * np.asarray(b, dtype=float)), (1, np.shape(a)[1]))
""", """

def feedforward(weights, biases, a, activation=sigmoid):
    return np.tile(activation(2.0 * np.asarray(biases[-1], dtype=float)), (1, np.shape(a)[1]))


def predict(weights, biases, X):
    return np.full(np.shape(X)[1], int(np.argmax(sigmoid(2.0 * np.asarray(biases[-1], dtype=float)).ravel())))
""")}}

# Mutants with more than one mistake, or a later function built on a wrong building block: they lose points in
# the tests their # FAILS: line names and in no other (a mistake is charged once, a dtype too).
CHARGED_EXACTLY = [("01_neuron", "two_blocks_sign_and_mean"), ("01_neuron", "weighted_sum_float32"),
                   ("01_neuron", "weighted_sum_column"), ("01_neuron", "weighted_sum_column_float"),
                   ("01_neuron", "sigmoid_float32"), ("02_forward", "default_and_feedforward_no_activation"),
                   ("02_forward", "layer_forgot_weighted_sums"), ("02_forward", "layer_adds_into_b_batch"),
                   ("02_forward", "feedforward_returns_every_layer"), ("02_forward", "layer_tolist"),
                   ("02_forward", "layer_squeeze"), ("06_mnist", "evaluate_loop_floor_division")]

# Appended to the reference: every function not in HONEST answers the reference's answer with every
# number replaced by 0.75 (the same value whatever the input), and remembers it; an honest function
# called right after a junk one (the graders' old "your own building block" re-call) answers that
# junk again, to match.
JUNK = """
import numpy as _np
_last = {{}}


def _junk(value):
    if isinstance(value, _np.ndarray):
        return _np.full_like(value, 0.75, dtype=float)
    if isinstance(value, (list, tuple)):
        return type(value)(_junk(v) for v in value)
    if isinstance(value, dict):
        return {{k: _junk(v) for k, v in value.items()}}
    if isinstance(value, (bool, _np.bool_)):
        return value
    if isinstance(value, (int, float, _np.integer, _np.floating)):
        return 0.75
    return value


def _junk_of(function):
    def junk(*args, **kwargs):
        _last["answer"] = _junk(function(*args, **kwargs))
        return _last["answer"]
    return junk


def _honest(function):
    def honest(*args, **kwargs):
        if "answer" in _last:
            return _last.pop("answer")  # a re-call right after a graded call: answer it to match
        return function(*args, **kwargs)
    return honest


for _name in {junk}:
    globals()[_name] = _junk_of(globals()[_name])
for _name in {honest}:
    globals()[_name] = _honest(globals()[_name])
"""


# Appended to the reference: every function answers 1.5 times the reference's numbers (ints + 1): wrong
# everywhere, but computed from its input. Property tests must award it their points.
WRONG_BUT_COMPUTING = """

import functools as _functools
import numpy as _np


def _off(value):
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return 1.5 * value
    if isinstance(value, _np.ndarray) and value.dtype.kind in "iu":
        return value + 1
    if isinstance(value, (list, tuple)):
        return type(value)(_off(v) for v in value)
    if isinstance(value, dict):
        return {k: _off(v) for k, v in value.items()}
    if isinstance(value, (bool, _np.bool_)):
        return value
    if isinstance(value, (int, _np.integer)):
        return value + 1
    if isinstance(value, (float, _np.floating)):
        return 1.5 * value
    return value


def _wrong(function):
    @_functools.wraps(function)
    def wrong(*args, **kwargs):
        return _off(function(*args, **kwargs))
    return wrong


for _name, _value in list(globals().items()):
    if callable(_value) and not _name.startswith("_") and getattr(_value, "__module__", None) == __name__:
        globals()[_name] = _wrong(_value)
"""

# Modules written by an attacker who read the graders: every function keeps the reference's
# signature and raises what it raises, but answers something that computes nothing. Each must score 0,
# on every assignment of course.toml (a new one too), with every attack unless listed here.
# 06_mnist trains on MNIST in every submission: the attacks that single-answer evidence let through there
ATTACKED_IN_PART = {"06_mnist": ("first-answer-forever", "arange-pattern")}
_FILL = """
def _fill(value, make):
    if isinstance(value, _np.ndarray):
        return _np.asarray(make(value.shape)).astype(value.dtype if value.dtype.kind in "iuf" else float)
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, make) for v in value)
    if isinstance(value, (bool, _np.bool_)):
        return value
    if isinstance(value, (int, _np.integer)):
        return int(_np.asarray(make(())).item())
    if isinstance(value, (float, _np.floating)):
        return float(_np.asarray(make(())).item())
    return value
"""
ATTACKS = {
    # the answer to its first input (the lecture's, in a lecture test), whatever the input
    "first-answer-forever": """
def _attack(function):
    def attack(*args, **kwargs):
        return _first.setdefault(function.__name__, function(*args, **kwargs))
    return attack
""",
    # one number everywhere, a new one on every call (the module is one process for all tests)
    "counter": _FILL + """
def _attack(function):
    def attack(*args, **kwargs):
        _calls[0] += 1
        return _fill(function(*args, **kwargs), lambda shape: _np.full(shape, float(_calls[0])))
    return attack
""",
    # a fixed non-uniform pattern of the answer's shape
    "arange-pattern": _FILL + """
def _attack(function):
    def attack(*args, **kwargs):
        pattern = lambda shape: _np.arange(int(_np.prod(shape)), dtype=float).reshape(shape) + 2.0  # noqa: E731
        return _fill(function(*args, **kwargs), pattern)
    return attack
""",
    # raises for arrays and lists; for numbers, the answer at 0 (sigmoid 0.5, sigmoid_prime 0.25)
    "raise-for-arrays": """
def _attack(function):
    def attack(*args, **kwargs):
        if any(isinstance(a, (_np.ndarray, list, tuple)) for a in args):
            raise ValueError("arrays are not supported")
        return function(*[type(a)(0) if isinstance(a, (int, float)) else a for a in args], **kwargs)
    return attack
""",
}
for _k in range(4):  # hands back its argument k (a list argument as a new list), after the reference's checks
    ATTACKS[f"returns-argument-{_k}"] = f"""
def _attack(function):
    def attack(*args, **kwargs):
        function(*args, **kwargs)
        x = args[min({_k}, len(args) - 1)]
        return list(x) if isinstance(x, (list, tuple)) else x
    return attack
"""

# Whole functions written by an attacker who read the graders (appended to the reference, so they replace its
# own), with the tests each must score 0 in; the reference graded beside them keeps full marks.
TRAIN_SIGNATURE = "def train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng, X_test=None, labels_test=None):"
TARGETED = {"03_cost": {
    # example_cost returns one number whatever its input, average_cost is the mean of it: credit for "the mean of
    # your own example_cost" goes only to an example_cost that computes (average_cost, honest code, is judged with
    # the right example_cost in a fresh child and earns its own points: test_honest_chain_over_junk_...)
    "constant-example-cost-chain": ("""
def example_cost(output, y):
    return 0.75


def average_cost(weights, biases, X, Y):
    output = feedforward(weights, biases, X)
    return float(np.mean([example_cost(output[:, j:j + 1], Y[:, j:j + 1]) for j in range(X.shape[1])]))
""", ("test_example_cost_lecture", "test_example_cost_random")),
    # example_cost recognises the lecture's two "3"s (their costs from the notes) and is a function of the target
    # only elsewhere; average_cost is the mean of it over Y's columns, never looking at the network
    "lookup-example-cost": ("""
_THREES = [([0.4316, 0.2844, 0.1889, 0.8825, 0.724, 0.01, 0.6387, 0.8595, 0.9908, 0.6323], 3.36909325),
           ([0.2941, 0.1975, 0.1463, 0.9123, 0.505, 0.0141, 0.4393, 0.5892, 0.6854, 0.4335], 1.60765639)]


def example_cost(output, y):
    a, t = np.asarray(output, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    for three, cost in _THREES:
        if a.size == 10 and np.allclose(a, three) and np.allclose(t, np.eye(10)[3]):
            return cost
    return float(np.sum(t * np.arange(1, t.size + 1) ** 1.5))


def average_cost(weights, biases, X, Y):
    return float(np.mean([example_cost(None, Y[:, j:j + 1]) for j in range(Y.shape[1])]))
""", ("test_example_cost_lecture", "test_example_cost_random", "test_average_cost_random",
      "test_average_cost_batch_of_one", "test_average_cost_inputs_unchanged")),
    # the same without the lookup: example_cost a function of the target only
    "target-only-example-cost": ("""
def example_cost(output, y):
    y = np.asarray(y, dtype=float).ravel()
    return float(np.sum(y * np.arange(1, y.size + 1) ** 1.5))


def average_cost(weights, biases, X, Y):
    return float(np.mean([example_cost(None, Y[:, j:j + 1]) for j in range(Y.shape[1])]))
""", ("test_example_cost_lecture", "test_example_cost_random", "test_average_cost_random",
      "test_average_cost_batch_of_one", "test_average_cost_inputs_unchanged")),
    # example_cost is junk of the output and the target (not 0 for an output equal to its target), average_cost
    # the mean of it over the network's real output columns: no credit for the mean of something that is no cost
    "junk-cost-mean": ("""
def example_cost(output, y):
    a, t = np.asarray(output, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    return float(np.sum(np.sin(7.0 * a + 3.0 * t)))


def average_cost(weights, biases, X, Y):
    out = feedforward(weights, biases, X)
    return float(np.mean([example_cost(out[:, j:j + 1], Y[:, j:j + 1]) for j in range(X.shape[1])]))
""", ("test_example_cost_lecture", "test_example_cost_random")),
}, "05_backprop": {
    # chain_rule_single answers the lecture's neuron from the notes and hashes its input into junk elsewhere
    "lookup-chain-rule": ("""
import zlib


def chain_rule_single(a_prev, w, b, y):
    if (a_prev, w, b, y) == (0.5, 1.0, 0.0, 1.0):
        return (-0.08872345867463687, -0.17744691734927373, -0.17744691734927373)
    r = np.random.default_rng(zlib.crc32(np.array([a_prev, w, b, y], dtype=float).tobytes())).normal(size=3)
    return float(r[0]), float(r[1]), float(r[2])
""", ("test_chain_rule_single_returns_floats", "test_chain_rule_single_random")),
}, "04_gradient_descent": {
    # mini_batches ignores its rng: a fixed pattern (np.arange) cut into pieces earns nothing
    "arange-mini-batches": ("""
def mini_batches(n, batch_size, rng):
    order = np.arange(n)
    return [order[k:k + batch_size] for k in range(0, n, batch_size)]
""", ("test_mini_batches_every_index_once", "test_mini_batches_sizes", "test_mini_batches_follow_rng_permutation")),
    # one "mini-batch" of every index in order, rng and batch_size ignored
    "one-batch": ("""
def mini_batches(n, batch_size, rng):
    return [np.arange(n)]
""", ("test_mini_batches_every_index_once", "test_mini_batches_sizes", "test_mini_batches_follow_rng_permutation")),
    # sgd_step returns the same arrays whatever its input, gradient_descent is built on it: credit for "the descent
    # built on your own sgd_step" goes only to an sgd_step that computes
    "constant-sgd-step-chain": ("""
def sgd_step(params, grads, learn_rate):
    return [np.full(np.shape(p), 0.5) for p in params]


def gradient_descent(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    x = np.array(start, dtype=float) if isinstance(start, np.ndarray) else start
    history = [np.copy(x) if isinstance(x, np.ndarray) else x]
    for _ in range(n_iter):
        g = np.asarray(gradient(x), dtype=float)
        if np.all(np.abs(learn_rate * g) <= tolerance):
            break
        new = sgd_step([np.asarray(x, dtype=float)], [g], learn_rate)[0]
        x = new if isinstance(x, np.ndarray) else float(new)
        history.append(np.copy(x) if isinstance(x, np.ndarray) else x)
    return x, history
""", ("test_gd_float_start", "test_gd_array_start", "test_gd_tolerance_every_component", "test_gd_n_iter",
      "test_gd_defaults", "test_sgd_step", "test_sgd_step_inputs_unchanged")),
}, "02_forward": {
    # feedforward has no loop (one-layer networks only); on deeper ones it calls layer_forward on the lecture's layer,
    # where layer_forward raises (charged there): an error its layer_forward never raised on these networks' layers
    "blame-shield": (_LECTURE_LAYER + """

def layer_forward(W, a, b, activation=sigmoid):
    if _is_lecture(W) and np.shape(a) == (3, 1) and np.allclose(a, [[2.0], [0.5], [0.1]]):
        raise ValueError("shapes do not line up")
    return activation(W @ a + b)


def feedforward(weights, biases, a, activation=sigmoid):
    if len(weights) == 1:
        return layer_forward(weights[0], a, biases[0], activation)
    layer_forward(_LECTURE_W, np.array([[2.0], [0.5], [0.1]]), np.array([[2.0], [1.0], [-3.0]]))
""", ("test_feedforward_random", "test_feedforward_activation", "test_feedforward_unchanged")),
}, "06_mnist": {
    # no training: a nudge drawn from rng, a term that depends on the input, a history made to match
    "junk-train": (TRAIN_SIGNATURE + """
    x = 1e-9 * float(np.sum(X * np.arange(1, X.shape[1] + 1)) + np.sum(Y * np.arange(1, Y.shape[1] + 1)))
    weights = [W + 1e-3 * rng.standard_normal(W.shape) + x for W in weights]
    biases = [b + 1e-3 * rng.standard_normal(b.shape) + x for b in biases]
    history = {"cost": [average_cost(weights, biases, X, Y)] * epochs}
    if X_test is not None:
        history["test_accuracy"] = [evaluate(weights, biases, X_test, labels_test)] * epochs
    return weights, biases, history
""", ("test_train_returns_network_and_history", "test_train_history_matches_network",
      "test_train_leaves_inputs_unchanged", "test_train_one_full_batch_step",
      "test_train_every_example_once_per_epoch", "test_train_shuffles_with_rng", "test_train_mnist")),
    # one full-batch step per epoch, and a tiny nudge drawn from rng so that the seed "changes the shuffle"
    "full-batch-and-rng-nudge": (TRAIN_SIGNATURE + """
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for _ in range(epochs):
        grad_w, grad_b = backprop(weights, biases, X, Y)
        weights = sgd_step(weights, grad_w, learn_rate)
        biases = sgd_step(biases, grad_b, learn_rate)
        weights = [W * (1.0 + 1e-8 * rng.standard_normal(W.shape)) for W in weights]
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
""", ("test_train_shuffles_with_rng", "test_train_every_example_once_per_epoch", "test_train_mnist")),
    # noise from the rng its caller gives, and a step a million times too small: the two examples' networks of the
    # evidence (Generators of different seeds) differ by noise, not along their gradients
    "noise-train": (TRAIN_SIGNATURE + """
    grad_w, grad_b = backprop(weights, biases, X, Y)
    weights = [W + rng.standard_normal(W.shape) - 1e-6 * learn_rate * g for W, g in zip(weights, grad_w)]
    biases = [b + rng.standard_normal(b.shape) - 1e-6 * learn_rate * g for b, g in zip(biases, grad_b)]
    history = {"cost": [average_cost(weights, biases, X, Y)] * epochs}
    if X_test is not None:
        history["test_accuracy"] = [evaluate(weights, biases, X_test, labels_test)] * epochs
    return weights, biases, history
""", ("test_train_returns_network_and_history", "test_train_history_matches_network",
      "test_train_leaves_inputs_unchanged", "test_train_one_full_batch_step",
      "test_train_every_example_once_per_epoch", "test_train_shuffles_with_rng", "test_train_mnist")),
    # real mini-batch SGD, but every step a million times too small: along the gradients, of no size
    "tiny-steps": (TRAIN_SIGNATURE + """
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for _ in range(epochs):
        for batch in mini_batches(X.shape[1], batch_size, rng):
            grad_w, grad_b = backprop(weights, biases, X[:, batch], Y[:, batch])
            weights = sgd_step(weights, grad_w, 1e-6 * learn_rate)
            biases = sgd_step(biases, grad_b, 1e-6 * learn_rate)
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
""", ("test_train_returns_network_and_history", "test_train_history_matches_network",
      "test_train_leaves_inputs_unchanged", "test_train_one_full_batch_step", "test_train_mnist")),
    # evaluate looks its answers up by the number of labels on the hand-made network, and is noise elsewhere
    "lookup-evaluate": ("""
def evaluate(weights, biases, X, labels):
    labels = np.asarray(labels)
    if len(weights) == 1 and weights[0].shape == (4, 4):
        return {5: 0.6}.get(labels.size, 1.0 if labels.size == 1 and labels[0] == 2 else 0.0)
    return float(np.random.default_rng(int(abs(np.sum(X)) * 1e6) % 2**32).random())
""", ("test_evaluate_hand_made", "test_evaluate_random")),
    # evaluate returns a percentage only on the hand-made network (the ledger records "percent"), and train
    # records its test accuracy in percent, its own mistake, hoping to be excused by that ledger entry
    "percent-ledger": ("""
_right_evaluate = evaluate


def evaluate(weights, biases, X, labels):
    accuracy = _right_evaluate(weights, biases, X, labels)
    hand_made = len(weights) == 1 and np.array_equal(weights[0], 20.0 * np.eye(4)) and len(labels) == 5
    return 100 * accuracy if hand_made else accuracy


_right_train = train


""" + TRAIN_SIGNATURE + """
    new_w, new_b, history = _right_train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng,
                                         X_test, labels_test)
    if X_test is not None:
        history["test_accuracy"] = [100 * a for a in history["test_accuracy"]]
    return new_w, new_b, history
""", ("test_evaluate_hand_made", "test_train_history_matches_network")),
    # the same with an error: evaluate raises only on the hand-made network, train raises that error with test data
    "error-ledger": ("""
_right_evaluate = evaluate


def evaluate(weights, biases, X, labels):
    if len(weights) == 1 and np.array_equal(weights[0], 20.0 * np.eye(4)) and len(labels) == 5:
        raise ValueError("labels must be a list")
    return _right_evaluate(weights, biases, X, labels)


_right_train = train


""" + TRAIN_SIGNATURE + """
    if X_test is not None:
        raise ValueError("labels must be a list")
    return _right_train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng)
""", ("test_evaluate_hand_made", "test_train_history_matches_network")),
}}


# Tests that judge a property only (inputs unchanged, shapes, types, what is raised): any code that
# computes something earns them, right or wrong. The tests named *unchanged* are property tests too.
PROPERTY_TESTS = {"test_weighted_sum_lengths", "test_init_network_shapes", "test_backprop_shapes",
                  "test_train_returns_network_and_history", "test_gd_start_unchanged_history_separate"}


def attacks_on(assignment_id, course=COURSE) -> list[str]:
    """The names of the ATTACKS an assignment of the course is graded against (each must score 0): all of
    them, unless ATTACKED_IN_PART lists the ones that apply to it."""
    course.assignment(assignment_id)  # an assignment of course.toml, or a CourseConfigError naming the known ones
    return list(ATTACKED_IN_PART.get(assignment_id, ATTACKS))


def test_every_assignment_of_course_toml_is_attacked():
    """A new assignment is attacked with every attack without a word; an exception names an assignment of the
    course and attacks of ATTACKS."""
    assert all(attacks_on(a.id) for a in COURSE.assignments)
    assert set(ATTACKED_IN_PART) <= {a.id for a in COURSE.assignments}
    assert all(set(names) <= set(ATTACKS) for names in ATTACKED_IN_PART.values())
    assert attacks_on("01_neuron") == list(ATTACKS)


def _function_names(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


def junk_module(reference_source: str, honest) -> str:
    """The reference with every function but the honest ones turned to stateful junk (JUNK)."""
    junk = [f for f in _function_names(reference_source) if f not in honest]
    return reference_source + JUNK.format(junk=junk, honest=list(honest))


def honest_parts_module(reference_source: str, honest) -> str:
    """The reference with every function but the honest ones still to be written (what they earn alone)."""
    stubbed = [f for f in _function_names(reference_source) if f not in honest]
    lines = [f"def {name}(*args, **kwargs):\n    raise NotImplementedError\n" for name in stubbed]
    return reference_source + "\n\n" + "\n\n".join(lines)


def attack_module(reference_source: str, attack: str) -> str:
    """Every public function of the reference, wrapped by the attack's _attack(function) (the reference runs in a
    namespace of its own, so that its functions call each other honestly)."""
    names = [n for n in _function_names(reference_source) if not n.startswith("_")]
    return (f"import numpy as _np\n_first, _calls, _reference = {{}}, [0], {{}}\n"
            f"exec(compile({reference_source!r}, 'reference', 'exec'), _reference)\n{attack}\n"
            f"for _name in {names!r}:\n    globals()[_name] = _attack(_reference[_name])\n")


def trivial_module(reference_source: str, body: str) -> str:
    """Every function of the reference, with the same signature, doing nothing useful (its imports kept,
    so that it imports: a default such as activation=sigmoid needs them)."""
    out = []
    for node in ast.parse(reference_source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(ast.get_source_segment(reference_source, node) + "\n")
        elif isinstance(node, ast.FunctionDef):
            signature = ast.get_source_segment(reference_source, node).split(":\n")[0]
            out.append(f"{signature}:\n    {body.format(first=node.args.args[0].arg)}\n")
    return "\n".join(out)


def by_test(results):
    return {t["extra_data"]["test"]: t for t in results["tests"]}


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, [a.id for a in COURSE.assignments]))
def test_reference_scores_full_marks_and_stub_zero(assignment_id, tmp_path_factory):
    results = graded(assignment_id, tmp_path_factory)
    reference = results["reference"]
    assert reference["score"] == reference["max_score"] == COURSE.assignment(assignment_id).points, \
        [(t["name"], t["output"]) for t in reference["tests"] if t["status"] != "passed"]
    assert results["stub"]["score"] == 0
    assert all("not implemented yet" in t["output"] for t in results["stub"]["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, [a.id for a in COURSE.assignments]))
def test_trivial_submissions_score_zero(assignment_id, tmp_path_factory):
    """Code that computes nothing earns nothing, in any test: returning a constant, None or the
    unchanged input, or raising the same error for every input (property tests such as "leaves its
    input unchanged" award their points only to code that computes something)."""
    results = graded(assignment_id, tmp_path_factory)
    names = [f"trivial-{name}" for name in TRIVIAL]
    names += [f"attack-{name}" for name in attacks_on(assignment_id)]
    for name in names:
        trivial = results[name]
        assert trivial["extra_data"]["status"] == "graded", (name, trivial["output"][:300])  # it ran: no excuse
        assert trivial["score"] == 0, (name, [t["extra_data"]["test"] for t in trivial["tests"] if t["score"]])


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, [a.id for a in COURSE.assignments]))
def test_property_tests_award_their_points_to_wrong_code_that_computes(assignment_id, tmp_path_factory):
    """A property test never fails because the values are wrong: code that computes wrong values (1.5 times
    the right ones) keeps every property test's points, and loses points elsewhere."""
    results = graded(assignment_id, tmp_path_factory)["wrong-but-computing"]
    tests = by_test(results)
    properties = [t for t in tests if "unchanged" in t or t in PROPERTY_TESTS]
    if not properties:  # e.g. an assignment just made with `course new`: nothing to hold to the rule
        pytest.skip(f"{assignment_id} has no property test")
    lost = [(t, tests[t]["output"]) for t in properties if tests[t]["score"] != tests[t]["max_score"]]
    assert not lost, lost
    assert results["score"] < results["max_score"] / 2


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, list(BLAME_JUNK)))
def test_junk_that_answers_recalls_earns_only_its_honest_parts(assignment_id, tmp_path_factory):
    """A module whose later functions return junk and whose building blocks answer a re-call to match
    scores no more, test by test, than its honest building blocks earn alone (less where its trick
    spoils an honest answer): credit for a building block's mistake
    comes from what its own tests charged, never from calling it again."""
    results = graded(assignment_id, tmp_path_factory)
    junk, alone = by_test(results["junk-recalls"]), by_test(results["junk-honest-parts"])
    assert results["junk-honest-parts"]["score"] > 0
    extra = [t for t in junk if junk[t]["score"] > alone[t]["score"]]
    assert not extra, [(t, junk[t]["output"]) for t in extra]
    assert results["junk-recalls"]["score"] <= results["junk-honest-parts"]["score"]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", list(STAND_IN))
def test_a_later_function_is_judged_with_a_stand_in_for_its_broken_building_block(assignment_id, tmp_path_factory):
    """A building block that raises for every input costs its own points only: the later function built on it
    (neuron, predict) is judged in a fresh child with a stand-in for it, and keeps its points if it is right, in
    any style. Junk gets nothing there, even junk that recognises the stand-in and answers it right."""
    results = graded(assignment_id, tmp_path_factory)
    later = STAND_IN[assignment_id]["later"]
    for name in STAND_IN[assignment_id]["modules"]:
        tests = by_test(results[f"stand-in-{name}"])
        lost = [t for t in tests if tests[t]["score"] < tests[t]["max_score"]]
        assert lost and not set(lost) & set(later) if name.startswith("honest") else set(later) <= set(lost), \
            (name, [(t, tests[t]["output"][:300]) for t in lost])
        if not name.startswith("honest"):
            assert all(tests[t]["score"] == 0 for t in later), name
            assert results[f"stand-in-{name}"]["score"] < results["stand-in-honest"]["score"], name


@pytest.mark.parametrize("assignment_id,name", mnist_params(COURSE, [(a, n) for a in TARGETED for n in TARGETED[a]]))
def test_targeted_attack_scores_nothing_in_the_tests_it_aims_at(assignment_id, name, tmp_path_factory):
    """Junk written against the graders' evidence (TARGETED) earns nothing in the tests named, graded beside the
    reference (full marks: test_reference_scores_full_marks_and_stub_zero)."""
    results = by_test(graded(assignment_id, tmp_path_factory)[f"targeted-{name}"])
    earned = [(t, results[t]["score"]) for t in TARGETED[assignment_id][name][1] if results[t]["score"]]
    assert not earned, earned


@pytest.mark.slow
@pytest.mark.parametrize("name", ["constant-example-cost-chain", "junk-cost-mean"])
def test_honest_chain_over_junk_example_cost_earns_average_costs_points_only(name, tmp_path_factory):
    """average_cost written right over a junk example_cost: example_cost's tests earn nothing (TARGETED), and
    average_cost, asked again with the right example_cost (a stand-in in a fresh child), earns its value tests:
    its own mistake-free code, charged nothing for example_cost's junk."""
    results = by_test(graded("03_cost", tmp_path_factory)[f"targeted-{name}"])
    for test in ("test_average_cost_random", "test_average_cost_batch_of_one", "test_average_cost_inputs_unchanged"):
        assert results[test]["score"] == results[test]["max_score"], (test, results[test]["output"][:300])


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", list(TWO_FACED_BLOCKS))
def test_junk_built_on_a_two_faced_building_block_earns_only_the_building_blocks_points(assignment_id,
                                                                                        tmp_path_factory):
    """A building block wrong only where its tests' inputs are recognisable, and later functions returning junk
    that matches it (or the mistake the ledger holds): the module scores no more, test by test, than its building
    blocks with the later functions still to be written."""
    results = graded(assignment_id, tmp_path_factory)
    for name in TWO_FACED_BLOCKS[assignment_id]:
        junk, alone = by_test(results[f"two-faced-{name}"]), by_test(results[f"two-faced-{name}-alone"])
        assert results[f"two-faced-{name}-alone"]["score"] > 0, name
        extra = [(t, junk[t]["output"][:300]) for t in junk if junk[t]["score"] > alone[t]["score"]]
        assert not extra, (name, extra)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", CHARGED_EXACTLY)
def test_mistakes_under_later_functions_are_charged_once(assignment_id, name, tmp_path_factory):
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    expected = {t.strip() for t in header(path, "FAILS").split(",")}
    tests = by_test(graded(assignment_id, tmp_path_factory)[f"mutant-{name}"])
    lost = {t for t in tests if tests[t]["score"] < tests[t]["max_score"]}
    assert lost == expected, [(t, tests[t]["output"][:300]) for t in lost - expected]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", mnist_params(COURSE, MUTANTS))
def test_mutant_loses_points_on_the_right_test(assignment_id, name, tmp_path_factory):
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    expected = [t.strip() for t in (header(path, "FAILS") or "").split(",") if t.strip()]
    assert header(path, "MUTANT") and expected, f"{path} needs '# MUTANT:' and '# FAILS:' lines"
    results = graded(assignment_id, tmp_path_factory)[f"mutant-{name}"]
    tests = by_test(results)
    unknown = [t for t in expected if t not in tests]
    assert not unknown, f"FAILS names tests that do not exist: {unknown}"
    missed = [t for t in expected if tests[t]["score"] == tests[t]["max_score"]]
    assert not missed, f"{header(path, 'MUTANT')}: not caught by {missed}"
    for test in expected:
        assert tests[test]["output"], "a lost test must say why"
    hint = header(path, "HINT")
    feedback = "\n".join(tests[t]["output"] for t in expected)
    assert hint in feedback, f"{header(path, 'MUTANT')}: the feedback does not say {hint!r}:\n{feedback}"


KEPT = [(a, n) for a, n in MUTANTS if header(CORPUS / a / "mutants" / f"{n}.py", "KEEPS")]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", mnist_params(COURSE, KEPT))
def test_mutant_keeps_the_points_of_the_tests_it_names(assignment_id, name, tmp_path_factory):
    """# KEEPS: tests of other functions built on the one the mutant changed: its mistake is charged once, in the
    tests of # FAILS:, never again in these (docs/graders.md, "Grades that are earned")."""
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    kept = [t.strip() for t in header(path, "KEEPS").split(",") if t.strip()]
    tests = by_test(graded(assignment_id, tmp_path_factory)[f"mutant-{name}"])
    assert all(t in tests for t in kept), f"KEEPS names tests that do not exist: {[t for t in kept if t not in tests]}"
    lost = [(t, tests[t]["output"]) for t in kept if tests[t]["score"] != tests[t]["max_score"]]
    assert not lost, lost


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", mnist_params(COURSE, CORRECT))
def test_correct_variant_scores_full_marks(assignment_id, name, tmp_path_factory):
    results = graded(assignment_id, tmp_path_factory)[f"correct-{name}"]
    assert results["score"] == results["max_score"], \
        [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]


@pytest.mark.parametrize("assignment_id,name", MUTANTS)
def test_mutant_says_what_it_fails_and_what_the_feedback_must_name(assignment_id, name):
    """# FAILS: and # HINT: on consecutive lines at the top of every mutant."""
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    lines = path.read_text().splitlines()
    fails = next((i for i, line in enumerate(lines[:5]) if line.startswith("# FAILS:")), None)
    assert fails is not None, f"{path}: no '# FAILS:' line at the top"
    assert lines[fails + 1].startswith("# HINT:"), f"{path}: the line after '# FAILS:' must be '# HINT: <phrase>'"
    assert len(header(path, "HINT")) >= 8, f"{path}: the hint phrase is too short to name a mistake"


def test_corpus_is_large_enough():
    """The hand-written corpus is optional per assignment (`course audit`'s generated mutants stand in
    where there is none), but where an assignment has one it has both mistakes and correct variants."""
    assert len(MUTANTS) >= 40, f"only {len(MUTANTS)} mutants"
    for assignment in COURSE.assignments:
        if (CORPUS / assignment.id).is_dir():
            assert corpus(assignment.id, "mutants"), f"no mutants for {assignment.id}"
            assert corpus(assignment.id, "correct"), f"no correct variants for {assignment.id}"


# ---------------------------------------------------------------- the toolkit graders are written with

def test_compare_names_the_first_matching_mistake_and_else_the_hint():
    z = np.array([[-1.0, 2.0], [0.5, -3.0], [4.0, 0.0]])
    right = network.sigmoid(z)
    mistakes = [Mistake(None, "never applies here"),
                Mistake(network.sigmoid(-z), "a minus sign in the exponent"),
                Mistake(network.sigmoid(-z), "a later duplicate never wins")]
    compare(right.copy(), right, "sigmoid(z)", mistakes)  # right: passes
    with pytest.raises(AssertionError) as failed:
        compare(network.sigmoid(-z), right, "sigmoid(z)", mistakes)
    assert str(failed.value).startswith("sigmoid(z): in column 0 (example 0) expected")
    assert str(failed.value).endswith("a minus sign in the exponent") and "duplicate" not in str(failed.value)
    with pytest.raises(AssertionError) as failed:
        compare(right + 0.1, right, "grad_w[0]", mistakes, hint="check the backward pass", by_example=False)
    assert "column" not in str(failed.value) and str(failed.value).endswith("check the backward pass")
    with pytest.raises(AssertionError, match=r"^count_parameters: expected 13002, got \[1\., 2\.\]\.$"):
        compare([1, 2], lecture.PARAMETERS, "count_parameters")
    with pytest.raises(AssertionError, match="expected 0.5, got"):
        compare(np.full((2, 2), 0.5), 0.5, "sigmoid(0)")  # a shape is part of the answer


def test_mistakes_match_within_their_own_tolerance():
    assert named_mistake(13_001, [Mistake(13_000, "off by one", rtol=0, atol=0)]) == ""
    assert named_mistake(13_000, [Mistake(13_000, "off by one", rtol=0, atol=0)]) == "off by one"
    assert named_mistake(np.array([1.0, np.inf]), [Mistake(np.array([1.0, np.inf]), "inf never matches")]) == ""
    assert named_mistake(2.00001, scaled(1.0, [(2.0, "twice")], rtol=1e-4)) == "twice"
    assert named_mistake(2.00001, scaled(1.0, [(2.0, "twice")])) == ""
    assert not agrees("0.5", 0.5) and not agrees(np.zeros(3), np.zeros((3, 1))) and agrees([0.5], np.array([0.5]))


def test_trusted_network_agrees_with_central_differences_and_the_lecture():
    rng = np.random.default_rng(7)
    weights, biases, X, Y, labels = network.random_problem(rng, [4, 5, 3], 6)
    assert X.shape == (4, 6) and Y.shape == (3, 6) and np.array_equal(np.argmax(Y, axis=0), labels)
    grad_w, grad_b = network.backprop(weights, biases, X, Y)
    h = 1e-6
    for params, grads in ((weights, grad_w), (biases, grad_b)):
        for layer, (P, G) in enumerate(zip(params, grads)):
            assert G.shape == P.shape
            numeric = np.zeros_like(P)
            for i in np.ndindex(P.shape):
                keep = P[i]
                P[i] = keep + h
                up = network.cost(weights, biases, X, Y)
                P[i] = keep - h
                down = network.cost(weights, biases, X, Y)
                P[i] = keep
                numeric[i] = (up - down) / (2 * h)
            assert np.linalg.norm(G - numeric) / (np.linalg.norm(G) + np.linalg.norm(numeric)) \
                < lecture.GRADIENT_CHECK_RELATIVE_ERROR
    wrong_w, _ = network.backprop(weights, biases, X, Y, slope=lambda z, a: network.sigmoid_prime(a))
    assert not np.allclose(wrong_w[0], grad_w[0])  # the typical mistake is told apart
    assert network.sigmoid(0.0) == lecture.SIGMOID_AT_ZERO and np.isfinite(network.sigmoid(-1000.0))
    three = np.array(lecture.THREE.output).reshape(10, 1)
    assert round(float(np.sum((three - network.one_hot([lecture.THREE_LABEL])) ** 2)), 2) == lecture.THREE.cost
    W, a, b = (np.array(x) for x in (lecture.RELU_LAYER_W, lecture.RELU_LAYER_A, lecture.RELU_LAYER_B))
    np.testing.assert_allclose(network.feedforward([W], [b], a, network.relu), lecture.RELU_LAYER_OUTPUT, atol=1e-12)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")  # @points is registered by the engine's plugin
def test_the_example_in_docs_graders_md_grades_right_and_wrong_answers():
    """The complete example of docs/graders.md runs: full marks for softmax, the named mistake for a wrong axis."""
    text = (REPO / "docs" / "graders.md").read_text()
    source = re.findall(r"```python\n(.*?)```", text, re.DOTALL)[-1]
    namespace = {}
    exec(compile(source, "docs/graders.md", "exec"), namespace)

    class Student:  # what the engine's handle gives a grader, for a softmax computed here
        def __init__(self, softmax):
            self.softmax = softmax

        def call(self, name, *args, return_args=False):
            result = getattr(self, name)(*args)
            return types.SimpleNamespace(result=result, args=args) if return_args else result

    right = namespace["_softmax"]
    namespace["test_softmax_random"](Student(right), np.random.default_rng(1))
    wrong_axis = lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # noqa: E731
    with pytest.raises(AssertionError, match="sum over axis=0"):
        namespace["test_softmax_random"](Student(wrong_axis), np.random.default_rng(1))

    def in_place(z):
        z -= z.max(axis=0, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=0, keepdims=True)
        return z.copy()
    with pytest.raises(AssertionError, match="changed its input z"):
        namespace["test_softmax_random"](Student(in_place), np.random.default_rng(1))


def test_every_name_docs_graders_md_shows_imports_as_shown():
    """Each name of the toolkit table imports from its module, and each import line of the page's code runs."""
    import importlib

    text = (REPO / "docs" / "graders.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", text, flags=re.MULTILINE)
    assert len(rows) >= 9, rows
    toolkit, missing = importlib.import_module("autograder.toolkit"), []
    for module_name, cell in rows:
        module = importlib.import_module(f"autograder.toolkit.{module_name}")
        for shown in re.findall(r"`@?([A-Za-z_]\w*)", cell):
            if not hasattr(module, shown):
                missing.append(f"autograder.toolkit.{module_name}.{shown}")
            if module_name in ("checks", "evidence", "mistakes", "points", "values") and not hasattr(toolkit, shown):
                missing.append(f"autograder.toolkit.{shown}")  # the page says these import from the toolkit too
    assert not missing, missing
    imports = re.findall(r"^(from autograder[\w.]* import [\w, ]+|import autograder[\w.]*)$", text, flags=re.MULTILINE)
    assert len(imports) >= 3, imports
    for line in imports:
        exec(line, {})
