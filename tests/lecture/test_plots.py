"""The pictures of solutions/06_mnist/plots.py (provided code for 06_mnist), drawn
from real MNIST digits and a reference network trained briefly.

Each figure is checked for what a student should see in it: the right number
of tiles, titles and axis labels, the data actually drawn, and a saved PNG
that is not blank.
"""
import importlib.util
import itertools
import re
import sys

import numpy as np
import pytest
from matplotlib.colors import same_color
from matplotlib.image import imread

from conftest import REPO

pytestmark = pytest.mark.mnist  # real MNIST digits

SOLUTIONS = REPO / "solutions"
PLOTS = SOLUTIONS / "06_mnist" / "plots.py"
# plots.py imports `forward`, as it will beside the provided forward.py in
# assignments/06_mnist; the reference modules stand in for it here (the
# engine puts the same folders on sys.path for its expected values).
for folder in sorted(SOLUTIONS.iterdir()):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

from data.mnist import load_mnist  # noqa: E402
from forward import feedforward, init_network  # noqa: E402
from cost import one_hot  # noqa: E402


def _load_plots():
    spec = importlib.util.spec_from_file_location("course_plots", PLOTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plots = _load_plots()


@pytest.fixture(scope="module")
def mnist():
    X_train, y_train, X_test, y_test = load_mnist()
    return X_train[:, :2000], y_train[:2000], X_test[:, :1000], y_test[:1000]


@pytest.fixture(scope="module")
def network(mnist):
    """(weights before, biases before, weights after, biases after, history):
    784-16-16-10 trained with the reference on 2,000 images for 2 epochs."""
    spec = importlib.util.spec_from_file_location("course_train", SOLUTIONS / "06_mnist" / "train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    X, y, X_test, y_test = mnist
    weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(0))
    trained_w, trained_b, history = train.train(weights, biases, X, one_hot(y), epochs=2, batch_size=10,
                                                learn_rate=3.0, rng=np.random.default_rng(1),
                                                X_test=X_test, labels_test=y_test)
    assert history["test_accuracy"][-1] > 0.5, "the reference should learn something in 2 epochs"
    return weights, biases, trained_w, trained_b, history


def says_more_than_its_titles(fig):
    """The figure's description says what it shows, with its numbers: with every title, axis label
    and text of the figure taken out, words and a digit are left (not "neuron 0. neuron 1. ...")."""
    description = " ".join(fig.description.split())
    figures = [fig, *fig.subfigs]
    shown = [f.get_suptitle() for f in figures if f.get_suptitle()]
    for ax in fig.get_axes():
        shown += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    if " ".join(" ".join(shown).split()) == description:
        return  # a message in place of a picture (e.g. no MNIST): its words are the picture
    left = description
    for text in sorted({" ".join(t.split()) for t in shown if t.strip()}, key=len, reverse=True):
        left = left.replace(text, " ")
    words = re.findall(r"[^\W\d_]{2,}", left)
    assert len(words) >= 8 and re.search(r"\d", left), (
        f"the description is little more than the figure's titles and labels: {fig.description!r}")


def image_axes(fig):
    """The axes that show a picture (not colorbars, not empty ones)."""
    return [ax for ax in fig.get_axes() if ax.get_images()]


def assert_png_drawn(path, min_variance, min_colourful=0.0):
    """The saved PNG holds a picture: its pixels vary more than an empty frame's
    (an empty axes with title scores about 0.0075) and, for coloured plots,
    enough of them are coloured rather than grey."""
    assert path.is_file(), f"{path} was not saved"
    pixels = imread(path)[..., :3]  # RGB in [0, 1]
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200, pixels.shape
    assert pixels.var() > min_variance, f"{path} looks blank (pixel variance {pixels.var():.5f})"
    colourful = np.mean(pixels.max(axis=-1) - pixels.min(axis=-1) > 0.25)
    assert colourful >= min_colourful, f"{path}: only {colourful:.2%} of the pixels are coloured"


def test_plots_is_provided_code_without_pyplot_state():
    source = PLOTS.read_text()
    assert "### BEGIN SOLUTION" not in source, "plots.py is provided in full: no solution regions"
    assert "pyplot" not in source and "plt.show" not in source, \
        "build Figures with the object-oriented API; pyplot keeps global state and shows twice in notebooks"


def test_plot_digits_shows_each_image_with_its_label(mnist, tmp_path):
    X, y = mnist[2], mnist[3]
    fig = plots.plot_digits(X, y, path=tmp_path / "digits.png")
    tiles = image_axes(fig)
    assert len(tiles) == 16
    assert [ax.get_title() for ax in tiles] == [f"label {d}" for d in y[:16]]
    for j, ax in enumerate(tiles):
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), X[:, j].reshape(28, 28))
        image = ax.get_images()[0]
        assert image.get_cmap().name == "gray", "as in the lecture: activation 0.0 is black, 1.0 is white"
        assert (image.norm.vmin, image.norm.vmax) == (0, 1)
    assert_png_drawn(tmp_path / "digits.png", 0.04)


