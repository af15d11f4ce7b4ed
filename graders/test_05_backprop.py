"""Hidden graders for 05_backprop: chain_rule_single, backprop, numerical_gradient.

Every function is checked on its own: chain_rule_single against the lecture's
chain-rule formulas, backprop against the reference (and against central
differences of the cost computed here in the parent), numerical_gradient on
functions from the child's fixed library whose exact gradients are known.
Expected answers of typical mistakes are computed here too, so that the
feedback can name the likely mistake.
"""
import time

import numpy as np

from autograder.engine.handle import CallTimedOut
from autograder.engine.wire import Fn
from autograder.toolkit import (Mistake, agrees, compare, describe_value, expect_array, expect_computes_on, expect_float,
                                expect_list, expect_unchanged, fail, lecture, named_mistake, points, unchanged)
from autograder.toolkit import blame, network
from autograder.toolkit.evidence import fail_nothing
from autograder.toolkit.dtypes import expect_float64, expect_float64_arrays
from autograder.toolkit.mistakes import scaled
from autograder.toolkit.network import random_problem, sigmoid


# Every behavioural promise of the docstrings (phrases quoted from solutions/05_backprop/backprop.py) and the
# tests that check it: `course show 05_backprop` lists them, tests/graders/test_promises.py holds them to it.
PROMISES = {
    "chain_rule_single": {
        "y: the desired activation (all floats)": ["test_chain_rule_single_random"],
        "returns the tuple of floats (dC0/dw, dC0/db, dC0/da_prev)": ["test_chain_rule_single_returns_floats"],
        "= (a_prev sigma'(z) 2(a - y), sigma'(z) 2(a - y), w sigma'(z) 2(a - y))": ["test_chain_rule_single_random"],
    },
    "backprop": {
        "The batch cost is the mean over the m columns of the example cost": ["test_backprop_batch"],
        "Returns (grad_w, grad_b): lists of float64 arrays shaped like weights and biases": ["test_backprop_shapes"],
        "delta = 2 (a_L - y) * sigma'(z_L)": ["test_backprop_single_example", "test_backprop_matches_numerical_gradient"],
        "Forward pass: keep every z and every activation": ["test_backprop_costs_about_two_passes"],
    },
    "numerical_gradient": {
        "f: a function of one array returning a float": ["test_numerical_gradient_quadratic"],
        "h: the nudge": ["test_numerical_gradient_central_differences"],
        "df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)": ["test_numerical_gradient_central_differences",
                                                            "test_numerical_gradient_network_cost"],
        "Returns an array shaped like x": ["test_numerical_gradient_quadratic"],
        "x is unchanged afterwards": ["test_numerical_gradient_leaves_x_unchanged"],
    },
}

def _network(rng, sizes, m):
    """A random sigmoid network, inputs in [0, 1] and one-hot targets: (weights, biases, X, Y)."""
    return random_problem(rng, sizes, m)[:4]


# ---------------------------------------------------------------- chain_rule_single

def _slope_at_z(z, a):
    return a * (1.0 - a)  # sigma'(z) = sigma(z)(1 - sigma(z))


def _chain(a_prev, w, b, y, *, slope=_slope_at_z, two=2.0, sign=1.0, swap=False):
    """The three derivatives (dC0/dw, dC0/db, dC0/da_prev), or those of a typical mistake:
    slope(z, a) for sigma'(z), the factor two, the sign of a - y, dz/dw and dz/da_prev swapped."""
    z = w * a_prev + b
    a = float(sigmoid(z))
    delta = slope(z, a) * two * sign * (a - y)
    if swap:
        return (w * delta, delta, a_prev * delta)
    return (a_prev * delta, delta, w * delta)


