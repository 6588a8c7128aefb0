"""``fit``: prepare, loop over epochs, call the callbacks.

One step is the tutorial's five: a batch, forward, loss, zero the gradients, backward, step.
Gradients are zeroed every step (one source tutorial zeroes them once per epoch, which sums
gradients across the epoch). Batches of in-memory data are sliced from tensors already on the
device; everything else (progress, Ctrl-C, divergence, early stopping, checkpoints, logs) is a
callback.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import torch
from torch import nn

from ..adapters import Stream
from ..devices import threads
from ..evaluation import model_outputs, select_output
from ..metrics import compute_metrics
from .callbacks import (Callback, CSVLogger, DivergenceGuard, InterruptHandler, ProgressBar, RecordHistory,
                        TensorBoardLogger, TrainingState, as_callback, overrides, show_progress)
from .distributed import Distributed
from .history import History
from .live import LivePlot
from .prepare import Run, prepare
from .state import restore, saver

__all__ = ["fit"]


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
    valid_fraction: Optional[float] = None,
    metrics: Union[str, Sequence[str], None] = None,
    scheduler: Any = None,
    clip_grad_norm: Optional[float] = None,
    accumulate: int = 1,
    precision: str = "32",
    on_divergence: str = "warn",
    resume: Union[str, "os.PathLike", None] = None,
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
    live: bool = False,
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs; returns a :class:`History`.

    **Data.** ``train`` (and ``valid``) may be a learntorch dataset, an ``(x, y)`` pair of
    tensors, numpy arrays or pandas objects, a DataFrame with column names ``x=`` and ``y=``, a
    torch ``TensorDataset``, any ``Dataset`` returning ``(x, y)``, an ``IterableDataset`` or a
    ``DataLoader``. In-memory data is sliced directly (fast); the rest goes through a DataLoader
    (``loader=`` sets its options). Labels may be numbers or names; the model then predicts those
    names. ``valid_fraction=0.2`` holds out a seeded, class-stratified share of in-memory data.

    **Task and loss.** ``task`` ("binary", "multiclass", "regression") is otherwise decided by
    the loss, the model and the data (:func:`learntorch.tasks.resolve_task`). ``loss`` is a name,
    a torch loss object (its settings kept) or a callable; None picks BCE for one output,
    cross-entropy for several, MSE for regression. ``output`` picks the predictions of a model
    returning a tuple or dict. ``metrics`` names what the history records on train and valid
    (accuracy, balanced_accuracy, f1, precision, recall, auc, log_loss; mse, rmse, mae, r2).

    **Optimisation.** ``optimizer`` is a name ("sgd", "adam", "adamw", "rmsprop", "adagrad",
    "lbfgs" for full-batch L-BFGS), ``lt.optimizer(name, **settings)``, an optimizer class, a
    factory ``f(params)`` or an optimizer; ``lr`` and ``weight_decay`` apply to it. ``scheduler``
    is a name, ``lt.scheduler(name, ...)``, a torch LR scheduler or a factory ``f(optimizer)``;
    the history logs ``lr``. ``clip_grad_norm`` bounds the gradient norm; ``accumulate`` sums
    gradients over that many batches per step; ``precision`` is "32", "64", "bf16" or "16-mixed".

    **Runs.** ``seed`` fixes the shuffling order. ``callbacks`` are learntorch callbacks or
    functions ``f(epoch, logs)``. ``resume="run.pt"`` continues a run from a checkpoint written by
    :class:`ModelCheckpoint`, up to ``epochs``. ``num_threads="auto"`` trains tiny models on one
    CPU thread. ``live=True`` redraws the history's curves while training in Jupyter
    (:class:`LivePlot`). Ctrl-C stops after the current step and returns the history so far
    (``history.interrupted``). A non-finite loss raises :class:`TrainingDiverged` (with the
    history) and leaves the last finite weights; an exploding loss warns, or stops with
    ``on_divergence="stop"``.

    **Several processes.** Started by ``torchrun`` (or :func:`learntorch.launch`), ``fit`` trains
    data-parallel with DistributedDataParallel: ``batch_size`` is the global batch, split among
    the processes, and every process ends with the weights and history of one process training
    alone; rank 0 alone shows progress and writes checkpoints and logs (see ``distributed.py``).
    """
    strategy = Distributed.detect()  # torchrun's environment: data-parallel (distributed.py)
    extra = _on_this_rank(_callbacks(callbacks, progress, on_divergence, live), strategy)
    try:
        run = prepare(model, train, epochs=epochs, batch_size=batch_size, loss=loss, optimizer=optimizer, lr=lr,
                      weight_decay=weight_decay, valid=valid, valid_fraction=valid_fraction, metrics=metrics,
                      scheduler=scheduler, clip_grad_norm=clip_grad_norm, accumulate=accumulate, precision=precision,
                      device=device, seed=seed, shuffle=shuffle, num_threads=num_threads, task=task, x=x, y=y,
                      output=output, loader=loader, strategy=strategy)
        history = History(run.history_params)
        state = TrainingState(model, run.optimizer, history, run.history_params["epochs"], _available(run))
        state.initial_loss = run.initial_loss
        if run.schedule is not None and run.schedule.on_plateau and run.schedule.monitor not in state.available:
            raise ValueError(f"the `scheduler` cannot monitor {run.schedule.monitor!r}: this run logs "
                             f"{state.available}")
        state.save_checkpoint = saver(run, state, extra)
        if resume is not None:
            restore(resume, run, state, extra)
        with threads(run.num_threads):
            _loop(run, state, extra)
    finally:
        strategy.close()  # the process group, if fit initialised it
    model.eval()
    return history


