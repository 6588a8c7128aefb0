"""The four commands: each turns parsed arguments into calls of the public API and files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .data import Data, UsageError, build_model, load_data


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")  # files only: the command line may run without a display
    import matplotlib.pyplot as plt
    return plt


def _save_figure(draw: Callable[[Any], Any], path: Path, size: tuple) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=size)
    try:
        draw(ax)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
    return path


def _ggplot() -> Any:
    try:
        from .. import ggplot
        ggplot._r()  # starts R now: a missing rpy2, R or R package is reported before any work
    except ImportError as exc:
        raise RuntimeError(f"--ggplot needs rpy2 and R with ggplot2 and the learntorch R package: {exc}") from None
    return ggplot


def _history_figures(frame: Any, out: Path, ggplot: bool) -> List[Path]:
    """loss.png (and accuracy.png for classifiers), with their ggplot2 twins if asked."""
    import learntorch as lt
    paths = []
    for metric in [m for m in ("loss", "accuracy") if m in set(frame["metric"])]:
        paths.append(_save_figure(lambda ax, m=metric: lt.plot_history(frame, metric=m, ax=ax),
                                  out / f"{metric}.png", (5, 3.5)))
        if ggplot:
            _ggplot().ggplot_history(frame, metric=metric, path=str(out / f"{metric}_ggplot.png"))
            paths.append(out / f"{metric}_ggplot.png")
    return paths


def _boundary_figure(model: Any, data: Data, path: Path, ggplot: bool) -> Path:
    import learntorch as lt
    if data.n_features != 2:
        raise ValueError(f"a decision boundary needs a model of two inputs; this data has {data.n_features}")
    points = data.data[data.x] if data.x is not None else data.data
    grid = lt.decision_grid(model, data=points, resolution=150)
    samples = data.samples()
    if ggplot:
        _ggplot().ggplot_decision_boundary(grid, samples, path=str(path))
        return path
    return _save_figure(lambda ax: lt.plot_decision_boundary(grid, samples, ax=ax), path, (4, 4))


# --- the commands --------------------------------------------------------------------------------

def _metrics_text(metrics: Dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())


def train_command(args: argparse.Namespace) -> None:
    import learntorch as lt
    data = load_data(args, None, 1000, args.seed)
    build_model(args.model, data, args.hidden, args.activation)  # argument problems first, before any work
    if args.ggplot:
        _ggplot()  # fail before training, not after
    train, valid = data.split(args.valid_fraction, args.seed)
    lt.seed_everything(args.seed)
    model = build_model(args.model, data, args.hidden, args.activation)  # weights drawn after seeding
    history = lt.fit(model, train.data, epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                     lr=args.lr, weight_decay=args.weight_decay, valid=None if valid is None else valid.data,
                     seed=args.seed, x=data.x, y=data.y, progress=False if args.quiet else "auto",
                     # fit tells binary from multiclass by the model's width; the CLI only says which kind
                     task="regression" if data.task == "regression" else "classification")
    args.out.mkdir(parents=True, exist_ok=True)
    frame = history.to_frame()
    frame.to_csv(args.out / "history.csv", index=False)
    meta = {**data.meta, "task": data.task, "seed": args.seed, "epochs": args.epochs,
            "model_class": type(model).__name__}
    lt.save(model, args.out / "model.pt", **meta)
    written = [args.out / "model.pt", args.out / "history.csv"]
    written += _history_figures(frame, args.out, args.ggplot)
    if data.n_features == 2:
        written.append(_boundary_figure(model, data, args.out / "decision_boundary.png", False))
        if args.ggplot:
            written.append(_boundary_figure(model, data, args.out / "decision_boundary_ggplot.png", True))
    last = history.last()
    if not args.quiet:
        print(f"trained {type(model).__name__} on {train.describe} for {history.epochs} epochs")
        print(f"wrote {', '.join(str(p) for p in written)}")
    print(_metrics_text({k: v for k, v in last.items() if k != "epoch"}))


def evaluate_command(args: argparse.Namespace) -> None:
    import learntorch as lt
    model = _load_model(args.checkpoint)
    meta = model.checkpoint.get("metadata") or {}
    seed = args.seed if args.seed is not None else int(meta.get("seed", 0)) + 1
    data = load_data(args, meta, 500, seed)
    metrics = lt.evaluate(model, data.data, x=data.x, y=data.y)
    if args.json:
        print(json.dumps({**metrics, "n": len(data.data), "data": data.describe}))
    else:
        print(f"{_metrics_text(metrics)} on {data.describe}")


def _load_model(path: Path) -> Any:
    import learntorch as lt
    if not path.is_file():
        raise UsageError(f"no such checkpoint file: {path}")
    return lt.load(path)


def plot_command(args: argparse.Namespace) -> None:
    import learntorch as lt
    if args.history is not None:
        if not args.history.is_file():
            raise UsageError(f"argument --history: no such file: {args.history}")
        import pandas as pd
        frame = pd.read_csv(args.history)
        out = args.out or args.history.with_name(f"{args.history.stem}_{args.metric}.png")
        if args.ggplot:
            _ggplot().ggplot_history(frame, metric=args.metric, path=str(out))
        else:
            _save_figure(lambda ax: lt.plot_history(frame, metric=args.metric, ax=ax), out, (5, 3.5))
    else:
        model = _load_model(args.checkpoint)
        meta = model.checkpoint.get("metadata") or {}
        seed = args.seed if args.seed is not None else int(meta.get("seed", 0)) + 1
        data = load_data(args, meta, 500, seed)
        out = args.out or args.checkpoint.with_name(f"{args.checkpoint.stem}_boundary.png")
        _boundary_figure(model, data, out, args.ggplot)
    print(f"wrote {out}")


def info_command(args: argparse.Namespace) -> None:
    import importlib.metadata as md
    import platform

    import learntorch as lt
    versions: Dict[str, Optional[str]] = {"learntorch": lt.__version__, "python": platform.python_version()}
    for package in ("torch", "numpy", "pandas", "matplotlib", "scikit-learn", "rpy2"):
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = None
    devices = lt.device_info()
    default = str(lt.default_device())
    if args.json:
        print(json.dumps({"versions": versions, "python_executable": sys.executable, "default_device": default,
                          "devices": json.loads(devices.to_json(orient="records"))}))
        return
    for package, version in versions.items():
        note = {"scikit-learn": " (for --data digits)", "rpy2": " (for --ggplot)"}.get(package, "")
        print(f"{package:<12} {version or 'not installed'}{note}")
    print(f"{'executable':<12} {sys.executable}")
    print(f"default device: {default}")
    print(devices.to_string(index=False))
