"""Training checkpoints that resume: what a run needs to continue exactly where it stopped.

A training checkpoint is a learntorch checkpoint (the model, loadable with ``lt.load``) plus a
``training`` entry: the epoch, optimizer, scheduler and gradient-scaler state, the history, each
callback's state, and the random generators (torch's, CUDA's, numpy's, Python's and the
shuffling generator). Stopping after 5 epochs and resuming to 10 gives bitwise the weights and
history of 10 epochs in one go, on the CPU with the same seed.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np
import torch

from .. import checkpoints
from .callbacks import Callback, TrainingState
from .prepare import Run

__all__ = ["saver", "restore", "flush"]

PathLike = Union[str, os.PathLike]


def saver(run: Run, state: TrainingState, callbacks: List[Callback]) -> Callable[[PathLike], None]:
    """``state.save_checkpoint``: queues a write, done once every callback has seen the epoch
    (so the file holds all of their state for that epoch)."""
    state.pending_saves = []  # type: ignore[attr-defined]

    def request(path: PathLike) -> None:
        state.pending_saves.append(Path(path))  # type: ignore[attr-defined]

    state.flush_saves = lambda: flush(run, state, callbacks)  # type: ignore[attr-defined]
    return request


def flush(run: Run, state: TrainingState, callbacks: List[Callback]) -> None:
    """Write the queued training checkpoints (in a distributed run, rank 0 alone writes them)."""
    paths, state.pending_saves = state.pending_saves, []  # type: ignore[attr-defined]
    if not paths or not run.dist.is_main:
        return
    training = capture(run, state, callbacks)
    for path in dict.fromkeys(paths):
        checkpoints.save_run(run.model, path, training)


def capture(run: Run, state: TrainingState, callbacks: List[Callback]) -> Dict[str, Any]:
    """Everything but the model that a resumed run needs."""
    schedule, scaler = run.schedule, run.precision.scaler
    return {
        "epoch": state.history.epochs,
        "optimizer": run.optimizer.state_dict(),
        "scheduler": None if schedule is None else schedule.scheduler.state_dict(),
        "scaler": None if scaler is None else scaler.state_dict(),
        "history": state.history.state_dict(),
        "callbacks": [[type(cb).__name__, cb.state_dict()] for cb in callbacks],
        "rng": _rng_state(run.generator),
    }


def restore(path: PathLike, run: Run, state: TrainingState, callbacks: List[Callback]) -> None:
    """Put a run back in the state a training checkpoint holds."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`resume` must be the path of a training checkpoint, got {type(path).__name__}")
    payload = checkpoints.read_checkpoint(path)
    training = payload.get("training")
    if not isinstance(training, dict):
        raise ValueError(f"`resume`: {path} holds a model but no training state; resume from a file written by "
                         "ModelCheckpoint (lt.save files hold the model only)")
    try:
        run.model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise ValueError(f"`resume`: the model in {path} does not match this model: {exc}") from None
    try:
        run.optimizer.load_state_dict(training["optimizer"])
    except (ValueError, KeyError) as exc:
        raise ValueError(f"`resume`: the optimizer state in {path} does not fit this optimizer "
                         f"({type(run.optimizer).__name__}): {exc}") from None
    if run.schedule is not None and training.get("scheduler") is not None:
        run.schedule.scheduler.load_state_dict(training["scheduler"])
    if run.precision.scaler is not None and training.get("scaler") is not None:
        run.precision.scaler.load_state_dict(training["scaler"])
    state.history.load_state_dict(training["history"])
    _restore_callbacks(callbacks, training.get("callbacks", []))
    _set_rng_state(training["rng"], run.generator)


def _restore_callbacks(callbacks: List[Callback], saved: List[list]) -> None:
    """Each callback takes the saved state of the same class, in order."""
    remaining = list(saved)
    for cb in callbacks:
        for i, (name, value) in enumerate(remaining):
            if name == type(cb).__name__:
                if value:
                    cb.load_state_dict(value)
                del remaining[i]
                break


def _rng_state(generator: Optional[torch.Generator]) -> Dict[str, Any]:
    np_state = np.random.get_state()
    py_state = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]), int(np_state[3]),
                  float(np_state[4])],
        "python": [py_state[0], list(py_state[1]), py_state[2]],
        "shuffle": None if generator is None else generator.get_state(),
    }


def _set_rng_state(state: Dict[str, Any], generator: Optional[torch.Generator]) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if generator is not None and state.get("shuffle") is not None:
        generator.set_state(state["shuffle"])