def _callbacks(user: Iterable, progress: Union[bool, str], on_divergence: str, live: Any = False) -> List[Callback]:
    """The run's callbacks: the defaults (unless the caller passed their own of that kind), then
    the caller's, in their order."""
    if isinstance(user, (Callback, str)) or callable(user) or not isinstance(user, Iterable):
        raise TypeError(f"`callbacks` must be a list of callbacks or functions, got {type(user).__name__}")
    mine = [as_callback(cb, i) for i, cb in enumerate(user)]
    kinds = tuple(type(cb) for cb in mine)
    defaults: List[Callback] = []
    if not any(issubclass(k, InterruptHandler) for k in kinds):
        defaults.append(InterruptHandler())
    if not any(issubclass(k, DivergenceGuard) for k in kinds):
        defaults.append(DivergenceGuard(on_divergence))
    defaults.append(RecordHistory())
    tail = [ProgressBar()] if show_progress(progress) and not any(issubclass(k, ProgressBar) for k in kinds) else []
    if not isinstance(live, (bool, LivePlot)):
        raise TypeError(f"`live` must be True, False or a LivePlot, got {live!r}")
    if live and not any(issubclass(k, LivePlot) for k in kinds):
        tail.append(live if isinstance(live, LivePlot) else LivePlot())
    return defaults + mine + tail


# Callbacks that only show or write things: in a distributed run rank 0 runs them, the others
# would repeat them (checkpoints are written by rank 0 alone, in state.flush).
_OUTPUT_CALLBACKS = (ProgressBar, LivePlot, CSVLogger, TensorBoardLogger)


def _on_this_rank(callbacks: List[Callback], strategy: Distributed) -> List[Callback]:
    if strategy.is_main:
        return callbacks
    return [cb for cb in callbacks if not isinstance(cb, _OUTPUT_CALLBACKS)]


def _available(run: Run) -> List[str]:
    """The history keys this run will log."""
    keys = ["train_loss"] + [f"train_{m}" for m in run.metrics]
    if run.valid is not None:
        keys += ["valid_loss"] + [f"valid_{m}" for m in run.metrics]
    return keys + ["lr"]


