"""Class labels by name: encoding names (strings, categoricals, booleans) into codes 0..K-1 and
back. A leaf module: it imports nothing from the package, so datasets and tasks can both use it.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd
import torch

__all__ = ["encode_labels", "codes_for", "decode", "is_labels"]


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as the plain Python value a checkpoint (and R) can hold."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_labels(values: Any) -> bool:
    """Labels that are not numbers: strings, objects, categoricals, booleans."""
    if isinstance(values, torch.Tensor):
        return values.dtype == torch.bool
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        return isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype) \
            or pd.api.types.is_bool_dtype(dtype)
    if isinstance(values, pd.Categorical):
        return True
    array = np.asarray(values)
    return array.dtype.kind in "OUSb"


def encode_labels(values: Any, name: str, classes: Optional[Sequence] = None) -> tuple[torch.Tensor, list]:
    """Codes 0..K-1 and the K labels for non-numeric labels (strings, categories, booleans).

    Categories keep their order (an R factor's levels); other labels are sorted. ``classes``
    fixes the labels (a model's, or a dataset's), and a value outside them is an error.
    """
    if isinstance(values, torch.Tensor):
        values = values.cpu().numpy()
    if isinstance(values, pd.Categorical) or isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(values)
    else:
        series = pd.Series(np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values)
        if series.isna().any():
            raise ValueError(f"the labels in `{name}` have missing values (row {int(np.flatnonzero(series.isna())[0])})")
        categorical = pd.Categorical(series)
    if categorical.isna().any() and classes is None:
        raise ValueError(f"the labels in `{name}` have missing values")
    labels = [_plain(c) for c in categorical.categories] if classes is None else list(classes)
    codes = codes_for(np.asarray(categorical.astype(object)), labels, name)
    return torch.as_tensor(codes, dtype=torch.long), labels


def codes_for(values: np.ndarray, classes: Sequence, name: str) -> np.ndarray:
    """The position of each value in ``classes``; a value not there is an error naming it."""
    index = pd.Index(list(classes), dtype=object)
    codes = index.get_indexer(pd.Index(np.asarray(values, dtype=object).ravel(), dtype=object))
    if (codes < 0).any():
        bad = np.asarray(values, dtype=object).ravel()[np.flatnonzero(codes < 0)[0]]
        raise ValueError(f"the label {_plain(bad)!r} in `{name}` is not one of the model's classes {list(classes)}")
    return codes.astype(np.int64)


def is_identity(classes: Optional[list], k: int) -> bool:
    return classes is not None and len(classes) == k and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c == i for i, c in enumerate(classes))


def decode(codes: np.ndarray, classes: Optional[list]) -> np.ndarray:
    """Original labels for codes: numbers stay numeric arrays, names become an object array."""
    if classes is None or is_identity(classes, len(classes)):
        return codes
    table = np.asarray(classes, dtype=object)
    if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes):
        table = np.asarray(classes, dtype=np.int64)
    elif all(isinstance(c, (float, np.floating)) for c in classes):
        table = np.asarray(classes, dtype=np.float64)
    elif all(isinstance(c, (bool, np.bool_)) for c in classes):
        table = np.asarray(classes, dtype=bool)
    return table[codes]
