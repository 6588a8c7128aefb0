"""Losses. The Bernoulli negative log-likelihood is written the three ways the course notebook
teaches; they agree to 1e-6 for any logits, +-50 included.

All take ``(logits_or_predictions, targets)`` and return the mean over the batch.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

import torch

from .suggest import did_you_mean  # a leaf, as this module is
import torch.nn.functional as F

__all__ = [
    "bernoulli_nll_manual",
    "bernoulli_nll_distribution",
    "bernoulli_nll_bce",
    "mse",
    "cross_entropy",
    "nll",
    "bce_on_probabilities",
    "get_loss",
    "loss_task",
    "loss_scale",
    "LOSSES",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _binary_targets(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    logits = logits.reshape(-1)  # (N, 1) -> (N,)
    targets = targets.reshape(-1)
    if logits.shape != targets.shape:
        raise ValueError(f"`logits` has {logits.numel()} values but `targets` has {targets.numel()}")
    bad = (targets != 0) & (targets != 1)
    if bad.any():
        raise ValueError(
            f"Bernoulli loss needs labels in {{0, 1}}; `targets` holds {targets[bad][0].item()!r}"
        )
    return logits, targets


def bernoulli_nll_manual(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-mean log Bernoulli(y | sigmoid(s)), with ``torch.where`` picking log p or log (1 - p)."""
    logits, targets = _binary_targets(logits, targets)
    # logsigmoid(-s) = log(1 - sigmoid(s)) without the cancellation of 1 - p for large s.
    log_prob = torch.where(targets == 1, F.logsigmoid(logits), F.logsigmoid(-logits))
    return -log_prob.mean()


def bernoulli_nll_distribution(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The same loss through ``torch.distributions.Bernoulli(logits=...)``."""
    logits, targets = _binary_targets(logits, targets)
    return -torch.distributions.Bernoulli(logits=logits).log_prob(targets.to(logits.dtype)).mean()


def bernoulli_nll_bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The same loss as deep-learning libraries name it: binary cross-entropy on logits."""
    logits, targets = _binary_targets(logits, targets)
    return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype))


