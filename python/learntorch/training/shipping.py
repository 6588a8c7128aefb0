"""Sending work to new processes, for :func:`learntorch.launch`.

New processes start from a fork server (one per session, which has imported torch once), or
spawned afresh where there is none. Either way a new process imports what it runs by name. A function from a module or a script is found
that way; one defined in a notebook, in R (``reticulate::py_run_string``) or with ``python -c``
lives in a ``__main__`` the new process cannot import, so it travels by value: its code object
(the same interpreter reads it back) and the globals it reads, pickled. Spawning from Python
embedded in R needs a real Python executable and a library path without R's libpython folder.
"""

from __future__ import annotations

import builtins
import glob
import marshal
import multiprocessing
import multiprocessing.spawn
import os
import pickle
import runpy
import sys
import sysconfig
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Set, Tuple, Union

__all__ = ["pack_job", "run_job", "start_method", "python_executable"]


def pack_job(fn: Union[Callable, str, os.PathLike], args: Sequence, kwargs: Optional[dict]) -> tuple:
    """What a rank runs: ("script", path, argv) or ("call", function, args, kwargs)."""
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"`args` must be a list or tuple of arguments, got {type(args).__name__}")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"`kwargs` must be a dict or None, got {type(kwargs).__name__}")
    if isinstance(fn, (str, os.PathLike)):
        path = Path(fn).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"`fn` names no Python script: {path}")
        if kwargs:
            raise ValueError("a script takes command-line `args`, not `kwargs`")
        return ("script", str(path.resolve()), [str(a) for a in args])
    if not callable(fn):
        raise TypeError(f"`fn` must be a function or the path of a Python script, got {type(fn).__name__}")
    return ("call", _pack_callable(fn), tuple(args), dict(kwargs or {}))


def run_job(job: tuple) -> Any:
    """Run a packed job in this process; a script's result is None."""
    if job[0] == "script":
        _, path, argv = job
        sys.argv = [path, *argv]
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise
        return None
    _, packed, args, kwargs = job
    fn, missing = _unpack_callable(packed)
    try:
        return fn(*args, **kwargs)
    except NameError as exc:
        name = getattr(exc, "name", None)
        if name in missing:
            raise NameError(f"`fn` uses the global `{name}`, which could not be sent to the processes: "
                            f"{missing[name]}") from exc
        raise


# --- functions by value ------------------------------------------------------------------------

