"""Hidden graders for 02_forward: layer_forward, init_network, count_parameters,
feedforward and predict.

neuron.py (sigmoid) is provided reference code, so a' = sigma(W a + b) is
graded on the student's linear algebra only. A broken building block costs its
points once (toolkit/blame.py, never a re-call): feedforward is accepted when it
equals the student's own layer_forward chained through the same network (every
layer asked, in shuffled streams, with the student's answer for the layer before;
test_layer_forward_random grades each of those answers; the lecture's and the
default test's calls are in the first stream); predict when it is the argmax of the
student's own feedforward's answer on the same network, recorded in one shuffled
stream that test_feedforward_random grades; only if the building block computes and
is not right only where a test asks it directly (_LayerChain.two_faced). Where the
answers were recorded they decide: a mistake the ledger holds from other inputs
excuses nothing there. Where feedforward raises the error its layer_forward raised on
that very network's layers (the chain's record; an error raised only elsewhere excuses nothing), it is asked again
in a fresh child with a stand-in layer_forward; where predict raises its feedforward's charged error (or on its
non-array answer, or gives the argmax of a wrong answer no evidence backs), with stand-ins for feedforward and
layer_forward (toolkit/stand_in.py). The lecture's numbers (the ReLU
layer 3.2, 1.39, 0 and 13,002 parameters) carry 2 of the 20 points.

Generators cannot cross the wire, but wire.Fn("rng", seed=s) makes the child
build np.random.default_rng(s): init_network is checked for reproducibility
with two generators from the same seed.
"""
import zlib

import numpy as np

from autograder.engine.handle import StudentError
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, blame, compare, describe_value, expect_array, expect_computes_on,
                                expect_int, expect_list, expect_unchanged, fail, lecture, named_mistake, points,
                                stand_in, unchanged)
from autograder.toolkit.evidence import computes_on, fail_nothing, judge
from autograder.toolkit.network import ACTIVATIONS, feedforward, identity, random_network, relu, sigmoid

# Every behavioural promise of the docstrings (phrases quoted from solutions/02_forward/forward.py) and the
# tests that check it: `course show 02_forward` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "layer_forward": {
        "activation(W a + b)": ["test_layer_forward_random", "test_layer_forward_default_sigmoid"],
        "b: (n_out, 1) biases, added to every column": ["test_layer_forward_random"],
        "Returns (n_out, m)": ["test_layer_forward_random"],
        "step 3, apply ReLU: 3.2, 1.39, 0": ["test_layer_forward_lecture"],
    },
    "init_network": {
        "rng: a np.random.Generator (a fresh one if None)": ["test_init_network_random"],
        "the same generator state gives the same network": ["test_init_network_random"],
        "weights[l] of shape (sizes[l+1], sizes[l]) and biases[l] of shape (sizes[l+1], 1)":
            ["test_init_network_shapes"],
        "drawn from the standard normal distribution": ["test_init_network_standard_normal"],
        "Never all zeros": ["test_init_network_shapes"],
    },
    "count_parameters": {
        "count_parameters([784, 16, 16, 10]) == 13002": ["test_count_parameters_lecture"],
        "Returns an int": ["test_count_parameters_lecture", "test_count_parameters_random"],
    },
    "feedforward": {
        "Applies a' = activation(W a + b) layer by layer": ["test_feedforward_random", "test_feedforward_activation"],
        "Returns (sizes[-1], m)": ["test_feedforward_random"],
    },
    "predict": {
        "Returns a 1-D int array of length m, the argmax of each column of the output activations":
            ["test_predict_random", "test_predict_single"],
    },
}

LECTURE_W = np.array(lecture.RELU_LAYER_W)
LECTURE_A = np.array(lecture.RELU_LAYER_A)
LECTURE_B = np.array(lecture.RELU_LAYER_B)
UNCHANGED_ADVICE = "Compute z = W @ a + b into a new array instead of adding into b or a with +=."


def _random_sizes(rng, n_layers, low=2, high=12):
    return [int(n) for n in rng.integers(low, high, size=n_layers)]


# ---------------------------------------------------------------- layer_forward

# The layers of typical mistakes, by the key the layer_forward tests charge them under (blame.note):
# feedforward and predict built on the student's own layer_forward are credited when their answer
# is what the charged mistake gives, computed here layer by layer.
LAYER_MISTAKES = {
    "transposed": lambda W, a, b, f: f(W.T @ a + b) if W.shape[0] == W.shape[1] else None,
    "no_bias": lambda W, a, b, f: f(W @ a),
    "minus_bias": lambda W, a, b, f: f(W @ a - b),
    "no_activation": lambda W, a, b, f: W @ a + b,
    "bias_after": lambda W, a, b, f: f(W @ a) + b,
    "always_sigmoid": lambda W, a, b, f: sigmoid(W @ a + b),
    "ignores_input": lambda W, a, b, f: f(b),
}
LAYER_HINTS = {
    "transposed": "Row j of W holds the weights into neuron j: compute W @ a, not W.T @ a.",
    "no_bias": "You forgot the biases: a' = activation(W a + b).",
    "minus_bias": "Add the biases b; you subtracted them.",
    "no_activation": "You did not apply the activation function: a' = activation(W a + b).",
    "bias_after": "Add the biases before applying the activation: activation(W a + b).",
    "always_sigmoid": "Use the activation you are given (the `activation` argument); sigmoid is only the default.",
    "ignores_input": "Your layer gives activation(b): the weighted sums W a of the input are missing.",
}


def _layer_mistakes(W, a, b, f):
    return [Mistake(LAYER_MISTAKES[key](W, a, b, f), hint, key=key) for key, hint in LAYER_HINTS.items()]


def _judge_layer(student, got, W, a, b, f, what, extra=(), **tolerance):
    mistakes = _layer_mistakes(W, a, b, f) + list(extra)
    blame.note(student, "layer_forward", got, mistakes, f(W @ a + b))
    compare(got, f(W @ a + b), what, mistakes, **tolerance)


@points(1)
def test_layer_forward_lecture(student, rng, seed):
    """layer_forward on the lecture's ReLU layer gives 3.2, 1.39, 0"""
    what = "layer_forward(W, a, b, activation=ReLU) for the lecture's layer"
    with blame.errors_of(student, "layer_forward"):  # asked in the chain's first stream, among its other layers
        got = _layer_chain(student, seed).stages[0][0].answer("layer_forward", LECTURE_W, LECTURE_A, LECTURE_B)
    got = expect_array(got, (3, 1), what)
    _judge_layer(student, got, LECTURE_W, LECTURE_A, LECTURE_B, relu, what, rtol=1e-9, atol=1e-12)
    other = tuple(rng.normal(0.0, 1.0, x.shape) for x in (LECTURE_W, LECTURE_A, LECTURE_B))
    expect_computes_on(student, "layer_forward", [(LECTURE_W, LECTURE_A, LECTURE_B), other],
                       "layer_forward(W, a, b) for the lecture's layer and a random one", rng,
                       {"activation": Fn("identity")})


def _layer_cases(seed):
    """(W, a, b, activation name) of test_layer_forward_random's own layers."""
    rng = _stream_rng(seed, "layer cases")
    cases = [(4, 4, int(rng.integers(2, 6)), "identity"),  # square: a transposed W gives wrong numbers
             (int(rng.integers(5, 9)), int(rng.integers(2, 5)), 1, "tanh"),
             (int(rng.integers(2, 5)), int(rng.integers(6, 10)), int(rng.integers(3, 8)), "identity"),
             (784, 16, 2, "tanh"),
             (16, 10, 1, "relu")]
    return [(rng.normal(0.0, 1.0, (n_out, n_in)), rng.uniform(0.0, 1.0, (n_in, m)), rng.normal(0.0, 1.0, (n_out, 1)),
             name) for n_in, n_out, m, name in cases]


