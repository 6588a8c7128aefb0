"""Bad inputs, as a careless user or a hostile file gives them (issue 14).

One table: each row is a call, the error class it must raise and a regex of words its message
must hold (the argument it names, as the user wrote it). Every row also checks that the call
wrote nothing (the working folder and the folder of prepared files are as they were) and changed
no model's weights. Rows whose fault lies in code under rewrite are marked xfail(strict=True) with
the cause, so fixing them turns the row red until the mark is removed.

Then property-based tests (hypothesis) over shapes, dtypes and label sets for fit, evaluate,
predict and from_frame: any input either works with the right shapes or raises a learntorch
error (ValueError/TypeError naming an argument), never a raw torch, numpy or pandas error.
"""

from __future__ import annotations

import copy
import math
import re
import shutil
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch import nn

import learntorch as lt

# --- the context every row runs in ------------------------------------------------------------------


@dataclass
class Ctx:
    """Models and data for one row; ``tmp`` is the working folder, ``files`` holds prepared files."""

    tmp: Path
    files: Path
    model: nn.Module      # SimpleClassifier(2, 4, 1) fitted on 0/1 labels
    named: nn.Module      # SimpleClassifier(2, 4, 1) fitted on the labels "no"/"yes"
    regressor: nn.Module  # LinearRegression(2) fitted
    fresh: nn.Module      # SimpleClassifier(2, 4, 1), never fitted
    linear3: nn.Module    # a plain nn.Linear(3, 1): the wrong width for 2 inputs
    frozen: nn.Module     # nn.Linear(2, 1) with requires_grad False
    X: np.ndarray         # (40, 2) float32
    Y: np.ndarray         # (40,) int64 labels 0/1
    frame: pd.DataFrame   # a, b, label, name (strings), t (float target)
    extra: Dict[str, Any] = field(default_factory=dict)

    def fit(self, model: nn.Module = None, train: Any = None, **kwargs: Any) -> Any:
        """``lt.fit`` with quiet defaults; ``train`` defaults to (X, Y)."""
        options = dict(epochs=1, progress=False, device="cpu")
        options.update(kwargs)
        return lt.fit(self.fresh if model is None else model, (self.X, self.Y) if train is None else train, **options)

    def models(self) -> Dict[str, nn.Module]:
        return {k: v for k, v in vars(self).items() if isinstance(v, nn.Module)}


def _xy(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2), dtype=np.float32)
    return x, (x[:, 0] > 0.5).astype(np.int64)


@pytest.fixture(scope="module")
def base():
    """Models fitted once; each row gets deep copies."""
    torch.manual_seed(0)
    x, y = _xy()
    model = lt.SimpleClassifier(2, 4, 1)
    lt.fit(model, (x, y), epochs=2, progress=False, device="cpu")
    named = lt.SimpleClassifier(2, 4, 1)
    lt.fit(named, (x, np.where(y == 1, "yes", "no")), epochs=2, progress=False, device="cpu")
    regressor = lt.LinearRegression(2)
    lt.fit(regressor, (x, x.sum(1)), epochs=2, progress=False, device="cpu")
    return dict(model=model, named=named, regressor=regressor)


def _prepare_files(folder: Path) -> None:
    """Checkpoints and junk for the load rows, written before the row's snapshot."""
    model = lt.SimpleClassifier(2, 4, 1)
    lt.save(model, folder / "good.pt")
    payload = lt.read_checkpoint(folder / "good.pt")
    payload["state_dict"]["linear1.weight"][0, 0] = float("nan")
    torch.save(payload, folder / "nan.pt")
    payload = lt.read_checkpoint(folder / "good.pt")
    payload["architecture"]["config"]["num_inputs"] = 3
    torch.save(payload, folder / "mismatch.pt")
    torch.save({"weight": torch.zeros(2)}, folder / "plain.pt")
    (folder / "text.pt").write_text("not a checkpoint\n")
    data = (folder / "good.pt").read_bytes()
    (folder / "truncated.pt").write_bytes(data[: len(data) // 2])
    (folder / "a_file").write_text("")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prepared")
    _prepare_files(folder)
    return folder


@pytest.fixture
def ctx(base, prepared, tmp_path, monkeypatch):
    work, files = tmp_path / "work", tmp_path / "files"
    work.mkdir()
    shutil.copytree(prepared, files)  # each row gets its own copies: a row that damages one cannot hide it
    monkeypatch.chdir(work)  # a relative path written by mistake lands where the check sees it
    torch.manual_seed(1)
    x, y = _xy()
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": y, "name": np.where(y == 1, "yes", "no"),
                          "t": x.sum(1).astype(np.float64)})
    frozen = nn.Linear(2, 1).requires_grad_(False)
    return Ctx(tmp=work, files=files, model=copy.deepcopy(base["model"]), named=copy.deepcopy(base["named"]),
               regressor=copy.deepcopy(base["regressor"]), fresh=lt.SimpleClassifier(2, 4, 1),
               linear3=nn.Linear(3, 1), frozen=frozen, X=x, Y=y, frame=frame)


def _folder_state(folder: Path) -> Dict[str, tuple]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def _weights(models: Dict[str, nn.Module]) -> Dict[str, Dict[str, torch.Tensor]]:
    return {name: {k: v.detach().clone() for k, v in m.state_dict().items()} for name, m in models.items()}


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b) or (
        a.is_floating_point() and torch.equal(torch.isnan(a), torch.isnan(b)) and torch.equal(a.nan_to_num(), b.nan_to_num())))