def test_plot_digits_with_predictions_marks_wrong_guesses(mnist):
    X, y = mnist[2], mnist[3]
    guesses = y[:9].copy()
    guesses[4] = (y[4] + 1) % 10
    fig = plots.plot_digits(X, y, n=9, predictions=guesses)
    tiles = image_axes(fig)
    assert [ax.get_title() for ax in tiles] == [f"{d} (guess {g})" for d, g in zip(y[:9], guesses)]
    wrong = [j for j, ax in enumerate(tiles) if not same_color(ax.title.get_color(), "black")]
    assert wrong == [4]
    assert len(image_axes(plots.plot_digits(X[:, :5], y[:5]))) == 5, "n larger than m: one tile per image"


def test_first_layer_weights_one_tile_per_second_layer_neuron(network, tmp_path):
    trained = network[2]
    before = trained[0].copy()
    fig = plots.plot_first_layer_weights(trained, path=tmp_path / "weights.png")
    np.testing.assert_array_equal(trained[0], before)
    tiles = image_axes(fig)
    assert len(tiles) == 16
    assert fig.get_suptitle() == "What the second-layer neurons look for"
    largest = np.abs(trained[0]).max()
    for j, ax in enumerate(tiles):
        image = ax.get_images()[0]
        np.testing.assert_array_equal(image.get_array(), trained[0][j].reshape(28, 28))
        assert image.get_cmap().name == "RdBu"
        assert image.norm.vmin == -image.norm.vmax, "the colour scale is centred on zero"
        assert image.norm.vmax >= largest - 1e-12, "no weight is clipped"
    assert any(ax.get_images()[0].colorbar is not None for ax in tiles), "a colorbar for the weights"
    assert len(fig.get_axes()) == 17, "16 tiles and one colorbar"
    assert_png_drawn(tmp_path / "weights.png", 0.015, min_colourful=0.03)

    titled = plots.plot_first_layer_weights(trained[0] - network[0][0], title="How training changed them")
    assert titled.get_suptitle() == "How training changed them"
    assert len(image_axes(titled)) == 16


def test_weights_before_and_after_share_one_colour_scale(network, tmp_path):
    weights, trained = network[0], network[2]
    fig = plots.plot_weights_before_after(weights, trained, path=tmp_path / "before_after.png")
    tiles = image_axes(fig)
    assert len(tiles) == 32
    assert "before and after" in fig.get_suptitle()
    assert [sub.get_suptitle() for sub in fig.subfigs] == ["before training", "after training"]
    drawn = [ax.get_images()[0].get_array() for ax in tiles]
    np.testing.assert_array_equal(drawn[0], weights[0][0].reshape(28, 28))
    np.testing.assert_array_equal(drawn[16], trained[0][0].reshape(28, 28))
    scales = {(ax.get_images()[0].norm.vmin, ax.get_images()[0].norm.vmax) for ax in tiles}
    assert len(scales) == 1, "one colour scale for both grids"
    assert_png_drawn(tmp_path / "before_after.png", 0.015, min_colourful=0.03)


