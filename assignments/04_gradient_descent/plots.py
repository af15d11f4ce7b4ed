# Provided code for 04_gradient_descent. Do not edit it.
"""Pictures of gradient descent, drawn from your own functions in descent.py.

Every function here takes your function as an argument and returns a
matplotlib Figure: a wrong function draws a visibly wrong picture. In a
notebook, make the call the last line of a cell and the cell shows the
picture as a PNG image.

    plot_path(history)                      the points visited on f(x) = x², one knob
    plot_overshoot(gradient_descent)        learning rates 0.2, 0.8 and 1.1 on f(x) = x²
    plot_bowl_path(history)                 the points visited on the bowl x² + 4y², two knobs
    plot_learning_rates(gradient_descent)   too small, about right, too large: on the same bowl
    plot_sgd(full, stochastic)              gradient descent against SGD, in the (w, b) plane

Each figure carries a description in words (its .description): the image's
alt text in the notebook, its plain-text form, and the Description of a saved
PNG file.
"""
import io

import numpy as np
from matplotlib.figure import Figure

DPI = 100
RATES = {"too small": 0.02, "about right": 0.1, "too large": 0.26}


def bowl(x, y):
    """The cost surface of the notebook: f(x, y) = x² + 4y², steeper along y."""
    return x ** 2 + 4 * y ** 2


def bowl_gradient(v):
    """The gradient of the bowl at v = (x, y): (2x, 8y), pointing uphill."""
    return np.array([2 * v[0], 8 * v[1]])


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


def plot_learning_rates(gradient_descent, rates=None, start=(8.0, 3.0), n_iter=20):
    """The same bowl, the same start, three learning rates: one panel each.

    gradient_descent: your gradient_descent(gradient, start, learn_rate,
    n_iter, tolerance); rates: {name: learning rate} (default: too small
    0.02, about right 0.1, too large 0.26); start: the starting point;
    n_iter: at most this many steps. Each panel draws the contour lines of
    f(x, y) = x² + 4y² and the path of points your function visited. Too
    small: tiny steps that stop far from the bottom; about right: straight
    down to the bottom (0, 0); too large: each step overshoots the valley
    along the steep y direction and lands higher up, so the path zig-zags
    outwards.
    """
    rates = dict(RATES if rates is None else rates)
    paths = {}
    for name, rate in rates.items():
        _, history = gradient_descent(bowl_gradient, np.array(start, dtype=float), rate, n_iter=n_iter)
        paths[name] = np.array([np.asarray(p, dtype=float) for p in history])
    words = []
    for name, path in paths.items():
        end = path[-1]
        words.append(f"{name}, learning rate {rates[name]:g}: {len(path) - 1} steps from ({path[0][0]:g}, "
                     f"{path[0][1]:g}) to ({end[0]:.2f}, {end[1]:.2f}), cost {bowl(*end):.3g}")
    fig = Picture(figsize=(12, 3.8), layout="constrained", description=(
        "Three contour plots of the bowl x² + 4y² with the path of gradient descent. " + "; ".join(words) + "."))
    gx, gy = np.meshgrid(np.linspace(-10, 10, 121), np.linspace(-10, 10, 121))
    for ax, (name, path) in zip(fig.subplots(1, len(paths), sharey=True), paths.items()):
        ax.contour(gx, gy, bowl(gx, gy), levels=np.linspace(1, 400, 14) ** 1.0, colors="grey", linewidths=0.5)
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, color="tab:blue")
        ax.plot(0, 0, "k*", ms=10)
        end = path[-1]
        ax.set_title(f"{name}: rate {rates[name]:g}\n{len(path) - 1} steps, cost {bowl(*end):.3g} at the end")
        ax.set_xlim(-10, 10)
        ax.set_ylim(-10, 10)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
    fig.get_axes()[0].set_ylabel("y")
    fig.suptitle("The learning rate decides the size of each step down the bowl x² + 4y²")
    return fig


def _path_words(path):
    """The first points and the last of a path of numbers, in words."""
    shown = ", ".join(f"{p:.2f}" for p in path[:4])
    return f"{len(path) - 1} steps: {shown}{', ...' if len(path) > 4 else ''} ending at {path[-1]:.2g}"


