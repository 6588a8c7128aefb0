"""Checkpoints: a model's weights, and what is needed to rebuild it, in one safe file.

``save`` accepts any ``nn.Module``. It always stores the weights (``state_dict``), their dtype,
the :class:`~learntorch.tasks.Spec` a fit left on the model (task, class labels, ...), library
versions and the caller's metadata. It also records how to rebuild the model, when it can:

* a learntorch model, or a class passed to :func:`register_model`, by registry name and its
  ``config`` dict;
* ``nn.Sequential`` / ``nn.ModuleList`` / ``nn.ModuleDict`` as the records of their children;
* any other module by import path (module + qualname) and constructor arguments: its ``config``
  dict, else the ``__init__`` parameters it keeps as attributes of the same name.

A record is kept only if rebuilding from it gives the same ``repr`` and the same weight names
and shapes; otherwise the file notes why, and ``load(path, model=...)`` loads the weights into an
instance the caller builds. Wrappers (DataParallel, DistributedDataParallel, ``torch.compile``)
are unwrapped first, so weight names carry no ``module.`` / ``_orig_mod.`` prefix.

Loading never runs code chosen by the file. Files are read with ``torch.load(weights_only=True)``,
so a file carrying a pickled object is refused before any of it runs. A recorded class is looked
up, never imported: in the registry, in ``torch.nn`` (importable, it is torch's own), or in a
module this session has already imported; the lookup walks ``__dict__`` entries (no ``eval``, no
``getattr`` hooks) and accepts only ``nn.Module`` subclasses. Writes are atomic, and every record
of the file's zip is checked against its CRC-32 before it is read.
"""

from __future__ import annotations

import datetime
import os
import pickle
import platform
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any, Dict, List, Optional, Type, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from .architectures import Unrecordable, build_module, plain_arg, record_module, unwrap
from .devices import resolve_device
from .models import MODEL_CLASSES
from .tasks import TASKS, Spec, get_spec, set_spec

__all__ = ["save", "load", "read_checkpoint", "register_model"]

FORMAT = "learntorch-checkpoint"
# 2: any nn.Module (an "architecture" record or none), the fit's Spec, the weights' dtype.
FORMAT_VERSION = 2
_PLAIN = (str, int, float, bool, type(None))
_FLOAT_DTYPES = {str(d).replace("torch.", ""): d for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}

def register_model(cls: Type[nn.Module]) -> Type[nn.Module]:
    """Register a model class of your own by name; its instances need a ``config`` dict of arguments.

    Usable as a decorator. Registered classes are rebuilt by name, so they may live anywhere
    (even inside a function). Other classes are found by import path, see :func:`load`.
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError("`cls` must be a torch.nn.Module subclass")
    MODEL_CLASSES[cls.__name__] = cls
    return cls


# --- metadata: plain Python values only ---------------------------------------------------------

def _plain(value: Any, where: str) -> Any:
    """``value`` as str/int/float/bool/None, lists and str-keyed dicts, or a TypeError naming ``where``.

    Converted rather than refused: numpy scalars and arrays, pandas scalars, dates, paths,
    tuples and subclasses of the plain types (which ``weights_only`` loading would refuse).
    """
    if type(value) in _PLAIN:
        return value
    if isinstance(value, np.generic):
        item = value.item()
        if not isinstance(item, np.generic):  # np.longdouble.item() is itself
            return _plain(item, where)
    elif isinstance(value, np.ndarray):
        return _plain(value.tolist(), where)
    elif value is pd.NA or value is pd.NaT:
        return None
    elif isinstance(value, (datetime.date, datetime.time)):  # pd.Timestamp too
        return value.isoformat()
    elif isinstance(value, (datetime.timedelta, pd.Period, pd.Interval, PurePath)):
        return str(value)
    elif isinstance(value, str):  # a str subclass (np.str_ is caught above)
        return str.__str__(value)
    elif isinstance(value, int):  # IntEnum and friends
        return int(value)
    elif isinstance(value, float):
        return float(value)
    elif isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    elif isinstance(value, Mapping):
        return {_plain_key(key, where): _plain(item, f"{where}[{key!r}]") for key, item in value.items()}
    raise TypeError(f"metadata `{where}` is a {type(value).__module__}.{type(value).__qualname__}, which a "
                    "checkpoint cannot store: use numbers, strings, booleans, None, and lists or dicts of them "
                    "(numpy and pandas scalars, numpy arrays, dates and paths are converted)")


def _plain_key(key: Any, where: str) -> str:
    if isinstance(key, str):
        return str.__str__(key)
    raise TypeError(f"metadata `{where}` has a non-string key {key!r}")


def save(model: nn.Module, path: Union[str, os.PathLike], **metadata: Any) -> Path:
    """Write ``model`` (weights, how to rebuild it, its Spec, versions, ``metadata``) to ``path``.

    Any ``nn.Module`` can be saved; see the module docstring for what is recorded. Metadata is
    converted to plain values here, or refused with a TypeError naming it. The file appears
    complete or not at all: it is written beside ``path`` and renamed over it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    metadata = {key: _plain(value, key) for key, value in metadata.items()}
    path = Path(path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"`path` is a directory: {path}")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder for `path` does not exist: {path.parent}")
    _write(_payload(model, metadata), path)
    return path


