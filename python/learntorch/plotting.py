"""matplotlib renderers. Each draws a tidy frame (or an object with ``.to_frame()``), takes an
optional ``ax``, returns the Axes and never calls ``plt.show()``. R's ggplot2 twins in
``R/plots.R`` draw the same frames with the same colours and class order.

Classes: labels that are whole numbers >= 0 (codes, as learntorch datasets give them) are named
"Class k" and drawn in matplotlib's colour Ck whatever codes are present; any other labels
(strings, bools, categoricals, other numbers) are named by their value and take C0, C1, ... in
class order: a categorical's categories first, then the remaining values sorted.
"""

from __future__ import annotations

import numbers
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # matplotlib is imported lazily, when something is drawn
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize

__all__ = [
    "TAB10",
    "plot_samples",
    "plot_decision_boundary",
    "plot_history",
    "plot_metrics",
    "plot_confusion",
    "plot_benchmark",
]

# matplotlib's default colour cycle ("tab10"); C0 and C1 are the two classes.
TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

EDGE = "#333333"  # the samples' marker edge, dark enough on every region colour
OUTCOMES = ("label", "target")  # classification / regression column of a samples frame
GRID_FORMS = "x1, x2 and prob (binary), class and prob (multiclass) or value (regression)"


def _frame(obj: Any, name: str, required: Sequence[str]) -> pd.DataFrame:
    frame = obj.to_frame() if hasattr(obj, "to_frame") and not isinstance(obj, pd.DataFrame) else obj
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`{name}` must be a DataFrame or have a .to_frame() method, got {type(obj).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"`{name}` lacks the columns {missing}; it has {list(frame.columns)}")
    return frame


def _axes(ax: Optional["Axes"], figsize: tuple = (4, 4)) -> "Axes":
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _hex_to_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])


# ---- samples frames: which columns to draw -------------------------------------------------

def _outcome(frame: pd.DataFrame, name: str) -> str:
    """``"label"`` (classification) or ``"target"`` (regression): the column points are coloured by."""
    for column in OUTCOMES:
        if column in frame.columns:
            return column
    raise ValueError(f"`{name}` lacks the column label (classification) or target (regression); "
                     f"it has {list(frame.columns)}")


def _choose_xy(frame: pd.DataFrame, x: Optional[str], y: Optional[str]) -> Tuple[str, str]:
    """The two feature columns to draw: ``x`` and ``y``, by default the first two features."""
    features = [c for c in frame.columns if c not in OUTCOMES]
    for arg, column in (("x", x), ("y", y)):
        if column is not None and column not in features:
            raise ValueError(f"`{arg}` {column!r} is not a feature column of `data`; it has {features}")
    if (x is None or y is None) and len(features) < 2:
        raise ValueError(f"`data` needs two feature columns to draw; it has {features}")
    return (features[0] if x is None else x), (features[1] if y is None else y)


def _axis_label(column: str) -> str:
    """x1, x2, ... as mathtext ($x_1$), any other column name as it is."""
    match = re.fullmatch(r"x(\d+)", str(column))
    if match is None:
        return str(column)
    digits = match.group(1)
    return f"$x_{digits}$" if len(digits) == 1 else f"$x_{{{digits}}}$"


def _xy_labels(ax: "Axes", title: str, x: str = "x1", y: str = "x2") -> None:
    ax.set_title(title)
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))


# ---- classes: order, names and colours --------------------------------------------------------

