"""Any data a user has, in one of two shapes the loop and the evaluation read.

- :class:`Table`: inputs and targets already in memory -- learntorch datasets, ``(x, y)`` pairs
  of tensors, numpy arrays or pandas objects, a DataFrame with ``x=``/``y=`` column names, a
  ``torch.utils.data.TensorDataset``. These go through the fast slicing path (one ``randperm``
  per epoch, no per-sample ``__getitem__``).
- :class:`Stream`: everything else -- a map-style ``Dataset`` returning ``(x, y)``, an
  ``IterableDataset``, or a ready ``DataLoader`` (used as it is). These are read through a
  DataLoader: workers off by default (they are slower for in-memory samples on small machines),
  ``pin_memory`` on CUDA, and a ``loader=`` dict to change any DataLoader setting.

Labels that are not numbers (strings, categoricals, booleans) are encoded here, once, into codes
with their ``classes``; which codes a model uses is decided in :mod:`learntorch.tasks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

from .arrays import frame_matrix, numbers_in_objects
from .data import TensorDataset, _as_tensor, all_finite
from .labels import encode_labels, is_labels as _is_labels
from .suggest import did_you_mean

__all__ = ["Table", "Stream", "as_source", "as_table", "as_inputs", "frame_columns", "DataLike"]

DataLike = Any
_TARGET_COLUMNS = ("label", "target")


@dataclass
class Table:
    """In-memory data: ``x`` (N, ...) and numeric targets ``y`` (codes of ``classes`` when the
    labels were names), or ``y=None`` for inputs alone.

    ``x`` may share memory with the caller's arrays, read-only ones included: it is never
    written to in place (new tensors replace it).
    """

    x: torch.Tensor
    y: Optional[torch.Tensor] = None
    classes: Optional[List[Any]] = None
    feature_names: Optional[List[str]] = None

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Stream:
    """Data read batch by batch through ``loader``, which yields ``(x, y)`` pairs (or inputs)."""

    loader: Iterable
    _first: Optional[Tuple[torch.Tensor, Optional[torch.Tensor]]] = field(default=None, repr=False)

    def first(self, name: str) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """The first batch, to learn the input and target shapes before training."""
        if self._first is None:
            try:
                batch = next(iter(self.loader))
            except StopIteration:
                raise ValueError(f"`{name}` is empty: its DataLoader yields no batches") from None
            self._first = split_batch(batch, name)
        return self._first

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, Optional[torch.Tensor]]]:
        for batch in self.loader:
            yield split_batch(batch, "data")


def split_batch(batch: Any, name: str) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """(inputs, targets) of one batch from a DataLoader; targets None for inputs alone."""
    if isinstance(batch, torch.Tensor):
        return batch, None
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        x, y = batch
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"the inputs in each batch of `{name}` must be tensors, got {type(x).__name__}")
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"the targets in each batch of `{name}` must be numbers (tensors), got "
                            f"{type(y).__name__}: encode string labels first, or pass a DataFrame or (x, y) arrays")
        return x, y
    if isinstance(batch, (tuple, list)) and len(batch) == 1 and isinstance(batch[0], torch.Tensor):
        return batch[0], None
    raise TypeError(f"each batch of `{name}` must be (inputs, targets), got {type(batch).__name__}"
                    + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))


def _names(value: Union[str, Sequence[str], None], name: str) -> Optional[List[str]]:
    if value is None:
        return None
    if not isinstance(value, (str, list, tuple, pd.Index)):
        raise TypeError(f"`{name}` must be a column name or a list of column names, got {value!r}")
    names = [value] if isinstance(value, str) else list(value)
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"`{name}` must be a column name or a list of column names, got {value!r}")
    return names


def _numeric_columns(frame: pd.DataFrame, columns: List[str], name: str,
                     dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """The input columns as one (N, k) tensor: the frame's own memory when it allows, else one copy."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in `{name}`; it has {list(frame.columns)}")
    values = frame_matrix(frame, columns, name, _numpy_dtype(dtype))
    return _as_tensor(values, name, copy_readonly=False)


def _numpy_dtype(dtype: Optional[torch.dtype]) -> Optional[np.dtype]:
    """The numpy twin of a floating torch dtype (None for others: bfloat16 has none)."""
    return {torch.float16: np.dtype(np.float16), torch.float32: np.dtype(np.float32),
            torch.float64: np.dtype(np.float64)}.get(dtype)


