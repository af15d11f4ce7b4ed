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
# # 02 · The forward pass: $a' = \sigma(W a + b)$
#
# **You write:** `layer_forward`, `init_network`, `count_parameters`, `feedforward` and
# `predict` in **`forward.py`**, the file next to this notebook. Read each docstring and replace
# every `raise NotImplementedError(...)` with your code. `neuron.py` is provided (the reference
# solution of assignment 01): `sigmoid` and `relu` come from there. Only `forward.py` is graded.

# %% include="check-your-work"

# %% [markdown]
# Conventions: one example is a column vector of shape `(n, 1)`; a batch of `m` examples is an
# `(n, m)` array whose columns are the examples.

# %%
# %load_ext autoreload
# %autoreload 2

import numpy as np

import forward  # your code: forward.py in this folder
from neuron import sigmoid, relu  # provided
import plots  # provided: the pictures of this notebook, drawn with your functions

rng = np.random.default_rng(0)

# %% [markdown]
# ## How does one layer affect the next?
#
# Every neuron of the next layer takes a weighted sum of all the activations of this layer,
# adds its bias and applies the activation function. Write the weights of the connections
# *into* neuron $j$ as row $j$ of a matrix $W$ (shape `(n_out, n_in)`), the biases as a column
# $b$ (shape `(n_out, 1)`), and the whole transition from one layer to the next is one line:
#
# $$a' = \sigma(W a + b).$$
#
# The lecture's example, with three neurons in each layer:

# %%
W = np.array([[0.6, 0.0, 0.0],
              [0.0, 0.6, 0.9],
              [1.2, 0.7, 0.4]])
a = np.array([[2.0], [0.5], [0.1]])   # one example: a column
b = np.array([[2.0], [1.0], [-3.0]])

# %% [markdown]
# **Step 1, multiply by weights.** Row by row: $0.6 \times 2 = 1.2$;
# $0.6 \times 0.5 + 0.9 \times 0.1 = 0.39$; $1.2 \times 2 + 0.7 \times 0.5 + 0.4 \times 0.1 = 2.79$.
# The matrix product does all three at once.

# %%
print(W @ a)  # the lecture: [[1.2], [0.39], [2.79]]

# %% [markdown]
# **Step 2, add biases.** $1.2 + 2 = 3.2$, $0.39 + 1 = 1.39$, $2.79 + (-3) = -0.21$.

# %%
print(W @ a + b)  # the lecture: [[3.2], [1.39], [-0.21]]

# %% [markdown]
# **Step 3, apply the activation function.** With ReLU: 3.2, 1.39 and $\max(0, -0.21) = 0$.
# That is your `layer_forward`. Its default activation is the sigmoid, which squishes the same
# three sums into (0, 1) instead.

# %%
print(forward.layer_forward(W, a, b, activation=relu))  # the lecture: [[3.2], [1.39], [0.]]
print(forward.layer_forward(W, a, b))  # sigmoid: expected about [[0.961], [0.801], [0.448]]

# %% [markdown]
# The same line works for a whole batch: put the examples side by side as columns. The bias
# column is added to every column. A completely dark input (all zeros) leaves only the biases.

# %%
A = np.hstack([a, np.zeros((3, 1))])   # two examples: the lecture's and a dark one
print(A.shape)                         # expected: (3, 2)
print(forward.layer_forward(W, A, b, activation=relu))
# expected: first column [3.2, 1.39, 0], second column ReLU(b) = [2, 1, 0]

# %% [markdown]
# ## How many knobs? 13,002
#
# The lecture's network has 784 input neurons (one per pixel), two hidden layers of 16 neurons
# and 10 output neurons (one per digit). Every neuron is connected to every neuron of the
# previous layer: $784 \times 16 + 16 \times 16 + 16 \times 10 = 12{,}960$ weights, and every
# neuron after the input layer has a bias: $16 + 16 + 10 = 42$. Learning means finding good
# values for all 13,002 of them. (One set of notes writes 13,022: a slip.)

# %%
sizes = [784, 16, 16, 10]
print(784 * 16 + 16 * 16 + 16 * 10, 16 + 16 + 10)  # 12960 42
print(forward.count_parameters(sizes))            # the lecture: 13002
print(forward.count_parameters([3, 3]))           # the example layer: 9 weights + 3 biases = 12

# %% [markdown]
# The same count, layer by layer, with your `count_parameters`: for each layer after the input,
# its weights on the left in blue (one per connection, $n_{\text{in}} \times n_{\text{out}}$)
# and its biases on the right in orange (one per neuron, on a scale of their own: beside 12,544
# weights, 16 biases would be too thin to see). **Look for:** 12,544 weights and 16 biases for
# the first layer, which holds almost all the knobs, 256 and 16, 160 and 10 for the others, and
# 13,002 in the title. An orange bar that is missing or longer than the layer's number of
# neurons means your count gets the biases wrong.

