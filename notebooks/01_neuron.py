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
# # 01 · A single neuron
#
# **You write:** `sigmoid`, `sigmoid_prime`, `relu`, `relu_prime`, `weighted_sum` and
# `neuron` in **`neuron.py`**, the file next to this notebook. Open it, read each docstring and
# replace every `raise NotImplementedError(...)` with your code. Only `neuron.py` is graded;
# this notebook is where you watch your functions reproduce the lecture's numbers.

# %% include="check-your-work"

# %% [markdown]
# Until you write a function, the cell that calls it stops with *"... is not implemented yet"*:
# that is expected.

# %%
# %load_ext autoreload
# %autoreload 2

import numpy as np

import neuron  # your code: neuron.py in this folder
import plots  # provided: the pictures of this notebook, drawn with your functions

# %% [markdown]
# ## A neuron is a thing that holds a number
#
# The number is its **activation**: 0.0 is black, 1.0 is white. The 784 neurons of the input
# layer hold the grey values of the 28 × 28 pixels of an image. A neuron of the next layer
# takes the activations $a_1, \dots, a_n$ feeding into it, forms a weighted sum and squishes it
# into the range between 0 and 1 with the **sigmoid**
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}.$$
#
# Very negative inputs end up close to 0 (a dark neuron), very positive ones close to 1 (a
# bright neuron), and right in the middle $\sigma(0) = 0.5$.

# %%
print(neuron.sigmoid(0.0))  # the lecture: 0.5
print(neuron.sigmoid(np.array([-10.0, -1.0, 0.0, 1.0, 10.0])))
# expected: about [0.0000454 0.269 0.5 0.731 0.9999546], same shape as the input

# %% [markdown]
# Computers add a twist: $e^{-x}$ for $x = -1000$ is $e^{1000}$, far beyond the largest float
# (about $10^{308}$). A naive sigmoid overflows and numpy warns (or returns `nan`). Yours must
# give 0.0 and 1.0 quietly. The cell below turns overflow and invalid operations into errors,
# so it fails loudly if your sigmoid overflows anywhere, even in a branch it throws away.

# %%
with np.errstate(over="raise", invalid="raise"):
    print(neuron.sigmoid(np.array([-1000.0, 1000.0])))  # expected: [0. 1.]
    print(neuron.sigmoid(-1000.0), neuron.sigmoid(1000.0))  # expected: 0.0 1.0

# %% [markdown]
# ## How steep is the sigmoid?
#
# Learning will nudge the weighted sum a little and ask how much the activation moves. That is
# the slope $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$: largest at $z = 0$, where it is 0.25,
# and almost 0 far out on either side, where the neuron is *saturated* and barely responds to
# nudges. You will need `sigmoid_prime` again for backpropagation in assignment 05.

# %%
print(neuron.sigmoid_prime(0.0))   # expected: 0.25, the steepest point
print(neuron.sigmoid_prime(10.0))  # expected: about 4.54e-05, a saturated neuron
print(neuron.sigmoid_prime(np.array([-2.0, 2.0])))  # expected: [0.105 0.105], symmetric

# %% [markdown]
# ## ReLU: the other activation function
#
# The slides' activation function is the rectified linear unit, $\text{ReLU}(z) = \max(0, z)$:
# negative sums become 0, positive ones pass unchanged. Step 3 of the lecture's layer example
# applies it to the three sums 3.2, 1.39 and −0.21. Its slope is 1 where $z > 0$ and 0
# elsewhere (we take 0 at $z = 0$).

# %%
print(neuron.relu(np.array([3.2, 1.39, -0.21])))  # the lecture: [3.2 1.39 0.]
print(neuron.relu(-0.21))                         # the lecture: ReLU(-0.21) = 0
print(neuron.relu_prime(np.array([3.2, 1.39, -0.21, 0.0])))  # expected: [1. 1. 0. 0.]

# %% [markdown]
# Side by side, drawn with your four functions: the sigmoid squishes every number into (0, 1);
# ReLU cuts off the negative ones. The dashed lines are their slopes. **Look for:** the
# sigmoid rising from near 0 on the left to near 1 on the right and crossing 0.5 at $z = 0$,
# where its dashed slope peaks at 0.25 and falls to almost 0 on both sides; ReLU flat at 0 on
# the left and the diagonal on the right, its slope a step from 0 to 1. A sigmoid falling from
# 1 to 0 has a sign error ($e^{z}$ for $e^{-z}$); a curve that leaves (0, 1), or a slope that
# peaks somewhere else, is a bug in the function it draws.

# %%
plots.plot_activations(neuron.sigmoid, neuron.sigmoid_prime, neuron.relu, neuron.relu_prime)