def _chain_mistakes(a_prev, w, b, y):
    tolerance = dict(rtol=1e-6, atol=1e-12)
    return [Mistake(_chain(a_prev, w, b, y, **kwargs), hint, **tolerance) for kwargs, hint in (
        (dict(slope=lambda z, a: 1.0),
         "Your numbers are what you get without sigma'(z): a = sigma(z), so the chain rule needs "
         "da/dz = sigma'(z) = sigma(z)(1 - sigma(z)) between dz/dw and dC0/da."),
        (dict(two=1.0), "Your numbers are half the right ones: dC0/da = 2(a - y), the derivative of (a - y)^2 "
                        "keeps the factor 2."),
        (dict(sign=-1.0), "Your numbers have the wrong sign: dC0/da = 2(a - y), not 2(y - a). A positive slope "
                          "means the cost grows when the weight grows."),
        (dict(swap=True), "dC0/dw and dC0/da_prev look swapped: dz/dw = a_prev (the activation feeding in), "
                          "while dz/da_prev = w."),
        (dict(slope=lambda z, a: float(network.sigmoid_prime(a))),
         "Your numbers are what you get with sigma'(a) instead of sigma'(z): the derivative of the "
         "sigmoid is taken at z = w a_prev + b, i.e. sigma(z)(1 - sigma(z)) = a(1 - a)."),
        (dict(slope=lambda z, a: a * (1.0 + a)),
         "Your numbers are what you get with sigma(z)(1 + sigma(z)); the sigmoid's derivative is "
         "sigma(z)(1 - sigma(z))."),
    )]


CHAIN_NAMES = ("dC0/dw", "dC0/db", "dC0/da_prev")


def _student_chain(got, a_prev, w, b, y):
    """(the call in words, the three derivatives as floats, as the student's code returned them) of got, the
    student's chain_rule_single(a_prev, w, b, y)."""
    call = f"chain_rule_single(a_prev={a_prev:.4g}, w={w:.4g}, b={b:.4g}, y={y:.4g})"
    if not isinstance(got, tuple):
        if isinstance(got, list) and len(got) == 3:
            pass  # a list of three numbers is fine, only its contents matter
        else:
            fail(f"{call} should return a tuple of three floats (dC0/dw, dC0/db, dC0/da_prev), "
                 f"but your code returned {describe_value(got)}.")
    values = expect_list(got, 3, call)
    return call, tuple(expect_float(v, f"{name} from {call}") for v, name in zip(values, CHAIN_NAMES)), values


def _check_chain(student, a_prev, w, b, y, got=None, lecture_neuron=False):
    """Judge one call's three derivatives (got: its answer already recorded, else the student is called); returns
    (the call in words, the three as the student's code returned them). lecture_neuron: this is the lecture's
    neuron with one entry changed, and the lecture's own was right."""
    got = student.chain_rule_single(a_prev, w, b, y) if got is None else got
    call, got, values = _student_chain(got, a_prev, w, b, y)
    expected = _chain(a_prev, w, b, y)
    if agrees(got, expected, rtol=1e-7, atol=1e-12):
        return call, values
    hint = named_mistake(got, _chain_mistakes(a_prev, w, b, y))
    if not hint:
        right = [name for name, g, e in zip(CHAIN_NAMES, got, expected) if agrees(g, e, rtol=1e-7, atol=1e-12)]
        hint = ("With z = w a_prev + b and a = sigma(z): dC0/dw = a_prev sigma'(z) 2(a - y), "
                "dC0/db = sigma'(z) 2(a - y), dC0/da_prev = w sigma'(z) 2(a - y)."
                + (f" ({', '.join(right)} right.)" if right else ""))
    fail(f"{call}: expected (dC0/dw, dC0/db, dC0/da_prev) = ({expected[0]:.6g}, {expected[1]:.6g}, "
         f"{expected[2]:.6g}), got ({got[0]:.6g}, {got[1]:.6g}, {got[2]:.6g})"
         + (" - for the lecture's neuron (a_prev=0.5, w=1, b=0, y=1) your answer is right, but not for this "
            "neuron with one of its numbers changed. " if lecture_neuron else ". ") + hint)


LECTURE_NEURON = (0.5, 1.0, 0.0, 1.0)  # a_prev, w, b, y of the lecture's one-neuron example


def _near_lecture(rng):
    """The lecture's neuron with one of a_prev, w, b changed, each in turn: asked in the same shuffled stream as
    the lecture's, so that answering the notes' numbers by recognising the input earns nothing."""
    out = []
    for k in range(3):
        near = list(LECTURE_NEURON)
        near[k] = float(near[k] + rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 0.6))
        out.append(tuple(near))
    return out


