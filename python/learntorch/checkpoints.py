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
``getattr`` hooks) and accepts only ``nn.Module`` subclasses. Every record of the file's zip is
checked against its CRC-32 before it is read, and the recorded architecture is checked against the
weights (names, shapes, kinds, finiteness) on the meta device before any model is built for real.

Writes are atomic: a temporary file beside ``path``, named after the writer's pid and host, is
renamed over it. A writer killed mid-save (``kill -9``) leaves its temporary file behind; the next
``save`` into that folder removes the temporary files of writers that are no longer alive (never
a live writer's, and never another host's). A new file gets the mode the umask gives (as
``open()`` would); an overwritten file keeps its mode.
"""

from __future__ import annotations

import datetime
import os
import pickle
import platform
import re
import secrets
import socket
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any, Dict, List, Optional, Tuple, Type, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from .architectures import Unrecordable, build_module, plain_arg, record_module, unwrap
from .data import all_finite
from .devices import resolve_device
from .models import MODEL_CLASSES
from .tasks import TASKS, Spec, get_spec, set_spec

__all__ = ["save", "load", "read_checkpoint", "register_model"]

FORMAT = "learntorch-checkpoint"
# 2: any nn.Module (an "architecture" record or none), the fit's Spec, the weights' dtype.
FORMAT_VERSION = 2
_PLAIN = (str, int, float, bool, type(None))
_FLOAT_DTYPES = {str(d).replace("torch.", ""): d for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}
# A save's temporary file: ".<name>.lt<pid>@<host>.<random>.tmp" beside the target.
_TEMP_FILE = re.compile(r"^\..+\.lt(?P<pid>[0-9]{1,10})@(?P<host>[A-Za-z0-9-]{0,32})\.[0-9a-f]{16}\.tmp$")

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
    return _save(model, path, metadata)


def save_run(model: nn.Module, path: Union[str, os.PathLike], training: Dict[str, Any], **metadata: Any) -> Path:
    """A training checkpoint: what :func:`save` writes, plus a ``training`` entry (optimizer and
    scheduler state, history, RNG states... see ``learntorch.training.state``). ``load`` reads it
    as a model; ``fit(resume=path)`` continues the run."""
    return _save(model, path, metadata, training)


def _save(model: nn.Module, path: Union[str, os.PathLike], metadata: Dict[str, Any],
          training: Optional[Dict[str, Any]] = None) -> Path:
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    path = _check_path(path)
    metadata = {key: _plain(value, key) for key, value in metadata.items()}
    if path.is_dir():
        raise IsADirectoryError(f"`path` is a directory: {path}")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder for `path` does not exist: {path.parent}")
    if not path.parent.is_dir():
        raise NotADirectoryError(f"the folder for `path` is not a directory: {path.parent}")
    payload = _payload(model, metadata)
    if training is not None:
        payload["training"] = training
    _remove_stale_temp_files(path.parent)
    _write(payload, path)
    return path


def _check_path(path: Any) -> Path:
    """``path`` as an expanded Path; a TypeError or ValueError naming `path` otherwise."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file path (a str or os.PathLike), got {type(path).__name__}")
    if str(path) == "":
        raise ValueError("`path` is empty: give a file path such as 'model.pt'")
    return Path(path).expanduser()


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
    fd, tmp = _open_temp(path)
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
    _sync_folder(path.parent)


