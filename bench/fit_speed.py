"""Training speed, side by side in one process: the tutorial's loop, ``lt.fit``, and the floor.

Rounds are interleaved and each figure is a median, because the machines are shared and noisy;
only ratios measured in the same run are meaningful. Run: ``.venv/bin/python bench/fit_speed.py``.

1. XOR (the tutorial config): SimpleClassifier 2-4-1 tanh, 2500 points, batch 128, 100 epochs,
   SGD lr 0.1, identical initial weights.
   - tutorial: a Dataset with ``__getitem__``, ``DataLoader(batch_size=128, shuffle=True)``, the
     five-step inner loop;
   - lt.fit: the same data, weights and hyperparameters;
   - floor: the same eager step over batches made before the clock starts;
   - the same data handed to lt.fit as a torch TensorDataset, as numpy arrays, and as the
     tutorial's own map-style Dataset (read through a DataLoader, as any Dataset is).
   Targets: lt.fit >= 2.8x faster than the tutorial loop, within 1.10x of the floor, same accuracy;
   TensorDataset and numpy within 1.05x of the learntorch dataset; the user's Dataset at least as
   fast as the tutorial's DataLoader loop; ``live=True`` (real redraws) within 1.5x of lt.fit.
2. MNIST-sized synthetic epoch: 60000 x 784 inputs, batch 128, a 784-32-10 MLP, SGD.
   Target: lt.fit >= 1.9x the DataLoader's samples per second.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch import nn
from torch.utils import data as tud

import learntorch as lt


class TutorialXOR(tud.Dataset):
    """The tutorial's per-sample dataset over the same tensors."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.data, self.label = x, y

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.label[idx]


