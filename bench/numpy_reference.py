#!/usr/bin/env python3
"""The math of `digitnet train`, in numpy, vectorised over the mini-batch.

A reference for speed, not for bits: the same network ([784, H, 10]), neurons
(sigmoid or ReLU hidden, sigmoid or softmax output), cost (quadratic,
cross-entropy, log-likelihood), mini-batch SGD with L2 regularisation and N(0, 1)
or scaled initialisation, on the bundled MNIST, timed the way `digitnet bench`
times itself: the median seconds of SGD per epoch over 50,000 images, with the
test-set evaluation after each epoch not counted.

Each mini-batch is one matrix product per layer and direction (as in the
"fully matrix-based" approach of Nielsen's chapter 2), in float32 like
digitnet. Needs numpy (and threadpoolctl to report which BLAS kernel runs):

    pip install numpy threadpoolctl
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 bench/numpy_reference.py --epochs 3

Prints one line of text, or of JSON with --json.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir):
    def name(base):
        gz = os.path.join(data_dir, base + ".gz")
        return gz if os.path.exists(gz) else os.path.join(data_dir, base)

    train_x = read_idx(name("train-images-idx3-ubyte")).reshape(-1, 784)
    train_y = read_idx(name("train-labels-idx1-ubyte"))
    test_x = read_idx(name("t10k-images-idx3-ubyte")).reshape(-1, 784)
    test_y = read_idx(name("t10k-labels-idx1-ubyte"))
    scale = np.float32(1.0 / 255.0)
    return (
        train_x.astype(np.float32) * scale,
        train_y.astype(np.int64),
        test_x.astype(np.float32) * scale,
        test_y.astype(np.int64),
    )


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Net:
    def __init__(self, hidden, activation, cost, init, rng):
        scale = (lambda n: 1.0 / np.sqrt(n)) if init == "scaled" else (lambda n: 1.0)
        f32 = np.float32
        self.b1 = rng.standard_normal(hidden).astype(f32)
        self.b2 = rng.standard_normal(10).astype(f32)
        self.w1 = (rng.standard_normal((hidden, 784)) * scale(784)).astype(f32)
        self.w2 = (rng.standard_normal((10, hidden)) * scale(hidden)).astype(f32)
        self.activation = activation
        self.cost = cost

    def forward(self, x):
        """Hidden and output activations for a batch of rows."""
        z1 = x @ self.w1.T + self.b1
        a1 = sigmoid(z1) if self.activation == "sigmoid" else np.maximum(z1, 0)
        z2 = a1 @ self.w2.T + self.b2
        a2 = softmax(z2) if self.cost == "log-likelihood" else sigmoid(z2)
        return a1, a2

    def step(self, x, y, eta, decay):
        """One mini-batch: backpropagation for all rows at once, then the update."""
        m = x.shape[0]
        a1, a2 = self.forward(x)
        delta2 = a2.copy()
        delta2[np.arange(m), y] -= 1.0
        if self.cost == "quadratic":
            delta2 *= a2 * (1.0 - a2)
        delta1 = delta2 @ self.w2
        delta1 *= a1 * (1.0 - a1) if self.activation == "sigmoid" else (a1 > 0)
        scale = np.float32(eta / m)
        self.w2 = decay * self.w2 - scale * (delta2.T @ a1)
        self.b2 -= scale * delta2.sum(axis=0)
        self.w1 = decay * self.w1 - scale * (delta1.T @ x)
        self.b1 -= scale * delta1.sum(axis=0)

    def correct(self, x, y):
        return int((self.forward(x)[1].argmax(axis=1) == y).sum())


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see it)"
    parts = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            parts.append(
                "%s %s, kernel %s, %s thread(s)"
                % (
                    lib.get("internal_api"),
                    lib.get("version"),
                    lib.get("architecture"),
                    lib.get("num_threads"),
                )
            )
    return "; ".join(parts) or "none found"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.path.join(here, "..", "data", "mnist"))
    p.add_argument("--hidden", type=int, default=30)
    p.add_argument("--activation", default="sigmoid", choices=["sigmoid", "relu"])
    p.add_argument("--cost", default="quadratic", choices=["quadratic", "cross-entropy", "log-likelihood"])
    p.add_argument("--init", default="normal", choices=["normal", "scaled"])
    p.add_argument("--eta", type=float, default=3.0)
    p.add_argument("--lambda", dest="lmbda", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-images", type=int, default=50000)
    p.add_argument("--seed", type=int, default=20151130)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    train_x, train_y, test_x, test_y = load(args.data)
    train_x, train_y = train_x[: args.train_images], train_y[: args.train_images]
    rng = np.random.default_rng(args.seed)
    net = Net(args.hidden, args.activation, args.cost, args.init, rng)
    n = len(train_x)
    decay = np.float32(1.0 - args.eta * args.lmbda / n)
    times, accuracy = [], 0.0
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = rng.permutation(n)
        for k in range(0, n, args.batch_size):
            idx = order[k : k + args.batch_size]
            net.step(train_x[idx], train_y[idx], args.eta, decay)
        times.append(time.perf_counter() - start)
        accuracy = net.correct(test_x, test_y) / len(test_y)
    report = {
        "implementation": "numpy",
        "numpy": np.__version__,
        "blas": blas_info(),
        "hidden": args.hidden,
        "cost": args.cost,
        "epochs": args.epochs,
        "train_images": n,
        "epoch_seconds": statistics.median(times),
        "accuracy": accuracy,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(
            "numpy %s: median %.3f s per epoch of %d images; accuracy %.2f%%; BLAS: %s"
            % (report["numpy"], report["epoch_seconds"], n, 100 * accuracy, report["blas"])
        )


if __name__ == "__main__":
    sys.exit(main())
