"""Everything the training loop does besides training: progress, Ctrl-C, divergence, early
stopping, checkpoints, logging. Each is a :class:`Callback`; ``fit`` adds the defaults (Ctrl-C,
divergence, the history, a progress bar where one helps) unless the caller passes their own.

Hooks, in order: ``on_fit_begin``, then per epoch ``on_epoch_begin``, ``on_batch_end`` after
each optimizer step, ``on_epoch_end``; ``on_fit_end`` always runs, also after an error. Each gets
the :class:`TrainingState`; setting ``state.stop_training = True`` stops after this epoch, and
``state.stop_now = True`` after the current step.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from ..data import _check_nonnegative, _check_positive_int, all_finite
from ..metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS
from ..suggest import did_you_mean
from .history import History, TrainingDiverged

__all__ = [
    "Callback", "TrainingState", "LambdaCallback", "EarlyStopping", "KeepBestWeights", "ModelCheckpoint",
    "CSVLogger", "TensorBoardLogger", "ProgressBar", "InterruptHandler", "DivergenceGuard", "RecordHistory",
]


class TrainingState:
    """What callbacks see: the model, optimizer, history, the current epoch, batch and logs."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, history: History, epochs: int,
                 metrics: Sequence[str] = ()) -> None:
        self.model = model
        self.optimizer = optimizer
        self.history = history
        self.epochs = epochs
        self.epoch = 0
        self.batch = 0
        self.logs: Dict[str, float] = {}
        self.batch_logs: Dict[str, float] = {}
        self.available: List[str] = list(metrics)  # history keys this run will log
        self.stop_training = False
        self.stop_now = False
        self.stop_reason: Optional[str] = None
        self.interrupted = False
        self.initial_loss: Optional[float] = None  # the loss before training, when known
        self.save_checkpoint: Optional[Callable[[Union[str, os.PathLike]], Path]] = None

    @property
    def lr(self) -> float:
        """The first parameter group's learning rate now."""
        return float(self.optimizer.param_groups[0]["lr"])

    def stop(self, reason: str) -> None:
        """Stop after this epoch, saying why (the history keeps the reason)."""
        self.stop_training = True
        self.stop_reason = self.stop_reason or reason


class Callback:
    """Hooks ``fit`` calls; override the ones you need. ``state_dict`` is kept in training
    checkpoints so a resumed run continues where it stopped."""

    def on_fit_begin(self, state: TrainingState) -> None:
        """Before the first epoch (after every argument was checked)."""

    def on_epoch_begin(self, state: TrainingState) -> None:
        """Before each epoch."""

    def on_batch_end(self, state: TrainingState) -> None:
        """After each optimizer step; ``state.batch_logs`` holds the batch's loss and lr."""

    def on_epoch_end(self, state: TrainingState) -> None:
        """After each completed epoch; ``state.logs`` holds its metrics."""

    def on_fit_end(self, state: TrainingState) -> None:
        """After the last epoch, also when training stopped early, was interrupted or failed."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def overrides(callback: Callback, hook: str) -> bool:
    """Does ``callback`` do anything on ``hook``? (The loop calls per-batch hooks only if so.)"""
    if isinstance(callback, LambdaCallback):
        return callback.functions.get(hook) is not None
    return getattr(type(callback), hook) is not getattr(Callback, hook) or hook in vars(callback)


# --- plain functions as callbacks ------------------------------------------------------------------

class LambdaCallback(Callback):
    """Callbacks from plain functions (R functions too), which get plain values:

    ``on_fit_begin(logs)``, ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_fit_end(logs)``. ``logs`` holds the loss, the metrics and
    the learning rate. A function returning True stops training.
    """

    def __init__(self, on_fit_begin: Optional[Callable] = None, on_epoch_begin: Optional[Callable] = None,
                 on_batch_end: Optional[Callable] = None, on_epoch_end: Optional[Callable] = None,
                 on_fit_end: Optional[Callable] = None) -> None:
        self.functions = dict(on_fit_begin=on_fit_begin, on_epoch_begin=on_epoch_begin, on_batch_end=on_batch_end,
                              on_epoch_end=on_epoch_end, on_fit_end=on_fit_end)
        for name, fn in self.functions.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"`{name}` must be a function, got {type(fn).__name__}")

    def _call(self, state: TrainingState, name: str, *args: Any) -> None:
        fn = self.functions[name]
        if fn is not None and fn(*args) is True:
            state.stop(f"stopped by a callback ({name})")

    def on_fit_begin(self, state: TrainingState) -> None:
        self._call(state, "on_fit_begin", {"epochs": state.epochs, "lr": state.lr})

    def on_epoch_begin(self, state: TrainingState) -> None:
        self._call(state, "on_epoch_begin", state.epoch, {"lr": state.lr})

    def on_batch_end(self, state: TrainingState) -> None:
        fn = self.functions["on_batch_end"]
        if fn is not None and fn(state.batch, dict(state.batch_logs)) is True:
            state.stop("stopped by a callback (on_batch_end)")
            state.stop_now = True

    def on_epoch_end(self, state: TrainingState) -> None:
        self._call(state, "on_epoch_end", state.epoch, dict(state.logs))

    def on_fit_end(self, state: TrainingState) -> None:
        self._call(state, "on_fit_end", dict(state.history.last()))


def as_callback(value: Any, index: int) -> Callback:
    """A Callback, or a plain function ``f(epoch, logs)`` run after each epoch."""
    if isinstance(value, Callback):
        return value
    if callable(value):
        return LambdaCallback(on_epoch_end=value)
    raise TypeError(f"`callbacks[{index}]` must be a learntorch Callback or a function f(epoch, logs), "
                    f"got {type(value).__name__}")


# --- the history ---------------------------------------------------------------------------------

class RecordHistory(Callback):
    """Appends each epoch's logs to ``state.history`` (after the divergence check)."""

    def on_epoch_end(self, state: TrainingState) -> None:
        state.history.append({"epoch": state.epoch, **state.logs})