# --- the table ----------------------------------------------------------------------------------------

def lead(reason: str):
    """A row whose fault is in training/evaluation/tasks/losses/labels, under rewrite (issue 9)."""
    return pytest.mark.xfail(reason=reason, strict=True)


def row(id: str, call: Callable[[Ctx], Any], error: type, words: str, *marks) -> Any:
    return pytest.param(call, error, words, id=id, marks=marks)


X3 = lambda c: np.random.rand(40, 3).astype(np.float32)  # noqa: E731 - the wrong width for 2-input models

FIT = [
    row("fit-model-str", lambda c: lt.fit("net", (c.X, c.Y), epochs=1), TypeError, r"`model`"),
    row("fit-model-none", lambda c: lt.fit(None, (c.X, c.Y), epochs=1), TypeError, r"`model`"),
    row("fit-train-none", lambda c: lt.fit(c.fresh, None, epochs=1, progress=False), TypeError, r"`train`"),
    row("fit-train-int", lambda c: c.fit(train=5), TypeError, r"`train`"),
    row("fit-train-str", lambda c: c.fit(train="data.csv"), TypeError, r"`train`"),
    row("fit-train-x-only", lambda c: c.fit(train=torch.rand(40, 2)), TypeError, r"`train`.*targets"),
    row("fit-train-triple", lambda c: c.fit(train=(c.X, c.Y, c.Y)), TypeError, r"`train`"),
    row("fit-epochs-negative", lambda c: c.fit(epochs=-1), ValueError, r"`epochs`"),
    row("fit-epochs-str", lambda c: c.fit(epochs="ten"), (TypeError, ValueError), r"`epochs`"),
    row("fit-epochs-fraction", lambda c: c.fit(epochs=2.5), (TypeError, ValueError), r"`epochs`"),
    row("fit-epochs-none", lambda c: c.fit(epochs=None), (TypeError, ValueError), r"`epochs`"),
    row("fit-batch-size-zero", lambda c: c.fit(batch_size=0), ValueError, r"`batch_size`"),
    row("fit-batch-size-str", lambda c: c.fit(batch_size="big"), TypeError, r"`batch_size`"),
    row("fit-lr-negative", lambda c: c.fit(lr=-1), ValueError, r"`lr`"),
    row("fit-lr-zero", lambda c: c.fit(lr=0), ValueError, r"`lr`"),
    row("fit-lr-nan", lambda c: c.fit(lr=float("nan")), ValueError, r"`lr`"),
    row("fit-lr-str", lambda c: c.fit(lr="fast"), (TypeError, ValueError), r"`lr`"),
    row("fit-optimizer-unknown", lambda c: c.fit(optimizer="sgdd"), ValueError, r"`optimizer`"),
    row("fit-optimizer-int", lambda c: c.fit(optimizer=5), TypeError, r"`optimizer`"),
    row("fit-weight-decay-negative", lambda c: c.fit(weight_decay=-1), ValueError, r"`weight_decay`"),
    row("fit-loss-unknown", lambda c: c.fit(loss="hinge"), ValueError, r"`loss`"),
    row("fit-loss-int", lambda c: c.fit(loss=5), TypeError, r"`loss`"),
    row("fit-device-unknown", lambda c: c.fit(device="tpu"), ValueError, r"`device`"),
    row("fit-device-missing-gpu", lambda c: c.fit(device="cuda:7"), ValueError, r"`device`"),
    row("fit-seed-negative", lambda c: c.fit(seed=-1), ValueError, r"`seed`"),
    row("fit-seed-huge", lambda c: c.fit(seed=2**70), ValueError, r"`seed`"),
    row("fit-seed-str", lambda c: c.fit(seed="x"), TypeError, r"`seed`"),
    row("fit-seed-fraction", lambda c: c.fit(seed=1.5), TypeError, r"`seed`"),
    row("fit-callbacks-int", lambda c: c.fit(callbacks=5), TypeError, r"`callbacks`"),
    row("fit-callbacks-item-int", lambda c: c.fit(callbacks=[5]), TypeError, r"`callbacks\[0\]`"),
    row("fit-callbacks-item-str", lambda c: c.fit(callbacks=["early"]), TypeError, r"`callbacks\[0\]`"),
    row("fit-progress-str", lambda c: c.fit(progress="yes"), ValueError, r"`progress`"),
    row("fit-shuffle-str", lambda c: c.fit(shuffle="no"), TypeError, r"`shuffle`"),
    row("fit-shuffle-none", lambda c: c.fit(shuffle=None), TypeError, r"`shuffle`"),
    row("fit-num-threads-negative", lambda c: c.fit(num_threads=-4), ValueError, r"`num_threads`"),
    row("fit-num-threads-zero", lambda c: c.fit(num_threads=0), ValueError, r"`num_threads`"),
    row("fit-num-threads-str", lambda c: c.fit(num_threads="many"), (TypeError, ValueError), r"`num_threads`"),
    row("fit-task-unknown", lambda c: c.fit(task="clustering"), ValueError, r"`task`"),
    row("fit-x-names-not-a-frame", lambda c: c.fit(x="a"), TypeError, r"`x`"),
    row("fit-y-int", lambda c: c.fit(train=c.frame, y=5), TypeError, r"`y`"),
    row("fit-frame-y-missing", lambda c: c.fit(train=c.frame, y="nope"), ValueError, r"nope.*`y`|`y`.*nope"),
    row("fit-frame-no-target", lambda c: c.fit(train=c.frame[["a", "b"]]), ValueError, r"`train`.*`y=`"),
    row("fit-frame-x-strings", lambda c: c.fit(train=c.frame, x=["a", "name"], y="label"), ValueError, r"name.*not numeric"),
    row("fit-loader-int", lambda c: c.fit(train=torch.utils.data.TensorDataset(torch.rand(8, 2), torch.zeros(8).long()),
                                         loader=5), TypeError, r"`loader`"),
    row("fit-x-nan", lambda c: c.fit(train=(np.where(c.X > 0.9, np.nan, c.X), c.Y)), ValueError, r"`train\[0\]`.*NaN"),
    row("fit-x-inf", lambda c: c.fit(train=(np.where(c.X > 0.9, np.inf, c.X), c.Y)), ValueError, r"`train\[0\]`.*infinite"),
    row("fit-y-nan", lambda c: c.fit(train=(c.X, np.where(c.Y == 1, np.nan, 0.0)), task="regression"),
        ValueError, r"`train\[1\]`.*NaN"),
    row("fit-x-complex", lambda c: c.fit(train=(c.X + 1j, c.Y)), TypeError, r"`train.*complex"),
    row("fit-y-complex", lambda c: c.fit(train=(c.X, c.Y + 1j)), TypeError, r"`train.*complex"),
    row("fit-x-strings", lambda c: c.fit(train=(np.full((40, 2), "a"), c.Y)), TypeError, r"`train\[0\]`"),
    row("fit-x-3d", lambda c: c.fit(train=(np.random.rand(40, 2, 3), c.Y)), ValueError, r"`train`"),
    row("fit-x-wrong-width", lambda c: c.fit(train=(X3(c), c.Y)), ValueError, r"`train`"),
    row("fit-rows-mismatch", lambda c: c.fit(train=(c.X, c.Y[:39])), ValueError, r"`train`.*40.*39"),
    row("fit-empty", lambda c: c.fit(train=(c.X[:0], c.Y[:0])), ValueError, r"`train`.*empty"),
    row("fit-y-two-columns", lambda c: c.fit(train=(c.X, np.stack([c.Y, c.Y], 1))), ValueError, r"`train`.*shape \(40, 2\)"),
    row("fit-more-labels-than-outputs", lambda c: c.fit(model=lt.SimpleClassifier(2, 4, 3), train=(c.X, np.arange(40) % 5)),
        ValueError, r"`train`.*5 distinct labels"),
    row("fit-y-none-label", lambda c: c.fit(train=(c.X, np.array([None] + ["a", "b"] * 19 + ["a"], dtype=object))),
        ValueError, r"`train\[1\]`.*missing"),
    row("fit-y-fractions-classification", lambda c: c.fit(train=(c.X, c.Y + 0.5), task="multiclass"),
        ValueError, r"`train`"),
    row("fit-plain-wrong-width", lambda c: c.fit(model=c.linear3), ValueError, r"`train`.*mat1 and mat2"),
    row("fit-frozen", lambda c: c.fit(model=c.frozen), ValueError, r"`model`.*no parameters to train"),
    row("fit-valid-int", lambda c: c.fit(valid=5), TypeError, r"`valid`"),
    row("fit-valid-wrong-width", lambda c: c.fit(valid=(X3(c)[:10], c.Y[:10])), ValueError, r"`valid`"),
    row("fit-valid-unknown-label", lambda c: c.fit(valid=(c.X[:10], np.full(10, 7))), ValueError, r"label 7.*`valid`"),
    row("fit-valid-nan", lambda c: c.fit(valid=(np.full((10, 2), np.nan, np.float32), c.Y[:10])), ValueError, r"`valid\[0\]`.*NaN"),
    row("fit-valid-fraction-big", lambda c: c.fit(valid_fraction=1.5), ValueError, r"fraction"),
    row("fit-valid-and-fraction", lambda c: c.fit(valid=(c.X, c.Y), valid_fraction=0.2), ValueError, r"`valid`.*`valid_fraction`"),
    row("fit-early-stopping-without-valid", lambda c: c.fit(callbacks=[lt.EarlyStopping()]), ValueError, r"`valid`"),
    row("fit-early-stopping-unknown-metric", lambda c: c.fit(valid=(c.X, c.Y), callbacks=[lt.EarlyStopping("valid_auc2")]),
        ValueError, r"valid_auc2"),
    row("fit-on-divergence-unknown", lambda c: c.fit(on_divergence="explode"), ValueError, r"`on_divergence`"),
    row("fit-precision-unknown", lambda c: c.fit(precision="8"), ValueError, r"`precision`"),
    row("fit-accumulate-zero", lambda c: c.fit(accumulate=0), ValueError, r"`accumulate`"),
    row("fit-clip-negative", lambda c: c.fit(clip_grad_norm=-1), ValueError, r"`clip_grad_norm`"),
    row("fit-scheduler-unknown", lambda c: c.fit(scheduler="warp"), ValueError, r"`scheduler`"),
    row("fit-metrics-unknown", lambda c: c.fit(metrics="auc2"), ValueError, r"`metrics`|auc2"),
    row("fit-resume-missing", lambda c: c.fit(resume="nowhere.pt"), FileNotFoundError, r"`resume`|nowhere"),
    row("fit-output-float", lambda c: c.fit(output=1.5), TypeError, r"`output`"),
]

