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
# # 04 · Gradient descent: rolling downhill on the cost
#
# **You write:** `gradient_descent`, `sgd_step` and `mini_batches` in **`descent.py`**, the
# file next to this notebook. Read each docstring and replace every
# `raise NotImplementedError(...)` with your code. Only `descent.py` is graded.

# %% include="check-your-work"

# %%
# %load_ext autoreload
# %autoreload 2

import numpy as np

import descent  # your code: descent.py in this folder
import plots  # provided: pictures drawn with your functions

rng = np.random.default_rng(0)

# %% [markdown]
# ## One knob first
#
# The cost is a function of all 13,002 weights and biases. Start with a function of a single
# number, $f(x) = x^2$, and find its minimum the way the network will: look at the slope,
# $f'(x) = 2x$. Negative slope: shift right. Positive slope: shift left. Each step is
# $-\text{learning rate} \times \text{slope}$, so steep slopes give big steps and the steps
# shrink near the minimum, which keeps us from overshooting.
#
# The slides' `simple_gd(gradient, start, learn_rate, n_iter=50, tolerance=1e-06)` does this.
# Your `gradient_descent` has the same signature and returns the last point and the list of
# points visited. From $x = 10$ with learning rate 0.2 each step multiplies $x$ by
# $1 - 0.2 \times 2 = 0.6$.

# %%
x, history = descent.gradient_descent(lambda x: 2 * x, start=10.0, learn_rate=0.2)
print(history[:4])  # expected: [10.0, 6.0, 3.6, 2.16] (up to rounding)
print(f"{len(history) - 1} steps, stopped at x = {x:.2e}")
# expected: 30 steps; it stops when a step would be no bigger than the tolerance 1e-06

# %% [markdown]
# Your path on $f(x) = x^2$, drawn from the points your `gradient_descent` visited. **Look
# for:** big steps high on the wall, where the slope is steep, and ever smaller ones as the
# ball rolls into the bottom at $x = 0$, all on the same side.

# %%
plots.plot_path(history)

# %% [markdown]
# ## A learning rate that is too large
#
# With learning rate 0.8 each step multiplies $x$ by $1 - 1.6 = -0.6$: we overshoot the
# valley and land on the other side, but still a little lower, so we get there, zig-zagging.
# With 1.1 each step multiplies $x$ by $-1.2$: every jump overshoots further and we roll
# *up* the hill.

# %%
for rate in [0.2, 0.8, 1.1]:
    x, history = descent.gradient_descent(lambda x: 2 * x, start=10.0, learn_rate=rate, n_iter=8)
    print(f"learning rate {rate}: " + ", ".join(f"{h:.2f}" for h in history[:5]))
# expected: 10.00, 6.00, 3.60, 2.16, 1.30 / 10.00, -6.00, 3.60, -2.16, 1.30 / 10.00, -12.00, 14.40, -17.28, 20.74

# %% [markdown]
# **Look for:** in the three panels, from the same start $x = 10$, the path rolling straight in
# (0.2), zig-zagging from wall to wall but lower each time (0.8), and zig-zagging ever higher
# up the walls (1.1).

# %%
plots.plot_overshoot(descent.gradient_descent)

# %% [markdown]
# ## Two knobs: a bowl
#
# Now a function of two numbers, $f(x, y) = x^2 + 4y^2$, a bowl that is steeper along $y$.
# Its gradient $\nabla f = (2x, 8y)$ points uphill; we step the other way. With learning
# rate 0.2 each step multiplies $x$ by 0.6, but $y$ by $1 - 1.6 = -0.6$: along the steep
# direction we zig-zag from one side of the valley to the other. The same
# `gradient_descent` works when `start` is an array. Note that `start` must come back
# unchanged and every entry of the history must be its own array: the slides' `simple_gd`
# writes `vector -= ...`, which changes the array in place, so with an array start its whole
# `vector_lst` ends up as many copies of the last point.

# %%
start = np.array([8.0, 3.0])
x, history = descent.gradient_descent(lambda v: np.array([2 * v[0], 8 * v[1]]), start, learn_rate=0.2)
print(start)          # expected: [8. 3.], unchanged
print(history[:3])    # expected: [8, 3], [4.8, -1.8], [2.88, 1.08]
print(f"after {len(history) - 1} steps at ({x[0]:.1e}, {x[1]:.1e})")  # expected: 31 steps, at the bottom (0, 0)

# %% [markdown]
# The bowl from above: the grey lines join points of equal height, and the dots are the points
# your `gradient_descent` visited. **Look for:** the path jumping from one side of the valley
# to the other along the steep $y$ direction while it creeps along $x$, ending at the bottom
# $(0, 0)$.

# %%
plots.plot_bowl_path(history)