def _default_case(seed):
    """(W, a, b) of test_layer_forward_default_sigmoid (asked without an activation)."""
    rng = _stream_rng(seed, "default sigmoid")
    n_in, n_out, m = int(rng.integers(3, 8)), int(rng.integers(2, 6)), int(rng.integers(1, 5))
    return rng.normal(0.0, 1.0, (n_out, n_in)), rng.uniform(0.0, 1.0, (n_in, m)), rng.normal(0.0, 1.0, (n_out, 1))


def _right(got, W, a, b, f) -> bool:
    return isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.shape == (W.shape[0], a.shape[1]) \
        and agrees(got, f(W @ a + b), rtol=1e-7, atol=1e-10)


class _LayerChain:
    """layer_forward on its own test's layers and, layer by layer, on the networks of the feedforward tests:
    every layer of a network is asked with the student's own answer for the layer before (each stage one
    shuffled stream, each call twice, before any verdict). test_layer_forward_random grades every one of these
    answers, and feedforward is also accepted where it equals the last one (the student's own layer_forward,
    chained), if layer_forward computes."""

    def __init__(self, student, seed):
        rng = _stream_rng(seed, "layer chain")
        self.seed = seed
        self.own = _layer_cases(seed)
        self.networks = [(w, b, X, "sigmoid") for w, b, X, _ in _feedforward_inputs(seed)] + \
                        [(w, b, X, name) for w, b, X, name, _ in _activation_cases(seed)]
        self.stages, self.outputs = [], [None] * len(self.networks)
        self.asked = [[] for _ in self.networks]  # (stage, call) of each layer of each network, in order
        calls = [("layer_forward", (W, a, b), {"activation": Fn(name)}) for W, a, b, name in self.own]
        # the lecture test's and the default test's calls in the same stream: nothing tells them from the others
        calls += [("layer_forward", (LECTURE_W, LECTURE_A, LECTURE_B), {"activation": Fn("relu")}),
                  ("layer_forward", _default_case(seed), {})]
        where = [(None, 0)] * len(calls)  # (network, layer) of each call
        inputs = [X for _, _, X, _ in self.networks]
        for layer in range(max(len(w) for w, _, _, _ in self.networks)):
            asked = {}  # network -> its call in this stage (networks that share a layer and its input share it)
            for i, (weights, biases, _, name) in enumerate(self.networks):
                if layer < len(weights) and inputs[i] is not None:
                    args = (weights[layer], inputs[i], biases[layer])
                    same = [k for k, (_, other, kw) in enumerate(calls)
                            if "activation" in kw and kw["activation"].name == name and blame.same_input(other, args)]
                    if same:
                        asked[i] = same[0]
                        continue
                    asked[i] = len(calls)
                    calls.append(("layer_forward", args, {"activation": Fn(name)}))
                    where.append((i, layer))
            stage = blame.Recording(student, calls, rng)
            self.stages.append((stage, where))
            for i, k in asked.items():
                self.asked[i].append((len(self.stages) - 1, k))
                step = layer
                call, error = stage.results[k][0]
                answer = call.result if error is None else None
                # passed on as the student's own answer, as their feedforward passes it (a list, a squeezed array)
                inputs[i] = answer if _numeric_array(answer) is not None else None
                if step == len(self.networks[i][0]) - 1:
                    self.outputs[i] = inputs[i]
                    inputs[i] = None
            calls, where = [], []
        # Rule 1 on every call but the input twins' and the identity layers' (a layer_forward that ignores a, wrong
        # everywhere, answers the twins alike and gives b itself for the identity: a wrong layer, not an input handed
        # back; feedforward over it is then judged against its own answers, feedforward_unchanged by rule 4)
        twins = {i for i, (w, b, X, _) in enumerate(self.networks) if any(
            blame.same_input((list(w), list(b), X), twin) for twin in _input_twin_networks(seed))}
        kept = [(stage, k) for stage, where in self.stages for k in range(len(stage.calls)) if where[k][0] not in twins
                and getattr(stage.calls[k][2].get("activation"), "name", "") != "identity"]
        results = [[(c.result if c is not None else None, e) for c, e in stage.results[k]] for stage, k in kept]
        self.computes = not judge(results, [stage.calls[k][1] for stage, k in kept]) and not self.two_faced()

    def two_faced(self) -> bool:
        """True if layer_forward is right where a test asks it on a fixed or default input (the lecture's layer with
        ReLU; no activation given) and wrong on the chain's other layers with the same activation (ReLU; sigmoid) and
        as many examples (one; more): answers that tell the graded calls apart. (A mistake that shows only for one
        example, np.squeeze, is wrong on every such layer alike.) Its chained answers then give no credit downstream."""
        stage = self.stages[0][0]
        lecture = stage.error("layer_forward", LECTURE_W, LECTURE_A, LECTURE_B) is None and _right(
            stage.answer("layer_forward", LECTURE_W, LECTURE_A, LECTURE_B), LECTURE_W, LECTURE_A, LECTURE_B, relu)
        default = _default_case(self.seed)
        by_default = stage.error("layer_forward", *default) is None and _right(
            stage.answer("layer_forward", *default), *default, sigmoid)
        right_elsewhere = {"relu": [], "sigmoid": []}  # (one example?, right?) of each other call
        for W, a, b, name in self.own:
            if name in right_elsewhere:
                error = stage.error("layer_forward", W, a, b)
                right_elsewhere[name].append((a.shape[1] == 1, error is None and _right(
                    stage.answer("layer_forward", W, a, b), W, a, b, ACTIVATIONS[name])))
        for W, a, b, name, got in self.graded():
            if name in right_elsewhere:
                right_elsewhere[name].append((a.shape[1] == 1, not isinstance(got, StudentError) and _right(
                    got, W, a, b, ACTIVATIONS[name])))

        def all_right(name, single):  # on the calls with as many examples (all of them where there are none)
            alike = [right for one, right in right_elsewhere[name] if one == single]
            return all(alike if alike else [right for _, right in right_elsewhere[name]])
        return (lecture and not all_right("relu", LECTURE_A.shape[1] == 1)) or \
            (by_default and not all_right("sigmoid", default[1].shape[1] == 1))

    def graded(self):
        """(W, a, b, activation name, answer or StudentError) of every chained call whose right answer exists."""
        out = []
        for stage, where in self.stages:
            for k, (i, _) in enumerate(where):
                if i is None:
                    continue
                (W, a, b), name = stage.calls[k][1], self.networks[i][3]
                a = _numeric_array(a)
                if a is not None and a.ndim == 2 and a.shape[0] == W.shape[1] and np.all(np.isfinite(a)):
                    call, error = stage.results[k][0]
                    out.append((W, a, b, name, error if error is not None else call.result))
        return out

    def records(self, weights, biases, X) -> bool:
        """True if this network is one of the chain's: its recorded answers decide, not the ledger's keys."""
        return any(blame.same_input((list(w), list(b), x), (list(weights), list(biases), X))
                   for w, b, x, _ in self.networks)

    def raised_on(self, weights, biases, X, error) -> bool:
        """True if the student's own layer_forward raised this very error (type and message, numbers aside) on a
        layer of this network, chained (graded in test_layer_forward_random); False for a network not recorded."""
        for i, (w, b, x, _) in enumerate(self.networks):
            if blame.same_input((list(w), list(b), x), (list(weights), list(biases), X)):
                return any(blame.same_error(self.stages[s][0].results[k][0][1], error) for s, k in self.asked[i])
        return False

    def raised(self, error) -> bool:
        """True if the student's own layer_forward raised this very error (type and message, numbers aside) on any
        layer of the chain (graded in test_layer_forward_random)."""
        return any(blame.same_error(pair[0][1], error) for stage, _ in self.stages for pair in stage.results)

    def output(self, weights, biases, X):
        """The student's own layer_forward chained through this network (None if it is not one of them, the chain
        broke, or layer_forward shows no evidence that it computes)."""
        if not self.computes:
            return None
        for i, (w, b, x, _) in enumerate(self.networks):
            if blame.same_input((list(w), list(b), x), (list(weights), list(biases), X)):
                return self.outputs[i]
        return None


