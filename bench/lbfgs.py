"""Full-batch L-BFGS (``optimizer="lbfgs"``) against the peers that train small nets this way.

    .venv/bin/python bench/lbfgs.py [--rounds 5]

1. Two moons (200 points, noise 0.1), a 2-16-1 tanh MLP trained until it classifies every
   training point: ``lt.fit(optimizer="lbfgs")`` against R's nnet (BFGS, 16 hidden units, through
   Rscript when R and nnet are installed). Target: at most 2x nnet's time.
2. Digits (8x8, 20% test, same split): an MLP 64-64-10 with L-BFGS (and an L2 penalty) to at least
   0.975 test accuracy,
   against scikit-learn's MLPClassifier (its defaults: Adam, 100 hidden units). Target: less time
   than scikit-learn.
Rounds are interleaved and times are medians, because machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
import warnings

import torch

import learntorch as lt

NNET_SCRIPT = r"""
suppressMessages(library(nnet))
d <- read.csv(commandArgs(TRUE)[1]); d$label <- factor(d$label)
times <- c(); acc <- NA
for (i in 1:as.integer(commandArgs(TRUE)[2])) {
  set.seed(i)
  t <- system.time(m <- nnet(label ~ x1 + x2, data = d, size = 16, maxit = 1000, trace = FALSE,
                             abstol = 1e-6))[["elapsed"]]
  times <- c(times, t)
  acc <- mean(predict(m, d, type = "class") == d$label)
}
cat(median(times), acc, "\n")
"""


def moons_learntorch(data) -> tuple[float, float, int]:
    """Seconds, training accuracy and L-BFGS steps until every training point is right."""
    model = lt.MLP(2, hidden=(16,), out_features=1, activation="tanh")
    done = lt.LambdaCallback(on_epoch_end=lambda epoch, logs: logs["train_accuracy"] == 1.0)
    start = time.perf_counter()
    history = lt.fit(model, data, epochs=50, optimizer=lt.optimizer("lbfgs", max_iter=10), callbacks=[done],
                     progress=False)
    return time.perf_counter() - start, history["train_accuracy"][-1], history.epochs


def moons_nnet(data, rounds: int, tmp: str) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    path = f"{tmp}/moons.csv"
    data.to_frame().to_csv(path, index=False)
    script = f"{tmp}/nnet.R"
    with open(script, "w") as handle:
        handle.write(NNET_SCRIPT)
    out = subprocess.run(["Rscript", script, path, str(rounds)], capture_output=True, text=True)
    if out.returncode != 0:
        print("  (nnet not available:", out.stderr.strip().splitlines()[-1] if out.stderr else "?", ")")
        return None
    seconds, accuracy = map(float, out.stdout.split())
    return seconds, accuracy


def digits_learntorch(train, test) -> tuple[float, float]:
    model = lt.MLP(64, hidden=(64,), out_features=10, activation="tanh")
    start = time.perf_counter()
    # weight_decay is an L2 penalty in L-BFGS's objective, as nnet's `decay`: it keeps the full-batch
    # optimum from fitting the training digits at the cost of the test ones.
    lt.fit(model, train, epochs=20, optimizer="lbfgs", weight_decay=1e-3, progress=False)
    seconds = time.perf_counter() - start
    return seconds, lt.evaluate(model, test)["accuracy"]


def digits_sklearn(train, test, seed: int) -> tuple[float, float]:
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(random_state=seed)
    x, y = train.x.reshape(len(train), -1).numpy(), train.y.numpy()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at its default max_iter
        clf.fit(x, y)
    seconds = time.perf_counter() - start
    return seconds, clf.score(test.x.reshape(len(test), -1).numpy(), test.y.numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import tempfile

    moons = lt.two_moons(200, noise=0.1, seed=0)
    digits = lt.digits()
    train, test = lt.train_val_split(digits, 0.2, seed=0)
    lt_moons, lt_digits, sk_digits = [], [], []
    for r in range(args.rounds):
        torch.manual_seed(r)
        lt_moons.append(moons_learntorch(moons))
        torch.manual_seed(r)
        lt_digits.append(digits_learntorch(train, test))
        sk_digits.append(digits_sklearn(train, test, r))
    with tempfile.TemporaryDirectory() as tmp:
        nnet = moons_nnet(moons, args.rounds, tmp)

    print(f"torch {torch.__version__}, {args.rounds} interleaved rounds, medians\n")
    print("Two moons (200 points), 2-16-1 MLP until every training point is right")
    t_lt = statistics.median(t for t, _, _ in lt_moons)
    steps = statistics.median(s for _, _, s in lt_moons)
    acc = min(a for _, a, _ in lt_moons)
    print(f"  lt.fit lbfgs   {t_lt * 1000:7.1f} ms   train accuracy {acc:.3f} (worst round), {steps:.0f} steps")
    if nnet is None:
        print("  nnet           not run (R with nnet not installed)")
    else:
        print(f"  R nnet (BFGS)  {nnet[0] * 1000:7.1f} ms   train accuracy {nnet[1]:.3f}")
        ratio = t_lt / max(nnet[0], 1e-4)
        print(f"  lt.fit vs nnet: {ratio:.2f}x nnet's time (target <= 2x)  {'OK' if ratio <= 2 else 'MISSED'}"
              "  (nnet's time is R's system.time, 1 ms resolution)")

    print("\nDigits (1437 train / 360 test)")
    t_l, a_l = statistics.median(t for t, _ in lt_digits), min(a for _, a in lt_digits)
    t_s, a_s = statistics.median(t for t, _ in sk_digits), statistics.median(a for _, a in sk_digits)
    print(f"  lt.fit lbfgs MLP 64-64-10   {t_l:6.3f} s   test accuracy {a_l:.3f} (worst round)")
    print(f"  sklearn MLPClassifier       {t_s:6.3f} s   test accuracy {a_s:.3f}")
    ok = a_l >= 0.975 and t_l < t_s
    print(f"  lt.fit vs sklearn: {t_l / t_s:.2f}x the time (target < 1x at accuracy >= 0.975)  "
          f"{'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