@points(1)
def test_chain_rule_single_returns_floats(student, rng):
    """chain_rule_single returns a tuple of three floats (dC0/dw, dC0/db, dC0/da_prev) for the lecture's neuron"""
    near = _near_lecture(rng)
    other = (float(rng.uniform(0.1, 1.0)), float(rng.normal(0.0, 1.0)), float(rng.normal(0.0, 1.0)), 1.0)
    stream = blame.Recording(student, [("chain_rule_single", case) for case in [LECTURE_NEURON, *near, other]], rng)
    why = stream.why_nothing("chain_rule_single")
    if why:
        fail_nothing("chain_rule_single for the lecture's neuron and random ones", why)
    call, values = _check_chain(student, *LECTURE_NEURON, got=stream.answer("chain_rule_single", *LECTURE_NEURON))
    for value, name in zip(values, CHAIN_NAMES):  # the dtype's home: the values agree here
        expect_float64(value, f"{name} from {call}")
    for case in near:
        _check_chain(student, *case, got=stream.answer("chain_rule_single", *case), lecture_neuron=True)


@points(3)
def test_chain_rule_single_random(student, rng):
    """chain_rule_single agrees with the chain-rule formulas on random neurons"""
    for _ in range(8):
        a_prev = float(rng.uniform(0.0, 1.0))
        w = float(rng.normal(0.0, 2.0))
        b = float(rng.normal(0.0, 1.0))
        y = float(rng.choice([0.0, 1.0])) if rng.random() < 0.5 else float(rng.uniform(0.0, 1.0))
        _check_chain(student, a_prev, w, b, y)


# ---------------------------------------------------------------- backprop

def _backprop_mistakes(weights, biases, X, Y):
    """[(grad_w, grad_b, hint)] of typical wrong backward passes, from the trusted backprop."""
    return [
        (*network.backprop(weights, biases, X, Y, output_slope=lambda z, a: 1.0),
         "Your gradients are what you get without sigma'(z_L) at the output layer: "
         "start the backward pass with delta = 2 (a_L - y) * sigma'(z_L)."),
        (*network.backprop(weights, biases, X, Y, slope=lambda z, a: network.sigmoid_prime(a)),
         "Your gradients are what you get with sigma'(a) instead of sigma'(z): the sigmoid's "
         "derivative at z is sigma(z)(1 - sigma(z)) = a(1 - a), so use sigmoid_prime(z) or "
         "a * (1 - a), not sigmoid_prime(a)."),
    ]


def _low_precision(grads):
    """The dtype of the first gradient array held in less than float64 (float32), else None."""
    return next((g.dtype for g in grads if isinstance(g, np.ndarray) and g.dtype.kind == "f" and g.dtype.itemsize < 8),
                None)


def _unpack_grads(got, weights, biases, call, shape_home=False):
    """(grad_w, grad_b) with the right structure and shapes, as float arrays.

    shape_home: this test judges the shapes (test_backprop_shapes). Elsewhere a grad_b of
    shape (n,) for biases of shape (n, 1) (a missing keepdims=True) is judged on its values:
    the shape mistake is charged once, in the shape test."""
    L = len(weights)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} should return a pair (grad_w, grad_b), but your code returned {describe_value(got)}.")
    grad_w, grad_b = got
    for name, grads, params in (("grad_w", grad_w, weights), ("grad_b", grad_b, biases)):
        if not isinstance(grads, (list, tuple)) or len(grads) != L:
            fail(f"{name} from {call} should be a list of {L} arrays, one per layer after the input layer "
                 f"(shaped like {'weights' if name == 'grad_w' else 'biases'}), but your code returned "
                 f"{describe_value(grads)}.")
    if (all(isinstance(g, np.ndarray) and g.shape == b.shape for g, b in zip(grad_w, biases))
            and all(isinstance(g, np.ndarray) and g.shape == w.shape for g, w in zip(grad_b, weights))):
        fail(f"{call} returned the biases' gradients first: return (grad_w, grad_b), in that order.")
    shapes_w = [w.shape for w in weights]
    if [getattr(g, "shape", None) for g in grad_w] == shapes_w[::-1] and shapes_w != shapes_w[::-1]:
        fail(f"grad_w from {call} has its layers in reverse order (the output layer first): grad_w[l] "
             "belongs to weights[l]; fill the lists by index, or reverse them before returning.")
    out_w, out_b = [], []
    for layer, (g, W) in enumerate(zip(grad_w, weights)):
        if isinstance(g, np.ndarray) and g.shape == W.T.shape and W.shape != W.T.shape:
            fail(f"grad_w[{layer}] from {call} has shape {g.shape}, the shape of weights[{layer}] transposed "
                 f"{W.shape}. The gradient has the shape of the weights (n_out, n_in): "
                 "delta @ a_prev.T, not a_prev @ delta.T.")
        out_w.append(expect_array(g, W.shape, f"grad_w[{layer}] from {call}"))
    for layer, (g, b) in enumerate(zip(grad_b, biases)):
        if not shape_home and isinstance(g, np.ndarray) and g.shape == b.shape[:1]:
            g = g.reshape(b.shape)
        if isinstance(g, np.ndarray) and g.shape == b.shape[:1] and b.ndim == 2:
            fail(f"grad_b[{layer}] from {call} has shape {g.shape}; it should have the shape of biases[{layer}], "
                 f"{b.shape}: a column. Summing (or averaging) delta over the columns drops the second axis "
                 "unless you keep it: delta.mean(axis=1, keepdims=True).")
        out_b.append(expect_array(g, b.shape, f"grad_b[{layer}] from {call}"))
    return out_w, out_b