def _interactive(obj: Any) -> bool:
    """Can a new process not import ``obj`` by name? True for what a notebook, R or
    ``python -c`` defined (a ``__main__`` without a file, or IPython's namespace), and for
    functions made inside other functions."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    if module is None:
        return False  # not a named thing (an instance): pickle decides
    if module.__name__ == "__main__" and getattr(module, "__file__", None) is None:
        return True
    found: Any = module
    for part in getattr(obj, "__qualname__", "").split("."):
        found = getattr(found, part, None)
    return found is not obj


def _pack_callable(fn: Callable) -> tuple:
    if isinstance(fn, types.FunctionType) and _interactive(fn):
        return ("value", _pack_function(fn))
    try:
        return ("ref", pickle.dumps(fn))
    except Exception as exc:  # noqa: BLE001 - said in the error
        raise TypeError(f"`fn` ({type(fn).__name__}) cannot be sent to other processes ({exc}): pass a Python "
                        "function (def) or the path of a script; R functions cannot run there") from None


def _unpack_callable(packed: tuple) -> Tuple[Callable, Dict[str, str]]:
    if packed[0] == "ref":
        return pickle.loads(packed[1]), {}
    return _unpack_function(packed[1])


def _global_names(code: types.CodeType, names: Set[str]) -> Set[str]:
    """Names a code object (and the functions, classes, comprehensions inside it) may read."""
    names.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _global_names(const, names)
    return names


def _pack_function(fn: types.FunctionType) -> dict:
    """A function's code and everything it reads, as one namespace: the functions it calls from
    the same ``__main__`` come along (each by value) and share that namespace, as they did."""
    namespace: Dict[str, tuple] = {}
    missing: Dict[str, str] = {}
    todo = [fn]
    seen: Set[int] = set()
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        for name in _global_names(f.__code__, set()) - set(namespace) - set(missing):
            if name not in f.__globals__:
                continue  # a builtin, or an attribute name
            value = f.__globals__[name]
            if isinstance(value, types.FunctionType) and _interactive(value):
                namespace[name] = ("function", _code_of(value))
                todo.append(value)
            else:
                _pack_value(name, value, namespace, missing)
    return {"main": _code_of(fn), "namespace": namespace, "missing": missing}


def _code_of(fn: types.FunctionType) -> tuple:
    closure = [pickle.dumps(cell.cell_contents) for cell in fn.__closure__ or ()]
    return (marshal.dumps(fn.__code__), fn.__name__, pickle.dumps((fn.__defaults__, fn.__kwdefaults__)), closure)


def _pack_value(name: str, value: Any, namespace: Dict[str, tuple], missing: Dict[str, str]) -> None:
    if isinstance(value, types.ModuleType):
        namespace[name] = ("module", value.__name__)
        return
    if isinstance(value, type) and _interactive(value) or _interactive(type(value)):
        missing[name] = (f"{name} is defined in __main__ (a notebook, R or python -c): define it inside `fn`, or "
                         "in a module that `fn` imports")
        return
    try:
        namespace[name] = ("pickle", pickle.dumps(value))
    except Exception as exc:  # noqa: BLE001 - kept as the reason, raised if `fn` uses it
        missing[name] = f"it cannot be pickled ({exc}); create it inside `fn`"


def _unpack_function(packed: dict) -> Tuple[Callable, Dict[str, str]]:
    space: Dict[str, Any] = {"__builtins__": builtins, "__name__": "__main__"}
    for name, (kind, value) in packed["namespace"].items():
        if kind == "module":
            space[name] = __import__(value, fromlist=["_"])
        elif kind == "pickle":
            space[name] = pickle.loads(value)
        else:
            space[name] = _make_function(value, space)
    return _make_function(packed["main"], space), packed["missing"]


def _make_function(code_of: tuple, space: Dict[str, Any]) -> types.FunctionType:
    code, name, defaults, closure = code_of
    cells = tuple(types.CellType(pickle.loads(c)) for c in closure)
    fn = types.FunctionType(marshal.loads(code), space, name, None, cells or None)
    fn.__defaults__, fn.__kwdefaults__ = pickle.loads(defaults)
    return fn


# --- the interpreter spawned processes run -------------------------------------------------------

def python_executable() -> str:
    """This environment's Python: ``sys.executable``, unless Python is embedded in another
    program (R), where it may name that program."""
    exe = sys.executable
    if exe and Path(exe).name.startswith("python") and os.access(exe, os.X_OK):
        return exe
    for name in (f"python{sys.version_info.major}.{sys.version_info.minor}", "python3", "python"):
        candidate = Path(sys.prefix) / "bin" / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise RuntimeError(f"cannot find a Python executable to start processes with (sys.executable is {exe!r})")


def _library_path(value: Optional[str]) -> Optional[str]:
    """``LD_LIBRARY_PATH`` without folders holding another libpython: R puts its system's first,
    and ranked above the interpreter's own RUNPATH it would load a mismatched libpython."""
    if not value:
        return value
    own = os.path.realpath(sysconfig.get_config_var("LIBDIR") or "")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    keep = [d for d in value.split(os.pathsep)
            if os.path.realpath(d) == own or not glob.glob(os.path.join(d, f"libpython{version}*.so*"))]
    return os.pathsep.join(keep)


@contextmanager
def start_method(preload: str) -> Iterator[str]:
    """The start method for new processes, with a real Python and a clean library path while
    they start.

    "forkserver" where there is one: its server, started once per session, imports ``preload``
    (torch with it), and every later launch forks from it in a fraction of a second; "spawn"
    elsewhere, which imports torch in every process (seconds each).
    """
    before_exe = multiprocessing.spawn.get_executable()
    before_path = os.environ.get("LD_LIBRARY_PATH")
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "forkserver":
        multiprocessing.set_forkserver_preload([preload])  # used when the server starts
    multiprocessing.spawn.set_executable(python_executable())
    cleaned = _library_path(before_path)
    if cleaned != before_path:
        os.environ["LD_LIBRARY_PATH"] = cleaned
    try:
        yield method
    finally:
        multiprocessing.spawn.set_executable(before_exe)
        if before_path is not None:
            os.environ["LD_LIBRARY_PATH"] = before_path
