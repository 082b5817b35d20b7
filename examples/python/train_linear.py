"""Softmax (multinomial logistic) regression on iris, in pure Python: a small real workload for `repro run`.

    repro run -- python examples/python/train_linear.py [--data PATH] [--out DIR]

Parameters (lr, epochs, batch_size, l2) come from `repro run` or their defaults; the seed (weight init and the
shuffle order) is REPRO_SEED. The train/validation split is fixed: it does not move with the seed.
"""

import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
import repro_client as repro  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT_SEED = 20240601  # a constant: the split is part of the data, not of the run's randomness
VALIDATION_ROWS = 30


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        classes = header[2:]
        rows = [line.strip().split(",") for line in f if line.strip()]
    features = [[float(v) for v in row[:-1]] for row in rows]
    labels = [int(row[-1]) for row in rows]
    return features, labels, classes


def softmax(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def predict(weights, bias, x):
    return softmax([sum(w * v for w, v in zip(row, x)) + b for row, b in zip(weights, bias)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(HERE, "data", "iris.csv"))
    parser.add_argument("--out", default="out")
    args = parser.parse_args()

    run = repro.current()
    lr = run.param("lr", 0.1)
    epochs = run.param("epochs", 100)
    batch_size = run.param("batch_size", 16)
    l2 = run.param("l2", 1e-4)
    rng = random.Random(run.seed)

    features, labels, classes = load(args.data)
    order = list(range(len(labels)))
    random.Random(SPLIT_SEED).shuffle(order)
    val_idx, train_idx = order[:VALIDATION_ROWS], order[VALIDATION_ROWS:]

    # Standardise with the training rows' statistics.
    n_features = len(features[0])
    means = [sum(features[i][j] for i in train_idx) / len(train_idx) for j in range(n_features)]
    stds = [math.sqrt(sum((features[i][j] - means[j]) ** 2 for i in train_idx) / len(train_idx)) or 1.0
            for j in range(n_features)]
    xs = [[(v - m) / s for v, m, s in zip(row, means, stds)] for row in features]

    n_classes = len(classes)
    weights = [[rng.gauss(0.0, 0.01) for _ in range(n_features)] for _ in range(n_classes)]
    bias = [0.0] * n_classes

    for epoch in range(epochs):
        rng.shuffle(train_idx)
        total_loss = 0.0
        for start in range(0, len(train_idx), batch_size):
            batch = train_idx[start:start + batch_size]
            grad_w = [[0.0] * n_features for _ in range(n_classes)]
            grad_b = [0.0] * n_classes
            for i in batch:
                probs = predict(weights, bias, xs[i])
                total_loss -= math.log(max(probs[labels[i]], 1e-12))
                for c in range(n_classes):
                    delta = probs[c] - (1.0 if c == labels[i] else 0.0)
                    grad_b[c] += delta
                    for j in range(n_features):
                        grad_w[c][j] += delta * xs[i][j]
            scale = lr / len(batch)
            for c in range(n_classes):
                bias[c] -= scale * grad_b[c]
                for j in range(n_features):
                    weights[c][j] -= scale * grad_w[c][j] + lr * l2 * weights[c][j]

        correct = sum(1 for i in val_idx
                      if max(range(n_classes), key=predict(weights, bias, xs[i]).__getitem__) == labels[i])
        accuracy = correct / len(val_idx)
        run.log("train_loss", total_loss / len(train_idx), step=epoch)
        run.log("val_accuracy", accuracy, step=epoch)
        print("epoch %3d  train_loss %.4f  val_accuracy %.3f" % (epoch, total_loss / len(train_idx), accuracy))

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "iris-softmax.json")
    with open(path, "w") as f:
        json.dump({"classes": classes, "means": means, "stds": stds, "weights": weights, "bias": bias}, f, indent=1)
    run.artifact(path, name="weights")


if __name__ == "__main__":
    main()