def tutorial_loop(model: nn.Module, loader: tud.DataLoader, epochs: int, lr: float, multiclass: bool = False) -> None:
    loss_module = nn.CrossEntropyLoss() if multiclass else nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for inputs, labels in loader:
            preds = model(inputs)
            if not multiclass:
                preds = preds.squeeze(dim=1)
                labels = labels.float()
            loss = loss_module(preds, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def floor_loop(model: nn.Module, batches: list, epochs: int, lr: float) -> None:
    loss_module = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for inputs, labels in batches:
            loss = loss_module(model(inputs).squeeze(dim=1), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def accuracy(model: nn.Module, test: lt.TensorDataset) -> float:
    return lt.evaluate(model, test)["accuracy"]


def xor_bench(rounds: int) -> dict:
    train = lt.continuous_xor(2500, seed=1)
    test = lt.continuous_xor(500, seed=2)
    torch.manual_seed(0)
    init = lt.SimpleClassifier(2, 4, 1)
    epochs, lr, bs = 100, 0.1, 128
    # Pre-made batches for the floor: one shuffle per epoch, done before the clock starts.
    gen = torch.Generator().manual_seed(0)
    floor_batches = []
    order = torch.randperm(len(train), generator=gen)
    for s in range(0, len(train), bs):
        idx = order[s:s + bs]
        floor_batches.append((train.x[idx], train.y[idx].float()))
    kinds = {
        "lt.fit": train,
        "TensorDataset": tud.TensorDataset(train.x, train.y),
        "numpy": (train.x.numpy(), train.y.numpy()),
        "Dataset": TutorialXOR(train.x, train.y),
    }
    times = {"tutorial": [], "floor": [], "live": [], **{k: [] for k in kinds}}
    accs = {}
    for r in range(rounds):
        # The tutorial and the floor run on one thread like lt.fit does, so the ratio measures
        # the loop itself rather than OpenMP contention.
        with lt.threads(1):
            m = copy.deepcopy(init)
            loader = tud.DataLoader(TutorialXOR(train.x, train.y), batch_size=bs, shuffle=True)
            times["tutorial"].append(timed(lambda: tutorial_loop(m, loader, epochs, lr)))
            accs["tutorial"] = accuracy(m, test)
        for kind, data in kinds.items():
            m = copy.deepcopy(init)
            times[kind].append(timed(lambda: lt.fit(m, data, epochs=epochs, batch_size=bs, lr=lr, seed=r,
                                                    progress=False)))
            accs[kind] = accuracy(m, test)
        m = copy.deepcopy(init)
        # live=True with its real redraws (Agg canvas); only the display in a notebook is left out.
        live = lt.LivePlot(show=lambda figure: None)
        times["live"].append(timed(lambda: lt.fit(m, train, epochs=epochs, batch_size=bs, lr=lr, seed=r,
                                                  progress=False, live=live)))
        accs["live"] = accuracy(m, test)
        with lt.threads(1):
            m = copy.deepcopy(init)
            times["floor"].append(timed(lambda: floor_loop(m, floor_batches, epochs, lr)))
            accs["floor"] = accuracy(m, test)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"median_s": med, "accuracy": accs}


def mnist_bench(rounds: int) -> dict:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(60000, 784, generator=gen)
    y = torch.randint(0, 10, (60000,), generator=gen)
    train = lt.TensorDataset(x, y)
    torch.manual_seed(0)
    init = lt.MLP(784, hidden=(32,), out_features=10)
    times = {"DataLoader": [], "lt.fit": []}
    for r in range(rounds):
        m = copy.deepcopy(init)
        loader = tud.DataLoader(TutorialXOR(x, y), batch_size=128, shuffle=True)
        times["DataLoader"].append(timed(lambda: tutorial_loop(m, loader, 1, 0.1, multiclass=True)))
        m = copy.deepcopy(init)
        times["lt.fit"].append(timed(lambda: lt.fit(m, train, epochs=1, batch_size=128, lr=0.1, seed=r, progress=False)))
    return {k: 60000 / statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median taken)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.rounds} interleaved rounds\n")

    xor = xor_bench(args.rounds)
    med, acc = xor["median_s"], xor["accuracy"]
    print("XOR tutorial config (2500 points, batch 128, 100 epochs, SGD 0.1)")
    for name in ("tutorial", "lt.fit", "floor", "TensorDataset", "numpy", "Dataset", "live"):
        print(f"  {name:<13} {med[name]:7.3f} s   test accuracy {acc[name]:.3f}")
    speedup = med["tutorial"] / med["lt.fit"]
    over_floor = med["lt.fit"] / med["floor"]
    print(f"  lt.fit vs tutorial: {speedup:.2f}x faster (target >= 2.8x)  {'OK' if speedup >= 2.8 else 'MISSED'}")
    print(f"  lt.fit vs floor:    {over_floor:.3f}x (target <= 1.10x)  {'OK' if over_floor <= 1.10 else 'MISSED'}")
    for kind in ("TensorDataset", "numpy"):
        ratio = med[kind] / med["lt.fit"]
        print(f"  {kind} vs lt dataset: {ratio:.3f}x (target <= 1.05x)  {'OK' if ratio <= 1.05 else 'MISSED'}")
    ratio = med["live"] / med["lt.fit"]
    print(f"  live=True vs lt.fit: {ratio:.2f}x (target <= 1.5x)  {'OK' if ratio <= 1.5 else 'MISSED'}")
    ratio = med["tutorial"] / med["Dataset"]
    print(f"  user's Dataset vs tutorial loop: {ratio:.2f}x as fast (target >= 1.0x)  {'OK' if ratio >= 1.0 else 'MISSED'}")

    sps = mnist_bench(max(3, args.rounds // 2))
    ratio = sps["lt.fit"] / sps["DataLoader"]
    print("\nMNIST-sized synthetic epoch (60000 x 784, batch 128, MLP 784-32-10)")
    for name, value in sps.items():
        print(f"  {name:<10} {value:10.0f} samples/s")
    print(f"  lt.fit vs DataLoader: {ratio:.2f}x (target >= 1.9x)  {'OK' if ratio >= 1.9 else 'MISSED'}")


if __name__ == "__main__":
    main()
