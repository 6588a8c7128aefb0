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


# ---- every task's frames, built by hand (no model) ---------------------------------------------

def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _grid(x1, x2, **columns):
    """A regular grid (x1 varying fastest, as decision_grid gives it) with columns computed from it."""
    g2, g1 = np.meshgrid(x2, x1, indexing="ij")
    frame = pd.DataFrame({"x1": g1.ravel(), "x2": g2.ravel()})
    for name, make in columns.items():
        frame[name] = make(frame)
    return frame


def _three_class_grid(categories=None):
    """Class a (x1 < 0), b (0 <= x1 < 1), c (x1 >= 1); prob falls from 1 to 1/3 along x2."""
    def klass(f):
        values = np.where(f["x1"] < 0, "a", np.where(f["x1"] < 1, "b", "c"))
        return values if categories is None else pd.Categorical(values, categories=categories)
    return _grid(np.linspace(-1, 2, 12), np.linspace(0, 1, 5), **{
        "class": klass, "prob": lambda f: 1 - (2 / 3) * f["x2"]})


def _pixel(ax, x1, x2):
    """The drawn RGB of the grid cell at (x1, x2)."""
    image = np.asarray(ax.images[0].get_array())
    x0, x9, y0, y9 = ax.images[0].get_extent()
    col = int(round((x1 - x0) / (x9 - x0) * (image.shape[1] - 1)))
    row = int(round((x2 - y0) / (y9 - y0) * (image.shape[0] - 1)))
    return image[row, col]


def test_multiclass_grid_regions_take_the_class_colour_faded_to_white_by_prob():
    grid = _three_class_grid()
    ax = lt.plot_decision_boundary(grid)
    assert len(ax.images) == 1
    for x1, colour in ((-1.0, "C0"), (0.6, "C1"), (2.0, "C2")):  # classes a, b, c
        np.testing.assert_allclose(_pixel(ax, x1, 0.0), to_rgb(colour), atol=1e-6)  # prob 1: saturated
        np.testing.assert_allclose(_pixel(ax, x1, 1.0), [1, 1, 1], atol=1e-6)  # prob 1/3: white
        halfway = 1 - 0.5 * (1 - np.array(to_rgb(colour)))  # prob 2/3: half way to white
        np.testing.assert_allclose(_pixel(ax, x1, 0.5), halfway, atol=1e-6)
    assert _legend_texts(ax) == ["a", "b", "c"]  # patches: no samples drawn
    faces = [tuple(h.get_facecolor()) for h in ax.get_legend().legend_handles]
    assert faces == [pytest.approx(to_rgba(c)) for c in ("C0", "C1", "C2")]


def test_multiclass_grid_keeps_the_categorical_order_shared_with_the_samples():
    grid = _three_class_grid(categories=["c", "a", "b"])
    samples = pd.DataFrame({"x1": [-0.5, 0.5, 1.5, 1.6], "x2": [0.5] * 4,
                            "label": pd.Categorical(["a", "b", "c", "c"], categories=["c", "a", "b"])})
    ax = lt.plot_decision_boundary(grid, samples)
    np.testing.assert_allclose(_pixel(ax, 2.0, 0.0), to_rgb("C0"), atol=1e-6)  # c is first
    np.testing.assert_allclose(_pixel(ax, -1.0, 0.0), to_rgb("C1"), atol=1e-6)
    drawn = _scatter_by_label(ax)
    assert drawn["c"][1] == pytest.approx(to_rgba("C0")) and drawn["a"][1] == pytest.approx(to_rgba("C1"))
    np.testing.assert_allclose(drawn["c"][0], [[1.5, 0.5], [1.6, 0.5]])
    assert _legend_texts(ax) == ["c", "a", "b"]


