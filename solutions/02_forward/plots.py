"""Pictures of the forward pass, drawn from your own functions in forward.py.

Every function here that draws your work takes your function as an argument
and returns a matplotlib Figure: a wrong function draws a visibly wrong
picture. In a notebook, make the call the last line of a cell and the cell
shows the picture as a PNG image.

    example_three()                                  a handwritten "3" from MNIST, as a (784, 1) column
    plot_input(x)                                    one digit as the 784 activations of the input layer
    plot_network(feedforward, weights, biases, x)    every neuron lit by its activation for x
    plot_parameters(count_parameters, sizes)         the 13,002 weights and biases, layer by layer

Course conventions: an image is a column of 784 pixel activations in [0, 1]
(28 x 28, row by row), drawn as in the lecture: 0.0 is black, 1.0 is white.
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
from matplotlib.patches import Circle

SIDE = 28  # MNIST images are 28 x 28 pixels: 784 input neurons
DPI = 100
PIXELS = {"cmap": "gray", "vmin": 0, "vmax": 1}  # activation 0.0 is black, 1.0 is white

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


def _ink(x):
    """Where the bright pixels of a 28 x 28 image are, in words."""
    image = np.asarray(x, dtype=float).reshape(SIDE, SIDE)
    return f"{int(np.sum(image > 0.5))} of the 784 pixels are bright (above 0.5), the rest dark"


def plot_input(x):
    """One digit as the input layer: the 28 x 28 picture, and the same 784 activations as one column.

    x: a (784, 1) column of pixel activations in [0, 1]. Each pixel is one
    neuron of the input layer; row by row, the picture's pixels become the
    column the network is fed.
    """
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    fig = Picture(figsize=(7, 4), layout="constrained", description=(
        f"Left: a 28 by 28 picture of a handwritten digit, white strokes on black; {_ink(x)}. "
        "Right: the same 784 grey values stacked into one tall column, the 784 neurons of the input layer."))
    left, right = fig.subplots(1, 2, width_ratios=[3, 1])
    left.imshow(x.reshape(SIDE, SIDE), **PIXELS)
    left.set_title("28 × 28 pixels")
    right.imshow(x, aspect="auto", interpolation="nearest", **PIXELS)
    right.set_title("input layer:\n784 neurons", fontsize=10)
    right.set_ylabel("neuron (pixel) 0 ... 783")
    for ax in (left, right):
        ax.set_xticks([])
    left.set_yticks([])
    return fig


def layer_activations(feedforward, weights, biases, x):
    """The activations of every layer for x, each computed with feedforward.

    feedforward(weights[:l], biases[:l], x) runs the first l layers, so the
    list holds x itself, then the (n_l, 1) activations of layer 1, 2, ....
    """
    return [np.asarray(x, dtype=float)] + [
        np.asarray(feedforward(list(weights[:l]), list(biases[:l]), x), dtype=float)
        for l in range(1, len(weights) + 1)]


def _column(n, top=7.5):
    """The heights of n neurons drawn as a column centred on 0."""
    return np.linspace(top, -top, n) if n > 1 else np.zeros(1)


def plot_network(feedforward, weights, biases, x):
    """The network lit up by one input, layer by layer, as the lecture draws it.

    feedforward: your feedforward(weights, biases, a); weights, biases: the
    network (e.g. 784-16-16-10); x: a (784, 1) input. Left, the input layer
    (784 neurons, drawn as the column of plot_input); then every neuron of
    the next layers as a circle whose brightness is its activation for x,
    computed with feedforward (0.0 black, 1.0 white), with the connections
    between them (blue positive, red negative, darker for larger weights).
    The brightest output neuron is the network's answer. Below, one neuron
    of hidden layer 1 (outlined in orange: the one its bias moves most)
    worked out step by step, W a, + b, sigma(W a + b), beside what your
    feedforward gives it: a random network looks random with or without
    biases, but this number does not. If feedforward returns a layer in
    another shape than one column (n, 1), say a flat (10,) vector, the
    figure is a message naming the shape expected and the shape returned.
    """
    layers = layer_activations(feedforward, weights, biases, x)
    wrong = _wrong_shapes(weights, layers)
    if wrong:
        return _message(wrong)
    shown = _neuron_to_show(weights, biases, x)
    check = _worked_neuron(weights, biases, x, shown, float(layers[1][shown, 0]))
    out = layers[-1].ravel()
    answer = int(np.argmax(out))
    hidden = "; ".join(f"hidden layer {l}: {len(a)} neurons, {int(np.sum(a > 0.5))} of them brighter than 0.5"
                       for l, a in enumerate(layers[1:-1], start=1))
    fig = Picture(figsize=(7.5, 6.8), layout="constrained", description=(
        f"The network {'-'.join(str(len(a)) for a in layers)} fed a digit. The input layer is a column of "
        f"{len(layers[0])} grey values; {hidden}. The {len(out)} output neurons have activations "
        + ", ".join(f"{d}: {v:.2f}" for d, v in enumerate(out))
        + f". The brightest is {answer}, the network's answer. {' '.join(check.splitlines())}"))
    ax = fig.add_subplot()
    ax.set_facecolor("0.75")
    xs = np.arange(len(layers)) * 3.0
    positions = [_column(len(a)) for a in layers]
    ax.imshow(layers[0].reshape(-1, 1), extent=(xs[0] - 0.25, xs[0] + 0.25, -7.9, 7.9),
              aspect="auto", interpolation="nearest", **PIXELS)
    for l in range(2, len(layers)):  # connections between drawn neurons
        W = np.asarray(weights[l - 1], dtype=float)
        largest = max(float(np.abs(W).max()), 1e-12)
        for j, y_to in enumerate(positions[l]):
            for i, y_from in enumerate(positions[l - 1]):
                ax.plot([xs[l - 1], xs[l]], [y_from, y_to], lw=0.6, zorder=1,
                        color="tab:blue" if W[j, i] > 0 else "tab:red", alpha=0.05 + 0.45 * abs(W[j, i]) / largest)
    for y_to in positions[1]:  # the 784 inputs feed every neuron of the first hidden layer
        ax.plot([xs[0] + 0.25, xs[1]], [0, y_to], lw=0.3, color="0.4", alpha=0.3, zorder=1)
    for l in range(1, len(layers)):
        for j, y in enumerate(positions[l]):
            grey = float(np.clip(layers[l][j, 0], 0.0, 1.0))
            top = (l, j) == (1, shown)
            ax.add_patch(Circle((xs[l], y), 0.38, facecolor=str(grey), zorder=3,
                                edgecolor="tab:orange" if top else "black", lw=2.0 if top else 0.8))
    for d, y in enumerate(positions[-1]):
        weight = "bold" if d == answer else "normal"
        ax.text(xs[-1] + 0.6, y, f"{d}: {out[d]:.2f}", va="center", fontsize=9, fontweight=weight)
    names = ["input\n784 pixels"] + [f"hidden\nlayer {l}" for l in range(1, len(layers) - 1)] + ["output"]
    for x_layer, name, a in zip(xs, names, layers):
        ax.text(x_layer, 8.6, f"{name}\n({len(a)})" if name != names[0] else name, ha="center", va="bottom")
    ax.text(xs[0] - 0.9, -8.7, check, va="top", fontsize=9)
    ax.set_xlim(xs[0] - 1.0, xs[-1] + 2.2)
    ax.set_ylim(-10.4, 10.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Each neuron lit by its activation (black 0.0, white 1.0):\nthe network says {answer}")
    return fig


def _wrong_shapes(weights, layers):
    """What is wrong with the shapes feedforward returned, in words, or "" when every layer is a column.

    Layer l fed one input must be (n_l, 1): one row per neuron, one column for the one example.
    """
    problems = []
    for l in range(len(weights), 0, -1):  # the output first: the layer of feedforward(weights, biases, x)
        expected, got = (np.shape(weights[l - 1])[0], 1), np.shape(layers[l])
        if got != expected:
            name = "the output layer" if l == len(weights) else f"hidden layer {l}"
            problems.append(f"{name}: shape {got}, expected {expected}")
    if not problems:
        return ""
    listed = "; ".join(problems)
    return ("Your feedforward returned activations of the wrong shape, so the network is not drawn. "
            + listed[0].upper() + listed[1:] + ". Fed one (784, 1) column, every layer's activations are one column, "
            "one row per neuron, as σ(W a + b) gives them: did you flatten (ravel, squeeze) or transpose them?")


def _message(text):
    """A figure that says in words, in place of its picture, why the picture cannot be drawn."""
    fig = Picture(figsize=(7.5, 2.2), layout="constrained", description=text)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(text, 85)), ha="center", va="center", fontsize=10,
            color="tab:red")
    ax.set_axis_off()
    return fig


def _sigmoid(z):
    """1 / (1 + e^-z) for one float, without overflow."""
    return 1.0 / (1.0 + np.exp(-z)) if z >= 0 else np.exp(z) / (1.0 + np.exp(z))


def _neuron_to_show(weights, biases, x):
    """The neuron of hidden layer 1 whose bias changes its activation most: sigma(W a + b) against sigma(W a)."""
    w_a = np.asarray(weights[0], dtype=float) @ np.asarray(x, dtype=float).reshape(-1, 1)
    b = np.asarray(biases[0], dtype=float).reshape(-1, 1)
    change = [abs(_sigmoid(float(z + bias)) - _sigmoid(float(z))) for z, bias in zip(w_a.ravel(), b.ravel())]
    return int(np.argmax(change))


def _worked_neuron(weights, biases, x, j, yours):
    """Neuron j of hidden layer 1 in words: W a, + b, sigma(W a + b), and your feedforward's value."""
    w_a = float(np.asarray(weights[0], dtype=float)[j] @ np.asarray(x, dtype=float).ravel())
    b = float(np.asarray(biases[0], dtype=float).ravel()[j])
    wanted = _sigmoid(w_a + b)
    text = (f"Neuron {j} of hidden layer 1 (orange, counting from 0 at the top):\n"
            f"W a = {w_a:.2f}, + b ({b:.2f}) = {w_a + b:.2f}, σ(W a + b) = {wanted:.3f};\n"
            f"your feedforward: {yours:.3f}")
    if np.isclose(yours, wanted, atol=5e-4):
        return text + "."
    if np.isclose(yours, _sigmoid(w_a), atol=5e-4):
        return text + " = σ(W a): the bias is missing."
    return text + ": not σ(W a + b)."