EVALUATE = [
    row("evaluate-model-str", lambda c: lt.evaluate("net", (c.X, c.Y)), TypeError, r"`model`"),
    row("evaluate-data-none", lambda c: lt.evaluate(c.model, None), TypeError, r"`data`"),
    row("evaluate-label-out-of-classes", lambda c: lt.evaluate(c.model, (c.X, np.full(40, 5))), ValueError,
        r"label 5.*`data`.*classes"),
    row("evaluate-name-unknown", lambda c: lt.evaluate(c.named, (c.X, np.full(40, "maybe"))), ValueError, r"'maybe'.*`data`"),
    row("evaluate-wrong-width", lambda c: lt.evaluate(c.model, (X3(c), c.Y)), ValueError, r"`x`|`data`"),
    row("evaluate-loss-unknown", lambda c: lt.evaluate(c.model, (c.X, c.Y), loss="hinge"), ValueError, r"`loss`"),
    row("evaluate-metrics-unknown", lambda c: lt.evaluate(c.model, (c.X, c.Y), metrics="auc2"), ValueError, r"auc2"),
    row("evaluate-task-unknown", lambda c: lt.evaluate(c.model, (c.X, c.Y), task="clustering"), ValueError, r"`task`"),
    row("evaluate-y-nan", lambda c: lt.evaluate(c.regressor, (c.X, np.full(40, np.nan))), ValueError, r"`data\[1\]`.*NaN"),
    row("evaluate-no-targets", lambda c: lt.evaluate(c.model, torch.rand(40, 2)), TypeError, r"`data`.*targets"),
    row("evaluate-frame-missing-column", lambda c: lt.evaluate(c.model, c.frame, x=["a", "zz"], y="label"), ValueError, r"zz"),
    row("evaluate-x-complex", lambda c: lt.evaluate(c.model, (c.X + 1j, c.Y)), TypeError, r"complex"),
    row("evaluate-int-inputs", lambda c: lt.evaluate(c.model, (np.ones((40, 2), dtype=np.int32), c.Y)), ValueError,
        r"`data`"),
    row("evaluate-rows-mismatch", lambda c: lt.evaluate(c.model, (c.X, c.Y[:30])), ValueError, r"`data`.*40.*30"),
]

