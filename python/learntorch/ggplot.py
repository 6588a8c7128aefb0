"""ggplot2 twins of the matplotlib figures, for Python users, through rpy2 (optional extra).

``pip install learntorch[r]`` installs rpy2; R needs ggplot2 and the learntorch R package
(found through ``R_LIBS`` or R's usual library paths). Each function takes the same frame (or
object with ``.to_frame()``) as its twin in :mod:`learntorch.plotting`, hands it to R as a
data.frame, calls the R package's drawing function (``lt_plot_samples`` and friends, which never
call Python) and returns the ggplot object; with ``path`` it also saves the figure with
``ggsave``, by default at the size and dpi matplotlib would use.

>>> from learntorch import ggplot
>>> ggplot.ggplot_samples(dataset, path="samples.png")  # doctest: +SKIP

rpy2 runs R inside this Python process. R's reticulate would bind to this same process and
crash it when R garbage-collects Python objects, so this path never touches reticulate: the R
drawing functions take plain data.frames, and loading the R package only registers a
delay-loaded import.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional, Union

from .plotting import _choose_xy, _frame, _grid_form, _outcome

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ggplot_samples",
    "ggplot_decision_boundary",
    "ggplot_history",
    "ggplot_confusion",
    "ggplot_benchmark",
    "ggsave",
]

_INSTALL_HINT = (
    "learntorch.ggplot draws with R's ggplot2 through rpy2. Install the optional extra with "
    "`pip install learntorch[r]` (rpy2==3.5.17; rpy2 3.6 does not load with R 4.2), and make sure R "
    "is installed with ggplot2 and the learntorch R package."
)

_R = None  # the loaded rpy2 pieces, set on first use


def _r() -> dict:
    """Import rpy2, start R and load the learntorch R namespace, once."""
    global _R
    if _R is not None:
        return _R
    try:
        import rpy2.robjects as ro
        from rpy2.robjects import pandas2ri
        from rpy2.robjects.conversion import localconverter
    except ImportError as err:  # rpy2 missing, or present but unable to load R
        raise ImportError(f"{_INSTALL_HINT} ({type(err).__name__}: {err})") from err
    # rpy2 hooks a warning on loading reticulate's namespace, which the learntorch R package
    # imports. Loading it is harmless: only initialising Python through it is not, and nothing
    # here does (the drawing functions never call Python; tests/python/test_ggplot.py checks).
    ro.r('setHook(packageEvent("reticulate", "onLoad"), NULL, "replace")')
    found = ro.r('function(pkg) requireNamespace(pkg, quietly = TRUE)')
    for pkg in ("ggplot2", "learntorch"):
        if not found(pkg)[0]:
            paths = ", ".join(ro.r(".libPaths()"))
            raise ImportError(
                f"R cannot find the package {pkg!r} in its library paths ({paths}). "
                f"Install it, or point R_LIBS at the library that holds it. {_INSTALL_HINT}"
            )
    _R = {"ro": ro, "pandas2ri": pandas2ri, "localconverter": localconverter}
    return _R


def _to_r(frame: "pd.DataFrame") -> Any:
    """A pandas DataFrame as an R data.frame (columns and values kept, index dropped)."""
    r = _r()
    frame = frame.reset_index(drop=True)
    with r["localconverter"](r["ro"].default_converter + r["pandas2ri"].converter):
        return r["ro"].conversion.py2rpy(frame)


def _call(function: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``learntorch::<function>``; an R error becomes a ValueError with R's message."""
    r = _r()
    ro = r["ro"]
    from rpy2.rinterface_lib.embedded import RRuntimeError

    fn = ro.r(f"learntorch::{function}")
    kwargs = {k: (ro.NULL if v is None else v) for k, v in kwargs.items()}
    try:
        return fn(*args, **kwargs)
    except RRuntimeError as err:
        message = str(err).strip()
        if message.startswith("Error"):
            message = message.split(":", 1)[-1].strip()
        raise ValueError(message) from None


def ggsave(plot: Any, path: Union[str, "os.PathLike[str]"], width: float = 4, height: float = 4,
           dpi: int = 100) -> str:
    """Save an rpy2 ggplot object to ``path`` (inches and dots per inch, as matplotlib's figsize)."""
    ro = _r()["ro"]
    path = os.fspath(path)
    ro.r("ggplot2::ggsave")(filename=path, plot=plot, width=float(width), height=float(height),
                            dpi=int(dpi), units="in", bg="white")
    return path