def _targets(values: Any, name: str, classes: Optional[Sequence] = None) -> Tuple[torch.Tensor, Optional[list]]:
    """Numeric targets as a tensor; names (strings, categories, booleans) as codes + classes."""
    values = numbers_in_objects(values)
    if _is_labels(values):
        return encode_labels(values, name, classes)
    if isinstance(values, (pd.Series, pd.DataFrame)):
        if values.isna().to_numpy().any():
            raise ValueError(f"the targets in `{name}` have missing values")
    y = _as_tensor(values, name, copy_readonly=False)
    if y.is_complex():
        raise TypeError(f"the targets in `{name}` are complex numbers, which no loss here accepts")
    return y, None


def frame_columns(columns: Sequence[str], name: str, x: Union[str, Sequence[str], None] = None,
                  y: Union[str, Sequence[str], None] = None, need_targets: bool = True
                  ) -> Tuple[List[str], Optional[List[str]]]:
    """The input and target columns of a table with ``columns``: ``y`` by name, else its ``label``
    or ``target`` column; ``x`` by name, else every other column. The one rule for DataFrames
    (R asks it too, before it builds its blueprint)."""
    x, y = _names(x, "x"), _names(y, "y")
    columns = list(columns)
    if y is None and need_targets:
        found = [c for c in _TARGET_COLUMNS if c in columns]
        if not found:
            raise ValueError(f"`{name}` is a DataFrame: name its target column with `y=` "
                             f"(it has {columns})")
        y = found[:1]
    if y is not None:
        missing = [c for c in y if c not in columns]
        if missing:
            raise ValueError(f"the target columns {missing} given in `y` are not in `{name}`; it has {columns}."
                             f"{did_you_mean(missing[0], columns)}")
    if x is None:
        x = [c for c in columns if c not in (y or []) and c not in _TARGET_COLUMNS]
        if not x:
            raise ValueError(f"`{name}` has no input columns besides the targets")
    else:
        missing = [c for c in x if c not in columns]
        if missing:
            raise ValueError(f"columns {missing} are not in `{name}`; it has {columns}.{did_you_mean(missing[0], columns)}")
    return x, y


def _frame_table(frame: pd.DataFrame, name: str, x: Optional[List[str]], y: Optional[List[str]],
                 need_targets: bool, dtype: Optional[torch.dtype] = None) -> Table:
    x, y = frame_columns(list(frame.columns), name, x, y, need_targets)
    inputs = _numeric_columns(frame, x, name, dtype)
    if y is None:
        return Table(inputs, feature_names=list(map(str, x)))
    target = frame[y[0]] if len(y) == 1 else frame[y]
    values, classes = _targets(target, name)
    return Table(inputs, values, classes, list(map(str, x)))


def _dataset_classes(data: TensorDataset) -> Optional[list]:
    # Image datasets name numeric labels for display ("0".."9", "cat"); their labels stay numbers.
    if not getattr(data, "classes_are_labels", True):
        return None
    return getattr(data, "classes", None)


def as_table(data: DataLike, name: str, x: Union[str, Sequence[str], None] = None,
             y: Union[str, Sequence[str], None] = None, need_targets: bool = True,
             dtype: Optional[torch.dtype] = None) -> Optional[Table]:
    """``data`` as in-memory tensors, or None when it must be read through a DataLoader.

    ``dtype`` (the model's floating dtype) lets a DataFrame's columns be converted in the one copy
    they may need, instead of copied once here and converted again by the caller.
    """
    x, y = _names(x, "x"), _names(y, "y")
    if isinstance(data, pd.DataFrame):
        return _frame_table(data, name, x, y, need_targets, dtype)
    if (x is not None or y is not None) and not isinstance(data, pd.DataFrame):
        raise TypeError(f"`x` and `y` name columns of a DataFrame, but `{name}` is a {type(data).__name__}")
    if isinstance(data, TensorDataset):
        return Table(data.x, data.y, _dataset_classes(data), list(data.feature_names))
    if isinstance(data, torch.utils.data.TensorDataset):
        tensors = data.tensors
        if len(tensors) not in (1, 2):
            raise ValueError(f"`{name}` is a TensorDataset of {len(tensors)} tensors; learntorch needs (inputs, targets)")
        return Table(tensors[0], tensors[1] if len(tensors) == 2 else None)
    if isinstance(data, tuple) and len(data) != 2:
        raise TypeError(f"`{name}` is a tuple of {len(data)} items; pass (inputs, targets), a dataset or a DataFrame")
    if isinstance(data, tuple):
        inputs, target = data
        names = [str(c) for c in inputs.columns] if isinstance(inputs, pd.DataFrame) else None
        x_t = _as_tensor(inputs, f"{name}[0]", copy_readonly=False)
        values, classes = _targets(target, f"{name}[1]")
        if len(values) != len(x_t):
            raise ValueError(f"`{name}` has {len(x_t)} rows of inputs but {len(values)} targets: they must match")
        return Table(x_t, values, classes, names)
    if isinstance(data, (torch.Tensor, np.ndarray, list)):
        if need_targets:
            raise TypeError(f"`{name}` must carry targets: a dataset, an (x, y) pair or a DataFrame with `y=`")
        return Table(_as_tensor(data, name, copy_readonly=False))
    return None