PREDICT = [
    row("predict-model-str", lambda c: lt.predict("net", c.X), TypeError, r"`model`"),
    row("predict-x-none", lambda c: lt.predict(c.model, None), TypeError, r"`x`"),
    row("predict-wrong-width", lambda c: lt.predict(c.model, X3(c)), ValueError, r"`x`"),
    row("predict-3d", lambda c: lt.predict(c.model, np.random.rand(4, 2, 3)), ValueError, r"`x`"),
    row("predict-1d", lambda c: lt.predict(c.model, np.random.rand(4)), ValueError, r"`x`"),
    row("predict-complex", lambda c: lt.predict(c.model, c.X + 1j), TypeError, r"`x`.*complex"),
    row("predict-strings", lambda c: lt.predict(c.model, np.array([["a", "b"]])), TypeError, r"`x`"),
    row("predict-nan", lambda c: lt.predict(c.model, np.full((3, 2), np.nan)), ValueError, r"`x`.*NaN"),
    row("predict-empty", lambda c: lt.predict(c.model, c.X[:0]), ValueError, r"`x`.*empty"),
    row("predict-threshold-big", lambda c: lt.predict(c.model, c.X, threshold=1.5), ValueError, r"`threshold`"),
    row("predict-threshold-zero", lambda c: lt.predict(c.model, c.X, threshold=0), ValueError, r"`threshold`"),
    row("predict-threshold-str", lambda c: lt.predict(c.model, c.X, threshold="half"), (TypeError, ValueError), r"`threshold`"),
    row("predict-task-unknown", lambda c: lt.predict(c.model, c.X, task="clustering"), ValueError, r"`task`"),
    row("predict-frame-missing-features", lambda c: lt.predict(c.model, c.frame[["a"]].rename(columns={"a": "q"})),
        ValueError, r"`x`|columns"),
    row("predict-int-inputs", lambda c: lt.predict(c.model, np.ones((3, 2), dtype=np.int8)), ValueError, r"`x`"),
    row("predict-frame-strings", lambda c: lt.predict(c.model, c.frame[["a", "name"]]), ValueError, r"name.*not numeric"),
]

PREDICT_PROBA = [
    row("proba-model-int", lambda c: lt.predict_proba(5, c.X), TypeError, r"`model`"),
    row("proba-x-none", lambda c: lt.predict_proba(c.model, None), TypeError, r"`x`"),
    row("proba-wrong-width", lambda c: lt.predict_proba(c.model, X3(c)), ValueError, r"`x`"),
    row("proba-nan", lambda c: lt.predict_proba(c.model, np.full((3, 2), np.inf)), ValueError, r"`x`.*infinite"),
    row("proba-task-unknown", lambda c: lt.predict_proba(c.model, c.X, task="clustering"), ValueError, r"`task`"),
    row("proba-dict", lambda c: lt.predict_proba(c.model, {"a": [1, 2]}), TypeError, r"`x`"),
]

CONFUSION = [
    row("confusion-regressor", lambda c: lt.confusion_matrix(c.regressor, (c.X, c.X.sum(1))), ValueError, r"classifier"),
    row("confusion-data-none", lambda c: lt.confusion_matrix(c.model, None), TypeError, r"`data`"),
    row("confusion-unknown-label", lambda c: lt.confusion_matrix(c.model, (c.X, np.full(40, 3))), ValueError, r"label 3"),
    row("confusion-no-targets", lambda c: lt.confusion_matrix(c.model, c.X), TypeError, r"`data`.*targets"),
    row("confusion-model-str", lambda c: lt.confusion_matrix("net", (c.X, c.Y)), TypeError, r"`model`"),
]

