"""Public tests for 06_mnist: evaluate and train.

Run them from the course folder with

    pytest assignments/06_mnist -q

(or just `pytest -q` inside this folder). They are quick: train is tried on a
tiny made-up problem (2 input neurons), not on MNIST. Passing them is a good
sign, not a guarantee: the hidden graders check more (they train the
784-16-16-10 network on MNIST and require at least 85% test accuracy, and
check shapes, types and that your inputs are left unchanged). neuron.py,
forward.py, cost.py, descent.py, backprop.py and mnist.py are provided.
"""
import sys

import numpy as np

# Import this folder's modules even if pytest runs several assignments at once.
for _name in ("neuron", "forward", "cost", "descent", "backprop", "mnist", "train"):
    sys.modules.pop(_name, None)
import train  # noqa: E402
from cost import one_hot  # noqa: E402


def test_evaluate_on_a_hand_made_network():
    # One layer that copies (a scaled) input to the output: the brightest input wins.
    weights, biases = [4.0 * np.eye(3)], [np.zeros((3, 1))]
    X = np.array([[0.9, 0.1, 0.2, 0.0],
                  [0.1, 0.2, 0.3, 0.6],
                  [0.0, 0.7, 0.1, 0.4]])  # the network answers 0, 2, 1, 1
    got = train.evaluate(weights, biases, X, np.array([0, 2, 1, 2]))
    assert isinstance(got, float), f"evaluate should return a float. Got {type(got).__name__}."
    hint = " That is the number right, not the fraction: divide by m." if got == 3 else ""
    assert np.isclose(got, 0.75), (
        f"The network answers 0, 2, 1, 1 (its brightest output neuron per column) and the labels "
        f"are 0, 2, 1, 2: 3 of 4 right, so evaluate should be 0.75. Got {got}.{hint}")
    assert train.evaluate(weights, biases, X, [0, 2, 1, 1]) == 1.0, (
        "With labels 0, 2, 1, 1 every answer is right: evaluate should be 1.0.")


def _tiny_problem(m, seed):
    """Points in the unit square; the label says which coordinate is bigger."""
    rng = np.random.default_rng(seed)
    X = rng.random((2, m))
    labels = (X[1] > X[0]).astype(int)
    return X, labels


def _tiny_network(seed):
    rng = np.random.default_rng(seed)
    return ([rng.standard_normal((4, 2)), rng.standard_normal((2, 4))],
            [rng.standard_normal((4, 1)), rng.standard_normal((2, 1))])


def test_train_makes_the_cost_roll_downhill():
    X, labels = _tiny_problem(60, seed=0)
    Y = one_hot(labels, n_classes=2)
    weights, biases = _tiny_network(seed=1)
    weights_before = [w.copy() for w in weights]
    biases_before = [b.copy() for b in biases]
    new_weights, new_biases, history = train.train(weights, biases, X, Y, epochs=5, batch_size=10,
                                                   learn_rate=3.0, rng=np.random.default_rng(2))
    assert isinstance(history, dict) and "cost" in history, (
        f"train returns (weights, biases, history) with history a dict holding a list "
        f"history['cost']. Got history = {history!r}.")
    cost = list(history["cost"])
    assert len(cost) == 5, (
        f"history['cost'] has one training cost per epoch: 5 for epochs=5. Got {len(cost)}.")
    assert cost[-1] < cost[0], (
        f"Learning is the cost rolling downhill, but the training cost went from {cost[0]:.4f} "
        f"(epoch 1) to {cost[-1]:.4f} (epoch 5). Do you step against the gradient "
        f"(sgd_step subtracts it) and keep the updated weights for the next mini-batch?")
    for before, after, name in ((weights_before, new_weights, "weights"), (biases_before, new_biases, "biases")):
        assert [np.shape(p) for p in after] == [p.shape for p in before], (
            f"The trained {name} should have the same shapes as the starting ones.")
    assert any(not np.allclose(a, b) for a, b in zip(new_weights, weights_before)), (
        "The returned weights are the starting ones: return the trained network.")
    for before, given, name in ((weights_before, weights, "weights"), (biases_before, biases, "biases")):
        for b, g in zip(before, given):
            np.testing.assert_array_equal(g, b, err_msg=(
                f"train changed the {name} it was given: the starting network must stay as it "
                f"was. sgd_step returns new arrays; don't update in place (w -= ...)."))


def test_train_records_test_accuracy_each_epoch():
    X, labels = _tiny_problem(40, seed=3)
    X_test, labels_test = _tiny_problem(20, seed=4)
    weights, biases = _tiny_network(seed=5)
    _, _, history = train.train(weights, biases, X, one_hot(labels, n_classes=2), epochs=3,
                                batch_size=8, learn_rate=3.0, rng=np.random.default_rng(6),
                                X_test=X_test, labels_test=labels_test)
    accuracy = list(history.get("test_accuracy", []))
    assert len(accuracy) == 3, (
        f"With test data, history['test_accuracy'] has one value per epoch: 3 for epochs=3. "
        f"Got {accuracy!r}.")
    assert all(0.0 <= a <= 1.0 for a in accuracy), (
        f"Test accuracies are fractions in [0, 1] (use evaluate). Got {accuracy}.")
    assert len(history["cost"]) == 3, "history['cost'] should still have one value per epoch."