def mse(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error; a (N, 1) prediction is matched to (N,) targets."""
    if predictions.ndim == 2 and predictions.shape[1] == 1 and targets.ndim == 1:
        predictions = predictions.squeeze(1)
    if predictions.shape != targets.shape:
        raise ValueError(
            f"predictions of shape {tuple(predictions.shape)} do not match targets of shape {tuple(targets.shape)}"
        )
    return F.mse_loss(predictions, targets.to(predictions.dtype))


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Multi-class cross-entropy on (N, C) logits and integer labels in 0..C-1."""
    return F.cross_entropy(logits, targets.long())


def nll(log_probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood on (N, C) log-probabilities (a model ending in LogSoftmax)."""
    return F.nll_loss(log_probs, targets.long())


def bce_on_probabilities(probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on probabilities (a model ending in Sigmoid)."""
    return F.binary_cross_entropy(probs, targets.to(probs.dtype).reshape(probs.shape))


LOSSES: dict[str, LossFn] = {
    "bce": bernoulli_nll_bce,
    "bernoulli": bernoulli_nll_bce,
    "bernoulli_nll_bce": bernoulli_nll_bce,
    "bernoulli_nll_manual": bernoulli_nll_manual,
    "bernoulli_nll_distribution": bernoulli_nll_distribution,
    "bce_probabilities": bce_on_probabilities,
    "mse": mse,
    "l1": F.l1_loss,
    "mae": F.l1_loss,
    "huber": F.huber_loss,
    "smooth_l1": F.smooth_l1_loss,
    "cross_entropy": cross_entropy,
    "nll": nll,
}

# Losses whose targets are binary labels, and those that classify at all (for accuracy).
BINARY_LOSSES = {bernoulli_nll_bce, bernoulli_nll_manual, bernoulli_nll_distribution}
CLASSIFICATION_LOSSES = BINARY_LOSSES | {cross_entropy}

# What each kind of loss says about the task and about the model's outputs. Objects are matched
# by class (so their settings -- weight, pos_weight, label_smoothing, ignore_index -- stay theirs).
_TASK_OF = [
    ((torch.nn.BCEWithLogitsLoss, torch.nn.BCELoss), "binary"),
    ((torch.nn.CrossEntropyLoss, torch.nn.NLLLoss), "multiclass"),
    ((torch.nn.MSELoss, torch.nn.L1Loss, torch.nn.HuberLoss, torch.nn.SmoothL1Loss), "regression"),
]
_FUNCTION_TASK = {
    bernoulli_nll_bce: "binary", bernoulli_nll_manual: "binary", bernoulli_nll_distribution: "binary",
    bce_on_probabilities: "binary", F.binary_cross_entropy_with_logits: "binary", F.binary_cross_entropy: "binary",
    cross_entropy: "multiclass", nll: "multiclass", F.cross_entropy: "multiclass", F.nll_loss: "multiclass",
    mse: "regression", F.mse_loss: "regression", F.l1_loss: "regression", F.huber_loss: "regression",
    F.smooth_l1_loss: "regression",
}
_PROBABILITY_LOSSES = (torch.nn.BCELoss, bce_on_probabilities, F.binary_cross_entropy)
_LOG_PROBABILITY_LOSSES = (torch.nn.NLLLoss, nll, F.nll_loss)


def loss_task(loss: Any) -> Optional[str]:
    """The task a loss implies ("binary", "multiclass", "regression"), or None for a callable of
    the user's own."""
    if isinstance(loss, str):
        loss = get_loss(loss)
    for classes, task in _TASK_OF:
        if isinstance(loss, classes):
            return task
    try:
        return _FUNCTION_TASK.get(loss)
    except TypeError:  # an unhashable callable
        return None


def loss_scale(loss: Any) -> str:
    """What the model's outputs must be for this loss: logits, probabilities or log-probabilities."""
    if isinstance(loss, str):
        loss = get_loss(loss)
    for kinds, scale in ((_PROBABILITY_LOSSES, "probabilities"), (_LOG_PROBABILITY_LOSSES, "log_probabilities")):
        if any(loss is k or (isinstance(k, type) and isinstance(loss, k)) for k in kinds):
            return scale
    return "logits"


def get_loss(loss: Union[str, LossFn, torch.nn.Module]) -> LossFn:
    """A loss function from a name (see ``LOSSES``), a loss object, or a callable.

    Loss objects are used as they are, with every setting they were made with. A loss that does
    not reduce to one number (``reduction="none"``) cannot train and is refused.
    """
    if isinstance(loss, str):
        key = loss.lower()
        if key not in LOSSES:
            raise ValueError(f"`loss` must be one of {sorted(LOSSES)}, a torch loss or a callable, got {loss!r}."
                             f"{did_you_mean(key, LOSSES)}")
        return LOSSES[key]
    if getattr(loss, "reduction", None) == "none":
        raise ValueError(f"`loss` {type(loss).__name__}(reduction='none') returns one value per sample; "
                         "training needs one number: use reduction='mean' (the default) or 'sum'")
    if callable(loss):
        return loss
    raise TypeError(f"`loss` must be a name, a torch loss or a callable, got {type(loss).__name__}")


def default_loss(task: str, width: int, scale: str = "logits") -> LossFn:
    """The loss for a task: MSE for regression; BCE on one logit, cross-entropy on several
    (or their probability and log-probability forms, for models ending in Sigmoid/LogSoftmax)."""
    if task == "regression":
        return mse
    if task == "binary" and width == 1:
        return bce_on_probabilities if scale == "probabilities" else bernoulli_nll_bce
    return nll if scale == "log_probabilities" else cross_entropy