GRID = [
    row("grid-three-inputs", lambda c: lt.decision_grid(c.linear3, X3(c)), ValueError, r"two inputs"),
    row("grid-resolution-one", lambda c: lt.decision_grid(c.model, resolution=1), ValueError, r"`resolution`"),
    row("grid-resolution-str", lambda c: lt.decision_grid(c.model, resolution="fine"), (TypeError, ValueError), r"`resolution`"),
    row("grid-xlim-reversed", lambda c: lt.decision_grid(c.model, xlim=(1, 0)), ValueError, r"`xlim`"),
    row("grid-xlim-short", lambda c: lt.decision_grid(c.model, xlim=(0,)), ValueError, r"`xlim`"),
    row("grid-ylim-infinite", lambda c: lt.decision_grid(c.model, ylim=(0, math.inf)), ValueError, r"`ylim`"),
    row("grid-data-int", lambda c: lt.decision_grid(c.model, 5), TypeError, r"`data`"),
    row("grid-model-str", lambda c: lt.decision_grid("net"), TypeError, r"`model`"),
]

FROM_FRAME = [
    row("frame-not-a-frame", lambda c: lt.from_frame({"a": [1]}, ["a"], "label"), TypeError, r"`frame`"),
    row("frame-x-missing", lambda c: lt.from_frame(c.frame, ["a", "zz"], "label"), ValueError, r"zz"),
    row("frame-y-missing", lambda c: lt.from_frame(c.frame, ["a"], "zz"), ValueError, r"zz"),
    row("frame-x-empty", lambda c: lt.from_frame(c.frame, [], "label"), ValueError, r"`x`"),
    row("frame-x-int", lambda c: lt.from_frame(c.frame, 5, "label"), TypeError, r"`x`"),
    row("frame-y-none", lambda c: lt.from_frame(c.frame, ["a"], None), TypeError, r"`y`"),
    row("frame-x-strings", lambda c: lt.from_frame(c.frame, ["a", "name"], "label"), ValueError, r"name.*not numeric"),
    row("frame-x-categorical", lambda c: lt.from_frame(c.frame.assign(k=pd.Categorical(c.frame["name"])), ["a", "k"], "label"),
        ValueError, r"k.*not numeric"),
    row("frame-task-unknown", lambda c: lt.from_frame(c.frame, ["a"], "label", task="clustering"), ValueError, r"`task`"),
    row("frame-y-nan", lambda c: lt.from_frame(c.frame.assign(t=np.nan), ["a"], "t"), ValueError, r"`y`.*NaN|missing"),
    row("frame-x-nan", lambda c: lt.from_frame(c.frame.assign(a=np.nan), ["a"], "label"), ValueError, r"NaN"),
    row("frame-regression-words", lambda c: lt.from_frame(c.frame, ["a"], "name", task="regression"), ValueError,
        r"regression.*`y`.*non-numbers"),
    row("frame-y-none-label", lambda c: lt.from_frame(c.frame.assign(name=[None] + list(c.frame["name"][1:])), ["a"], "name"),
        ValueError, r"`y`.*missing"),
]

DATASET = [
    row("dataset-rows-mismatch", lambda c: lt.TensorDataset(c.X, c.Y[:30]), ValueError, r"`x`.*40.*`y`.*30"),
    row("dataset-x-strings", lambda c: lt.TensorDataset(np.array([["a"]]), [1]), TypeError, r"`x`"),
    row("dataset-x-complex", lambda c: lt.TensorDataset(c.X + 1j, c.Y), TypeError, r"`x`.*complex"),
    row("dataset-y-complex", lambda c: lt.TensorDataset(c.X, c.Y + 1j), TypeError, r"`y`.*complex"),
    row("dataset-y-negative", lambda c: lt.TensorDataset(c.X, c.Y - 1), ValueError, r"negative"),
    row("dataset-task-unknown", lambda c: lt.TensorDataset(c.X, c.Y, task="x"), ValueError, r"`task`"),
    row("dataset-feature-names-length", lambda c: lt.TensorDataset(c.X, c.Y, feature_names=["a"]), ValueError, r"`feature_names`"),
    row("dataset-target-names-length", lambda c: lt.TensorDataset(c.X, c.Y, target_names=["a", "b"]), ValueError, r"`target_names`"),
    row("dataset-fractions-as-classes", lambda c: lt.TensorDataset(c.X, c.Y + 0.5, task="classification"), ValueError,
        r"`y`.*non-integer"),
    row("dataset-classes-too-few", lambda c: lt.TensorDataset(c.X, c.Y, classes=["only"]), ValueError, r"`classes`"),
    row("dataset-x-nan", lambda c: lt.TensorDataset(np.full((3, 2), np.nan), [0, 1, 0]), ValueError, r"`x`.*NaN"),
    row("dataset-y-none-label", lambda c: lt.TensorDataset(c.X[:3], np.array(["a", None, "b"], dtype=object)),
        ValueError, r"`y`.*missing"),
    row("dataset-na-factor", lambda c: lt.TensorDataset(c.X[:3], pd.Categorical(["a", None, "b"])), ValueError, r"`y`.*missing"),
    row("dataset-x-scalar", lambda c: lt.TensorDataset(5.0, [1]), ValueError, r"`x`"),
    row("dataset-classes-with-regression", lambda c: lt.TensorDataset(c.X, c.Y, task="regression", classes=[0, 1]),
        ValueError, r"`classes`.*regression"),
    row("dataset-labels-two-columns", lambda c: lt.TensorDataset(c.X, np.stack([c.Y, c.Y], 1)), ValueError,
        r"labels in `y`.*one per row.*\(40, 2\)"),
    row("dataset-y-3d", lambda c: lt.TensorDataset(c.X, np.zeros((40, 2, 2))), ValueError, r"`y`.*\(40, 2, 2\)"),
    row("dataset-ragged-x", lambda c: lt.TensorDataset([[1.0, 2.0], [3.0]], [0, 1]), TypeError, r"`x`"),
]

