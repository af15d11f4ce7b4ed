"""The small calls check.py makes in each assignment, and what each must return.

Each probe: the function, its arguments (a Python expression in the names of
student_check._probe_namespace: np, network, columns, targets, labels,
generator, bowl, cubes, identity), how the student sees the call ("show"),
what it must return (an expression in the checkers of
student_check._returns_namespace: FLOAT, INT, array(shape), like(i),
tuple_of(...), list_like(i), network_of(sizes), batches(n), history_of(...),
list_of(check), NUMBER) and optionally "budget": the share of the
grader's per-call time limit the call may take (0.1 by default). Only types
and shapes the docstrings and COURSE_SPEC.md promise are checked, never values.
"""


def probe(function, args, returns, show=None, kwargs="", budget=0.1):
    return {"function": function, "args": args, "kwargs": kwargs, "returns": returns,
            "show": show or f"{function}({args}{', ' + kwargs if kwargs and args else kwargs})", "budget": budget}


PROBES = {
    "01_neuron": [
        probe("sigmoid", "0.5", "FLOAT"),
        probe("sigmoid", "-1000.0", "FLOAT"),
        probe("sigmoid", "np.array([-1000.0, 0.0, 1000.0])", "like(0)"),
        probe("sigmoid", "columns(3, 2, 0) - 0.5", "like(0)", show="sigmoid(z) for z of shape (3, 2)"),
        probe("sigmoid", "columns(2, 6, 2).reshape(2, 3, 2) * 8 - 4", "like(0)",
              show="sigmoid(z) for z of shape (2, 3, 2)"),
        probe("sigmoid_prime", "0.0", "FLOAT"),
        probe("sigmoid_prime", "columns(4, 1, 1)", "like(0)", show="sigmoid_prime(z) for z of shape (4, 1)"),
        probe("relu", "-0.21", "FLOAT"),
        probe("relu", "np.array([3.2, 1.39, -0.21])", "like(0)"),
        probe("relu", "columns(3, 1, 5) - 0.5", "like(0)", show="relu(z) for z of shape (3, 1)"),
        probe("relu_prime", "0.0", "FLOAT"),
        probe("relu_prime", "np.array([[-1.0], [2.0]])", "like(0)"),
        probe("weighted_sum", "[0.6], [2.0]", "FLOAT"),
        probe("weighted_sum", "np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, 0.25])", "FLOAT"),
        probe("neuron", "np.ones(10), np.ones(10), -10.0", "FLOAT"),
        probe("neuron", "np.array([0.6]), np.array([2.0]), 2.0", "FLOAT", kwargs="activation=identity",
              show="neuron(np.array([0.6]), np.array([2.0]), 2.0, activation=lambda z: z)"),
    ],
    "02_forward": [
        probe("layer_forward", "np.array([[0.6], [0.5], [0.9]]), np.array([[2.0]]), np.array([[2.0], [1.0], [-3.0]])",
              "array((3, 1))"),
        probe("layer_forward", "network([4, 3], 0)[0][0], columns(4, 5, 1), network([4, 3], 0)[1][0]",
              "array((3, 5))", show="layer_forward(W, a, b) with W (3, 4), a (4, 5), b (3, 1)"),
        probe("layer_forward", "network([4, 3], 0)[0][0], columns(4, 1, 1), network([4, 3], 0)[1][0]",
              "array((3, 1))", kwargs="activation=identity",
              show="layer_forward(W, a, b, activation=lambda z: z) with W (3, 4), a (4, 1), b (3, 1)"),
        probe("init_network", "[784, 16, 16, 10], generator(0)", "network_of([784, 16, 16, 10])",
              show="init_network([784, 16, 16, 10], np.random.default_rng(0))"),
        probe("init_network", "[3, 2]", "network_of([3, 2])"),
        probe("count_parameters", "[784, 16, 16, 10]", "INT"),
        probe("feedforward", "*network([4, 5, 3], 0), columns(4, 6, 1)", "array((3, 6))",
              show="feedforward(weights, biases, a) for a 4-5-3 network and 6 examples"),
        probe("feedforward", "*network([784, 16, 16, 10], 2), columns(784, 1, 3)", "array((10, 1))",
              show="feedforward(weights, biases, a) for 784-16-16-10 and one example (784, 1)"),
        probe("predict", "*network([4, 5, 3], 0), columns(4, 6, 1)", "array((6,), kind='int')",
              show="predict(weights, biases, X) for a 4-5-3 network and 6 examples"),
        probe("predict", "*network([784, 16, 16, 10], 2), columns(784, 1, 3)", "array((1,), kind='int')",
              show="predict(weights, biases, X) for one example, X of shape (784, 1)"),
    ],
    "03_cost": [
        probe("one_hot", "3", "array((10, 1))"),
        probe("one_hot", "[1, 2, 3]", "array((10, 3))"),
        probe("one_hot", "np.array([0, 2]), 4", "array((4, 2))"),
        probe("one_hot", "[7]", "array((10, 1))"),
        probe("one_hot", "2", "array((3, 1))", kwargs="n_classes=3"),
        probe("example_cost", "columns(10, 1, 0), np.eye(10)[:, [3]]", "FLOAT",
              show="example_cost(output, y) for a (10, 1) output"),
        probe("example_cost", "np.array([0.5, 0.5]), np.array([1.0, 0.0])", "FLOAT"),
        probe("average_cost", "*network([4, 5, 3], 0), columns(4, 6, 1), targets(3, 6, 2)", "FLOAT",
              show="average_cost(weights, biases, X, Y) for a 4-5-3 network and 6 examples"),
        probe("average_cost", "*network([4, 5, 3], 0), columns(4, 1, 1), targets(3, 1, 2)", "FLOAT",
              show="average_cost(weights, biases, X, Y) for a batch of one example"),
        probe("cost_derivative", "columns(10, 3, 0), targets(10, 3, 1)", "like(0)",
              show="cost_derivative(output, y) for a (10, 3) output"),
        probe("cost_derivative", "np.array([0.5, 0.2]), np.array([1.0, 0.0])", "like(0)"),
    ],
    "04_gradient_descent": [
        probe("gradient_descent", "bowl, 10.0, 0.1", "tuple_of(NUMBER, list_of(NUMBER))",
              show="gradient_descent(lambda x: 2 * x, 10.0, 0.1)"),
        probe("gradient_descent", "bowl, np.array([3.0, -4.0]), 0.2", "tuple_of(like(1), list_of(like(1)))",
              kwargs="n_iter=5", show="gradient_descent(lambda x: 2 * x, np.array([3.0, -4.0]), 0.2, n_iter=5)"),
        probe("sgd_step", "[np.ones((2, 3)), np.zeros((2, 1))], [np.ones((2, 3)), np.ones((2, 1))], 0.5",
              "list_like(0)", show="sgd_step([W, b], [grad_W, grad_b], 0.5)"),
        probe("mini_batches", "10, 3, generator(0)", "batches(10)",
              show="mini_batches(10, 3, np.random.default_rng(0))"),
        probe("mini_batches", "7, 10, generator(1)", "batches(7)", show="mini_batches(7, 10, np.random.default_rng(1))"),
    ],
    "05_backprop": [
        probe("chain_rule_single", "0.5, 1.5, -0.3, 1.0", "tuple_of(FLOAT, FLOAT, FLOAT)"),
        probe("backprop", "*network([4, 5, 3], 0), columns(4, 6, 1), targets(3, 6, 2)",
              "tuple_of(list_like(0), list_like(1))",
              show="backprop(weights, biases, X, Y) for a 4-5-3 network and 6 examples"),
        probe("backprop", "*network([784, 16, 16, 10], 0), columns(784, 10, 1), targets(10, 10, 2)",
              "tuple_of(list_like(0), list_like(1))",
              show="backprop(weights, biases, X, Y) for 784-16-16-10 and a mini-batch of 10"),
        probe("backprop", "*network([3, 4, 2], 1), columns(3, 1, 2), targets(2, 1, 3)",
              "tuple_of(list_like(0), list_like(1))",
              show="backprop(weights, biases, X, Y) for one example, X of shape (3, 1)"),
        probe("numerical_gradient", "cubes, np.array([[0.5, -1.0], [2.0, 0.0]])", "like(1)",
              show="numerical_gradient(f, x) for x of shape (2, 2)"),
        probe("numerical_gradient", "cubes, np.array([1.0, 2.0, 3.0]), 1e-4", "like(1)"),
    ],
    "06_mnist": [
        probe("evaluate", "*network([4, 5, 3], 0), columns(4, 6, 1), labels(3, 6, 2)", "FLOAT",
              show="evaluate(weights, biases, X, labels) for a 4-5-3 network and 6 examples"),
        probe("evaluate", "*network([4, 5, 3], 0), columns(4, 3, 1), [0, 2, 1]", "FLOAT",
              show="evaluate(weights, biases, X, [0, 2, 1]) with the labels as a list"),
        probe("train", "*network([4, 5, 3], 0), columns(4, 23, 1), targets(3, 23, 2), 2, 5, 1.0, generator(3)",
              "history_of([list_like(0), list_like(1)], 2, ['cost'])",
              show="train(weights, biases, X, Y, epochs=2, batch_size=5, learn_rate=1.0, rng) on 23 examples"),
        probe("train", "*network([4, 5, 3], 0), columns(4, 23, 1), targets(3, 23, 2), 1, 10, 1.0, generator(3), "
                       "columns(4, 7, 4), labels(3, 7, 5)",
              "history_of([list_like(0), list_like(1)], 1, ['cost', 'test_accuracy'])",
              show="train(..., X_test, labels_test) with test data"),
        probe("train", "*network([784, 16, 16, 10], 0), columns(784, 2000, 1), targets(10, 2000, 2), 1, 10, 1.5, "
                       "generator(3)",
              "history_of([list_like(0), list_like(1)], 1, ['cost'])", budget=0.01,
              show="train(...) for 784-16-16-10 on 2,000 images for one epoch"),
    ],
}