# --- Ctrl-C --------------------------------------------------------------------------------------

class InterruptHandler(Callback):
    """The first Ctrl-C stops after the current step; a second one raises at once.

    Stopping between steps (never inside ``optimizer.step()``) leaves the model with the weights
    of the last completed step, and ``fit`` returns the history so far. The handler that was in
    place before is put back exactly, a C-level one too (R's, when called through reticulate),
    so Ctrl-C keeps working in the caller's session afterwards.
    """

    def __init__(self) -> None:
        self.requested = False
        self._state: Optional[TrainingState] = None
        self._saved: Optional[_SavedHandler] = None

    def _handler(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        if self._state is not None:
            self._state.stop_now = True
            self._state.interrupted = True
            self._state.stop(f"interrupted during epoch {self._state.epoch}")

    def on_fit_begin(self, state: TrainingState) -> None:
        self.requested, self._state = False, state
        if threading.current_thread() is threading.main_thread():
            self._saved = _SavedHandler.install(signal.SIGINT, self._handler)

    def on_fit_end(self, state: TrainingState) -> None:
        if self._saved is not None:
            self._saved.restore()
            self._saved = None
        self._state = None


class _SavedHandler:
    """A signal's handler saved before ours is installed, restored exactly afterwards.

    ``signal.signal`` can only restore handlers Python installed; a handler set in C (R's, when
    Python runs inside R) reads as None and would be lost. Saving the raw ``sigaction`` through
    libc keeps it.
    """

    def __init__(self, signum: int, python_handler: Any, raw: Optional[Any]) -> None:
        self.signum, self.python_handler, self.raw = signum, python_handler, raw

    @classmethod
    def install(cls, signum: int, handler: Callable) -> Optional["_SavedHandler"]:
        raw = _raw_sigaction(signum)
        try:
            previous = signal.signal(signum, handler)
        except (ValueError, OSError):  # embedded interpreters may refuse
            return None
        return cls(signum, previous, raw)

    def restore(self) -> None:
        if self.python_handler is not None:
            signal.signal(self.signum, self.python_handler)
        # The raw action is the truth: inside R, Python's table may name its own default handler
        # while the process runs R's, and only the raw action puts R's back.
        if self.raw is not None:
            _set_raw_sigaction(self.signum, self.raw)


@functools.lru_cache(maxsize=1)
def _libc() -> Optional[Any]:
    """The C library already loaded in this process (no search: find_library runs ldconfig)."""
    if sys.platform not in ("linux", "darwin"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "sigaction") else None
    except OSError:
        return None


def _raw_sigaction(signum: int) -> Optional[Any]:
    libc = _libc()
    if libc is None:
        return None
    import ctypes

    buffer = ctypes.create_string_buffer(512)  # larger than any platform's struct sigaction
    return buffer if libc.sigaction(signum, None, buffer) == 0 else None


def _set_raw_sigaction(signum: int, buffer: Any) -> None:
    libc = _libc()
    if libc is not None:
        libc.sigaction(signum, buffer, None)


# --- divergence ----------------------------------------------------------------------------------

def snapshot(model: nn.Module) -> Dict[str, torch.Tensor]:
    """A copy of the weights, on the CPU (large models keep their restore points off the GPU)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


class DivergenceGuard(Callback):
    """A NaN or infinite loss (or weights) raises :class:`TrainingDiverged` naming the epoch, with
    the model back at its last finite weights and the history of the epochs before.

    A finite loss that grows ``factor`` times above its best value is exploding: a warning by
    default, a TrainingDiverged with ``on_divergence="stop"``, nothing with ``"ignore"``.
    """

    def __init__(self, on_divergence: str = "warn", factor: float = 1e4) -> None:
        if on_divergence not in ("warn", "stop", "ignore"):
            raise ValueError(f"`on_divergence` must be 'warn', 'stop' or 'ignore', got {on_divergence!r}")
        self.on_divergence = on_divergence
        self.factor = factor
        self.best = math.inf
        self.warned = False
        self._points: List[Dict[str, torch.Tensor]] = []

    def on_fit_begin(self, state: TrainingState) -> None:
        # The loss before training is the first yardstick, so that a run exploding from its
        # first epoch (Adam at lr=1e6) is caught too.
        self.best = state.initial_loss if state.initial_loss is not None else math.inf
        self.warned, self._points = False, []

    def on_epoch_begin(self, state: TrainingState) -> None:
        # The last two epoch starts: an epoch that began with broken weights shows a NaN loss, so
        # the one before it began finite.
        self._points = (self._points + [snapshot(state.model)])[-2:]

    def on_epoch_end(self, state: TrainingState) -> None:
        loss = state.logs.get("train_loss", math.nan)
        if not math.isfinite(loss):
            self._fail(state, f"training loss became {loss} in epoch {state.epoch}")
        if self.on_divergence != "ignore" and self.best > 0 and loss > self.factor * self.best:
            what = f"the training loss exploded to {loss:.4g} in epoch {state.epoch} (best {self.best:.4g})"
            if self.on_divergence == "stop":
                self._fail(state, what)
            elif not self.warned:
                warnings.warn(f"{what}: lower `lr` (now {state.history.params.get('lr')}), or pass "
                              "on_divergence='stop' to stop such runs", RuntimeWarning, stacklevel=2)
                self.warned = True
        self.best = min(self.best, loss)

    def on_fit_end(self, state: TrainingState) -> None:
        # A step on a finite loss can still overflow the weights; checked once here, not every
        # epoch (a later epoch would show it as a NaN loss).
        if state.history.epochs and not all(all_finite(p) for p in state.model.parameters()):
            self._fail(state, f"the weights became infinite or NaN in epoch {state.history.epochs}")

    def _fail(self, state: TrainingState, what: str) -> None:
        if not all(all_finite(p) for p in state.model.parameters()) or "exploded" in what:
            for weights in reversed(self._points):
                if all(all_finite(w) for w in weights.values()):
                    state.model.load_state_dict(weights)
                    break
        raise TrainingDiverged(
            f"{what}; the model keeps its last finite weights. Try a smaller `lr` "
            f"(now {state.history.params.get('lr')}) or check the inputs for huge values.", state.history)


# --- best weights, early stopping ------------------------------------------------------------------

def _monitor_mode(monitor: str, mode: str) -> str:
    if mode == "auto":
        return "max" if any(w in monitor for w in ("accuracy", "auc", "f1", "precision", "recall", "r2")) else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


# Every name a history can log: the loss and each metric on either split, and the learning rate.
MONITORABLE = tuple(f"{split}_{m}" for split in ("train", "valid")
                    for m in ("loss",) + CLASSIFICATION_METRICS + REGRESSION_METRICS) + ("lr",)


def check_monitor_name(monitor: Any) -> str:
    """A name some history can log (``valid_loss``, ``train_accuracy``, ``lr``...), checked when the
    callback is made, so that ``val_loss`` fails at once with a suggestion, not at fit time."""
    if not isinstance(monitor, str):
        raise TypeError(f"`monitor` must be a metric name such as 'valid_loss', got {monitor!r}")
    if monitor not in MONITORABLE:
        raise ValueError(f"`monitor` must be a history metric: 'train_' or 'valid_' and 'loss' or a metric name "
                         f"(e.g. 'valid_loss', 'valid_accuracy'), or 'lr'; got {monitor!r}."
                         f"{did_you_mean(monitor, MONITORABLE)}")
    return monitor


def check_monitor(monitor: str, state: TrainingState, who: str) -> None:
    """Refuse, before any weight changes, a metric this run will not log."""
    if monitor not in state.available:
        hint = " (pass `valid` or `valid_fraction` to fit for valid_* metrics)" if monitor.startswith("valid_") else ""
        raise ValueError(f"{who} cannot monitor {monitor!r}: this run logs {state.available}{hint}."
                         f"{did_you_mean(monitor, state.available)}")


class KeepBestWeights(Callback):
    """Remember the weights of the best epoch by ``monitor`` and load them when training ends."""

    def __init__(self, monitor: str = "valid_loss", mode: str = "auto") -> None:
        self.monitor = check_monitor_name(monitor)
        self.mode = _monitor_mode(monitor, mode)
        self.best: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self._weights: Optional[Dict[str, torch.Tensor]] = None

    def _better(self, value: float, margin: float = 0.0) -> bool:
        if self.best is None:
            return True
        return value < self.best - margin if self.mode == "min" else value > self.best + margin

    def on_fit_begin(self, state: TrainingState) -> None:
        check_monitor(self.monitor, state, type(self).__name__)

    def on_epoch_end(self, state: TrainingState) -> None:
        value = state.logs[self.monitor]
        if self._better(value):
            self.best, self.best_epoch = value, state.epoch
            self._weights = snapshot(state.model)

    def on_fit_end(self, state: TrainingState) -> None:
        if self._weights is not None:
            state.model.load_state_dict(self._weights)
            state.history.params["best_epoch"] = self.best_epoch

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "weights": self._weights}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self._weights = state["best"], state["best_epoch"], state["weights"]


class EarlyStopping(KeepBestWeights):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``monitor`` is any history metric (``valid_loss``, ``valid_f1``, ``train_loss``...). With
    ``restore_best_weights=True`` (the default) the model ends with its best epoch's weights.
    """

    def __init__(self, monitor: str = "valid_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        super().__init__(monitor, mode)
        self.patience = _check_positive_int(patience, "patience")
        self.min_delta = _check_nonnegative(min_delta, "min_delta")
        if not isinstance(restore_best_weights, (bool, np.bool_)):
            raise TypeError(f"`restore_best_weights` must be True or False, got {restore_best_weights!r}")
        self.restore_best_weights = bool(restore_best_weights)
        self.wait = 0

    def on_epoch_end(self, state: TrainingState) -> None:
        value = state.logs[self.monitor]
        if self._better(value, self.min_delta):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self._weights = snapshot(state.model)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                state.stop(f"early stopping: {self.monitor} did not improve for {self.patience} "
                           f"epochs (best {self.best:.4g} at epoch {self.best_epoch})")

    def on_fit_end(self, state: TrainingState) -> None:
        if self.restore_best_weights:
            super().on_fit_end(state)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "wait": self.wait}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.wait = state["wait"]


# --- checkpoints and logs --------------------------------------------------------------------------

class ModelCheckpoint(Callback):
    """Write a resumable training checkpoint to ``path`` every ``every`` epochs.

    With ``monitor``, only when that metric is the best so far. The file holds the model (as
    ``learntorch.save`` writes it), optimizer and scheduler state, the history, the epoch, the
    callbacks' state and the random generators, so ``fit(..., resume=path)`` continues the run
    exactly. Writes are atomic.
    """

    def __init__(self, path: Union[str, os.PathLike], monitor: Optional[str] = None, every: int = 1,
                 mode: str = "auto") -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"`path` must be a file path, got {type(path).__name__}")
        self.path = Path(path).expanduser()
        if not self.path.parent.exists():
            raise FileNotFoundError(f"the folder for `path` does not exist: {self.path.parent}")
        self.monitor = None if monitor is None else check_monitor_name(monitor)
        self.every = _check_positive_int(every, "every")
        self.mode = _monitor_mode(monitor, mode) if monitor is not None else None
        self.best: Optional[float] = None

    def on_fit_begin(self, state: TrainingState) -> None:
        if self.monitor is not None:
            check_monitor(self.monitor, state, "ModelCheckpoint")

    def on_epoch_end(self, state: TrainingState) -> None:
        if state.epoch % self.every:
            return
        if self.monitor is not None:
            value = state.logs[self.monitor]
            improved = self.best is None or (value < self.best if self.mode == "min" else value > self.best)
            if not improved:
                return
            self.best = value
        state.save_checkpoint(self.path)

    def state_dict(self) -> dict:
        return {"best": self.best}

    def load_state_dict(self, state: dict) -> None:
        self.best = state["best"]


