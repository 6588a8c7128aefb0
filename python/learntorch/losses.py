"""Losses. The Bernoulli negative log-likelihood is written the three ways the course notebook
teaches; they agree to 1e-6 for any logits, +-50 included.

All take ``(logits_or_predictions, targets)`` and return the mean over the batch.
"""

from __future__ import annotations

from typing import Callable, Union

import torch
import torch.nn.functional as F

__all__ = [
    "bernoulli_nll_manual",
    "bernoulli_nll_distribution",
    "bernoulli_nll_bce",
    "mse",
    "cross_entropy",
    "get_loss",
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


LOSSES: dict[str, LossFn] = {
    "bce": bernoulli_nll_bce,
    "bernoulli": bernoulli_nll_bce,
    "bernoulli_nll_bce": bernoulli_nll_bce,
    "bernoulli_nll_manual": bernoulli_nll_manual,
    "bernoulli_nll_distribution": bernoulli_nll_distribution,
    "mse": mse,
    "cross_entropy": cross_entropy,
}

# Losses whose targets are binary labels, and those that classify at all (for accuracy).
BINARY_LOSSES = {bernoulli_nll_bce, bernoulli_nll_manual, bernoulli_nll_distribution}
CLASSIFICATION_LOSSES = BINARY_LOSSES | {cross_entropy}


def get_loss(loss: Union[str, LossFn, torch.nn.Module]) -> LossFn:
    """A loss function from a name (see ``LOSSES``), a callable, or an ``nn.Module`` loss."""
    if isinstance(loss, str):
        key = loss.lower()
        if key not in LOSSES:
            raise ValueError(f"`loss` must be one of {sorted(LOSSES)} or a callable, got {loss!r}")
        return LOSSES[key]
    if isinstance(loss, torch.nn.BCEWithLogitsLoss):
        return bernoulli_nll_bce
    if isinstance(loss, torch.nn.CrossEntropyLoss):
        return cross_entropy
    if isinstance(loss, torch.nn.MSELoss):
        return mse
    if callable(loss):
        return loss
    raise TypeError(f"`loss` must be a name or a callable, got {type(loss).__name__}")
