# Provided code for 03_cost. Do not edit it.
"""Pictures of the cost, drawn from your own functions in cost.py.

Every function here takes your functions as arguments and returns a
matplotlib Figure: a wrong function draws a visibly wrong picture. In a
notebook, make the call the last line of a cell and the cell shows the
picture as a PNG image.

    example_three()                                       a handwritten "3" from MNIST, a (784, 1) column
    plot_cost_of_three(example_cost, output, y)           ten activations, the wanted ones, the squares
    plot_example_costs(example_cost, average_cost, feedforward, weights, biases, X, Y)
                                                          the cost of each example and their average
    plot_random_against_trained(example_cost, average_cost, feedforward, random, trained, load_mnist)
                                                          a random network's cost against a trained one's,
                                                          over hundreds of real test digits

Each figure carries a description in words (its .description): the image's
alt text in the notebook, its plain-text form, and the Description of a saved
PNG file.
"""
import base64
import io
import textwrap
import zlib

import numpy as np
from matplotlib.figure import Figure

SIDE = 28
DPI = 100

# The first "3" of the MNIST test set (test image 18), 784 grey values 0..255, zlib + base64.
_THREE = ("eJxjYBgIwKM5aZIBDqnGv3///loshE2u9S8YPHXDIpf698/EtOy3f783cGHIbf27HEjavv77dzErutz/v9og"
          "yurg379LWNDkdv9VANPmb/7+DUOTmwSUS9kXHh4++e/fajS5uL9+Gj8gbv17P4QfRY4vhkf5w18Y+BKJ7lrv"
          "hZvhshe10V3LLCCgriYgMPHz3787UQNQxArGsrr49+92ZCnfu9/9YWze238/eCDJRX3/+8cSxjH9/Xc/ssaS"
          "v3+tYezkP38novhjz9+789RArPzL3/6iyjHw3P329/dPIAD54oQwmifitz+B+O9wjThmREqodnnVRaiyD0jC"
          "ZAAAiiaKag==")


class Picture(Figure):
    """A matplotlib Figure that a notebook shows as a PNG image with alt text.

    description: what the picture shows, in words, for a reader who cannot
    see it. Jupyter shows the last value of a cell with _repr_mimebundle_
    (also with matplotlib's inline backend on); the description goes with
    the image as its "alt" metadata and is the figure's plain-text form.
    """

    def __init__(self, *args, description="", **kwargs):
        super().__init__(*args, **kwargs)
        self.description = description

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The PNG image, its alt text (output metadata) and the description as plain text."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DPI, metadata={"Description": self.description})
        return ({"image/png": buffer.getvalue(), "text/plain": self.description},
                {"image/png": {"alt": self.description}})

    def __repr__(self):
        return self.description


def example_three():
    """A handwritten "3" (the first 3 of the MNIST test set, test image 18) as a (784, 1) column in [0, 1]."""
    pixels = np.frombuffer(zlib.decompress(base64.b64decode(_THREE)), dtype=np.uint8)
    return (pixels / 255.0).reshape(SIDE * SIDE, 1)


def plot_cost_of_three(example_cost, output, y):
    """What the network answered, what we wanted, and the cost of the difference.

    example_cost: your example_cost(output, y); output: the (10, 1) output
    activations; y: the (10, 1) one-hot column we wanted. Left: the ten
    output activations (grey bars) beside the wanted ones (black outlines,
    1.0 for the right digit, 0.0 for the others). Right: the cost of each
    output neuron, example_cost(output[[i]], y[[i]]) = (a_i - y_i)^2; the
    title holds example_cost(output, y), which is their sum (the lecture's
    3.37 for its "3").
    """
    output = np.asarray(output, dtype=float).reshape(-1, 1)
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    terms = np.array([float(example_cost(output[[i]], y[[i]])) for i in range(len(y))])
    total = float(example_cost(output, y))
    digits = np.arange(len(y))
    wanted = int(np.argmax(y))
    fig = Picture(figsize=(10, 3.8), layout="constrained", description=(
        f"Left: bars of the {len(y)} output activations, "
        + ", ".join(f"{d}: {a:.2f}" for d, a in enumerate(output.ravel()))
        + f", beside the wanted ones, 1 for digit {wanted} and 0 for the others. Right: the squared "
        "difference of each neuron, " + ", ".join(f"{d}: {t:.4f}" for d, t in enumerate(terms))
        + f"; they add up to {terms.sum():.2f} and your example_cost gives {total:.2f}."))
    left, right = fig.subplots(1, 2)
    left.bar(digits, output.ravel(), color="0.6", label="the network's activation")
    left.bar(digits, y.ravel(), fill=False, edgecolor="black", lw=1.5, label="what we wanted")
    left.set_ylim(0, 1.35)
    left.set_ylabel("activation")
    left.set_title("output activations and what we wanted")
    left.legend(loc="upper left", fontsize=8, framealpha=0.9)
    right.bar(digits, terms, color="tab:red")
    for d, t in zip(digits, terms):
        right.text(d, t, f"{t:.2f}", ha="center", va="bottom", fontsize=8)
    right.set_ylim(0, max(1.0, terms.max() * 1.15))
    right.set_ylabel("(a - y)²")
    right.set_title(f"(a - y)² per neuron: sum {terms.sum():.2f},\nyour example_cost {total:.2f}")
    for ax in (left, right):
        ax.set_xticks(digits)
        ax.set_xlabel("output neuron (digit)")
    return fig