# %% [markdown]
# ## The learning rate on the same bowl
#
# Same bowl, same start $(8, 3)$, at most 20 steps of your `gradient_descent`, three learning
# rates. Along $y$ each step multiplies $y$ by $1 - 8 \times \text{rate}$. **Look for:** with
# 0.02 (too small) short steps that crawl and stop far from the bottom (the star); with 0.1
# (about right) a path straight to the bottom; with 0.26 (too large) $y$ is multiplied by
# $-1.08$: every step jumps across the valley and lands a little higher, and the path zig-zags
# *up* the walls. The titles give the cost where each path ends.

# %%
plots.plot_learning_rates(descent.gradient_descent)

# %% [markdown]
# ## 13,002 knobs: one step for every weight and bias
#
# For the network the "point" is all the weights and biases, a list of arrays, and the
# gradient is a list of arrays shaped the same. The lecture's picture: the entries of
# $-\nabla C$ say which nudges decrease the cost fastest, "$w_0$ should increase somewhat,
# $w_1$ should increase a little, $w_2$ should decrease a lot", and the sign says up or down.
# `sgd_step` takes one such step on every array at once and returns new arrays. Below, the
# lecture's weights $2.43, -1.12, 1.47, \dots, -0.76, 3.50, 2.03$ and
# $-\nabla C = 0.18, 0.45, -0.51, \dots, 0.40, -0.32, 0.82$, with learning rate 1.

# %%
params = [np.array([2.43, -1.12, 1.47]), np.array([-0.76, 3.50, 2.03])]
minus_grad = [np.array([0.18, 0.45, -0.51]), np.array([0.40, -0.32, 0.82])]
grads = [-g for g in minus_grad]

new = descent.sgd_step(params, grads, learn_rate=1.0)
print(new)     # expected: [2.61, -0.67, 0.96] and [-0.36, 3.18, 2.85]
print(params)  # unchanged: [2.43, -1.12, 1.47] and [-0.76, 3.5, 2.03]
print(descent.sgd_step(params, grads, learn_rate=0.1)[0])  # smaller steps: [2.448, -1.075, 1.419]

# %% [markdown]
# ## Stochastic gradient descent: mini-batches
#
# The cost is the average over *all* training examples, and so is its gradient: thousands of
# backpropagations for one step. Stochastic gradient descent shuffles the examples, cuts them
# into small **mini-batches** and takes one step per mini-batch, with the gradient of that
# mini-batch only. Each step is a little off, like a drunk man walking down a hill, but the
# steps are far cheaper, so we get down faster. `mini_batches` makes the shuffled index
# batches of one pass over the data (an *epoch*).

# %%
batches = descent.mini_batches(10, 3, rng)
print(batches)                          # four batches: sizes 3, 3, 3 and 1
print(np.sort(np.concatenate(batches)))  # every example exactly once: [0 1 2 ... 9]
print(descent.mini_batches(10, 3, np.random.default_rng(0))[0])  # same seed, same shuffle

# %% [markdown]
# The drunk man on a hill: fit a line $y = w x + b$ to 200 noisy points by minimising the
# average of $(w x + b - y)^2$, starting from $w = b = 0$. Full gradient descent uses all 200
# points for each step; SGD uses a mini-batch of 10, takes 20 steps per epoch for the same
# work and wanders, but heads downhill fast.

# %%
points = rng.uniform(-1, 1, 200)
targets = 2.0 * points + 1.0 + 0.3 * rng.standard_normal(200)   # the true line: w = 2, b = 1

def line_gradient(params, idx):
    w, b = params
    error = w * points[idx] + b - targets[idx]
    return [np.array(2 * np.mean(error * points[idx])), np.array(2 * np.mean(error))]

full = [[np.array(0.0), np.array(0.0)]]
stochastic = [[np.array(0.0), np.array(0.0)]]
for epoch in range(5):
    full.append(descent.sgd_step(full[-1], line_gradient(full[-1], np.arange(200)), 0.3))
    for batch in descent.mini_batches(200, 10, rng):
        stochastic.append(descent.sgd_step(stochastic[-1], line_gradient(stochastic[-1], batch), 0.3))

full, stochastic = np.array(full), np.array(stochastic)
print("full batch after 5 epochs:", full[-1].round(2))        # still far from (2, 1)
print("SGD after 5 epochs:       ", stochastic[-1].round(2))  # close to (2, 1)

# %% [markdown]
# **Look for:** the big dots of full gradient descent, five steps that are still far from the
# star at $(2, 1)$, and the small dots of SGD, a wobbly path that reaches the star's
# neighbourhood and wanders around it.

# %%
plots.plot_sgd(full, stochastic)

# %% [markdown]
# ## Done?
#
# Run the public tests (`pytest -q` in this folder) and submit `descent.py`.
#
# Next, in **05 · Backpropagation**, we compute the gradient of the network's cost with the
# chain rule.

# %% include="before-you-hand-in"
