# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Backpropagation: the chain rule, layer by layer
#
# **You write:** `chain_rule_single`, `backprop` and `numerical_gradient` in
# **`backprop.py`**, the file next to this notebook. Read each docstring and replace every
# `raise NotImplementedError(...)` with your code. `neuron.py`, `forward.py` and `cost.py` are
# provided (the reference solutions of assignments 01 to 03). Only `backprop.py` is graded.

# %% include="check-your-work"

# %%
# %load_ext autoreload
# %autoreload 2

import time

import numpy as np

import backprop  # your code: backprop.py in this folder
from neuron import sigmoid, sigmoid_prime  # provided
from forward import init_network  # provided
from cost import one_hot, average_cost  # provided
import plots  # provided: the pictures of this notebook, drawn with your functions

rng = np.random.default_rng(0)


def rel_error(x, y):
    """Relative error between two arrays: 0 when equal, about 1 when unrelated."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.linalg.norm(x - y) / max(1e-300, np.linalg.norm(x) + np.linalg.norm(y))


# %% [markdown]
# ## The simplest network: one neuron per layer
#
# Gradient descent needs the gradient of the cost: for every weight and bias, how sensitive
# the cost is to a tiny nudge of it. Start with a network that has one neuron in each layer
# and look at the last two. The last neuron has weight $w$, bias $b$ and gets the activation
# $a_{\text{prev}}$ from the neuron before it:
#
# $$z = w\,a_{\text{prev}} + b, \qquad a = \sigma(z), \qquad C_0 = (a - y)^2.$$
#
# A nudge to $w$ changes $z$, which changes $a$, which changes $C_0$. The **chain rule**
# multiplies the three sensitivities:
#
# $$\frac{\partial C_0}{\partial w} = \frac{\partial z}{\partial w}\,\frac{\partial a}{\partial z}\,\frac{\partial C_0}{\partial a} = a_{\text{prev}}\;\sigma'(z)\;2(a - y).$$
#
# Similarly $\partial C_0 / \partial b = 1 \cdot \sigma'(z)\,2(a - y)$ and
# $\partial C_0 / \partial a_{\text{prev}} = w\,\sigma'(z)\,2(a - y)$.

# %%
a_prev, w, b, y = 0.8, 1.5, -0.5, 1.0   # we want this neuron to light up: y = 1

z = w * a_prev + b                      # 0.7
a = sigmoid(z)                          # about 0.668: not bright enough
by_hand = (a_prev * sigmoid_prime(z) * 2 * (a - y),
           1.0 * sigmoid_prime(z) * 2 * (a - y),
           w * sigmoid_prime(z) * 2 * (a - y))
print(np.round(by_hand, 4))                                   # expected: [-0.1177 -0.1471 -0.2207]
print(np.round(backprop.chain_rule_single(a_prev, w, b, y), 4))  # your chain_rule_single: the same


# %% [markdown]
# All three are negative: increasing $w$, $b$ or $a_{\text{prev}}$ lowers the cost, which is
# what the lecture said. Increase $b$; increase $w$ in proportion to $a_{\text{prev}}$ (a
# weight matters more when the neuron feeding it is bright); change $a_{\text{prev}}$ in
# proportion to $w$.
#
# The derivative is just the answer to "nudge it and see": nudge $w$ by a tiny $h$ up and
# down and divide the change of the cost by $2h$. Your `numerical_gradient` does this for
# every entry of an array.

# %%
def C0(params):
    w, b, a_prev = params
    return (sigmoid(w * a_prev + b) - y) ** 2

h = 1e-5
print((C0([w + h, b, a_prev]) - C0([w - h, b, a_prev])) / (2 * h))  # about -0.1177: dC0/dw by nudging

numerical = backprop.numerical_gradient(C0, np.array([w, b, a_prev]))
print(numerical.round(4))  # expected: [-0.1177 -0.1471 -0.2207]
print(f"relative error {rel_error(numerical, backprop.chain_rule_single(a_prev, w, b, y)):.1e}")  # tiny: below 1e-7

# %% [markdown]
# ## Many neurons per layer
#
# The last formula, $\partial C_0 / \partial a_{\text{prev}}$, is the key to going further
# back: it says how the cost changes with the previous layer's activation, and the same three
# formulas then apply one layer back. With many neurons per layer the products become matrix
# products. Going backwards from the output layer, with
# $\delta^{(L)} = 2(a^{(L)} - y) \odot \sigma'(z^{(L)})$:
#
# - $\partial C / \partial b^{(l)}$ is $\delta^{(l)}$, averaged over the examples of the batch;
# - $\partial C / \partial W^{(l)}$ is $\delta^{(l)} \, (a^{(l-1)})^T$, divided by the number of examples;
# - $\delta^{(l-1)} = \big(W^{(l)T} \delta^{(l)}\big) \odot \sigma'(z^{(l-1)})$.
#
# The cost here is the lecture's: the average over the batch of the sum of squared differences.
#
# ## The gradient check
#
# How do you know your backprop is right? Compare it with the numerical gradient. The two
# computations share almost nothing, so if they agree to about 7 significant digits (relative
# error below $10^{-7}$) both are very likely right. A bug typically gives a relative error
# near 1 or at least $10^{-3}$. First a small network, sizes `[4, 5, 3]`, on a batch of 6
# examples: every weight and bias checked.

# %%
weights, biases = init_network([4, 5, 3], rng=rng)
X = rng.random((4, 6))
Y = one_hot(rng.integers(0, 3, size=6), n_classes=3)

grad_w, grad_b = backprop.backprop(weights, biases, X, Y)
print([g.shape for g in grad_w], [g.shape for g in grad_b])  # expected: [(5, 4), (3, 5)] [(5, 1), (3, 1)]


def cost_as_function_of(kind, layer):
    """The batch cost as a function of one array of the network (the rest held fixed)."""
    def cost_with(x):
        ws, bs = list(weights), list(biases)
        (ws if kind == "weights" else bs)[layer] = x
        return average_cost(ws, bs, X, Y)
    return cost_with


for layer in range(len(weights)):
    num_w = backprop.numerical_gradient(cost_as_function_of("weights", layer), weights[layer])
    num_b = backprop.numerical_gradient(cost_as_function_of("biases", layer), biases[layer])
    print(f"layer {layer + 1}: weights relative error {rel_error(grad_w[layer], num_w):.1e}, "
          f"biases relative error {rel_error(grad_b[layer], num_b):.1e}")
# expected: every relative error below 1e-7, and typically far smaller

# %% [markdown]
# Now the lecture's network, 784-16-16-10, on a batch of 10 random "images", every one of
# its 13,002 weights and biases. Nudging each of them up and down takes 26,004 forward passes,
# about a second. Backprop gets *all* 13,002 derivatives for the price of about two forward
# passes: that is why networks are trained with backpropagation, and why the numerical
# gradient is only used to check it.

# %%
weights, biases = init_network([784, 16, 16, 10], rng=rng)
X = rng.random((784, 10))
Y = one_hot(rng.integers(0, 10, size=10))

start = time.perf_counter()
grad_w, grad_b = backprop.backprop(weights, biases, X, Y)
backprop_seconds = time.perf_counter() - start

start = time.perf_counter()
errors, numerical = [], []
for layer in range(len(weights)):
    num_w = backprop.numerical_gradient(cost_as_function_of("weights", layer), weights[layer])
    num_b = backprop.numerical_gradient(cost_as_function_of("biases", layer), biases[layer])
    errors += [rel_error(grad_w[layer], num_w), rel_error(grad_b[layer], num_b)]
    numerical += [num_w, num_b]
numerical_seconds = time.perf_counter() - start

print(f"largest relative error {max(errors):.1e}")  # expected: below 1e-7
print(f"backprop: all 13,002 derivatives in {backprop_seconds * 1000:.1f} ms; "
      f"nudging every weight and bias: {numerical_seconds:.1f} s")

# %% [markdown]
# The same check as a picture: one dot for each of the 13,002 weights and biases, across the
# numerical derivative (nudge and see), up the one your `backprop` computed. **Look for:**
# every dot on the grey diagonal, and a relative error below $10^{-7}$ in the title. A
# forgotten $\sigma'$ or a missing division by the batch size puts a whole layer's dots on a
# line of another slope; a wrong sign mirrors them across the axis.

# %%
plots.plot_gradient_check([g for pair in zip(grad_w, grad_b) for g in pair], numerical)

# %% [markdown]
# ## One example: what does the "3" want?
#
# Backpropagation for a single training example, a handwritten "3", through a random
# 784-16-16-10 network. It starts where the lecture starts: the output layer should light up
# the 3-neuron and darken all the others. Grey bars: desired minus actual, $y - a$. Red bars:
# the nudge your `backprop` gives each output neuron's bias, $-\partial C / \partial b$.
# **Look for:** the 3-neuron the only one that wants to go up; every red bar with the sign of
# its grey bar, shorter where the neuron is saturated (its $\sigma'$ is small). A red bar
# pointing the other way is a sign error.

# %%
three, y3 = plots.example_three(), one_hot(3)
weights, biases = init_network([784, 16, 16, 10], rng=np.random.default_rng(1))
plots.plot_output_nudges(backprop.backprop, weights, biases, three, y3)

# %% [markdown]
# The gradient of every weight into the output layer: row $j$ (an output neuron), column $i$
# (a neuron of the last hidden layer) is $2(a_j - y_j)\,\sigma'(z_j)\,a_i$. Red: increasing
# the weight raises the cost, so gradient descent lowers it; blue: the other way. Beside it,
# the hidden activations $a_i$. **Look for:** the lecture's "increase $w$ in proportion to
# $a_{\text{prev}}$": columns of bright hidden neurons are strongly coloured, columns of dark
# ones almost white; the 3-neuron's row blue (strengthen the connections into the 3), the
# other rows mostly red.

# %%
plots.plot_output_weight_gradients(backprop.backprop, weights, biases, three, y3)

# %% [markdown]
# And one layer further back, the first hidden layer: each neuron has 784 incoming weights,
# one per pixel, so its gradient is a 28 × 28 picture. For one example it is
# $\delta_j$ times the pixel's activation. **Look for:** the "3" itself in every tile that is
# not blank, in red or in blue depending on which way that neuron should move, and pure white
# where the pixel is black (a weight from a black pixel cannot change the cost). Neurons that
# are saturated for this "3" get almost nothing: blank tiles.

# %%
plots.plot_first_layer_gradients(backprop.backprop, weights, biases, three, y3)

# %% [markdown]
# ## Done?
#
# Run the public tests (`pytest -q` in this folder) and submit `backprop.py`.
#
# Next, in **06 · Training on MNIST**, backprop and gradient descent together teach the
# 784-16-16-10 network to read handwritten digits.

# %% include="before-you-hand-in"
