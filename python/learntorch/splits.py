"""Seeded train/validation splits of in-memory rows, stratified by class for classifiers."""

from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np
import torch

__all__ = ["check_fraction", "split_indices"]


def check_fraction(fraction: object, name: str = "valid_fraction") -> float:
    """A number strictly between 0 and 1, or an error naming the argument."""
    if isinstance(fraction, (bool, np.bool_)) or not isinstance(fraction, (int, float, np.integer, np.floating)) \
            or not 0 < fraction < 1 or not math.isfinite(fraction):
        raise ValueError(f"`{name}` must be a number strictly between 0 and 1, got {fraction!r}")
    return float(fraction)


def split_indices(n: int, fraction: float, generator: Optional[torch.Generator] = None,
                  labels: Optional[torch.Tensor] = None, name: str = "valid_fraction") -> Tuple[torch.Tensor, torch.Tensor]:
    """(train, valid) row indices: ``fraction`` of the rows at random go to valid.

    With ``labels`` each class gives the same share (at least one row from every class that has
    two or more), so a rare class is not left out of either part. Both parts keep the rows' order.
    """
    if labels is None:
        order = torch.randperm(n, generator=generator)
        n_valid = int(round(n * fraction))
        picked = [order[:n_valid]]
    else:
        picked = []
        codes = labels.reshape(-1).cpu()
        for c in torch.unique(codes):
            rows = torch.nonzero(codes == c).reshape(-1)
            rows = rows[torch.randperm(len(rows), generator=generator)]
            take = int(round(len(rows) * fraction))
            if len(rows) >= 2:
                take = min(max(take, 1), len(rows) - 1)
            picked.append(rows[:take])
    mask = torch.zeros(n, dtype=torch.bool)
    mask[torch.cat(picked)] = True
    n_valid = int(mask.sum())
    if n_valid == 0 or n_valid == n:
        raise ValueError(f"`{name}`={fraction} leaves an empty part of {n} rows")
    return torch.nonzero(~mask).reshape(-1), torch.nonzero(mask).reshape(-1)
