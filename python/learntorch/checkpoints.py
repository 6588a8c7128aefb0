"""Checkpoints that carry the model's class and constructor arguments with its weights.

``load`` rebuilds the model, so users never re-declare the architecture. Files are read with
``torch.load(weights_only=True)``: only tensors and plain containers are accepted, and a file
carrying a pickled object is refused without running any of its code. Writes are atomic.
"""

from __future__ import annotations

import os
import pickle
import platform
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, Type, Union

import torch
from torch import nn

from .devices import resolve_device
from .models import MODEL_CLASSES

__all__ = ["save", "load", "read_checkpoint", "register_model"]

FORMAT = "learntorch-checkpoint"
FORMAT_VERSION = 1
_PLAIN = (str, int, float, bool, type(None))


def register_model(cls: Type[nn.Module]) -> Type[nn.Module]:
    """Make a model class of your own savable: it needs a ``config`` dict of its arguments.

    Usable as a decorator. Loading looks classes up by name in this registry, never by import.
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError("`cls` must be a torch.nn.Module subclass")
    MODEL_CLASSES[cls.__name__] = cls
    return cls


def _check_plain(value: Any, name: str) -> None:
    """Metadata must survive ``weights_only`` loading: numbers, strings, lists and dicts."""
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(item, name)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"metadata `{name}` has a non-string key {key!r}")
            _check_plain(item, name)
        return
    raise TypeError(f"metadata `{name}` must be numbers, strings, lists or dicts; got {type(value).__name__}")


def save(model: nn.Module, path: Union[str, os.PathLike], **metadata: Any) -> Path:
    """Write ``model`` (class, arguments, weights, library versions, ``metadata``) to ``path``.

    The file appears complete or not at all: it is written to a temporary file beside
    ``path`` and renamed over it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    name = type(model).__name__
    if MODEL_CLASSES.get(name) is not type(model) or not isinstance(getattr(model, "config", None), dict):
        raise TypeError(
            f"cannot save a {name}: only learntorch models, or classes passed to "
            "learntorch.register_model() with a `config` dict, can be rebuilt on load. "
            "For other modules save `model.state_dict()` with torch.save."
        )
    for key, value in metadata.items():
        _check_plain(value, key)
    path = Path(path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"`path` is a directory: {path}")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder for `path` does not exist: {path.parent}")
    payload: Dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": name,
        "config": dict(model.config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": dict(metadata),
        "versions": {
            "learntorch": _version(),
            "torch": str(torch.__version__),
            "python": platform.python_version(),
        },
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # An interrupted or failed save leaves whatever was at `path` untouched.
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _version() -> str:
    from . import __version__

    return __version__


def read_checkpoint(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """The checkpoint's contents as a dict (class, config, state_dict, metadata, versions)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at `path`: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"`path` is a directory, not a checkpoint file: {path}")
    corrupt = f"{path} is not a readable checkpoint (truncated or corrupt file, or not made by learntorch.save)"
    # learntorch.save always writes torch's zip format. Anything else is damaged or foreign and
    # never reaches the unpickler; inside the zip, every record's CRC-32 is checked, because
    # torch itself reads flipped bytes in tensor data without noticing.
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{corrupt}: {exc}") from exc
    if damaged is not None:
        raise ValueError(f"{corrupt}: the record {damaged!r} fails its checksum")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"refused to load {path}: it carries pickled Python objects that could run code, and "
            "learntorch loads only tensors and plain data (weights_only=True)"
        ) from exc
    except Exception as exc:  # torch reports damage as RuntimeError, KeyError, EOFError...
        raise ValueError(f"{corrupt}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is a torch file but not a learntorch checkpoint (made by learntorch.save)")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer learntorch (format {payload['format_version']}); upgrade to read it")
    return payload


def load(path: Union[str, os.PathLike], device: Union[str, torch.device, None] = None) -> nn.Module:
    """Rebuild the saved model with its weights, in eval mode; metadata in ``model.checkpoint``."""
    payload = read_checkpoint(path)
    cls = MODEL_CLASSES.get(payload["class"])
    if cls is None:
        raise ValueError(
            f"{path} holds a {payload['class']}, which this session does not know: "
            "call learntorch.register_model() on that class first"
        )
    model = cls(**payload["config"])
    model.load_state_dict(payload["state_dict"])
    if device is not None:
        model.to(resolve_device(device))
    model.eval()
    model.checkpoint = {k: payload[k] for k in ("metadata", "versions")}
    return model
