"""Cells of assignments/02_forward/02_forward.ipynb: the forward pass.

Walks through the lecture's ReLU layer step by step (1.2, 0.39, 2.79; 3.2,
1.39, -0.21; 3.2, 1.39, 0), the 13,002 parameters of 784-16-16-10, the
shapes of init_network, and feeds a random image through the network.
"""

CELLS = [
    ("markdown", r"""
# 02 · The forward pass: $a' = \sigma(W a + b)$

**You write:** `layer_forward`, `init_network`, `count_parameters`, `feedforward` and
`predict` in **`forward.py`**, the file next to this notebook. Read each docstring and replace
every `raise NotImplementedError(...)` with your code. `neuron.py` is provided (the reference
solution of assignment 01): `sigmoid` and `relu` come from there. Only `forward.py` is graded.

**Check your work** with the public tests: in a terminal in this folder run `pytest -q`
(or `python -m pytest -q`); from this notebook, run the cell at the end. **Before you hand
in**, run `python check.py` in this folder (or `import check; check.run()` here): it runs
your module the way the grader does and says READY or what to fix first.

**Editing `forward.py`:** the first code cell turns on `autoreload`, so every cell you run
uses the latest saved version of `forward.py` without restarting the kernel.

Conventions: one example is a column vector of shape `(n, 1)`; a batch of `m` examples is an
`(n, m)` array whose columns are the examples.
"""),
    ("code", """
%load_ext autoreload
%autoreload 2

import numpy as np

import forward  # your code: forward.py in this folder
from neuron import sigmoid, relu  # provided

rng = np.random.default_rng(0)
"""),
    ("markdown", r"""
## How does one layer affect the next?

Every neuron of the next layer takes a weighted sum of all the activations of this layer,
adds its bias and applies the activation function. Write the weights of the connections
*into* neuron $j$ as row $j$ of a matrix $W$ (shape `(n_out, n_in)`), the biases as a column
$b$ (shape `(n_out, 1)`), and the whole transition from one layer to the next is one line:

$$a' = \sigma(W a + b).$$

The lecture's example, with three neurons in each layer:
"""),
    ("code", """
W = np.array([[0.6, 0.0, 0.0],
              [0.0, 0.6, 0.9],
              [1.2, 0.7, 0.4]])
a = np.array([[2.0], [0.5], [0.1]])   # one example: a column
b = np.array([[2.0], [1.0], [-3.0]])
"""),
    ("markdown", r"""
**Step 1, multiply by weights.** Row by row: $0.6 \times 2 = 1.2$;
$0.6 \times 0.5 + 0.9 \times 0.1 = 0.39$; $1.2 \times 2 + 0.7 \times 0.5 + 0.4 \times 0.1 = 2.79$.
The matrix product does all three at once.
"""),
    ("code", """
print(W @ a)  # the lecture: [[1.2], [0.39], [2.79]]
"""),
    ("markdown", r"""
**Step 2, add biases.** $1.2 + 2 = 3.2$, $0.39 + 1 = 1.39$, $2.79 + (-3) = -0.21$.
"""),
    ("code", """
print(W @ a + b)  # the lecture: [[3.2], [1.39], [-0.21]]
"""),
    ("markdown", r"""
**Step 3, apply the activation function.** With ReLU: 3.2, 1.39 and $\max(0, -0.21) = 0$.
That is your `layer_forward`. Its default activation is the sigmoid, which squishes the same
three sums into (0, 1) instead.
"""),
    ("code", """
print(forward.layer_forward(W, a, b, activation=relu))  # the lecture: [[3.2], [1.39], [0.]]
print(forward.layer_forward(W, a, b))  # sigmoid: expected about [[0.961], [0.801], [0.448]]
"""),
    ("markdown", r"""
The same line works for a whole batch: put the examples side by side as columns. The bias
column is added to every column. A completely dark input (all zeros) leaves only the biases.
"""),
    ("code", """
A = np.hstack([a, np.zeros((3, 1))])   # two examples: the lecture's and a dark one
print(A.shape)                         # expected: (3, 2)
print(forward.layer_forward(W, A, b, activation=relu))
# expected: first column [3.2, 1.39, 0], second column ReLU(b) = [2, 1, 0]
"""),
    ("markdown", r"""
## How many knobs? 13,002

The lecture's network has 784 input neurons (one per pixel), two hidden layers of 16 neurons
and 10 output neurons (one per digit). Every neuron is connected to every neuron of the
previous layer: $784 \times 16 + 16 \times 16 + 16 \times 10 = 12{,}960$ weights, and every
neuron after the input layer has a bias: $16 + 16 + 10 = 42$. Learning means finding good
values for all 13,002 of them. (One set of notes writes 13,022: a slip.)
"""),
    ("code", """
sizes = [784, 16, 16, 10]
print(784 * 16 + 16 * 16 + 16 * 10, 16 + 16 + 10)  # 12960 42
print(forward.count_parameters(sizes))            # the lecture: 13002
print(forward.count_parameters([3, 3]))           # the example layer: 9 weights + 3 biases = 12
"""),
    ("markdown", r"""
## A random network

Before it learns anything the network starts from random weights and biases: `init_network`
draws them from the standard normal distribution. One weight matrix and one bias column for
each layer after the input layer; `weights[l]` has shape `(sizes[l+1], sizes[l])`.
Never start with all zeros: neurons that start equal get equal nudges and stay equal forever.
The same random generator state gives the same network, so results are reproducible.
"""),
    ("code", """
weights, biases = forward.init_network(sizes, rng=rng)
for l, (W_l, b_l) in enumerate(zip(weights, biases), start=1):
    print(f"layer {l}: weights {W_l.shape}, biases {b_l.shape}")
# expected: (16, 784) (16, 1); (16, 16) (16, 1); (10, 16) (10, 1)
print(sum(W_l.size + b_l.size for W_l, b_l in zip(weights, biases)))  # expected: 13002

again, _ = forward.init_network(sizes, rng=np.random.default_rng(0))
print(all(np.array_equal(x, y) for x, y in zip(weights, again)))  # same seed, same network: True
"""),
    ("markdown", r"""
## Feeding an image forward

Light up the 784 input neurons with the pixels of an image, and layer by layer the pattern
of activations causes a very specific pattern in the next layer, up to the 10 output
neurons. The brightest output neuron is the network's choice for what the image is. Our
network is random, so its choice is too; here is a random "image" (784 values between 0 and 1,
one column).
"""),
    ("code", """
x = rng.random((784, 1))
out = forward.feedforward(weights, biases, x)
print(out.shape)              # expected: (10, 1)
print(out.ravel().round(3))   # ten activations between 0 and 1
print(forward.predict(weights, biases, x))  # the brightest output neuron, e.g. [7]: an array of length 1
"""),
    ("markdown", r"""
`predict` works on a batch too: one answer (an int) per column, the argmax of that column's
output activations.
"""),
    ("code", """
X = rng.random((784, 5))      # five random images
guesses = forward.predict(weights, biases, X)
print(guesses, guesses.shape, guesses.dtype)  # five digits, shape (5,), an int dtype
print(np.array_equal(guesses, forward.feedforward(weights, biases, X).argmax(axis=0)))  # True
"""),
    ("markdown", r"""
## Done?

Run the public tests (`pytest -q` in this folder) and submit `forward.py`.

Next, in **03 · The cost**, we tell the computer how lousy these random answers are.
"""),
    ("markdown", r"""
## Before you hand in

The public tests and the pre-submission check, run with this notebook's own Python
(`sys.executable`), so they test the same numpy and the same files as the cells above. The
check runs `forward.py` the way the grader does and ends with READY, or with the first thing to fix.
"""),
    ("code", """
import subprocess
import sys

tests = subprocess.run([sys.executable, "-m", "pytest", "-q"], capture_output=True, text=True)
print(tests.stdout[-3000:] or tests.stderr[-3000:])
"""),
    ("code", """
import check  # check.py, next to this notebook

check.run()
"""),
]