def _payload(model: nn.Module, metadata: dict) -> Dict[str, Any]:
    inner = unwrap(model)
    spec = get_spec(model) or get_spec(inner)
    try:
        architecture, note = record_module(inner), None
    except Unrecordable as exc:
        architecture = None
        note = f"constructor arguments not recorded: {exc}"
    state = {key: value.detach().cpu() for key, value in inner.state_dict().items()}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": _class_name(inner, architecture),
        # The arguments again, flat, for readers of format 1 and for people.
        "config": None if architecture is None else architecture.get("config", architecture.get("args")),
        "architecture": architecture,
        "note": note,
        "dtype": _dtype_name(state),
        "spec": None if spec is None else _plain(spec.to_dict(), "spec"),
        "state_dict": state,
        "metadata": metadata,
        "versions": {
            "learntorch": _version(),
            "torch": str(torch.__version__),
            "python": platform.python_version(),
        },
    }


def _class_name(module: nn.Module, architecture: Optional[dict]) -> str:
    """The registry name of a registered class, else the import path."""
    if architecture is not None and architecture["kind"] == "registered":
        return architecture["class"]
    return f"{type(module).__module__}.{type(module).__qualname__}"


def _dtype_name(state: Dict[str, torch.Tensor]) -> Optional[str]:
    """The floating dtype shared by all floating weights (None if mixed or none)."""
    dtypes = {value.dtype for value in state.values() if value.is_floating_point()}
    return str(dtypes.pop()).replace("torch.", "") if len(dtypes) == 1 else None


def _write(payload: Dict[str, Any], path: Path) -> None:
    """Write atomically: to a temporary file beside ``path``, then renamed over it."""
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


def _version() -> str:
    from . import __version__

    return __version__


def read_checkpoint(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """The checkpoint's contents as a dict: class, config, architecture, note, dtype, spec,
    state_dict, metadata, versions (format 1 files have no architecture, note, dtype or spec)."""
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
    if not isinstance(payload.get("state_dict"), dict) or not all(
            isinstance(v, torch.Tensor) for v in payload["state_dict"].values()):
        raise ValueError(f"{corrupt}: its state_dict is not a dict of tensors")
    return payload


def load(path: Union[str, os.PathLike], device: Union[str, torch.device, None] = None,
         model: Optional[nn.Module] = None) -> nn.Module:
    """The saved model with its weights, dtype and Spec, in eval mode; metadata in ``.checkpoint``.

    Without ``model`` the model is rebuilt from the file's record (see the module docstring);
    a class recorded by import path must come from ``torch.nn``, the registry, or a module
    already imported in this session. With ``model`` (an instance of the same architecture, as
    needed when the file records no arguments) the weights are loaded into it, strictly, and it
    is returned.
    """
    payload = read_checkpoint(path)
    if model is None:
        model = _rebuild(payload, path)
    elif not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    inner = unwrap(model)
    dtype = _FLOAT_DTYPES.get(payload.get("dtype"))
    if dtype is not None:
        inner.to(dtype)
    _load_weights(inner, payload["state_dict"], path)
    if payload.get("spec") is not None:
        spec = _spec_from(payload["spec"], path)
        set_spec(model, spec)
        set_spec(inner, spec)
    if device is not None:
        model.to(resolve_device(device))
    model.eval()
    model.checkpoint = {key: payload.get(key) for key in ("metadata", "versions", "note")}
    return model


def _rebuild(payload: Dict[str, Any], path: Union[str, os.PathLike]) -> nn.Module:
    """The model built from the file's record, or a ValueError saying to pass ``model=``."""
    if "architecture" in payload:
        record = payload["architecture"]
    else:  # format 1: registered classes only
        record = {"kind": "registered", "class": payload.get("class"), "config": payload.get("config")}
    if record is None:
        name = str(payload.get("class"))
        raise ValueError(
            f"{path} holds the weights of a {name} but cannot rebuild it ({payload.get('note')}): "
            f"pass `model=`, an instance of {name} built with the same arguments, e.g. "
            f"learntorch.load(path, model={name.rsplit('.', 1)[-1]}(...))"
        )
    try:
        return build_module(record)
    except ValueError as exc:
        raise ValueError(f"cannot rebuild the model in {path}: {exc}") from exc


def _load_weights(model: nn.Module, state: Dict[str, torch.Tensor], path: Union[str, os.PathLike]) -> None:
    """``load_state_dict``, strict, after a check whose error names every mismatch."""
    expected = model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    shapes = [f"{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}"
              for key in expected if key in state and state[key].shape != expected[key].shape]
    if missing or unexpected or shapes:
        problems = [f"{label} {_few(items)}" for label, items in
                    (("missing keys", missing), ("unexpected keys", unexpected),
                     ("shapes differ (file vs model)", shapes)) if items]
        raise ValueError(f"the weights in {path} do not fit this {type(model).__qualname__}: "
                         + "; ".join(problems))
    model.load_state_dict(state)


def _few(items: List[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return f"[{shown}{f', ... ({len(items)} in all)' if len(items) > limit else ''}]"


def _spec_from(value: Any, path: Union[str, os.PathLike]) -> Spec:
    """The Spec stored in a checkpoint, checked: plain values, a known task, plain labels."""
    classes = value.get("classes") if isinstance(value, dict) else None
    try:
        ok = value.get("task") in TASKS and plain_arg(value) == value and (
            classes is None or (isinstance(classes, list) and all(type(c) in (str, int, float, bool) for c in classes)))
        spec = Spec.from_dict(value) if ok else None
    except (AttributeError, TypeError):
        spec = None
    if spec is None:
        raise ValueError(f"{path} has a malformed spec: {value!r}")
    return spec
