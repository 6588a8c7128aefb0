"""Image data sets, offline: scikit-learn's 8x8 digits, and readers for the files users already
have (MNIST / Fashion-MNIST IDX files, CIFAR-10's *binary* version). Nothing is downloaded.

Every loader returns an :class:`ImageDataset`: a :class:`~learntorch.data.TensorDataset` whose
``x`` is N x C x H x W float in [0, 1] and ``y`` long class labels, so ``train_val_split``,
``batches`` and ``fit`` work on it unchanged. Its ``to_frame()`` gives the tidy image frame
(image, row, col, intensity, label[, prediction]) that both languages draw.

Frame conventions (the contract with ``R/plots-images.R``):

- ``image`` is the sample's index in the dataset it came from; ``row`` and ``col`` count from 0
  at the top-left pixel (numpy / ``imshow`` order); ``intensity`` is the pixel value.
- Grey images (C = 1) have exactly the columns above. Colour images keep their colour: the frame
  gains a ``channel`` column (0, 1, 2 = red, green, blue; one row per pixel and channel), unless
  ``grey=True`` converts them to luminance first (then no ``channel`` column).
- ``label`` is present when labels are known, ``prediction`` only when predictions are given.

CIFAR-10 is read from its binary version only: the Python version is a pickle, and unpickling a
file runs code from it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from .data import TensorDataset, _as_tensor, _check_int
from .evaluation import predict

__all__ = [
    "ImageDataset",
    "digits",
    "read_idx",
    "read_cifar10_binary",
    "mnist",
    "fashion_mnist",
    "cifar10",
    "image_frame",
    "MNIST_FILES",
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
]

PathLike = Union[str, os.PathLike]

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# The standard names (MNIST and Fashion-MNIST share them); each may also end in ".gz".
MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR10_FILES = {
    True: [f"data_batch_{i}.bin" for i in range(1, 6)],
    False: ["test_batch.bin"],
}
_CIFAR_SIDE = 32
_CIFAR_RECORD = 1 + 3 * _CIFAR_SIDE * _CIFAR_SIDE  # one label byte, then 1024 R, 1024 G, 1024 B

# IDX type byte -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class ImageDataset(TensorDataset):
    """A classification dataset of images: ``x`` is N x C x H x W, ``y`` holds class labels.

    ``classes`` names the labels (``classes[y]``); ``name`` says where the images came from.
    ``to_frame()`` gives the tidy image frame; ``to_flat_frame()`` the one-row-per-sample frame
    (x1..x{C*H*W}, label) of a plain TensorDataset.
    """

    # ``classes`` name numeric labels for display; predictions stay numbers (the labels in the files).
    classes_are_labels = False

    def __init__(self, x: Any, y: Any, *, classes: Optional[Sequence[str]] = None, name: str = "images") -> None:
        x = _as_tensor(x, "x", check_finite=False)  # TensorDataset checks it, once
        if x.ndim == 3:
            x = x.unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
        if x.ndim != 4:
            raise ValueError(f"`x` must be N x C x H x W (or N x H x W), got shape {tuple(x.shape)}")
        super().__init__(x, y, task="classification")
        if self.y.ndim != 1:
            raise ValueError(f"`y` must hold one class label per image, got shape {tuple(self.y.shape)}")
        n_classes = self.num_classes or 0
        self.classes = [str(c) for c in classes] if classes is not None else [str(i) for i in range(n_classes)]
        if len(self.classes) < n_classes:
            raise ValueError(f"`classes` names {len(self.classes)} classes but the labels go up to {n_classes - 1}")
        self.name = str(name)

    @property
    def image_shape(self) -> tuple:
        """(C, H, W) of one image."""
        return tuple(self.x.shape[1:])

    def __repr__(self) -> str:
        return (f"ImageDataset({self.name!r}, n={len(self)}, image={self.image_shape}, "
                f"classes={len(self.classes)})")

    def to_frame(self, n: Optional[int] = None, predictions: Any = None, grey: bool = False) -> pd.DataFrame:
        """The tidy image frame of the first ``n`` images (all when None); see :func:`image_frame`."""
        return image_frame(self, predictions=predictions, n=n, grey=grey)

    def to_flat_frame(self) -> pd.DataFrame:
        """One row per image: pixel columns x1.. (channel, row, col order) then ``label``."""
        return TensorDataset.to_frame(self)


# --------------------------------------------------------------------------------------------
# digits


def digits() -> ImageDataset:
    """scikit-learn's bundled 8x8 handwritten digits: 1797 images, 10 classes, no download.

    ``x`` is 1797 x 1 x 8 x 8 float in [0, 1] (the 0..16 grey levels divided by 16).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # an optional dependency: pip install "learntorch[images]"
        raise ImportError("digits() needs scikit-learn, which ships the data: pip install scikit-learn") from exc
    bunch = load_digits()
    x = torch.as_tensor(np.asarray(bunch.images, dtype=np.float32) / 16.0).unsqueeze(1)  # (1797, 1, 8, 8)
    y = torch.as_tensor(np.asarray(bunch.target, dtype=np.int64))
    return ImageDataset(x, y, classes=[str(i) for i in range(10)], name="digits")


