"""Public tests for 04_gradient_descent: rolling downhill on the cost.

Run them from the course folder with

    pytest assignments/04_gradient_descent -q

(or just `pytest -q` inside this folder). A test that fails tells you what to
fix. Passing them is a good sign, not a guarantee: the hidden graders check
more (seeded random starts and gradients, shapes and types, inputs left
unchanged).
"""
import sys

import numpy as np

# Import this folder's module even if pytest runs several assignments at once.
sys.modules.pop("descent", None)
import descent  # noqa: E402


def slope_of_x_squared(x):
    """The gradient of C(x) = x^2: 2x. The minimum is at x = 0."""
    return 2 * x


def test_gradient_descent_rolls_down_x_squared():
    x, history = descent.gradient_descent(slope_of_x_squared, 10.0, 0.2)
    assert isinstance(history, list), f"history should be a list. Got {type(history).__name__}."
    np.testing.assert_allclose(
        history[:4], [10.0, 6.0, 3.6, 2.16], rtol=1e-12,
        err_msg="Starting at 10 with learn_rate 0.2, each step is -0.2 x 2x: x goes 10, 6, 3.6, "
                "2.16, ... towards the minimum at 0. history starts with start itself.")
    assert abs(x) < 1e-5, f"After the steps x should be near the minimum 0. Got {x}."
    assert x == history[-1], f"The returned x should be the last point of history. Got {x} and {history[-1]}."


def test_gradient_descent_stops_at_tolerance():
    # 10 x 0.6^k: the step 0.4 x falls to 1e-6 or below once x <= 2.5e-6, after 30 steps.
    x, history = descent.gradient_descent(slope_of_x_squared, 10.0, 0.2, n_iter=1000)
    assert len(history) == 31, (
        f"Near the minimum the steps shrink; when a step is no bigger than tolerance (1e-6) "
        f"stop WITHOUT taking it. From 10 that happens after 30 steps, so history has the start "
        f"and 30 points: 31 entries. Got {len(history)}.")
    np.testing.assert_allclose(x, 10.0 * 0.6 ** 30, rtol=1e-9,
                               err_msg="x should be 10 x 0.6^30 = 2.21e-06 after 30 steps.")
    x, history = descent.gradient_descent(lambda x: 1e-7, 1.0, 1.0)
    assert x == 1.0 and history == [1.0], (
        f"The first step -1.0 x 1e-7 is already below tolerance: gradient_descent should return "
        f"the start unchanged and history [1.0]. Got x = {x}, history = {history}.")


def test_gradient_descent_takes_at_most_n_iter_steps():
    x, history = descent.gradient_descent(slope_of_x_squared, 10.0, 0.2, n_iter=3)
    assert len(history) == 4, (
        f"n_iter=3 allows at most 3 steps: history is [start, x1, x2, x3]. Got {len(history)} entries.")
    assert np.isclose(x, 2.16), f"After 3 steps from 10: 6, 3.6, 2.16. Got {x}."


def test_gradient_descent_with_an_array_start():
    start = np.array([10.0, -5.0])
    x, history = descent.gradient_descent(slope_of_x_squared, start, 0.2, n_iter=2)
    np.testing.assert_array_equal(start, [10.0, -5.0], err_msg=(
        "start was changed: x += step updates the array in place. Use x = x + step (and copy start)."))
    assert len(history) == 3, f"n_iter=2: history should be [start, x1, x2]. Got {len(history)} entries."
    np.testing.assert_allclose(
        np.array(history, dtype=float), [[10.0, -5.0], [6.0, -3.0], [3.6, -1.8]], rtol=1e-12,
        err_msg="Every component rolls downhill: [10, -5], [6, -3], [3.6, -1.8]. If all entries "
                "of history are equal, they are the same array changed in place: append a copy.")
    np.testing.assert_allclose(x, [3.6, -1.8], rtol=1e-12)


def test_sgd_step():
    params = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5], [-0.5]])]
    grads = [np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([[2.0], [2.0]])]
    got = descent.sgd_step(params, grads, 0.5)
    assert isinstance(got, list) and len(got) == 2, (
        f"sgd_step returns a new list with one array per parameter array. Got {got!r}.")
    np.testing.assert_allclose(got[0], [[0.5, 2.0], [3.0, 4.5]],
                               err_msg="Each parameter moves against its gradient: p - learn_rate * g.")
    np.testing.assert_allclose(got[1], [[-0.5], [-1.5]],
                               err_msg="Each parameter moves against its gradient: p - learn_rate * g.")
    np.testing.assert_array_equal(params[0], [[1.0, 2.0], [3.0, 4.0]], err_msg=(
        "params was changed in place (p -= ...): build new arrays, p - learn_rate * g."))


def test_mini_batches_sizes():
    for n, batch_size, sizes in ((5, 2, [2, 2, 1]), (10, 5, [5, 5]), (3, 10, [3])):
        batches = descent.mini_batches(n, batch_size, np.random.default_rng(0))
        got = [len(batch) for batch in batches]
        assert got == sizes, (
            f"mini_batches({n}, {batch_size}, rng) cuts the {n} shuffled indices into pieces of "
            f"{batch_size}, the last one possibly shorter: sizes {sizes}. Got sizes {got}.")
        assert sorted(np.concatenate(batches).tolist()) == list(range(n)), (
            f"Every index 0..{n - 1} should appear in exactly one mini-batch.")


def test_mini_batches_are_shuffled_with_rng():
    batches = descent.mini_batches(20, 6, np.random.default_rng(42))
    order = np.concatenate(batches)
    assert order.tolist() != list(range(20)), (
        "The mini-batches are in order 0, 1, 2, ...: shuffle first, so each mini-batch is a "
        "random sample of the training data.")
    np.testing.assert_array_equal(order, np.random.default_rng(42).permutation(20), err_msg=(
        "Shuffle with rng.permutation(n) (the rng you were given) and cut that order into pieces."))