# %% [markdown]
# ## The weighted sum
#
# Each connection into a neuron has a **weight**, any number, positive or negative. The neuron
# adds up the activations feeding into it, each times its weight:
#
# $$w_1 a_1 + w_2 a_2 + \dots + w_n a_n.$$
#
# The lecture's layer example starts exactly like this: step 1, multiply by weights,
# $0.6 \times 2 = 1.2$; for the second neuron $0.6 \times 0.5 + 0.9 \times 0.1 = 0.39$
# (the slide prints 2.79 there, the sum of the *third* neuron:
# $1.2 \times 2 + 0.7 \times 0.5 + 0.4 \times 0.1$).

# %%
print(neuron.weighted_sum([0.6], [2.0]))                          # the lecture: 1.2
print(neuron.weighted_sum([0.6, 0.9], [0.5, 0.1]))                # the lecture: 0.39
print(neuron.weighted_sum([1.2, 0.7, 0.4], [2.0, 0.5, 0.1]))      # the lecture: 2.79

# %% [markdown]
# The lecture's whole layer in one picture, every number computed by your `weighted_sum` (step
# 1) and your `neuron` with `activation=neuron.relu` (step 3). Each circle is a neuron, its grey
# its activation: 0.0 black, 1.0 (or more) white; the lines are the connections, as thick as
# their weights (weight 0 is not drawn). **Look for:** step 1 giving 1.20, 0.39 and 2.79; step 2
# adding the biases 2, 1 and −3 to give 3.20, 1.39 and −0.21; step 3 keeping 3.20 and 1.39
# (white neurons) and turning −0.21 into 0 (a black neuron).

# %%
plots.plot_layer_example(neuron.weighted_sum, neuron.neuron, neuron.relu)

# %% [markdown]
# ## What does a neuron look for?
#
# Think of the weights as a grid the size of the image: positive weights in the region we care
# about, zero everywhere else. Then the weighted sum adds up the pixel values just in that
# region. Make the pixels around the region negative and the neuron responds to an *edge*: a
# bright stroke in the region with dark pixels around it. That is the hope for the
# second-layer neurons: each picks up one little edge. Here is a 5 × 5 "image" and a neuron
# that looks for a horizontal stroke in the middle row.

# %%
pattern = np.zeros((5, 5))
pattern[2, :] = 1.0                     # positive weights: the middle row
pattern[1, :] = pattern[3, :] = -0.5    # negative weights just above and below it

stroke = np.zeros((5, 5))
stroke[2, :] = 1.0                      # a bright horizontal stroke in the middle
vertical = stroke.T                     # the same stroke, turned on its side
blob = np.ones((5, 5))                  # everything bright: no edge at all

for name, image in [("horizontal stroke", stroke), ("vertical stroke", vertical), ("bright blob", blob)]:
    print(f"{name:17s} weighted sum = {neuron.weighted_sum(pattern.ravel(), image.ravel()):5.2f}")
# expected: 5.00 for the stroke, 0.00 for the vertical stroke, 0.00 for the blob

# %% [markdown]
# ## The bias: a threshold for lighting up
#
# The sigmoid lights the neuron up as soon as the weighted sum is above 0. But maybe you only
# want it to be meaningfully active when the weighted sum is **bigger than 10**. Then subtract
# 10 before squishing:
#
# $$\sigma(w_1 a_1 + w_2 a_2 + \dots + w_n a_n - 10).$$
#
# That $-10$ is the **bias** $b$: it says how high the weighted sum has to be before the neuron
# starts to be active. With weighted sum exactly 10 the neuron sits at its threshold,
# $\sigma(0) = 0.5$.

# %%
w = np.ones(10)   # ten connections of weight 1
a = np.ones(10)   # ten white pixels: weighted sum exactly 10

print(neuron.neuron(w, a, b=-10.0))        # the lecture: sigma(10 - 10) = 0.5, at the threshold
print(neuron.neuron(w, 0.5 * a, b=-10.0))  # weighted sum 5:  expected about 0.0067, dark
print(neuron.neuron(w, 1.5 * a, b=-10.0))  # weighted sum 15: expected about 0.9933, lit up
print(neuron.neuron(w, 0.5 * a, b=-10.0, activation=neuron.relu))  # ReLU neuron: expected 0.0

# %% [markdown]
# ## Done?
#
# Every cell above printed the lecture's numbers? Then run the public tests (`pytest -q` in
# this folder) and submit `neuron.py`. The hidden tests also try random inputs, arrays of
# other shapes, and check that your functions leave their inputs alone.
#
# Next, in **02 · The forward pass**, all the neurons of a layer compute at once:
# $a' = \sigma(W a + b)$.

# %% include="before-you-hand-in"
