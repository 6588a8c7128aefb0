"""Checked exercises: write a function, hand it to its check, read what is right or wrong.

>>> from learntorch import exercises as ex
>>> print(ex.task("stable_softmax"))             # what to write
>>> ex.check_stable_softmax(my_softmax)          # doctest: +SKIP
Not yet (stable_softmax): the result holds nan where the answer is a finite number.
  input:    logits = huge logits: tensor of shape (1, 3), float32: [[1000., 1001., 1002.]]
  expected: tensor of shape (1, 3), float32: [[0.09, 0.2447, 0.6652]]
  got:      tensor of shape (1, 3), float32: [[nan, nan, nan]]
  hint:     exp(1000) overflows to inf ...

Each check calls your function on several inputs, edge cases included (huge logits, empty
batches, requires_grad inputs, float64), compares with a reference it never shows, and returns
a :class:`CheckResult` (truthy when right) that prints a clear "Correct" or what failed, on
which input, expected against got, and a hint. ``arrays=True`` (where offered) passes numpy
arrays instead of tensors and skips the autograd cases, and ``first_class=1`` numbers classes
from 1: R's ``lt_check_*`` use both.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from ._core import EXERCISES, CheckResult, LearnerError
from .autograd import check_autograd_gradient
from .losses import check_accuracy, check_bernoulli_nll, check_cross_entropy, check_stable_softmax
from .tensors import check_channels_first, check_pairwise_distances, check_reproducible_noise
from .training import MOONS_TARGET, check_minibatches, check_moons_model, check_train_step

__all__ = [
    "CheckResult", "LearnerError", "EXERCISES", "MOONS_TARGET", "list_exercises", "task", "check",
    "check_channels_first", "check_pairwise_distances", "check_autograd_gradient", "check_reproducible_noise",
    "check_bernoulli_nll", "check_minibatches", "check_train_step", "check_moons_model",
    "check_stable_softmax", "check_cross_entropy", "check_accuracy",
]


def list_exercises() -> pd.DataFrame:
    """One row per exercise: name, lesson, title, and whether its check takes ``arrays=True``."""
    rows = [dict(name=e.name, lesson=e.lesson, title=e.title, arrays=e.arrays) for e in EXERCISES.values()]
    return pd.DataFrame(rows, columns=["name", "lesson", "title", "arrays"]).sort_values(
        ["lesson", "name"], kind="stable").reset_index(drop=True)


def _get(name: str):
    if name not in EXERCISES:
        raise ValueError(f"no exercise named {name!r}; there are {sorted(EXERCISES)}")
    return EXERCISES[name]


def task(name: str) -> str:
    """The task of exercise ``name``: what to write, and what the check will try."""
    found = _get(name)
    return f"{found.title}\n\n{found.task}"


def check(name: str, fn: Callable, arrays: bool = False, **options: Any) -> CheckResult:
    """Run the check of exercise ``name`` on ``fn``; ``arrays`` and ``options`` (``first_class``)
    where the check offers them."""
    found = _get(name)
    if arrays and not found.arrays:
        raise ValueError(f"the check of {name!r} works on torch tensors and models only; call it without `arrays`")
    return found.check(fn, arrays=True, **options) if arrays else found.check(fn, **options)