def test_multiclass_grid_with_class_codes_and_string_samples_share_one_legend():
    codes = _grid(np.linspace(0, 2, 3), np.linspace(0, 1, 2), **{"class": lambda f: f["x1"].astype(int),
                                                                 "prob": lambda f: np.ones(len(f))})
    ax = lt.plot_decision_boundary(codes)
    assert _legend_texts(ax) == ["Class 0", "Class 1", "Class 2"]
    np.testing.assert_allclose(_pixel(ax, 2.0, 0.0), to_rgb("C2"), atol=1e-6)
    # samples of only some classes: the others still get a legend entry (a patch)
    samples = pd.DataFrame({"x1": [0.1], "x2": [0.5], "label": [1]})
    ax = lt.plot_decision_boundary(codes, samples)
    assert _legend_texts(ax) == ["Class 0", "Class 1", "Class 2"]
    assert _scatter_by_label(ax)["Class 1"][1] == pytest.approx(to_rgba("C1"))


def test_regression_grid_is_a_viridis_surface_with_a_colour_bar_shared_by_the_targets():
    grid = _grid(np.linspace(-1, 1, 9), np.linspace(0, 2, 5), value=lambda f: f["x1"] + f["x2"])
    samples = pd.DataFrame({"x1": [0.0, 0.5], "x2": [1.0, 0.5], "target": [-3.0, 1.0]})
    ax = lt.plot_decision_boundary(grid, samples)
    image = ax.images[0]
    np.testing.assert_allclose(np.asarray(image.get_array()), grid["value"].to_numpy().reshape(5, 9))
    assert image.get_cmap().name == "viridis"
    # one colour scale over the surface and the targets
    assert (image.norm.vmin, image.norm.vmax) == pytest.approx((-3.0, 3.0))
    points = ax.collections[0]
    np.testing.assert_allclose(points.get_array(), [-3.0, 1.0])
    assert points.norm is image.norm and points.get_cmap().name == "viridis"
    colourbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colourbars) == 1 and colourbars[0].get_ylabel() == "prediction"
    assert ax.get_legend() is None


def test_decision_boundary_names_the_samples_column_each_grid_needs():
    regression = _grid([0.0, 1.0], [0.0, 1.0], value=lambda f: f["x1"])
    with pytest.raises(ValueError, match="`data`.*target"):
        lt.plot_decision_boundary(regression, pd.DataFrame({"x1": [0.0], "x2": [0.0], "label": [0]}))
    with pytest.raises(ValueError, match="`data`.*label"):
        lt.plot_decision_boundary(_three_class_grid(), pd.DataFrame({"x1": [0.0], "x2": [0.0], "target": [0.0]}))
    with pytest.raises(ValueError, match="`grid`.*class and prob.*value"):
        lt.plot_decision_boundary(pd.DataFrame({"x1": [0.0], "x2": [0.0], "class": ["a"]}))


def test_binary_grid_with_named_labels_shows_the_names_in_c0_c1():
    grid = _grid([0.0, 1.0], [0.0, 1.0], prob=lambda f: f["x1"])
    samples = pd.DataFrame({"x1": [0.1, 0.9], "x2": [0.5, 0.5], "label": ["yes", "no"]})
    ax = lt.plot_decision_boundary(grid, samples)
    drawn = _scatter_by_label(ax)
    assert drawn["no"][1] == pytest.approx(to_rgba("C0")) and drawn["yes"][1] == pytest.approx(to_rgba("C1"))
    assert _legend_texts(ax) == ["no", "yes"]


def _four_features():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(9, 4)), columns=["sepal_length", "sepal_width", "petal_length",
                                                           "petal_width"])
    frame["label"] = ["c", "a", "b"] * 3
    return frame


def test_plot_samples_with_string_labels_names_them_in_sorted_order():
    frame = _four_features()
    ax = lt.plot_samples(frame)
    assert _legend_texts(ax) == ["a", "b", "c"]
    drawn = _scatter_by_label(ax)
    for label, colour in (("a", "C0"), ("b", "C1"), ("c", "C2")):
        offsets, face = drawn[label]
        np.testing.assert_allclose(offsets, frame.loc[frame["label"] == label, ["sepal_length", "sepal_width"]])
        assert face == pytest.approx(to_rgba(colour))
    # the first two feature columns by default, named on the axes as they are
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("sepal_length", "sepal_width")


