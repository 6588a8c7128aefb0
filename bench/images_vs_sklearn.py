"""Digits (8x8, 1797 images), fixed seed, 20% validation: learntorch's softmax regression, MLP
and ConvNet trained with ``lt.fit`` against scikit-learn's ``MLPClassifier`` on the same split.

    .venv/bin/python bench/images_vs_sklearn.py [--repeats 3] [--seed 0]

Prints validation accuracy and training time (median of ``--repeats`` runs, each from a fresh
model) side by side. The hyperparameters are those of tests/python/test_images.py.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import torch

import learntorch as lt

MODELS = {
    # name: (constructor, fit arguments)
    "softmax regression": (lambda: lt.SoftmaxRegression(64, 10),
                           dict(epochs=30, batch_size=32, optimizer="adam", lr=0.01)),
    "MLP 64-128-10": (lambda: lt.MLP(64, (128,), 10),
                      dict(epochs=30, batch_size=32, optimizer="adam", lr=0.003)),
    "ConvNet width 16": (lambda: lt.ConvNet(1, 10, 8, width=16),
                         dict(epochs=20, batch_size=32, optimizer="adam", lr=0.002)),
}


def run_learntorch(name: str, train, valid, seed: int) -> tuple[float, float]:
    make, kwargs = MODELS[name]
    torch.manual_seed(seed)
    model = make()
    start = time.perf_counter()
    lt.fit(model, train, valid=None, seed=seed, **kwargs)  # timing without per-epoch validation
    seconds = time.perf_counter() - start
    return lt.evaluate(model, valid)["accuracy"], seconds


def run_sklearn(train, valid, seed: int) -> tuple[float, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train = train.x.reshape(len(train), -1).numpy()
    x_valid = valid.x.reshape(len(valid), -1).numpy()
    # The same architecture and optimiser as "MLP 64-128-10": one hidden layer of 128 ReLUs, Adam.
    clf = MLPClassifier(hidden_layer_sizes=(128,), activation="relu", solver="adam", learning_rate_init=0.003,
                        batch_size=32, max_iter=30, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
        clf.fit(x_train, train.y.numpy())
    seconds = time.perf_counter() - start
    return float((clf.predict(x_valid) == valid.y.numpy()).mean()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = lt.digits()
    train, valid = lt.train_val_split(data, 0.2, seed=args.seed)
    print(f"digits: {len(train)} train / {len(valid)} valid images, seed {args.seed}, "
          f"median of {args.repeats} runs; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{platform.processor() or platform.machine()}")
    rows = []
    for name in MODELS:
        runs = [run_learntorch(name, train, valid, args.seed + r) for r in range(args.repeats)]
        rows.append((f"learntorch {name}", runs, MODELS[name][1]["epochs"]))
    runs = [run_sklearn(train, valid, args.seed + r) for r in range(args.repeats)]
    rows.append(("sklearn MLPClassifier(128)", runs, 30))

    print(f"{'model':<32} {'epochs':>6} {'valid acc':>10} {'(min..max)':>14} {'train s':>8}")
    for name, runs, epochs in rows:
        acc = [a for a, _ in runs]
        sec = [s for _, s in runs]
        print(f"{name:<32} {epochs:>6} {statistics.median(acc):>10.4f} "
              f"{f'({min(acc):.3f}..{max(acc):.3f})':>14} {statistics.median(sec):>8.2f}")


if __name__ == "__main__":
    main()
