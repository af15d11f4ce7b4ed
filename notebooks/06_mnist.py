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
# # 06 · Training 784-16-16-10 on MNIST
#
# **You write:** `evaluate` and `train` in **`train.py`**, the file next to this notebook.
# Read each docstring and replace every `raise NotImplementedError(...)` with your code.
# Everything else is provided: `neuron.py`, `forward.py`, `cost.py`, `descent.py` and
# `backprop.py` (the reference solutions of assignments 01 to 05) and `mnist.py`, which reads
# the MNIST files. Only `train.py` is graded.

# %% include="check-your-work"

# %% [markdown]
# **The data:** `load_mnist()` looks for the four MNIST files (`train-images-idx3-ubyte.gz`
# and friends) in the folder named by the environment variable `MNIST_DIR`; if that is not
# set, in the `[data] mnist_dir` of the `course.toml` at or above this folder; then in our
# per-user cache, `~/.cache/nnfs/mnist`. Where the course's tools are installed (its
# repository), a data set missing from these places is fetched into that cache on first use,
# each file checked against its SHA-256, and found there from then on. If it cannot find
# them, set `MNIST_DIR` before starting Jupyter, or pass the folder:
# `load_mnist("/path/to/mnist")`.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import time

import numpy as np

import train  # your code: train.py in this folder
from mnist import load_mnist  # provided
from forward import init_network, feedforward, predict  # provided
from cost import one_hot  # provided
import plots  # provided: the figures of this notebook

rng = np.random.default_rng(0)

# %% [markdown]
# ## The data
#
# Each image is 28 × 28 = 784 pixels, each a grey value between 0.0 (black) and 1.0 (white):
# the activations of the 784 input neurons. As everywhere in this course, an image is a
# column, so the training images come as one `(784, m)` array. The number of images is read
# from the files: the published training set has 60,000, the course's copy may have fewer;
# the test set has 10,000 that the network never trains on.

# %%
X_train, y_train, X_test, y_test = load_mnist()
print(X_train.shape, y_train.shape, X_test.shape, y_test.shape)  # (784, m) (m,) (784, 10000) (10000,)
print(X_train.dtype, X_train.min(), X_train.max())              # float64 0.0 1.0
print(y_train[:10])                                              # the first ten labels

# %% [markdown]
# What the input layer sees: the first 16 training images, each titled with its label.
# **Look for:** white strokes on black (activation 1.0 is white, 0.0 black), and labels
# 5 0 4 1 9 2 1 3 ..., the first labels printed above.

# %%
plots.plot_digits(X_train, y_train, n=16)  # the first 16 training images and their labels

# %% [markdown]
# ## Before learning: utter trash
#
# The lecture's network: 784 input neurons, two hidden layers of 16, 10 output neurons,
# 13,002 weights and biases, all random. Its answer for an image is its brightest output
# neuron, so it gets about one in ten right by chance.

# %%
weights, biases = init_network([784, 16, 16, 10], rng=rng)
print(f"{train.evaluate(weights, biases, X_test, y_test):.1%} of the test images right")  # near 10%: chance

# %% [markdown]
# ## Learning: stochastic gradient descent with backpropagation
#
# `train` repeats, for every epoch: shuffle the training images into mini-batches of 10; for
# each mini-batch, backpropagation gives the gradient of its cost, and one step of gradient
# descent nudges every weight and bias against it. After each epoch it records the cost on
# the training images and, if you pass test data, the fraction of test images it gets right.
#
# Learning rate 1.5: Nielsen's `network.py` uses 3.0 for the cost $\frac{1}{2}\sum (a_i - y_i)^2$;
# our cost has no ½, its gradient is twice as large, and 1.5 takes the same steps.
#
# Ten epochs take about ten seconds on a laptop (the cell prints how long they took here) and
# get about 92 in 100 test images right: the lecture's "about 9 in 10". The cell prints the
# exact figures, epoch by epoch. Try other learning rates (3.0,
# 0.5), batch sizes and numbers of epochs.

# %%
Y_train = one_hot(y_train)   # (10, m): the desired output activations

start = time.perf_counter()
trained_weights, trained_biases, history = train.train(
    weights, biases, X_train, Y_train, epochs=10, batch_size=10, learn_rate=1.5, rng=rng,
    X_test=X_test, labels_test=y_test)
print(f"trained in {time.perf_counter() - start:.1f} s")

for epoch, (c, acc) in enumerate(zip(history["cost"], history["test_accuracy"]), start=1):
    print(f"epoch {epoch:2d}: cost {c:.3f}, test accuracy {acc:.1%}")
