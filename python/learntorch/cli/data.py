"""The command line's data and models: a built-in set or a CSV file, and the model for it.

A checkpoint written by ``learntorch train`` records where its data came from (``meta``), so
``evaluate`` and ``plot`` can find the same kind of data again without repeating the options.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

BUILTIN = ("xor", "moons", "digits", "linear")
MODELS = ("simple", "mlp", "logistic", "softmax", "linear", "cnn")
TASKS = ("binary", "multiclass", "regression")


class UsageError(Exception):
    """An argument problem found after parsing (reported like argparse's own, exit 2)."""


@dataclass
class Data:
    """What a command trains or evaluates on, in the forms the API takes."""

    data: Any                   # a learntorch dataset, or a DataFrame with x/y
    x: Optional[List[str]]      # feature columns of a DataFrame
    y: Optional[str]            # label column of a DataFrame
    task: str                   # binary, multiclass or regression
    outputs: int                # the model's output width
    n_features: int
    what: str                   # "two-moons points", "rows of data.csv"
    meta: Dict[str, Any]        # recorded in the checkpoint, so evaluate can find the data again

    @property
    def describe(self) -> str:
        return f"{len(self.data)} {self.what}"

    def samples(self) -> Any:
        """The points as a frame with x1, x2 and label/target, for the decision boundary."""
        if self.x is None:
            return self.data.to_frame()
        outcome = "target" if self.task == "regression" else "label"
        import pandas as pd
        return pd.DataFrame({"x1": self.data[self.x[0]].to_numpy(), "x2": self.data[self.x[1]].to_numpy(),
                             outcome: self.data[self.y].to_numpy()})

    def split(self, fraction: float, seed: int):
        """(train, valid) Data, or (self, None) when fraction is 0."""
        if fraction == 0:
            return self, None
        import learntorch as lt
        if self.x is None:
            parts = lt.train_val_split(self.data, fraction=fraction, seed=seed)
        else:
            frame = self.data.sample(frac=1.0, random_state=seed)
            n_valid = int(round(len(frame) * fraction))
            if n_valid == 0 or n_valid == len(frame):
                raise ValueError(f"--valid-fraction {fraction} leaves an empty split of {len(frame)} rows")
            parts = frame.iloc[n_valid:], frame.iloc[:n_valid]
        return tuple(Data(p, self.x, self.y, self.task, self.outputs, self.n_features, self.what, self.meta)
                     for p in parts)


def builtin_data(name: str, size: int, noise: Optional[float], seed: int) -> Data:
    import learntorch as lt
    meta: Dict[str, Any] = {"data": name, "noise": noise}
    if name == "xor":
        ds = lt.continuous_xor(size, **({} if noise is None else {"std": noise}), seed=seed)
        return Data(ds, None, None, "binary", 1, 2, "continuous-XOR points", meta)
    if name == "moons":
        ds = lt.two_moons(size, **({} if noise is None else {"noise": noise}), seed=seed)
        return Data(ds, None, None, "binary", 1, 2, "two-moons points", meta)
    if name == "linear":
        ds = lt.linear_regression_data(size, **({} if noise is None else {"noise": noise}), seed=seed)
        return Data(ds, None, None, "regression", 1, ds.x.shape[1], "linear-regression points", meta)
    ds = lt.digits()
    return Data(ds, None, None, "multiclass", 10, 64, "8x8 digits", meta)


def csv_data(path: Path, features: List[str], label: str, task: Optional[str]) -> Data:
    import pandas as pd
    frame = pd.read_csv(path)
    missing = [c for c in [*features, label] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} has no column {', '.join(map(repr, missing))}; its columns are {list(frame.columns)}")
    frame = frame[[*features, label]]
    task, outputs = label_task(frame[label], task)
    meta = {"data": "csv", "features": list(features), "label": label}
    return Data(frame, list(features), label, task, outputs, len(features), f"rows of {path.name}", meta)


def label_task(labels: Any, task: Optional[str]) -> tuple:
    """(task, output width) for a CSV label column: learntorch.tasks decides."""
    from ..tasks import task_of_column

    return task_of_column(labels, task, name=f"--task (label column {labels.name!r})")


def load_data(args: argparse.Namespace, meta: Optional[dict], default_size: int, seed: int) -> Data:
    """The data the arguments name; a checkpoint's metadata fills in what they leave out."""
    meta = meta or {}
    if args.csv is not None and args.data is not None:
        raise UsageError("give either --data or --csv, not both")
    if args.csv is not None or (args.data is None and meta.get("data") == "csv"):
        if args.csv is None:
            raise UsageError("the model was trained on a CSV file: give it with --csv")
        features, label = args.features or meta.get("features"), args.label or meta.get("label")
        if not features or not label:
            raise UsageError("a CSV needs --features and --label")
        if not args.csv.is_file():
            raise UsageError(f"argument --csv: no such file: {args.csv}")
        return csv_data(args.csv, features, label, getattr(args, "task", None) or meta.get("task"))
    if args.features or args.label:
        raise UsageError("--features and --label name columns of a --csv file")
    name = args.data or meta.get("data") or getattr(args, "default_data", None)
    if name not in BUILTIN:
        raise UsageError("which data? give --data or --csv")
    noise = args.noise if args.noise is not None else meta.get("noise")
    return builtin_data(name, args.size or default_size, noise, seed)


# --- models --------------------------------------------------------------------------------------

def build_model(name: Optional[str], data: Data, hidden: Optional[List[int]], activation: Optional[str]) -> Any:
    import learntorch as lt
    name = name or {"xor": "simple", "digits": "cnn", "linear": "linear"}.get(data.meta.get("data"), "mlp")
    act = {} if activation is None else {"activation": activation}
    regression = data.task == "regression"
    if name in ("simple", "logistic", "softmax", "cnn") and regression:
        raise UsageError(f"--model {name} is a classifier and the label is a value to regress: use mlp or linear")
    if name == "linear" and not regression:
        raise UsageError("--model linear does regression and the label is a class: use logistic, softmax or mlp")
    if name == "logistic" and data.task != "binary":
        raise UsageError("--model logistic needs two classes: use softmax or mlp")
    if name == "cnn" and data.meta.get("data") != "digits":
        raise UsageError("--model cnn needs images: use it with --data digits")
    if name == "simple":
        return lt.SimpleClassifier(data.n_features, (hidden or [4])[0], data.outputs, **act)
    if name == "mlp":
        return lt.MLP(data.n_features, hidden or [64, 64], data.outputs,
                      task="regression" if regression else "classification", **act)
    if name == "logistic":
        return lt.LogisticRegression(data.n_features)
    if name == "softmax":
        return lt.SoftmaxRegression(data.n_features, max(data.outputs, 2))
    if name == "linear":
        return lt.LinearRegression(data.n_features, 1)
    return lt.ConvNet(in_channels=1, num_classes=10, image_size=8, width=16)