SAVE = [
    row("save-model-str", lambda c: lt.save("net", "m.pt"), TypeError, r"`model`"),
    row("save-path-none", lambda c: lt.save(c.model, None), TypeError, r"`path`"),
    row("save-path-int", lambda c: lt.save(c.model, 5), TypeError, r"`path`"),
    row("save-path-empty", lambda c: lt.save(c.model, ""), ValueError, r"`path`"),
    row("save-path-directory", lambda c: lt.save(c.model, c.tmp), IsADirectoryError, r"`path`"),
    row("save-folder-missing", lambda c: lt.save(c.model, c.tmp / "no" / "m.pt"), FileNotFoundError, r"`path`"),
    row("save-folder-is-a-file", lambda c: lt.save(c.model, c.files / "a_file" / "m.pt"), NotADirectoryError, r"`path`"),
    row("save-metadata-object", lambda c: lt.save(c.model, "m.pt", when=object()), TypeError, r"`when`"),
    row("save-metadata-tensor", lambda c: lt.save(c.model, "m.pt", t=torch.zeros(2)), TypeError, r"`t`"),
    row("save-metadata-int-key", lambda c: lt.save(c.model, "m.pt", d={1: "a"}), TypeError, r"`d`"),
]

LOAD = [
    row("load-path-none", lambda c: lt.load(None), TypeError, r"`path`"),
    row("load-missing", lambda c: lt.load(c.tmp / "nope.pt"), FileNotFoundError, r"`path`"),
    row("load-directory", lambda c: lt.load(c.files), IsADirectoryError, r"`path`"),
    row("load-model-str", lambda c: lt.load(c.files / "good.pt", model="net"), TypeError, r"`model`"),
    row("load-device-unknown", lambda c: lt.load(c.files / "good.pt", device="tpu"), ValueError, r"`device`"),
    row("load-allow-nonfinite-str", lambda c: lt.load(c.files / "good.pt", allow_nonfinite="yes"), TypeError, r"`allow_nonfinite`"),
    row("load-text-file", lambda c: lt.load(c.files / "text.pt"), ValueError, r"not a readable checkpoint"),
    row("load-truncated", lambda c: lt.load(c.files / "truncated.pt"), ValueError, r"truncated or corrupt"),
    row("load-plain-torch-file", lambda c: lt.load(c.files / "plain.pt"), ValueError, r"not a learntorch checkpoint"),
    row("load-nan-weights", lambda c: lt.load(c.files / "nan.pt"), ValueError, r"NaN.*linear1\.weight.*allow_nonfinite"),
    row("load-record-mismatch", lambda c: lt.load(c.files / "mismatch.pt"), ValueError, r"do not fit.*shapes differ"),
    row("load-into-wrong-model", lambda c: lt.load(c.files / "good.pt", model=c.regressor), ValueError, r"do not fit the given"),
    row("load-into-wrong-width", lambda c: lt.load(c.files / "good.pt", model=c.fresh.__class__(3, 4, 1)), ValueError,
        r"shapes differ"),
]

CONSTRUCTORS = [
    row("simple-inputs-zero", lambda c: lt.SimpleClassifier(0, 4, 1), ValueError, r"`num_inputs`"),
    row("simple-hidden-str", lambda c: lt.SimpleClassifier(2, "four", 1), ValueError, r"`num_hidden`"),
    row("simple-activation-unknown", lambda c: lt.SimpleClassifier(2, 4, 1, activation="swish"), ValueError, r"`activation`"),
    row("mlp-hidden-str", lambda c: lt.MLP(2, hidden="x"), ValueError, r"`hidden`"),
    row("mlp-hidden-zero", lambda c: lt.MLP(2, hidden=(0,)), ValueError, r"`hidden`"),
    row("mlp-in-fraction", lambda c: lt.MLP(2.5), ValueError, r"`in_features`"),
    row("mlp-out-negative", lambda c: lt.MLP(2, out_features=-1), ValueError, r"`out_features`"),
    row("mlp-task-unknown", lambda c: lt.MLP(2, task="clustering"), ValueError, r"`task`"),
    row("convnet-image-too-small", lambda c: lt.ConvNet(1, 3, image_size=2), ValueError, r"`image_size`"),
    row("linear-in-zero", lambda c: lt.LinearRegression(0), ValueError, r"`in_features`"),
    row("logistic-in-str", lambda c: lt.LogisticRegression("3"), ValueError, r"`in_features`"),
    row("softmax-classes-bool", lambda c: lt.SoftmaxRegression(4, True), ValueError, r"`num_classes`"),
]