def _numeric_array(value, limit=1_000_000):
    """value as a float array if it is numeric data (a numeric ndarray, or nested lists of numbers as .tolist()
    gives, of at most limit numbers), else None: the form in which a list answer enters the next layer's W @ a."""
    if isinstance(value, np.ndarray):
        return value if value.dtype.kind in "biuf" else None
    if not isinstance(value, list):
        return None
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, (int, float)) or isinstance(item, bool):
            return None
        count += 1
        if count > limit:
            return None
    try:
        array = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):  # ragged
        return None
    return array


def _layer_chain(student, seed) -> _LayerChain:
    return blame.recorded(student, "02 layer chain", lambda: _LayerChain(student, seed))


@points(3)
def test_layer_forward_random(student, seed):
    """layer_forward on random layers and batches (n_in, m), including m = 1 and non-square W"""
    chain = _layer_chain(student, seed)
    stage = chain.stages[0][0]
    for W, a, b, name in chain.own:
        n_out, m = W.shape[0], a.shape[1]
        what = f"layer_forward(W, a, b, activation={name}) for W of shape {W.shape}, a of shape {a.shape}"
        try:
            with blame.errors_of(student, "layer_forward"):
                got = stage.answer("layer_forward", W, a, b)
        except StudentError as exc:
            if m > 1 and exc.type == "ValueError" and "broadcast" in exc.error_message:
                fail(f"{what}: {exc}\nIt works for one example (a single column) but not for a batch of {m}: "
                     "a has one column per example. Compute W @ a + b: the matrix product handles every column, "
                     "and b is added to each of them.")
            raise
        if isinstance(got, np.ndarray) and got.shape == (m, n_out) and m != n_out:
            fail(f"{what} should have shape {(n_out, m)}: one row per neuron of the layer, one column per "
                 f"example; your result has shape {got.shape}. Compute W @ a + b (not a.T @ W.T).")
        got = expect_array(got, (n_out, m), what)
        _judge_layer(student, got, W, a, b, ACTIVATIONS[name], what)
    # The layers of the feedforward tests' networks, each on the student's own answer for the layer before:
    # graded here, so that feedforward is judged against answers that count.
    for W, a, b, name, got in chain.graded():
        what = (f"layer_forward(W, a, b, activation={name}) for W of shape {W.shape}, a of shape {a.shape} "
                "(a layer of a network, a the answer of your layer_forward for the layer before)")
        if isinstance(got, StudentError):
            continue  # an error on an input made by the student's own code: judged on the inputs above
        got = expect_array(got, (W.shape[0], a.shape[1]), what)
        _judge_layer(student, got, W, a, b, ACTIVATIONS[name], what)


@points(1)
def test_layer_forward_default_sigmoid(student, seed):
    """layer_forward uses sigmoid when no activation is given"""
    W, a, b = _default_case(seed)
    n_out, m = W.shape[0], a.shape[1]
    what = f"layer_forward(W, a, b) for W of shape {W.shape}, a of shape {a.shape}"
    with blame.errors_of(student, "layer_forward"):  # asked in the chain's first stream, among its other layers
        got = _layer_chain(student, seed).stages[0][0].answer("layer_forward", W, a, b)
    got = expect_array(got, (n_out, m), what)
    _judge_layer(student, got, W, a, b, sigmoid, what, [
        Mistake(relu(W @ a + b), "The default activation is the sigmoid: activation=sigmoid in the signature.")])


@points(1)
def test_layer_forward_unchanged(student, rng):
    """layer_forward leaves W, a and b unchanged"""
    calls = []
    for m in (1, int(rng.integers(2, 5))):
        n_in, n_out = int(rng.integers(3, 7)), int(rng.integers(2, 6))
        W, a, b = rng.normal(0.0, 1.0, (n_out, n_in)), rng.uniform(0.0, 1.0, (n_in, m)), rng.normal(0.0, 1.0, (n_out, 1))
        try:
            calls.append(((W, a, b), student.call("layer_forward", W.copy(), a.copy(), b.copy(), return_args=True,
                                                  activation=Fn("identity"))))
        except StudentError:
            if not calls:
                raise
            break  # a batch it cannot handle is judged by test_layer_forward_random; here the inputs are judged
    W, a, b = calls[0][0]
    expect_computes_on(student, "layer_forward", [(W, a, b)] + [tuple(rng.normal(0.0, 1.0, x.shape) for x in (W, a, b))],
                       f"layer_forward(W, a, b) for two layers with W of shape {W.shape}", rng,
                       {"activation": Fn("identity")})
    for inputs, call in calls:
        for before, after, name in zip(inputs, call.args, ("W", "a", "b")):
            if not unchanged(before, after):
                blame.charge(student, "layer_forward", "changes_inputs")  # feedforward is not charged again
            expect_unchanged(before, after, name, advice=UNCHANGED_ADVICE)


# ---------------------------------------------------------------- init_network

def _network_like(sizes):
    """Arrays of the shapes init_network(sizes) gives: what its reply may weigh."""
    return ([np.empty((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])],
            [np.empty((n_out, 1)) for n_out in sizes[1:]])


def _check_network(got, sizes, what):
    """(weights, biases) with the right shapes, as float arrays."""
    pair = expect_list(got, 2, what)
    n_layers = len(sizes) - 1
    lists = []
    for item, name, shape_of in ((pair[0], "weights", lambda l: (sizes[l + 1], sizes[l])),
                                 (pair[1], "biases", lambda l: (sizes[l + 1], 1))):
        if isinstance(item, (list, tuple)) and len(item) == n_layers + 1:
            fail(f"{what}: {name} should hold {n_layers} entries, one per layer after the input layer, "
                 f"but yours holds {len(item)}. The input layer has no weights or biases of its own.")
        item = expect_list(item, n_layers, f"{name} of {what}")
        arrays = []
        for l, x in enumerate(item):
            shape = shape_of(l)
            if name == "weights" and isinstance(x, np.ndarray) and x.shape == shape[::-1] and shape[0] != shape[1]:
                fail(f"{what}: weights[{l}] should have shape {shape} = (n_out, n_in): row j holds the weights "
                     f"into neuron j, so that W @ a works. Yours has shape {x.shape} (transposed).")
            arrays.append(expect_array(x, shape, f"{name}[{l}] of {what}"))
        lists.append(arrays)
    return lists


@points(2)
def test_init_network_shapes(student, rng):
    """init_network gives weights (n_out, n_in) and biases (n_out, 1) for each layer, not all zeros"""
    for sizes in (list(lecture.SIZES), _random_sizes(rng, int(rng.integers(2, 6)))):
        what = f"init_network({sizes})"
        weights, biases = _check_network(student.call("init_network", sizes, expect=_network_like(sizes)), sizes, what)
        for l, (W, b) in enumerate(zip(weights, biases)):
            for x, name in ((W, f"weights[{l}]"), (b, f"biases[{l}]")):
                if x.size > 1 and np.all(x == x.flat[0]):
                    fail(f"{what}: all entries of {name} are {x.flat[0]:g}. Start from random numbers: neurons "
                         "that start with equal weights and biases compute the same thing and stay equal.")
    sizes = _random_sizes(rng, 3, 2, 6)  # a property test: for an init_network that draws from its generator
    seed = int(rng.integers(0, 2**31))
    expect_computes_on(student, "init_network", [(sizes, Fn("rng", seed=seed)), (sizes, Fn("rng", seed=seed + 1))],
                       f"init_network({sizes}, rng) for two generators", rng)


