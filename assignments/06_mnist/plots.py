# Provided code for 06_mnist. Do not edit it.
"""Pictures of the network: what it sees, what it learned, where it fails.

The numbers in weights and biases mean little until you look at them. Every
function here draws one picture from the lecture and returns a matplotlib
Figure; in a notebook, make the call the last line of a cell and the cell
shows the picture (the figures know how to draw themselves as PNG images, in
any Jupyter). Pass path="something.png" to also save it as a PNG file.

    plot_digits(X, labels)                      what the input layer sees
    plot_first_layer_weights(weights)           what the second-layer neurons look for
    plot_weights_before_after(before, after)    ... and how training changed that
    plot_training_history(history)              the cost rolling downhill, epoch by epoch
    plot_noise_experiment(weights, biases)      a random image in, a confident answer out
    plot_most_wrong(weights, biases, X, labels) the mistakes the network is surest of
    plot_answers(weights, biases, examples)     images beside the ten output activations they cause

Course conventions: an image is a column of 784 pixel activations in [0, 1]
(28 x 28, row by row), drawn as in the lecture: 0.0 is black, 1.0 is white; X holds one image per column; weights[0] has shape
(16, 784) for the 784-16-16-10 network.
"""
import io
import math

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from forward import feedforward, predict

SIDE = 28  # MNIST images are 28 x 28 pixels: 784 input neurons
DPI = 100
WRONG = "tab:red"  # titles of misclassified digits
PIXELS = {"cmap": "gray", "vmin": 0, "vmax": 1}  # activation 0.0 is black, 1.0 is white


