"""matplotlib renderer for the tidy image frame (image, row, col, intensity, label, prediction).

``R/plots-images.R`` draws the same frame with ggplot2 (``lt_plot_images``); both follow the
rules written here, so the two figures agree:

- panels in order of first appearance of ``image`` in the frame, ``ncol`` per row;
- grey images on the "gray" colour map from 0 (black) to 1 (white) when every intensity lies
  in [0, 1], otherwise from the frame's minimum to its maximum (one scale for all panels);
- colour images (a ``channel`` column) as RGB under the same scaling;
- panel titles: the label ("3"), or "true: 3" and "pred: 5" on two lines when predictions are
  present; a misclassified panel has a red title and a red frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np
import pandas as pd

from .data import _check_int
from .plotting import TAB10, _frame

if TYPE_CHECKING:  # matplotlib is imported lazily, when something is drawn
    from matplotlib.figure import Figure

__all__ = ["plot_images", "image_panels", "image_arrays", "MISCLASSIFIED_COLOUR"]

MISCLASSIFIED_COLOUR = TAB10[3]  # matplotlib's C3 red
_IMAGE_COLUMNS = ["image", "row", "col", "intensity"]


def _name(value: Any, classes: Optional[Sequence[str]]) -> str:
    if classes is not None and 0 <= int(value) < len(classes):
        return str(classes[int(value)])
    return str(int(value))


def image_panels(frame: Any, classes: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """One row per image: panel (0-based, in drawing order), image, title, misclassified."""
    frame = _frame(frame, "frame", _IMAGE_COLUMNS)
    order = pd.unique(frame["image"])
    first = frame.drop_duplicates("image").set_index("image").loc[order]
    has_label = "label" in frame.columns
    has_pred = "prediction" in frame.columns
    titles, wrong = [], []
    for _, rec in first.iterrows():
        if has_label and has_pred:
            titles.append(f"true: {_name(rec['label'], classes)}\npred: {_name(rec['prediction'], classes)}")
            wrong.append(int(rec["label"]) != int(rec["prediction"]))
        elif has_pred:
            titles.append(f"pred: {_name(rec['prediction'], classes)}")
            wrong.append(False)
        elif has_label:
            titles.append(_name(rec["label"], classes))
            wrong.append(False)
        else:
            titles.append(str(int(rec.name)))
            wrong.append(False)
    return pd.DataFrame({"panel": np.arange(len(order)), "image": order, "title": titles, "misclassified": wrong})


def _limits(frame: pd.DataFrame) -> tuple:
    lo, hi = float(frame["intensity"].min()), float(frame["intensity"].max())
    if lo >= 0 and hi <= 1:
        return 0.0, 1.0
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def image_arrays(frame: Any) -> dict:
    """``{image: array}``: H x W for grey images, H x W x 3 (scaled to [0, 1]) for colour ones."""
    frame = _frame(frame, "frame", _IMAGE_COLUMNS)
    lo, hi = _limits(frame)
    out = {}
    for image, part in frame.groupby("image", sort=False):
        h, w = int(part["row"].max()) + 1, int(part["col"].max()) + 1
        if "channel" in part.columns:
            c = int(part["channel"].max()) + 1
            arr = np.zeros((c, h, w))
            arr[part["channel"].to_numpy(), part["row"].to_numpy(), part["col"].to_numpy()] = part["intensity"]
            arr = np.clip((arr.transpose(1, 2, 0) - lo) / (hi - lo), 0, 1)  # (H, W, C)
        else:
            arr = np.full((h, w), np.nan)
            arr[part["row"].to_numpy(), part["col"].to_numpy()] = part["intensity"]
        out[image] = arr
    return out


def plot_images(frame: Any, ncol: Optional[int] = None, classes: Optional[Sequence[str]] = None,
                fig: Optional["Figure"] = None, title: Optional[str] = None, panel_size: float = 1.25,
                cmap: str = "gray") -> "Figure":
    """A grid of images with their labels (and predictions; misclassified ones in red).

    ``frame`` is an image frame (``lt.image_frame`` / ``dataset.to_frame()``) or an image
    dataset. ``classes`` turns label numbers into names. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    if hasattr(frame, "to_frame") and not isinstance(frame, pd.DataFrame):
        if classes is None:
            classes = getattr(frame, "classes", None)
        frame = frame.to_frame(n=16) if hasattr(frame, "image_shape") else frame.to_frame()
    frame = _frame(frame, "frame", _IMAGE_COLUMNS)
    if frame.empty:
        raise ValueError("`frame` holds no images")
    panels = image_panels(frame, classes)
    n = len(panels)
    ncol = min(8 if ncol is None else _check_int(ncol, "ncol"), n)
    nrow = math.ceil(n / ncol)
    two_lines = panels["title"].str.contains("\n").any()
    if fig is None:
        fig = plt.figure(figsize=(ncol * panel_size, nrow * panel_size * (1.3 if two_lines else 1.15)
                                  + (0.35 if title else 0)))
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).reshape(-1)
    arrays = image_arrays(frame)
    lo, hi = _limits(frame)
    for ax, rec in zip(axes, panels.itertuples()):
        arr = arrays[rec.image]
        if arr.ndim == 2:
            ax.imshow(arr, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        else:
            ax.imshow(arr, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        colour = MISCLASSIFIED_COLOUR if rec.misclassified else "black"
        ax.set_title(rec.title, fontsize=9, color=colour)
        if rec.misclassified:
            for spine in ax.spines.values():
                spine.set_color(MISCLASSIFIED_COLOUR)
                spine.set_linewidth(2.5)
    for ax in axes[n:]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
