"""Metrics by name, computed once from a whole epoch's outputs and targets.

Scores such as ROC AUC and F1 are not means of per-batch values, so the loop keeps each epoch's
outputs and computes every metric here at the epoch's end; ``evaluate`` uses the same functions.
Each matches scikit-learn's function of the same name (its default averaging): binary precision,
recall and F1 score the second class; multiclass ones are macro averages; multiclass AUC is
one-vs-rest, macro.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Union

import torch

from .tasks import Spec, predicted_codes, probabilities
from .suggest import did_you_mean

__all__ = ["CLASSIFICATION_METRICS", "REGRESSION_METRICS", "check_metrics", "default_metrics", "compute_metrics"]

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "auc", "log_loss")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
_ALIASES = {"acc": "accuracy", "roc_auc": "auc", "f1_macro": "f1", "logloss": "log_loss", "mean_squared_error": "mse",
            "mean_absolute_error": "mae", "r_squared": "r2"}


def default_metrics(task: str) -> List[str]:
    """Accuracy for classifiers, none beyond the loss for regression."""
    return [] if task == "regression" else ["accuracy"]


def check_metrics(metrics: Union[str, Sequence[str], None], task: str) -> List[str]:
    """The metric names for ``task``; an unknown name, or one for the other kind of task, is an
    error naming ``metrics``."""
    if metrics is None:
        return default_metrics(task)
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    allowed = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    out: List[str] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"`metrics` must be names, got {name!r}")
        key = _ALIASES.get(name.lower(), name.lower())
        if key not in allowed:
            raise ValueError(f"`metrics` has {name!r}, which a {task} model cannot report; choose from {list(allowed)}."
                             f"{did_you_mean(name, allowed)}")
        if key not in out:
            out.append(key)
    return out


def _confusion(codes: torch.Tensor, truth: torch.Tensor, k: int) -> torch.Tensor:
    return torch.bincount(truth * k + codes, minlength=k * k).reshape(k, k).double()  # (truth, prediction)


def _safe_div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b > 0, a / b.clamp_min(1), torch.zeros_like(a))  # scikit-learn's zero_division=0


def _prf(codes: torch.Tensor, truth: torch.Tensor, k: int, binary: bool) -> Dict[str, float]:
    cm = _confusion(codes, truth, k)
    tp = cm.diag()
    precision = _safe_div(tp, cm.sum(dim=0))
    recall = _safe_div(tp, cm.sum(dim=1))
    f1 = _safe_div(2 * tp, cm.sum(dim=0) + cm.sum(dim=1))
    if binary:
        return {"precision": float(precision[1]), "recall": float(recall[1]), "f1": float(f1[1])}
    # Macro averages over the labels that occur in the truth or the predictions, as scikit-learn.
    seen = (cm.sum(dim=0) + cm.sum(dim=1)) > 0
    return {"precision": float(precision[seen].mean()), "recall": float(recall[seen].mean()),
            "f1": float(f1[seen].mean())}


def _balanced_accuracy(codes: torch.Tensor, truth: torch.Tensor, k: int) -> float:
    cm = _confusion(codes, truth, k)
    present = cm.sum(dim=1) > 0
    return float((cm.diag()[present] / cm.sum(dim=1)[present]).mean())


def _auc(scores: torch.Tensor, positive: torch.Tensor) -> float:
    """ROC AUC as the Mann-Whitney statistic, with tied scores given their average rank."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = torch.argsort(scores)
    _, inverse, counts = torch.unique_consecutive(scores[order], return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).double()
    ranks = ((ends - counts.double() + 1 + ends) / 2)[inverse]  # 1-based average ranks, sorted order
    rank_sum = ranks[positive[order]].sum().item()
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _log_loss(probs: torch.Tensor, truth: torch.Tensor, binary: bool) -> float:
    eps = torch.finfo(probs.dtype).eps
    if binary:
        p = probs.clamp(eps, 1 - eps)
        return float(-(truth * p.log() + (1 - truth) * (1 - p).log()).mean())
    p = probs / probs.sum(dim=1, keepdim=True)
    p = p.clamp(eps, 1 - eps)
    return float(-p.gather(1, truth.reshape(-1, 1)).log().mean())


def _classification(names: Sequence[str], outputs: torch.Tensor, truth: torch.Tensor, spec: Spec) -> Dict[str, float]:
    truth = truth.reshape(-1).long()
    binary = spec.task == "binary"
    k = 2 if binary else outputs.shape[1]
    codes = predicted_codes(outputs, spec)
    result: Dict[str, float] = {}
    probs: Optional[torch.Tensor] = None
    for name in names:
        if name == "accuracy":
            result[name] = (codes == truth).sum().item() / max(len(truth), 1)
        elif name == "balanced_accuracy":
            result[name] = _balanced_accuracy(codes, truth, k)
        elif name in ("precision", "recall", "f1"):
            result[name] = _prf(codes, truth, k, binary)[name]
        else:
            probs = probabilities(outputs.double(), spec) if probs is None else probs
            if name == "auc":
                result[name] = _auc(probs, truth == 1) if binary else _ovr_auc(probs, truth)
            else:
                result[name] = _log_loss(probs, truth, binary)
    return result


def _ovr_auc(probs: torch.Tensor, truth: torch.Tensor) -> float:
    scores = [_auc(probs[:, c], truth == c) for c in range(probs.shape[1])]
    return math.nan if any(math.isnan(s) for s in scores) else sum(scores) / len(scores)


def _regression(names: Sequence[str], outputs: torch.Tensor, truth: torch.Tensor) -> Dict[str, float]:
    pred = outputs.double().reshape(len(outputs), -1)
    y = truth.double().reshape(len(truth), -1)
    err = pred - y
    result: Dict[str, float] = {}
    for name in names:
        if name == "mse":
            result[name] = float((err ** 2).mean())
        elif name == "rmse":
            result[name] = float((err ** 2).mean(dim=0).sqrt().mean())  # per output, then averaged
        elif name == "mae":
            result[name] = float(err.abs().mean())
        else:  # r2, averaged over outputs as scikit-learn's "uniform_average"
            ss_res = (err ** 2).sum(dim=0)
            ss_tot = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
            r2 = torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp_min(1e-300),
                             torch.where(ss_res > 0, torch.zeros_like(ss_res), torch.ones_like(ss_res)))
            result[name] = float(r2.mean())
    return result


def compute_metrics(names: Sequence[str], outputs: torch.Tensor, targets: torch.Tensor, spec: Spec) -> Dict[str, float]:
    """``{name: value}`` for (N, width) ``outputs`` and targets (class codes, or values)."""
    if not names:
        return {}
    outputs = outputs.detach().reshape(len(outputs), -1)
    targets = targets.detach()
    with torch.no_grad():
        if spec.task == "regression":
            return _regression(names, outputs, targets)
        return _classification(names, outputs, targets, spec)

