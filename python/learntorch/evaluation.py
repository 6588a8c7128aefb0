"""Inference in one pass under ``torch.inference_mode()``: predictions, metrics, decision grids
and confusion counts, each returned as numbers or a tidy DataFrame.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from .data import TensorDataset, _as_tensor, _check_int, all_finite
from .losses import LossFn, bernoulli_nll_bce, cross_entropy, get_loss, mse

__all__ = [
    "model_task",
    "predict_proba",
    "predict",
    "evaluate",
    "decision_grid",
    "confusion_matrix",
]

DataLike = Union[TensorDataset, tuple, torch.Tensor, np.ndarray, pd.DataFrame]

# Rows per forward pass: one pass for any tutorial-sized input, bounded memory for huge ones.
_CHUNK = 65536


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    return model


def model_task(model: nn.Module) -> str:
    """``"binary"``, ``"multiclass"`` or ``"regression"``, from the model's recorded config."""
    task = getattr(model, "task", None)
    if task in ("binary", "multiclass", "regression"):
        return task
    return "binary"


def _split(data: DataLike, name: str = "data") -> tuple[torch.Tensor, Optional[torch.Tensor]]:
    """(x, y) from a dataset, an (x, y) pair, or bare inputs (y is None)."""
    if isinstance(data, TensorDataset) or (hasattr(data, "x") and hasattr(data, "y")):
        return data.x, data.y
    if isinstance(data, tuple) and len(data) == 2:
        return _as_tensor(data[0], f"{name}[0]"), _as_tensor(data[1], f"{name}[1]")
    if isinstance(data, (torch.Tensor, np.ndarray, pd.DataFrame, list)):
        return _as_tensor(data, name), None
    raise TypeError(f"`{name}` must be a learntorch dataset, an (x, y) pair or an array of inputs, got {type(data).__name__}")


def _logits(model: nn.Module, x: torch.Tensor, check_finite: bool = True) -> torch.Tensor:
    """Raw model outputs for all of ``x``, on the CPU, in eval mode, without autograd.

    ``check_finite=False`` is for inputs already checked (fit's validation set, every epoch).
    """
    # Inputs take the model's dtype and device: numpy and pandas hand over float64, the weights
    # are float32.
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    device = param.device if param is not None else torch.device("cpu")
    if x.dtype != dtype:
        x = x.to(dtype)
    if check_finite and not all_finite(x):
        raise ValueError("`x` contains NaN or infinite values")
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            outs = [model(x[i:i + _CHUNK].to(device)) for i in range(0, max(len(x), 1), _CHUNK)]
    finally:
        model.train(was_training)
    return torch.cat(outs).cpu()


def _probabilities(model: nn.Module, logits: torch.Tensor) -> torch.Tensor:
    task = model_task(model)
    if task == "regression":
        raise ValueError(f"{type(model).__name__} is a regression model: use predict(), not predict_proba()")
    if task == "binary" or logits.shape[1] == 1:
        return torch.sigmoid(logits.reshape(-1))  # (N,) P(y = 1)
    return torch.softmax(logits, dim=1)  # (N, C)


def predict_proba(model: nn.Module, x: DataLike) -> np.ndarray:
    """Class probabilities: (N,) P(y = 1) for a binary model, (N, C) for a multi-class one."""
    _check_model(model)
    inputs, _ = _split(x, "x")
    return _probabilities(model, _logits(model, inputs)).numpy()


def predict(model: nn.Module, x: DataLike, threshold: float = 0.5) -> np.ndarray:
    """Class labels for a classifier (``prob > threshold`` if binary), values for a regressor."""
    _check_model(model)
    inputs, _ = _split(x, "x")
    logits = _logits(model, inputs)
    task = model_task(model)
    if task == "regression":
        out = logits.squeeze(1) if logits.ndim == 2 and logits.shape[1] == 1 else logits
        return out.numpy()
    if not 0 < threshold < 1:
        raise ValueError(f"`threshold` must be strictly between 0 and 1, got {threshold}")
    probs = _probabilities(model, logits)
    if probs.ndim == 1:
        return (probs > threshold).long().numpy()
    return probs.argmax(dim=1).numpy()


