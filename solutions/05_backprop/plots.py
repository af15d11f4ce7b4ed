"""Pictures of backpropagation, drawn from your own functions in backprop.py.

Every function here takes your backprop (or its results) as an argument and
returns a matplotlib Figure: a wrong gradient draws a visibly wrong picture.
In a notebook, make the call the last line of a cell and the cell shows the
picture as a PNG image.

    example_three()                                        a handwritten "3", a (784, 1) column
    plot_output_nudges(backprop, weights, biases, x, y)    what the output layer wants for one example
    plot_output_weight_gradients(backprop, weights, biases, x, y)
                                                           dC/dW of the weights into the output layer
    plot_first_layer_gradients(backprop, weights, biases, x, y)
                                                           dC/dW of the first layer, as 28 x 28 pictures
    plot_gradient_check(backprop_grads, numerical_grads)  your gradient against the numerical one

Each figure carries a description in words (its .description): the image's
alt text in the notebook, its plain-text form, and the Description of a saved
PNG file.
"""
import base64
import io
import math
import zlib

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from forward import feedforward

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


def _symmetric(*arrays):
    """A colour scale from -v to +v (v the largest |value|): zero is white in RdBu."""
    largest = max(float(np.max(np.abs(a))) for a in arrays)
    return Normalize(vmin=-(largest or 1.0), vmax=largest or 1.0)