class CSVLogger(Callback):
    """Append each epoch's metrics to a CSV file (one row per epoch, one column per metric)."""

    def __init__(self, path: Union[str, os.PathLike], append: bool = False) -> None:
        self.path = Path(path).expanduser()
        if not self.path.parent.exists():
            raise FileNotFoundError(f"the folder for `path` does not exist: {self.path.parent}")
        self.append = bool(append)
        self._columns: Optional[List[str]] = None

    def on_fit_begin(self, state: TrainingState) -> None:
        self._columns = ["epoch"] + [m for m in state.available]
        if not (self.append and self.path.exists()):
            with open(self.path, "w", newline="") as handle:
                csv.writer(handle).writerow(self._columns)

    def on_epoch_end(self, state: TrainingState) -> None:
        row = {"epoch": state.epoch, **state.logs}
        with open(self.path, "a", newline="") as handle:
            csv.writer(handle).writerow([row.get(c, "") for c in self._columns])


class TensorBoardLogger(Callback):
    """Write each epoch's metrics as TensorBoard scalars (needs the ``tensorboard`` package)."""

    def __init__(self, log_dir: Union[str, os.PathLike] = "runs") -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ImportError("TensorBoardLogger needs the tensorboard package: pip install "
                              "learntorch[tensorboard]") from exc
        self._writer_class = SummaryWriter
        self.log_dir = str(log_dir)
        self.writer = None

    def on_fit_begin(self, state: TrainingState) -> None:
        self.writer = self._writer_class(self.log_dir)

    def on_epoch_end(self, state: TrainingState) -> None:
        for key, value in state.logs.items():
            split, _, metric = key.partition("_") if key.startswith(("train_", "valid_")) else ("train", "", key)
            self.writer.add_scalar(f"{metric}/{split}", value, state.epoch)

    def on_fit_end(self, state: TrainingState) -> None:
        if self.writer is not None:
            self.writer.close()


