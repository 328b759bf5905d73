"""A digitnet model file opened from Python with numpy and safetensors.

Used by host/tests/python.rs; the README shows the same code.

    numpy_model.py predict MODEL MNIST_DIR   -> JSON: predictions and confusion matrix
    numpy_model.py resave MODEL OUT          -> the same tensors, saved by save_file
    numpy_model.py random OUT                -> a [784, 20, 10] relu/softmax model
"""
import gzip
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def read_idx(path):
    """An IDX file (raw or gzip) as a numpy array of its dimensions."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def forward(t, meta, x):
    """Output activations for images x (n, 784) of pixels 0-255, in float32."""
    np.seterr(over="ignore")  # exp(-z) of a very negative z is inf: sigmoid 0, as intended
    a = x.astype(np.float32) / np.float32(255)
    z = a @ t["hidden.weight"].T + t["hidden.bias"]
    if meta.get("activation", "sigmoid") == "relu":
        h = np.maximum(z, np.float32(0))
    else:
        h = np.float32(1) / (np.float32(1) + np.exp(-z))
    z = h @ t["output.weight"].T + t["output.bias"]
    if meta.get("cost", "quadratic") == "log-likelihood":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return np.float32(1) / (np.float32(1) + np.exp(-z))


def main():
    command = sys.argv[1]
    if command == "predict":
        model, mnist = sys.argv[2], sys.argv[3]
        t = load_file(model)
        with safe_open(model, "np") as f:
            meta = f.metadata() or {}
        images = read_idx(f"{mnist}/t10k-images-idx3-ubyte.gz").reshape(-1, 784)
        labels = read_idx(f"{mnist}/t10k-labels-idx1-ubyte.gz")
        predictions = forward(t, meta, images).argmax(axis=1)
        confusion = np.zeros((10, 10), dtype=int)
        np.add.at(confusion, (labels, predictions), 1)
        print(json.dumps({
            "predictions": predictions.tolist(),
            "confusion": confusion.tolist(),
            "shapes": {k: list(v.shape) for k, v in sorted(t.items())},
        }))
    elif command == "resave":
        save_file(load_file(sys.argv[2]), sys.argv[3])
    elif command == "random":
        rng = np.random.default_rng(7)
        tensors = {
            "hidden.weight": rng.normal(0, 0.05, (20, 784)).astype(np.float32),
            "hidden.bias": np.zeros(20, dtype=np.float32),
            "output.weight": rng.normal(0, 0.2, (10, 20)).astype(np.float32),
            "output.bias": np.zeros(10, dtype=np.float32),
        }
        save_file(tensors, sys.argv[2], metadata={"activation": "relu", "cost": "log-likelihood"})
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
