"""``fit``: the training loop, its ``History`` and its callbacks.

One step is the tutorial's five: slice a batch, forward, loss, zero the gradients, backward,
step. Gradients are zeroed every step (one source tutorial zeroes them once per epoch, which
sums gradients across the epoch). Batches are sliced from tensors already on the device.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .data import (BatchIterator, TensorDataset, _check_int, _check_nonnegative, _check_positive_int, _generator,
                   all_finite)
from .devices import resolve_device, threads
from .evaluation import _accuracy, _default_loss, _logits
from .losses import BINARY_LOSSES, CLASSIFICATION_LOSSES, bernoulli_nll_bce, cross_entropy, get_loss

__all__ = ["fit", "History", "Callback", "EarlyStopping", "KeepBestWeights", "TrainingDiverged", "make_optimizer"]

_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}
_DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2}

# Models up to this many parameters train faster on one CPU thread than on several.
_TINY_MODEL_PARAMS = 50_000


class TrainingDiverged(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


class History:
    """What ``fit`` measured, one record per completed epoch.

    ``history["train_loss"]`` gives a metric's values; ``to_frame()`` gives the tidy frame
    (epoch, split, metric, value) that both languages plot.
    """

    def __init__(self, params: Optional[dict] = None) -> None:
        self.records: List[Dict[str, float]] = []
        self.params: dict = dict(params or {})
        self.stopped_early = False
        self.interrupted = False
        self.stop_reason: Optional[str] = None

    def append(self, record: Dict[str, float]) -> None:
        """Add one epoch's record (``epoch`` plus its metrics)."""
        self.records.append(dict(record))

    @property
    def epochs(self) -> int:
        """Completed epochs."""
        return len(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def metrics(self) -> List[str]:
        """Metric names in the order first logged (``train_loss``, ``valid_accuracy``...)."""
        names: List[str] = []
        for rec in self.records:
            names += [k for k in rec if k != "epoch" and k not in names]
        return names

    def __getitem__(self, metric: str) -> List[float]:
        if metric not in self.metrics:
            raise KeyError(f"no metric {metric!r} in this history; it has {self.metrics}")
        return [rec.get(metric, math.nan) for rec in self.records]

    def last(self) -> Dict[str, float]:
        """The last epoch's record ({} before any epoch)."""
        return dict(self.records[-1]) if self.records else {}

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (epoch, split, metric), split in {train, valid}."""
        rows = []
        for rec in self.records:
            for key, value in rec.items():
                if key == "epoch":
                    continue
                split, metric = key.split("_", 1)
                rows.append((rec["epoch"], split, metric, float(value)))
        frame = pd.DataFrame(rows, columns=["epoch", "split", "metric", "value"])
        frame["epoch"] = frame["epoch"].astype("int64")
        return frame

    def __repr__(self) -> str:
        status = " (interrupted)" if self.interrupted else " (stopped early)" if self.stopped_early else ""
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items() if k != "epoch")
        return f"History({self.epochs} epochs{status}: {last})"


class Callback:
    """Hooks ``fit`` calls; set ``state.stop_training = True`` to stop after this epoch."""

    def on_train_begin(self, state: "TrainingState") -> None:
        """Before the first epoch."""

    def on_epoch_end(self, state: "TrainingState") -> None:
        """After each completed epoch; ``state.logs`` holds its metrics."""

    def on_train_end(self, state: "TrainingState") -> None:
        """After the last epoch, also when training stopped early or was interrupted."""


class TrainingState:
    """What callbacks see: the model, the history, the current epoch and its logs."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, history: History) -> None:
        self.model = model
        self.optimizer = optimizer
        self.history = history
        self.epoch = 0
        self.logs: Dict[str, float] = {}
        self.stop_training = False
        self.stop_reason: Optional[str] = None


def _monitor_mode(monitor: str, mode: str) -> str:
    if mode == "auto":
        return "max" if "accuracy" in monitor else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


def _snapshot(model: nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class KeepBestWeights(Callback):
    """Remember the weights of the best epoch by ``monitor`` and load them when training ends."""

    def __init__(self, monitor: str = "valid_loss", mode: str = "auto") -> None:
        self.monitor = monitor
        self.mode = _monitor_mode(monitor, mode)
        self.best: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self._weights: Optional[Dict[str, torch.Tensor]] = None

    def _better(self, value: float, margin: float = 0.0) -> bool:
        if self.best is None:
            return True
        return value < self.best - margin if self.mode == "min" else value > self.best + margin

    def _monitored(self, state: TrainingState) -> float:
        if self.monitor not in state.logs:
            raise ValueError(f"cannot monitor {self.monitor!r}: this run logs {sorted(state.logs)} "
                             "(pass `valid` to fit for valid_* metrics)")
        return state.logs[self.monitor]

    def on_train_begin(self, state: TrainingState) -> None:
        self.best, self.best_epoch, self._weights = None, None, None

    def on_epoch_end(self, state: TrainingState) -> None:
        value = self._monitored(state)
        if self._better(value):
            self.best, self.best_epoch = value, state.epoch
            self._weights = _snapshot(state.model)

    def on_train_end(self, state: TrainingState) -> None:
        if self._weights is not None:
            state.model.load_state_dict(self._weights)
            state.history.params["best_epoch"] = self.best_epoch


class EarlyStopping(KeepBestWeights):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` (the default) the model ends with its best epoch's weights.
    """

    def __init__(self, monitor: str = "valid_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        super().__init__(monitor, mode)
        self.patience = _check_positive_int(patience, "patience")
        self.min_delta = _check_nonnegative(min_delta, "min_delta")
        self.restore_best_weights = restore_best_weights
        self.wait = 0

    def on_train_begin(self, state: TrainingState) -> None:
        super().on_train_begin(state)
        self.wait = 0

    def on_epoch_end(self, state: TrainingState) -> None:
        value = self._monitored(state)
        if self._better(value, self.min_delta):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self._weights = _snapshot(state.model)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                state.stop_training = True
                state.stop_reason = (f"early stopping: {self.monitor} did not improve for {self.patience} "
                                     f"epochs (best {self.best:.4g} at epoch {self.best_epoch})")

    def on_train_end(self, state: TrainingState) -> None:
        if self.restore_best_weights:
            super().on_train_end(state)


class _FunctionCallback(Callback):
    """A plain function ``f(epoch, logs)`` run after each epoch; returning True stops training."""

    def __init__(self, fn: Callable[[int, Dict[str, float]], Any]) -> None:
        self.fn = fn

    def on_epoch_end(self, state: TrainingState) -> None:
        if self.fn(state.epoch, dict(state.logs)) is True:
            state.stop_training = True
            state.stop_reason = "stopped by a callback"


class _InterruptGuard:
    """Turn the first Ctrl-C into a request to stop after the current step.

    Stopping between steps (never inside ``optimizer.step()``) leaves the model with the
    weights of the last completed step. A second Ctrl-C raises at once. reticulate delivers
    R's interrupts to this same handler.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> "_InterruptGuard":
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
            except (ValueError, OSError):  # embedded interpreters may refuse
                self._previous = None
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def make_optimizer(model: nn.Module, optimizer: Union[str, torch.optim.Optimizer, Callable] = "sgd",
                   lr: Optional[float] = None, weight_decay: float = 0.0, **kwargs: Any) -> torch.optim.Optimizer:
    """An optimizer over ``model``'s parameters from a name, a class, or an existing optimizer."""
    if isinstance(optimizer, torch.optim.Optimizer):
        if lr is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr
        return optimizer
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0 or not math.isfinite(lr)):
        raise ValueError(f"`lr` must be a positive number, got {lr!r}")
    weight_decay = _check_nonnegative(weight_decay, "weight_decay")
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in _OPTIMIZERS:
            raise ValueError(f"`optimizer` must be one of {sorted(_OPTIMIZERS)} or a torch optimizer, got {optimizer!r}")
        lr = _DEFAULT_LR[key] if lr is None else lr
        return _OPTIMIZERS[key](model.parameters(), lr=lr, weight_decay=weight_decay, **kwargs)
    if callable(optimizer):
        extra = {} if lr is None else {"lr": lr}
        return optimizer(model.parameters(), weight_decay=weight_decay, **extra, **kwargs)
    raise TypeError(f"`optimizer` must be a name, an optimizer class or an optimizer, got {type(optimizer).__name__}")


def _show_progress(progress: Union[bool, str]) -> bool:
    if progress == "auto":
        # Off under pytest and knitr and whenever stderr is not a terminal (logs, CI, R).
        if "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("LEARNTORCH_PROGRESS") == "0":
            return False
        stream = sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())
    if not isinstance(progress, bool):
        raise ValueError(f"`progress` must be True, False or 'auto', got {progress!r}")
    return progress


def _resolve_loss(loss, model: nn.Module, train: TensorDataset, width: int):
    if loss is None:
        # The model decides: labels that arrive as floats 0.0/1.0 (as R sends numbers) still
        # train a classifier. Modules without a learntorch task fall back to the data's task.
        task = getattr(model, "task", None) or ("regression" if train.task == "regression" else "binary")
        return _default_loss(task, width)
    return get_loss(loss)


def _integer_labels(data: TensorDataset, name: str) -> TensorDataset:
    y = data.y
    if not y.is_floating_point():
        return data
    if not torch.equal(y, y.round()):
        raise ValueError(f"labels in `{name}` must be whole numbers 0, 1, ... for cross-entropy")
    return TensorDataset(data.x, y.long(), task="classification", feature_names=data.feature_names)


def _check_targets(loss_fn, y: torch.Tensor, width: int, name: str) -> None:
    if loss_fn in BINARY_LOSSES:
        bad = (y != 0) & (y != 1)
        if bad.any():
            raise ValueError(f"labels in `{name}` must be 0 or 1 for a Bernoulli loss; found {y[bad][0].item()!r}")
    elif loss_fn is cross_entropy:
        if y.is_floating_point() or (y < 0).any() or (y >= width).any():
            raise ValueError(f"labels in `{name}` must be integers 0..{width - 1} for cross-entropy "
                             f"(the model has {width} outputs)")


def _as_dataset(data: Any, name: str) -> TensorDataset:
    if isinstance(data, TensorDataset):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        return TensorDataset(data[0], data[1])
    if hasattr(data, "x") and hasattr(data, "y"):
        return TensorDataset(data.x, data.y)
    raise TypeError(f"`{name}` must be a learntorch dataset or an (x, y) pair, got {type(data).__name__}")


def _place(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a whole tensor to ``device`` once, if it fits in a third of the free memory."""
    if device.type != "cuda":
        return t.to(device)
    free, _ = torch.cuda.mem_get_info(device)
    return t.to(device) if t.element_size() * t.numel() < free / 3 else t


def fit(
    model: nn.Module,
    train: Union[TensorDataset, tuple],
    *,
    epochs: int,
    batch_size: int = 128,
    loss: Union[str, Callable, None] = None,
    optimizer: Union[str, torch.optim.Optimizer, Callable] = "sgd",
    lr: Optional[float] = None,
    weight_decay: float = 0.0,
    valid: Union[TensorDataset, tuple, None] = None,
    device: Union[str, torch.device, None] = "auto",
    seed: Optional[int] = None,
    callbacks: Iterable[Union[Callback, Callable]] = (),
    progress: Union[bool, str] = "auto",
    shuffle: bool = True,
    num_threads: Union[int, str, None] = "auto",
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs; returns a :class:`History`.

    ``loss`` is a name (``"bce"``, ``"cross_entropy"``, ``"mse"``, the three Bernoulli
    variants...) or a callable; None picks BCE for one-logit classifiers, cross-entropy for
    several logits and MSE for regression. ``optimizer`` is a name (``"sgd"``, ``"adam"``...)
    with ``lr`` (default 0.1 for SGD, 1e-3 for Adam) and ``weight_decay``, or an optimizer.
    ``seed`` fixes the shuffling order. ``num_threads="auto"`` trains tiny models on one CPU
    thread and restores the caller's setting afterwards.

    Ctrl-C stops after the current step and returns the history so far
    (``history.interrupted``). A non-finite loss raises :class:`TrainingDiverged` naming the
    epoch, and leaves the last finite weights in the model.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    train = _as_dataset(train, "train")
    valid = _as_dataset(valid, "valid") if valid is not None else None
    for name, data in (("train", train), ("valid", valid)):
        # A dataset's tensors can be changed after they were checked at construction.
        for part, t in (("x", data.x), ("y", data.y)) if data is not None else ():
            if not all_finite(t):
                raise ValueError(f"`{name}` has NaN or infinite values in its {part}")
    epochs = _check_int(epochs, "epochs", 0)
    batch_size = _check_positive_int(batch_size, "batch_size")
    if len(train) == 0:
        raise ValueError("`train` is empty")
    dev = resolve_device(device)
    callbacks = [cb if isinstance(cb, Callback) else _FunctionCallback(cb) if callable(cb) else None for cb in callbacks]
    if any(cb is None for cb in callbacks):
        raise TypeError("each of `callbacks` must be a learntorch Callback or a function f(epoch, logs)")
    show = _show_progress(progress)
    n_params = sum(p.numel() for p in model.parameters())
    if num_threads == "auto":
        num_threads = 1 if dev.type == "cpu" and n_params <= _TINY_MODEL_PARAMS else None

    model.to(dev)
    with torch.no_grad():
        # One sample tells the output width, and checks the input width against the model.
        width = model(train.x[:1].to(dev)).reshape(1, -1).shape[1]
    loss_fn = _resolve_loss(loss, model, train, width)
    if loss_fn is cross_entropy:
        # Whole-number float labels (from R or numpy) are class indices.
        train = _integer_labels(train, "train")
        valid = _integer_labels(valid, "valid") if valid is not None else None
    _check_targets(loss_fn, train.y, width, "train")
    if valid is not None:
        _check_targets(loss_fn, valid.y, width, "valid")
    step_loss = loss_fn
    is_classifier = loss_fn in CLASSIFICATION_LOSSES
    opt = make_optimizer(model, optimizer, lr, weight_decay)

    history = History(dict(epochs=epochs, batch_size=batch_size, optimizer=type(opt).__name__,
                           lr=opt.param_groups[0]["lr"], weight_decay=weight_decay,
                           loss=getattr(loss_fn, "__name__", type(loss_fn).__name__), device=str(dev), seed=seed))
    state = TrainingState(model, opt, history)
    x_dev, y_dev = _place(train.x, dev), _place(train.y, dev)
    if y_dev.is_floating_point() and y_dev.ndim == 1 and width == 1 and not is_classifier:
        y_dev = y_dev.unsqueeze(1)  # (N,) -> (N, 1) to match a one-output regressor
    if loss_fn in BINARY_LOSSES:
        # Cast and shape the labels once, as (N, 1) floats, so each step's loss needs no views.
        y_dev = y_dev.float().reshape(-1, 1) if width == 1 else y_dev.float()
        if loss_fn is bernoulli_nll_bce:
            step_loss = F.binary_cross_entropy_with_logits  # labels were checked above
    move = x_dev.device != dev  # data too big for the GPU moves batch by batch
    loader = BatchIterator(x_dev, y_dev, batch_size, shuffle=shuffle, generator=_generator(seed))
    # Rows per step of a full epoch: the epoch's mean loss is then one dot product.
    step_sizes = torch.tensor([len(idx) for idx in torch.arange(len(train)).split(batch_size)],
                              dtype=torch.float32, device=dev)

    bar = None
    if show:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, desc="fit", unit="epoch", leave=True)

    with threads(num_threads), _InterruptGuard() as guard:
        try:
            for cb in callbacks:
                cb.on_train_begin(state)
            model.train()
            # Restore points for divergence. An epoch whose starting weights were not finite has a
            # NaN loss, so the previous epoch's start is always finite once the loss was.
            start_weights = prev_weights = None
            for epoch in range(1, epochs + 1):
                start_weights = _snapshot(model) if n_params <= 10_000_000 else None
                # Per step only references are kept; sums and accuracy are one pass per epoch.
                outs: List[torch.Tensor] = []
                targets: List[torch.Tensor] = []
                losses: List[torch.Tensor] = []
                for xb, yb in loader:
                    if move:
                        xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
                    out = model(xb)                  # (B, width)
                    batch_loss = step_loss(out, yb)  # scalar
                    opt.zero_grad(set_to_none=True)
                    batch_loss.backward()
                    opt.step()
                    losses.append(batch_loss.detach())
                    if is_classifier:
                        outs.append(out.detach())
                        targets.append(yb)
                    if guard.requested:
                        break
                train_loss, train_acc = _epoch_metrics(losses, outs, targets, step_sizes, width)
                if not math.isfinite(train_loss):
                    _diverged(model, (start_weights, prev_weights), f"training loss became {train_loss} in epoch {epoch}", history)
                prev_weights = start_weights
                if guard.requested:
                    history.interrupted = True
                    history.stop_reason = f"interrupted during epoch {epoch}"
                    break
                logs: Dict[str, float] = {"epoch": epoch, "train_loss": train_loss}
                if is_classifier:
                    logs["train_accuracy"] = train_acc
                if valid is not None:
                    logs.update(_validate(model, valid, loss_fn, is_classifier))
                    model.train()
                history.append(logs)
                state.epoch, state.logs = epoch, {k: v for k, v in logs.items() if k != "epoch"}
                for cb in callbacks:
                    cb.on_epoch_end(state)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix({k: f"{v:.4f}" for k, v in state.logs.items()}, refresh=False)
                if state.stop_training:
                    history.stopped_early = True
                    history.stop_reason = state.stop_reason
                    break
            # A step on a finite loss can still overflow the weights; checked once here, not every
            # epoch (a later epoch would show it as a NaN loss).
            if not all(all_finite(p) for p in model.parameters()):
                _diverged(model, (start_weights, prev_weights),
                          f"the weights became infinite or NaN in epoch {history.epochs + 1}", history)
        except KeyboardInterrupt:
            history.interrupted = True
            history.stop_reason = "interrupted"
        finally:
            if bar is not None:
                bar.close()
        for cb in callbacks:
            cb.on_train_end(state)
    model.eval()
    return history


def _diverged(model: nn.Module, restore_points: Sequence[Optional[Dict[str, torch.Tensor]]], what: str,
              history: History) -> None:
    """Leave the last finite weights in the model, then raise :class:`TrainingDiverged`."""
    if not all(all_finite(p) for p in model.parameters()):
        for weights in restore_points:
            if weights is not None and all(all_finite(w) for w in weights.values()):
                model.load_state_dict(weights)
                break
    raise TrainingDiverged(
        f"{what}; the model keeps its last finite weights. Try a smaller `lr` "
        f"(now {history.params['lr']}) or check the inputs for huge values."
    )


def _epoch_metrics(losses: List[torch.Tensor], outs: List[torch.Tensor], targets: List[torch.Tensor],
                   step_sizes: torch.Tensor, width: int) -> tuple[float, float]:
    """Sample-weighted mean loss and running accuracy of one epoch's steps."""
    if not losses:
        return math.nan, math.nan
    sizes = step_sizes[:len(losses)]  # fewer steps when the epoch was interrupted
    train_loss = (torch.dot(torch.stack(losses), sizes) / sizes.sum()).item()
    if not outs:
        return train_loss, math.nan
    logits = torch.cat(outs)  # (N, width)
    y = torch.cat(targets).reshape(-1)
    pred = (logits.reshape(-1) > 0).to(y.dtype) if width == 1 else logits.argmax(dim=1)
    return train_loss, (pred == y).sum().item() / len(y)


def _validate(model: nn.Module, valid: TensorDataset, loss_fn, is_classifier: bool) -> Dict[str, float]:
    logits = _logits(model, valid.x, check_finite=False)  # fit checked valid.x before epoch 1
    y = valid.y
    if logits.shape[1] == 1 and y.ndim == 1 and not is_classifier:
        y = y.unsqueeze(1)
    with torch.inference_mode():
        out = {"valid_loss": float(loss_fn(logits, y))}
        if is_classifier:
            out["valid_accuracy"] = _accuracy(logits, y)
    return out