class Picture(Figure):
    """A matplotlib Figure that a notebook shows as a PNG image with alt text.

    Jupyter shows the last value of a cell with its _repr_mimebundle_ method
    (also with matplotlib's inline backend on), so a
    Picture appears without any plotting state or show() call. Its
    description (what the picture shows, in words and numbers, for a reader
    who cannot see it) goes with the image as its "alt" metadata and is the
    figure's plain-text form.
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


def _grid(count):
    """(rows, cols) of a near-square grid with room for count tiles."""
    cols = max(1, math.ceil(math.sqrt(count)))
    return math.ceil(count / cols), cols


def _image(column):
    """A column of 784 pixel activations as the 28 x 28 picture it came from."""
    return np.asarray(column, dtype=float).reshape(SIDE, SIDE)


def _tile(fig, rows, cols, index, picture, title, **imshow):
    """Draw one picture in tile index (0-based) of a rows x cols grid."""
    ax = fig.add_subplot(rows, cols, index + 1)
    image = ax.imshow(picture, **imshow)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax, image


def _finish(fig, path):
    """Save fig as a PNG when a path is given; return it either way."""
    if path is not None:
        fig.savefig(path, dpi=DPI)
    return fig


def plot_digits(X, labels, n=16, predictions=None, path=None):
    """A grid of the first n digits of X, each titled with its label.

    X: (784, m) images, one per column; labels: m ints. With predictions
    (m ints, e.g. predict(weights, biases, X)) each title reads
    "7 (guess 3)", in red where the guess is wrong; otherwise "label 7".
    This is what the input layer sees: 784 neurons, each holding the
    brightness of one pixel (0.0 black, 1.0 white, as in the lecture).
    """
    X = np.asarray(X)
    labels = np.asarray(labels)
    n = max(1, min(n, X.shape[1]))
    rows, cols = _grid(n)
    shown = " ".join(str(labels[j]) for j in range(n))
    if predictions is not None:
        wrong = [j for j in range(n) if int(predictions[j]) != labels[j]]
        shown += f"; the network's guesses are right for {n - len(wrong)} of them" + (
            "" if not wrong else ", wrong for " + ", ".join(f"the {labels[j]} (guessed {int(predictions[j])})"
                                                          for j in wrong))
    fig = Picture(figsize=(1.6 * cols, 1.75 * rows), layout="constrained", description=(
        f"A grid of {n} handwritten digits, white strokes on black, labelled {shown}."))
    for j in range(n):
        if predictions is None:
            title, colour = f"label {labels[j]}", "black"
        else:
            guess = int(predictions[j])
            title = f"{labels[j]} (guess {guess})"
            colour = "black" if guess == labels[j] else WRONG
        ax, _ = _tile(fig, rows, cols, j, _image(X[:, j]), title, **PIXELS)
        ax.title.set_color(colour)
    return _finish(fig, path)


def _first_layer(weights):
    """weights[0] of a network (or a weight matrix given directly), as (k, 784)."""
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        return weights
    return np.asarray(weights[0], dtype=float)


def _symmetric_norm(*matrices):
    """A colour scale from -v to +v, with v the largest |weight|: zero sits in the middle."""
    largest = max(float(np.max(np.abs(W))) for W in matrices)
    largest = largest if largest > 0 else 1.0
    return Normalize(vmin=-largest, vmax=largest)


def _neighbours(W):
    """How alike the weights of neighbouring pixels are (correlation, averaged over the tiles):
    about 0 for random speckle, towards 1 for smooth blobs and strokes."""
    tiles = np.asarray(W, dtype=float).reshape(-1, SIDE, SIDE)
    values = [np.corrcoef(t[:, :-1].ravel(), t[:, 1:].ravel())[0, 1] for t in tiles if t.std() > 0]
    return round(float(np.mean(values)), 2) + 0.0 if values else 0.0  # + 0.0: never "-0.00"


def _middle_and_border(W):
    """Mean |value| of W (k, 784) in the middle 20 x 20 pixels, where digits have their ink, and outside it."""
    mean = np.abs(np.asarray(W, dtype=float)).mean(axis=0).reshape(SIDE, SIDE)
    middle = np.zeros((SIDE, SIDE), dtype=bool)
    middle[4:-4, 4:-4] = True
    return float(mean[middle].mean()), float(mean[~middle].mean())


def _weight_tiles(fig, W, norm, title):
    """One tile per neuron of W (k, 784) in fig (a Figure or SubFigure), a colorbar, a title."""
    rows, cols = _grid(W.shape[0])
    axes, image = [], None
    for j in range(W.shape[0]):
        ax, image = _tile(fig, rows, cols, j, _image(W[j]), f"neuron {j}", cmap="RdBu", norm=norm)
        axes.append(ax)
    colorbar = fig.colorbar(image, ax=axes, shrink=0.8)
    colorbar.set_label("weight (blue +, red -)")
    fig.suptitle(title)


def plot_first_layer_weights(weights, path=None, title="What the second-layer neurons look for"):
    """The weights into each neuron of the second layer, as 28 x 28 pictures.

    weights: the network's list of weight matrices (weights[0] is (16, 784))
    or a (k, 784) matrix itself. Row j of weights[0] holds the 784 weights
    from every pixel into neuron j of the second layer (the first hidden
    layer), so it can be drawn as an image: the neuron's weighted sum
    w1 a1 + ... + w784 a784 is large when the ink falls on the blue
    (positive) pixels and avoids the red (negative) ones. The colour scale
    is symmetric around zero (white = weight 0) and shared by all tiles.

    The lecture hoped for edges and loops; what a trained network shows is
    mostly noise with faint blobs: it found some local minimum of the cost,
    not the patterns we imagined.
    """
    W = _first_layer(weights)
    rows, cols = _grid(W.shape[0])
    middle, border = _middle_and_border(W)
    fig = Picture(figsize=(1.7 * cols + 1.2, 1.7 * rows + 0.6), layout="constrained", description=(
        f"{title}: a grid of {W.shape[0]} tiles of 28 by 28 pixels, the 784 weights into each neuron, "
        f"blue for positive, red for negative, white for 0, from {W.min():.2f} to {W.max():.2f}. "
        f"Neighbouring pixels' weights correlate {_neighbours(W):.2f} (0 is random speckle, towards 1 "
        f"smooth blobs); the mean size of a weight is {middle:.2f} in the middle 20 by 20 pixels, "
        f"where digits have their ink, and {border:.2f} near the border."))
    _weight_tiles(fig, W, _symmetric_norm(W), title)
    return _finish(fig, path)


def plot_weights_before_after(weights_before, weights_after, path=None):
    """The first layer's weight pictures before training (left) and after (right).

    Both grids share one colour scale, so the same colour means the same
    weight. Training starts from random standard-normal weights and nudges
    each of them: the after-picture keeps much of the random speckle, with
    blobs added where the cost asked for them. To see the change itself,
    draw the difference:
    plot_first_layer_weights(weights_after[0] - weights_before[0],
                             title="How training changed the weights").
    """
    before, after = _first_layer(weights_before), _first_layer(weights_after)
    rows, cols = _grid(before.shape[0])
    norm = _symmetric_norm(before, after)
    change = after - before
    middle, border = _middle_and_border(change)
    kept = int(np.sum(np.all(change == 0, axis=0)))
    alike = np.mean([np.corrcoef(b, a)[0, 1] for b, a in zip(before, after) if b.std() > 0 and a.std() > 0])
    fig = Picture(figsize=(2 * (1.7 * cols + 1.2), 1.7 * rows + 1.0), layout="constrained", description=(
        f"Two grids of {before.shape[0]} tiles of 28 by 28 pixels: the 784 weights into each neuron of the "
        "first hidden layer before training (left) and after (right), blue for positive, red for negative, "
        f"white for 0, on one colour scale from {norm.vmin:.2f} to {norm.vmax:.2f}. Before: neighbouring "
        f"pixels' weights correlate {_neighbours(before):.2f} (0 is random speckle). After: each tile "
        f"correlates {alike:.2f} with its start, its neighbouring pixels {_neighbours(after):.2f}; training "
        f"changed a weight by {middle:.2f} on average in the middle 20 by 20 pixels, where digits have their "
        f"ink, and by {border:.2f} near the border; {kept} of the 784 pixels kept their starting weights "
        "exactly."))
    left, right = fig.subfigures(1, 2)
    _weight_tiles(left, before, norm, "before training")
    _weight_tiles(right, after, norm, "after training")
    fig.suptitle("What the second-layer neurons look for, before and after training",
                 fontsize="x-large")
    return _finish(fig, path)


def plot_training_history(history, path=None):
    """The training cost and the test accuracy after each epoch.

    history: the dict returned by train(...): history["cost"] (the average
    cost over the training set) and, when train was given test data,
    history["test_accuracy"] (fractions in [0, 1]). Learning is the cost
    rolling downhill; the test accuracy says whether what was learned also
    works on digits the network has never seen.
    """
    cost = list(history["cost"])
    accuracy = list(history.get("test_accuracy") or [])
    said = (f"Left: the training cost after each of {len(cost)} epochs, from {cost[0]:.3f} after the first "
            f"to {cost[-1]:.3f} after the last, lowest {min(cost):.3f} after epoch {int(np.argmin(cost)) + 1}. "
            if cost else "Left: no cost recorded. ")
    said += (f"Right: the test accuracy after each epoch, from {accuracy[0]:.1%} to {accuracy[-1]:.1%} "
             f"after the last, highest {max(accuracy):.1%}." if accuracy
             else "Right: empty, as train(...) was given no test data.")
    fig = Picture(figsize=(10, 3.8), layout="constrained", description=said)
    ax_cost, ax_accuracy = fig.subplots(1, 2)

    epochs = np.arange(1, len(cost) + 1)
    ax_cost.plot(epochs, cost, "o-", color="tab:blue")
    ax_cost.set_title("training cost (lower is better)")
    ax_cost.set_xlabel("epoch")
    ax_cost.set_ylabel("cost")

    ax_accuracy.set_title("test accuracy (higher is better)")
    ax_accuracy.set_xlabel("epoch")
    ax_accuracy.set_ylabel("test accuracy")
    ax_accuracy.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    if accuracy:
        epochs = np.arange(1, len(accuracy) + 1)
        ax_accuracy.plot(epochs, accuracy, "o-", color="tab:green")
        ax_accuracy.margins(y=0.2)  # room for the label of the last point
        ax_accuracy.annotate(f"{accuracy[-1]:.1%}", (epochs[-1], accuracy[-1]),
                             textcoords="offset points", xytext=(0, 8), ha="center")
    else:
        ax_accuracy.text(0.5, 0.5, "no test data given to train(...)", ha="center", va="center",
                         transform=ax_accuracy.transAxes, color="gray")
    for ax in (ax_cost, ax_accuracy):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle("Learning: the cost rolls downhill, epoch by epoch")
    return _finish(fig, path)


def plot_noise_experiment(weights, biases, rng=None, path=None):
    """Feed the network an image of pure noise and show its ten output activations.

    rng: a np.random.Generator (a fresh one if None) for the 784 uniform
    random pixel activations. Left: the noise image; right: the activation
    of each output neuron, the brightest (the network's answer) in orange.

    The lecture's experiment: a trained network usually answers confidently
    anyway. It was only ever asked "which digit is this?", so it has no
    neuron for "this is not a digit", and nothing in training made noise
    look unlike every digit; the brightest output neuron always wins.
    """
    rng = np.random.default_rng() if rng is None else rng
    noise = rng.uniform(0.0, 1.0, size=(SIDE * SIDE, 1))
    activations = np.asarray(feedforward(weights, biases, noise), dtype=float)[:, 0]
    guess = int(np.argmax(activations))
    top = activations[guess]

    fig = Picture(figsize=(10, 4), layout="constrained", description=(
        "Left: a 28 by 28 image of pure noise, every pixel a random grey. Right: bars of the ten output "
        "activations for it, " + ", ".join(f"{d}: {a:.2f}" for d, a in enumerate(activations))
        + f". The brightest is {guess} at {top:.2f}: the network answers {guess}"
        + (", confidently." if top >= 0.5 else ", not confidently.")))
    ax_image, ax_bars = fig.subplots(1, 2, width_ratios=[1, 1.6])
    ax_image.imshow(_image(noise), **PIXELS)
    ax_image.set_title("the input: 784 random pixels")
    ax_image.set_xticks([])
    ax_image.set_yticks([])

    colours = ["tab:orange" if d == guess else "tab:gray" for d in range(len(activations))]
    ax_bars.bar(np.arange(len(activations)), activations, color=colours)
    ax_bars.set_xticks(np.arange(len(activations)))
    ax_bars.set_ylim(0, 1.05)
    ax_bars.set_xlabel("digit")
    ax_bars.set_ylabel("activation")
    ax_bars.set_title("the output layer's answer")
    ax_bars.annotate(f"{top:.2f}", (guess, top), textcoords="offset points", xytext=(0, 3), ha="center")

    if top >= 0.5:
        headline = f"Pure noise, yet the network confidently answers {guess} anyway (activation {top:.2f})"
    else:
        headline = f"Pure noise, and the network still answers {guess} (activation {top:.2f}, not confident)"
    fig.suptitle(headline + "\nThere is no output neuron for \"not a digit\": the brightest one always wins")
    return _finish(fig, path)


def plot_most_wrong(weights, biases, X, labels, n=12, path=None):
    """The n images the network gets most confidently wrong.

    X: (784, m) images (e.g. the test set); labels: m ints. Among the images
    whose prediction differs from the label, the most wrong are those where
    the network's wrong answer is brightest: ranked by the activation of
    the (wrong) guessed digit's output neuron, highest first. (Not by the
    lowest activation of the true digit: that also ranks images the network
    gets right but unsure.) Each title reads "label 4, guess 9 (0.97)", the
    number being the guessed neuron's activation. Many of them are digits a
    person would hesitate over too.
    """
    X = np.asarray(X)
    labels = np.asarray(labels)
    activations = np.asarray(feedforward(weights, biases, X), dtype=float)
    guesses = np.asarray(predict(weights, biases, X))
    wrong = np.flatnonzero(guesses != labels)
    confidence = activations[guesses[wrong], wrong]
    worst = wrong[np.argsort(-confidence, kind="stable")][:n]

    count = max(1, len(worst))
    rows, cols = _grid(count)
    fig = Picture(figsize=(max(5.0, 2.0 * cols), 2.0 * rows + 0.7), layout="constrained", description=(
        f"The {len(worst)} images the network gets most confidently wrong, of its {len(wrong)} mistakes on "
        f"{X.shape[1]} images, each titled with its label, the network's guess and the guessed neuron's "
        "activation: " + "; ".join(f"label {labels[j]}, guess {guesses[j]} ({activations[guesses[j], j]:.2f})"
                                   for j in worst) + "." if len(worst) else
        f"No picture: the network gets all {X.shape[1]} images right."))
    if len(worst) == 0:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, f"no mistakes on these {X.shape[1]} images", ha="center", va="center")
    for tile, j in enumerate(worst):
        title = f"label {labels[j]}, guess {guesses[j]} ({activations[guesses[j], j]:.2f})"
        ax, _ = _tile(fig, rows, cols, tile, _image(X[:, j]), title, **PIXELS)
        ax.title.set_color(WRONG)
    fig.suptitle(f"Most confidently wrong: {len(worst)} of the network's "
                 f"{len(wrong)} mistakes on {X.shape[1]} images")
    return _finish(fig, path)


def plot_answers(weights, biases, examples, path=None):
    """Each image above the ten output activations it causes.

    examples: a list of (name, x) with x a (784, 1) image column. Top row:
    the images (0.0 black, 1.0 white); bottom row: the activation of each
    output neuron, the brightest (the network's answer) in orange.
    """
    answers = []
    for name, x in examples:
        out = np.asarray(feedforward(weights, biases, x), dtype=float).ravel()
        answers.append((name, np.asarray(x, dtype=float), out, int(np.argmax(out))))
    fig = Picture(figsize=(3.4 * len(answers), 5), layout="constrained", description=" ".join(
        f"{name}: the network says {guess}, activation {out[guess]:.2f}." for name, _, out, guess in answers))
    axes = fig.subplots(2, len(answers), height_ratios=[3, 2], squeeze=False)
    for (name, x, out, guess), image_ax, bar_ax in zip(answers, axes[0], axes[1]):
        image_ax.imshow(_image(x), **PIXELS)
        image_ax.set_title(name)
        image_ax.axis("off")
        bar_ax.bar(range(len(out)), out, color=["tab:orange" if d == guess else "tab:gray" for d in range(len(out))])
        bar_ax.set_xticks(range(len(out)))
        bar_ax.set_ylim(0, 1)
        bar_ax.set_title(f"the network says {guess} ({out[guess]:.2f})")
    return _finish(fig, path)
