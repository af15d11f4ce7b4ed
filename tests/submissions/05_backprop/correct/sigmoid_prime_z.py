# CORRECT: vectorised backprop that keeps every z and uses sigmoid_prime(z) (not a(1 - a)); numerical_gradient over a flat copy with flat indexing
import numpy as np

from neuron import sigmoid, sigmoid_prime


def chain_rule_single(a_prev, w, b, y):
    z = w * a_prev + b
    a = sigmoid(z)
    dz_dw = a_prev
    da_dz = sigmoid_prime(z)
    dC_da = 2.0 * (a - y)
    dC_dw = dz_dw * da_dz * dC_da
    dC_db = 1.0 * da_dz * dC_da
    dC_daprev = w * da_dz * dC_da
    return float(dC_dw), float(dC_db), float(dC_daprev)


def backprop(weights, biases, X, Y):
    m = X.shape[1]
    zs = []
    activations = [X]
    for W, b in zip(weights, biases):
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    L = len(weights)
    grad_w = []
    grad_b = []
    delta = 2 * (activations[-1] - Y) * sigmoid_prime(zs[-1])
    for l in reversed(range(L)):
        grad_w.insert(0, np.matmul(delta, activations[l].T) / m)
        grad_b.insert(0, np.mean(delta, axis=1, keepdims=True))
        if l > 0:
            delta = np.matmul(weights[l].T, delta) * sigmoid_prime(zs[l - 1])
    return grad_w, grad_b


def numerical_gradient(f, x, h=1e-05):
    x = np.asarray(x, dtype=float)
    flat = x.copy().ravel()
    grad = np.empty(flat.size)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        up = f(flat.reshape(x.shape))
        flat[i] = saved - h
        down = f(flat.reshape(x.shape))
        flat[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad.reshape(x.shape)
