"""Benchmark: the reference trains the lecture's 784-16-16-10 network on MNIST.

``python -m bench.train [EPOCHS]`` (``make bench-train``): batch 10,
standard-normal init, plain SGD, on the shared training images; prints
seconds per epoch and the test accuracy on the 10,000 test images after
each epoch. Goal: >= 92% after 10 epochs, < 0.3 s per epoch on 2 cores.
"""
import sys
import time

import numpy as np

from autograder.config import load_course
from autograder.engine.grade import reference_modules
from data.mnist import load_mnist

# Nielsen's 3.0 for the cost (1/2) sum (a - y)^2; our cost has no 1/2, so its
# gradient is twice his and 1.5 takes the same steps.
LEARN_RATE = 1.5
BATCH_SIZE = 10


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    epochs = int(argv[0]) if argv else 10
    course = load_course()
    ref = reference_modules(course, course.assignment("06_mnist"))
    start = time.perf_counter()
    X_train, y_train, X_test, y_test = load_mnist(course.mnist_dir)
    print(f"loaded {X_train.shape[1]} training and {X_test.shape[1]} test images "
          f"in {time.perf_counter() - start:.2f} s from {course.mnist_dir}")
    rng = np.random.default_rng(0)
    weights, biases = ref.init_network([784, 16, 16, 10], rng)
    Y_train = ref.one_hot(y_train)
    per_epoch = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        weights, biases, _ = ref.train(weights, biases, X_train, Y_train, 1, BATCH_SIZE, LEARN_RATE, rng)
        per_epoch.append(time.perf_counter() - start)
        accuracy = ref.evaluate(weights, biases, X_test, y_test)
        print(f"epoch {epoch:2d}: {per_epoch[-1]:.3f} s, test accuracy {accuracy:.4f}")
    print(f"train_s_per_epoch={np.median(per_epoch):.3f} train_test_accuracy={accuracy:.4f} "
          f"(784-16-16-10, batch {BATCH_SIZE}, learning rate {LEARN_RATE}, {epochs} epochs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