def _default_loss(task: str, width: int) -> LossFn:
    """The loss for a task and output width: MSE for regression, else BCE (one logit) or
    cross-entropy (several). ``fit`` and ``evaluate`` both choose with it."""
    if task == "regression":
        return mse
    return bernoulli_nll_bce if width == 1 else cross_entropy


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    if logits.shape[1] == 1:
        pred = (logits.reshape(-1) > 0).long()  # logit > 0  <=>  p > 0.5
    else:
        pred = logits.argmax(dim=1)
    return (pred == y.reshape(-1).long()).sum().item() / len(pred)  # exact count / N, no float32 noise


def evaluate(model: nn.Module, data: DataLike, loss: Union[str, Callable, nn.Module, None] = None) -> Dict[str, float]:
    """``{"loss": ..., "accuracy": ...}`` on labelled data (accuracy for classifiers only)."""
    _check_model(model)
    x, y = _split(data)
    if y is None:
        raise ValueError("`data` must carry targets: a learntorch dataset or an (x, y) pair")
    if len(x) == 0:
        raise ValueError("`data` is empty")
    logits = _logits(model, x)
    loss_fn = get_loss(loss) if loss is not None else _default_loss(model_task(model), logits.shape[1])
    with torch.inference_mode():
        out = {"loss": float(loss_fn(logits, y))}
        if model_task(model) != "regression":
            out["accuracy"] = _accuracy(logits, y)
    return out


def decision_grid(
    model: nn.Module,
    xlim: Sequence[float] = (-0.5, 1.5),
    ylim: Sequence[float] = (-0.5, 1.5),
    resolution: int = 200,
) -> pd.DataFrame:
    """P(y = 1) on a ``resolution x resolution`` grid: tidy frame (x1, x2, prob), x1 varying fastest."""
    _check_model(model)
    if model_task(model) != "binary":
        raise ValueError("decision_grid needs a binary classifier with one logit output")
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if len(lim) != 2 or not np.all(np.isfinite(lim)) or not lim[0] < lim[1]:
            raise ValueError(f"`{name}` must be two finite numbers (low, high) with low < high, got {lim!r}")
    resolution = _check_int(resolution, "resolution", 2)
    x1 = torch.linspace(float(xlim[0]), float(xlim[1]), resolution)
    x2 = torch.linspace(float(ylim[0]), float(ylim[1]), resolution)
    g2, g1 = torch.meshgrid(x2, x1, indexing="ij")  # (R, R), x1 varies along columns
    points = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)  # (R*R, 2)
    prob = _probabilities(model, _logits(model, points))
    return pd.DataFrame({"x1": points[:, 0].numpy(), "x2": points[:, 1].numpy(), "prob": prob.numpy()})


def confusion_matrix(model: nn.Module, data: DataLike, num_classes: Optional[int] = None) -> pd.DataFrame:
    """Counts of (truth, prediction) pairs, every pair listed (zeros included): tidy frame."""
    _check_model(model)
    x, y = _split(data)
    if y is None:
        raise ValueError("`data` must carry labels: a learntorch dataset or an (x, y) pair")
    pred = torch.as_tensor(predict(model, x))
    truth = y.reshape(-1).long().cpu()
    k = num_classes or int(max(truth.max().item(), pred.max().item())) + 1
    counts = torch.bincount(truth * k + pred, minlength=k * k).reshape(k, k)  # (truth, prediction)
    t, p = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    return pd.DataFrame({
        "truth": t.reshape(-1).numpy(),
        "prediction": p.reshape(-1).numpy(),
        "count": counts.reshape(-1).numpy(),
    })
