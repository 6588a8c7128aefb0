"""Optimizers, learning-rate schedulers and numeric precision, each from a name or an object.

``optimizer("sgd", momentum=0.9)`` and ``scheduler("cosine")`` return small factories that
``fit`` completes with the model's parameters and the run's length; torch's own objects and
plain factories (``lambda params: torch.optim.SGD(params, lr=0.1)``) work too.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Union

import torch
from torch import nn

from ..data import _check_nonnegative, _check_positive
from ..suggest import did_you_mean

__all__ = ["make_optimizer", "optimizer", "scheduler", "OptimizerFactory", "SchedulerFactory", "Precision"]

_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "lbfgs": torch.optim.LBFGS,
}
_DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2, "lbfgs": 1.0}
# L-BFGS as R's nnet uses BFGS: a line search makes lr=1 safe, and one fit epoch is one step of
# up to max_iter iterations.
_LBFGS_DEFAULTS = {"line_search_fn": "strong_wolfe", "max_iter": 20, "history_size": 20}


@dataclass
class OptimizerFactory:
    """An optimizer by name with its settings, built when ``fit`` knows the parameters."""

    name: str
    options: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        key = self.name.lower() if isinstance(self.name, str) else self.name
        if key not in _OPTIMIZERS:
            raise ValueError(f"`optimizer` must be one of {sorted(_OPTIMIZERS)}, a torch optimizer or a factory "
                             f"f(params), got {self.name!r}.{did_you_mean(self.name, _OPTIMIZERS)}")
        self.name = key

    def __call__(self, params: Any, lr: Optional[float] = None, weight_decay: float = 0.0) -> torch.optim.Optimizer:
        options = dict(_LBFGS_DEFAULTS) if self.name == "lbfgs" else {}
        options.update(self.options)
        options["lr"] = lr if lr is not None else options.get("lr", _DEFAULT_LR[self.name])
        if weight_decay and self.name != "lbfgs":  # L-BFGS: fit adds the L2 term to the loss (as nnet's decay)
            options["weight_decay"] = weight_decay
        try:
            return _OPTIMIZERS[self.name](params, **options)
        except TypeError as exc:
            raise TypeError(f"`optimizer` {self.name!r}: {exc}") from None


def optimizer(name: str, **options: Any) -> OptimizerFactory:
    """An optimizer by name with its settings, e.g. ``optimizer("sgd", momentum=0.9)``."""
    return OptimizerFactory(name, options)


def make_optimizer(model: nn.Module, optimizer: Union[str, torch.optim.Optimizer, Callable] = "sgd",
                   lr: Optional[float] = None, weight_decay: float = 0.0, **kwargs: Any) -> torch.optim.Optimizer:
    """An optimizer over ``model``'s parameters from a name, a class, a factory ``f(params)``, or
    an existing optimizer (whose learning rate ``lr`` then replaces)."""
    lr = _check_positive(lr, "lr")
    weight_decay = _check_nonnegative(weight_decay, "weight_decay")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("`model` has no parameters to train (all are frozen, or it has none)")
    if isinstance(optimizer, torch.optim.Optimizer):
        if lr is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr
        return optimizer
    if isinstance(optimizer, str):
        optimizer = OptimizerFactory(optimizer, kwargs)
    elif kwargs:
        raise TypeError("extra optimizer settings go with a name: optimizer('sgd', momentum=0.9)")
    params = [p for p in model.parameters() if p.requires_grad]
    if isinstance(optimizer, OptimizerFactory):
        return optimizer(params, lr, weight_decay)
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        extra = {} if lr is None else {"lr": lr}
        return optimizer(params, weight_decay=weight_decay, **extra) if weight_decay else optimizer(params, **extra)
    if callable(optimizer):
        built = optimizer(params)
        if not isinstance(built, torch.optim.Optimizer):
            raise TypeError(f"the `optimizer` factory must return a torch optimizer, got {type(built).__name__}")
        if lr is not None:
            for group in built.param_groups:
                group["lr"] = lr
        return built
    raise TypeError(f"`optimizer` must be a name, an optimizer class, a factory or an optimizer, "
                    f"got {type(optimizer).__name__}")


# --- schedulers ----------------------------------------------------------------------------------

_LR = torch.optim.lr_scheduler
_BATCH_SCHEDULERS = ("onecycle", "cyclic")


@dataclass
class SchedulerFactory:
    """A learning-rate scheduler by name; ``fit`` supplies the optimizer and the run's length.

    ``interval`` is "epoch" or "batch" (when the scheduler steps); ``monitor`` is the history
    metric ReduceLROnPlateau watches (default: valid_loss when there is validation data).
    """

    name: str
    options: Dict[str, Any] = field(default_factory=dict)
    interval: Optional[str] = None
    monitor: Optional[str] = None

    def __post_init__(self) -> None:
        names = ("step", "multistep", "exponential", "cosine", "plateau", "onecycle", "linear", "cyclic")
        if not isinstance(self.name, str) or self.name.lower() not in names:
            raise ValueError(f"`scheduler` must be one of {list(names)}, a torch LR scheduler or a factory "
                             f"f(optimizer), got {self.name!r}.{did_you_mean(self.name, names)}")
        self.name = self.name.lower()
        if self.interval is None:
            self.interval = "batch" if self.name in _BATCH_SCHEDULERS else "epoch"
        if self.interval not in ("epoch", "batch"):
            raise ValueError(f"`interval` must be 'epoch' or 'batch', got {self.interval!r}")

    def build(self, opt: torch.optim.Optimizer, epochs: int, steps_per_epoch: int) -> Any:
        o = dict(self.options)
        steps = max(epochs * steps_per_epoch if self.interval == "batch" else epochs, 1)
        lr = opt.param_groups[0]["lr"]
        makers = {
            "step": lambda: _LR.StepLR(opt, **{"step_size": max(epochs // 3, 1), **o}),
            "multistep": lambda: _LR.MultiStepLR(opt, **o),
            "exponential": lambda: _LR.ExponentialLR(opt, **{"gamma": 0.95, **o}),
            "cosine": lambda: _LR.CosineAnnealingLR(opt, **{"T_max": steps, **o}),
            "plateau": lambda: _LR.ReduceLROnPlateau(opt, **o),
            "onecycle": lambda: _LR.OneCycleLR(opt, **{"max_lr": lr, "total_steps": steps, **o}),
            "linear": lambda: _LR.LinearLR(opt, **{"total_iters": steps, **o}),
            "cyclic": lambda: _LR.CyclicLR(opt, **{"base_lr": lr / 10, "max_lr": lr, **o}),
        }
        try:
            return makers[self.name]()
        except TypeError as exc:
            raise TypeError(f"`scheduler` {self.name!r}: {exc}") from None


def scheduler(name: str, interval: Optional[str] = None, monitor: Optional[str] = None,
              **options: Any) -> SchedulerFactory:
    """A learning-rate scheduler by name with its settings, e.g. ``scheduler("step", step_size=10)``.

    Names: step, multistep, exponential, cosine (over the whole run by default), plateau
    (ReduceLROnPlateau on ``monitor``), onecycle (per batch, peaking at ``lr``), linear, cyclic.
    """
    return SchedulerFactory(name, options, interval, monitor)


@dataclass
class Schedule:
    """A built scheduler, when it steps, and what it monitors."""

    scheduler: Any
    interval: str
    monitor: Optional[str]

    @property
    def on_plateau(self) -> bool:
        return isinstance(self.scheduler, _LR.ReduceLROnPlateau)


def make_schedule(spec: Any, opt: torch.optim.Optimizer, epochs: int, steps_per_epoch: int,
                  has_valid: bool) -> Optional[Schedule]:
    """A :class:`Schedule` from a name, a factory, or a scheduler object bound to ``opt``."""
    if spec is None:
        return None
    interval, monitor = "epoch", None
    if isinstance(spec, str):
        spec = SchedulerFactory(spec)
    if isinstance(spec, SchedulerFactory):
        built, interval, monitor = spec.build(opt, epochs, steps_per_epoch), spec.interval, spec.monitor
    elif isinstance(spec, (_LR.LRScheduler, _LR.ReduceLROnPlateau)):
        built = spec
    elif callable(spec):
        built = spec(opt)
    else:
        raise TypeError(f"`scheduler` must be a name, lt.scheduler(...), a torch LR scheduler or a factory "
                        f"f(optimizer), got {type(spec).__name__}")
    if not isinstance(built, (_LR.LRScheduler, _LR.ReduceLROnPlateau)):
        raise TypeError(f"the `scheduler` factory must return a torch LR scheduler, got {type(built).__name__}")
    if built.optimizer is not opt:
        raise ValueError("`scheduler` is bound to another optimizer: pass a factory (lambda opt: ...) or "
                         "lt.scheduler(name), or pass that optimizer as `optimizer`")
    if isinstance(built, _LR.ReduceLROnPlateau):
        monitor = monitor or ("valid_loss" if has_valid else "train_loss")
    return Schedule(built, interval, monitor)


# --- precision -----------------------------------------------------------------------------------

_PRECISIONS = {"32": "32", "32-true": "32", "64": "64", "64-true": "64", "bf16": "bf16", "bf16-mixed": "bf16",
               "16-mixed": "16-mixed", "16": "16-mixed"}


class Precision:
    """Autocast (and a gradient scaler for float16) for ``precision`` on ``device``.

    "32" (the default) and "64" run in the model's own dtype; "bf16" autocasts to bfloat16 on the
    CPU and on GPUs that support it; "16-mixed" autocasts to float16 with a GradScaler, on CUDA only.
    """

    def __init__(self, precision: Union[str, int], device: torch.device) -> None:
        key = _PRECISIONS.get(str(precision).lower())
        if key is None:
            raise ValueError(f"`precision` must be one of {sorted(set(_PRECISIONS))}, got {precision!r}")
        if key == "16-mixed" and device.type != "cuda":
            raise ValueError("`precision`='16-mixed' needs a CUDA GPU; on the CPU use precision='bf16'")
        if key == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise ValueError("`precision`='bf16' is not supported by this GPU; use '16-mixed'")
        if key == "bf16" and device.type not in ("cpu", "cuda"):
            raise ValueError(f"`precision`='bf16' is supported on the CPU and CUDA, not on {device.type}")
        self.key = key
        self.device = device
        self.autocast = key in ("bf16", "16-mixed")
        self.scaler = torch.amp.GradScaler("cuda") if key == "16-mixed" else None

    def context(self) -> contextlib.AbstractContextManager:
        if not self.autocast:
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.key == "bf16" else torch.float16
        return torch.autocast(device_type=self.device.type, dtype=dtype)