@points(1)
def test_init_network_random(student, rng):
    """init_network is random on every call, and the same for the same generator"""
    sizes = _random_sizes(rng, 3, 3, 9)
    first = _check_network(student.init_network(sizes), sizes, f"init_network({sizes})")
    second = _check_network(student.init_network(sizes), sizes, f"init_network({sizes})")
    if all(np.array_equal(x, y) for xs, ys in zip(first, second) for x, y in zip(xs, ys)):
        fail(f"two calls of init_network({sizes}) without a generator gave the same network: with rng=None, "
             "make a fresh generator np.random.default_rng() (do not seed it with a fixed number).")
    seed = int(rng.integers(0, 2**31))
    one = _check_network(student.init_network(sizes, Fn("rng", seed=seed)), sizes, f"init_network({sizes}, rng)")
    two = _check_network(student.init_network(sizes, Fn("rng", seed=seed)), sizes, f"init_network({sizes}, rng)")
    if not all(np.array_equal(x, y) for xs, ys in zip(one, two) for x, y in zip(xs, ys)):
        fail(f"init_network({sizes}, rng) with two generators made from the same seed gave different networks: "
             "draw every number from the generator you are given (rng.standard_normal(shape)), "
             "not from np.random or a new generator.")
    other = _check_network(student.init_network(sizes, Fn("rng", seed=seed + 1)), sizes, f"init_network({sizes}, rng)")
    if all(np.array_equal(x, y) for xs, ys in zip(one, other) for x, y in zip(xs, ys)):
        fail(f"init_network({sizes}, rng) gave the same network for generators with different seeds: "
             "draw the numbers from the generator you are given.")


@points(1)
def test_init_network_standard_normal(student, rng):
    """init_network draws weights and biases from the standard normal distribution"""
    sizes = list(lecture.SIZES)
    got = student.call("init_network", sizes, Fn("rng", seed=int(rng.integers(0, 2**31))), expect=_network_like(sizes))
    pair = expect_list(got, 2, f"init_network({sizes}, rng)")
    values = []
    for item in pair:
        if not isinstance(item, (list, tuple)):
            fail(f"init_network({sizes}, rng) should give two lists (weights, biases), but one is {describe_value(item)}.")
        for x in item:
            if not isinstance(x, np.ndarray) or x.dtype.kind not in "biuf":
                fail(f"init_network({sizes}, rng) should give lists of numpy arrays, but one entry is {describe_value(x)}.")
            values.append(np.asarray(x, dtype=float).ravel())
    values = np.concatenate(values)
    mean, std = float(np.mean(values)), float(np.std(values))
    if values.size < 1000 or abs(mean) > 0.1 or not 0.9 < std < 1.1:  # 13,002 values: stderr 0.009 and 0.006
        hint = " (rng.random draws uniformly from [0, 1): all weights positive)" if 0.4 < mean < 0.6 else ""
        fail(f"the weights and biases of init_network({sizes}, rng) should be drawn from the standard normal "
             f"distribution (mean 0, standard deviation 1), e.g. rng.standard_normal(shape); yours have mean "
             f"{mean:.3f} and standard deviation {std:.3f}{hint}.")


# ---------------------------------------------------------------- count_parameters

def _count_mistakes(sizes):
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    biases = sum(sizes[1:])
    exact = dict(rtol=0, atol=0)  # counts: the first explanation of a number wins
    return [
        Mistake(weights, f"That is only the {weights:,} weights: add one bias per neuron after the input layer "
                         f"({biases:,}).", **exact),
        Mistake(biases, "That is only the biases: add the weights, n_in x n_out for each layer.", **exact),
        Mistake(weights + sum(sizes), "The input layer has no biases: count biases for sizes[1:] only.", **exact),
        Mistake(weights + biases - sizes[-1], "Count the biases of the output layer too.", **exact),
        Mistake(sum(sizes[i] * sizes[i + 1] + sizes[i] for i in range(len(sizes) - 1)),
                "Each layer has one bias per neuron it computes (n_out), not per input (n_in).", **exact),
    ]


@points(1)
def test_count_parameters_lecture(student, rng):
    """count_parameters([784, 16, 16, 10]) = 13,002: 12,960 weights + 42 biases"""
    sizes = list(lecture.SIZES)
    expect_computes_on(student, "count_parameters", [(sizes,), (_random_sizes(rng, len(sizes), 2, 100),)],
                       "count_parameters(sizes) for the lecture's sizes and random ones", rng)
    got = expect_int(student.count_parameters(sizes), "count_parameters([784, 16, 16, 10])")
    if got != lecture.PARAMETERS:
        fail(f"count_parameters([784, 16, 16, 10]) should be 13,002 (784 x 16 + 16 x 16 + 16 x 10 = 12,960 weights "
             f"and 16 + 16 + 10 = 42 biases), got {got:,}. " + named_mistake(got, _count_mistakes(sizes)))


@points(2)
def test_count_parameters_random(student, rng):
    """count_parameters for random layer sizes is an int"""
    for n_layers in (2, 3, int(rng.integers(4, 7))):
        sizes = [int(n) for n in rng.integers(1, 1000, size=n_layers)]
        what = f"count_parameters({sizes})"
        got = expect_int(student.count_parameters(sizes), what)
        expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        if got != expected:
            fail(f"{what} should be {expected:,}, got {got:,}. " + named_mistake(got, _count_mistakes(sizes)))


# ---------------------------------------------------------------- feedforward
#
# feedforward (and predict) are normally built on the student's own
# layer_forward (and feedforward). A mistake there is graded in its own tests,
# so when the answer is exactly what the student's own recorded answers give
# (or the error is the one those tests charged), the later function is not
# marked wrong for it. The building block is never called again to find out
# (blame.py says why).

BLAMED = object()  # "the mistake of the student's own building block, charged there": no penalty here


def _call_feedforward(student, weights, biases, X, activation=None, stream=None, chain=None):
    """student.feedforward(...) (as recorded in stream, where given), or BLAMED when it fails with the error the
    student's own layer_forward raised on a layer of this very network, chained (chain: _LayerChain), which
    test_layer_forward_random charged. An error layer_forward raised only elsewhere (on the lecture's layer) excuses
    nothing here."""
    kwargs = {} if activation is None else {"activation": activation}
    try:
        with blame.errors_of(student, "feedforward"):
            if stream is not None:
                return stream.answer("feedforward", weights, biases, X)
            return student.feedforward(weights, biases, X, **kwargs)
    except StudentError as error:
        if chain is not None and chain.raised_on(weights, biases, X, error):
            return BLAMED
        raise


