"""Everything ``fit`` does before the first step: the model on its device, the data as batches,
the task and targets, the loss, optimizer, schedule and precision. All checks happen here, so a
bad argument is refused before any weight changes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..adapters import Stream, Table, as_source
from ..data import BatchIterator, _check_int, _check_positive, _check_positive_int, _generator
from ..evaluation import _param, select_output
from ..losses import bernoulli_nll_bce, cross_entropy, default_loss, get_loss, loss_scale, mse
from ..metrics import check_metrics
from ..splits import check_fraction, split_indices
from ..tasks import Spec, check_output, get_spec, loss_targets, resolve_task, set_spec, targets_for
from .distributed import Distributed
from .optim import Precision, Schedule, make_optimizer, make_schedule

# Models up to this many parameters train faster on one CPU thread than on several.
_TINY_MODEL_PARAMS = 50_000


@dataclass
class Run:
    """A prepared training run: what the epoch and step functions read."""

    model: nn.Module
    device: torch.device
    spec: Spec
    loss_fn: Callable
    step_loss: Callable
    optimizer: torch.optim.Optimizer
    batches: Iterable
    sizes: Any                       # rows per step of a full epoch (tensor), or a live list for streams
    steps_per_epoch: int
    metrics: List[str]
    valid: Union[Table, Stream, None]
    valid_targets: Optional["_Targets"]
    precision: Precision
    schedule: Optional[Schedule] = None
    clip_grad_norm: Optional[float] = None
    accumulate: int = 1
    output: Any = None
    num_threads: Optional[int] = None
    move: bool = False               # data too big for the GPU moves batch by batch
    full_batch: Optional[Tuple[torch.Tensor, torch.Tensor]] = None  # L-BFGS
    l2: float = 0.0                  # L-BFGS's weight decay, as a penalty in the loss
    initial_loss: Optional[float] = None  # on the first batch before training: divergence's yardstick
    generator: Optional[torch.Generator] = None
    history_params: dict = field(default_factory=dict)
    step_model: Optional[nn.Module] = None  # what the steps call: the model, or its DDP wrapper
    dist: Distributed = field(default_factory=Distributed)  # a single process unless distributed

    def __post_init__(self) -> None:
        if self.step_model is None:
            self.step_model = self.model

    @property
    def lbfgs(self) -> bool:
        return isinstance(self.optimizer, torch.optim.LBFGS)


def _threads(num_threads: Any, device: torch.device, n_params: int) -> Optional[int]:
    if num_threads == "auto":
        return 1 if device.type == "cpu" and n_params <= _TINY_MODEL_PARAMS else None
    if num_threads is None:
        return None
    return _check_int(num_threads, "num_threads", 1)


def prepare(model: nn.Module, train: Any, *, epochs: int, batch_size: int, loss: Any, optimizer: Any, lr: Any,
            weight_decay: Any, valid: Any, valid_fraction: Any, metrics: Any, scheduler: Any, clip_grad_norm: Any,
            accumulate: Any, precision: Any, device: Any, seed: Any, shuffle: Any, num_threads: Any, task: Any,
            x: Any, y: Any, output: Any, loader: Any, strategy: Optional[Distributed] = None) -> Run:
    """Check every argument and build the :class:`Run`, before any weight changes.

    ``strategy`` (a distributed run) picks the device and shards the data; see distributed.py.
    """
    strategy = strategy if strategy is not None else Distributed()
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    epochs = _check_int(epochs, "epochs", 0)
    batch_size = _check_positive_int(batch_size, "batch_size")
    accumulate = _check_positive_int(accumulate, "accumulate")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"`shuffle` must be True or False, got {shuffle!r}")
    if valid is not None and valid_fraction is not None:
        raise ValueError("pass `valid` or `valid_fraction`, not both")
    valid_fraction = None if valid_fraction is None else check_fraction(valid_fraction)
    clip = _check_positive(clip_grad_norm, "clip_grad_norm")
    output = check_output(output)
    strategy.check_batch_size(batch_size)
    dev = strategy.start(device)
    run_seed = strategy.shared_seed(seed)  # a distributed run without a seed shares rank 0's
    generator = _generator(run_seed)
    loss_given = get_loss(loss) if loss is not None else None
    n_params = sum(p.numel() for p in model.parameters())
    threads_ = _threads(num_threads, dev, n_params)
    prec = Precision(precision, dev)

    model.to(dev)
    if prec.key == "64":
        model.double()
    dtype = _param(model)[0]
    source = as_source(train, "train", x=x, y=y, batch_size=batch_size, shuffle=bool(shuffle), generator=generator,
                       device=dev, loader=loader)
    source = strategy.shard_source(source, train, batch_size=batch_size, shuffle=bool(shuffle),
                                   seed=run_seed, device=dev, loader=loader)
    valid_source = None if valid is None else as_source(valid, "valid", x=x, y=y, batch_size=batch_size,
                                                        device=dev, loader=loader)
    first_x, first_y = (source.x, source.y) if isinstance(source, Table) else source.first("train")
    if first_y is None:
        raise TypeError("`train` must carry targets: a dataset, an (x, y) pair or a DataFrame with `y=`")
    row_shape = _probe(model, first_x, output, dtype, dev, "train")
    width = int(np.prod(row_shape)) if row_shape else 1
    data_classes = source.classes if isinstance(source, Table) else None
    task = resolve_task(task=task, loss=loss_given, model=model, width=width, y=first_y, classes=data_classes,
                        name="train")
    metric_names = check_metrics(metrics, task)
    scale = _output_scale(loss_given, model, task)
    loss_fn = loss_given if loss_given is not None else default_loss(task, width, scale)
    known = _known_classes(model, task, data_classes)
    to_targets = _Targets(task, known, row_shape, dtype, "train")
    if isinstance(source, Table):
        codes, classes = targets_for(task, source.y, data_classes, width, "train", known=known)
        to_targets.classes = classes
        if valid_fraction is not None:
            source, valid_source, codes = _split(source, codes, valid_fraction, generator, task)
    else:
        if valid_fraction is not None:
            raise ValueError("`valid_fraction` splits in-memory data; for a Dataset or DataLoader pass `valid`")
        classes = known or ([0, 1] if task == "binary" else None if task == "regression" else list(range(width)))
        to_targets.classes = classes
    valid_targets = replace(to_targets, name="valid")
    if isinstance(valid_source, Table):
        valid_source = _checked_valid(model, valid_source, valid_targets, output, dtype, dev, row_shape)
    elif isinstance(valid_source, Stream):
        vx, _ = valid_source.first("valid")
        if _probe(model, vx, output, dtype, dev, "valid") != row_shape:
            raise ValueError("`valid` gives the model outputs of another shape than `train` does")
    spec = Spec(task=task, classes=classes, scale=scale, output=output,
                feature_names=source.feature_names if isinstance(source, Table) else None,
                nobs=len(source) if isinstance(source, Table) else None)
    opt = make_optimizer(model, optimizer, lr, weight_decay)
    lbfgs = isinstance(opt, torch.optim.LBFGS)
    if lbfgs and not isinstance(source, Table):
        raise ValueError("L-BFGS trains on the whole data at once: pass in-memory data (arrays, a DataFrame or "
                         "a learntorch dataset), not a Dataset or DataLoader")
    if lbfgs and (accumulate > 1 or prec.autocast):
        raise ValueError("L-BFGS takes full-batch steps: `accumulate` and mixed `precision` do not apply")

    if isinstance(source, Table):
        x_all = source.x.to(dtype) if source.x.is_floating_point() else source.x
        x_dev, y_dev = _place(x_all, dev), _place(loss_targets(task, codes, row_shape, dtype), dev)
        move = x_dev.device != dev
        batches = BatchIterator(x_dev, y_dev, batch_size, shuffle=bool(shuffle), generator=generator)
        sizes = torch.tensor([len(idx) for idx in torch.arange(len(x_dev)).split(batch_size)],
                             dtype=torch.float32, device=dev)
        steps = len(batches)
        full = (x_dev.to(dev), y_dev.to(dev)) if lbfgs else None
        initial = _initial_loss(model, x_dev[:batch_size], y_dev[:batch_size], loss_fn, output, dev)
    else:
        initial = None
        batches = _StreamBatches(source, to_targets, dev, dtype)
        sizes, move, full = batches.sizes, False, None
        steps = _steps(source)
    schedule = make_schedule(scheduler, opt, epochs, max(steps // accumulate, 1), valid_source is not None)
    set_spec(model, spec)
    params = dict(epochs=epochs, batch_size=batch_size, optimizer=type(opt).__name__, lr=opt.param_groups[0]["lr"],
                  weight_decay=weight_decay, task=task, loss=getattr(loss_fn, "__name__", type(loss_fn).__name__),
                  device=str(dev), seed=seed, metrics=list(metric_names), precision=prec.key)
    run = Run(model=model, device=dev, spec=spec, loss_fn=loss_fn, step_loss=_fast_loss(loss_fn), optimizer=opt,
              batches=batches, sizes=sizes, steps_per_epoch=steps, metrics=metric_names, valid=valid_source,
              valid_targets=valid_targets, precision=prec, schedule=schedule, clip_grad_norm=clip,
              accumulate=accumulate, output=output, num_threads=threads_, move=move, full_batch=full,
              generator=generator, history_params=params,
              l2=float(weight_decay) if lbfgs else 0.0, initial_loss=initial)
    return strategy.adapt(run)  # a distributed run: DDP, this rank's share of the batches, scaled loss


def _initial_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: Callable, output: Any,
                  device: torch.device) -> Optional[float]:
    """The loss before any step, on the first rows, in eval mode: so that a loss already
    exploding in epoch 1 has something to be compared with."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = select_output(model(x.to(device)), output)
            value = float(loss_fn(out, y.to(device)))
    except Exception:  # noqa: BLE001 - a yardstick only; training reports real errors itself
        return None
    finally:
        model.train(was_training)
    return value if math.isfinite(value) else None


