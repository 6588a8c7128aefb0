"""How to rebuild a module: records of its class and constructor arguments, checked by rebuilding.

A record is a plain dict (a checkpoint stores it): a registered learntorch class by name and
``config``; ``nn.Sequential`` / ``nn.ModuleList`` / ``nn.ModuleDict`` as their children's records;
any other class by import path and the arguments it keeps (``config``, else ``__init__``
parameters kept as attributes of the same name). A record counts only if rebuilding from it gives
the same ``repr``, weight names and shapes, and settings.

Rebuilding never imports a module a file names, except ``torch.nn``'s own: a class is looked up in
the registry, in ``torch.nn``, or in a module this session has already imported, and must be an
``nn.Module`` subclass.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Type

import numpy as np
import torch
from torch import nn

from .models import MODEL_CLASSES

_PLAIN = (str, int, float, bool, type(None))
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
# Wrappers whose weights are their one child's, under a prefix: class name -> child's name.
_WRAPPERS = {"DataParallel": "module", "DistributedDataParallel": "module", "OptimizedModule": "_orig_mod"}
_MISSING = object()


class Unrecordable(Exception):
    """Why a module's constructor arguments cannot be recorded."""


def plain_arg(value: Any) -> Any:
    """A constructor argument as a plain value (tuples stay tuples), or a TypeError."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, np.generic) and type(value.item()) in _PLAIN:
        return value.item()
    if type(value) in (list, tuple):
        return type(value)(plain_arg(item) for item in value)
    if type(value) in (dict, OrderedDict) and all(type(k) is str for k in value):
        return {k: plain_arg(v) for k, v in value.items()}
    raise TypeError(f"not a plain value: {type(value).__name__}")


# --- wrappers ---------------------------------------------------------------------------------------

def unwrap(model: nn.Module) -> nn.Module:
    """The module inside DataParallel / DistributedDataParallel / ``torch.compile`` wrappers."""
    while True:
        names = [_WRAPPERS[c.__name__] for c in type(model).__mro__ if c.__name__ in _WRAPPERS]
        inner = model._modules.get(names[0]) if names else None
        if not isinstance(inner, nn.Module):
            return model
        model = inner


# --- recording how to rebuild a module ----------------------------------------------------------------

def record_module(module: nn.Module) -> dict:
    """The first record from which ``module`` rebuilds identically; raises Unrecordable."""
    reasons = []
    for candidate in _candidates(module, reasons):
        if _rebuilds(candidate, module):
            return candidate
        reasons.append(f"rebuilding {type(module).__qualname__} from {_describe(candidate)} gives a different module")
    raise Unrecordable("; ".join(reasons) or f"{type(module).__qualname__} cannot be recorded")


def _candidates(module: nn.Module, reasons: List[str]) -> Iterator[dict]:
    """Records to try, best first; a failed attempt appends its reason to ``reasons``."""
    cls = type(module)
    config = getattr(module, "config", None)
    if MODEL_CLASSES.get(cls.__name__) is cls and isinstance(config, dict):
        try:
            yield {"kind": "registered", "class": cls.__name__, "config": plain_arg(dict(config))}
        except TypeError as exc:
            reasons.append(f"the config of {cls.__name__} is {exc}")
    if cls in _CONTAINERS:
        yield _container_record(module)
        return
    where = {"kind": "class", "module": cls.__module__, "qualname": cls.__qualname__}
    try:
        if _resolve_class(cls.__module__, cls.__qualname__) is not cls:
            raise ValueError("another class has that name")
    except ValueError as exc:
        reasons.append(f"{cls.__qualname__} cannot be found again by its import path "
                       f"{cls.__module__}.{cls.__qualname__} ({exc})")
        return
    if isinstance(config, dict):
        try:
            yield {**where, "args": plain_arg(dict(config))}
        except TypeError as exc:
            reasons.append(f"the config of {cls.__qualname__} is {exc}")
    for owner, skip in _signatures(cls):
        try:
            args = _introspected_args(module, owner, skip)
        except Unrecordable as exc:
            reasons.append(str(exc))
            continue
        yield {**where, "args": args}
        # Some constructors refuse a default passed explicitly (nn.GRU and proj_size=0).
        trimmed = _without_defaults(args, owner)
        if trimmed != args:
            yield {**where, "args": trimmed}


def _signatures(cls: type) -> Iterator[tuple]:
    """(class, leading parameters to skip) whose ``__init__`` may name ``cls``'s arguments.

    A constructor that only forwards ``*args, **kwargs`` (nn.LSTM, nn.GRU) takes its parent's
    parameters, less the first one or not (LSTM fixes RNNBase's ``mode``); verification picks.
    """
    yield cls, 0
    if not _forwards_only(cls.__init__):
        return
    parent = next(c for c in cls.__mro__[1:] if "__init__" in vars(c))
    if parent is not nn.Module and parent is not object:
        yield parent, 0
        yield parent, 1


def _forwards_only(init: Any) -> bool:
    try:
        parameters = list(inspect.signature(init).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    return bool(parameters) and all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)


def _container_record(module: nn.Module) -> dict:
    """Sequential / ModuleList / ModuleDict as the records of their children, in order."""
    children = []
    for name, child in module.named_children():
        try:
            children.append([name, record_module(child)])
        except Unrecordable as exc:
            raise Unrecordable(f"{type(module).__name__} child `{name}`: {exc}") from None
    cls = type(module)
    return {"kind": "container", "module": cls.__module__, "qualname": cls.__qualname__, "children": children}


def _introspected_args(module: nn.Module, owner: type, skip: int = 0) -> dict:
    """The parameters of ``owner.__init__`` (after ``self`` and ``skip`` more) that ``module``
    keeps as plain attributes of the same name."""
    cls = type(module)
    try:
        parameters = list(inspect.signature(owner.__init__).parameters.values())[1 + skip:]
    except (TypeError, ValueError) as exc:
        raise Unrecordable(f"the signature of {owner.__qualname__}.__init__ is unreadable ({exc})") from None
    args = {}
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in ("device", "dtype"):
            continue
        value = _attribute(module, p.name)
        if value is not _MISSING and p.kind is not p.POSITIONAL_ONLY:
            args[p.name] = value
        elif p.default is p.empty:
            raise Unrecordable(f"the required argument `{p.name}` of {cls.__qualname__} is not kept "
                                "as a plain attribute of the same name")
    return args


def _without_defaults(args: dict, owner: type) -> dict:
    """``args`` less those equal to (and of the same type as) their parameter's default."""
    parameters = inspect.signature(owner.__init__).parameters
    return {name: value for name, value in args.items()
            if not (type(value) is type(parameters[name].default) and value == parameters[name].default)}


def _attribute(module: nn.Module, name: str) -> Any:
    """The plain value ``module.<name>``; a ``bias`` Parameter (or None) stands for True (False)."""
    try:
        value = getattr(module, name)
    except Exception:  # a property may raise anything
        return _MISSING
    if name == "bias" and (value is None or isinstance(value, nn.Parameter)):
        return value is not None
    try:
        return plain_arg(value)
    except TypeError:
        return _MISSING


def _rebuilds(record: dict, module: nn.Module) -> bool:
    """Whether ``record`` builds a module with ``module``'s repr and weight names and shapes."""
    # Built on the meta device first (no memory, no init cost), then for real, for constructors
    # that need real tensors; under fork_rng, so that saving never moves the user's random stream.
    with torch.random.fork_rng(devices=[]):
        for place in (torch.device("meta"), contextlib.nullcontext()):
            try:
                with place:
                    rebuilt = build_module(record)
            except Exception:
                continue
            if repr(rebuilt) == repr(module) and _shapes(rebuilt) == _shapes(module) \
                    and _same_settings(rebuilt, module):
                return True
    return False


def _shapes(module: nn.Module) -> Dict[str, tuple]:
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def _same_settings(rebuilt: nn.Module, module: nn.Module) -> bool:
    """Whether ``module`` has the plain attributes the constructor gave ``rebuilt``: what a repr
    may leave out (nn.RNN's ``nonlinearity``). Attributes set after construction (a loaded
    model's ``checkpoint``) are not the constructor's business and are ignored."""
    original = _settings(module)
    return all(original.get(key, _MISSING) == value for key, value in _settings(rebuilt).items())


def _settings(module: nn.Module) -> Dict[str, Any]:
    """The public plain attributes of every submodule, by dotted name."""
    found = {}
    for prefix, sub in module.named_modules():
        for key, value in vars(sub).items():
            if key.startswith("_") or key == "training":
                continue
            try:
                found[f"{prefix}.{key}"] = plain_arg(value)
            except TypeError:
                pass
    return found


def _describe(record: dict) -> str:
    if record["kind"] == "registered":
        return f"its config {record['config']}"
    if record["kind"] == "container":
        return "its children"
    return f"the arguments {record['args']}"


# --- finding a recorded class without running the file's code ------------------------------------------

def _resolve_class(module_name: Any, qualname: Any) -> Type[nn.Module]:
    """The ``nn.Module`` subclass ``module_name.qualname``, looked up without importing user code.

    Only ``torch.nn`` modules may be imported; any other module must already be in
    ``sys.modules``. The qualname is walked through ``__dict__`` entries of the module and then
    of classes, so no ``__getattr__`` hook, property or descriptor runs. Raises ValueError.
    """
    if not isinstance(module_name, str) or not isinstance(qualname, str):
        raise ValueError("the recorded class has no valid import path")
    parts = module_name.split(".") + qualname.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ValueError(f"{module_name}.{qualname} is not an importable name")
    module = sys.modules.get(module_name)
    if module is None and (module_name == "torch.nn" or module_name.startswith("torch.nn.")):
        try:
            module = importlib.import_module(module_name)  # torch's own layers: trusted code
        except ImportError:
            module = None
    if module is None:
        raise ValueError(f"its class {qualname} comes from the module `{module_name}`, which this session "
                         f"has not imported, and learntorch never imports a module a file names: "
                         f"import {module_name} first, or pass `model=`")
    found: Any = module
    for part in qualname.split("."):
        # A qualname steps from the module into classes only (Outer.Inner), never into another module.
        namespace = vars(found) if found is module or isinstance(found, type) else {}
        found = namespace.get(part, _MISSING)
        if found is _MISSING:
            raise ValueError(f"the module `{module_name}` has no class {qualname}")
    if not (isinstance(found, type) and issubclass(found, nn.Module)):
        raise ValueError(f"refused: {module_name}.{qualname} is a {type(found).__name__}, not a "
                         "torch.nn.Module class, and learntorch builds nothing else from a file")
    return found


def build_module(record: Any) -> nn.Module:
    """The module a record describes (constructors run with the recorded plain arguments)."""
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind == "registered":
        cls = MODEL_CLASSES.get(record.get("class"))
        if cls is None:
            raise ValueError(f"it holds a {record.get('class')}, which this session does not know: "
                             "call learntorch.register_model() on that class first, or pass `model=`")
        return _construct(cls, record.get("config"))
    if kind == "container":
        return _build_container(record)
    if kind == "class":
        return _construct(_resolve_class(record.get("module"), record.get("qualname")), record.get("args"))
    raise ValueError("its architecture record is malformed")


def _build_container(record: dict) -> nn.Module:
    cls = _resolve_class(record.get("module"), record.get("qualname"))
    children = record.get("children")
    if cls not in _CONTAINERS or not isinstance(children, list) or not all(
            isinstance(c, (list, tuple)) and len(c) == 2 and isinstance(c[0], str) for c in children):
        raise ValueError("its architecture record is malformed")
    built = OrderedDict((name, build_module(child)) for name, child in children)
    return cls(list(built.values())) if cls is nn.ModuleList else cls(built)


def _construct(cls: Type[nn.Module], args: Any) -> nn.Module:
    try:
        args = plain_arg(args)
    except TypeError:
        args = None
    if not isinstance(args, dict):
        raise ValueError(f"the recorded arguments of {cls.__qualname__} are malformed")
    try:
        return cls(**args)
    except Exception as exc:  # the class may have changed since the file was written
        raise ValueError(f"{cls.__qualname__}(**{args}) failed ({type(exc).__name__}: {exc}); "
                         f"pass `model=`, an instance of {cls.__qualname__}") from exc


# --- the file -----------------------------------------------------------------------------------------
