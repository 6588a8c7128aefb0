"""``fit``: the training loop, its ``History`` and its callbacks.

One step is the tutorial's five: slice a batch, forward, loss, zero the gradients, backward,
step. Gradients are zeroed every step (one source tutorial zeroes them once per epoch, which
sums gradients across the epoch). Batches are sliced from tensors already on the device.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .adapters import Stream, Table, as_source
from .data import BatchIterator, _check_int, _check_nonnegative, _check_positive_int, _generator, all_finite
from .devices import resolve_device, threads
from .evaluation import _param, accuracy, model_outputs, select_output
from .losses import bernoulli_nll_bce, cross_entropy, default_loss, get_loss, loss_scale, mse
from .labels import is_identity
from .tasks import Spec, check_output, get_spec, loss_targets, predicted_codes, resolve_task, set_spec, targets_for

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


def _place(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a whole tensor to ``device`` once, if it fits in a third of the free memory."""
    if device.type != "cuda":
        return t.to(device)
    free, _ = torch.cuda.mem_get_info(device)
    return t.to(device) if t.element_size() * t.numel() < free / 3 else t


def _last_layer(model: nn.Module) -> Optional[nn.Module]:
    """The last leaf module registered: for an nn.Sequential, the layer that makes the output."""
    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    return leaves[-1] if leaves else None


def _output_scale(loss: Any, model: nn.Module, task: str) -> str:
    """Logits, probabilities or log-probabilities: what the loss expects, or what the model ends in.

    A model ending in Sigmoid (or LogSoftmax) with no loss given trains with BCE on probabilities
    (or NLL); with a loss that applies its own sigmoid/softmax it gets a warning naming the fix.
    """
    last = _last_layer(model)
    squashes = isinstance(last, (nn.Sigmoid, nn.Softmax))
    if loss is not None:
        scale = loss_scale(loss)
        if scale == "logits" and squashes and task != "regression":
            warnings.warn(f"the model ends in {type(last).__name__} but the loss expects logits (it applies "
                          f"the sigmoid/softmax itself): remove the final {type(last).__name__}, or use "
                          f"{'nn.BCELoss()' if isinstance(last, nn.Sigmoid) else 'nn.LogSoftmax with nn.NLLLoss()'}",
                          UserWarning, stacklevel=4)
        return scale
    if task == "binary" and isinstance(last, nn.Sigmoid):
        return "probabilities"
    if task == "multiclass" and isinstance(last, nn.LogSoftmax):
        return "log_probabilities"
    if task == "multiclass" and isinstance(last, nn.Softmax):
        warnings.warn("the model ends in Softmax, so cross-entropy would apply a second softmax: remove the "
                      "final Softmax (predict_proba applies it), or end in nn.LogSoftmax", UserWarning, stacklevel=4)
    return "logits"


def _probe(model: nn.Module, x: torch.Tensor, output: Any, dtype: torch.dtype, device: torch.device) -> Tuple[int, ...]:
    """The shape of one output row, from a forward pass in eval mode without gradients.

    Eval mode lets BatchNorm and Dropout models answer for a couple of rows; the caller's mode
    is restored.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            rows = x[:2]
            if rows.is_floating_point():
                rows = rows.to(dtype)
            out = select_output(model(rows.to(device)), output)
    finally:
        model.train(was_training)
    if out.ndim == 0 or len(out) != len(rows):
        raise ValueError(f"the model returned shape {tuple(out.shape)} for {len(rows)} rows: it must return one "
                         "row of outputs per input row")
    return tuple(out.shape[1:])


@dataclass
class _Targets:
    """How targets of one dataset become the loss's targets."""

    task: str
    classes: Optional[list]
    row_shape: Tuple[int, ...]
    dtype: torch.dtype
    name: str

    def __call__(self, y: torch.Tensor, data_classes: Optional[list] = None) -> torch.Tensor:
        width = int(np.prod(self.row_shape)) if self.row_shape else 1
        if self._integer_codes(y, data_classes):
            codes = y  # the common case of a DataLoader batch, checked with one op
        else:
            codes, _ = targets_for(self.task, y, data_classes, width, self.name, known=self.classes)
        return loss_targets(self.task, codes, self.row_shape, self.dtype)

    def _integer_codes(self, y: torch.Tensor, data_classes: Optional[list]) -> bool:
        """Integer labels already in 0..K-1 of identity classes: one aminmax instead of the
        full check, which costs more than a tiny model's step when run on every batch."""
        if self.task == "regression" or data_classes is not None or y.is_floating_point() or not len(y):
            return False
        if self.classes is None or not is_identity(self.classes, len(self.classes)):
            return False
        low, high = torch.aminmax(y)
        return int(low) >= 0 and int(high) < len(self.classes)