def _steps(source: Stream) -> int:
    try:
        return len(source.loader)
    except TypeError:  # an IterableDataset without a length
        return 1


def _split(source: Table, codes: torch.Tensor, fraction: float, generator: Optional[torch.Generator],
           task: str) -> Tuple[Table, Table, torch.Tensor]:
    """Train and valid parts of in-memory data, stratified by class for classifiers."""
    labels = codes if task != "regression" else None
    train_idx, valid_idx = split_indices(len(source), fraction, generator, labels)
    valid_y = codes[valid_idx]
    train = Table(source.x[train_idx], codes[train_idx], None, source.feature_names)
    # The valid part's targets are already codes of the training classes.
    valid = Table(source.x[valid_idx], valid_y, None, source.feature_names)
    valid.codes_ready = True
    return train, valid, codes[train_idx]


def _checked_valid(model: nn.Module, valid: Table, to_targets: "_Targets", output: Any, dtype: torch.dtype,
                   device: torch.device, row_shape: Tuple[int, ...]) -> Table:
    """The validation table with loss-ready targets, checked against the model before training."""
    if _probe(model, valid.x, output, dtype, device, "valid") != row_shape:
        raise ValueError("`valid` gives the model outputs of another shape than `train` does")
    if getattr(valid, "codes_ready", False):
        valid.y = loss_targets(to_targets.task, valid.y, row_shape, dtype)
    else:
        valid.y = to_targets(valid.y, valid.classes)
    return valid


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


