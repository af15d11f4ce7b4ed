# PLANTED: tests/submissions/05_backprop/correct/nielsen_per_example.py with every variable renamed,
# the functions in another order, other comments and a docstring of its own.
"""My backprop for assignment 5."""
import numpy as np
from cost import cost_derivative
from neuron import sigmoid, sigmoid_prime


def numerical_gradient(fn, arr, h=1e-05):
    # finite differences: nudge each entry up and down
    result = np.zeros_like(arr, dtype=float)
    walker = np.nditer(arr, flags=["multi_index"], op_flags=["readwrite"])
    while not walker.finished:
        where = walker.multi_index
        saved = arr[where]
        arr[where] = saved + h
        up = fn(arr)
        arr[where] = saved - h
        down = fn(arr)
        arr[where] = saved
        result[where] = (up - down) / (2 * h)
        walker.iternext()
    return result


def backprop(Ws, bs, inputs, targets):
    """Average the per-example gradients."""
    count = inputs.shape[1]
    gw = [np.zeros(W.shape) for W in Ws]
    gb = [np.zeros(b.shape) for b in bs]
    for col in range(count):
        dws, dbs = single_example(Ws, bs, inputs[:, col:col + 1], targets[:, col:col + 1])
        gw = [g + d for g, d in zip(gw, dws)]
        gb = [g + d for g, d in zip(gb, dbs)]
    return [g / count for g in gw], [g / count for g in gb]


def single_example(Ws, bs, inp, target):
    # forward then backward for one column
    grads_b = [np.zeros(b.shape) for b in bs]
    grads_w = [np.zeros(W.shape) for W in Ws]
    act = inp
    acts = [inp]
    pre = []
    for bias, W in zip(bs, Ws):
        zz = np.dot(W, act) + bias
        pre.append(zz)
        act = sigmoid(zz)
        acts.append(act)
    err = cost_derivative(acts[-1], target) * sigmoid_prime(pre[-1])
    grads_b[-1] = err
    grads_w[-1] = np.dot(err, acts[-2].transpose())
    for k in range(2, len(Ws) + 1):
        zz = pre[-k]
        deriv = sigmoid_prime(zz)
        err = np.dot(Ws[-k + 1].transpose(), err) * deriv
        grads_b[-k] = err
        grads_w[-k] = np.dot(err, acts[-k - 1].transpose())
    return grads_w, grads_b


def chain_rule_single(prev, weight, bias, target):
    pre = weight * prev + bias
    out = sigmoid(pre)
    dcost = 2 * (out - target)
    dsig = sigmoid_prime(pre)
    return (float(prev * dsig * dcost), float(dsig * dcost), float(weight * dsig * dcost))