def _check_feedforward(student, weights, biases, X, f, activation=None, what="", stream=None, chain=None):
    """Judge one feedforward call (its answer in stream, where given); returns BLAMED when its error was charged
    to layer_forward. chain: the student's own layer_forward chained through the network (_LayerChain)."""
    got = _call_feedforward(student, weights, biases, X, activation, stream, chain)
    if got is BLAMED:
        return BLAMED
    m = X.shape[1]
    expected = feedforward(weights, biases, X, f)
    if isinstance(got, np.ndarray) and agrees(got, expected, rtol=1e-7, atol=1e-10):
        return None
    sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    # The student's own layer_forward's recorded answers decide, on the network whose layers the chain recorded
    # (right there, wrong, or no evidence); a ledger key, seen on other inputs, excuses nothing (where the chain
    # recorded nothing there is no credit). The chained output has the shape the student's own layer_forward gives,
    # graded in its tests.
    owns = [chain.output(weights, biases, X)] if chain is not None and chain.records(weights, biases, X) else []
    if _numeric_array(got) is not None and any(
            type(own) is type(got) and _numeric_array(own) is not None
            and _numeric_array(own).shape == _numeric_array(got).shape
            and agrees(_numeric_array(got), _numeric_array(own), rtol=1e-7, atol=1e-10, equal_nan=True)
            for own in owns):
        return None  # right for the student's own layer_forward (its very answer, a list or squeezed array too)
    if isinstance(got, np.ndarray) and got.shape != (sizes[-1], m):
        for l in range(len(sizes) - 1):
            if got.shape == (sizes[l], m) and sizes[l] != sizes[-1]:
                fail(f"{what} should have shape {(sizes[-1], m)}, the output layer's activations, but yours has "
                     f"shape {got.shape}, the size of layer {l}: does your loop go through all "
                     f"{len(weights)} layers (zip(weights, biases))?")
    got = expect_array(got, (sizes[-1], m), what)
    mistakes = _feedforward_mistakes(weights, biases, X, f) if len(weights) > 1 else []
    blame.note(student, "feedforward", got, mistakes, expected)
    compare(got, expected, what, mistakes)
    return None


def _some_computed(student, function, networks, outcomes, what, rng, seed, test):
    """The cases whose error came from the student's own layer_forward on their very layers (BLAMED) are judged
    again with a stand-in layer_forward (_feedforward_on_stand_in); the others' answers, where some are blamed, must
    show that function computes (expect_computes_on on the test's networks, each with a twin whose output bias
    favours another neuron, where it answers). networks: the (weights, biases, X) of the test's cases."""
    blamed = [network for network, outcome in zip(networks, outcomes) if outcome is BLAMED]
    if not blamed:
        return
    _feedforward_on_stand_in(student, seed, blamed, test)
    answered = [network for network, outcome in zip(networks, outcomes) if outcome is not BLAMED]
    if answered:
        cases = [case for weights, biases, X in answered for case in _twins(weights, biases, X, rng)]
        expect_computes_on(student, function, cases, f"{what} on the inputs it answers", rng)


def _stand_in_feedforward_run(student, seed, blamed, test, why):
    """(run, cases, asked): feedforward asked in a fresh child whose layer_forward is a stand-in giving the right
    sigmoid activations for exactly this run's layers (toolkit/stand_in.py), on new sigmoid networks of the blamed
    cases' sizes, each with its twins, each asked twice in one shuffled stream; fails unless every case answered
    and feedforward computes there (rule 1). why: why it is asked again; asked: the sentence that says so."""
    rng = _stream_rng(seed, f"feedforward stand-in {test}")
    cases = []
    for weights, _, X in blamed:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        new_weights, new_biases = random_network(rng, sizes)
        cases += _twins(new_weights, new_biases, rng.uniform(0.0, 1.0, X.shape), rng)
    layers = []
    for weights, biases, X in cases:
        a = X
        for W, b in zip(weights, biases):
            layers.append((W, a, b))
            a = sigmoid(W @ a + b)
    stand_ins = {"layer_forward": stand_in.table(lambda W, a, b: sigmoid(W @ a + b), layers)}
    run = stand_in.recorded(student, stand_ins, [("feedforward", case) for case in cases], rng)
    if run is None:
        fail(f"feedforward: {why}, and feedforward could not be asked again with a layer_forward that works.")
    asked = (f"{why}. So feedforward was asked again in a process of its own, on new networks of the same sizes, "
             "with layer_forward replaced by a stand-in that gives the right sigmoid activations")
    return run, cases, asked


def _feedforward_on_stand_in(student, seed, blamed, test):
    """feedforward judged on its own where it raised the error its layer_forward raised on this network's layers
    (charged in test_layer_forward_random): asked in a fresh child whose layer_forward is a stand-in giving the right
    sigmoid activations for exactly this run's layers (toolkit/stand_in.py), on new sigmoid networks of the blamed
    cases' sizes, each with its twins (another output bias, other inputs), each asked twice in one shuffled stream.
    It must compute (rule 1) and chain every layer itself. blamed: (weights, biases, X) of the blamed cases."""
    why = ("your feedforward raised the error your layer_forward raised on this network's layers, which "
           "test_layer_forward_random charges")
    run, cases, asked = _stand_in_feedforward_run(student, seed, blamed, test, why)
    for weights, biases, X in cases:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        what = f"feedforward for a network with sizes {sizes} and a batch of {X.shape[1]}"
        error = run.error("feedforward", weights, biases, X)
        if error is not None:
            fail(f"{what}: {asked}; there your feedforward still raised: {error}")
    nothing = run.why_nothing("feedforward")
    if nothing:
        fail_nothing(f"feedforward: {asked}", nothing)
    for weights, biases, X in cases:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        what = f"feedforward for a network with sizes {sizes} and a batch of {X.shape[1]} ({asked})"
        expected = feedforward(weights, biases, X, sigmoid)
        got = expect_array(run.answer("feedforward", weights, biases, X), expected.shape, what)
        compare(got, expected, what, _feedforward_mistakes(weights, biases, X, sigmoid) if len(weights) > 1 else [])


def _twins(weights, biases, X, rng):
    """(weights, biases, X) and inputs of the same shapes whose outputs differ: the network with the output bias
    of another neuron than the brightest in column 0 raised by 20 (another prediction), and lowered by 20 (another
    prediction where the biases are subtracted), and two wider random X."""
    other = (int(np.argmax(feedforward(weights, biases, X, sigmoid)[:, 0])) + 1) % len(biases[-1])
    twins = []
    for shift in (20.0, -20.0):
        twin = [b.copy() for b in biases]
        twin[-1][other] += shift
        twins.append((weights, twin, X))
    wider = [(weights, biases, rng.normal(0.0, 3.0, X.shape)) for _ in range(2)] if rng is not None else []
    return [(weights, biases, X)] + twins + wider


def _argmax_alike(outputs) -> bool:
    """True if these outputs are all (m-column) arrays with the same argmax in every column."""
    return all(isinstance(o, np.ndarray) and o.ndim == 2 and o.dtype.kind in "biuf" and o.size
               and o.shape[1] == outputs[0].shape[1] for o in outputs) \
        and all(np.array_equal(np.argmax(o, axis=0), np.argmax(outputs[0], axis=0)) for o in outputs[1:])


def _own_chain_alike(student, seed, networks, argmax=False) -> bool:
    """True if the student's own layer_forward, chained (_LayerChain, where it computes), gives these networks the
    same output (the same argmax, with argmax=True): then an answer that does not tell them apart is right for it."""
    chain = _layer_chain(student, seed)
    outputs = [chain.output(*network) for network in networks]
    if argmax:
        return _argmax_alike(outputs)
    return all(isinstance(o, np.ndarray) and o.shape == outputs[0].shape and np.array_equal(o, outputs[0])
               for o in outputs)


def _weight_twin(weights, biases, X):
    """(weights, biases, X) with the same biases and input whose prediction for column 0 differs: the weights into
    another output neuron than the brightest raised by 20 (each hidden activation is positive)."""
    other = (int(np.argmax(feedforward(weights, biases, X, sigmoid)[:, 0])) + 1) % len(biases[-1])
    twin = [W.copy() for W in weights]
    twin[-1][other] += 20.0
    return twin, biases, X