def _open_temp(path: Path) -> Tuple[int, str]:
    """A new temporary file beside ``path`` named after this writer, open for writing.

    Created with mode 0o666, which the umask narrows as it does for ``open()`` (mkstemp would
    give 0o600); when ``path`` exists its mode is kept instead.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    mode = _existing_mode(path)
    while True:
        tmp = str(path.parent / f".{path.name}.lt{os.getpid()}@{_host()}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # 64 random bits: only a freak collision lands here
            continue
    if mode is not None and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    return fd, tmp


def _existing_mode(path: Path) -> Optional[int]:
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return None


def _host() -> str:
    """This machine's name as it goes in temporary file names (letters, digits, '-')."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not possible on every system)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temp_files(folder: Path) -> None:
    """Remove the temporary files that killed writers (``kill -9``, power loss) left in ``folder``.

    Only files named by a learntorch save on this host whose writer is no longer alive: a live
    writer's file is never touched, nor another host's (its pids mean nothing here).
    """
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _TEMP_FILE.match(entry.name)
        if match is None or match["host"] != host or _alive(int(match["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:  # another save removed it first, or it is not ours to remove
            pass


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (in doubt: yes, so that its file is kept)."""
    if pid <= 0 or pid == os.getpid() or os.name != "posix":
        return True  # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's live process, or a pid this system cannot check
    return True


def _version() -> str:
    from . import __version__

    return __version__


def read_checkpoint(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """The checkpoint's contents as a dict: class, config, architecture, note, dtype, spec,
    state_dict, metadata, versions (format 1 files have no architecture, note, dtype or spec)."""
    path = _check_path(path)
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
    version = payload.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path} is a malformed learntorch checkpoint: its format_version is {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer learntorch (format {version}); upgrade to read it")
    _check_fields(payload, path)
    return payload


def _check_fields(payload: Dict[str, Any], path: Path) -> None:
    """The fields every reader relies on, with the types ``save`` writes; a ValueError otherwise."""
    state = payload.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise ValueError(f"{path} is not a readable checkpoint (truncated or corrupt file, or not made by "
                         "learntorch.save): its state_dict is not a dict of named tensors")
    dtype = payload.get("dtype")
    if dtype is not None and dtype not in _FLOAT_DTYPES:
        raise ValueError(f"{path} is a malformed learntorch checkpoint: its dtype {dtype!r} is not one of "
                         f"{sorted(_FLOAT_DTYPES)}")
    for key in ("metadata", "versions"):
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise ValueError(f"{path} is a malformed learntorch checkpoint: its {key} is a "
                             f"{type(payload[key]).__name__}, not a dict")


def load(path: Union[str, os.PathLike], device: Union[str, torch.device, None] = None,
         model: Optional[nn.Module] = None, allow_nonfinite: bool = False) -> nn.Module:
    """The saved model with its weights, dtype and Spec, in eval mode; metadata in ``.checkpoint``.

    Without ``model`` the model is rebuilt from the file's record (see the module docstring);
    a class recorded by import path must come from ``torch.nn``, the registry, or a module
    already imported in this session. With ``model`` (an instance of the same architecture, as
    needed when the file records no arguments) the weights are loaded into it, strictly, and it
    is returned. Everything is checked before a model is built or changed: a record whose
    weights do not fit it, and weights holding NaN or infinity, are refused with a ValueError;
    ``allow_nonfinite=True`` loads non-finite weights with a warning instead.
    """
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(allow_nonfinite, (bool, np.bool_)):
        raise TypeError(f"`allow_nonfinite` must be True or False, got {allow_nonfinite!r}")
    target = resolve_device(device) if device is not None else None
    payload = read_checkpoint(path)
    state = payload["state_dict"]
    spec = _spec_from(payload["spec"], path) if payload.get("spec") is not None else None
    # The architecture, weightless on the meta device, is checked against the file's weights
    # before anything is built for real or the caller's model is changed.
    skeleton = _skeleton(payload, path) if model is None else unwrap(model)
    _check_weights(skeleton, state, path, "the given" if model is not None else "the recorded")
    _check_finite(skeleton, state, path, bool(allow_nonfinite))
    if model is None:
        model = skeleton if _is_real(skeleton) else _rebuild(payload, path)
    inner = unwrap(model)
    dtype = _FLOAT_DTYPES.get(payload.get("dtype"))
    if dtype is not None:
        inner.to(dtype)
    try:
        inner.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError, KeyError) as exc:  # a module's own load hooks
        raise ValueError(f"the weights in {path} do not load into this {type(inner).__qualname__}: {exc}") from exc
    if spec is not None:
        set_spec(model, spec)
        set_spec(inner, spec)
    if target is not None:
        model.to(target)
    model.eval()
    model.checkpoint = {key: payload.get(key) for key in ("metadata", "versions", "note")}
    return model


def _record(payload: Dict[str, Any], path: Union[str, os.PathLike]) -> dict:
    """The file's architecture record, or a ValueError saying to pass ``model=``."""
    if "architecture" in payload:
        record = payload["architecture"]
    else:  # format 1: registered classes only
        record = {"kind": "registered", "class": payload.get("class"), "config": payload.get("config")}
    if record is None:
        name = str(payload.get("class"))
        why = payload.get("note") or "it records no constructor arguments"
        raise ValueError(
            f"{path} holds the weights of a {name} but cannot rebuild it ({why}): "
            f"pass `model=`, an instance of {name} built with the same arguments, e.g. "
            f"learntorch.load(path, model={name.rsplit('.', 1)[-1]}(...))"
        )
    if isinstance(record, dict) and record.get("kind") == "registered" and not isinstance(record.get("class"), str):
        raise ValueError(f"{path} is a malformed learntorch checkpoint: it records no model class")
    return record


def _skeleton(payload: Dict[str, Any], path: Union[str, os.PathLike]) -> nn.Module:
    """The recorded model built on the meta device (no memory, no initialisation), or for real
    when its constructor needs real tensors."""
    record = _record(payload, path)
    try:
        with torch.device("meta"):
            return build_module(record)
    except Exception:  # some constructors compute with their tensors; the real build says why
        return _rebuild(payload, path)


def _is_real(module: nn.Module) -> bool:
    return not any(t.is_meta for t in module.state_dict().values())


def _rebuild(payload: Dict[str, Any], path: Union[str, os.PathLike]) -> nn.Module:
    """The model built from the file's record, or a ValueError saying to pass ``model=``."""
    try:
        return build_module(_record(payload, path))
    except ValueError as exc:
        raise ValueError(f"cannot rebuild the model in {path}: {exc}") from exc


def _check_weights(model: nn.Module, state: Dict[str, torch.Tensor], path: Union[str, os.PathLike],
                   which: str = "this") -> None:
    """The file's weights must be the model's: the same names, shapes and kinds (floating or
    not); one ValueError names every mismatch."""
    expected = model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    shapes = [f"{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}"
              for key in expected if key in state and state[key].shape != expected[key].shape]
    kinds = [f"{key} {_kind(state[key])} vs {_kind(expected[key])}" for key in expected
             if key in state and _kind(state[key]) != _kind(expected[key])]
    if missing or unexpected or shapes or kinds:
        problems = [f"{label} {_few(items)}" for label, items in
                    (("missing keys", missing), ("unexpected keys", unexpected),
                     ("shapes differ (file vs model)", shapes), ("kinds differ (file vs model)", kinds)) if items]
        raise ValueError(f"the weights in {path} do not fit {which} {type(model).__qualname__}: "
                         + "; ".join(problems))


def _kind(tensor: torch.Tensor) -> str:
    if tensor.is_complex():
        return "complex"
    return "floating" if tensor.is_floating_point() else "integer"


def _check_finite(model: nn.Module, state: Dict[str, torch.Tensor], path: Union[str, os.PathLike],
                  allow: bool) -> None:
    """Parameters must be finite, and no buffer NaN (a buffer may hold -inf on purpose, as
    attention masks do): a model with NaN weights predicts garbage without a word."""
    parameters = {name for name, _ in model.named_parameters(remove_duplicate=False)}
    bad = [key for key, value in state.items() if value.is_floating_point() and (
        not all_finite(value) if key in parameters else bool(torch.isnan(value).any()))]
    if not bad:
        return
    message = f"the weights in {path} hold NaN or infinite values in {_few(bad)}"
    if not allow:
        raise ValueError(f"{message}: the model would predict nonsense (a diverged run was saved?). "
                         "Pass `allow_nonfinite=True` to load them anyway")
    warnings.warn(f"{message}; loaded anyway (allow_nonfinite=True)", RuntimeWarning, stacklevel=3)


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