def test_training_history_cost_and_test_accuracy_per_epoch(network, tmp_path):
    history = network[4]
    fig = plots.plot_training_history(history, path=tmp_path / "history.png")
    ax_cost, ax_accuracy = fig.get_axes()
    assert (ax_cost.get_xlabel(), ax_cost.get_ylabel()) == ("epoch", "cost")
    assert (ax_accuracy.get_xlabel(), ax_accuracy.get_ylabel()) == ("epoch", "test accuracy")
    np.testing.assert_array_equal(ax_cost.get_lines()[0].get_xdata(), [1, 2])
    np.testing.assert_allclose(ax_cost.get_lines()[0].get_ydata(), history["cost"])
    np.testing.assert_allclose(ax_accuracy.get_lines()[0].get_ydata(), history["test_accuracy"])
    assert_png_drawn(tmp_path / "history.png", 0.01, min_colourful=0.002)

    without_test = plots.plot_training_history({"cost": [0.5, 0.3, 0.2]})
    assert len(without_test.get_axes()) == 2
    assert not without_test.get_axes()[1].get_lines()


def test_noise_experiment_shows_the_network_answer_to_random_pixels(network, tmp_path):
    weights, biases = network[2], network[3]
    fig = plots.plot_noise_experiment(weights, biases, rng=np.random.default_rng(7), path=tmp_path / "noise.png")
    ax_image, ax_bars = fig.get_axes()
    noise = np.asarray(ax_image.get_images()[0].get_array()).reshape(784, 1)
    assert 0 <= noise.min() and noise.max() <= 1 and noise.std() > 0.2, "uniform random pixels in [0, 1]"
    heights = [bar.get_height() for bar in ax_bars.patches]
    np.testing.assert_allclose(heights, feedforward(weights, biases, noise)[:, 0])
    assert (ax_bars.get_xlabel(), ax_bars.get_ylabel()) == ("digit", "activation")
    title = fig.get_suptitle()
    assert "noise" in title.lower() and str(int(np.argmax(heights))) in title and "answers" in title
    again = plots.plot_noise_experiment(weights, biases, rng=np.random.default_rng(7))
    assert [bar.get_height() for bar in again.get_axes()[1].patches] == heights, "same rng, same picture"
    assert_png_drawn(tmp_path / "noise.png", 0.04, min_colourful=0.005)


def test_most_wrong_ranks_mistakes_by_the_wrong_answer_activation(network, mnist, tmp_path):
    weights, biases = network[2], network[3]
    X, y = mnist[2], mnist[3]
    fig = plots.plot_most_wrong(weights, biases, X, y, path=tmp_path / "wrong.png")
    tiles = image_axes(fig)
    assert len(tiles) == 12
    output = feedforward(weights, biases, X)
    guesses = output.argmax(axis=0)
    confidences = []
    for ax in tiles:
        match = re.fullmatch(r"label (\d), guess (\d) \((\d\.\d\d)\)", ax.get_title())
        assert match, ax.get_title()
        label, guess, confidence = int(match[1]), int(match[2]), float(match[3])
        assert label != guess
        drawn = np.asarray(ax.get_images()[0].get_array()).reshape(784)
        column = int(np.flatnonzero((X == drawn[:, None]).all(axis=0))[0])
        assert (y[column], guesses[column]) == (label, guess)
        assert confidence == pytest.approx(output[guess, column], abs=0.005)
        confidences.append(output[guess, column])
    assert confidences == sorted(confidences, reverse=True)
    wrong = guesses != y
    assert confidences[0] == output[guesses[wrong], np.flatnonzero(wrong)].max()
    assert_png_drawn(tmp_path / "wrong.png", 0.04, min_colourful=0.002)

    right = np.flatnonzero(~wrong)[:20]
    none_wrong = plots.plot_most_wrong(weights, biases, X[:, right], y[right])
    assert not image_axes(none_wrong)
    assert "0 of the network's 0 mistakes" in none_wrong.get_suptitle()


