#!/usr/bin/env python3
"""An independent numpy statement of the chapter-3 recipes, for comparison
with `digitnet train`: the same math (float64, vectorised over the
mini-batch), numpy's own random numbers, more seeds than the table's three.

    python3 bench/chapter3_numpy.py ROW [SEEDS]     # ROW: 3, 11 or 12; SEEDS default 10

Row 3: [784,30,10] cross-entropy, N(0,1), 30 epochs, mini-batch 10, eta 0.5.
Row 11: the notebook: [784,30,10] cross-entropy, scaled init, lambda 1,
        mini-batch 100, eta 3.0, 30 epochs.
Row 12: the tutorial: [784,16,10] ReLU + softmax, U(-0.5,0.5) weights, zero
        biases, full-batch gradient descent, 350 steps, learning rate 0.2.
Prints the test accuracy after the last epoch for each seed, then the mean
and range. Needs numpy (`pip install numpy`); reads data/mnist.
"""
import gzip
import pathlib
import sys

import numpy as np

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "mnist"


def load(name, offset):
    with gzip.open(DATA / name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def mnist():
    x_train = load("train-images-idx3-ubyte.gz", 16).reshape(-1, 784)[:50000] / 255.0
    y_train = load("train-labels-idx1-ubyte.gz", 8)[:50000]
    x_test = load("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784) / 255.0
    y_test = load("t10k-labels-idx1-ubyte.gz", 8)
    return x_train, y_train, x_test, y_test


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def network2(rng, data, hidden, eta, lam, batch, epochs, scaled):
    """Sigmoid neurons, cross-entropy cost (delta = a - y), L2 weight decay."""
    x_train, y_train, x_test, y_test = data
    n = len(x_train)
    w1 = rng.standard_normal((hidden, 784)) / (np.sqrt(784) if scaled else 1.0)
    b1 = rng.standard_normal((hidden, 1))
    w2 = rng.standard_normal((10, hidden)) / (np.sqrt(hidden) if scaled else 1.0)
    b2 = rng.standard_normal((10, 1))
    one_hot = np.eye(10)[y_train]
    decay = 1.0 - eta * lam / n
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            x, y = x_train[idx].T, one_hot[idx].T
            a1 = sigmoid(w1 @ x + b1)
            a2 = sigmoid(w2 @ a1 + b2)
            d2 = a2 - y
            d1 = (w2.T @ d2) * a1 * (1.0 - a1)
            m = len(idx)
            w2 = decay * w2 - eta / m * (d2 @ a1.T)
            b2 = b2 - eta / m * d2.sum(1, keepdims=True)
            w1 = decay * w1 - eta / m * (d1 @ x.T)
            b1 = b1 - eta / m * d1.sum(1, keepdims=True)
    out = sigmoid(w2 @ sigmoid(w1 @ x_test.T + b1) + b2)
    return 100.0 * (out.argmax(0) == y_test).mean()


def tutorial(rng, data):
    """ReLU hidden layer, softmax output, full-batch gradient descent."""
    x_train, y_train, x_test, y_test = data
    w1 = rng.random((16, 784)) - 0.5
    b1 = np.zeros((16, 1))
    w2 = rng.random((10, 16)) - 0.5
    b2 = np.zeros((10, 1))
    x, m = x_train.T, len(x_train)
    y = np.eye(10)[y_train].T
    for _ in range(350):
        z1 = w1 @ x + b1
        a1 = np.maximum(z1, 0.0)
        z2 = w2 @ a1 + b2
        e = np.exp(z2 - z2.max(0))
        a2 = e / e.sum(0)
        d2 = a2 - y
        d1 = (w2.T @ d2) * (z1 > 0)
        w2 -= 0.2 * (d2 @ a1.T) / m
        b2 -= 0.2 * d2.sum(1, keepdims=True) / m
        w1 -= 0.2 * (d1 @ x.T) / m
        b1 -= 0.2 * d1.sum(1, keepdims=True) / m
    z2 = w2 @ np.maximum(w1 @ x_test.T + b1, 0.0) + b2
    return 100.0 * (z2.argmax(0) == y_test).mean()


def main():
    row = int(sys.argv[1])
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    data = mnist()
    runs = {
        3: lambda rng: network2(rng, data, 30, 0.5, 0.0, 10, 30, scaled=False),
        11: lambda rng: network2(rng, data, 30, 3.0, 1.0, 100, 30, scaled=True),
        12: lambda rng: tutorial(rng, data),
    }
    results = []
    for seed in range(1, seeds + 1):
        accuracy = runs[row](np.random.default_rng(seed))
        results.append(accuracy)
        print(f"row {row} seed {seed}: {accuracy:.2f}%", flush=True)
    print(
        f"row {row}, {seeds} seeds: mean {np.mean(results):.2f}% "
        f"(range {min(results):.2f}-{max(results):.2f})"
    )


if __name__ == "__main__":
    main()