def _loop(run: Run, state: TrainingState, callbacks: List[Callback]) -> None:
    history = state.history
    batch_callbacks = [cb for cb in callbacks if overrides(cb, "on_batch_end")]
    try:
        for cb in callbacks:
            cb.on_fit_begin(state)
        run.step_model.train()
        for epoch in range(history.epochs + 1, state.epochs + 1):
            state.epoch = epoch
            run.dist.begin_epoch(epoch)
            for cb in callbacks:
                cb.on_epoch_begin(state)
            lr = state.lr
            logs = _full_batch_epoch(run) if run.lbfgs else _epoch(run, state, batch_callbacks)
            stop_now, _ = run.dist.stopping(state)  # in a distributed run, every rank or none
            if stop_now:
                break  # a part epoch is not recorded; the weights are those of its last step
            if run.valid is not None:
                logs.update(_validate(run))
                run.step_model.train()
            logs["lr"] = lr
            state.logs = logs
            _schedule_epoch(run, logs)
            for cb in callbacks:
                cb.on_epoch_end(state)
            state.flush_saves()
            _, stop_training = run.dist.stopping(state)
            if stop_training:
                history.stopped_early = not state.interrupted
                break
    except KeyboardInterrupt:
        state.interrupted = True
        state.stop_reason = state.stop_reason or "interrupted"
    finally:
        history.interrupted = state.interrupted
        history.stop_reason = state.stop_reason
        _end(callbacks, state)


def _end(callbacks: List[Callback], state: TrainingState) -> None:
    """Every callback's on_fit_end runs, even if one raises; the first error is raised after."""
    error: Optional[BaseException] = None
    for cb in callbacks:
        try:
            cb.on_fit_end(state)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            error = error or exc
    if error is not None:
        raise error


def _epoch(run: Run, state: TrainingState, batch_callbacks: List[Callback]) -> Dict[str, float]:
    """One pass over the batches; returns the epoch's train loss and metrics."""
    model, opt, step_loss, dev = run.step_model, run.optimizer, run.step_loss, run.device
    agree = run.dist.stop_after_step if run.dist.active else None  # ranks decide together
    k, pick, move, keep = run.accumulate, run.output is not None, run.move, bool(run.metrics)
    plain_step = run.clip_grad_norm is None and run.precision.scaler is None
    batch_schedule = run.schedule is not None and run.schedule.interval == "batch"
    autocast = run.precision.autocast
    outs: List[torch.Tensor] = []
    targets: List[torch.Tensor] = []
    losses: List[torch.Tensor] = []
    i = 0
    for xb, yb in run.batches:
        if move:
            xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
        if autocast:
            with run.precision.context():
                out = model(xb)
                out = select_output(out, run.output) if pick else out
                batch_loss = step_loss(out, yb)
        else:
            out = model(xb)                  # (B, width) or (B,)
            if pick:
                out = select_output(out, run.output)
            batch_loss = step_loss(out, yb)  # scalar
        if k == 1:
            opt.zero_grad(set_to_none=True)
            _backward(run, batch_loss)
            if plain_step:
                opt.step()
            else:
                _step(run)
        else:
            if i % k == 0:
                opt.zero_grad(set_to_none=True)
            _backward(run, batch_loss / k)
            if (i + 1) % k == 0:
                _step(run)
        i += 1
        losses.append(batch_loss.detach())
        if keep:
            outs.append(out.detach())
            targets.append(yb)
        if batch_schedule and (k == 1 or i % k == 0):
            run.schedule.scheduler.step()
        if batch_callbacks:
            state.batch = i
            state.batch_logs = {"loss": batch_loss.item(), "lr": state.lr}
            for cb in batch_callbacks:
                cb.on_batch_end(state)
        if state.stop_now if agree is None else agree(state):
            break
    if k > 1 and i % k:
        _step(run)  # the last, smaller group of an epoch
    return _epoch_logs(run, losses, outs, targets)


