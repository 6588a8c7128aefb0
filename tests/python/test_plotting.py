"""learntorch.plotting: each renderer draws exactly the tidy frame it is given."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb, to_rgba

import learntorch as lt


@pytest.fixture
def samples():
    return lt.continuous_xor(60, seed=0)


@pytest.fixture
def history():
    train, valid = lt.train_val_split(lt.continuous_xor(200, seed=0), 0.25, seed=0)
    torch.manual_seed(0)
    return lt.fit(lt.SimpleClassifier(2, 4, 1), train, valid=valid, epochs=4, batch_size=50, seed=0,
                  progress=False)


def _scatter_by_label(ax):
    """{label text: (offsets, facecolour)} for each scatter in the Axes."""
    out = {}
    for coll in ax.collections:
        out[coll.get_label()] = (np.asarray(coll.get_offsets()), tuple(coll.get_facecolor()[0]))
    return out


@pytest.mark.parametrize("as_frame", [True, False])
def test_plot_samples_holds_the_points_of_each_class_in_c0_c1(samples, as_frame):
    frame = samples.to_frame()
    ax = lt.plot_samples(frame if as_frame else samples)
    assert isinstance(ax, Axes)
    drawn = _scatter_by_label(ax)
    assert set(drawn) == {"Class 0", "Class 1"}
    for label, colour in ((0, "C0"), (1, "C1")):
        offsets, face = drawn[f"Class {label}"]
        want = frame.loc[frame["label"] == label, ["x1", "x2"]].to_numpy()
        np.testing.assert_allclose(offsets, want)
        assert face == pytest.approx(to_rgba(colour))
    assert sum(len(o) for o, _ in drawn.values()) == len(frame)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Class 0", "Class 1"]


def test_plot_samples_draws_on_a_given_axes(samples):
    fig, (left, right) = plt.subplots(1, 2)
    ax = lt.plot_samples(samples, ax=right, title="mine")
    assert ax is right
    assert not left.collections and len(right.collections) == 2
    assert right.get_title() == "mine"
    assert len(plt.get_fignums()) == 1  # no extra figure was opened


def test_plot_decision_boundary_image_is_the_probability_blend(xor_run, samples):
    model = xor_run["model"]
    res = 30
    grid = lt.decision_grid(model, xlim=(-0.5, 1.5), ylim=(-0.25, 1.25), resolution=res)
    ax = lt.plot_decision_boundary(grid, samples)
    assert isinstance(ax, Axes)
    assert len(ax.images) == 1
    image = np.asarray(ax.images[0].get_array())
    assert image.shape == (res, res, 3)
    prob = grid["prob"].to_numpy().reshape(res, res)  # rows follow x2, columns x1 (x1 varies fastest)
    c0, c1 = np.array(to_rgb("C0")), np.array(to_rgb("C1"))
    want = (1 - prob)[..., None] * c0 + prob[..., None] * c1
    np.testing.assert_allclose(image, want, atol=1e-6)
    assert ax.images[0].origin == "lower"  # row 0 (lowest x2) at the bottom
    np.testing.assert_allclose(ax.images[0].get_extent(), [-0.5, 1.5, -0.25, 1.25])
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5)) and ax.get_ylim() == pytest.approx((-0.25, 1.25))
    drawn = _scatter_by_label(ax)
    frame = samples.to_frame()
    for label, colour in ((0, "C0"), (1, "C1")):
        offsets, face = drawn[f"Class {label}"]
        np.testing.assert_allclose(offsets, frame.loc[frame["label"] == label, ["x1", "x2"]].to_numpy())
        assert face == pytest.approx(to_rgba(colour))


def test_plot_decision_boundary_without_data_and_on_a_given_axes(xor_run):
    grid = lt.decision_grid(xor_run["model"], resolution=10)
    shuffled = grid.sample(frac=1.0, random_state=0)  # row order must not matter
    fig, ax = plt.subplots()
    out = lt.plot_decision_boundary(shuffled, ax=ax)
    assert out is ax and not ax.collections
    want = lt.plot_decision_boundary(grid).images[0].get_array()
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), np.asarray(want))


@pytest.mark.parametrize("as_frame", [True, False])
def test_plot_history_lines_hold_the_frame_values(history, as_frame):
    frame = history.to_frame()
    ax = lt.plot_history(frame if as_frame else history)
    assert isinstance(ax, Axes)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train", "valid"}
    for split, colour in (("train", "C0"), ("valid", "C1")):
        part = frame[(frame["split"] == split) & (frame["metric"] == "loss")].sort_values("epoch")
        np.testing.assert_array_equal(lines[split].get_xdata(), part["epoch"].to_numpy())
        np.testing.assert_allclose(lines[split].get_ydata(), part["value"].to_numpy())
        assert to_rgba(lines[split].get_color()) == pytest.approx(to_rgba(colour))
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    acc = lt.plot_history(history, metric="accuracy")
    np.testing.assert_allclose(
        {l.get_label(): l for l in acc.get_lines()}["valid"].get_ydata(), history["valid_accuracy"]
    )


def test_plot_history_rejects_an_unknown_metric(history):
    with pytest.raises(ValueError, match="`metric`.*f1"):
        lt.plot_history(history, metric="f1")


def test_plot_confusion_image_and_counts(xor_run):
    confusion = lt.confusion_matrix(xor_run["model"], xor_run["test"])
    ax = lt.plot_confusion(confusion)
    table = np.asarray(ax.images[0].get_array())
    for row in confusion.itertuples():
        assert table[row.truth, row.prediction] == row.count
    texts = sorted(int(t.get_text()) for t in ax.texts)
    assert texts == sorted(confusion["count"].tolist())


def test_plot_benchmark_bars_are_the_gflops():
    bench = pd.DataFrame({"device": ["cpu", "cuda:0"], "n": [64, 64], "seconds": [0.5, 0.01], "gflops": [1.0, 50.0]})
    ax = lt.plot_benchmark(bench)
    assert [p.get_height() for p in ax.patches] == [1.0, 50.0]


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: lt.plot_samples(pd.DataFrame({"x1": [0.0], "x2": [1.0]})), ValueError, "`data`.*label"),
    (lambda: lt.plot_samples([1, 2, 3]), TypeError, "`data`"),
    (lambda: lt.plot_decision_boundary(pd.DataFrame({"x1": [0.0], "x2": [0.0]})), ValueError, "`grid`.*prob"),
    (lambda: lt.plot_history(pd.DataFrame({"epoch": [1]})), ValueError, "`history`"),
    (lambda: lt.plot_confusion(pd.DataFrame({"truth": [0]})), ValueError, "`confusion`"),
    (lambda: lt.plot_benchmark(pd.DataFrame({"n": [1]})), ValueError, "`bench`"),
])
def test_renderers_reject_frames_without_their_columns(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_renderers_never_call_show(xor_run, history, samples, monkeypatch):
    # conftest already makes plt.show fail; draw everything once to prove none calls it
    grid = lt.decision_grid(xor_run["model"], resolution=5)
    for ax in (lt.plot_samples(samples), lt.plot_decision_boundary(grid, samples), lt.plot_history(history),
               lt.plot_confusion(lt.confusion_matrix(xor_run["model"], samples)),
               lt.plot_benchmark(lt.benchmark_matmul(16, device="cpu", repeats=1))):
        assert isinstance(ax, Axes)
        ax.figure.canvas.draw()  # renders without error
