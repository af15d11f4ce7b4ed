# Provided code for 01_neuron. Do not edit it.
"""Pictures of one neuron, drawn from your own functions in neuron.py.

Every function here takes your functions as arguments, draws one picture of
the lecture with them and returns a matplotlib Figure: a wrong function draws
a visibly wrong picture. In a notebook, make the call the last line of a cell
and the cell shows the picture as a PNG image.

    plot_activations(sigmoid, sigmoid_prime, relu, relu_prime)
        the two activation functions and their slopes
    plot_layer_example(weighted_sum, neuron, relu)
        the lecture's layer: multiply by weights, add biases, apply ReLU

Each figure carries a description in words (its .description): the image's
alt text in the notebook, its plain-text form, and the Description of a saved
PNG file.
"""
import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

DPI = 100

# The lecture's layer example (slides, "How does one layer affect the next?").
LAYER_W = np.array([[0.6, 0.0, 0.0],
                    [0.0, 0.6, 0.9],
                    [1.2, 0.7, 0.4]])
LAYER_A = np.array([2.0, 0.5, 0.1])
LAYER_B = np.array([2.0, 1.0, -3.0])


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


def plot_activations(sigmoid, sigmoid_prime, relu, relu_prime, z=None):
    """sigmoid(z) and ReLU(z) with their slopes (dashed), side by side.

    The four arguments are your functions of neuron.py; z: the points drawn
    (default 241 points from -6 to 6). The sigmoid squishes every number
    into (0, 1) and is steepest at z = 0 (slope 0.25); ReLU cuts off the
    negative numbers, its slope is 0 left of zero and 1 right of it.
    """
    z = np.linspace(-6, 6, 241) if z is None else np.asarray(z, dtype=float)
    curves = {name: np.asarray(f(z), dtype=float) for name, f in
              [("sigmoid", sigmoid), ("sigmoid'", sigmoid_prime), ("ReLU", relu), ("ReLU'", relu_prime)]}
    at_zero = float(np.asarray(sigmoid(0.0)))
    s, ds, r, dr = curves["sigmoid"], curves["sigmoid'"], curves["ReLU"], curves["ReLU'"]
    fig = Picture(figsize=(9, 3.4), layout="constrained", description=(
        f"Two plots over z from {z[0]:g} to {z[-1]:g}. Left: your sigmoid, a curve from {s[0]:.2f} to "
        f"{s[-1]:.2f} through {at_zero:.2f} at z = 0, and its slope (dashed), highest at {ds.max():.3f}. "
        f"Right: your ReLU, from {r[0]:.2f} on the left to {r[-1]:.2f} on the right, and its slope "
        f"(dashed), from {dr[0]:g} on the left to {dr[-1]:g} on the right."))
    left, right = fig.subplots(1, 2)
    left.plot(z, curves["sigmoid"], label="sigmoid(z)")
    left.plot(z, curves["sigmoid'"], "--", label="sigmoid'(z)")
    left.axhline(0.5, color="grey", lw=0.5)
    left.set_title("sigmoid: squish into (0, 1)")
    right.plot(z, curves["ReLU"], label="ReLU(z)")
    right.plot(z, curves["ReLU'"], "--", label="ReLU'(z)")
    right.set_title("ReLU: max(0, z)")
    for ax in (left, right):
        ax.set_xlabel("z (weighted sum + bias)")
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def _neuron(ax, xy, activation, text):
    """A neuron: a circle whose grey is its activation (0.0 black, 1.0 white), its number below."""
    grey = float(np.clip(activation, 0.0, 1.0))
    ax.add_patch(Circle(xy, 0.22, facecolor=str(grey), edgecolor="black", lw=1.2, zorder=3))
    ax.text(xy[0], xy[1] - 0.3, text, ha="center", va="top", fontsize=9)