def _layer_mistakes(wrong_passes, index, expected, m, layer):
    """What one layer's gradient (index 0: grad_w, 1: grad_b) is under typical mistakes."""
    mistakes = [Mistake(grads[index][layer], hint, rtol=1e-6, atol=1e-10) for *grads, hint in wrong_passes]
    factors = [
        (m, f"Your gradient is {m} times too large: that is the sum over the {m} examples of the batch; "
            "the batch cost is the mean, so divide by m."),
        (1.0 / m, f"Your gradient is {m} times too small: did you divide by m twice?"),
        (0.5, "Your gradient is half the right one: dC0/da = 2(a - y) keeps the factor 2."),
        (2.0, "Your gradient is twice the right one: dC0/da = 2(a - y), with one factor 2 only."),
        (-1.0, "Your gradient has the wrong sign: dC0/da = 2(a - y), not 2(y - a)."),
    ]
    mistakes += scaled(expected, [(factor, hint) for factor, hint in factors if factor != 1.0])  # m = 1: no factor m
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1]:
        mistakes.append(Mistake(expected.T, "Your gradient is the transpose of the right one: "
                                            "grad_w = delta @ a_prev.T."))
    return mistakes


def _layer_advice(layer, L):
    """What to check when no typical mistake explains a layer's gradient."""
    if layer < L - 1:  # the layers after this one were checked first and are right
        return ("The layers after this one are right, so the mistake is in going back a layer: "
                "delta_prev = (W^T delta) * sigma'(z_prev), where W is the weights of the layer you come from "
                "and z_prev the weighted sums of the layer that feeds into it (not of the layer after it).")
    return ("Check the backward pass: delta = 2 (a_L - y) * sigma'(z_L) at the output; for each layer "
            "grad_b = mean of delta over the columns, grad_w = delta a_prev^T / m; then "
            "delta_prev = (W^T delta) * sigma'(z_prev).")


ONE_SIDED_H = 1e-5  # numerical_gradient's default nudge


def _one_sided(weights, biases, X, Y, sign, h=ONE_SIDED_H):
    """(grad_w, grad_b) of one-sided differences of the batch cost: (C(p + h) - C(p)) / h for sign=+1 (forward),
    (C(p) - C(p - h)) / h for sign=-1 (backward): what a backprop built on a one-sided numerical_gradient gives."""
    base = network.cost(weights, biases, X, Y)
    out = []
    for params in (weights, biases):
        grads = []
        for layer, P in enumerate(params):
            g = np.zeros_like(P)
            for i in np.ndindex(P.shape):
                nudged = P.copy()
                nudged[i] += sign * h
                w, b = list(weights), list(biases)
                (w if params is weights else b)[layer] = nudged
                g[i] = sign * (network.cost(w, b, X, Y) - base) / h
            grads.append(g)
        out.append(grads)
    return out


def _numerical_not_backprop(grad_w, grad_b, weights, biases, X, Y) -> bool:
    """True if the gradients are one-sided differences of the batch cost: a numerical gradient, not backpropagation.
    Its values are not charged again here: test_backprop_costs_about_two_passes charges the method, numerical_gradient's
    own tests the one-sided differences (a mistake costs its points once)."""
    for sign in (1.0, -1.0):
        num_w, num_b = _one_sided(weights, biases, X, Y, sign)
        if all(agrees(g, e, rtol=1e-7, atol=1e-9) for g, e in zip(grad_w + grad_b, num_w + num_b)):
            return True
    return False