def _is_code(value: Any) -> bool:
    """A whole number >= 0 (not a bool): a class code such as a learntorch dataset's labels."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return False
    return float(value).is_integer() and value >= 0


def _sorted(values: Sequence[Any]) -> List[Any]:
    try:
        return sorted(values)
    except TypeError:  # mixed kinds (numbers and strings) have no order of their own
        return sorted(values, key=str)


def _class_order(*columns: pd.Series) -> List[Any]:
    """The classes of ``columns``: categories of categorical columns first, then the rest sorted."""
    order: List[Any] = []
    for column in columns:
        if isinstance(column.dtype, pd.CategoricalDtype):
            order += [c for c in column.cat.categories if c not in order]
    rest = {v for column in columns for v in column.dropna().unique() if v not in order}
    return order + _sorted(list(rest))


def _class_styles(*columns: pd.Series) -> Dict[Any, Tuple[str, str]]:
    """{label: (legend name, colour)} in class order (see the module docstring)."""
    classes = _class_order(*columns)
    codes = all(not isinstance(c.dtype, pd.CategoricalDtype) for c in columns) and all(map(_is_code, classes))
    if codes:
        return {c: (f"Class {int(c)}", TAB10[int(c) % 10]) for c in classes}
    return {c: (str(c), TAB10[i % 10]) for i, c in enumerate(classes)}


def _text(value: Any) -> str:
    """A label as text: whole numbers without ".0" (a float 1.0 is class "1"), else str()."""
    return str(int(value)) if _is_code(value) else str(value)


# ---- points ------------------------------------------------------------------------------------

def _scatter_classes(ax: "Axes", frame: pd.DataFrame, styles: Dict[Any, Tuple[str, str]],
                     x: str = "x1", y: str = "x2") -> None:
    """The samples as one scatter per class, in class order, each labelled with the class name."""
    for label, (name, colour) in styles.items():
        part = frame[frame["label"] == label]
        if len(part):
            ax.scatter(part[x], part[y], color=colour, edgecolor=EDGE, label=name)


def _norm(*values: pd.Series) -> "Normalize":
    """One colour scale over all ``values``: the surface and the points read alike."""
    from matplotlib.colors import Normalize

    joined = np.concatenate([np.asarray(v, dtype=float) for v in values])
    return Normalize(vmin=np.nanmin(joined), vmax=np.nanmax(joined))


def _scatter_values(ax: "Axes", frame: pd.DataFrame, norm: "Normalize", x: str = "x1", y: str = "x2") -> Any:
    """The samples coloured by their regression target on viridis."""
    return ax.scatter(frame[x], frame[y], c=frame["target"].to_numpy(dtype=float), cmap="viridis", norm=norm,
                      edgecolor=EDGE)


def plot_samples(data: Any, x: Optional[str] = None, y: Optional[str] = None, ax: Optional["Axes"] = None,
                 title: str = "Dataset samples") -> "Axes":
    """Scatter of two feature columns coloured by ``label`` (a legend of the classes) or by
    ``target`` (viridis with a colour bar). ``x`` and ``y`` name the columns (default: the first two
    columns that are not label/target)."""
    frame = _frame(data, "data", [])
    outcome = _outcome(frame, "data")
    x, y = _choose_xy(frame, x, y)
    ax = _axes(ax, figsize=(4, 4) if outcome == "label" else (4.8, 4))
    if outcome == "label":
        _scatter_classes(ax, frame, _class_styles(frame["label"]), x, y)
        ax.legend()
    else:
        points = _scatter_values(ax, frame, _norm(frame["target"]), x, y)
        ax.figure.colorbar(points, ax=ax, label="target")
    _xy_labels(ax, title, x, y)
    return ax


# ---- decision grids ----------------------------------------------------------------------------

def _grid_form(grid: pd.DataFrame) -> str:
    """Which of the three decision grids ``grid`` is, told apart by its columns."""
    columns = set(grid.columns)
    if {"x1", "x2"} <= columns:
        if {"class", "prob"} <= columns:
            return "multiclass"
        if "prob" in columns:
            return "binary"
        if "value" in columns:
            return "regression"
    raise ValueError(f"`grid` lacks the columns of a decision grid: {GRID_FORMS}; it has {list(grid.columns)}")


def _show_grid(ax: "Axes", grid: pd.DataFrame, values: np.ndarray, blank: float, **style: Any) -> Any:
    """Draw one value per grid row (``values``: (N,) or (N, 3)) as an image; row order does not matter.

    Cells the frame lacks are ``blank`` (white for colours, NaN (transparent) for numbers)."""
    xs = np.sort(grid["x1"].unique())
    ys = np.sort(grid["x2"].unique())
    image = np.full((len(ys), len(xs)) + values.shape[1:], blank, dtype=float)  # (H, W) or (H, W, 3)
    image[np.searchsorted(ys, grid["x2"]), np.searchsorted(xs, grid["x1"])] = values
    shown = ax.imshow(image, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), aspect="auto",
                      interpolation="nearest", **style)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    return shown


def _binary_colours(prob: pd.Series) -> np.ndarray:
    """(N, 3): P(positive class) as the blend (1 - p) * C0 + p * C1."""
    p = np.clip(prob.to_numpy(dtype=float), 0, 1)[:, None]
    return (1 - p) * _hex_to_rgb(TAB10[0]) + p * _hex_to_rgb(TAB10[1])


def _multiclass_colours(grid: pd.DataFrame, styles: Dict[Any, Tuple[str, str]]) -> np.ndarray:
    """(N, 3): the predicted class's colour, faded to white as its probability falls to 1/K."""
    rgb = {label: _hex_to_rgb(colour) for label, (_, colour) in styles.items()}
    colour = np.stack([rgb[label] for label in grid["class"]])  # (N, 3)
    chance = 1 / max(len(styles), 2)  # K classes: 1/K is a coin toss among them
    strength = np.clip((grid["prob"].to_numpy(dtype=float) - chance) / (1 - chance), 0, 1)[:, None]
    return 1 - strength * (1 - colour)


