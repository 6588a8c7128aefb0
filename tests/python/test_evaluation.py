"""learntorch.evaluation: predictions, metrics, the decision grid and the confusion counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import learntorch as lt
from learntorch import losses


@pytest.fixture
def xor(xor_run):
    return xor_run["model"], xor_run["test"]


def test_predict_proba_and_predict_for_a_binary_classifier(xor):
    model, test = xor
    proba = lt.predict_proba(model, test)
    assert isinstance(proba, np.ndarray) and proba.shape == (500,)
    with torch.no_grad():
        want = torch.sigmoid(model(test.x)).reshape(-1).numpy()
    np.testing.assert_allclose(proba, want, rtol=1e-6, atol=1e-7)
    labels = lt.predict(model, test)
    assert labels.shape == (500,) and set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, (want > 0.5).astype(labels.dtype))
    np.testing.assert_array_equal(lt.predict(model, test, threshold=0.99), (want > 0.99).astype(labels.dtype))
    assert not model.training  # evaluation leaves the mode as it found it (eval after fit)


def test_predict_accepts_tensors_arrays_frames_and_pairs(xor):
    model, test = xor
    want = lt.predict_proba(model, test)
    np.testing.assert_allclose(lt.predict_proba(model, test.x), want, rtol=1e-6)
    np.testing.assert_allclose(lt.predict_proba(model, test.x.numpy()), want, rtol=1e-6)
    np.testing.assert_allclose(lt.predict_proba(model, test.x.numpy().astype(np.float64)), want, rtol=1e-5, atol=1e-6)
    frame = test.to_frame()[["x1", "x2"]]  # float64 columns, as from pandas or R
    np.testing.assert_allclose(lt.predict_proba(model, frame), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lt.predict_proba(model, (test.x, test.y)), want, rtol=1e-6)


def test_predict_keeps_the_training_mode_and_needs_no_grad():
    model = lt.SimpleClassifier(2, 4, 1)
    model.train()
    out = lt.predict_proba(model, torch.zeros(3, 2))
    assert model.training
    assert out.shape == (3,)


def test_predict_for_multiclass_and_regression():
    torch.manual_seed(0)
    soft = lt.SoftmaxRegression(4, 3)
    x = torch.randn(20, 4)
    proba = lt.predict_proba(soft, x)
    assert proba.shape == (20, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(lt.predict(soft, x), proba.argmax(axis=1))

    reg = lt.LinearRegression(4)
    pred = lt.predict(reg, x)
    assert pred.shape == (20,)
    with torch.no_grad():
        np.testing.assert_allclose(pred, reg(x).reshape(-1).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="regression"):
        lt.predict_proba(reg, x)


def test_evaluate_matches_a_manual_computation(xor):
    model, test = xor
    result = lt.evaluate(model, test)
    assert set(result) == {"loss", "accuracy"}
    with torch.no_grad():
        logits = model(test.x)
    assert result["loss"] == pytest.approx(losses.bernoulli_nll_manual(logits, test.y).item(), abs=1e-6)
    assert result["accuracy"] == pytest.approx(((logits.reshape(-1) > 0).long() == test.y).float().mean().item())
    named = lt.evaluate(model, test, loss="bernoulli_nll_distribution")
    assert named["loss"] == pytest.approx(result["loss"], abs=1e-6)


def test_evaluate_regression_has_no_accuracy():
    data = lt.linear_regression_data(50, seed=0)
    model = lt.LinearRegression(2)
    result = lt.evaluate(model, data)
    assert set(result) == {"loss"}
    with torch.no_grad():
        want = ((model(data.x).reshape(-1) - data.y) ** 2).mean().item()
    assert result["loss"] == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("call, error, pattern", [
    (lambda m: lt.evaluate(m, torch.zeros(4, 2)), TypeError, "`data` must carry targets"),
    (lambda m: lt.evaluate("model", lt.continuous_xor(4, seed=0)), TypeError, "`model`"),
    (lambda m: lt.evaluate(m, "data.csv"), TypeError, "`data`"),
    (lambda m: lt.predict(m, torch.tensor([[0.0, float("nan")]])), ValueError, "`x`.*NaN"),
    (lambda m: lt.predict_proba(m, np.array([[0.0, np.nan]])), ValueError, "`x`.*NaN"),
    (lambda m: lt.predict(m, torch.zeros(4, 3)), ValueError, "`x`.*2 features"),
    (lambda m: lt.predict(m, torch.zeros(4, 2), threshold=1.5), ValueError, "`threshold`"),
    (lambda m: lt.evaluate(m, (torch.zeros(2, 2), torch.tensor([0, 3]))), ValueError, r"label 3 in `data`.*classes 0..1"),
])
def test_evaluation_rejects_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(lt.SimpleClassifier(2, 4, 1))


# --- decision_grid ---------------------------------------------------------------------------

def test_decision_grid_shape_order_bounds_and_values(xor):
    model, _ = xor
    res = 25
    grid = lt.decision_grid(model, xlim=(-0.5, 1.5), ylim=(-1.0, 2.0), resolution=res)
    assert list(grid.columns) == ["x1", "x2", "prob"]
    assert len(grid) == res * res
    assert all(grid[c].dtype == np.float32 or grid[c].dtype == np.float64 for c in grid.columns)
    xs = np.linspace(-0.5, 1.5, res)
    ys = np.linspace(-1.0, 2.0, res)
    # x1 varies fastest: row k is (xs[k % res], ys[k // res])
    np.testing.assert_allclose(grid["x1"].to_numpy(), np.tile(xs, res), atol=1e-6)
    np.testing.assert_allclose(grid["x2"].to_numpy(), np.repeat(ys, res), atol=1e-6)
    assert grid["x1"].min() == pytest.approx(-0.5) and grid["x1"].max() == pytest.approx(1.5)
    assert grid["x2"].min() == pytest.approx(-1.0) and grid["x2"].max() == pytest.approx(2.0)
    with torch.no_grad():
        points = torch.tensor(grid[["x1", "x2"]].to_numpy(), dtype=torch.float32)
        want = torch.sigmoid(model(points)).reshape(-1).numpy()
    np.testing.assert_allclose(grid["prob"].to_numpy(), want, rtol=1e-6, atol=1e-7)
    assert grid["prob"].between(0, 1).all()
    # the trained XOR net: the corners (0,0) and (1,1) are class 0, (0,1) and (1,0) class 1
    corner = lt.decision_grid(model, xlim=(0, 1), ylim=(0, 1), resolution=2)
    assert (corner["prob"].to_numpy() > 0.5).tolist() == [False, True, True, False]


def test_decision_grid_default_resolution():
    grid = lt.decision_grid(lt.SimpleClassifier(2, 4, 1))
    assert len(grid) == 200 * 200


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(resolution=1), "`resolution`"),
    (dict(resolution=0), "`resolution`"),
    (dict(resolution=2.5), "`resolution`"),
    (dict(xlim=(1, 0)), "`xlim`"),
    (dict(xlim=(0, 1, 2)), "`xlim`"),
    (dict(ylim=(0, float("inf"))), "`ylim`"),
])
def test_decision_grid_rejects_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        lt.decision_grid(lt.SimpleClassifier(2, 4, 1), **kwargs)


def test_decision_grid_has_a_frame_for_each_task():
    multi = lt.decision_grid(lt.SoftmaxRegression(2, 3), resolution=5)
    assert list(multi.columns) == ["x1", "x2", "class", "prob"]
    assert set(multi["class"]) <= {0, 1, 2} and multi["prob"].between(1 / 3, 1).all()
    regression = lt.decision_grid(lt.LinearRegression(2), resolution=5)
    assert list(regression.columns) == ["x1", "x2", "value"]
    with pytest.raises(ValueError, match="two inputs"):
        lt.decision_grid(lt.LinearRegression(3), lt.linear_regression_data(10, weights=(1.0, 2.0, 3.0)))


# --- confusion_matrix ------------------------------------------------------------------------

def test_confusion_matrix_counts_match_a_manual_count(xor):
    model, test = xor
    frame = lt.confusion_matrix(model, test)
    assert list(frame.columns) == ["truth", "prediction", "count"]
    assert len(frame) == 4 and frame["count"].sum() == len(test)
    pred = lt.predict(model, test)
    truth = test.y.numpy()
    for row in frame.itertuples():
        assert row.count == int(((truth == row.truth) & (pred == row.prediction)).sum())
    assert sorted(zip(frame["truth"], frame["prediction"])) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_confusion_matrix_lists_every_pair_for_multiclass():
    torch.manual_seed(0)
    model = lt.SoftmaxRegression(2, 3)
    x = torch.randn(60, 2)
    y = torch.arange(60) % 3
    frame = lt.confusion_matrix(model, (x, y))
    assert len(frame) == 9 and frame["count"].sum() == 60
    want = pd.crosstab(pd.Series(y.numpy(), name="truth"), pd.Series(lt.predict(model, x), name="prediction"))
    for row in frame.itertuples():
        got = want.loc[row.truth, row.prediction] if row.prediction in want.columns else 0
        assert row.count == got
    with pytest.raises(TypeError, match="`data` must carry targets"):
        lt.confusion_matrix(model, x)
