"""Data-parallel scaling: an MNIST-sized epoch in 1 process against 2 (``lt.launch``, gloo).

60,000 x 784 synthetic inputs, 10 classes, global batch 256, a 784-256-10 MLP, SGD. Each figure
is the median epoch time measured inside ``fit`` (epochs after the first), so process start-up
and data generation are not counted. Run: ``.venv/bin/python bench/distributed.py``.

Scaling efficiency = samples/s of N processes / (N x samples/s of 1 process on 1 thread): the
share of N independent workers' speed that data parallelism keeps. Only ratios from the same run
mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

import learntorch as lt

N, FEATURES, CLASSES, BATCH = 60_000, 784, 10, 256


class EpochTimer(lt.Callback):
    """Seconds of each epoch, as fit runs it (steps, all-reduces, the epoch's metrics)."""

    def __init__(self) -> None:
        self.seconds: list = []
        self._start = 0.0

    def on_epoch_begin(self, state) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, state) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def epoch_seconds(epochs: int, threads: int) -> float:
    """Median epoch time (epochs after the first) of the benchmark's fit, in this process."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, FEATURES, generator=gen)
    y = torch.randint(0, CLASSES, (N,), generator=gen)
    torch.manual_seed(0)
    model = lt.MLP(FEATURES, (256,), CLASSES)
    timer = EpochTimer()
    lt.fit(model, (x, y), epochs=epochs, batch_size=BATCH, lr=0.05, seed=0, num_threads=threads,
           callbacks=[timer], progress=False)
    return statistics.median(timer.seconds[1:] or timer.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (the first is not timed)")
    parser.add_argument("--nprocs", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"torch {torch.__version__}, {cores} cores; {N} x {FEATURES}, batch {BATCH} (global), MLP "
          f"{FEATURES}-256-{CLASSES}, {args.epochs} epochs a run, median of epochs 2+\n")
    rows = {
        "1 process, 1 thread": epoch_seconds(args.epochs, 1),
        f"1 process, {cores} threads": epoch_seconds(args.epochs, cores),
    }
    per_rank = max(1, cores // args.nprocs)
    started = time.perf_counter()
    rows[f"{args.nprocs} processes x {per_rank} thread(s)"] = lt.launch(epoch_seconds, nprocs=args.nprocs,
                                                                      args=(args.epochs, per_rank))
    start_up = time.perf_counter() - started - rows[f"{args.nprocs} processes x {per_rank} thread(s)"] * args.epochs
    base = N / rows["1 process, 1 thread"]
    for name, seconds in rows.items():
        print(f"  {name:<24} {seconds:6.2f} s/epoch  {N / seconds:9.0f} samples/s  {N / seconds / base:5.2f}x")
    distributed = N / rows[f"{args.nprocs} processes x {per_rank} thread(s)"]
    print(f"\n  scaling efficiency, {args.nprocs} processes: {distributed / (args.nprocs * base):.0%} "
          f"(samples/s over {args.nprocs} x one process on one thread)")
    threaded = N / rows[f"1 process, {cores} threads"]
    print(f"  against 1 process using all {cores} cores: {distributed / threaded:.2f}x")
    print(f"  starting the processes and the rest of the launch: about {max(start_up, 0):.1f} s")
    print(f"\nNote: this machine has {cores} CPU cores, so {args.nprocs} processes can at best use the same cores "
          "that one process\nalready uses through intra-op threads; each step also all-reduces 0.8 MB of "
          "gradients over\nloopback (gloo). Data parallelism pays off with one process per GPU or per machine, "
          "where each\nrank brings its own compute; here it shows the overhead, and that 1 and N processes "
          "train alike.")


if __name__ == "__main__":
    main()
