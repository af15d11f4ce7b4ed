"""The lecture's numbers, written once (../shared/COURSE_SPEC.md, "Known numbers";
the lecture notes in ../shared/seeds/). The hidden graders and the repo's tests
import them from here.
"""
from dataclasses import dataclass

# The network of the lecture: 28 x 28 pixels in, two hidden layers of 16, one neuron per digit.
SIZES = (784, 16, 16, 10)
WEIGHTS = 784 * 16 + 16 * 16 + 16 * 10   # 12,960
BIASES = 16 + 16 + 10                    # 42: one per neuron after the input layer
PARAMETERS = WEIGHTS + BIASES            # 13,002

# The sigmoid at its threshold, and its slope there.
SIGMOID_AT_ZERO = 0.5
SIGMOID_PRIME_AT_ZERO = 0.25

# Bias as a threshold: a neuron that lights up only when its weighted sum exceeds 10.
THRESHOLD_BIAS = -10.0

# One neuron: 0.6 x 2 = 1.2, and the third neuron of the ReLU layer before its bias.
WEIGHTED_SUM_W, WEIGHTED_SUM_A, WEIGHTED_SUM = [0.6], [2.0], 1.2
THIRD_NEURON_W, THIRD_NEURON_A, THIRD_NEURON_SUM = [1.2, 0.7, 0.4], [2.0, 0.5, 0.1], 2.79

# The ReLU layer, step by step (seed 000): W a = 1.2, 0.39, 2.79; + b = 3.2, 1.39, -0.21; ReLU = 3.2, 1.39, 0.
RELU_LAYER_W = ((0.6, 0.0, 0.0), (0.0, 0.6, 0.9), (1.2, 0.7, 0.4))
RELU_LAYER_A = ((2.0,), (0.5,), (0.1,))
RELU_LAYER_B = ((2.0,), (1.0,), (-3.0,))
RELU_LAYER_WEIGHTED = ((1.2,), (0.39,), (2.79,))
RELU_LAYER_Z = ((3.2,), (1.39,), (-0.21,))
RELU_LAYER_OUTPUT = ((3.2,), (1.39,), (0.0,))


@dataclass(frozen=True)
class Three:
    """An untrained network shown a "3": its output activations, the squared terms
    (a_i - y_i)^2 against one_hot(3) as shown on screen, and the cost to two decimals."""
    output: tuple
    squared_terms: tuple
    cost: float
    where: str


# 3Blue1Brown, chapter 2 (activations reconstructed to four decimals from the squared terms on screen).
THREE = Three(
    (0.4316, 0.2844, 0.1889, 0.8825, 0.7240, 0.0100, 0.6387, 0.8595, 0.9908, 0.6323),
    (0.1863, 0.0809, 0.0357, 0.0138, 0.5242, 0.0001, 0.4079, 0.7388, 0.9817, 0.3998), 3.37,
    "the lecture's \"3\" (output [0.43, 0.28, 0.19, 0.88, 0.72, 0.01, 0.64, 0.86, 0.99, 0.63])")
# The second "3" (seed 001).
SECOND_THREE = Three(
    (0.2941, 0.1975, 0.1463, 0.9123, 0.5050, 0.0141, 0.4393, 0.5892, 0.6854, 0.4335),
    (0.0865, 0.0390, 0.0214, 0.0077, 0.2550, 0.0002, 0.1930, 0.3472, 0.4698, 0.1879), 1.61,
    "the lecture's second \"3\" (output [0.29, 0.20, 0.15, 0.91, 0.51, 0.01, 0.44, 0.59, 0.69, 0.43])")
THREES = (THREE, SECOND_THREE)
THREE_LABEL = 3

# Backprop must agree with numerical_gradient to a relative error below this (float64).
GRADIENT_CHECK_RELATIVE_ERROR = 1e-7