def _check_grads(reference, got, weights, biases, X, Y, call):
    """The student's (grad_w, grad_b) agree with the reference, layer by layer from the output back."""
    dtype = _low_precision(list(got[0]) + list(got[1])) if isinstance(got, (tuple, list)) and len(got) == 2 \
        and all(isinstance(g, (list, tuple)) for g in got) else None
    grad_w, grad_b = _unpack_grads(got, weights, biases, call)
    exp_w, exp_b = reference.backprop(weights, biases, X, Y)
    if not all(agrees(g, e, rtol=1e-6, atol=1e-10) for g, e in zip(grad_w + grad_b, exp_w + exp_b)) \
            and _numerical_not_backprop(grad_w, grad_b, weights, biases, X, Y):
        return
    L, m = len(weights), X.shape[1]
    wrong_passes = _backprop_mistakes(weights, biases, X, Y)
    for layer in range(L - 1, -1, -1):  # from the output layer back, as the error flows
        for name, got_l, expected, index in (("grad_w", grad_w[layer], exp_w[layer], 0),
                                             ("grad_b", grad_b[layer], exp_b[layer], 1)):
            compare(got_l, expected, f"{name}[{layer}] ({call})", _layer_mistakes(wrong_passes, index, expected, m, layer),
                    rtol=1e-6, atol=1e-10, hint=_layer_advice(layer, L), by_example=False, dtype=dtype)


def _check_backprop(student, reference, weights, biases, X, Y):
    sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    call = f"backprop on a {'-'.join(map(str, sizes))} network with m = {X.shape[1]}"
    _check_grads(reference, student.backprop(weights, biases, X, Y), weights, biases, X, Y, call)


@points(1)
def test_backprop_shapes(student, rng):
    """backprop returns (grad_w, grad_b): float64 arrays shaped like weights and biases"""
    weights, biases, X, Y = _network(rng, [3, 6, 5, 2], 4)
    call = "backprop on a 3-6-5-2 network"
    got = student.backprop(weights, biases, X, Y)
    _unpack_grads(got, weights, biases, call, shape_home=True)
    expect_float64_arrays([(f"{name}[{layer}]", g) for name, grads in zip(("grad_w", "grad_b"), got)
                           for layer, g in enumerate(grads)], call)
    expect_computes_on(student, "backprop", [(weights, biases, X, Y), (weights, biases, rng.random(X.shape), Y)],
                       "backprop on a 3-6-5-2 network for two batches X", rng)


@points(2)
def test_backprop_single_example(student, reference, rng):
    """backprop for one example (m = 1) agrees with the reference, layer by layer"""
    for sizes in ([5, 4, 3], [3, 6, 5, 2], [2, 3, 1]):
        _check_backprop(student, reference, *_network(rng, sizes, 1))


@points(3)
def test_backprop_batch(student, reference, rng):
    """backprop for a batch (m = 7) is the mean of the example gradients"""
    for sizes, m in (([5, 4, 3], 7), ([3, 6, 5, 2], 7), ([4, 4, 4, 4], 5)):
        _check_backprop(student, reference, *_network(rng, sizes, m))


@points(1)
def test_backprop_leaves_inputs_unchanged(student, reference, rng):
    """backprop does not modify weights, biases, X or Y"""
    weights, biases, X, Y = _network(rng, [4, 5, 3], 6)
    before = ([W.copy() for W in weights], [b.copy() for b in biases], X.copy(), Y.copy())
    call = student.call("backprop", weights, biases, X, Y, return_args=True)
    after = call.args
    for name, old, new in zip(("weights", "biases"), before[:2], after[:2]):
        reordered = (isinstance(new, list) and len(new) == len(old)
                     and not all(unchanged(o, n) for o, n in zip(old, new))
                     and all(unchanged(o, n) for o, n in zip(old[::-1], new)))
        if not isinstance(new, list) or len(new) != len(old) or reordered:
            fail(f"your code changed the list {name} itself (e.g. reversed, appended to or popped from it); "
                 "functions must not modify their arguments: loop backwards with range(L - 1, -1, -1) "
                 "or over reversed(...) instead.")
        for layer, (o, n) in enumerate(zip(old, new)):
            expect_unchanged(o, n, f"{name}[{layer}]")
    expect_unchanged(before[2], after[2], "X")
    expect_unchanged(before[3], after[3], "Y")
    # A property test: any backprop that computes gradients earns it, right or wrong (the values are judged by
    # the other backprop tests); None, constants or the weights handed back compute nothing.
    _unpack_grads(call.result, *before[:2], "backprop on a 4-5-3 network with m = 6")
    expect_computes_on(student, "backprop", [tuple(before), (before[0], before[1], rng.random(X.shape), before[3])],
                       "backprop on a 4-5-3 network for two batches X", rng)