def plot_example_costs(example_cost, average_cost, feedforward, weights, biases, X, Y, marks=None):
    """The cost of each example of a batch, and the network's cost: their average.

    example_cost, average_cost: your functions; feedforward: the provided
    one; X: (784, m) inputs, one per column; Y: (10, m) one-hot targets.
    One bar per example, example_cost(feedforward(..., X[:, [j]]), Y[:, [j]]);
    the dashed line is average_cost(weights, biases, X, Y), which should run
    through the middle of the bars (their mean). marks: optional
    {name: cost} drawn as dotted lines for comparison.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    costs = np.array([float(example_cost(feedforward(weights, biases, X[:, [j]]), Y[:, [j]]))
                      for j in range(X.shape[1])])
    average = float(average_cost(weights, biases, X, Y))
    marks = dict(marks or {})
    fig = Picture(figsize=(9, 3.6), layout="constrained", description=(
        f"Bars of the cost of each of {len(costs)} examples, from {costs.min():.2f} to {costs.max():.2f}, "
        f"their mean {costs.mean():.2f}. A dashed line at your average_cost, {average:.2f}."
        + "".join(f" A dotted line at {v:.2f}: {k}." for k, v in marks.items())))
    ax = fig.add_subplot()
    ax.bar(np.arange(len(costs)), costs, color="0.6", label="cost of one example")
    ax.axhline(average, color="tab:red", ls="--", lw=2, label=f"average_cost = {average:.2f}")
    for (name, value), colour in zip(marks.items(), ["tab:green", "tab:purple", "tab:orange"]):
        ax.axhline(value, color=colour, ls=":", lw=1.5, label=f"{name}: {value:.2f}")
    ax.set_ylim(0, max([costs.max(), average, *marks.values()]) * 1.4)
    ax.set_xlabel("example (column of X)")
    ax.set_ylabel("cost")
    ax.set_xticks(np.arange(len(costs)))
    ax.legend(loc="upper right", ncols=3, fontsize=8)
    ax.set_title("The network's cost is the average of the example costs")
    return fig


def plot_random_against_trained(example_cost, average_cost, feedforward, random, trained, load_mnist, n=500):
    """The cost of a random network and of a trained one, example by example, on real digits.

    example_cost, average_cost: your functions; feedforward: the provided
    one; random, trained: (weights, biases) of two 784-16-16-10 networks;
    load_mnist: the provided loader, of which the first n test images are
    used. Two histograms of example_cost, one per network, on one scale;
    the dashed lines are your average_cost of each network over the n
    examples: the network's cost. If MNIST cannot be loaded (no copy and no
    internet), the figure says why instead.
    """
    try:
        X, labels = load_mnist()[2:]
    except (OSError, ValueError) as error:
        return _unavailable(f"MNIST could not be loaded, so this picture is missing: {error}")
    X, labels = np.asarray(X[:, :n], dtype=float), np.asarray(labels[:n])
    Y = np.zeros((10, len(labels)))
    Y[labels, np.arange(len(labels))] = 1.0
    rows = []
    for name, (weights, biases), colour in (("random", random, "0.55"), ("trained", trained, "tab:blue")):
        costs = np.array([float(example_cost(feedforward(weights, biases, X[:, [j]]), Y[:, [j]]))
                          for j in range(len(labels))])
        right = int(np.sum(np.argmax(feedforward(weights, biases, X), axis=0) == labels))
        rows.append((name, costs, float(average_cost(weights, biases, X, Y)), right, colour))
    top = max(max(costs.max(), average) for _, costs, average, _, _ in rows)
    bins = np.linspace(0, max(top, 1e-9) * 1.02, 41)
    fig = Picture(figsize=(9, 3.8), layout="constrained", description=(
        f"Two histograms of the cost of each of the first {len(labels)} MNIST test digits, computed with "
        "your example_cost. " + " ".join(
            f"The {name} network: costs from {costs.min():.2f} to {costs.max():.2f}, your average_cost "
            f"{average:.2f} (dashed line), {right} of {len(labels)} digits right."
            for name, costs, average, right, _ in rows)))
    ax = fig.add_subplot()
    for name, costs, average, right, colour in rows:
        ax.hist(costs, bins=bins, color=colour, alpha=0.7, label=f"{name} network: {right} of {len(labels)} right")
        ax.axvline(average, color=colour, ls="--", lw=2, label=f"{name}: average_cost = {average:.2f}")
    ax.set_xlabel("cost of one example")
    ax.set_ylabel("number of examples")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"The cost of {len(labels)} test digits: random network {rows[0][2]:.2f}, "
                 f"trained network {rows[1][2]:.2f}")
    return fig


def _unavailable(reason):
    """A small figure that says, in words, why its picture could not be drawn."""
    fig = Picture(figsize=(9, 1.6), layout="constrained", description=reason)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(reason, 110)), ha="center", va="center", fontsize=9)
    ax.set_axis_off()
    return fig