def _backward(run: Run, loss: torch.Tensor) -> None:
    scaler = run.precision.scaler
    (scaler.scale(loss) if scaler is not None else loss).backward()


def _step(run: Run) -> None:
    """Clip (after unscaling float16 gradients), then step."""
    opt, scaler = run.optimizer, run.precision.scaler
    if scaler is not None:
        scaler.unscale_(opt)
    if run.clip_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), run.clip_grad_norm)
    if scaler is not None:
        scaler.step(opt)
        scaler.update()
    else:
        opt.step()


def _full_batch_epoch(run: Run) -> Dict[str, float]:
    """One L-BFGS step on all the data (up to ``max_iter`` iterations with a line search)."""
    x, y = run.full_batch
    model, opt = run.model, run.optimizer
    params = [p for p in model.parameters() if p.requires_grad]
    last: Dict[str, torch.Tensor] = {}

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        out = model(x)
        out = select_output(out, run.output) if run.output is not None else out
        loss = run.step_loss(out, y)
        objective = loss + 0.5 * run.l2 * sum(p.pow(2).sum() for p in params) if run.l2 else loss
        objective.backward()
        if run.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), run.clip_grad_norm)
        last["out"], last["loss"] = out.detach(), loss.detach()
        return loss

    opt.step(closure)
    return _epoch_logs(run, [last["loss"]], [last["out"]] if run.metrics else [], [y] if run.metrics else [],
                       sizes=torch.ones(1, device=last["loss"].device))


def _epoch_logs(run: Run, losses: List[torch.Tensor], outs: List[torch.Tensor], targets: List[torch.Tensor],
                sizes: Any = None) -> Dict[str, float]:
    """The sample-weighted mean loss and the metrics over the epoch's outputs."""
    if not losses:
        return {"train_loss": math.nan}
    stacked = torch.stack(losses)
    sizes = run.sizes if sizes is None else sizes
    weights = torch.as_tensor(sizes[:len(losses)], dtype=stacked.dtype, device=stacked.device)
    total, count = torch.dot(stacked, weights), weights.sum()
    if run.dist.active:  # the loss and metrics of every rank's rows
        total, count = run.dist.all_reduce_sum(total, count)
    logs = {"train_loss": (total / count).item()}
    if outs:
        out, y = torch.cat(outs), torch.cat(targets)
        if run.dist.active:
            out, y = run.dist.all_gather_rows(out), run.dist.all_gather_rows(y)
        scores = compute_metrics(run.metrics, out, y, run.spec)
        logs.update({f"train_{name}": value for name, value in scores.items()})
    return logs


def _validate(run: Run) -> Dict[str, float]:
    """Loss and metrics on the validation data, in eval mode (checked before epoch 1)."""
    outputs, y = (run.dist.valid_outputs if run.dist.active else model_outputs)(run.model, run.valid, run.output)
    if isinstance(run.valid, Stream):
        y = run.valid_targets(y)  # a Table's targets were made ready before epoch 1
    row_shape = run.valid_targets.row_shape
    with torch.inference_mode():
        with run.precision.context():
            loss = run.loss_fn(outputs.reshape(len(outputs), *row_shape), y.reshape(len(y), *row_shape)
                               if y.is_floating_point() else y)
        logs = {"valid_loss": float(loss)}
        scores = compute_metrics(run.metrics, outputs, y, run.spec)
    logs.update({f"valid_{name}": value for name, value in scores.items()})
    return run.dist.broadcast(logs) if run.dist.active else logs  # the same numbers on every rank


def _schedule_epoch(run: Run, logs: Dict[str, float]) -> None:
    schedule = run.schedule
    if schedule is None or schedule.interval != "epoch":
        return
    if schedule.on_plateau:
        schedule.scheduler.step(logs[schedule.monitor])
    else:
        schedule.scheduler.step()
