"""The lecture's numbers and the student API, read from lecture.toml beside this file
(written once there; the hidden graders and the repository's tests import them from here).
"""
import tomllib
from dataclasses import dataclass
from pathlib import Path

_DATA = tomllib.loads((Path(__file__).with_name("lecture.toml")).read_text(encoding="utf-8"))


def _tuples(rows):
    """[[3.2], [1.39]] -> ((3.2,), (1.39,)): the numbers, immutable."""
    return tuple(tuple(row) for row in rows)


# The network of the lecture: 28 x 28 pixels in, two hidden layers of 16, one neuron per digit.
SIZES = tuple(_DATA["network"]["sizes"])
WEIGHTS = _DATA["network"]["weights"]          # 12,960
BIASES = _DATA["network"]["biases"]            # 42: one per neuron after the input layer
PARAMETERS = _DATA["network"]["parameters"]    # 13,002

# The sigmoid at its threshold, and its slope there.
SIGMOID_AT_ZERO = _DATA["sigmoid"]["at_zero"]
SIGMOID_PRIME_AT_ZERO = _DATA["sigmoid"]["prime_at_zero"]

# Bias as a threshold, one neuron's weighted sum, and the third neuron of the ReLU layer.
_NEURON = _DATA["neuron"]
THRESHOLD_BIAS = _NEURON["threshold_bias"]
WEIGHTED_SUM_W, WEIGHTED_SUM_A, WEIGHTED_SUM = _NEURON["weighted_sum_w"], _NEURON["weighted_sum_a"], _NEURON["weighted_sum"]
THIRD_NEURON_W, THIRD_NEURON_A = _NEURON["third_neuron_w"], _NEURON["third_neuron_a"]
THIRD_NEURON_SUM = _NEURON["third_neuron_sum"]

# The ReLU layer, step by step: W a = 1.2, 0.39, 2.79; + b = 3.2, 1.39, -0.21; ReLU = 3.2, 1.39, 0.
_LAYER = _DATA["relu_layer"]
RELU_LAYER_W, RELU_LAYER_A, RELU_LAYER_B = _tuples(_LAYER["W"]), _tuples(_LAYER["a"]), _tuples(_LAYER["b"])
RELU_LAYER_WEIGHTED, RELU_LAYER_Z = _tuples(_LAYER["weighted"]), _tuples(_LAYER["z"])
RELU_LAYER_OUTPUT = _tuples(_LAYER["output"])


@dataclass(frozen=True)
class Three:
    """An untrained network shown a "3": its output activations, the squared terms
    (a_i - y_i)^2 against one_hot(3) as shown on screen, and the cost to two decimals."""
    output: tuple
    squared_terms: tuple
    cost: float
    where: str


THREES = tuple(Three(tuple(t["output"]), tuple(t["squared_terms"]), t["cost"], t["where"]) for t in _DATA["threes"])
THREE, SECOND_THREE = THREES
THREE_LABEL = _DATA["backprop"]["three_label"]

# Backprop must agree with numerical_gradient to a relative error below this (float64).
GRADIENT_CHECK_RELATIVE_ERROR = _DATA["backprop"]["gradient_check_relative_error"]

# The student API: "ID/module.py" -> its functions' signatures, e.g. "neuron(w, a, b, activation=sigmoid)".
API = {key: tuple(signatures) for key, signatures in _DATA["api"].items()}