def _distance_to_segment(point, start, end):
    """How far point is from the segment start-end (data units)."""
    along = end - start
    t = np.clip(np.dot(point - start, along) / max(float(np.dot(along, along)), 1e-12), 0.0, 1.0)
    return float(np.linalg.norm(point - (start + t * along)))


def _label_spot(start, end, others, placed):
    """Where on the line start-end its weight's label sits: the point farthest from the other lines
    and the labels already placed, so labels do not pile up where the lines cross."""
    spots = [start + t * (end - start) for t in np.linspace(0.2, 0.8, 25)]
    return max(spots, key=lambda spot: min([_distance_to_segment(spot, s, e) for s, e in others]
                                           + [float(np.linalg.norm(spot - p)) for p in placed] + [10.0]))


def plot_layer_example(weighted_sum, neuron, relu, W=LAYER_W, a=LAYER_A, b=LAYER_B):
    """The lecture's layer, step by step, with your weighted_sum and neuron.

    W: (3, 3) weights, row j into neuron j; a: the 3 activations feeding
    in; b: the 3 biases (default: the lecture's numbers). Left, the three
    input neurons; right, the three neurons of the next layer, each with
    step 1 (multiply by weights: weighted_sum(W[j], a), e.g. 0.6 x 2 = 1.2),
    step 2 (add the bias, 1.2 + 2 = 3.2) and step 3 (apply the activation:
    neuron(W[j], a, b[j], activation=relu), ReLU(3.2) = 3.2). Each neuron's
    grey is its activation, 0.0 black and 1.0 (or more) white. The
    connections are as thick as their weights; weight 0 is not drawn.
    """
    W, a, b = (np.asarray(v, dtype=float) for v in (W, a, b))
    sums = [float(weighted_sum(W[j], a)) for j in range(len(b))]
    outputs = [float(neuron(W[j], a, b[j], activation=relu)) for j in range(len(b))]
    steps = [f"neuron {j}: step 1, {sums[j]:.2f}; step 2, {sums[j]:.2f} + {b[j]:g} = {sums[j] + b[j]:.2f}; "
             f"step 3, ReLU gives {outputs[j]:.2f}" for j in range(len(b))]
    fig = Picture(figsize=(9, 4.2), layout="constrained", description=(
        f"A layer of {len(b)} neurons fed by {len(a)} input neurons with activations "
        f"{', '.join(f'{v:g}' for v in a)}. Your numbers, " + "; ".join(steps) + "."))
    ax = fig.add_subplot()
    n_in, n_out = len(a), len(b)
    inputs = [(0.0, n_in - 1 - i) for i in range(n_in)]
    outs = [(3.0, n_out - 1 - j) for j in range(n_out)]
    lines = [(i, j, np.array(start), np.array(end)) for j, end in enumerate(outs)
             for i, start in enumerate(inputs) if W[j, i] != 0]
    placed = []
    for i, j, start, end in lines:
        ax.plot([start[0], end[0]], [start[1], end[1]], color="tab:blue", lw=1.5 * abs(W[j, i]), zorder=1)
        where = _label_spot(start, end, [(s, e) for _, _, s, e in lines if s is not start or e is not end], placed)
        placed.append(where)
        ax.text(*where, f"{W[j, i]:g}", fontsize=8, color="tab:blue", ha="center", va="center", zorder=2,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    for i, xy in enumerate(inputs):
        _neuron(ax, xy, a[i], f"a = {a[i]:g}")
    for j, xy in enumerate(outs):
        _neuron(ax, xy, outputs[j], f"{outputs[j]:.2f}")
        ax.text(xy[0] + 0.4, xy[1] + 0.05,
                f"1: w·a = {sums[j]:.2f}\n2: + b ({b[j]:g}) = {sums[j] + b[j]:.2f}\n3: ReLU = {outputs[j]:.2f}",
                va="center", fontsize=9, family="monospace")
    ax.set_xlim(-0.6, 6.2)
    ax.set_ylim(-0.8, max(n_in, n_out) - 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One layer affects the next: multiply by weights, add biases, apply ReLU")
    return fig