def _finish(plot: Any, path: Optional[str], width: float, height: float, dpi: int) -> Any:
    if path is not None:
        ggsave(plot, path, width=width, height=height, dpi=dpi)
    return plot


def ggplot_samples(data: Any, x: Optional[str] = None, y: Optional[str] = None, path: Optional[str] = None,
                   title: str = "Dataset samples", legend_position: str = "best", width: float = 4,
                   height: float = 4, dpi: int = 100) -> Any:
    """ggplot2 twin of :func:`learntorch.plotting.plot_samples` (R's ``lt_plot_samples``).

    ``data`` is a samples frame (features, then label or target) or a dataset with
    ``.to_frame()``; ``x`` and ``y`` name the two feature columns drawn. Returns the rpy2 ggplot
    object; with ``path``, also saves it (``width`` x ``height`` inches at ``dpi``).
    """
    _r()  # rpy2 and R first: a missing extra is the first thing to say
    frame = _frame(data, "data", [])
    _outcome(frame, "data")
    _choose_xy(frame, x, y)  # Python's checks, so the message is the same as plot_samples'
    plot = _call("lt_plot_samples", _to_r(frame), x=x, y=y, title=title, legend_position=legend_position)
    return _finish(plot, path, width, height, dpi)


def ggplot_decision_boundary(grid: Any, data: Any = None, path: Optional[str] = None,
                             title: str = "Decision boundary", legend_position: str = "best",
                             width: float = 4, height: float = 4, dpi: int = 100) -> Any:
    """ggplot2 twin of :func:`learntorch.plotting.plot_decision_boundary` (R's
    ``lt_plot_decision_boundary``): a binary (x1, x2, prob), multiclass (x1, x2, class, prob) or
    regression (x1, x2, value) grid, samples on top."""
    _r()  # rpy2 and R first: a missing extra is the first thing to say
    grid = _frame(grid, "grid", [])
    outcome = "target" if _grid_form(grid) == "regression" else "label"
    r_data = None if data is None else _to_r(_frame(data, "data", ["x1", "x2", outcome]))
    plot = _call("lt_plot_decision_boundary", _to_r(grid), data=r_data, title=title,
                 legend_position=legend_position)
    return _finish(plot, path, width, height, dpi)


def ggplot_history(history: Any, metric: str = "loss", path: Optional[str] = None,
                   title: Optional[str] = None, legend_position: str = "best",
                   width: float = 5, height: float = 3.5, dpi: int = 100) -> Any:
    """ggplot2 twin of :func:`learntorch.plotting.plot_history` (R's ``lt_plot_history``).

    ``history`` is a :class:`learntorch.History` or its frame (epoch, split, metric, value).
    """
    _r()  # rpy2 and R first: a missing extra is the first thing to say
    frame = _frame(history, "history", ["epoch", "split", "metric", "value"])
    plot = _call("lt_plot_history", _to_r(frame), metric=metric, title=title,
                 legend_position=legend_position)
    return _finish(plot, path, width, height, dpi)


def ggplot_confusion(confusion: Any, path: Optional[str] = None, title: str = "Confusion matrix",
                     width: float = 5, height: float = 4.5, dpi: int = 100) -> Any:
    """ggplot2 twin of :func:`learntorch.plotting.plot_confusion` (R's ``lt_plot_confusion``)."""
    _r()  # rpy2 and R first: a missing extra is the first thing to say
    frame = _frame(confusion, "confusion", ["truth", "prediction", "count"])
    plot = _call("lt_plot_confusion", _to_r(frame), title=title)
    return _finish(plot, path, width, height, dpi)


def ggplot_benchmark(bench: Any, path: Optional[str] = None, title: str = "Matrix multiplication",
                     width: float = 5, height: float = 3.5, dpi: int = 100) -> Any:
    """ggplot2 twin of :func:`learntorch.plotting.plot_benchmark` (R's ``lt_plot_benchmark``)."""
    _r()  # rpy2 and R first: a missing extra is the first thing to say
    frame = _frame(bench, "bench", ["device", "n", "seconds", "gflops"])
    plot = _call("lt_plot_benchmark", _to_r(frame), title=title)
    return _finish(plot, path, width, height, dpi)