def test_plot_samples_draws_the_columns_chosen_by_x_and_y():
    frame = _four_features()
    ax = lt.plot_samples(frame, x="petal_width", y="sepal_length")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("petal_width", "sepal_length")
    np.testing.assert_allclose(_scatter_by_label(ax)["b"][0],
                               frame.loc[frame["label"] == "b", ["petal_width", "sepal_length"]])
    assert lt.plot_samples(lt.continuous_xor(10, seed=0)).get_xlabel() == "$x_1$"  # x1/x2 stay mathtext


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(x="nope"), r"`x` 'nope' is not a feature column of `data`.*petal_width"),
    (dict(y="label"), r"`y` 'label' is not a feature column"),
    (dict(x="sepal_length", y=3), r"`y` 3 is not a feature column"),
])
def test_plot_samples_names_the_argument_of_an_unknown_column(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        lt.plot_samples(_four_features(), **kwargs)


def test_plot_samples_needs_two_features():
    with pytest.raises(ValueError, match="`data` needs two feature columns"):
        lt.plot_samples(pd.DataFrame({"x1": [0.0], "label": [0]}))


@pytest.mark.parametrize("labels, names", [
    (pd.Categorical(["virginica", "setosa", "virginica"], categories=["virginica", "setosa"]),
     ["virginica", "setosa"]),
    ([True, False, True], ["False", "True"]),
    ([1.0, 0.0, 1.0], ["Class 0", "Class 1"]),  # whole-number floats are class codes
])
def test_plot_samples_legend_follows_the_class_order(labels, names):
    frame = pd.DataFrame({"x1": [0.0, 1.0, 2.0], "x2": [0.0, 1.0, 2.0], "label": labels})
    ax = lt.plot_samples(frame)
    assert _legend_texts(ax) == names
    faces = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert faces == [pytest.approx(to_rgba(c)) for c in ("C0", "C1")]


def test_plot_samples_of_a_regression_frame_is_viridis_with_a_colour_bar():
    frame = pd.DataFrame({"x1": [0.0, 1.0, 2.0], "x2": [1.0, 0.0, 2.0], "target": [0.5, -1.0, 3.0]})
    ax = lt.plot_samples(frame)
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_array(), frame["target"])
    np.testing.assert_allclose(points.get_offsets(), frame[["x1", "x2"]])
    assert points.get_cmap().name == "viridis"
    colourbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colourbars) == 1 and colourbars[0].get_ylabel() == "target"
    assert ax.get_legend() is None


@pytest.mark.parametrize("labels, names", [
    (["dog", "cat", "bird"], ["bird", "cat", "dog"]),  # sorted
    (pd.Categorical(["dog", "cat", "bird"], categories=["dog", "cat", "bird"]), ["dog", "cat", "bird"]),
    ([1.0, 0.0, 2.0], ["0", "1", "2"]),  # codes as numbers, not "1.0"
])
def test_plot_confusion_names_the_classes_in_class_order(labels, names):
    pairs = [(t, p) for t in range(3) for p in range(3)]  # positions into `labels`
    take = lambda idx: labels[list(idx)] if isinstance(labels, pd.Categorical) else [labels[i] for i in idx]
    frame = pd.DataFrame({"truth": take(t for t, _ in pairs), "prediction": take(p for _, p in pairs),
                          "count": np.arange(9)})
    ax = lt.plot_confusion(frame)
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    table = np.asarray(ax.images[0].get_array())
    where = {name: i for i, name in enumerate(names)}
    for truth, prediction, count in zip(frame["truth"], frame["prediction"], frame["count"]):
        name = lambda v: str(int(v)) if isinstance(v, float) else v
        assert table[where[name(truth)], where[name(prediction)]] == count
