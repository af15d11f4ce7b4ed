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
# # 03 · The cost: how lousy is the network?
#
# **You write:** `one_hot`, `example_cost`, `average_cost` and `cost_derivative` in
# **`cost.py`**, the file next to this notebook. Read each docstring and replace every
# `raise NotImplementedError(...)` with your code. `neuron.py` and `forward.py` are provided
# (the reference solutions of assignments 01 and 02), and so are `mnist.py` and
# `trained_network.py` for the last picture. Only `cost.py` is graded.

# %% include="check-your-work"

# %%
# %load_ext autoreload
# %autoreload 2

import numpy as np

import cost  # your code: cost.py in this folder
from forward import init_network, feedforward  # provided
import plots  # provided: the pictures of this notebook, drawn with your functions

rng = np.random.default_rng(0)

# %% [markdown]
# ## What did we want?
#
# A network with random weights and biases, shown an image of a 3, lights up its output
# neurons more or less at random. To learn, the computer needs to be told how bad that answer
# is. First, what we *wanted*: activation 1.0 on the neuron of the right digit and 0.0 on all
# the others. That target is called a **one-hot** vector.

# %%
print(cost.one_hot(3).ravel())   # expected: [0. 0. 0. 1. 0. 0. 0. 0. 0. 0.]
print(cost.one_hot(3).shape)     # a column, like the output of the network: (10, 1)
print(cost.one_hot([3, 0, 9]))   # one column per label: the 1s in rows 3, 0 and 9

# %% [markdown]
# ## The cost of one example
#
# Compare the output activations with the target, neuron by neuron, and add up the squares of
# the differences:
#
# $$C_0 = (a_0 - y_0)^2 + (a_1 - y_1)^2 + \dots + (a_9 - y_9)^2.$$
#
# The lecture's untrained network, shown a "3", answers 0.43, 0.28, 0.19, 0.88, 0.72, 0.01,
# 0.64, 0.86, 0.99, 0.63 (below to four decimals). Utter trash: it is surer of an 8 than of
# the 3. The squared differences are 0.1863, 0.0809, 0.0357, 0.0138, 0.5242, 0.0001, 0.4079,
# 0.7388, 0.9817, 0.3998, and the cost is their sum, **3.37**. (This "3" is the first one
# of 3Blue1Brown's chapter 2 video, "Gradient descent, how neural networks learn"; the "3"
# of the notes, with its cost of 1.61, is the second one there, and it follows below.)
#
# One convention for the whole course: the cost of one example is this plain sum, with no ½
# and no mean over the ten output neurons. The gradient-descent slides (the ones with
# `simple_gd`) write the cost as a mean squared error, the sum divided by $n$; in this course
# that mean is taken by the cost of the whole network below, over the training examples, not
# over the neurons of one example.

# %%
output = np.array([0.4316, 0.2844, 0.1889, 0.8825, 0.7240,
                   0.0100, 0.6387, 0.8595, 0.9908, 0.6323]).reshape(10, 1)
y = cost.one_hot(3)

print(" ".join(f"{term:.4f}" for term in ((output - y) ** 2).ravel()))
# the lecture: 0.1863 0.0809 0.0357 0.0138 0.5242 0.0001 0.4079 0.7388 0.9817 0.3998
# (0.7387 here: the activations are reconstructed to four decimals from the slide)
print(f"{cost.example_cost(output, y):.2f}")  # the lecture: 3.37

# %% [markdown]
# The same "3" as a picture. Left, the ten output activations (grey) beside what we wanted
# (black outlines: 1.0 on the 3-neuron, 0.0 elsewhere). Right, the cost of each output neuron
# on its own, computed with your `example_cost` on that one neuron: $(a_i - y_i)^2$. **Look
# for:** the tallest red bars where the network is bright but should be dark (the 8, the 7, the
# 4), an almost invisible bar for the 3 (0.88 is close to the wanted 1.0), and the title's two
# numbers agreeing: the squares add up to 3.37 and your `example_cost` gives 3.37. Took the mean?
# The title would say 0.34.

# %%
plots.plot_cost_of_three(cost.example_cost, output, y)

# %% [markdown]
# If you got 0.34, you took the mean of the ten terms; if you got 1.68, you put a ½ in front.
# The lecture's cost of one example is the plain sum.
#
# The other set of notes shows the network a different "3". Its answer (0.29, 0.20, 0.15,
# 0.91, 0.51, 0.01, 0.44, 0.59, 0.69, 0.43) is still trash, but less so: the 3-neuron is now
# the brightest, and the cost is **1.61**.

