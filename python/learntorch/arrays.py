"""numpy arrays and pandas columns as tensors, without copying where the memory allows.

A leaf module (it imports nothing from the package). Large inputs are the point: a 200,000 x 784
float32 table is 627 MB, and each needless copy is another 627 MB.

- A numpy array becomes a tensor over the same memory (``torch.from_numpy``) when torch can read
  its dtype, byte order and strides; otherwise it is copied once.
- A DataFrame's columns become one (rows, columns) array: a view of the frame's own memory when
  the columns lie row by row in one block of one dtype (a frame made from a 2-D array), else one
  row-major copy in the wanted dtype. Row-major matters: training gathers rows, and gathering
  rows from column-major memory was 12x slower (6.8 s against 0.58 s an epoch at 200,000 x 784).
- Read-only arrays (pandas 3 hands them out under copy-on-write) are copied only when the tensor
  is the caller's to write into (a dataset's ``.x``); learntorch's own read-only uses (fit,
  evaluate, predict) share them.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, List, Optional, Sequence

import numpy as np
import pandas as pd
import torch

__all__ = ["numpy_to_tensor", "frame_matrix", "series_values", "numbers_in_objects"]

# Rows per block when columns are copied into a row-major array (about 4 MB of output at a time).
_BLOCK_BYTES = 4 * 1024**2
_TORCH_FLOATS = {np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
                 np.dtype(np.float64): torch.float64}


def numpy_to_tensor(array: np.ndarray, name: str, copy_readonly: bool = True) -> torch.Tensor:
    """``array`` as a tensor sharing its memory where torch allows, else one copy.

    Complex, text, object and date arrays raise a TypeError naming ``name``; masked arrays with
    masked entries a ValueError.
    """
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"`{name}` holds complex numbers; learntorch trains on real numbers")
    if kind not in "biuf":
        raise TypeError(f"`{name}` must hold numbers, got an array of dtype {array.dtype}")
    if isinstance(array, np.ma.MaskedArray):
        if np.ma.is_masked(array):
            raise ValueError(f"`{name}` has masked (missing) values")
        array = array.data
    array = _torch_readable(array, name)
    if array.flags.writeable or not copy_readonly:
        with warnings.catch_warnings():
            # Read-only memory is shared only where learntorch never writes to it (copy_readonly=False).
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            return torch.from_numpy(array)
    return torch.from_numpy(array.copy())


def _torch_readable(array: np.ndarray, name: str) -> np.ndarray:
    """``array``, or a copy torch can wrap: native byte order, non-negative strides, and no
    unsigned type wider than a byte (torch's uint16/32/64 lack most operations)."""
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.kind == "u" and array.itemsize > 1:
        if array.size and array.dtype.itemsize == 8 and array.max() > np.iinfo(np.int64).max:
            raise ValueError(f"`{name}` holds unsigned integers too large for a signed 64-bit integer")
        array = array.astype(np.int64)
    if any(s < 0 or s % array.itemsize for s in array.strides):
        array = np.ascontiguousarray(array)
    return array


def series_values(series: pd.Series, name: str) -> np.ndarray:
    """A numeric Series' values (a view where pandas gives one); missing values become NaN."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return series.to_numpy()
    if pd.api.types.is_numeric_dtype(dtype):
        # Nullable Int64/Float64/boolean columns: NaN marks the missing values, which the
        # finiteness check then names.
        target = getattr(dtype, "numpy_dtype", np.dtype(np.float64))
        if series.hasnans or target.kind not in "biuf":
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        return series.to_numpy(dtype=target)
    return series.to_numpy()


def frame_matrix(frame: pd.DataFrame, columns: Sequence[Any], name: str,
                 dtype: Optional[np.dtype] = None) -> np.ndarray:
    """The ``columns`` of ``frame`` as one (rows, columns) row-major array of ``dtype``.

    A view of the frame's memory when the columns lie row by row in one block of that dtype, else
    one copy. ``dtype`` None keeps one shared float dtype, else float64 if any column is float64,
    else float32. Non-numeric columns raise a TypeError naming them and ``name``.
    """
    columns = list(columns)
    if len(set(columns)) != len(columns) or not frame.columns.is_unique:
        duplicated = sorted({str(c) for c in columns if list(frame.columns).count(c) > 1 or columns.count(c) > 1})
        raise ValueError(f"the columns {duplicated} of `{name}` are not unique: name each column once")
    series = [frame[c] for c in columns]
    bad = [str(c) for c, s in zip(columns, series) if not pd.api.types.is_numeric_dtype(s.dtype)
           or isinstance(s.dtype, pd.CategoricalDtype)]
    if bad:
        raise ValueError(f"the input columns {bad} of `{name}` are not numeric: select numeric columns with `x=`")
    arrays = [series_values(s, name) for s in series]
    target = np.dtype(dtype) if dtype is not None else _common_float(arrays)
    groups = _strided_groups(arrays)
    if len(groups) == 1 and groups[0].dtype == target and _row_major(groups[0]):
        return groups[0]  # the frame's own memory: no copy
    return _row_major_copy(groups, len(frame), len(columns), target, name)


def _common_float(arrays: List[np.ndarray]) -> np.dtype:
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) == 1 and next(iter(dtypes)).kind == "f" and next(iter(dtypes)).itemsize >= 4:
        return next(iter(dtypes))
    return np.dtype(np.float64 if np.dtype(np.float64) in dtypes else np.float32)


def _row_major(matrix: np.ndarray) -> bool:
    """Whether each row's values lie side by side, so gathering rows reads whole cache lines."""
    return matrix.shape[1] <= 1 or matrix.strides[1] == matrix.itemsize


def _strided_groups(arrays: List[np.ndarray]) -> List[np.ndarray]:
    """Runs of adjacent columns that are one strided 2-D view of the same memory, as (rows, k) views.

    Columns qualify when they share dtype, row stride and owning buffer, and each starts one
    fixed step after the previous one, as the rows of a pandas block (or the columns of the
    array a frame was made from) do. Every element of such a view is an element of one of the
    columns, and the view keeps the first column (hence the shared buffer) alive.
    """
    groups: List[List[np.ndarray]] = []
    for array in arrays:
        run = groups[-1] if groups else None
        if run is not None and _continues(run, array):
            run.append(array)
        else:
            groups.append([array])
    return [_as_view(run) for run in groups]


def _continues(run: List[np.ndarray], array: np.ndarray) -> bool:
    first = run[0]
    if array.dtype != first.dtype or array.strides != first.strides or array.ndim != 1 \
            or len(array) != len(first) or _owner(array) is not _owner(first):
        return False
    step = _address(run[1]) - _address(first) if len(run) > 1 else _address(array) - _address(first)
    return step > 0 and _address(array) == _address(first) + len(run) * step


def _as_view(run: List[np.ndarray]) -> np.ndarray:
    first = run[0]
    if len(run) == 1:
        return first.reshape(-1, 1)
    step = _address(run[1]) - _address(first)
    return np.lib.stride_tricks.as_strided(first, shape=(len(first), len(run)), strides=(first.strides[0], step),
                                           writeable=first.flags.writeable)


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def _owner(array: np.ndarray) -> Any:
    """The array at the end of ``array``'s chain of bases: the one that owns the memory."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.base if array.base is not None else array


def _row_major_copy(groups: List[np.ndarray], rows: int, width: int, dtype: np.dtype, name: str) -> np.ndarray:
    """One (rows, width) C-order array of ``dtype`` filled from the column groups.

    torch's strided copy does the transposing: it tiles the copy, where numpy's walks whole
    columns (0.9 s against 3 s for a column-major 200,000 x 784 float32 frame). Several groups
    are copied a block of rows at a time, so each block's writes stay in the cache.
    """
    out = torch.empty((rows, width), dtype=_TORCH_FLOATS[np.dtype(dtype)])
    sources = [numpy_to_tensor(group, name, copy_readonly=False) for group in groups]
    if len(sources) == 1:
        out.copy_(sources[0])
        return out.numpy()
    step = max(1, _BLOCK_BYTES // max(width * out.element_size(), 1))
    for start in range(0, rows, step):
        column = 0
        for source in sources:
            out[start:start + step, column:column + source.shape[1]].copy_(source[start:start + step])
            column += source.shape[1]
    return out.numpy()


def numbers_in_objects(values: Any) -> Any:
    """An object array or Series holding only real numbers (no strings, booleans or missing
    values), as a numeric array; anything else unchanged.

    Numbers in an object column (pandas gives one when a column mixes ints and floats from
    Python, or after a ``.astype(object)``) are numbers: encoding them as class names would turn
    regression targets into category codes without a word.
    """
    if isinstance(values, pd.Series) and values.dtype == object:
        array = values.to_numpy()
    elif isinstance(values, np.ndarray) and values.dtype == object:
        array = values
    else:
        return values
    flat = array.ravel()
    if not len(flat) or not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in flat):
        return values
    if all(isinstance(v, numbers.Integral) for v in flat):
        return array.astype(np.int64)
    return array.astype(np.float64)