# --------------------------------------------------------------------------------------------
# file readers


def _check_path(path: PathLike, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a file path, got {type(path).__name__}")
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"`{name}`: no such file: {str(p)!r}")
    if not p.is_file():
        raise ValueError(f"`{name}`: {str(p)!r} is not a file")
    return p


def _read_bytes(path: Path, name: str) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic (whatever its name says)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(f"`{name}`: {str(path)!r} is a damaged or truncated gzip file ({exc})") from exc
    return raw


def _read_idx_array(path: Path, name: str) -> np.ndarray:
    """Any IDX file as a numpy array, with its header checked against its length."""
    data = _read_bytes(path, name)
    if len(data) < 4:
        raise ValueError(f"`{name}`: {str(path)!r} is too short ({len(data)} bytes) to be an IDX file")
    if data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(
            f"`{name}`: {str(path)!r} is not an IDX file: its magic number is 0x{data[:4].hex()}, "
            "expected 0x0000TTDD (e.g. 0x00000803 for MNIST images, 0x00000801 for labels)"
        )
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    if ndim == 0:
        raise ValueError(f"`{name}`: {str(path)!r} declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"`{name}`: {str(path)!r} is truncated inside its header ({len(data)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise ValueError(f"`{name}`: {str(path)!r} is truncated: its header {dims} promises {expected} "
                         f"bytes of data, the file holds {found}")
    if found > expected:
        raise ValueError(f"`{name}`: {str(path)!r} has {found - expected} bytes more than its header {dims} "
                         "describes: corrupt or not an IDX file")
    return np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header).reshape(dims)


def read_idx(images_path: PathLike, labels_path: PathLike, classes: Optional[Sequence[str]] = None,
             name: str = "idx") -> ImageDataset:
    """Images and labels from a pair of IDX files (MNIST, Fashion-MNIST), gzipped or not.

    The images file must be unsigned bytes with 3 dimensions (magic 0x00000803), the labels file
    unsigned bytes with 1 dimension (magic 0x00000801), with as many labels as images.
    Pixels are divided by 255: ``x`` is N x 1 x H x W float in [0, 1].
    """
    img_path = _check_path(images_path, "images_path")
    lab_path = _check_path(labels_path, "labels_path")
    images = _read_idx_array(img_path, "images_path")
    labels = _read_idx_array(lab_path, "labels_path")
    if images.dtype != np.uint8 or images.ndim != 3:
        hint = " Were the images and labels paths swapped?" if images.ndim == 1 else ""
        raise ValueError(f"`images_path`: {str(img_path)!r} holds a {images.ndim}-d array of {images.dtype.name}; "
                         f"an IDX images file holds a 3-d array of unsigned bytes (magic 0x00000803).{hint}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        hint = " Were the images and labels paths swapped?" if labels.ndim == 3 else ""
        raise ValueError(f"`labels_path`: {str(lab_path)!r} holds a {labels.ndim}-d array of {labels.dtype.name}; "
                         f"an IDX labels file holds a 1-d array of unsigned bytes (magic 0x00000801).{hint}")
    if len(images) != len(labels):
        raise ValueError(f"`images_path` holds {len(images)} images but `labels_path` holds {len(labels)} labels: "
                         "they must match (files from different sets?)")
    if len(images) == 0:
        raise ValueError(f"`images_path`: {str(img_path)!r} holds no images")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # (N, 1, H, W)
    y = torch.from_numpy(labels.astype(np.int64))
    return ImageDataset(x, y, classes=classes, name=name)


def _cifar_classes(folder: Path) -> List[str]:
    meta = folder / "batches.meta.txt"
    if meta.is_file():
        names = [line.strip() for line in meta.read_text().splitlines() if line.strip()]
        if len(names) == 10:
            return names
    return list(CIFAR10_CLASSES)


def read_cifar10_binary(path: Union[PathLike, Sequence[PathLike]], classes: Optional[Sequence[str]] = None,
                        name: str = "cifar10") -> ImageDataset:
    """Images from CIFAR-10 binary batch files (``data_batch_1.bin``...), one path or a list.

    Each record is 1 label byte (0-9) then 3072 pixel bytes: the 32x32 red plane, then green,
    then blue, rows top to bottom. ``x`` is N x 3 x 32 x 32 float in [0, 1]. Files may be
    gzipped. The pickle ("python version") files are refused: unpickling runs code.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else path
    if not isinstance(paths, (list, tuple)) or not paths:
        raise TypeError("`path` must be a file path or a non-empty list of file paths")
    xs, ys = [], []
    for i, item in enumerate(paths):
        arg = "path" if len(paths) == 1 else f"path[{i}]"
        p = _check_path(item, arg)
        data = _read_bytes(p, arg)
        if data[:1] == b"\x80":
            raise ValueError(f"`{arg}`: {str(p)!r} looks like a Python pickle (CIFAR-10 'python version'); "
                             "learntorch reads only the binary version (cifar-10-binary.tar.gz, files *.bin), "
                             "because unpickling a file runs code")
        if len(data) == 0:
            raise ValueError(f"`{arg}`: {str(p)!r} is empty")
        if len(data) % _CIFAR_RECORD:
            raise ValueError(
                f"`{arg}`: {str(p)!r} holds {len(data)} bytes, not a whole number of {_CIFAR_RECORD}-byte "
                f"CIFAR-10 records ({len(data) // _CIFAR_RECORD} records and {len(data) % _CIFAR_RECORD} bytes "
                "left over): truncated, or not a CIFAR-10 binary file"
            )
        records = np.frombuffer(data, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
        labels = records[:, 0]
        if labels.max() > 9:
            bad = int(np.argmax(labels > 9))
            raise ValueError(f"`{arg}`: {str(p)!r} record {bad} has label {int(labels[bad])}, but CIFAR-10 "
                             "labels are 0-9: corrupt, or not a CIFAR-10 binary file (CIFAR-100 has 2 label bytes)")
        xs.append(records[:, 1:].reshape(-1, 3, _CIFAR_SIDE, _CIFAR_SIDE))
        ys.append(labels)
    x = torch.from_numpy(np.concatenate(xs).astype(np.float32) / 255.0)  # (N, 3, 32, 32)
    y = torch.from_numpy(np.concatenate(ys).astype(np.int64))
    if classes is None:
        classes = _cifar_classes(Path(paths[0]).expanduser().parent)
    return ImageDataset(x, y, classes=classes, name=name)


# --------------------------------------------------------------------------------------------
# standard folders


def _check_root(root: PathLike) -> Path:
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"`root` must be a folder path, got {type(root).__name__}")
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"`root`: no such folder: {str(folder)!r}")
    return folder


def _check_train(train: object) -> bool:
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"`train` must be True (training set) or False (test set), got {train!r}")
    return bool(train)


def _find(folders: Sequence[Path], wanted: Sequence[str]) -> tuple[List[Path], List[str]]:
    """(paths found, names missing) for the file names ``wanted``, each maybe ending in .gz."""
    found, missing = [], []
    for base in wanted:
        hit = next((c for f in folders for c in (f / base, f / (base + ".gz")) if c.is_file()), None)
        if hit is None:
            missing.append(base)
        else:
            found.append(hit)
    return found, missing


def _idx_folder(root: PathLike, train: bool, subfolder: str, name: str, classes: Optional[Sequence[str]]) -> ImageDataset:
    folder = _check_root(root)
    train = _check_train(train)
    # Also look where torchvision keeps its copy, so users can point at the same root.
    folders = [folder, folder / subfolder / "raw"]
    wanted = MNIST_FILES[train]
    found, missing = _find(folders, wanted)
    if missing:
        raise FileNotFoundError(
            f"{name}: missing {missing} in {str(folder)!r} (also looked in {str(folders[1])!r}). "
            f"Expected the files {list(wanted)}, each optionally ending in '.gz'. learntorch does not "
            "download data: copy the files there first."
        )
    return read_idx(found[0], found[1], classes=classes, name=name + ("-train" if train else "-test"))


def mnist(root: PathLike, train: bool = True) -> ImageDataset:
    """MNIST from a folder holding the standard IDX files (``train-images-idx3-ubyte`` etc., or
    ``.gz``); ``train=False`` reads the 10,000 test images. Nothing is downloaded."""
    return _idx_folder(root, train, "MNIST", "mnist", [str(i) for i in range(10)])


def fashion_mnist(root: PathLike, train: bool = True) -> ImageDataset:
    """Fashion-MNIST from a folder holding its IDX files (same names as MNIST's, or ``.gz``)."""
    return _idx_folder(root, train, "FashionMNIST", "fashion_mnist", FASHION_MNIST_CLASSES)


def cifar10(root: PathLike, train: bool = True) -> ImageDataset:
    """CIFAR-10 from a folder holding its binary batches (``data_batch_1.bin`` .. ``data_batch_5.bin``,
    ``test_batch.bin``), or the ``cifar-10-batches-bin`` folder inside it. Nothing is downloaded."""
    folder = _check_root(root)
    train = _check_train(train)
    folders = [folder, folder / "cifar-10-batches-bin"]
    wanted = CIFAR10_FILES[train]
    found, missing = _find(folders, wanted)
    if missing:
        hint = ""
        if (folder / "cifar-10-batches-py").is_dir() or (folder / "data_batch_1").is_file():
            hint = (" Found the Python (pickle) version instead: learntorch reads only the binary version, "
                    "because unpickling runs code.")
        raise FileNotFoundError(
            f"cifar10: missing {missing} in {str(folder)!r} (also looked in {str(folders[1])!r}). "
            f"Expected the binary-version files {wanted}, each optionally ending in '.gz' "
            f"(from cifar-10-binary.tar.gz). learntorch does not download data.{hint}"
        )
    return read_cifar10_binary(found, name="cifar10-train" if train else "cifar10-test")


# --------------------------------------------------------------------------------------------
# the tidy image frame


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value)


def _whole_numbers(arr: np.ndarray) -> bool:
    return np.issubdtype(arr.dtype, np.number) and bool(np.all(np.equal(np.mod(arr, 1), 0)))


def _as_index(value: Any, name: str, n_total: int) -> np.ndarray:
    idx = _numpy(value).reshape(-1)
    if idx.size and not _whole_numbers(idx):
        raise ValueError(f"`{name}` must hold integer indices")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n_total):
        raise ValueError(f"`{name}` must lie in 0..{n_total - 1}, got values from {idx.min()} to {idx.max()}")
    return idx


def _per_image(value: Any, name: str, n_total: int, idx: np.ndarray) -> np.ndarray:
    """Labels/predictions for the chosen images: given for the whole set or for the chosen ones."""
    arr = _numpy(value)
    if arr.ndim == 2 and arr.shape[1] > 1:  # class probabilities or logits -> labels
        arr = arr.argmax(axis=1)
    arr = arr.reshape(-1)
    if len(arr) == n_total:
        arr = arr[idx]
    elif len(arr) != len(idx):
        raise ValueError(f"`{name}` has {len(arr)} values: give one per image in the data ({n_total}) "
                         f"or one per image in the frame ({len(idx)})")
    if not _whole_numbers(arr):
        raise ValueError(f"`{name}` must hold integer class labels")
    return arr.astype(np.int64)


def image_frame(
    data: Any,
    labels: Any = None,
    predictions: Any = None,
    n: Optional[int] = 16,
    indices: Any = None,
    grey: bool = False,
) -> pd.DataFrame:
    """Tidy frame of images, one row per pixel: image, row, col, intensity, label, prediction.

    ``data`` is an image dataset or a tensor/array of images (N x C x H x W, N x H x W, or
    N x H*W for square grey images). ``labels`` overrides the dataset's labels. ``predictions``
    is one label per image, an N x C array of scores, or a model (run on the chosen images).
    ``indices`` chooses which images; otherwise the first ``n`` (all when ``n`` is None).
    Colour images get a ``channel`` column (0=red, 1=green, 2=blue) unless ``grey=True``.
    """
    if hasattr(data, "x") and hasattr(data, "y"):
        x = data.x
        if labels is None:
            labels = data.y
    else:
        x = _as_tensor(data, "data")
    x = x.detach().cpu()
    if x.ndim == 2:  # flattened square images, e.g. N x 784
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"`data` is N x {x.shape[1]}: not square images; give it as N x C x H x W")
        x = x.reshape(len(x), 1, side, side)
    elif x.ndim == 3:
        x = x.unsqueeze(1)
    if x.ndim != 4:
        raise ValueError(f"`data` must hold images N x C x H x W (or N x H x W), got shape {tuple(x.shape)}")
    n_total, channels, height, width = x.shape
    if indices is not None:
        idx = _as_index(indices, "indices", n_total)
    else:
        idx = np.arange(n_total if n is None else min(_check_int(n, "n"), n_total))
    pixels = x[torch.as_tensor(idx, dtype=torch.long)].float()  # (n, C, H, W)
    if isinstance(predictions, nn.Module):
        predictions = predict(predictions, pixels)
    if grey and channels == 3:
        # ITU-R 601 luma, the weights PIL's convert("L") uses.
        weights = torch.tensor([0.299, 0.587, 0.114]).reshape(1, 3, 1, 1)
        pixels = (pixels * weights).sum(dim=1, keepdim=True)
        channels = 1
    elif grey and channels != 1:
        raise ValueError(f"`grey=True` converts 3-channel images; these have {channels} channels")
    # Row-major over (image, channel, row, col): col varies fastest.
    image_col, channel_col, row_col, col_col = np.meshgrid(
        idx, np.arange(channels), np.arange(height), np.arange(width), indexing="ij")
    frame = pd.DataFrame({
        "image": image_col.reshape(-1).astype(np.int64),
        "row": row_col.reshape(-1).astype(np.int64),
        "col": col_col.reshape(-1).astype(np.int64),
    })
    if channels > 1:
        frame.insert(1, "channel", channel_col.reshape(-1).astype(np.int64))
    frame["intensity"] = pixels.numpy().reshape(-1).astype(np.float64)
    per_image = channels * height * width
    if labels is not None:
        frame["label"] = np.repeat(_per_image(labels, "labels", n_total, idx), per_image)
    if predictions is not None:
        frame["prediction"] = np.repeat(_per_image(predictions, "predictions", n_total, idx), per_image)
    return frame
