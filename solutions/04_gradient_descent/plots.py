"""Pictures of gradient descent, drawn from your own functions in descent.py.

Every function here takes your function as an argument and returns a
matplotlib Figure: a wrong function draws a visibly wrong picture. In a
notebook, make the call the last line of a cell and the cell shows the
picture as a PNG image.

    plot_learning_rates(gradient_descent)   too small, about right, too large: on the same bowl

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