def _numerical(reference, weights, biases, X, Y, layer, kind):
    params = weights if kind == "w" else biases

    def cost_of(P):
        w, b = list(weights), list(biases)
        (w if kind == "w" else b)[layer] = P
        return network.cost(w, b, X, Y)

    return reference.numerical_gradient(cost_of, params[layer])


@points(2)
def test_backprop_matches_numerical_gradient(student, reference, rng):
    """backprop agrees with central differences of the cost (relative error below 1e-7)"""
    for sizes, m in (([4, 5, 3], 6), ([3, 4, 4, 2], 3)):
        weights, biases, X, Y = _network(rng, sizes, m)
        call = f"backprop on a {'-'.join(map(str, sizes))} network with m = {m}"
        got = student.backprop(weights, biases, X, Y)
        dtype = _low_precision(list(got[0]) + list(got[1])) if isinstance(got, (tuple, list)) and len(got) == 2 \
            and all(isinstance(g, (list, tuple)) for g in got) else None
        grad_w, grad_b = _unpack_grads(got, weights, biases, call)
        exact_w, exact_b = network.backprop(weights, biases, X, Y)
        if not all(agrees(g, e, rtol=1e-6, atol=1e-10) for g, e in zip(grad_w + grad_b, exact_w + exact_b)) \
                and _numerical_not_backprop(grad_w, grad_b, weights, biases, X, Y):
            continue
        for layer in range(len(weights) - 1, -1, -1):
            for kind, got in (("w", grad_w[layer]), ("b", grad_b[layer])):
                numeric = _numerical(reference, weights, biases, X, Y, layer, kind)
                diff = np.linalg.norm(got - numeric)
                relative = diff / max(np.linalg.norm(got) + np.linalg.norm(numeric), 1e-300)
                if relative > lecture.GRADIENT_CHECK_RELATIVE_ERROR and diff > 1e-9:
                    fail(f"grad_{kind}[{layer}] ({call}) differs from the numerical gradient "
                         f"(f(p + h) - f(p - h)) / 2h of the batch cost: relative error {relative:.2g}, "
                         "the lecture's check asks for below 1e-7. Expected "
                         f"{np.array2string(numeric.ravel()[:4], precision=4, separator=', ')}..., got "
                         f"{np.array2string(got.ravel()[:4], precision=4, separator=', ')}... (first entries)."
                         + (f" Your gradients have dtype {dtype}, which keeps about 7 digits: compute in float64."
                            if dtype is not None else ""))


PASSES_BOUND = 200  # backprop may take this many times one forward pass (it takes about 2 to 5)
METHOD_M = 100  # examples in the timed batch


