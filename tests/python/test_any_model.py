"""The user's own PyTorch: every model x every kind of data x the losses of its task.

Each combination trains, evaluates, predicts the original labels with the right shapes, and
saves and loads with identical predictions. Runs with numpy 1 / pandas 2 and numpy 2 / pandas 3
(`make test` runs this suite in both venvs).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

import learntorch as lt

N = 120
NAMES = {"binary": ["neg", "pos"], "multiclass": ["red", "green", "blue"]}


class FlatLogit(nn.Module):
    """A custom module whose binary output is (N,), not (N, 1)."""

    def __init__(self, n_in: int = 2, n_hidden: int = 8) -> None:
        super().__init__()
        self.n_in, self.n_hidden = n_in, n_hidden
        self.body = nn.Sequential(nn.Linear(n_in, n_hidden), nn.Tanh(), nn.Linear(n_hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).squeeze(1)  # (N,)


class RowDataset(Dataset):
    """A map-style Dataset of the user's own, returning (x, y) per row."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


MODELS = {
    "lt_simple_binary": ("binary", lambda: lt.SimpleClassifier(2, 8, 1)),
    "lt_softmax_3": ("multiclass", lambda: lt.SoftmaxRegression(2, 3)),
    "lt_linear_regression": ("regression", lambda: lt.LinearRegression(2)),
    "seq_binary": ("binary", lambda: nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))),
    "seq_3class": ("multiclass", lambda: nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))),
    "seq_regression": ("regression", lambda: nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))),
    "batchnorm_dropout_3class": ("multiclass", lambda: nn.Sequential(
        nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))),
    "float64_binary": ("binary", lambda: nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()),
    "custom_flat_binary": ("binary", lambda: FlatLogit(2, 8)),
}

LOSSES = {
    "binary": {"default": None, "bce": "bce",
               "BCEWithLogits(pos_weight)": lambda: nn.BCEWithLogitsLoss(pos_weight=torch.tensor(1.5))},
    "multiclass": {"default": None,
                   "CrossEntropy(weight, smoothing)": lambda: nn.CrossEntropyLoss(
                       weight=torch.tensor([1.0, 2.0, 1.0]), label_smoothing=0.05)},
    "regression": {"default": None, "MSELoss": lambda: nn.MSELoss(), "L1Loss": lambda: nn.L1Loss(),
                   "HuberLoss": lambda: nn.HuberLoss()},
}

DATA = ["lt_dataset", "tensors", "numpy", "pandas_names", "TensorDataset", "custom_Dataset", "DataLoader"]


def _problem(task: str):
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(N, 2, generator=gen)
    if task == "regression":
        return x, x[:, 0] - 2 * x[:, 1] + 0.1 * torch.randn(N, generator=gen)
    if task == "binary":
        return x, (x[:, 0] + x[:, 1] > 0).long()
    return x, torch.bucketize(x[:, 0].contiguous(), torch.tensor([-0.4, 0.4]))  # 0, 1, 2 by x1


def _data(kind: str, task: str, x: torch.Tensor, y: torch.Tensor):
    """``kind`` of data holding (x, y), and the labels ``predict`` should give back."""
    named = task != "regression" and kind == "pandas_names"
    truth = np.asarray(NAMES[task], dtype=object)[y.numpy()] if named else y.numpy()
    if kind == "lt_dataset":
        data = lt.TensorDataset(x, y, task="regression" if task == "regression" else "classification")
    elif kind == "tensors":
        data = (x, y)
    elif kind == "numpy":
        data = (x.numpy().astype(np.float64), y.numpy())
    elif kind == "pandas_names":
        frame = pd.DataFrame({"f1": x[:, 0].numpy(), "f2": x[:, 1].numpy()})
        frame["label"] = list(truth) if named else y.numpy()
        data = frame
    elif kind == "TensorDataset":
        data = TensorDataset(x, y)
    elif kind == "custom_Dataset":
        data = RowDataset(x, y)
    else:
        data = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
    return data, truth


def _cases():
    for (model_name, (task, _)), kind in itertools.product(MODELS.items(), DATA):
        for loss_name in LOSSES[task]:
            yield pytest.param(model_name, kind, loss_name, id=f"{model_name}-{kind}-{loss_name}")


@pytest.mark.parametrize("model_name, kind, loss_name", list(_cases()))
def test_any_model_any_data_any_loss(model_name, kind, loss_name, tmp_path):
    task, make = MODELS[model_name]
    torch.manual_seed(0)
    model = make()
    x, y = _problem(task)
    data, truth = _data(kind, task, x, y)
    loss = LOSSES[task][loss_name]
    loss = loss() if callable(loss) else loss

    history = lt.fit(model, data, epochs=15, batch_size=32, loss=loss, optimizer="adam", lr=0.05, seed=0)
    assert history.epochs == 15 and math.isfinite(history["train_loss"][-1])
    assert history.params["task"] == task

    # Inputs for prediction in the same form (frames by column name, Datasets and loaders too).
    inputs = data if kind in ("pandas_names", "lt_dataset") else x
    predictions = lt.predict(model, inputs)
    assert predictions.shape == (N,)
    metrics = lt.evaluate(model, data)
    if task == "regression":
        assert predictions.dtype.kind == "f"
        assert set(metrics) == {"loss"}
        assert np.corrcoef(predictions, truth)[0, 1] > 0.8
    else:
        assert set(predictions.tolist()) <= set(truth.tolist())
        if kind == "pandas_names":
            assert all(isinstance(p, str) for p in predictions)  # the names, not codes
        else:
            assert predictions.dtype.kind == "i"
        assert metrics["accuracy"] == pytest.approx(np.mean(predictions == truth))
        assert metrics["accuracy"] > 0.7
        probs = lt.predict_proba(model, inputs)
        assert probs.shape == ((N,) if task == "binary" else (N, 3))
        confusion = lt.confusion_matrix(model, data)
        k = len(NAMES[task])
        assert len(confusion) == k * k and confusion["count"].sum() == N
        if kind == "pandas_names":
            assert list(confusion["truth"].unique()) == sorted(NAMES[task])

    path = lt.save(model, tmp_path / "m.pt")
    try:
        loaded = lt.load(path)
    except ValueError as exc:  # arguments that cannot be recorded: load into an instance
        assert "model=" in str(exc)
        loaded = lt.load(path, model=make())
    assert np.array_equal(lt.predict(loaded, inputs), predictions)