# --- progress --------------------------------------------------------------------------------------

def in_notebook() -> bool:
    """Running in a Jupyter kernel?"""
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def show_progress(progress: Union[bool, str]) -> bool:
    """``progress="auto"``: a bar in a terminal or a Jupyter kernel; none under pytest, knitr,
    logs or CI (R passes its own answer: interactive() and not knitr/testthat)."""
    if progress == "auto":
        if "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("LEARNTORCH_PROGRESS") == "0":
            return False
        if in_notebook():
            return True
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not isinstance(progress, bool):
        raise ValueError(f"`progress` must be True, False or 'auto', got {progress!r}")
    return progress


def _tqdm() -> Any:
    """tqdm's notebook bar where ipywidgets can draw it, its text bar otherwise (no TqdmWarning)."""
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm.std import tqdm
    return tqdm


class ProgressBar(Callback):
    """A tqdm bar over the epochs, showing the loss and the metrics."""

    def __init__(self) -> None:
        self.bar = None

    def on_fit_begin(self, state: TrainingState) -> None:
        done = state.history.epochs
        self.bar = _tqdm()(total=state.epochs, initial=done, desc="fit", unit="epoch", leave=True)

    def on_epoch_end(self, state: TrainingState) -> None:
        self.bar.update(1)
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in state.logs.items()}, refresh=False)

    def on_fit_end(self, state: TrainingState) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