def _probe(model: nn.Module, x: torch.Tensor, output: Any, dtype: torch.dtype, device: torch.device,
           name: str = "train") -> Tuple[int, ...]:
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
    except ValueError as exc:  # a learntorch model's own input check
        raise ValueError(f"`{name}` does not fit the model: {exc}") from None
    except (RuntimeError, IndexError) as exc:
        # torch's own message (e.g. "mat1 and mat2 shapes cannot be multiplied") says what; this
        # says which argument.
        raise ValueError(f"the model cannot take the inputs of `{name}` (rows of shape {tuple(x.shape[1:])}, "
                         f"{x.dtype}): {exc}") from None
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

    check: bool = True  # off once a Dataset's labels were all seen: they do not change between epochs

    def __call__(self, y: torch.Tensor, data_classes: Optional[list] = None) -> torch.Tensor:
        if self.check or data_classes is not None:
            width = int(np.prod(self.row_shape)) if self.row_shape else 1
            y, _ = targets_for(self.task, y, data_classes, width, self.name, known=self.classes)
        return loss_targets(self.task, y, self.row_shape, self.dtype)


def _known_classes(model: nn.Module, task: str, data_classes: Optional[list]) -> Optional[list]:
    """A fitted model's classes, kept when training goes on with the same labels."""
    spec = get_spec(model)
    if spec is None or spec.task != task or spec.classes is None:
        return None
    if data_classes is not None and not set(map(repr, data_classes)) <= set(map(repr, spec.classes)):
        return None
    return spec.classes



class _StreamBatches:
    """Batches of a DataLoader moved to the device, with targets made ready for the loss."""

    def __init__(self, source: Stream, to_targets: "_Targets", device: torch.device, dtype: torch.dtype) -> None:
        self.source, self.to_targets, self.device, self.dtype = source, to_targets, device, dtype
        self.sizes: List[int] = []

    def __iter__(self):
        self.sizes.clear()  # in place: the run holds this list
        non_blocking = self.device.type == "cuda"
        for xb, yb in self.source:
            if yb is None:
                raise ValueError("a batch of `train` has no targets")
            if xb.is_floating_point() and xb.dtype != self.dtype:
                xb = xb.to(self.dtype)
            self.sizes.append(len(xb))
            yield xb.to(self.device, non_blocking=non_blocking), self.to_targets(yb).to(self.device, non_blocking=non_blocking)
        # Every label has been checked against the classes once; later epochs only cast them.
        self.to_targets.check = False


def _fast_loss(loss_fn: Callable) -> Callable:
    """learntorch's checked losses, as torch's functions: fit checked the targets once already."""
    try:
        return {bernoulli_nll_bce: F.binary_cross_entropy_with_logits, cross_entropy: F.cross_entropy,
                mse: F.mse_loss}.get(loss_fn, loss_fn)
    except TypeError:  # an unhashable callable
        return loss_fn