def test_a_model_ending_in_sigmoid_trains_with_bce_on_probabilities():
    torch.manual_seed(0)
    x, y = _problem("binary")
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
    lt.fit(model, (x, y), epochs=30, optimizer="adam", lr=0.05)
    assert lt.evaluate(model, (x, y))["accuracy"] > 0.9
    probs = lt.predict_proba(model, x)
    assert np.allclose(probs, model(x).detach().numpy().ravel(), atol=1e-6)  # no second sigmoid

    explicit = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    lt.fit(explicit, (x, y.float()), epochs=30, loss=nn.BCELoss(), optimizer="adam", lr=0.1)
    assert lt.evaluate(explicit, (x, y))["accuracy"] > 0.9


def test_a_sigmoid_before_a_logits_loss_warns_with_the_fix():
    x, y = _problem("binary")
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with pytest.warns(UserWarning, match="remove the final Sigmoid.*nn.BCELoss"):
        lt.fit(model, (x, y.float()), epochs=1, loss=nn.BCEWithLogitsLoss())


def test_loss_settings_are_honoured_not_replaced():
    x, y = _problem("multiclass")
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(2, 3))
    b = nn.Sequential(nn.Linear(2, 3))
    b.load_state_dict(a.state_dict())
    plain = lt.fit(a, (x, y), epochs=3, loss=nn.CrossEntropyLoss(), seed=0)
    weighted = lt.fit(b, (x, y), epochs=3, loss=nn.CrossEntropyLoss(weight=torch.tensor([1.0, 5.0, 1.0])), seed=0)
    assert plain["train_loss"] != weighted["train_loss"]
    with pytest.raises(ValueError, match="reduction='none'"):
        lt.fit(nn.Linear(2, 1), (x, y.float()), epochs=1, loss=nn.MSELoss(reduction="none"))


def test_the_task_is_decided_in_order_and_ambiguity_asks_for_task():
    x, y = _problem("binary")
    whole = torch.tensor([3.0, 7.0, 12.0]).repeat(N // 3)
    reg = nn.Linear(2, 1)
    lt.fit(reg, (x, whole), epochs=1)  # whole-number float targets are values, not labels
    assert lt.tasks.get_spec(reg).task == "regression"
    with pytest.raises(ValueError, match="task='binary'.*task='regression'"):
        lt.fit(nn.Linear(2, 1), (x, y.float()), epochs=1)
    m = nn.Linear(2, 1)
    lt.fit(m, (x, y.float()), epochs=1, task="binary")
    assert lt.predict(m, x).dtype.kind == "i"
    m = nn.Linear(2, 1)
    lt.fit(m, (x, y.float()), epochs=1, loss="mse")  # the loss decides before the data
    assert lt.tasks.get_spec(m).task == "regression"
    with pytest.raises(ValueError, match="`task`"):
        lt.fit(nn.Linear(2, 1), (x, y), epochs=1, task="ordinal")


def test_string_labels_round_trip_in_class_order_and_unknown_labels_are_named():
    x, y = _problem("multiclass")
    labels = pd.Categorical(np.asarray(["low", "mid", "high"], dtype=object)[y.numpy()],
                            categories=["low", "mid", "high"])
    model = nn.Sequential(nn.Linear(2, 3))
    lt.fit(model, (x, pd.Series(labels)), epochs=20, optimizer="adam", lr=0.1)
    assert lt.tasks.get_spec(model).classes == ["low", "mid", "high"]  # the categories' order
    assert set(lt.predict(model, x)) <= {"low", "mid", "high"}
    with pytest.raises(ValueError, match="'huge' in `data` is not one of the model's classes"):
        lt.evaluate(model, (x[:2], np.array(["low", "huge"], dtype=object)))


def test_tuple_outputs_need_output_and_then_work():
    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 3)

        def forward(self, x):
            return {"logits": self.linear(x), "features": x}

    x, y = _problem("multiclass")
    with pytest.raises(TypeError, match="`output=`.*'logits'"):
        lt.fit(Pair(), (x, y), epochs=1)
    model = Pair()
    lt.fit(model, (x, y), epochs=5, output="logits")
    assert lt.predict_proba(model, x).shape == (N, 3)


def test_the_width_probe_leaves_batchnorm_untouched_and_restores_the_mode():
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    before = model[1].running_mean.clone()
    model.train()
    x, y = _problem("binary")
    lt.fit(model, (x[:5], y[:5]), epochs=0)
    assert torch.equal(model[1].running_mean, before)


@pytest.mark.parametrize("value", [np.int64(4), 4.0, np.float64(4.0)])
def test_integer_arguments_accept_numpy_integers_and_whole_floats(value):
    model = lt.SimpleClassifier(2, value, 1)
    assert model.config["num_hidden"] == 4
    x, y = _problem("binary")
    history = lt.fit(model, (x, y), epochs=value, batch_size=np.int64(32))
    assert history.epochs == 4