def plot_path(history):
    """The points of a history (numbers) on the parabola f(x) = x², joined in order.

    history: the list of points your gradient_descent returned for
    gradient 2x. Steep slopes give big steps; near the bottom the steps shrink.
    """
    path = np.asarray([float(p) for p in history])
    reach = max(11.0, float(np.abs(path).max()) * 1.1)
    xs = np.linspace(-reach, reach, 201)
    fig = Picture(figsize=(5.5, 3.4), layout="constrained", description=(
        f"The parabola x² and the path of gradient descent on it, {_path_words(path)}."))
    ax = fig.add_subplot()
    ax.plot(xs, xs ** 2, color="grey")
    ax.plot(path, path ** 2, "o-", ms=4)
    ax.set_title("rolling downhill on f(x) = x²")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    return fig


def plot_overshoot(gradient_descent, rates=(0.2, 0.8, 1.1), start=10.0, n_iter=8):
    """The same parabola f(x) = x², three learning rates, at most n_iter steps each.

    gradient_descent: your function. Each step multiplies x by 1 - 2 x
    rate: 0.6 (straight in), -0.6 (zig-zag, but lower each time), -1.2
    (every jump lands higher: rolling up the hill).
    """
    paths = [np.asarray([float(p) for p in gradient_descent(lambda x: 2 * x, start=start, learn_rate=rate,
                                                              n_iter=n_iter)[1]]) for rate in rates]
    fig = Picture(figsize=(11, 3.2), layout="constrained", description=(
        "Three panels of the parabola x² with the path of gradient descent from x = "
        f"{start:g}. " + " ".join(f"Learning rate {rate:g}: {_path_words(path)}." for rate, path in zip(rates, paths))))
    xs = np.linspace(-45, 45, 201)
    for ax, rate, path in zip(fig.subplots(1, len(rates), sharey=True), rates, paths):
        ax.plot(xs, xs ** 2, color="grey")
        ax.plot(path, path ** 2, "o-", ms=4)
        ax.set_title(f"learning rate {rate:g}")
        ax.set_ylim(0, 500)
        ax.set_xlabel("x")
    return fig


def plot_bowl_path(history):
    """The points of a history ((x, y) arrays) over the contour lines of the bowl x² + 4y²."""
    path = np.array([np.asarray(p, dtype=float) for p in history])
    gx, gy = np.meshgrid(np.linspace(-9, 9, 101), np.linspace(-4, 4, 101))
    fig = Picture(figsize=(6, 3.4), layout="constrained", description=(
        f"Contour lines of the bowl x² + 4y² seen from above and the path of gradient descent, "
        f"{len(path) - 1} steps from ({path[0][0]:g}, {path[0][1]:g}) to ({path[-1][0]:.2g}, {path[-1][1]:.2g}); "
        f"y changes sign {int(np.sum(np.diff(np.sign(path[:, 1])) != 0))} times on the way."))
    ax = fig.add_subplot()
    ax.contour(gx, gy, bowl(gx, gy), levels=12, colors="grey", linewidths=0.5)
    ax.plot(path[:, 0], path[:, 1], "o-", ms=3)
    ax.set_title("gradient descent on the bowl x² + 4y²")
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return fig


def plot_sgd(full, stochastic, bottom=(2.0, 1.0)):
    """Two paths in the (w, b) plane: full gradient descent and stochastic gradient descent.

    full, stochastic: (steps + 1, 2) arrays of the points (w, b) each
    visited; bottom: the minimum of the cost, drawn as a star.
    """
    full, stochastic = np.asarray(full, dtype=float), np.asarray(stochastic, dtype=float)
    fig = Picture(figsize=(5.5, 4), layout="constrained", description=(
        f"Two paths from ({full[0][0]:g}, {full[0][1]:g}) in the plane of w and b. Gradient descent on all the "
        f"points: {len(full) - 1} steps ending at ({full[-1][0]:.2f}, {full[-1][1]:.2f}). Stochastic gradient "
        f"descent: {len(stochastic) - 1} wobbly steps ending at ({stochastic[-1][0]:.2f}, {stochastic[-1][1]:.2f}). "
        f"The bottom is at ({bottom[0]:g}, {bottom[1]:g})."))
    ax = fig.add_subplot()
    ax.plot(stochastic[:, 0], stochastic[:, 1], ".-", lw=0.5, ms=2, label="SGD, batches of 10")
    ax.plot(full[:, 0], full[:, 1], "o-", label="gradient descent, all the points")
    ax.plot(*bottom, "k*", ms=12, label=f"the bottom ({bottom[0]:g}, {bottom[1]:g})")
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.legend()
    ax.set_title("a drunk man walking down a hill, but faster")
    return fig
