"""matplotlib renderers. Each draws a tidy frame (or an object with ``.to_frame()``), takes an
optional ``ax``, returns the Axes and never calls ``plt.show()``. R's ggplot2 twins in
``R/plots.R`` draw the same frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # matplotlib is imported lazily, when something is drawn
    from matplotlib.axes import Axes

__all__ = [
    "TAB10",
    "plot_samples",
    "plot_decision_boundary",
    "plot_history",
    "plot_confusion",
    "plot_benchmark",
]

# matplotlib's default colour cycle ("tab10"); C0 and C1 are the two classes.
TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


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


_SAMPLE_COLUMNS = ["x1", "x2", "label"]


def _scatter_classes(ax: "Axes", frame: pd.DataFrame) -> None:
    """The samples (x1, x2) as one scatter per label in TAB10 colours, with a legend."""
    for label in sorted(frame["label"].unique()):
        part = frame[frame["label"] == label]
        ax.scatter(part["x1"], part["x2"], color=TAB10[int(label) % 10], edgecolor="#333333",
                   label=f"Class {int(label)}")
    ax.legend()


def _xy_labels(ax: "Axes", title: str) -> None:
    ax.set_title(title)
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")


def plot_samples(data: Any, ax: Optional["Axes"] = None, title: str = "Dataset samples") -> "Axes":
    """Scatter of (x1, x2) coloured by label, as the XOR tutorial draws it."""
    frame = _frame(data, "data", _SAMPLE_COLUMNS)
    ax = _axes(ax)
    _scatter_classes(ax, frame)
    _xy_labels(ax, title)
    return ax


def plot_decision_boundary(grid: pd.DataFrame, data: Any = None, ax: Optional["Axes"] = None, title: str = "Decision boundary") -> "Axes":
    """The predicted probability as a C0 -> C1 colour blend, with the samples on top."""
    grid = _frame(grid, "grid", ["x1", "x2", "prob"])
    ax = _axes(ax)
    xs = np.sort(grid["x1"].unique())
    ys = np.sort(grid["x2"].unique())
    prob = grid.pivot(index="x2", columns="x1", values="prob").loc[ys, xs].to_numpy()  # (len(ys), len(xs))
    c0, c1 = _hex_to_rgb(TAB10[0]), _hex_to_rgb(TAB10[1])
    image = (1 - prob)[..., None] * c0 + prob[..., None] * c1  # (H, W, 3)
    ax.imshow(image, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), aspect="auto", interpolation="nearest")
    if data is not None:
        _scatter_classes(ax, _frame(data, "data", _SAMPLE_COLUMNS))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
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


def plot_confusion(confusion: pd.DataFrame, ax: Optional["Axes"] = None, title: str = "Confusion matrix") -> "Axes":
    """Counts of (truth, prediction) as a heat map with the count written in each cell."""
    frame = _frame(confusion, "confusion", ["truth", "prediction", "count"])
    classes = sorted(set(frame["truth"]) | set(frame["prediction"]))
    table = frame.pivot_table(index="truth", columns="prediction", values="count", aggfunc="sum", fill_value=0)
    table = table.reindex(index=classes, columns=classes, fill_value=0).to_numpy()
    ax = _axes(ax, figsize=(5, 4.5))
    image = ax.imshow(table, cmap="viridis", origin="upper")
    ax.figure.colorbar(image, ax=ax, label="count")
    for i in range(len(classes)):
        for j in range(len(classes)):
            light = table[i, j] < table.max() / 2
            ax.text(j, i, str(int(table[i, j])), ha="center", va="center", color="white" if light else "black", fontsize=8)
    ax.set_xticks(range(len(classes)), [str(c) for c in classes])
    ax.set_yticks(range(len(classes)), [str(c) for c in classes])
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