# The outputs of typical feedforward mistakes, by the key the feedforward tests charge them under:
# predict built on the student's own feedforward is credited when it is the argmax of a charged one.
FEEDFORWARD_MISTAKES = {
    "skips_last": lambda weights, biases, X, f: (feedforward(weights[:-1], biases[:-1], X, f)
                                                 if weights[-1].shape[0] == weights[-2].shape[0] else None),
    "no_bias": lambda weights, biases, X, f: feedforward(weights, [0 * b for b in biases], X, f),
    "always_sigmoid": lambda weights, biases, X, f: feedforward(weights, biases, X, sigmoid),
    "no_activation": lambda weights, biases, X, f: feedforward(weights, biases, X, identity),
    "not_chained": lambda weights, biases, X, f: (feedforward(weights[-1:], biases[-1:], X, f)
                                                  if weights[-1].shape[1] == X.shape[0] else None),
}


def _feedforward_mistakes(weights, biases, X, f):
    hints = {"skips_last": "Your loop skipped the last layer: apply a' = activation(W a + b) for every layer.",
             "no_bias": "You forgot the biases: a' = activation(W a + b).",
             "always_sigmoid": "Pass the activation on to every layer; sigmoid is only the default.",
             "no_activation": "Apply the activation function at every layer.",
             "not_chained": "Feed each layer's output into the next layer: a = layer_forward(W, a, b) inside the loop."}
    return [Mistake(FEEDFORWARD_MISTAKES[key](weights, biases, X, f), hint, key=key) for key, hint in hints.items()]


def _stream_rng(seed, name):
    """The generator of one recorded stream: from the submission's seed alone, so that whichever test
    asks first makes the same stream."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _feedforward_cases(seed):
    """(weights, biases, X, what) of test_feedforward_random's own sigmoid networks."""
    rng = _stream_rng(seed, "feedforward networks")
    n = int(rng.integers(2, 9))
    cases = [(list(lecture.SIZES), int(rng.integers(2, 6))),
             (_random_sizes(rng, 3), 1),
             ([int(rng.integers(2, 9)), n, n, n], int(rng.integers(2, 8))),  # equal layers: a skipped layer shows in the values
             (_random_sizes(rng, 2), int(rng.integers(2, 8)))]
    out = []
    for sizes, m in cases:
        weights, biases = random_network(rng, sizes)
        out.append((weights, biases, rng.uniform(0.0, 1.0, (sizes[0], m)),
                    f"feedforward for a network with sizes {sizes} and a batch of {m}"))
    return out


def _predict_cases(seed):
    """(weights, biases, X, what) of test_predict_random's networks, then test_predict_single's."""
    rng = _stream_rng(seed, "predict networks")
    cases = [(list(lecture.SIZES), int(rng.integers(11, 30))),
             ([int(rng.integers(3, 9)), int(rng.integers(3, 9)), 4], 4),  # square output: a wrong axis shows in the values
             (_random_sizes(rng, 3) + [10], int(rng.integers(2, 9))),
             ([int(rng.integers(3, 20)), int(rng.integers(3, 9)), 10], 1)]
    out = []
    for sizes, m in cases:
        weights, biases = random_network(rng, sizes)
        what = (f"predict for a network with sizes {sizes} and {m} examples" if len(out) < 3 else
                "predict for one example (X of shape (n, 1))")
        out.append((weights, biases, rng.uniform(0.0, 1.0, (sizes[0], m)), what))
    return out


def _input_twins(weights, biases, rng):
    """Three inputs of one shape (a batch of 2) whose every bias is the same: the network on two inputs X, and with
    other weights before the output layer on a third. Their right answers differ; an answer built from the biases
    alone (activation(b), ignoring the input and the weights) is the same for all three, which rule 1 catches."""
    n, other = weights[0].shape[1], [rng.normal(0.0, 1.0, W.shape) for W in weights[:-1]] + weights[-1:]
    return [(list(weights), list(biases), rng.uniform(0.0, 1.0, (n, 2))),
            (list(weights), list(biases), rng.uniform(0.0, 1.0, (n, 2))),
            (other, list(biases), rng.uniform(0.0, 1.0, (n, 2)))]


def _input_twin_networks(seed) -> list:
    """(weights, biases, X) of the single predict network's input twins (_input_twins), as _feedforward_inputs has them."""
    single = _predict_cases(seed)[-1]
    return _input_twins(single[0], single[1], _stream_rng(seed, "input twins"))


def _feedforward_inputs(seed):
    """The networks test_feedforward_random grades: its own, predict's (whose answers predict is judged
    against), the single-example network with its output bias moved both ways (three inputs of one shape) and
    the same network's input twins (_input_twins: all biases the same, other inputs and earlier weights) and its
    _weight_twin (predict_single's evidence that predict answers from more than the biases)."""
    single = _predict_cases(seed)[-1]
    sizes = f"{[W.shape[1] for W in single[0]] + [single[0][-1].shape[0]]}"
    twins = [(w, b, X, f"feedforward for the network with sizes {sizes} and another output bias")
             for w, b, X in _twins(*single[:3], None)[1:3]]
    twins += [(w, b, X, f"feedforward for the network with sizes {sizes} (or other weights before its output layer) "
               "and a batch of 2") for w, b, X in _input_twin_networks(seed)]
    twins.append(_weight_twin(*single[:3]) + (f"feedforward for the network with sizes {sizes} and other weights into "
                                              "its output layer",))
    return _feedforward_cases(seed) + [(w, b, X, what.replace("predict", "feedforward", 1))
                                       for w, b, X, what in _predict_cases(seed)] + twins


def _feedforward_stream(student, seed) -> blame.Recording:
    """feedforward on every network of _feedforward_inputs, each asked twice, in one shuffled stream made before
    any verdict: test_feedforward_random grades these very answers, and predict is judged against them."""
    return blame.recorded(student, "02 feedforward stream", lambda: blame.Recording(
        student, [("feedforward", (w, b, X)) for w, b, X, _ in _feedforward_inputs(seed)],
        _stream_rng(seed, "feedforward stream")))


@points(2)
def test_feedforward_random(student, rng, seed):
    """feedforward of random sigmoid networks gives the output layer's activations (sizes[-1], m)"""
    stream = _feedforward_stream(student, seed)
    outcomes, networks = [], []
    for weights, biases, X, what in _feedforward_inputs(seed):
        networks.append((weights, biases, X))
        outcomes.append(_check_feedforward(student, weights, biases, X, sigmoid, what=what, stream=stream,
                                           chain=_layer_chain(student, seed)))
    _some_computed(student, "feedforward", networks, outcomes, "feedforward", rng, seed, "random")


def _activation_cases(seed):
    """(weights, biases, X, activation name, what) of test_feedforward_activation."""
    rng = _stream_rng(seed, "activation networks")
    out = []
    for name in ("relu", "identity"):
        n = int(rng.integers(3, 8))
        sizes = [int(rng.integers(3, 9)), n, n, int(rng.integers(2, 6))]
        m = int(rng.integers(1, 6))
        weights, biases = random_network(rng, sizes)
        out.append((weights, biases, rng.uniform(0.0, 1.0, (sizes[0], m)), name,
                    f"feedforward(weights, biases, a, activation={name}) for sizes {sizes}"))
    return out


@points(1)
def test_feedforward_activation(student, rng, seed):
    """feedforward passes activation=ReLU (or identity) on to every layer"""
    outcomes, networks = [], []
    chain = _layer_chain(student, seed)
    for weights, biases, X, name, what in _activation_cases(seed):
        networks.append((weights, biases, X))
        outcomes.append(_check_feedforward(student, weights, biases, X, ACTIVATIONS[name], Fn(name), what=what,
                                           chain=chain))
    _some_computed(student, "feedforward", networks, outcomes, "feedforward", rng, seed, "activation")