def _class_legend(ax: "Axes", styles: Dict[Any, Tuple[str, str]]) -> None:
    """One entry per class: its points where some were drawn, else a patch of its colour."""
    from matplotlib.patches import Patch

    drawn = {c.get_label(): c for c in ax.collections}
    handles = [drawn[name] if name in drawn else Patch(facecolor=colour, edgecolor=EDGE, label=name)
               for name, colour in styles.values()]
    ax.legend(handles=handles)


def _draw_binary(ax: "Axes", grid: pd.DataFrame, samples: Optional[pd.DataFrame]) -> None:
    _show_grid(ax, grid, _binary_colours(grid["prob"]), blank=1.0)
    if samples is not None:
        _scatter_classes(ax, samples, _class_styles(samples["label"]))
        ax.legend()


def _draw_multiclass(ax: "Axes", grid: pd.DataFrame, samples: Optional[pd.DataFrame]) -> None:
    # The grid's and the samples' labels together fix the class order, so both share colours.
    styles = _class_styles(grid["class"], *([] if samples is None else [samples["label"]]))
    _show_grid(ax, grid, _multiclass_colours(grid, styles), blank=1.0)
    if samples is not None:
        _scatter_classes(ax, samples, styles)
    _class_legend(ax, styles)


def _draw_regression(ax: "Axes", grid: pd.DataFrame, samples: Optional[pd.DataFrame]) -> None:
    norm = _norm(grid["value"], *([] if samples is None else [samples["target"]]))
    surface = _show_grid(ax, grid, grid["value"].to_numpy(dtype=float), blank=np.nan, cmap="viridis", norm=norm)
    ax.figure.colorbar(surface, ax=ax, label="prediction")
    if samples is not None:
        _scatter_values(ax, samples, norm)


def plot_decision_boundary(grid: pd.DataFrame, data: Any = None, ax: Optional["Axes"] = None,
                           title: str = "Decision boundary") -> "Axes":
    """A model's decision over (x1, x2), with the samples ``data`` on top.

    ``grid`` is one of three frames, told apart by their columns: x1, x2, prob (binary: a C0 -> C1
    blend of P(positive)); x1, x2, class, prob (multiclass: the predicted class's colour, pale
    where its probability is near 1/K); x1, x2, value (regression: viridis with a colour bar).
    ``data`` has x1, x2 and label (classification) or target (regression).
    """
    grid = _frame(grid, "grid", [])
    form = _grid_form(grid)
    outcome = "target" if form == "regression" else "label"
    samples = None if data is None else _frame(data, "data", ["x1", "x2", outcome])
    ax = _axes(ax, figsize=(4.8, 4) if form == "regression" else (4, 4))
    {"binary": _draw_binary, "multiclass": _draw_multiclass, "regression": _draw_regression}[form](ax, grid, samples)
    _xy_labels(ax, title)
    return ax


def plot_history(history: Any, metric: str = "loss", ax: Optional["Axes"] = None, title: Optional[str] = None) -> "Axes":
    """One line per split (train C0, valid C1) of ``metric`` against the epoch."""
    frame = _frame(history, "history", ["epoch", "split", "metric", "value"])
    part = frame[frame["metric"] == metric]
    if part.empty:
        raise ValueError(f"`metric` {metric!r} is not in the history; it has {sorted(frame['metric'].unique())}")
    ax = _axes(ax, figsize=(5, 3.5))
    for i, split in enumerate(["train", "valid"]):
        line = part[part["split"] == split].sort_values("epoch")
        if not line.empty:
            ax.plot(line["epoch"], line["value"], color=TAB10[i], label=split)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title or f"Training {metric}")
    ax.legend()
    return ax