def plot_output_nudges(backprop, weights, biases, x, y):
    """What the output layer wants for one example: desired minus actual, and your bias nudges.

    backprop: your backprop(weights, biases, X, Y); x: one (784, 1) input;
    y: its (10, 1) one-hot target. Grey bars: y - a, how much each output
    activation should go up (positive) or down (negative). Red bars: the
    nudge your gradient gives each output neuron's bias, -dC/db = -2(a - y)
    sigma'(z): the same signs, scaled by how steep each neuron's sigmoid is.
    """
    a = np.asarray(feedforward(weights, biases, x), dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    _, grad_b = backprop(weights, biases, x, y.reshape(-1, 1))
    nudge = -np.asarray(grad_b[-1], dtype=float).ravel()
    wanted = y - a
    digits = np.arange(len(y))
    fig = Picture(figsize=(9, 3.8), layout="constrained", description=(
        f"Bars for the {len(y)} output neurons. Desired minus actual: "
        + ", ".join(f"{d}: {v:+.2f}" for d, v in enumerate(wanted))
        + ". The nudge your backprop gives each output bias (minus its gradient): "
        + ", ".join(f"{d}: {v:+.3f}" for d, v in enumerate(nudge))
        + f". Only neuron {int(np.argmax(y))} should go up."))
    ax = fig.add_subplot()
    ax.bar(digits - 0.2, wanted, width=0.4, color="0.6", label="desired − actual (y − a)")
    ax.bar(digits + 0.2, nudge, width=0.4, color="tab:red", label="your nudge of the bias: −∂C/∂b")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(digits)
    ax.set_xlabel("output neuron (digit)")
    ax.set_ylabel("nudge (up +, down −)")
    low = min(float(wanted.min()), float(nudge.min()), 0.0)
    high = max(float(wanted.max()), float(nudge.max()), 0.0)
    ax.set_ylim(low - 0.3 * (high - low) - 0.05, high + 0.1 * (high - low) + 0.05)
    ax.legend(loc="lower center", ncols=2, fontsize=8)
    ax.set_title(f"What the output layer wants: {int(np.argmax(y))} up, every other neuron down")
    return fig


def plot_output_weight_gradients(backprop, weights, biases, x, y):
    """The gradient of every weight into the output layer, as one image.

    backprop: your backprop; x, y: one example. Row j, column i is
    dC/dW[j, i] for the weight from neuron i of the last hidden layer into
    output neuron j: 2(a_j - y_j) sigma'(z_j) times the activation of
    neuron i. Red: the cost goes up with the weight (gradient descent
    lowers it); blue: the other way; white: no effect. Rows are the output
    neurons' nudges, columns as bright as the hidden neuron feeding them.
    """
    grad_w, _ = backprop(weights, biases, x, np.asarray(y, dtype=float).reshape(-1, 1))
    G = np.asarray(grad_w[-1], dtype=float)
    hidden = np.asarray(feedforward(list(weights[:-1]), list(biases[:-1]), x), dtype=float).ravel()
    row, col = np.unravel_index(np.argmax(np.abs(G)), G.shape)
    fig = Picture(figsize=(8, 4.2), layout="constrained", description=(
        f"A {G.shape[0]} by {G.shape[1]} grid of colours, the gradient of each weight into the output layer "
        f"from your backprop, between {G.min():.3f} and {G.max():.3f}. The largest in size is {G[row, col]:.3f}, "
        f"from hidden neuron {col} into output neuron {row}. The row of output neuron {int(np.argmax(y))} "
        f"is {'blue (its weights should grow)' if G[int(np.argmax(y))].sum() < 0 else 'red'}."))
    ax_grad, ax_hidden = fig.subplots(1, 2, width_ratios=[G.shape[1], 2.5])
    image = ax_grad.imshow(G, cmap="RdBu_r", norm=_symmetric(G))
    fig.colorbar(image, ax=ax_grad, shrink=0.8, label="∂C/∂w (red +, blue −)")
    ax_grad.set_yticks(range(G.shape[0]))
    ax_grad.set_ylabel("output neuron j")
    ax_grad.set_xlabel("hidden neuron i (last hidden layer)")
    ax_grad.set_title("∂C/∂W of the weights into the output layer")
    ax_hidden.imshow(hidden.reshape(-1, 1), cmap="gray", vmin=0, vmax=1, aspect="auto")
    ax_hidden.set_xticks([])
    ax_hidden.set_title("hidden\nactivations", fontsize=9)
    ax_hidden.set_ylabel("hidden neuron i")
    return fig


def plot_first_layer_gradients(backprop, weights, biases, x, y):
    """The gradient of the weights into each first-hidden-layer neuron, as 28 x 28 pictures.

    backprop: your backprop; x, y: one example. Tile j is row j of
    grad_w[0]: dC/dW for the 784 weights from every pixel into neuron j of
    the first hidden layer. For one example it is delta_j times the pixel,
    so each tile is the digit itself, red or blue by the sign of how neuron j
    should change, and white where the pixel is black: a weight from a
    black pixel (activation 0) cannot change the cost. One colour scale for all.
    """
    grad_w, _ = backprop(weights, biases, x, np.asarray(y, dtype=float).reshape(-1, 1))
    G = np.asarray(grad_w[0], dtype=float)
    norm = _symmetric(G)
    cols = max(1, math.ceil(math.sqrt(G.shape[0])))
    rows = math.ceil(G.shape[0] / cols)
    ink = np.asarray(x, dtype=float).ravel() > 0.5
    sizes = np.abs(G).sum(axis=1)
    fig = Picture(figsize=(1.7 * cols + 1.2, 1.7 * rows + 0.6), layout="constrained", description=(
        f"{G.shape[0]} small 28 by 28 pictures, the gradients of the weights into each neuron of the first "
        f"hidden layer from your backprop. Each shows the shape of the input digit in red or blue, zero "
        f"(white) elsewhere: {int(np.sum(np.abs(G[:, ~ink]).max(axis=0) > 1e-12))} weights from pixels "
        f"dimmer than 0.5 have a nonzero gradient. The largest tile is neuron {int(np.argmax(sizes))}."))
    axes = []
    for j in range(G.shape[0]):
        ax = fig.add_subplot(rows, cols, j + 1)
        image = ax.imshow(G[j].reshape(SIDE, SIDE), cmap="RdBu_r", norm=norm)
        ax.set_title(f"neuron {j}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        axes.append(ax)
    fig.colorbar(image, ax=axes, shrink=0.8, label="∂C/∂w (red +, blue −)")
    fig.suptitle("∂C/∂W of the first layer: one 28 × 28 picture per hidden neuron")
    return fig


def plot_gradient_check(backprop_grads, numerical_grads):
    """Your gradient against the numerical one, entry by entry.

    backprop_grads, numerical_grads: lists of arrays of the same shapes
    (e.g. grad_w + grad_b from your backprop, and numerical_gradient of the
    cost for each). Each dot is one weight or bias: across, the numerical
    derivative; up, yours. All dots on the diagonal: they agree.
    """
    ours = np.concatenate([np.asarray(g, dtype=float).ravel() for g in backprop_grads])
    theirs = np.concatenate([np.asarray(g, dtype=float).ravel() for g in numerical_grads])
    error = np.linalg.norm(ours - theirs) / max(1e-300, np.linalg.norm(ours) + np.linalg.norm(theirs))
    off = int(np.sum(np.abs(ours - theirs) > 1e-6 * max(1.0, np.abs(theirs).max())))
    fig = Picture(figsize=(5, 4.6), layout="constrained", description=(
        f"A scatter plot of {len(ours)} dots, one per weight and bias: your backprop's derivative against "
        f"the numerical one. {len(ours) - off} lie on the diagonal, {off} off it; relative error {error:.1e}."))
    ax = fig.add_subplot()
    lo, hi = float(min(ours.min(), theirs.min())), float(max(ours.max(), theirs.max()))
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, label="agreement")
    ax.plot(theirs, ours, ".", ms=3, color="tab:blue", label="one weight or bias")
    ax.set_xlabel("numerical gradient (nudge and see)")
    ax.set_ylabel("your backprop")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{len(ours):,} derivatives, relative error {error:.1e}")
    return fig