def _forward_seconds(weights, biases, X, repeats=5) -> float:
    """The CPU time of one forward pass of the trusted network on X, here (the least of a few runs)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        network.feedforward(weights, biases, X)
        best = min(best, time.process_time() - start)
    return best


@points(2)
def test_backprop_costs_about_two_passes(student, rng):
    """backprop takes about one forward and one backward pass (the lecture's 784-16-16-10 network), not a numerical gradient"""
    sizes = list(lecture.SIZES)
    weights, biases, X, Y = _network(rng, sizes, METHOD_M)
    forward = _forward_seconds(weights, biases, X)
    limit = max(2.0, PASSES_BOUND * forward)
    call = f"backprop on the lecture's {'-'.join(map(str, sizes))} network with m = {METHOD_M}"
    try:
        student.call("backprop", weights, biases, X, Y, seconds=limit)
    except CallTimedOut:
        n = sum(W.size + b.size for W, b in zip(weights, biases))
        fail(f"{call} did not finish within {limit:.3g} s, more than {PASSES_BOUND} times what one forward pass takes "
             f"({1000 * forward:.3g} ms). Backpropagation costs about one forward and one backward pass; a numerical "
             f"gradient nudges each of the {n:,} parameters and needs about {2 * n:,} forward passes. Compute the "
             "gradient with the backward pass: delta = 2 (a_L - y) * sigma'(z_L), then layer by layer back.")
    # The method's points go to code that computes gradients, right or wrong (the values are judged by the other
    # tests): a batch's gradient is the mean (or, a mistake judged elsewhere, the sum) of its examples' gradients,
    # each asked of your backprop in one shuffled stream.
    X3, Y3 = X[:, :3], Y[:, :3]
    cases = [(weights, biases, X3, Y3), (weights, biases, rng.random(X3.shape), Y3)]
    cases += [(weights, biases, X3[:, j:j + 1].copy(), Y3[:, j:j + 1].copy()) for j in range(3)]
    stream = blame.Recording(student, [("backprop", case) for case in cases], rng)
    why = stream.why_nothing("backprop")
    if why:
        fail_nothing(f"{call} for batches of 3 and of 1", why)
    flat = [_flat_grads(stream.answer("backprop", *case), weights, biases) for case in (cases[0], *cases[2:])]
    if any(f is None for f in flat):
        fail(f"{call}: your backprop did not return (grad_w, grad_b) shaped like weights and biases, so its method "
             "cannot be judged here (test_backprop_shapes says more).")
    batch, columns = flat[0], flat[1:]
    mean = [np.mean([c[i] for c in columns], axis=0) for i in range(len(batch))]
    if not any(all(agrees(g, factor * e, rtol=1e-6, atol=1e-9) for g, e in zip(batch, mean)) for factor in (1.0, 3.0)):
        fail(f"{call}: the gradient of a batch of 3 examples is neither the mean nor the sum of the gradients your "
             "backprop gives for each of its 3 examples alone: the batch cost is the mean of the example costs, so "
             "its gradient is the mean of theirs. Your backprop does not compute the gradient of the cost.")


def _flat_grads(got, weights, biases):
    """grad_w + grad_b as float arrays of the parameters' sizes, or None if got is no such pair."""
    try:
        grad_w, grad_b = got
        out = [np.asarray(g, dtype=float).reshape(P.shape) for g, P in zip(list(grad_w) + list(grad_b),
                                                                            list(weights) + list(biases))]
    except (TypeError, ValueError):
        return None
    return out if len(out) == len(weights) + len(biases) else None


# ---------------------------------------------------------------- numerical_gradient

NUDGE_ADVICE = ("For every entry x_i: (f(x + h e_i) - f(x - h e_i)) / (2h), nudging that one entry and "
                "putting it back before the next.")


def _nudge_mistakes(expected):
    """Central differences with the wrong divisor or sign."""
    return scaled(expected, [
        (2.0, "Your gradient is twice the right one: central differences divide by 2h, (f(x + h) - f(x - h)) / (2h)."),
        (0.5, "Your gradient is half the right one: divide f(x + h) - f(x - h) by 2h, not 4h."),
        (-1.0, "Your gradient has the wrong sign: (f(x + h) - f(x - h)) / (2h)."),
    ], rtol=1e-4, atol=1e-7)


def _shape_hint(got, x):
    if isinstance(got, np.ndarray) and got.size == x.size and got.shape != x.shape:
        fail(f"numerical_gradient for an x of shape {x.shape} returned {describe_value(got)}: the gradient has "
             "the shape of x (e.g. start from np.zeros_like(x) and index it like x).")


@points(2)
def test_numerical_gradient_quadratic(student, rng):
    """numerical_gradient of sum(scale (x - center)^2) is 2 scale (x - center), shaped like x"""
    for shape in ((3, 4), (5,), (4, 1)):
        x = rng.normal(0.0, 1.0, shape)
        center = rng.normal(0.0, 1.0, shape)
        scale = float(rng.uniform(0.5, 2.0))
        got = student.numerical_gradient(Fn("quadratic", center=center, scale=scale), x)
        _shape_hint(got, x)
        got = expect_array(got, x.shape, f"numerical_gradient for an x of shape {x.shape}")
        expected = 2.0 * scale * (x - center)
        one_sided = [Mistake(expected + shift, f"These are {kind}: their error is of order h; central differences "
                                               "(f(x + h) - f(x - h)) / (2h) are exact for a quadratic (up to rounding).",
                             rtol=1e-7, atol=1e-8)
                     for shift, kind in ((scale * 1e-5, "forward differences (f(x + h) - f(x)) / h"),
                                         (-scale * 1e-5, "backward differences (f(x) - f(x - h)) / h"))]
        compare(got, expected, f"numerical_gradient of sum({scale:.3g} (x - center)^2), x of shape {x.shape}",
                one_sided + _nudge_mistakes(expected), rtol=1e-6, atol=1e-6, hint=NUDGE_ADVICE, by_example=False)


@points(1)
def test_numerical_gradient_central_differences(student, rng):
    """numerical_gradient takes central differences with the given h (checked on x^3)"""
    x = rng.uniform(-2.0, 2.0, (2, 3))
    h = 0.01
    got = student.numerical_gradient(Fn("sum_of_cubes"), x, h)
    _shape_hint(got, x)
    got = expect_array(got, x.shape, "numerical_gradient of sum(x^3)")
    # ((x+h)^3 - (x-h)^3) / 2h = 3x^2 + h^2 exactly: central differences of a cubic
    expected = 3.0 * x ** 2 + h ** 2
    mistakes = [
        Mistake(3.0 * x ** 2 + 3.0 * x * h + h ** 2,
                "These are forward differences (f(x + h) - f(x)) / h: their error is of order h, "
                "central differences (f(x + h) - f(x - h)) / (2h) are accurate to order h^2.", rtol=1e-7, atol=1e-7),
        Mistake(3.0 * x ** 2 - 3.0 * x * h + h ** 2,
                "These are backward differences (f(x) - f(x - h)) / h; use central differences "
                "(f(x + h) - f(x - h)) / (2h).", rtol=1e-7, atol=1e-7),
        Mistake(3.0 * x ** 2, f"Your answer does not depend on h: called with h = {h}, central differences of x^3 "
                              "give 3x^2 + h^2. Use the h that is passed in, not a fixed nudge.", rtol=1e-7, atol=1e-8),
    ] + _nudge_mistakes(expected)
    compare(got, expected, f"numerical_gradient of sum(x^3) with h = {h}", mistakes, rtol=1e-9, atol=1e-9,
            hint=NUDGE_ADVICE, by_example=False)


@points(1)
def test_numerical_gradient_network_cost(student, reference, rng):
    """numerical_gradient of the network's cost agrees with the exact gradient"""
    weights, biases, X, Y = _network(rng, [3, 4, 2], 5)
    exp_w, exp_b = reference.backprop(weights, biases, X, Y)
    for layer, kind, x, expected in ((0, "w", weights[0], exp_w[0]), (1, "b", biases[1], exp_b[1]),
                                     (1, "w", weights[1], exp_w[1])):
        f = Fn("network_cost", weights=weights, biases=biases, X=X, Y=Y, layer=layer, kind=kind)
        what = f"numerical_gradient of the cost with respect to {'weights' if kind == 'w' else 'biases'}[{layer}]"
        got = student.numerical_gradient(f, x)
        _shape_hint(got, x)
        got = expect_array(got, x.shape, what)
        compare(got, expected, what, _nudge_mistakes(expected), rtol=1e-5, atol=1e-7, hint=NUDGE_ADVICE,
                by_example=False)


@points(1)
def test_numerical_gradient_leaves_x_unchanged(student, rng):
    """numerical_gradient leaves x unchanged (every nudged entry is put back exactly)"""
    x = rng.normal(0.0, 1.0, (4, 3))
    center = rng.normal(0.0, 1.0, (4, 3))
    before = x.copy()
    call = student.call("numerical_gradient", Fn("quadratic", center=center, scale=1.0), x, return_args=True)
    # A property test: any numerical_gradient that computes something earns it, right or wrong (one-sided
    # differences, a wrong divisor: judged by the other tests); only a real change of x loses it.
    x2 = rng.normal(0.0, 1.0, (4, 3))
    f = Fn("quadratic", center=center, scale=1.0)
    expect_computes_on(student, "numerical_gradient", [(f, before), (f, x2)],
                       "numerical_gradient of sum((x - center)^2) at two points x", rng)
    expect_unchanged(before, call.args[1], "x", who="your numerical_gradient", advice=NUDGE_ADVICE)