def plot_parameters(count_parameters, sizes):
    """The weights and biases of each layer, as bars, counted with count_parameters.

    count_parameters: your count_parameters(sizes); sizes: e.g. [784, 16,
    16, 10]. For each layer after the input, its weights are
    n_in x n_out (one per connection, blue bars on the left) and the rest of
    count_parameters([n_in, n_out]) are its biases (one per neuron, orange
    bars on the right, on a scale of their own: 16 biases beside 12,544
    weights would be too thin to see). The title holds
    count_parameters(sizes), the lecture's 13,002.
    """
    sizes = list(sizes)
    counts = [int(count_parameters([n_in, n_out])) for n_in, n_out in zip(sizes, sizes[1:])]
    weights = [n_in * n_out for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [c - w for c, w in zip(counts, weights)]
    total = int(count_parameters(sizes))
    labels = [f"{n_in} → {n_out}" for n_in, n_out in zip(sizes, sizes[1:])]
    fig = Picture(figsize=(9, 3.6), layout="constrained", description=(
        f"Bars for the {len(counts)} layers after the input of the network {'-'.join(map(str, sizes))}: "
        + "; ".join(f"{label}: {w} weights and {b} biases" for label, w, b in zip(labels, weights, biases))
        + f". In total your count_parameters says {total}."))
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    left.barh(labels, weights, color="tab:blue")
    right.barh(labels, biases, color="tab:orange")
    for y, (w, b) in enumerate(zip(weights, biases)):
        left.text(w, y, f" {w:,}", va="center")
        right.text(max(b, 0), y, f" {b:,}  (layer: {w + b:,})", va="center")
    left.invert_yaxis()
    left.set_xlim(0, max(max(weights), 1) * 1.3)
    right.set_xlim(min(min(biases), 0) * 1.1, max(max(biases), 1) * 2.6)
    left.set_xlabel("weights: one per connection (n_in × n_out)")
    right.set_xlabel("biases: one per neuron")
    left.set_ylabel("layer")
    fig.suptitle(f"{total:,} weights and biases: the knobs that learning turns")
    return fig