def _known_classes(model: nn.Module, task: str, data_classes: Optional[list]) -> Optional[list]:
    """A fitted model's classes, kept when training goes on with the same labels."""
    spec = get_spec(model)
    if spec is None or spec.task != task or spec.classes is None:
        return None
    if data_classes is not None and not set(map(repr, data_classes)) <= set(map(repr, spec.classes)):
        return None
    return spec.classes


def fit(
    model: nn.Module,
    train: Any,
    *,
    epochs: int,
    batch_size: int = 128,
    loss: Union[str, Callable, nn.Module, None] = None,
    optimizer: Union[str, torch.optim.Optimizer, Callable] = "sgd",
    lr: Optional[float] = None,
    weight_decay: float = 0.0,
    valid: Any = None,
    device: Union[str, torch.device, None] = "auto",
    seed: Optional[int] = None,
    callbacks: Iterable[Union[Callback, Callable]] = (),
    progress: Union[bool, str] = "auto",
    shuffle: bool = True,
    num_threads: Union[int, str, None] = "auto",
    task: Optional[str] = None,
    x: Union[str, Sequence[str], None] = None,
    y: Union[str, Sequence[str], None] = None,
    output: Union[int, str, None] = None,
    loader: Optional[dict] = None,
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs; returns a :class:`History`.

    ``train`` (and ``valid``) may be a learntorch dataset, an ``(x, y)`` pair of tensors, numpy
    arrays or pandas objects, a DataFrame with column names ``x=`` and ``y=``, a torch
    ``TensorDataset``, any ``Dataset`` returning ``(x, y)``, an ``IterableDataset`` or a
    ``DataLoader``. In-memory data is sliced directly (fast); the rest goes through a DataLoader
    (``loader=`` sets its options). Labels may be numbers or names (strings, categoricals):
    the model then predicts those names.

    ``task`` ("binary", "multiclass", "regression") is otherwise decided by the loss, the model
    and the data (see :func:`learntorch.tasks.resolve_task`). ``loss`` is a name (``"bce"``,
    ``"cross_entropy"``, ``"mse"``...), a torch loss object (its settings are kept: weights,
    ``pos_weight``, ``label_smoothing``, ``ignore_index``) or a callable; None picks BCE for one
    output, cross-entropy for several, MSE for regression. ``output`` picks the predictions of a
    model returning a tuple or dict. ``optimizer`` is a name (``"sgd"``, ``"adam"``...) with
    ``lr`` and ``weight_decay``, or an optimizer. ``seed`` fixes the shuffling order.
    ``num_threads="auto"`` trains tiny models on one CPU thread.

    Ctrl-C stops after the current step and returns the history so far
    (``history.interrupted``). A non-finite loss raises :class:`TrainingDiverged` naming the
    epoch, and leaves the last finite weights in the model.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    epochs = _check_int(epochs, "epochs", 0)
    batch_size = _check_positive_int(batch_size, "batch_size")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"`shuffle` must be True or False, got {shuffle!r}")
    output = check_output(output)
    dev = resolve_device(device)
    callbacks = [cb if isinstance(cb, Callback) else _FunctionCallback(cb) if callable(cb) else None for cb in callbacks]
    if any(cb is None for cb in callbacks):
        raise TypeError("each of `callbacks` must be a learntorch Callback or a function f(epoch, logs)")
    show = _show_progress(progress)
    generator = _generator(seed)
    loss_fn = get_loss(loss) if loss is not None else None
    n_params = sum(p.numel() for p in model.parameters())
    if num_threads == "auto":
        num_threads = 1 if dev.type == "cpu" and n_params <= _TINY_MODEL_PARAMS else None

    model.to(dev)
    dtype = _param(model)[0]
    source = as_source(train, "train", x=x, y=y, batch_size=batch_size, shuffle=bool(shuffle), generator=generator,
                       device=dev, loader=loader)
    valid_source = None if valid is None else as_source(valid, "valid", x=x, y=y, batch_size=batch_size,
                                                        device=dev, loader=loader)
    first_x, first_y = (source.x, source.y) if isinstance(source, Table) else source.first("train")
    if first_y is None:
        raise ValueError("`train` must carry targets: a dataset, an (x, y) pair or a DataFrame with `y=`")
    row_shape = _probe(model, first_x, output, dtype, dev)
    width = int(np.prod(row_shape)) if row_shape else 1
    data_classes = source.classes if isinstance(source, Table) else None
    task = resolve_task(task=task, loss=loss_fn, model=model, width=width, y=first_y, classes=data_classes,
                        name="train")
    scale = _output_scale(loss_fn, model, task)
    loss_fn = loss_fn if loss_fn is not None else default_loss(task, width, scale)
    known = _known_classes(model, task, data_classes)
    to_targets = _Targets(task, known, row_shape, dtype, "train")
    if isinstance(source, Table):
        codes, classes = targets_for(task, source.y, data_classes, width, "train", known=known)
        to_targets.classes = classes
    else:
        classes = known or ([0, 1] if task == "binary" else None if task == "regression" else list(range(width)))
        to_targets.classes = classes
    spec = Spec(task=task, classes=classes, scale=scale, output=output,
                feature_names=source.feature_names if isinstance(source, Table) else None)
    set_spec(model, spec)
    valid_targets = dataclasses.replace(to_targets, name="valid")
    if isinstance(valid_source, Table):
        valid_source.y = valid_targets(valid_source.y, valid_source.classes)
    opt = make_optimizer(model, optimizer, lr, weight_decay)
    step_loss = _fast_loss(loss_fn)

    history = History(dict(epochs=epochs, batch_size=batch_size, optimizer=type(opt).__name__,
                           lr=opt.param_groups[0]["lr"], weight_decay=weight_decay, task=task,
                           loss=getattr(loss_fn, "__name__", type(loss_fn).__name__), device=str(dev), seed=seed))
    state = TrainingState(model, opt, history)
    if isinstance(source, Table):
        x_all = source.x.to(dtype) if source.x.is_floating_point() else source.x
        x_dev, y_dev = _place(x_all, dev), _place(loss_targets(task, codes, row_shape, dtype), dev)
        move = x_dev.device != dev  # data too big for the GPU moves batch by batch
        batches_ = BatchIterator(x_dev, y_dev, batch_size, shuffle=bool(shuffle), generator=generator)
        # Rows per step of a full epoch: the epoch's mean loss is then one dot product.
        step_sizes = torch.tensor([len(idx) for idx in torch.arange(len(source)).split(batch_size)],
                                  dtype=torch.float32, device=dev)
    else:
        batches_ = _StreamBatches(source, to_targets, dev, dtype)
        move, step_sizes = False, None
    is_classifier = task != "regression"
    pick = output is not None

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
                for xb, yb in batches_:
                    if move:
                        xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
                    out = model(xb)                  # (B, width) or (B,)
                    if pick:
                        out = select_output(out, output)
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
                sizes = step_sizes if step_sizes is not None else batches_.sizes
                train_loss, train_acc = _epoch_metrics(losses, outs, targets, sizes, spec)
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
                if valid_source is not None:
                    logs.update(_validate(model, valid_source, loss_fn, spec, valid_targets))
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