CALLBACKS = [
    row("early-patience-zero", lambda c: lt.EarlyStopping(patience=0), ValueError, r"`patience`"),
    row("early-patience-str", lambda c: lt.EarlyStopping(patience="x"), TypeError, r"`patience`"),
    row("early-mode-unknown", lambda c: lt.EarlyStopping(mode="up"), ValueError, r"`mode`"),
    row("early-monitor-int", lambda c: lt.EarlyStopping(monitor=5), TypeError, r"`monitor`"),
    row("early-min-delta-negative", lambda c: lt.EarlyStopping(min_delta=-1), ValueError, r"`min_delta`"),
    row("early-min-delta-nan", lambda c: lt.EarlyStopping(min_delta=float("nan")), ValueError, r"`min_delta`"),
    row("early-restore-str", lambda c: lt.EarlyStopping(restore_best_weights="yes"), TypeError, r"`restore_best_weights`"),
    row("keep-best-mode-unknown", lambda c: lt.KeepBestWeights(mode="x"), ValueError, r"`mode`"),
]

ROWS = FIT + EVALUATE + PREDICT + PREDICT_PROBA + CONFUSION + GRID + FROM_FRAME + DATASET + SAVE + LOAD + CONSTRUCTORS + CALLBACKS


def test_the_table_has_at_least_100_rows():
    assert len(ROWS) >= 100
    assert len({r.id for r in ROWS}) == len(ROWS), "row ids must be unique"


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("call, error, words", ROWS)
def test_a_bad_input_raises_a_named_error_and_changes_nothing(ctx, call, error, words):
    folders = {folder: _folder_state(folder) for folder in (ctx.tmp, ctx.files)}
    before = _weights(ctx.models())
    with pytest.raises(Exception) as info:
        call(ctx)
    exc = info.value
    where = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    assert isinstance(exc, error), f"expected {error}, got {where}"
    assert re.search(words, str(exc), re.S), f"the message does not hold {words!r}: {where}"
    for folder, state in folders.items():
        assert _folder_state(folder) == state, f"the call wrote to {folder}"
    after = _weights(ctx.models())
    for name, weights in before.items():
        changed = [k for k in weights if not _same(weights[k], after[name][k])]
        assert not changed, f"the call changed the weights of `{name}`: {changed}"


# --- divergence: training changed the weights by design, so these are not table rows ------------------

def _regression(n: int = 200):
    x = np.random.default_rng(0).random((n, 2), dtype=np.float32)
    return x, x.sum(1)


def test_divergence_stops_with_a_named_error_the_partial_history_and_finite_weights():
    model = lt.LinearRegression(2)
    with pytest.raises(lt.TrainingDiverged, match=r"epoch 1 .*`lr`") as info:
        lt.fit(model, _regression(), epochs=5, lr=1e6, on_divergence="stop", progress=False, device="cpu")
    assert isinstance(info.value, ValueError)
    # Caught in its first epoch (against the loss before training): the history holds no epoch yet.
    assert info.value.history is not None and info.value.history.epochs == 0
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())


def test_a_finite_loss_that_explodes_from_the_start_is_reported():
    with pytest.raises(lt.TrainingDiverged):
        lt.fit(lt.LinearRegression(2), _regression(), epochs=5, lr=1e6, optimizer="adam", on_divergence="stop",
               progress=False, device="cpu")


def test_divergence_of_a_model_over_10_million_parameters_keeps_finite_weights():
    torch.manual_seed(0)
    big = nn.Sequential(nn.Linear(2, 3200), nn.ReLU(), nn.Linear(3200, 3200), nn.ReLU(), nn.Linear(3200, 1))
    assert sum(p.numel() for p in big.parameters()) > 10_000_000
    x, y = _xy(64)
    with pytest.raises(lt.TrainingDiverged):
        lt.fit(big, (x * 1e30, y), epochs=2, lr=1e10, progress=False, device="cpu")
    assert all(bool(torch.isfinite(p).all()) for p in big.parameters())


# --- inputs that look odd but are fine ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    dict(lr=np.float32(0.1)), dict(lr=np.float64(0.1)), dict(epochs=np.int64(1)), dict(batch_size=np.int32(8)),
    dict(shuffle=np.bool_(False)), dict(seed=np.int64(3)), dict(epochs=1.0), dict(weight_decay=np.float32(0)),
], ids=lambda k: f"{next(iter(k))}-{type(next(iter(k.values()))).__name__}")
def test_numpy_scalars_count_as_the_numbers_they_are(ctx, kwargs):
    history = ctx.fit(**kwargs)
    assert history.epochs == 1


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_inputs_of_any_float_dtype_train_and_predict(ctx, dtype):
    x = torch.from_numpy(ctx.X).to(dtype)
    ctx.fit(train=(x, ctx.Y))
    assert lt.predict(ctx.fresh, x).shape == (40,)


# --- property-based: shapes, dtypes, labels -----------------------------------------------------------

_LEARNTORCH_ERRORS = (ValueError, TypeError)
# A raw error from torch, numpy or pandas names no argument; learntorch's always do.
_NAMED = re.compile(r"`[A-Za-z_][A-Za-z0-9_\[\]]*`")

_PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _works_or_names_an_argument(call: Callable[[], Any]) -> Any:
    """The call's result, or None when it raised a learntorch error that names an argument."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except _LEARNTORCH_ERRORS as exc:
            assert _NAMED.search(str(exc)), f"{type(exc).__name__} names no argument: {exc}"
            assert not _raw(exc), f"a raw error escaped: {type(exc).__module__}.{type(exc).__name__}: {exc}"
            return None


def _raw(exc: BaseException) -> bool:
    """Whether the error was raised inside torch/numpy/pandas and passed through untouched."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "learntorch" not in frames[-1].filename and "test_bad_inputs" not in frames[-1].filename