# %%
plots.plot_parameters(forward.count_parameters, sizes)

# %% [markdown]
# ## A random network
#
# Before it learns anything the network starts from random weights and biases: `init_network`
# draws them from the standard normal distribution. One weight matrix and one bias column for
# each layer after the input layer; `weights[l]` has shape `(sizes[l+1], sizes[l])`.
# Never start with all zeros: neurons that start equal get equal nudges and stay equal forever.
# The same random generator state gives the same network, so results are reproducible.

# %%
weights, biases = forward.init_network(sizes, rng=rng)
for l, (W_l, b_l) in enumerate(zip(weights, biases), start=1):
    print(f"layer {l}: weights {W_l.shape}, biases {b_l.shape}")
# expected: (16, 784) (16, 1); (16, 16) (16, 1); (10, 16) (10, 1)
print(sum(W_l.size + b_l.size for W_l, b_l in zip(weights, biases)))  # expected: 13002

again, _ = forward.init_network(sizes, rng=np.random.default_rng(0))
print(all(np.array_equal(x, y) for x, y in zip(weights, again)))  # same seed, same network: True

# %% [markdown]
# ## A digit lights up the input layer
#
# A real handwritten "3" from MNIST, the lecture's running example: 28 × 28 pixels, each a
# grey value between 0.0 (black) and 1.0 (white). Read row by row, the picture becomes a column
# of 784 numbers, the activations of the 784 input neurons. **Look for:** the white strokes
# of the 3 on the left, and on the right the same pixels as one tall column: dark at the top and
# bottom (the empty rows) with short white dashes where each row crosses a stroke.

# %%
three = plots.example_three()   # a (784, 1) column
print(three.shape, three.min(), three.max())  # expected: (784, 1) 0.0 1.0
plots.plot_input(three)

# %% [markdown]
# ## Feeding an image forward
#
# Light up the 784 input neurons with the pixels of an image, and layer by layer the pattern
# of activations causes a very specific pattern in the next layer, up to the 10 output
# neurons. The brightest output neuron is the network's choice for what the image is. Our
# network is random, so its choice is too; here is a random "image" (784 values between 0 and 1,
# one column).

# %%
x = rng.random((784, 1))
out = forward.feedforward(weights, biases, x)
print(out.shape)              # expected: (10, 1)
print(out.ravel().round(3))   # ten activations between 0 and 1
print(forward.predict(weights, biases, x))  # the brightest output neuron, e.g. [7]: an array of length 1

# %% [markdown]
# Now feed the "3" forward through the random network and look at every neuron, the way the
# lecture draws the network: the input column on the left, then each neuron of the two hidden
# layers and the output layer as a circle, as bright as its activation (0.0 black, 1.0 white),
# computed with your `feedforward` one layer at a time (`feedforward(weights[:1], biases[:1],
# three)` is the first hidden layer). The lines are the connections: blue for positive
# weights, red for negative, darker for larger ones. **Look for:** a pattern of bright and
# dark neurons in every layer (all grey at 0.5, or all one colour, means something is off),
# ten output activations between 0 and 1, and the brightest, in bold, is the network's answer.
# It is random, so its answer is too; after training (assignment 06) it will say 3.
#
# A random network looks random with or without its biases, so the line under the picture
# works out one neuron by hand: a neuron of hidden layer 1 (outlined in orange), its
# weighted sum $W a$, plus its bias $b$, squished, $\sigma(W a + b)$, beside the activation your
# `feedforward` gives it. **Look for:** the two numbers agreeing. If the line says
# "= σ(W a): the bias is missing", your `feedforward` never adds the biases. If it returns
# the activations in another shape than one column, say a flat `(10,)` instead of `(10, 1)`,
# the picture is a message in red naming the shape expected and the shape returned.

# %%
plots.plot_network(forward.feedforward, weights, biases, three)

# %% [markdown]
# `predict` works on a batch too: one answer (an int) per column, the argmax of that column's
# output activations.

# %%
X = rng.random((784, 5))      # five random images
guesses = forward.predict(weights, biases, X)
print(guesses, guesses.shape, guesses.dtype)  # five digits, shape (5,), an int dtype
print(np.array_equal(guesses, forward.feedforward(weights, biases, X).argmax(axis=0)))  # True

# %% [markdown]
# ## Done?
#
# Run the public tests (`pytest -q` in this folder) and submit `forward.py`.
#
# Next, in **03 · The cost**, we tell the computer how lousy these random answers are.

# %% include="before-you-hand-in"
