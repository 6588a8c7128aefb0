"""Datasets held in memory, the generators the tutorials use, and a fast batch iterator.

Every dataset is a :class:`TensorDataset`: ``.x`` and ``.y`` tensors, ``len()``, indexing (so
``torch.utils.data.DataLoader`` still works on it) and ``.to_frame()`` giving a tidy DataFrame.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Iterator, Optional, Sequence, Union

import numpy as np
import pandas as pd
import torch

from .arrays import frame_matrix, numbers_in_objects, numpy_to_tensor, series_values
from .labels import encode_labels, is_labels as _is_labels

__all__ = [
    "TensorDataset",
    "continuous_xor",
    "two_moons",
    "linear_regression_data",
    "crop_yields",
    "from_frame",
    "BatchIterator",
    "batches",
    "train_val_split",
]

ArrayLike = Union[torch.Tensor, np.ndarray, Sequence]
_NUMPY_DTYPES = {torch.float16: np.float16, torch.float32: np.float32, torch.float64: np.float64}


def _check_int(value: object, name: str, minimum: int = 1, wrong_type: type = ValueError) -> int:
    """``value`` as an int >= ``minimum``; a whole float (R's ``3``) counts as an integer.

    A value that is not an integer raises ``wrong_type``, one below ``minimum`` ValueError; both
    messages name the argument. training, evaluation, images and plotting_images share it; the
    leaf modules models and devices, which import nothing from the package, keep their own.
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    expected = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise wrong_type(f"`{name}` must be {expected}, got {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be {expected}, got {value}")
    return int(value)


def _check_positive_int(value: object, name: str) -> int:
    """A positive integer; a wrong type is a TypeError (sizes and batch sizes)."""
    return _check_int(value, name, 1, wrong_type=TypeError)


def _check_positive(value: object, name: str) -> Optional[float]:
    """A positive finite number (numpy scalars too), or None; a ValueError naming `name` else."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not value > 0 or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a positive number, got {value!r}")
    return float(value)


def _check_nonnegative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a non-negative number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative number, got {value}")
    return float(value)


def all_finite(tensor: torch.Tensor) -> bool:
    """True when a tensor holds no NaN or infinity (integer tensors always do).

    One ``aminmax`` pass: NaN propagates to both ends and an infinity shows at one of them.
    ``torch.isfinite(t).all()`` gives the same answer 30x slower on MNIST-sized inputs, because it
    allocates a boolean mask as large as the data.
    """
    if not tensor.is_floating_point() or tensor.numel() == 0:
        return True
    low, high = torch.aminmax(tensor.detach())
    return bool(torch.isfinite(low) & torch.isfinite(high))


def _generator(seed: Optional[int]) -> Optional[torch.Generator]:
    """A CPU generator for ``seed``; None means torch's global generator.

    A fresh ``torch.Generator().manual_seed(s)`` yields the same stream as
    ``torch.manual_seed(s)`` on the CPU, so ``seed=42`` reproduces the tutorials.
    """
    if seed is None:
        return None
    if isinstance(seed, (float, np.floating)) and float(seed).is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be a whole number or None, got {seed!r}")
    if not 0 <= seed < 2**64:  # torch seeds are 64-bit
        raise ValueError(f"`seed` must be a whole number from 0 to 2**64 - 1, got {seed}")
    return torch.Generator().manual_seed(int(seed))


def _as_tensor(value: ArrayLike, name: str, dtype: Optional[torch.dtype] = None,
               check_finite: bool = True, copy_readonly: bool = True) -> torch.Tensor:
    """``value`` as a tensor: numpy arrays and pandas columns without a copy where possible
    (see :mod:`learntorch.arrays`), anything else through ``torch.as_tensor``.

    ``copy_readonly=False`` shares read-only arrays (pandas 3's) for callers that never write to
    the tensor; a dataset's tensors are the user's to change, so by default they are copied.
    """
    if isinstance(value, pd.DataFrame):
        value = frame_matrix(value, value.columns, name)
    elif isinstance(value, pd.Series):
        value = series_values(value, name)
    if isinstance(value, np.ndarray):
        tensor = numpy_to_tensor(value, name, copy_readonly)
        tensor = tensor if dtype is None else tensor.to(dtype)
    else:
        try:
            tensor = torch.as_tensor(value) if dtype is None else torch.as_tensor(value, dtype=dtype)
        except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
            raise TypeError(f"`{name}` must be a tensor, array or nested sequence of numbers") from exc
    if tensor.is_complex():
        raise TypeError(f"`{name}` holds complex numbers; learntorch trains on real numbers")
    if check_finite and not all_finite(tensor):
        raise ValueError(f"`{name}` contains NaN or infinite values")
    return tensor


def _dataset_targets(y: object, task: Optional[str], classes: Optional[Sequence]) -> tuple[torch.Tensor, Optional[list]]:
    """Targets as a tensor; label names become codes and ``classes``."""
    y = numbers_in_objects(y)
    if _is_labels(y):
        if task == "regression":
            # Numbers read as text (an object column of "3.5", "-2") are values, not categories.
            try:
                return _as_tensor(pd.to_numeric(pd.Series(np.asarray(y, dtype=object)), errors="raise")
                                  .to_numpy(dtype=np.float64), "y"), None
            except (ValueError, TypeError) as exc:
                raise ValueError(f"`task` is 'regression' but `y` holds non-numbers: {exc}") from None
        return encode_labels(y, "y", classes)
    if isinstance(y, pd.Series) and y.isna().any():
        raise ValueError("`y` has missing values")
    tensor = _as_tensor(y, "y")
    if classes is not None:
        if task == "regression":
            raise ValueError("`classes` names class labels, but `task` is 'regression'")
        classes = [c.item() if isinstance(c, np.generic) else c for c in classes]
        if len(tensor) and not tensor.is_floating_point() and int(tensor.max()) >= len(classes):
            raise ValueError(f"`classes` names {len(classes)} classes but the labels go up to {int(tensor.max())}")
    return tensor, None if classes is None else list(classes)


def _check_target_shape(y: torch.Tensor, task: str) -> None:
    """Labels: one per row; regression targets: (N,) or (N, k). Checked before any names are."""
    if task == "classification" and y.ndim > 1 and math.prod(y.shape[1:]) != 1:
        raise ValueError(f"class labels in `y` must be one per row, got shape {tuple(y.shape)}; "
                         "for several numeric targets pass task='regression'")
    if y.ndim > 2:
        raise ValueError(f"`y` must have shape (N,) or (N, targets), got {tuple(y.shape)}")


class TensorDataset(torch.utils.data.Dataset):
    """Inputs ``x`` (N x ...) and targets ``y`` (N or N x k) held as tensors.

    ``task`` is ``"classification"`` (integer labels, frame column ``label``) or
    ``"regression"`` (float targets, frame column ``target`` or ``target_names``). Labels that
    are names (strings, categoricals, booleans) are stored as codes with their names in
    ``classes`` (``classes[code]``); ``classes=`` fixes the names and their order.
    """

    def __init__(
        self,
        x: ArrayLike,
        y: ArrayLike,
        *,
        task: Optional[str] = None,
        feature_names: Optional[Sequence[str]] = None,
        target_names: Optional[Sequence[str]] = None,
        classes: Optional[Sequence] = None,
    ) -> None:
        x = _as_tensor(x, "x")
        if task is not None and task not in ("classification", "regression"):
            raise ValueError(f"`task` must be 'classification' or 'regression', got {task!r}")
        y, classes = _dataset_targets(y, task, classes)
        if x.ndim == 1:
            x = x.unsqueeze(1)
        if x.ndim < 2:
            raise ValueError(f"`x` must have at least 2 dimensions (N x features), got shape {tuple(x.shape)}")
        if len(x) != len(y):
            raise ValueError(f"`x` has {len(x)} rows but `y` has {len(y)}: they must match")
        if not x.is_floating_point() or x.dtype == torch.float64:
            x = x.to(torch.get_default_dtype())  # numpy/pandas/R hand over float64; models are float32
        if task is None:
            task = "classification" if classes is not None or not y.is_floating_point() else "regression"
        _check_target_shape(y, task)
        if task == "classification":
            if y.is_floating_point():
                if not torch.equal(y, y.round()):
                    raise ValueError("`y` holds non-integer values but `task` is 'classification'")
                y = y.long()
            if (y < 0).any():
                raise ValueError("class labels in `y` must be 0, 1, 2, ... or names: found a negative label")
        elif not y.is_floating_point() or y.dtype == torch.float64:
            y = y.to(torch.get_default_dtype())
        self.classes = classes
        self.x = x
        self.y = y
        self.task = task
        self.feature_names = list(feature_names) if feature_names is not None else [
            f"x{i + 1}" for i in range(self.num_features)
        ]
        if x.ndim == 2 and len(self.feature_names) != x.shape[1]:
            raise ValueError(
                f"`feature_names` has {len(self.feature_names)} names but `x` has {x.shape[1]} columns"
            )
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        default_targets = ["label"] if task == "classification" else (
            ["target"] if n_targets == 1 else [f"target{i + 1}" for i in range(n_targets)]
        )
        self.target_names = list(target_names) if target_names is not None else default_targets
        if len(self.target_names) != n_targets:
            raise ValueError(f"`target_names` has {len(self.target_names)} names but `y` has {n_targets} columns")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __repr__(self) -> str:
        kind = "labels" if self.task == "classification" else "targets"
        return (
            f"{type(self).__name__}(n={len(self)}, x={tuple(self.x.shape[1:])}, "
            f"{kind}={self.target_names}, task={self.task!r})"
        )

    @property
    def num_features(self) -> int:
        """Values per sample (C*H*W for images)."""
        return int(np.prod(self.x.shape[1:]))

    @property
    def num_classes(self) -> Optional[int]:
        """Largest label + 1 for classification data, None for regression."""
        if self.task != "classification":
            return None
        return int(self.y.max().item()) + 1 if len(self.y) else 0

    def subset(self, indices: torch.Tensor) -> "TensorDataset":
        """A dataset holding the rows at ``indices`` (same names and task)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.x = self.x[indices]
        new.y = self.y[indices]
        return new

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per sample, feature columns then label/target columns."""
        x = self.x.detach().cpu().reshape(len(self), -1).numpy()
        frame = pd.DataFrame(x, columns=self.feature_names)
        y = self.y.detach().cpu().numpy()
        if self.classes is not None and getattr(self, "classes_are_labels", True):
            # Labels by name, as a categorical in the classes' order (an R factor's levels).
            frame[self.target_names[0]] = pd.Categorical.from_codes(y.reshape(-1), categories=self.classes)
            return frame
        if y.ndim == 1:
            y = y[:, None]
        for j, name in enumerate(self.target_names):
            frame[name] = y[:, j]
        return frame


def continuous_xor(size: int, std: float = 0.1, seed: Optional[int] = None) -> TensorDataset:
    """Noisy XOR points: label 1 where exactly one coordinate is 1.

    Draws ``randint`` then ``randn`` in that order, so under the same torch seed it yields
    the tutorial's ``XORDataset`` tensors exactly.
    """
    size = _check_positive_int(size, "size")
    std = _check_nonnegative(std, "std")
    gen = _generator(seed)
    x = torch.randint(0, 2, (size, 2), dtype=torch.float32, generator=gen)  # (N, 2) in {0, 1}
    label = (x.sum(dim=1) == 1).to(torch.long)  # computed before the noise
    x += std * torch.randn(x.shape, generator=gen)
    return TensorDataset(x, label, task="classification")


def two_moons(size: int, noise: float = 0.1, seed: Optional[int] = None) -> TensorDataset:
    """Two interleaving half circles (scikit-learn's ``make_moons`` construction, in torch)."""
    size = _check_positive_int(size, "size")
    noise = _check_nonnegative(noise, "noise")
    gen = _generator(seed)
    n_out = size // 2
    n_in = size - n_out
    t_out = torch.linspace(0, math.pi, n_out)
    t_in = torch.linspace(0, math.pi, n_in)
    outer = torch.stack([torch.cos(t_out), torch.sin(t_out)], dim=1)
    inner = torch.stack([1 - torch.cos(t_in), 1 - torch.sin(t_in) - 0.5], dim=1)
    x = torch.cat([outer, inner])  # (N, 2)
    y = torch.cat([torch.zeros(n_out, dtype=torch.long), torch.ones(n_in, dtype=torch.long)])
    perm = torch.randperm(size, generator=gen)
    x, y = x[perm], y[perm]
    x += noise * torch.randn(x.shape, generator=gen)
    return TensorDataset(x, y, task="classification")


def linear_regression_data(
    size: int,
    weights: ArrayLike = (2.0, -3.4),
    bias: float = 4.2,
    noise: float = 0.01,
    seed: Optional[int] = None,
) -> TensorDataset:
    """``y = x @ weights + bias + noise * eps`` with standard-normal ``x`` and ``eps``."""
    size = _check_positive_int(size, "size")
    noise = _check_nonnegative(noise, "noise")
    w = _as_tensor(weights, "weights", dtype=torch.float32).reshape(-1)
    if w.numel() == 0:
        raise ValueError("`weights` must hold at least one number")
    if isinstance(bias, bool) or not isinstance(bias, (int, float, np.integer, np.floating)):
        raise TypeError(f"`bias` must be a number, got {bias!r}")
    gen = _generator(seed)
    x = torch.randn((size, w.numel()), generator=gen)  # (N, d)
    y = x @ w + float(bias) + noise * torch.randn(size, generator=gen)  # (N,)
    ds = TensorDataset(x, y, task="regression")
    ds.true_weights = w.clone()
    ds.true_bias = float(bias)
    return ds


def crop_yields() -> TensorDataset:
    """The tutorial's five-region table: temperature, rainfall, humidity -> apples, oranges."""
    path = resources.files("learntorch").joinpath("extdata/crop_yields.csv")
    with resources.as_file(path) as csv:
        table = pd.read_csv(csv)
    features = ["temperature", "rainfall", "humidity"]
    targets = ["apples", "oranges"]
    ds = TensorDataset(
        table[features].to_numpy(dtype=np.float32),
        table[targets].to_numpy(dtype=np.float32),
        task="regression",
        feature_names=features,
        target_names=targets,
    )
    ds.regions = list(table["region"])
    return ds


def from_frame(
    frame: pd.DataFrame,
    x: Sequence[str],
    y: Union[str, Sequence[str]],
    task: Optional[str] = None,
) -> TensorDataset:
    """A dataset from columns of a DataFrame (how R users bring their own data.frame)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    x = _column_names(x, "x")
    y_cols = _column_names(y, "y")
    missing = [c for c in x + y_cols if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not found in `frame`: {missing}; it has {list(frame.columns)}")
    if not x:
        raise ValueError("`x` must name at least one column")
    if not y_cols:
        raise ValueError("`y` must name at least one column")
    target = frame[y_cols[0]] if len(y_cols) == 1 else frame[y_cols].to_numpy()
    bad = [c for c in x if not pd.api.types.is_numeric_dtype(frame[c]) or isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if bad:
        raise ValueError(f"the input columns {bad} are not numeric: choose numeric columns with `x`")
    # One array in the default float dtype: a view of the frame where its memory allows, else one copy.
    x_values = frame_matrix(frame, x, "frame", _NUMPY_DTYPES.get(torch.get_default_dtype(), np.float32))
    ds = TensorDataset(x_values, target, task=task, feature_names=x)
    if ds.task == "regression":
        ds.target_names = y_cols
    return ds


def _column_names(value: object, name: str) -> list:
    """Column names: one name, or a list or tuple of names; a TypeError naming ``name`` otherwise."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, pd.Index, np.ndarray)) and all(
            isinstance(v, (str, int, np.integer)) and not isinstance(v, bool) for v in value):
        return list(value)
    raise TypeError(f"`{name}` must be a column name or a list of column names, got {value!r}")


# Above this size a per-epoch copy of the inputs costs more than gathering batch by batch
# (measured: 188 MB of MNIST-sized inputs, 0.14 s whole vs 0.07 s per batch).
_WHOLE_EPOCH_GATHER_BYTES = 16 * 1024**2


class BatchIterator:
    """Mini-batches sliced from in-memory tensors: one ``randperm`` per epoch, no collate.

    The tutorial's DataLoader calls ``__getitem__`` per sample and stacks the results, which
    costs about twice the training step for small models; slicing costs almost nothing.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        if len(x) != len(y):
            raise ValueError(f"`x` has {len(x)} rows but `y` has {len(y)}: they must match")
        self.x = x
        self.y = y
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.x)
        stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
        if not self.shuffle:
            x, y = self.x[:stop], self.y[:stop]
        else:
            order = torch.randperm(n, generator=self.generator, device="cpu")[:stop]
            if self.x.device.type != "cpu":
                order = order.to(self.x.device)
            if self.x.element_size() * self.x.numel() > _WHOLE_EPOCH_GATHER_BYTES:
                # Large data: gathering inputs per batch avoids allocating (and page-faulting) a
                # full copy. Targets are small and gathered once: a loop that keeps each batch's
                # targets then keeps views of one block, not a small allocation per step, which
                # glibc would place between the freed input batches and so grow the heap by about
                # a batch per step (0.5 GB an epoch at 200,000 x 784).
                y_epoch = self.y[order]
                yield from zip((self.x[idx] for idx in torch.split(order, self.batch_size)),
                               torch.split(y_epoch, self.batch_size))
                return
            x, y = self.x[order], self.y[order]  # small data: one gather per epoch
        # torch.split makes every view in one call instead of a slice op per step.
        yield from zip(torch.split(x, self.batch_size), torch.split(y, self.batch_size))


def batches(
    data: TensorDataset,
    batch_size: int,
    shuffle: bool = True,
    drop_last: bool = False,
    seed: Optional[int] = None,
) -> BatchIterator:
    """A :class:`BatchIterator` over a dataset; ``seed`` fixes the shuffling order."""
    if not hasattr(data, "x") or not hasattr(data, "y"):
        raise TypeError("`data` must be a learntorch dataset with `.x` and `.y` tensors")
    for name, value in (("shuffle", shuffle), ("drop_last", drop_last)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"`{name}` must be True or False, got {value!r}")
    return BatchIterator(data.x, data.y, batch_size, shuffle, drop_last, _generator(seed))


def train_val_split(
    dataset: TensorDataset, fraction: float = 0.2, seed: Optional[int] = None
) -> tuple[TensorDataset, TensorDataset]:
    """Split into (train, valid); ``fraction`` of the rows, chosen at random, go to valid."""
    if not isinstance(dataset, TensorDataset):
        raise TypeError("`dataset` must be a learntorch dataset (e.g. from continuous_xor or digits)")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"`fraction` must be a number strictly between 0 and 1, got {fraction!r}")
    n = len(dataset)
    n_valid = int(round(n * fraction))
    if n_valid == 0 or n_valid == n:
        raise ValueError(f"`fraction`={fraction} leaves an empty split of a dataset of {n} rows")
    order = torch.randperm(n, generator=_generator(seed))
    return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])