print("lower after the last epoch than after the first:", history["cost"][-1] < history["cost"][0])

# %% [markdown]
# The same numbers as a picture. **Look for:** the training cost on the left falling every epoch,
# steeply at first, then slowly and with small wobbles (each step
# follows one mini-batch: the drunk man on the hill), and the test accuracy on the right rising to the last figure
# printed above (its label).

# %%
plots.plot_training_history(history)  # the cost falls, the accuracy rises

# %% [markdown]
# ## How good is it?
#
# The real test: the 10,000 test images, none of which the network has seen while learning.
# `train` left the random starting network alone and returned a new one. **Look for:** in the
# 16 test images below, titled "label (guess ...)", almost every guess right; a wrong one is
# titled in red.

# %%
accuracy = train.evaluate(trained_weights, trained_biases, X_test, y_test)
print(f"{accuracy:.1%} of the 10,000 test images right")
print(f"the untrained network: {train.evaluate(weights, biases, X_test, y_test):.1%}")  # still the random start

plots.plot_digits(X_test, y_test, n=16, predictions=predict(trained_weights, trained_biases, X_test[:, :16]))

# %% [markdown]
# And the test images it gets most wrong: those where it lights up a wrong output neuron
# most brightly. **Look for:** the red titles, each the true label, the network's guess and, in
# brackets, how bright the guessed digit's output neuron was: near 1.0, the network is sure of
# its wrong answer. Some are digits a person would misread too.

# %%
plots.plot_most_wrong(trained_weights, trained_biases, X_test, y_test, n=12)

# %% [markdown]
# ## What happens if you input a random image?
#
# The lecture's experiment: feed the trained network images of pure noise, every pixel a
# random grey. A person would say "that's not a digit". The network cannot: its only answers
# are its 10 output neurons, and nothing in its training ever showed it anything but digits.
# So it names a digit for every one of them, and for many it lights up an output neuron as
# brightly as for a real digit.

# %%
noise = rng.random((784, 1000))   # 1000 random images
outputs = feedforward(trained_weights, trained_biases, noise)
brightest = outputs.max(axis=0)
print("answers for the 1000 noise images, digit 0 to 9:", np.bincount(outputs.argmax(axis=0), minlength=10))
print(f"brightest output neuron above 0.5 for {np.mean(brightest > 0.5):.0%} of them, "
      f"above 0.9 for {np.mean(brightest > 0.9):.0%}")
# no "I don't know": every noise image is called some digit, many of them with conviction

# %% [markdown]
# One of these noise images and the trained network's ten output activations. **Look for:** a
# speckled grey square with no digit in it, and still one orange bar, the network's answer,
# often above 0.5.

# %%
plots.plot_noise_experiment(trained_weights, trained_biases, rng=rng)  # one noise image and the 10 answers

# %% [markdown]
# Side by side, what the trained network answers for a real test digit, for a noise image, and
# for the noise image it is surest about. **Look for:** a tall orange bar for the digit, as you
# would hope, and orange bars for the two noise images too, one of them as tall as for the real
# digit: there is no way for the network to say "not a digit".

# %%
examples = [("a test digit", X_test[:, [0]]),
            ("a noise image", noise[:, [0]]),
            ("the noise it is surest about", noise[:, [brightest.argmax()]])]
plots.plot_answers(trained_weights, trained_biases, examples)

# %% [markdown]
# ## What do the second-layer neurons look for?
#
# The hope was that each neuron of the first hidden layer would pick up a little edge. Its 784
# incoming weights form a 28 × 28 picture of what it looks for: blue where the weight is
# positive, red where it is negative. Here are all 16 of them. The lecture's verdict: not
# clean edges and loops, but patterns that look almost random, good enough to tell digits apart
# (so it finds a local minimum of the cost) yet no idea of what a digit looks like, which is
# exactly why noise fools it. **Look for:** on the left, before training, pure speckle; on the
# right the same speckle with faint blobs and strokes added where training nudged the weights,
# not clean edges.

# %%
# Blue: positive weight (the neuron wants this pixel bright), red: negative. Before and after training.
plots.plot_weights_before_after(weights, trained_weights)

# %% [markdown]
# ## Done?
#
# Run the public tests (`pytest -q` in this folder) and submit `train.py`. The hidden grader
# trains your `train` on part of the training set within its time limit and expects at least
# 85% on the test images.

# %% include="before-you-hand-in"