def history_metrics(frame: pd.DataFrame) -> List[str]:
    """The metrics of a history frame in panel order: loss first, the learning rate last."""
    names = list(dict.fromkeys(frame["metric"]))
    order = ["loss"] + [m for m in names if m not in ("loss", "lr")] + ["lr"]
    return [m for m in order if m in names]


def plot_metrics(history: Any, metrics: Optional[Sequence[str]] = None, title: Optional[str] = None,
                 figure: Any = None) -> Any:
    """Every metric of a history in its own panel (loss first, the learning rate last), each as
    :func:`plot_history` draws it; returns the matplotlib Figure (``figure`` redraws into one)."""
    import matplotlib.pyplot as plt

    frame = _frame(history, "history", ["epoch", "split", "metric", "value"])
    names = history_metrics(frame) if metrics is None else list(metrics)
    unknown = [m for m in names if m not in set(frame["metric"])]
    if unknown:
        raise ValueError(f"`metrics` {unknown} are not in the history; it has {history_metrics(frame)}")
    if not names:
        raise ValueError("the history is empty: train for at least one epoch")
    ncol = 2 if len(names) == 4 else min(len(names), 3)
    nrow = -(-len(names) // ncol)
    if figure is None:
        figure = plt.figure(figsize=(4 * ncol, 3 * nrow))
    figure.clf()
    axes = figure.subplots(nrow, ncol, squeeze=False).ravel()
    for ax, metric in zip(axes, names):
        plot_history(frame, metric, ax=ax, title=metric)
        if metric == "lr" or ax is not axes[0]:
            ax.get_legend().remove()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def _confusion_table(frame: pd.DataFrame) -> Tuple[np.ndarray, List[Any]]:
    """(K, K) counts, truth down the rows, and the K classes in class order."""
    classes = _class_order(frame["truth"], frame["prediction"])
    index = {c: i for i, c in enumerate(classes)}
    table = np.zeros((len(classes), len(classes)))
    known = frame["truth"].notna() & frame["prediction"].notna()
    rows = [index[v] for v in frame.loc[known, "truth"]]
    cols = [index[v] for v in frame.loc[known, "prediction"]]
    np.add.at(table, (rows, cols), frame.loc[known, "count"].to_numpy(dtype=float))  # repeated pairs add up
    return table, classes


def plot_confusion(confusion: pd.DataFrame, ax: Optional["Axes"] = None, title: str = "Confusion matrix") -> "Axes":
    """Counts of (truth, prediction) as a heat map with the count written in each cell; the axes
    name the classes in class order (a categorical's categories, else sorted)."""
    frame = _frame(confusion, "confusion", ["truth", "prediction", "count"])
    table, classes = _confusion_table(frame)
    ax = _axes(ax, figsize=(5, 4.5))
    image = ax.imshow(table, cmap="viridis", origin="upper")
    ax.figure.colorbar(image, ax=ax, label="count")
    for i in range(len(classes)):
        for j in range(len(classes)):
            light = table[i, j] < table.max() / 2
            ax.text(j, i, str(int(table[i, j])), ha="center", va="center", color="white" if light else "black", fontsize=8)
    names = [_text(c) for c in classes]
    ax.set_xticks(range(len(classes)), names)
    ax.set_yticks(range(len(classes)), names)
    ax.set_xlabel("prediction")
    ax.set_ylabel("truth")
    ax.set_title(title)
    return ax


def plot_benchmark(bench: pd.DataFrame, ax: Optional["Axes"] = None, title: str = "Matrix multiplication") -> "Axes":
    """GFLOP/s per device as bars (one bar per device and size)."""
    frame = _frame(bench, "bench", ["device", "n", "seconds", "gflops"])
    ax = _axes(ax, figsize=(5, 3.5))
    labels = [f"{d}\nn={n}" for d, n in zip(frame["device"], frame["n"])]
    ax.bar(labels, frame["gflops"], color=[TAB10[i % 10] for i in range(len(frame))])
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title)
    return ax