def as_source(data: DataLike, name: str, *, x: Any = None, y: Any = None, batch_size: int = 128,
              shuffle: bool = False, generator: Optional[torch.Generator] = None,
              device: Optional[torch.device] = None, loader: Optional[dict] = None,
              need_targets: bool = True, dtype: Optional[torch.dtype] = None) -> Union[Table, Stream]:
    """``data`` as a :class:`Table` when it is in memory, else as a :class:`Stream`."""
    if loader is not None and not isinstance(loader, dict):  # checked even where no DataLoader is made
        raise TypeError(f"`loader` must be a dict of DataLoader settings, got {type(loader).__name__}")
    table = as_table(data, name, x, y, need_targets, dtype)
    if table is not None:
        if len(table) == 0:
            raise ValueError(f"`{name}` is empty")
        check_finite(table, name)
        return table
    return Stream(as_loader(data, name, batch_size=batch_size, shuffle=shuffle, generator=generator,
                            device=device, loader=loader))


def as_loader(data: Any, name: str, *, batch_size: int, shuffle: bool, generator: Optional[torch.Generator],
              device: Optional[torch.device], loader: Optional[dict]) -> DataLoader:
    """A DataLoader over a Dataset, with learntorch's defaults; a DataLoader passes through."""
    if isinstance(data, DataLoader):
        if loader:
            raise ValueError(f"`loader` settings apply to Datasets; `{name}` is already a DataLoader")
        return data
    # A dict or a string has __getitem__ and __len__ too, but is no dataset.
    if isinstance(data, (Mapping, str, bytes)) or not isinstance(data, (Dataset, IterableDataset)) and not (
            hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        raise TypeError(f"`{name}` must be a learntorch dataset, an (x, y) pair of tensors/arrays, a DataFrame, "
                        f"a torch Dataset or a DataLoader; got {type(data).__name__}")
    if loader is not None and not isinstance(loader, dict):
        raise TypeError(f"`loader` must be a dict of DataLoader settings, got {type(loader).__name__}")
    options = dict(batch_size=batch_size, num_workers=0,
                   pin_memory=device is not None and device.type == "cuda")
    if not isinstance(data, IterableDataset):
        options.update(shuffle=shuffle, generator=generator)
    options.update(loader or {})
    try:
        return DataLoader(data, **options)
    except TypeError as exc:
        raise TypeError(f"`loader`: {exc}") from exc


def check_finite(table: Table, name: str) -> None:
    """Inputs and targets must be finite (a dataset's tensors can change after construction)."""
    for part, t in (("x", table.x), ("y", table.y)):
        if t is not None and not all_finite(t):
            raise ValueError(f"`{name}` has NaN or infinite values in its {part}")


def as_inputs(data: DataLike, name: str = "x", feature_names: Optional[Sequence[str]] = None,
              x: Union[str, Sequence[str], None] = None) -> Union[Table, Stream]:
    """Inputs for prediction. A DataFrame is matched to the model's ``feature_names`` by name."""
    if isinstance(data, pd.DataFrame) and x is None and feature_names is not None:
        missing = [c for c in feature_names if c not in data.columns]
        if missing:
            raise ValueError(f"`{name}` lacks the columns {missing} the model was trained on "
                             f"({list(feature_names)}); it has {list(data.columns)}")
        x = list(feature_names)
    source = as_source(data, name, x=x, need_targets=False, batch_size=4096)
    return source