_DTYPES = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.uint16, np.bool_])
_LABELS = st.sampled_from(["codes", "two-codes", "names", "bools", "floats", "negative", "categorical", "sparse-codes"])


def _labels(kind: str, n: int, rng: np.random.Generator) -> Any:
    codes = rng.integers(0, 3, n)
    return {
        "codes": codes,
        "two-codes": codes % 2,
        "names": np.array(["cat", "dog", "fish"], dtype=object)[codes],
        "bools": codes % 2 == 1,
        "floats": rng.normal(size=n),
        "negative": codes - 1,
        "categorical": pd.Categorical(np.array(["lo", "mid", "hi"])[codes], categories=["lo", "mid", "hi"]),
        "sparse-codes": codes * 5,
    }[kind]


_FLOATS = st.sampled_from([np.float16, np.float32, np.float64])
_INTEGERS = st.sampled_from([np.int8, np.int32, np.int64, np.uint8, np.uint16, np.bool_])


@st.composite
def _data(draw, dtypes=_DTYPES):
    n = draw(st.integers(1, 12))
    width = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(n,), (n, width), (n, width, 2)]))
    dtype = draw(dtypes)
    x = draw(hnp.arrays(dtype, shape, elements=st.booleans() if dtype is np.bool_ else st.integers(0, 3)))
    kind = draw(_LABELS)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    y = _labels(kind, draw(st.sampled_from([n, n, max(n - 1, 0)])), rng)  # sometimes one row short
    return x, y, kind


@_PROPERTY
@given(data=_data(), hidden=st.integers(1, 3), outputs=st.sampled_from([1, 2, 3]))
def test_fit_works_or_names_an_argument(data, hidden, outputs):
    x, y, _ = data
    features = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
    model = lt.MLP(features, hidden=(hidden,), out_features=outputs)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    history = _works_or_names_an_argument(
        lambda: lt.fit(model, (x, y), epochs=1, batch_size=4, progress=False, device="cpu"))
    if history is None:
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "a refused fit changed the weights"
        return
    assert history.epochs == 1 and math.isfinite(history["train_loss"][0])
    predictions = _works_or_names_an_argument(lambda: lt.predict(model, x))
    assert predictions is not None and len(predictions) == len(x)


@_PROPERTY
@given(data=_data(_FLOATS))
def test_evaluate_and_predict_work_or_name_an_argument(data):
    _evaluate_and_predict(data)


@_PROPERTY
@given(data=_data(_INTEGERS))
def test_evaluate_and_predict_take_integer_inputs_or_name_them(data):
    _evaluate_and_predict(data)


def _evaluate_and_predict(data) -> None:
    x, y, kind = data
    features = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
    torch.manual_seed(0)
    model = lt.MLP(features, hidden=(3,), out_features=3)
    lt.fit(model, (np.random.rand(6, features).astype(np.float32), np.array(["cat", "dog", "fish", "cat", "dog", "fish"])),
           epochs=1, progress=False, device="cpu")
    result = _works_or_names_an_argument(lambda: lt.evaluate(model, (x, y)))
    if result is not None:
        assert set(result) >= {"loss", "accuracy"} and math.isfinite(result["loss"])
    labels = _works_or_names_an_argument(lambda: lt.predict(model, x))
    if labels is not None:
        assert len(labels) == len(x) and set(labels) <= {"cat", "dog", "fish"}
    probs = _works_or_names_an_argument(lambda: lt.predict_proba(model, x))
    if probs is not None:
        assert probs.shape == (len(x), 3) and np.allclose(probs.sum(1), 1, atol=1e-5)


_COLUMN = st.sampled_from(["float32", "float64", "int64", "Int64-with-NA", "bool", "object-floats", "strings",
                           "category", "float-with-nan", "object-mixed"])


def _column(kind: str, n: int, rng: np.random.Generator) -> Any:
    values = rng.normal(size=n)
    if kind == "float32":
        return values.astype(np.float32)
    if kind == "float64":
        return values
    if kind == "int64":
        return rng.integers(0, 3, n)
    if kind == "Int64-with-NA":
        return pd.array([None if i == 0 else int(i % 3) for i in range(n)], dtype="Int64")
    if kind == "bool":
        return values > 0
    if kind == "object-floats":
        return pd.Series(list(values), dtype=object)
    if kind == "strings":
        return np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    if kind == "category":
        return pd.Categorical(np.array(["a", "b"])[rng.integers(0, 2, n)])
    if kind == "float-with-nan":
        return np.where(np.arange(n) == 0, np.nan, values)
    return pd.Series([1.5 if i % 2 else "x" for i in range(n)], dtype=object)


@_PROPERTY
@given(n=st.integers(1, 10), inputs=st.lists(_COLUMN, min_size=1, max_size=3), target=_COLUMN,
       task=st.sampled_from([None, "classification", "regression"]), seed=st.integers(0, 2**16))
def test_from_frame_works_or_names_an_argument(n, inputs, target, task, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": _column(kind, n, rng) for i, kind in enumerate(inputs)})
    frame["y"] = _column(target, n, rng)
    ds = _works_or_names_an_argument(lambda: lt.from_frame(frame, [f"x{i}" for i in range(len(inputs))], "y", task=task))
    if ds is None:
        return
    assert ds.x.shape == (n, len(inputs)) and ds.x.dtype == torch.float32 and len(ds.y) == n
    assert bool(torch.isfinite(ds.x).all())
    if target in ("float32", "float64", "object-floats") and task != "classification":
        assert ds.task == "regression" and ds.classes is None  # numbers stay numbers (issue 14)
