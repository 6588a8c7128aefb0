"""What the ranks of test_distributed.py run (a module, so spawned processes import it by name).

Every scenario is a plain function of its settings, run both in one process (the test itself)
and in each rank of a 2-process ``lt.launch``; one launch runs many scenarios, because starting
processes (importing torch in each) costs seconds on two cores.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import torch

import learntorch as lt

# (data, optimizer, valid_fraction): XOR and digits MLPs, SGD and Adam, with and without a split.
SCENARIOS = [(data, opt, vf) for data in ("xor", "digits") for opt in ("sgd", "adam") for vf in (None, 0.25)]


def _data(name: str):
    if name == "xor":
        # 250 rows in global batches of 32: the last batch has 26 rows (with the split, 187 -> 27).
        return lt.continuous_xor(250, seed=1), lambda: lt.MLP(2, (8,), 1)
    digits = lt.digits()
    return (digits.x[:300].reshape(300, -1), digits.y[:300]), lambda: lt.MLP(64, (32,), 10)


def scenario(data: str, optimizer: str, valid_fraction, epochs: int = 4, **fit_args):
    """(weights, history frame, history) of one training run."""
    train, make = _data(data)
    torch.manual_seed(0)
    model = make()
    lr = 0.1 if optimizer == "sgd" else 0.01
    history = lt.fit(model, train, epochs=epochs, batch_size=32, optimizer=optimizer, lr=lr, seed=7,
                     valid_fraction=valid_fraction, metrics=["accuracy", "f1", "auc"] if data == "xor" else
                     ["accuracy", "f1"], progress=False, **fit_args)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}, history.to_frame(), history


def equivalence_and_files(folder: str):
    """Rank work for the main test: every scenario, then checkpoints, logs and a resumed run.

    Returns rank 0's results; each rank writes into its own folder (only rank 0 should write).
    """
    rank = lt.Distributed.detect().rank
    results = {key: scenario(*key)[:2] for key in SCENARIOS}
    mine = Path(folder) / f"rank{rank}"
    mine.mkdir()
    shared = Path(folder) / "rank0"  # rank 0's checkpoint, which every rank resumes from
    cbs = [lt.ModelCheckpoint(mine / "run.pt"), lt.CSVLogger(mine / "log.csv")]
    first = scenario("xor", "adam", 0.25, epochs=2, callbacks=cbs)
    # Every rank reads rank 0's file (written before the epoch's last collective) and goes on to 4.
    resumed = scenario("xor", "adam", 0.25, epochs=4, resume=shared / "run.pt")
    return {"scenarios": results, "first": first[:2], "resumed": resumed[:2], "rank": rank,
            "interrupted": interrupt_self_on_rank_1(), "dataset": dataset_run(), "diverged": diverge(),
            # every rank's histories, to check they are identical
            "histories": _all_ranks([results[k][1] for k in SCENARIOS])}


def _all_ranks(value):
    import torch.distributed as dist

    box = [None] * dist.get_world_size()
    dist.all_gather_object(box, value)
    return box


def fail_on_rank_1(epochs: int = 50):
    """Rank 1 raises in its third epoch, while rank 0 trains (and waits for it)."""
    rank = lt.Distributed.detect().rank

    def maybe_fail(epoch, logs):
        if rank == 1 and epoch == 3:
            raise ValueError("rank 1 broke on purpose")

    scenario("xor", "sgd", None, epochs=epochs, callbacks=[maybe_fail])
    return "finished"


def train_until_interrupted(ready: str, epochs: int = 100000):
    """Trains until Ctrl-C; rank 0 touches ``ready`` after the first epoch."""
    def started(epoch, logs):
        if epoch == 1 and lt.Distributed.detect().is_main:
            Path(ready).write_text(str(os.getpid()))

    _, frame, history = scenario("xor", "sgd", None, epochs=epochs, callbacks=[started])
    return {"epochs": history.epochs, "interrupted": history.interrupted, "reason": history.stop_reason,
            "rows": len(frame)}


def interrupt_self_on_rank_1():
    """SIGINT to rank 1 alone (as a terminal would to one process): both ranks stop together."""
    rank = lt.Distributed.detect().rank

    def on_batch(batch, logs):
        if rank == 1 and batch == 3:
            os.kill(os.getpid(), signal.SIGINT)

    train, make = _data("xor")
    torch.manual_seed(0)
    history = lt.fit(make(), train, epochs=50, batch_size=32, seed=1, progress=False,
                     callbacks=[lt.LambdaCallback(on_batch_end=on_batch)])
    return _all_ranks((history.epochs, history.interrupted, history.stop_reason))


class Rows(torch.utils.data.Dataset):
    """A map-style Dataset (read through a DataLoader) that remembers which rows it gave."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y, self.seen = x, y, []

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        self.seen.append(int(i))
        return self.x[i], self.y[i]


def dataset_run():
    """A Dataset: each rank reads its share (a seeded DistributedSampler); the same history on all."""
    data = lt.continuous_xor(200, seed=2)
    train, valid = Rows(data.x, data.y), Rows(data.x[:50], data.y[:50])
    torch.manual_seed(0)
    model = lt.MLP(2, (8,), 1)
    epoch_1 = []

    def begin(epoch, logs):
        train.seen.clear()  # before: the probe of the first batch

    def end(epoch, logs):
        epoch_1.extend(train.seen if epoch == 1 else [])

    history = lt.fit(model, train, valid=valid, epochs=2, batch_size=32, seed=1, metrics=["accuracy"],
                     progress=False, callbacks=[lt.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)])
    try:
        lt.fit(model, torch.utils.data.DataLoader(train, batch_size=16), epochs=1, progress=False)
        error = ""
    except ValueError as exc:
        error = str(exc)
    return _all_ranks(sorted(epoch_1)), _all_ranks(history.to_frame()), error


def diverge():
    """A learning rate that blows the loss up: every rank raises TrainingDiverged at the same epoch."""
    data = lt.linear_regression_data(256, seed=0)
    torch.manual_seed(0)
    try:
        lt.fit(lt.MLP(2, (8,), 1, task="regression"), data, epochs=5, batch_size=32, lr=10.0, seed=1, progress=False)
        outcome = ("no divergence", -1)
    except lt.TrainingDiverged as exc:
        outcome = (str(exc).split(";")[0], exc.history.epochs)
    return _all_ranks(outcome)