# %%
output_2 = np.array([0.2941, 0.1975, 0.1463, 0.9123, 0.5050,
                     0.0141, 0.4393, 0.5892, 0.6854, 0.4335]).reshape(10, 1)

print(" ".join(f"{term:.4f}" for term in ((output_2 - y) ** 2).ravel()))
# the lecture: 0.0865 0.0390 0.0214 0.0077 0.2550 0.0002 0.1930 0.3472 0.4698 0.1879
print(f"{cost.example_cost(output_2, y):.2f}")  # the lecture: 1.61

# %% [markdown]
# The sum is small when the network confidently classifies the image correctly: bright on the
# 3-neuron, dark everywhere else.

# %%
confident = np.full((10, 1), 0.01)
confident[3] = 0.97
print(f"{cost.example_cost(confident, y):.4f}")  # expected: 0.0018, almost no cost

# %% [markdown]
# ## The cost of the whole network
#
# One example says little. The cost of the network is the **average** of the example costs
# over all the training examples: a single number that says how lousy the network is, and
# which learning will try to make small. Here is a random network on a small batch of 20
# random images with random labels, one column each. `average_cost` feeds the batch forward
# and averages the 20 example costs; the loop below computes the same thing one example at a
# time.

# %%
weights, biases = init_network([784, 16, 16, 10], rng=rng)
X = rng.random((784, 20))
labels = rng.integers(0, 10, size=20)
Y = cost.one_hot(labels)

print(f"{cost.average_cost(weights, biases, X, Y):.4f}")  # a random network: a few units
one_by_one = [cost.example_cost(feedforward(weights, biases, X[:, [j]]), Y[:, [j]]) for j in range(20)]
print(f"{np.mean(one_by_one):.4f}")  # expected: the same number

# %% [markdown]
# Each grey bar is the cost of one of the 20 examples, computed with your `example_cost`; the
# red dashed line is your `average_cost` of the whole batch. The dotted line is the lecture's
# first "3" (3.37) for comparison. **Look for:** the dashed line running through the middle of
# the bars (their mean, not their sum), and a random network costing several units on almost
# every example: utter trash. A trained network (assignment 06) brings almost every bar close to 0.

# %%
plots.plot_example_costs(cost.example_cost, cost.average_cost, feedforward, weights, biases, X, Y,
                         marks={"the lecture's first \"3\"": 3.37})

# %% [markdown]
# ## A random network against a trained one
#
# Learning means making this average small. What does a small cost look like? Below, the same
# random network and a trained one, both shown the first 500 handwritten digits of the MNIST
# test set (real images with their real labels this time, read by the provided `load_mnist`
# from the folder named by the environment variable `MNIST_DIR`, or else the `[data] mnist_dir`
# of the `course.toml` at or above this folder; assignment 06 uses it too). The trained network
# comes from the provided `trained_network.py`, which holds its 13,002 numbers only: in
# assignment 06 you will train one like it yourself.
#
# Each histogram counts the examples by their cost, computed with your `example_cost`; the
# dashed lines are your `average_cost` of each network over the 500 digits: the network's cost.
# **Look for:** the random network's costs (grey) all several units away from 0, the trained
# network's piled up near 0 (blue) with a thin tail of digits it still gets wrong, and its
# average far below the random one's. The legend counts the digits each network gets right:
# about 1 in 10 by chance against about 9 in 10. If the MNIST files cannot be found, the
# picture is replaced by a message saying where they were looked for.

# %%
from mnist import load_mnist  # provided: reads the MNIST files
from trained_network import trained_network  # provided: the numbers of a trained network

plots.plot_random_against_trained(cost.example_cost, cost.average_cost, feedforward,
                                  (weights, biases), trained_network(), load_mnist)

# %% [markdown]
# ## Which way to nudge the outputs?
#
# To make the cost smaller we need to know how it changes when an output activation changes:
# $\partial C_0 / \partial a_i = 2(a_i - y_i)$. For the lecture's first "3" the 8-neuron
# (0.99, should be 0) has derivative about +1.98: lowering it helps most. The 3-neuron (0.88,
# should be 1) has derivative about −0.23: raise it a little. The sign says which way to
# nudge, the size how much it matters. Backpropagation (assignment 05) starts from this vector.

# %%
print(cost.cost_derivative(output, y).ravel().round(4))
# expected: [0.8632 0.5688 0.3778 -0.235 1.448 0.02 1.2774 1.719 1.9816 1.2646]

# %% [markdown]
# ## Done?
#
# Run the public tests (`pytest -q` in this folder) and submit `cost.py`.
#
# Next, in **04 · Gradient descent**, we roll downhill on the cost.

# %% include="before-you-hand-in"