@points(1)
def test_feedforward_unchanged(student, rng, seed):
    """feedforward leaves the weights, the biases and the input unchanged"""
    n = int(rng.integers(3, 8))
    sizes = [n] * int(rng.integers(3, 6))  # square layers, one example: even a shaky layer_forward runs
    weights, biases = random_network(rng, sizes)
    X = rng.uniform(0.0, 1.0, (n, 1))
    try:
        call = student.call("feedforward", [W.copy() for W in weights], [b.copy() for b in biases], X.copy(),
                            return_args=True)
    except StudentError as error:
        chain = _layer_chain(student, seed)
        if not chain.computes or chain.raised(error):  # layer_forward's error, charged in its own tests
            return _feedforward_unchanged_on_stand_in(student, seed, weights, biases, X)
        raise
    X2 = rng.uniform(0.0, 1.0, (n, 1))
    # a property test: only for code that computes something (from the input and the weights: the same biases
    # with other weights and another input; an answer from the biases alone is no computation), unless the student's
    # own layer_forward, chained, answers the input twins alike (then the biases alone are right for it: rule 4)
    other = random_network(rng, sizes)
    if _own_chain_alike(student, seed, _input_twin_networks(seed)):
        other = (other[0], other[1])
    else:
        other = (other[0], biases)
    # a list or tuple answer (every layer's activations, the input first: charged in test_feedforward_random) is
    # judged by its last item, the output layer's activations
    why = computes_on(student, "feedforward", [(weights, biases, X), other + (X2,)], rng,
                      answer=lambda got: got[-1] if isinstance(got, (list, tuple)) and len(got) > 1 else got)
    if why and not _layer_chain(student, seed).computes:
        return _feedforward_unchanged_on_stand_in(student, seed, weights, biases, X)
    if why:
        fail_nothing("feedforward(weights, biases, a) for two networks and inputs a", why)
    after_w, after_b, after_x = call.args
    for before, after, name in ((weights, after_w, "weights"), (biases, after_b, "biases")):
        if not isinstance(after, list) or len(after) != len(before):
            fail(f"your feedforward changed the list {name} (it has {describe_value(after)} afterwards, not "
                 f"{len(before)} arrays): loop over the layers with zip(weights, biases) instead of "
                 "removing or adding entries.")
    changed = [name for before, after, name in ((weights, after_w, "weights"), (biases, after_b, "biases"))
               if not all(unchanged(x, y) for x, y in zip(before, after))]
    if not unchanged(X, after_x):
        changed.append("a (the input)")
    if changed and "changes_inputs" not in blame.charged(student, "layer_forward"):
        fail(f"your feedforward changed its input {' and '.join(changed)}; functions must not modify their "
             "arguments (a = layer_forward(W, a, b) makes a new array; do not write into the ones you were given).")


def _feedforward_unchanged_on_stand_in(student, seed, weights, biases, X):
    """The property on its own where feedforward computes nothing here because the student's layer_forward computes
    nothing (charged in its own tests): feedforward asked again with a stand-in layer_forward
    (_stand_in_feedforward_run) must compute there and leave its weights, biases and input unchanged."""
    why = ("your feedforward computes nothing here, or raises the error your layer_forward raised, which "
           "layer_forward's own tests charge")
    run, cases, asked = _stand_in_feedforward_run(student, seed, [(weights, biases, X)], "unchanged", why)
    for case in cases:
        error = run.error("feedforward", *case)
        if error is not None:
            fail(f"feedforward: {asked}; there your feedforward still raised: {error}")
    nothing = run.why_nothing("feedforward")
    if not nothing:  # an answer from the biases alone differs between the twins: other inputs, one network, too
        same_network = [run.answer("feedforward", *case) for case in cases
                        if case[0] is cases[0][0] and case[1] is cases[0][1]]
        if len(same_network) > 1 and all(_numeric_array(got) is not None and _numeric_array(same_network[0]) is not None
                                         and np.array_equal(_numeric_array(got), _numeric_array(same_network[0]))
                                         for got in same_network[1:]):
            nothing = "it gave the same answer for other inputs a of one network"
    if nothing:
        fail_nothing(f"feedforward: {asked}", nothing)
    for before_w, before_b, before_x in cases:
        after_w, after_b, after_x = run.call("feedforward", before_w, before_b, before_x).args
        changed = [name for before, after, name in ((before_w, after_w, "weights"), (before_b, after_b, "biases"))
                   if not isinstance(after, list) or len(after) != len(before)
                   or not all(unchanged(x, y) for x, y in zip(before, after))]
        if not unchanged(before_x, after_x):
            changed.append("a (the input)")
        if changed:
            fail(f"your feedforward changed its input {' and '.join(changed)} ({asked}); functions must not modify "
                 "their arguments.")


# ---------------------------------------------------------------- predict

def _own_outputs(student, seed, weights, biases, X) -> list:
    """The output activations predict is built on, given the student's own feedforward: its answer recorded in
    test_feedforward_random's stream for this very network (if it computes there). A mistake the ledger holds from
    other inputs excuses nothing; a network the stream did not record gets no credit."""
    stream = _feedforward_stream(student, seed)
    owns = [stream.answer("feedforward", weights, biases, X)] if stream.index("feedforward", weights, biases, X) \
        is not None and stream.error("feedforward", weights, biases, X) is None \
        and not stream.why_nothing("feedforward") else []
    return [own for own in owns if isinstance(own, np.ndarray) and own.ndim == 2 and own.dtype.kind in "biuf"
            and own.shape[1:] == X.shape[1:] and own.size]


def _unusable_own_output(student, seed, weights, biases, X) -> bool:
    """True if the student's own feedforward answered this very network, in test_feedforward_random's stream, with
    something other than a numeric 2-D array (a list of every layer's activations, ...), which that test charges:
    a predict that raises on it is then judged with a stand-in feedforward."""
    stream = _feedforward_stream(student, seed)
    if stream.index("feedforward", weights, biases, X) is None or stream.error("feedforward", weights, biases, X):
        return False
    own = stream.answer("feedforward", weights, biases, X)
    return not (isinstance(own, np.ndarray) and own.ndim == 2 and own.dtype.kind in "biuf")


def _check_predict(student, seed, weights, biases, X, what):
    """Judge one predict call; returns BLAMED when its answer comes from the student's own feedforward, charged in
    its own tests, in a way no answer can verify: the error feedforward's (or layer_forward's) tests charged, or the
    argmax of feedforward's wrong answer on this network (graded in test_feedforward_random) where feedforward shows
    no evidence that it computes. Such a predict is then judged with stand-ins (_predict_on_stand_in)."""
    try:
        got = student.predict(weights, biases, X)
    except StudentError as error:
        if blame.raised(student, "feedforward", error) or blame.raised(student, "layer_forward", error) \
                or _feedforward_stream(student, seed).raised("feedforward", error) \
                or _unusable_own_output(student, seed, weights, biases, X):
            return BLAMED  # the error of the student's own feedforward (or of its answer here), charged in its tests
        raise
    owns = _own_outputs(student, seed, weights, biases, X)
    stream = _feedforward_stream(student, seed)
    recorded = None if stream.index("feedforward", weights, biases, X) is None \
        or stream.error("feedforward", weights, biases, X) is not None else stream.answer("feedforward", weights, biases, X)
    if isinstance(got, np.ndarray) and got.dtype.kind in "iu" and isinstance(recorded, np.ndarray) \
            and recorded.ndim == 2 and recorded.size and recorded.dtype.kind in "biuf" \
            and np.array_equal(got, np.argmax(recorded, axis=0)) \
            and not any(np.array_equal(got, np.argmax(own, axis=0)) for own in owns) \
            and not np.array_equal(got, np.argmax(feedforward(weights, biases, X, sigmoid), axis=0)):
        return BLAMED  # the argmax of the student's own feedforward's answer, which shows no evidence of computing
    return _judge_predict(got, weights, biases, X, what, lambda: owns)