def test_every_figure_shows_itself_as_png_in_a_notebook(network, mnist):
    """IPython's own display formatter (what Jupyter calls on a cell's last value)
    turns each figure into an image/png, without pyplot or a backend set up."""
    from IPython.core.formatters import DisplayFormatter

    weights, biases, trained_w, trained_b, history = network
    X, y = mnist[2], mnist[3]
    figures = {
        "plot_digits": plots.plot_digits(X, y),
        "plot_first_layer_weights": plots.plot_first_layer_weights(trained_w),
        "plot_weights_before_after": plots.plot_weights_before_after(weights, trained_w),
        "plot_training_history": plots.plot_training_history(history),
        "plot_noise_experiment": plots.plot_noise_experiment(trained_w, trained_b, rng=np.random.default_rng(0)),
        "plot_most_wrong": plots.plot_most_wrong(trained_w, trained_b, X, y),
    }
    figures["plot_answers"] = plots.plot_answers(trained_w, trained_b, [("a 3", X[:, [18]]), ("black", 0 * X[:, [0]])])
    formatter = DisplayFormatter()
    for name, fig in figures.items():
        data, metadata = formatter.format(fig)
        assert "image/png" in data, f"{name} would show as text: {data.get('text/plain')}"
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n", name
        assert metadata["image/png"]["alt"] == data["text/plain"] == fig.description, name
        says_more_than_its_titles(fig)


def test_06_alt_text_gives_the_numbers_drawn(network):
    weights, _, trained_w, _, history = network
    fig = plots.plot_training_history(history)
    cost, accuracy = history["cost"], history["test_accuracy"]
    for number in (f"{cost[0]:.3f}", f"{cost[-1]:.3f}", f"{accuracy[-1]:.1%}"):
        assert number in fig.description, (number, fig.description)
    assert "no test data" in plots.plot_training_history({"cost": [0.5, 0.3]}).description

    before_after = plots.plot_weights_before_after(weights, trained_w)
    change = trained_w[0] - weights[0]
    kept = int(np.sum(np.all(change == 0, axis=0)))
    assert f"{kept} of the 784 pixels kept their starting weights exactly" in before_after.description
    assert kept > 0, "pixels without ink in 2,000 training digits keep their weights"
    assert "neuron 0." not in before_after.description
    largest = max(np.abs(weights[0]).max(), np.abs(trained_w[0]).max())
    assert f"from {-largest:.2f} to {largest:.2f}" in before_after.description


# ---------------------------------------------------------------- the pictures of 01 to 05

