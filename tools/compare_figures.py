"""Draw every learntorch figure with matplotlib and with its ggplot2 twin, side by side.

    R_LIBS=.r-lib .venv/bin/python tools/compare_figures.py [out/compare]

Makes XOR data, trains a small classifier briefly, builds each tidy frame once, draws it with
``learntorch.plotting`` (matplotlib, laid out with ``tight_layout`` as a saved figure usually is)
and with ``learntorch.ggplot`` (R's ggplot2 through rpy2, same size and dpi), and pastes the two
PNGs into ``<out>/<figure>.png``: matplotlib left, ggplot2 right. Look at them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import learntorch as lt  # noqa: E402
from learntorch import ggplot, plotting  # noqa: E402

DPI = 100


def frames():
    """Each figure's frame(s), from one short XOR run."""
    lt.seed_everything(42)
    data = lt.continuous_xor(400, seed=42)
    train, valid = lt.train_val_split(data, fraction=0.25, seed=0)
    model = lt.SimpleClassifier(2, 4, 1)
    history = lt.fit(model, train, valid=valid, epochs=60, batch_size=32, lr=0.5, seed=0, progress=False).to_frame()
    return {
        "samples": dict(data=train.to_frame()),
        "decision_boundary": dict(grid=lt.decision_grid(model, resolution=200), data=valid.to_frame()),
        "history_loss": dict(history=history, metric="loss"),
        "history_accuracy": dict(history=history, metric="accuracy"),
        "confusion": dict(confusion=lt.confusion_matrix(model, valid)),
        "benchmark": dict(bench=lt.benchmark_matmul(n=256, device="cpu", repeats=3)),
    }


DRAW = {
    "samples": (plotting.plot_samples, ggplot.ggplot_samples, (4, 4)),
    "decision_boundary": (plotting.plot_decision_boundary, ggplot.ggplot_decision_boundary, (4, 4)),
    "history_loss": (plotting.plot_history, ggplot.ggplot_history, (5, 3.5)),
    "history_accuracy": (plotting.plot_history, ggplot.ggplot_history, (5, 3.5)),
    "confusion": (plotting.plot_confusion, ggplot.ggplot_confusion, (5, 4.5)),
    "benchmark": (plotting.plot_benchmark, ggplot.ggplot_benchmark, (5, 3.5)),
}


def side_by_side(left: Path, right: Path, out: Path) -> None:
    a, b = plt.imread(left), plt.imread(right)
    a, b = a[..., :3], b[..., :3]
    h = max(a.shape[0], b.shape[0])
    pad = lambda img: np.pad(img, ((0, h - img.shape[0]), (0, 0), (0, 0)), constant_values=1.0)  # noqa: E731
    gap = np.full((h, 12, 3), 0.85)
    plt.imsave(out, np.concatenate([pad(a), gap, pad(b)], axis=1))


def main(out: str = "out/compare") -> None:
    out_dir = Path(out)
    (out_dir / "parts").mkdir(parents=True, exist_ok=True)
    for name, kwargs in frames().items():
        mpl_draw, gg_draw, size = DRAW[name]
        mpl_png, gg_png = out_dir / "parts" / f"{name}_mpl.png", out_dir / "parts" / f"{name}_ggplot2.png"
        ax = mpl_draw(**kwargs)
        ax.figure.tight_layout()
        ax.figure.savefig(mpl_png, dpi=DPI)
        plt.close(ax.figure)
        gg_draw(**kwargs, path=str(gg_png), width=size[0], height=size[1], dpi=DPI)
        side_by_side(mpl_png, gg_png, out_dir / f"{name}.png")
        print(f"{out_dir / (name + '.png')}: matplotlib | ggplot2")


if __name__ == "__main__":
    os.environ.setdefault("R_LIBS", str(Path(__file__).resolve().parents[1] / ".r-lib"))
    main(*sys.argv[1:])