def _judge_predict(got, weights, biases, X, what, owns=list):
    """Fail unless got is the argmax of each column of the network's output activations, as a 1-D int array;
    owns() gives outputs of the student's own feedforward, whose argmax is accepted too."""
    m = X.shape[1]
    if isinstance(got, (list, tuple)):
        fail(f"{what} should be a 1-D numpy array of ints, but your code returned {describe_value(got)}: "
             "wrap it in np.array(...), or use np.argmax(output, axis=0).")
    if not isinstance(got, np.ndarray):
        hint = (" - np.argmax without axis looks at all the numbers at once; use axis=0 for one answer per column"
                if isinstance(got, (int, np.integer)) and m > 1 else
                " - for a batch of one example predict still returns an array of length 1: "
                "do not squeeze the batch dimension away" if isinstance(got, (int, np.integer)) else "")
        fail(f"{what} should be a 1-D numpy array of length {m}, one digit per column, but your code returned "
             f"{describe_value(got)}{hint}.")
    if got.shape != (m,):
        n_out = weights[-1].shape[0]
        hint = ""
        if got.shape == (n_out,):
            hint = (" np.argmax(..., axis=1) gives one answer per output neuron; "
                    "the examples are the columns, so take axis=0.")
        elif got.shape in ((1, m), (m, 1)):
            hint = " Return a 1-D array: np.argmax(output, axis=0) already is one."
        elif got.shape == ():
            hint = (" For a batch of one example predict still returns an array of length 1: "
                    "do not squeeze the batch dimension away.")
        fail(f"{what} should have shape ({m},), one digit per column of X, got shape {got.shape}.{hint}")
    if got.dtype.kind not in "iu":
        fail(f"{what} should hold ints (the digits), but your array has dtype {got.dtype}: use .astype(int).")
    output = feedforward(weights, biases, X, sigmoid)
    expected = np.argmax(output, axis=0)
    if np.array_equal(got, expected):
        return None
    if any(own.ndim == 2 and own.shape[1] == m and np.array_equal(got, np.argmax(own, axis=0)) for own in owns()):
        return None  # the brightest neuron of the student's own feedforward's output, judged in its own tests
    hint = named_mistake(got, _predict_mistakes(output))
    wrong = int(np.sum(got != expected))
    fail(f"{what}: {wrong} of {m} answers differ from the brightest output neuron (the argmax of each column "
         f"of the output activations)." + (f" {hint}" if hint else ""))


def _predict_mistakes(output):
    """What typical mistakes predict from the trusted (n_out, m) output activations."""
    exact = dict(rtol=0, atol=0)
    return [
        Mistake(np.argmax(output, axis=1) if output.shape[0] == output.shape[1] else None,
                "np.argmax(..., axis=1) looks along each row; the examples are the columns, so take axis=0.", **exact),
        Mistake(np.argmin(output, axis=0),
                "That is the darkest output neuron (argmin); the answer is the brightest one (argmax).", **exact),
    ]


def _predict_on_stand_in(student, seed, blamed, test):
    """predict judged on its own where it raised the error its feedforward's (or layer_forward's) tests charged: asked
    in a fresh child whose feedforward and layer_forward are stand-ins giving the right activations for exactly this
    run's networks (toolkit/stand_in.py): new networks of the blamed cases' sizes, each with its twins (another
    brightest neuron from another output bias or other weights into it, other inputs), each asked twice in one
    shuffled stream. It must compute (rule 1) and take the argmax of each column itself."""
    rng = _stream_rng(seed, f"predict stand-in {test}")
    cases = []
    for weights, biases, X, what in blamed:
        sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
        new_weights, new_biases = random_network(rng, sizes)
        new_X = rng.uniform(0.0, 1.0, X.shape)
        cases += [(w, b, x, what) for w, b, x in _twins(new_weights, new_biases, new_X, rng)
                  + [_weight_twin(new_weights, new_biases, new_X)]]
    layers = []
    for weights, biases, X, _ in cases:
        a = X
        for W, b in zip(weights, biases):
            layers.append((W, a, b))
            a = sigmoid(W @ a + b)
    stand_ins = {"feedforward": stand_in.table(lambda w, b, x: feedforward(w, b, x, sigmoid),
                                               [case[:3] for case in cases]),
                 "layer_forward": stand_in.table(lambda W, a, b: sigmoid(W @ a + b), layers)}
    run = stand_in.recorded(student, stand_ins, [("predict", case[:3]) for case in cases], rng)
    why = ("your predict's answer here comes from your feedforward (its error, or the brightest neuron of its wrong "
           "answer), which its own tests charge")
    if run is None:
        fail(f"{blamed[0][3]}: {why}, and predict could not be asked again with a feedforward that works.")
    asked = (f"{why}. So predict was asked again in a process of its own, on new networks of the same sizes, with "
             "feedforward (and layer_forward) replaced by stand-ins that give the right activations")
    for weights, biases, X, what in cases:
        error = run.error("predict", weights, biases, X)
        if error is not None:
            fail(f"{what}: {asked}; there your predict still raised: {error}")
    nothing = run.why_nothing("predict")
    if nothing:
        fail_nothing(f"predict: {asked}", nothing)
    for weights, biases, X, what in cases:
        _judge_predict(run.answer("predict", weights, biases, X), weights, biases, X, f"{what} ({asked})")


def _judge_blamed_predicts(student, seed, cases, outcomes, test, rng):
    """The cases where predict raised its building block's error, judged with stand-ins; the others' answers, where
    some are blamed, must show that predict computes (expect_computes_on on their twins)."""
    blamed = [case for case, outcome in zip(cases, outcomes) if outcome is BLAMED]
    if not blamed:
        return
    _predict_on_stand_in(student, seed, blamed, test)
    answered = [case[:3] for case, outcome in zip(cases, outcomes) if outcome is not BLAMED]
    if answered:
        expect_computes_on(student, "predict", [twin for case in answered for twin in _twins(*case, rng)],
                           "predict on the inputs it answers", rng)


@points(2)
def test_predict_random(student, rng, seed):
    """predict gives the brightest output neuron (argmax) of each column, as a 1-D int array"""
    cases = _predict_cases(seed)[:3]
    outcomes = [_check_predict(student, seed, weights, biases, X, what) for weights, biases, X, what in cases]
    _judge_blamed_predicts(student, seed, cases, outcomes, "random", rng)


@points(1)
def test_predict_single(student, rng, seed):
    """predict for a batch of one example returns an array of length 1"""
    case = _predict_cases(seed)[3]
    weights, biases, X, what = case
    if _check_predict(student, seed, weights, biases, X, what) is BLAMED:
        _judge_blamed_predicts(student, seed, [case], [BLAMED], "single", rng)
        return
    # A single-answer test: for a predict that computes (a network and input with another answer among its twins,
    # and with the same biases, another answer from other weights into the output layer: not from the biases alone)
    expect_computes_on(student, "predict", _twins(weights, biases, X, rng), "predict for examples X of shape (n, 1)",
                       rng)
    twin = _weight_twin(weights, biases, X)
    stream = _feedforward_stream(student, seed)
    own = [stream.answer("feedforward", *case) if stream.error("feedforward", *case) is None else None
           for case in ((weights, biases, X), twin)]
    own_alike = not stream.why_nothing("feedforward") and _argmax_alike(own)
    # rule 4: unless the same answer is right for the student's own feedforward (or own layer_forward, chained)
    if not own_alike and not _own_chain_alike(student, seed, [(weights, biases, X), twin], argmax=True):
        expect_computes_on(student, "predict", [(weights, biases, X), twin],
                           "predict for one example X, with other weights into the output layer (the same biases)", rng)