def _load(assignment_id):
    """solutions/<id>/plots.py under its own name (every assignment's file is called plots.py)."""
    spec = importlib.util.spec_from_file_location(f"plots_{assignment_id}", SOLUTIONS / assignment_id / "plots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import neuron  # noqa: E402
import forward  # noqa: E402
import cost  # noqa: E402
import descent  # noqa: E402
import backprop  # noqa: E402


def shown_in_a_notebook(fig):
    """What Jupyter stores for the figure: (data, metadata), through IPython's own formatter."""
    from IPython.core.formatters import DisplayFormatter

    data, metadata = DisplayFormatter().format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "<Figure size" not in data["text/plain"]
    assert metadata["image/png"]["alt"] == data["text/plain"] == fig.description
    says_more_than_its_titles(fig)
    return data, metadata


def pixels(fig):
    """The figure drawn, as an RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def texts_fit_and_do_not_overlap(fig, texts):
    """Every text inside the figure, and no two of texts on top of each other (in pixels)."""
    pixels(fig)  # draws the figure: the extents below are the drawn ones
    renderer = fig.canvas.get_renderer()
    figure = fig.bbox
    boxes = [t.get_window_extent(renderer) for t in texts]
    for text, box in zip(texts, boxes):
        assert figure.x0 - 1 <= box.x0 and box.x1 <= figure.x1 + 1 and box.y1 <= figure.y1 + 1, (
            f"{text.get_text()!r} is cut off at the figure's edge: {box} outside {figure}")
    for (a, box_a), (b, box_b) in itertools.combinations(zip(texts, boxes), 2):
        assert not box_a.overlaps(box_b), f"{a.get_text()!r} and {b.get_text()!r} are drawn on top of each other"


def test_provided_plots_of_every_assignment_use_no_pyplot():
    for folder in ("01_neuron", "02_forward", "03_cost", "04_gradient_descent", "05_backprop", "06_mnist"):
        source = (SOLUTIONS / folder / "plots.py").read_text()
        assert "pyplot" not in source and "### BEGIN SOLUTION" not in source, folder


def test_01_activations_and_layer_are_drawn_with_the_students_functions():
    plots01 = _load("01_neuron")
    fig = plots01.plot_activations(neuron.sigmoid, neuron.sigmoid_prime, neuron.relu, neuron.relu_prime)
    left, right = fig.get_axes()
    z = left.get_lines()[0].get_xdata()
    np.testing.assert_allclose(left.get_lines()[0].get_ydata(), neuron.sigmoid(z))
    np.testing.assert_allclose(right.get_lines()[1].get_ydata(), neuron.relu_prime(z))
    data, _ = shown_in_a_notebook(fig)
    assert "through 0.50 at z = 0" in fig.description and "highest at 0.250" in fig.description

    layer = plots01.plot_layer_example(neuron.weighted_sum, neuron.neuron, neuron.relu)
    text = " ".join(t.get_text() for t in layer.get_axes()[0].texts)
    for number in ("1.20", "0.39", "2.79", "3.20", "1.39", "-0.21", "0.00"):
        assert number in text, number
    assert "step 3, ReLU gives 0.00" in layer.description
    shown_in_a_notebook(layer)
    no_bias = plots01.plot_layer_example(neuron.weighted_sum, lambda w, a, b, activation: activation(
        neuron.weighted_sum(w, a)), neuron.relu)
    assert "ReLU gives 2.79" in no_bias.description, "a neuron that forgets its bias draws 2.79, not 0"
    weight_labels = [t for t in layer.get_axes()[0].texts if t.get_text() in {"0.6", "0.9", "1.2", "0.7", "0.4"}]
    assert len(weight_labels) == 6
    texts_fit_and_do_not_overlap(layer, weight_labels)
    renderer = layer.canvas.get_renderer()
    connections = [line.get_transform().transform(np.linspace(*line.get_xydata(), 200))
                   for line in layer.get_axes()[0].get_lines()]
    for label in weight_labels:  # each label sits on its own line, clear of the lines that cross it
        box = label.get_window_extent(renderer)
        inside = [np.any((box.x0 < xy[:, 0]) & (xy[:, 0] < box.x1) & (box.y0 < xy[:, 1]) & (xy[:, 1] < box.y1))
                  for xy in connections]
        assert sum(inside) == 1, f"the weight label {label.get_text()} sits on {sum(inside)} connections"


def test_02_network_picture_drawn_with_a_wrong_feedforward_differs():
    plots02 = _load("02_forward")
    weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(0))
    three = plots02.example_three()
    assert three.shape == (784, 1) and three.min() == 0.0 and three.max() == 1.0

    def no_biases(weights, biases, a, activation=neuron.sigmoid):
        """A typical bug: the biases are never added."""
        for W in weights:
            a = activation(W @ a)
        return a

    right = plots02.plot_network(forward.feedforward, weights, biases, three)
    wrong = plots02.plot_network(no_biases, weights, biases, three)
    again = plots02.plot_network(forward.feedforward, weights, biases, three)
    shown_in_a_notebook(right)
    assert np.array_equal(pixels(right), pixels(again)), "the same network draws the same picture"
    differ = np.mean(np.any(pixels(right) != pixels(wrong), axis=-1))
    assert differ > 0.005, f"a feedforward without biases changes only {differ:.2%} of the picture"
    assert right.description != wrong.description
    assert "the bias is missing" in wrong.description and "the bias is missing" not in right.description
    worked = re.search(r"Neuron (\d+) of hidden layer 1 .*σ\(W a \+ b\) = (\d\.\d+); your feedforward: (\d\.\d+)",
                       right.description)
    j, wanted, yours = int(worked.group(1)), float(worked.group(2)), float(worked.group(3))
    assert wanted == yours == round(float(feedforward(weights[:1], biases[:1], three)[j, 0]), 3)
    axes = right.get_axes()[0]
    texts_fit_and_do_not_overlap(right, [axes.title, *axes.texts])
    greys = [float(p.get_facecolor()[0]) for p in right.get_axes()[0].patches]
    expected = np.concatenate([np.clip(feedforward(weights[:l], biases[:l], three), 0, 1).ravel()
                               for l in (1, 2, 3)])
    np.testing.assert_allclose(greys, expected, atol=1 / 255), "each neuron as bright as its activation"

    params = plots02.plot_parameters(forward.count_parameters, [784, 16, 16, 10])
    assert "13,002" in params.get_suptitle()
    assert "12544 weights and 16 biases" in params.description
    shown_in_a_notebook(plots02.plot_input(three))


def test_03_cost_of_the_three_adds_the_students_squares():
    from autograder.toolkit import lecture

    plots03 = _load("03_cost")
    output = np.array(lecture.THREE.output).reshape(10, 1)
    fig = plots03.plot_cost_of_three(cost.example_cost, output, cost.one_hot(3))
    heights = [bar.get_height() for bar in fig.get_axes()[1].patches]
    np.testing.assert_allclose(heights, lecture.THREE.squared_terms, atol=2e-4)
    assert "add up to 3.37 and your example_cost gives 3.37" in fig.description
    mean = plots03.plot_cost_of_three(lambda o, y: float(np.mean((o - y) ** 2)), output, cost.one_hot(3))
    assert "your example_cost gives 0.34" in mean.description, "the mean instead of the sum shows in the picture"
    texts_fit_and_do_not_overlap(fig, [ax.title for ax in fig.get_axes()])
    shown_in_a_notebook(fig)

    weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(0))
    X = np.random.default_rng(1).random((784, 8))
    Y = cost.one_hot(np.arange(8))
    costs = plots03.plot_example_costs(cost.example_cost, cost.average_cost, feedforward, weights, biases, X, Y)
    ax = costs.get_axes()[0]
    bars = [bar.get_height() for bar in ax.patches]
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(np.mean(bars))
    shown_in_a_notebook(costs)


def test_04_learning_rates_draw_the_students_paths():
    plots04 = _load("04_gradient_descent")
    fig = plots04.plot_learning_rates(descent.gradient_descent)
    small, right, large = fig.get_axes()[:3]
    ends = [np.array([ax.get_lines()[0].get_xdata()[-1], ax.get_lines()[0].get_ydata()[-1]]) for ax in (small, right, large)]
    assert plots04.bowl(*ends[1]) < 0.05 < plots04.bowl(*ends[0]) < plots04.bowl(*ends[2])
    shown_in_a_notebook(fig)

    overshoot = plots04.plot_overshoot(descent.gradient_descent)
    paths = [ax.get_lines()[1].get_xdata() for ax in overshoot.get_axes()]
    np.testing.assert_allclose(paths[1][:4], [10.0, -6.0, 3.6, -2.16])
    np.testing.assert_allclose(paths[2][:3], [10.0, -12.0, 14.4])
    assert "Learning rate 1.1: 8 steps" in overshoot.description
    shown_in_a_notebook(overshoot)
    _, history = descent.gradient_descent(plots04.bowl_gradient, np.array([8.0, 3.0]), 0.2)
    bowl_path = plots04.plot_bowl_path(history)
    np.testing.assert_allclose(bowl_path.get_axes()[0].get_lines()[0].get_ydata(), [p[1] for p in history])
    shown_in_a_notebook(bowl_path)
    shown_in_a_notebook(plots04.plot_path([10.0, 6.0, 3.6]))
    shown_in_a_notebook(plots04.plot_sgd([[0, 0], [1, 0.5]], [[0, 0], [0.5, 0.2], [2, 1]]))


def test_05_gradient_pictures_come_from_the_students_backprop():
    plots05 = _load("05_backprop")
    weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(3))
    three, y = plots05.example_three(), cost.one_hot(3)
    grad_w, grad_b = backprop.backprop(weights, biases, three, y)

    nudges = plots05.plot_output_nudges(backprop.backprop, weights, biases, three, y)
    bars = [bar.get_height() for bar in nudges.get_axes()[0].patches]
    np.testing.assert_allclose(bars[:10], (y - feedforward(weights, biases, three)).ravel())
    np.testing.assert_allclose(bars[10:], -grad_b[-1].ravel())
    shown_in_a_notebook(nudges)

    output = plots05.plot_output_weight_gradients(backprop.backprop, weights, biases, three, y)
    np.testing.assert_allclose(output.get_axes()[0].get_images()[0].get_array(), grad_w[-1])
    first = plots05.plot_first_layer_gradients(backprop.backprop, weights, biases, three, y)
    tiles = image_axes(first)
    assert len(tiles) == 16
    np.testing.assert_allclose(tiles[5].get_images()[0].get_array(), grad_w[0][5].reshape(28, 28))
    shown_in_a_notebook(first)

    check = plots05.plot_gradient_check(grad_w, grad_w)
    assert "relative error 0.0e+00" in check.description and " 0 off it" in check.description
    halved = plots05.plot_gradient_check([g / 2 for g in grad_w], grad_w)
    assert " 0 off it" not in halved.description


def test_03_random_against_trained_on_real_digits():
    from trained_network import trained_network

    plots03 = _load("03_cost")
    random = init_network([784, 16, 16, 10], np.random.default_rng(0))
    trained = trained_network()
    fig = plots03.plot_random_against_trained(cost.example_cost, cost.average_cost, feedforward,
                                             random, trained, load_mnist, n=300)
    shown_in_a_notebook(fig)
    ax = fig.get_axes()[0]
    X, labels = load_mnist()[2:]
    X, Y = X[:, :300], cost.one_hot(labels[:300])
    averages = [line.get_xdata()[0] for line in ax.get_lines()]
    assert averages == pytest.approx([cost.average_cost(*random, X, Y), cost.average_cost(*trained, X, Y)])
    assert averages[1] < 0.5 < 2 < averages[0], "a trained network costs far less than a random one"
    counted = [int(re.search(r"(\d+) of 300 digits right", part).group(1))
               for part in fig.description.split("The ")[1:]]
    assert counted[0] < 60 and counted[1] >= 255, "about 1 in 10 right by chance, about 9 in 10 trained"
    assert sum(p.get_height() for p in ax.patches) == 600, "each histogram counts the 300 examples"

    summed = plots03.plot_random_against_trained(
        cost.example_cost, lambda w, b, X, Y: 300 * cost.average_cost(w, b, X, Y), feedforward,
        random, trained, load_mnist, n=300)
    assert summed.description != fig.description, "a wrong average_cost moves the dashed lines"

    def offline():
        raise FileNotFoundError("cannot find the MNIST files (train-images-idx3-ubyte.gz and three more) in: /nowhere")

    missing = plots03.plot_random_against_trained(cost.example_cost, cost.average_cost, feedforward,
                                                 random, trained, offline)
    data, _ = shown_in_a_notebook(missing)
    assert missing.description.startswith("MNIST could not be loaded") and "/nowhere" in missing.description


def test_03_trained_network_holds_numbers_only_and_as_the_generator_writes_them():
    """The trained network 03 provides: no code of 04 to 06 (no training, no gradients), small,
    and exactly the block autograder/authoring/trained_network.py writes for its own numbers."""
    from autograder.authoring import trained_network as generator
    from trained_network import trained_network

    import ast

    source = (SOLUTIONS / "03_cost" / "trained_network.py").read_text()
    tree = ast.parse(source)
    assert [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))] == \
        ["trained_network"], "one function, which decodes the numbers"
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names]
    assert imported == ["base64", "zlib", "numpy"], "no course module: nothing of 04 to 06 comes along"
    assert len(source) < 20_000
    weights, biases = trained_network()
    assert [w.shape for w in weights] == [(16, 784), (16, 16), (10, 16)]
    assert [b.shape for b in biases] == [(16, 1), (16, 1), (10, 1)]
    assert generator.block(weights, biases) in source, "regenerating from its own numbers changes nothing"


@pytest.mark.parametrize("wrong, got", [
    (lambda a: a.ravel(), "(10,)"),                    # squeezed: a flat vector
    (lambda a: np.hstack([a, a]).T, "(2, 10)"),        # one row per example (here the input twice)
])
def test_02_network_of_a_feedforward_with_the_wrong_shape_says_so(wrong, got):
    """Never a traceback inside provided code: the figure names the shape expected and the shape got."""
    plots02 = _load("02_forward")
    weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(0))

    def misshapen(weights, biases, a, activation=neuron.sigmoid):
        for W, b in zip(weights, biases):
            a = activation(W @ a + b)
        return wrong(a)

    fig = plots02.plot_network(misshapen, weights, biases, plots02.example_three())
    shown_in_a_notebook(fig)
    assert f"The output layer: shape {got}, expected (10, 1)" in fig.description, fig.description
    assert "hidden layer 1: shape" in fig.description
    drawn = " ".join(t.get_text() for ax in fig.get_axes() for t in ax.texts)
    assert f"shape {got}, expected (10, 1)" in " ".join(drawn.split()), "the message is in the picture too"
    assert not [p for ax in fig.get_axes() for p in ax.patches], "no network drawn from the wrong numbers"


def test_02_parameter_chart_shows_every_layers_biases():
    """16 biases beside 12,544 weights: each layer's orange bar is wide enough to see, and is missing
    when count_parameters forgets the biases (what the notebook's caption promises)."""
    plots02 = _load("02_forward")
    fig = plots02.plot_parameters(forward.count_parameters, [784, 16, 16, 10])
    shown_in_a_notebook(fig)
    assert "13,002" in fig.get_suptitle()
    pixels(fig)
    renderer = fig.canvas.get_renderer()
    orange = [p for ax in fig.get_axes() for p in ax.patches if same_color(p.get_facecolor(), "tab:orange")]
    assert [p.get_width() for p in orange] == [16, 16, 10]
    widths = [p.get_window_extent(renderer).width for p in orange]
    assert min(widths) > 30, f"the biases are {widths} pixels wide: too thin to see"
    texts_fit_and_do_not_overlap(fig, [t for ax in fig.get_axes() for t in (*ax.texts, ax.xaxis.label)])

    forgotten = plots02.plot_parameters(lambda sizes: sum(a * b for a, b in zip(sizes, sizes[1:])),
                                        [784, 16, 16, 10])
    orange = [p for ax in forgotten.get_axes() for p in ax.patches if same_color(p.get_facecolor(), "tab:orange")]
    assert [p.get_width() for p in orange] == [0, 0, 0] and "12544 weights and 0 biases" in forgotten.description