def _fast_loss(loss_fn: Callable) -> Callable:
    """learntorch's checked losses, as torch's functions: fit checked the targets once already."""
    return {bernoulli_nll_bce: F.binary_cross_entropy_with_logits, cross_entropy: F.cross_entropy,
            mse: F.mse_loss}.get(loss_fn, loss_fn) if _hashable(loss_fn) else loss_fn


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _StreamBatches:
    """Batches of a DataLoader moved to the device, with targets made ready for the loss."""

    def __init__(self, source: Stream, to_targets: "_Targets", device: torch.device, dtype: torch.dtype) -> None:
        self.source, self.to_targets, self.device, self.dtype = source, to_targets, device, dtype
        self.sizes: List[int] = []

    def __iter__(self):
        self.sizes = []
        non_blocking = self.device.type == "cuda"
        for xb, yb in self.source:
            if yb is None:
                raise ValueError("a batch of `train` has no targets")
            if xb.is_floating_point() and xb.dtype != self.dtype:
                xb = xb.to(self.dtype)
            self.sizes.append(len(xb))
            yield xb.to(self.device, non_blocking=non_blocking), self.to_targets(yb).to(self.device, non_blocking=non_blocking)


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
                   step_sizes: Union[torch.Tensor, List[int]], spec: Spec) -> tuple[float, float]:
    """Sample-weighted mean loss and running accuracy of one epoch's steps."""
    if not losses:
        return math.nan, math.nan
    stacked = torch.stack(losses)
    sizes = torch.as_tensor(step_sizes[:len(losses)], dtype=stacked.dtype, device=stacked.device)
    train_loss = (torch.dot(stacked, sizes) / sizes.sum()).item()
    if not outs:
        return train_loss, math.nan
    outputs = torch.cat(outs)
    outputs = outputs.reshape(len(outputs), -1)  # (N, width)
    return train_loss, accuracy(predicted_codes(outputs, spec), torch.cat(targets))


def _validate(model: nn.Module, valid: Union[Table, Stream], loss_fn: Callable, spec: Spec,
              to_targets: _Targets) -> Dict[str, float]:
    """Loss and accuracy on the validation data, in eval mode (fit checked it before epoch 1)."""
    outputs, y = model_outputs(model, valid, spec.output)
    if isinstance(valid, Stream):
        y = to_targets(y)
    y = y.reshape(len(y), *to_targets.row_shape) if y.is_floating_point() else y
    with torch.inference_mode():
        out = {"valid_loss": float(loss_fn(outputs.reshape(len(outputs), *to_targets.row_shape), y))}
        if spec.task != "regression":
            out["valid_accuracy"] = accuracy(predicted_codes(outputs, spec), y.reshape(-1).long())
    return out
