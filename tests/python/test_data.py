"""learntorch.data: the generators, the dataset object, the fast batch iterator and the split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import learntorch as lt
from _lt_helpers import tutorial_xor_dataset


# --- continuous_xor ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 7, 200])
def test_continuous_xor_equals_tutorial_xordataset_under_seed_42(size):
    torch.manual_seed(42)
    want_x, want_y = tutorial_xor_dataset(size)
    got = lt.continuous_xor(size, seed=42)
    assert torch.equal(got.x, want_x)
    assert torch.equal(got.y, want_y)
    assert got.x.dtype == torch.float32 and got.y.dtype == torch.long


def test_continuous_xor_without_seed_draws_from_torch_global_generator():
    torch.manual_seed(42)
    want_x, want_y = tutorial_xor_dataset(50, std=0.3)
    torch.manual_seed(42)
    got = lt.continuous_xor(50, std=0.3)
    assert torch.equal(got.x, want_x) and torch.equal(got.y, want_y)


def test_continuous_xor_seed_is_local_and_reproducible():
    torch.manual_seed(1)
    before = torch.rand(1)
    torch.manual_seed(1)
    a = lt.continuous_xor(100, seed=3)
    after = torch.rand(1)
    assert torch.equal(before, after), "a seeded generator must not consume torch's global stream"
    b = lt.continuous_xor(100, seed=3)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    c = lt.continuous_xor(100, seed=4)
    assert not torch.equal(a.x, c.x)


def test_continuous_xor_labels_follow_the_corners():
    ds = lt.continuous_xor(400, std=0.0, seed=0)
    corners = ds.x
    assert set(np.unique(corners.numpy())) <= {0.0, 1.0}
    assert torch.equal(ds.y, (corners.sum(1) == 1).long())
    noisy = lt.continuous_xor(400, std=0.1, seed=0)
    assert torch.equal(noisy.y, ds.y)  # labels are computed before the noise
    assert (noisy.x - corners).abs().max() < 1.0


def test_dataset_len_indexing_to_frame_and_dataloader():
    ds = lt.continuous_xor(37, seed=1)
    assert len(ds) == 37
    x0, y0 = ds[0]
    assert torch.equal(x0, ds.x[0]) and torch.equal(y0, ds.y[0])
    frame = ds.to_frame()
    assert list(frame.columns) == ["x1", "x2", "label"]
    assert len(frame) == 37
    np.testing.assert_array_equal(frame[["x1", "x2"]].to_numpy(), ds.x.numpy())
    np.testing.assert_array_equal(frame["label"].to_numpy(), ds.y.numpy())
    assert pd.api.types.is_integer_dtype(frame["label"])
    assert pd.api.types.is_float_dtype(frame["x1"])
    # torch's own DataLoader still works on the dataset
    loader = torch.utils.data.DataLoader(ds, batch_size=10, shuffle=False)
    xs, ys = zip(*loader)
    assert torch.equal(torch.cat(xs), ds.x) and torch.equal(torch.cat(ys), ds.y)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: lt.continuous_xor(0), "size"),
        (lambda: lt.continuous_xor(-5), "size"),
        (lambda: lt.continuous_xor(10, std=-0.1), "std"),
        (lambda: lt.continuous_xor(10, std=float("nan")), "std"),
        (lambda: lt.two_moons(0), "size"),
        (lambda: lt.two_moons(10, noise=-1), "noise"),
        (lambda: lt.linear_regression_data(0), "size"),
        (lambda: lt.linear_regression_data(10, noise=-1), "noise"),
        (lambda: lt.linear_regression_data(10, weights=[]), "weights"),
        (lambda: lt.linear_regression_data(10, weights=[1.0, float("nan")]), "weights"),
    ],
)
def test_generators_reject_bad_arguments_naming_them(call, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call()


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: lt.continuous_xor("ten"), "size"),
        (lambda: lt.continuous_xor(2.5), "size"),
        (lambda: lt.continuous_xor(10, std="big"), "std"),
        (lambda: lt.continuous_xor(10, seed="x"), "seed"),
        (lambda: lt.linear_regression_data(10, bias="b"), "bias"),
    ],
)
def test_generators_reject_wrong_types_naming_them(call, argument):
    with pytest.raises(TypeError, match=f"`{argument}`"):
        call()


# --- the other generators ----------------------------------------------------------------------

def test_two_moons_shape_balance_and_seed():
    ds = lt.two_moons(301, noise=0.1, seed=0)
    assert ds.x.shape == (301, 2) and ds.y.shape == (301,)
    assert sorted(torch.bincount(ds.y).tolist()) == [150, 151]
    again = lt.two_moons(301, noise=0.1, seed=0)
    assert torch.equal(ds.x, again.x) and torch.equal(ds.y, again.y)
    # without noise every point lies on its unit half circle
    clean = lt.two_moons(200, noise=0.0, seed=0)
    outer = clean.x[clean.y == 0]
    inner = clean.x[clean.y == 1]
    torch.testing.assert_close(outer.norm(dim=1), torch.ones(len(outer)))
    torch.testing.assert_close((inner - torch.tensor([1.0, 0.5])).norm(dim=1), torch.ones(len(inner)))
    assert (outer[:, 1] >= -1e-6).all() and (inner[:, 1] <= 0.5 + 1e-6).all()


def test_linear_regression_data_follows_its_formula():
    ds = lt.linear_regression_data(500, weights=(2.0, -3.4), bias=4.2, noise=0.0, seed=1)
    assert ds.x.shape == (500, 2) and ds.y.shape == (500,)
    assert ds.task == "regression"
    torch.testing.assert_close(ds.y, ds.x @ torch.tensor([2.0, -3.4]) + 4.2)
    assert torch.equal(ds.true_weights, torch.tensor([2.0, -3.4]))
    assert ds.true_bias == 4.2
    assert list(ds.to_frame().columns) == ["x1", "x2", "target"]
    noisy = lt.linear_regression_data(5000, noise=0.5, seed=1)
    resid = noisy.y - (noisy.x @ noisy.true_weights + noisy.true_bias)
    assert abs(resid.std().item() - 0.5) < 0.05


def test_crop_yields_loads_the_tutorials_five_rows():
    ds = lt.crop_yields()
    assert len(ds) == 5
    want_x = [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]]
    want_y = [[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]]
    assert torch.equal(ds.x, torch.tensor(want_x, dtype=torch.float32))
    assert torch.equal(ds.y, torch.tensor(want_y, dtype=torch.float32))
    frame = ds.to_frame()
    assert list(frame.columns) == ["temperature", "rainfall", "humidity", "apples", "oranges"]
    assert frame.shape == (5, 5)
    assert ds.task == "regression"


def test_tensor_dataset_validates_its_inputs():
    with pytest.raises(ValueError, match="`x`.*NaN"):
        lt.TensorDataset(torch.tensor([[0.0, float("nan")]]), torch.tensor([1]))
    with pytest.raises(ValueError, match="`x`.*rows.*`y`"):
        lt.TensorDataset(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="`task`"):
        lt.TensorDataset(torch.zeros(3, 2), torch.zeros(3), task="clustering")
    with pytest.raises(ValueError, match="`y`"):
        lt.TensorDataset(torch.zeros(3, 2), torch.tensor([0.0, 0.5, 1.0]), task="classification")


def test_from_frame_builds_a_dataset_and_codes_factor_labels():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 1.0, 0.0], "kind": ["no", "yes", "no"]})
    ds = lt.from_frame(frame, x=["a", "b"], y="kind")
    assert ds.task == "classification"
    assert ds.y.tolist() == [0, 1, 0]
    assert list(ds.to_frame().columns) == ["a", "b", "label"]
    with pytest.raises(ValueError, match="not found"):
        lt.from_frame(frame, x=["a", "zzz"], y="kind")
    with pytest.raises(TypeError, match="`frame`"):
        lt.from_frame({"a": [1]}, x=["a"], y="a")


# --- the fast batch iterator -------------------------------------------------------------------

def _indexed(n):
    """x's first column and y both hold the row's index, so batches show which rows they carry."""
    idx = torch.arange(n)
    return torch.stack([idx.float(), -idx.float()], dim=1), idx


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("n, batch_size", [(103, 10), (100, 10), (5, 128), (1, 1)])
def test_batch_iterator_yields_every_sample_exactly_once_per_epoch(shuffle, n, batch_size):
    x, y = _indexed(n)
    it = lt.BatchIterator(x, y, batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(0))
    for _ in range(3):  # several epochs, each a full pass
        batches = list(it)
        assert len(batches) == len(it) == -(-n // batch_size)
        seen = torch.cat([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(n))
        for xb, yb in batches:
            assert torch.equal(xb[:, 0].long(), yb) and torch.equal(xb[:, 1], -xb[:, 0])  # rows stay paired
            assert len(xb) <= batch_size
        assert all(len(xb) == batch_size for xb, _ in batches[:-1])
        if not shuffle:
            assert seen.tolist() == list(range(n))


@pytest.mark.parametrize("shuffle", [True, False])
def test_batch_iterator_drop_last_yields_only_full_batches_without_repeats(shuffle):
    x, y = _indexed(103)
    it = lt.BatchIterator(x, y, 10, shuffle=shuffle, drop_last=True, generator=torch.Generator().manual_seed(0))
    batches = list(it)
    assert len(batches) == len(it) == 10
    assert all(len(yb) == 10 for _, yb in batches)
    seen = torch.cat([yb for _, yb in batches]).tolist()
    assert len(set(seen)) == 100 and set(seen) <= set(range(103))


def test_batch_iterator_reshuffles_each_epoch_and_is_seeded():
    x, y = _indexed(64)
    a = lt.batches(lt.TensorDataset(x, y), 8, seed=5)
    b = lt.batches(lt.TensorDataset(x, y), 8, seed=5)
    first = torch.cat([yb for _, yb in a])
    second = torch.cat([yb for _, yb in a])
    assert not torch.equal(first, second), "each epoch draws a new permutation"
    assert torch.equal(first, torch.cat([yb for _, yb in b]))
    assert torch.equal(second, torch.cat([yb for _, yb in b]))


def test_batch_iterator_rejects_bad_batch_size_and_mismatched_rows():
    x, y = _indexed(10)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="`batch_size`"):
            lt.BatchIterator(x, y, bad)
    with pytest.raises(TypeError, match="`batch_size`"):
        lt.BatchIterator(x, y, "8")
    with pytest.raises(ValueError, match="rows"):
        lt.BatchIterator(x, y[:5], 2)
    with pytest.raises(TypeError, match="`data`"):
        lt.batches([1, 2, 3], 2)


# --- train_val_split ---------------------------------------------------------------------------

@pytest.mark.parametrize("n, fraction, n_valid", [(100, 0.2, 20), (2500, 0.1, 250), (10, 0.25, 2), (3, 0.5, 2)])
def test_train_val_split_sizes_and_disjointness(n, fraction, n_valid):
    x, y = _indexed(n)
    ds = lt.TensorDataset(x, y)
    train, valid = lt.train_val_split(ds, fraction, seed=0)
    assert len(valid) == n_valid and len(train) == n - n_valid
    t, v = set(train.y.tolist()), set(valid.y.tolist())
    assert not t & v
    assert t | v == set(range(n))
    assert torch.equal(train.x[:, 0].long(), train.y)  # rows stay paired
    assert train.task == valid.task == ds.task
    assert train.feature_names == ds.feature_names


def test_train_val_split_is_seeded():
    ds = lt.continuous_xor(200, seed=0)
    a_train, a_valid = lt.train_val_split(ds, 0.3, seed=1)
    b_train, b_valid = lt.train_val_split(ds, 0.3, seed=1)
    assert torch.equal(a_train.x, b_train.x) and torch.equal(a_valid.x, b_valid.x)
    c_train, _ = lt.train_val_split(ds, 0.3, seed=2)
    assert not torch.equal(a_train.x, c_train.x)


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, "half", 0.0001])
def test_train_val_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="`fraction`"):
        lt.train_val_split(lt.continuous_xor(100, seed=0), fraction)


def test_train_val_split_needs_a_dataset():
    with pytest.raises(TypeError, match="`dataset`"):
        lt.train_val_split((torch.zeros(4, 2), torch.zeros(4)), 0.5)


def test_tensor_dataset_takes_float64_arrays_as_float32():
    """numpy, pandas and R hand over float64; the models' weights are float32."""
    x = np.random.default_rng(0).normal(size=(10, 2))
    ds = lt.TensorDataset(x, np.arange(10) % 2)
    assert ds.x.dtype == torch.float32 and ds.task == "classification" and ds.y.dtype == torch.long
    np.testing.assert_allclose(ds.x.numpy(), x, rtol=1e-6)
    reg = lt.TensorDataset(x, x[:, 0] * 2.0)
    assert reg.task == "regression" and reg.y.dtype == torch.float32


# --- memory: no needless copies of the data ---------------------------------------------------------

from learntorch import adapters  # noqa: E402
from learntorch.arrays import frame_matrix, numbers_in_objects  # noqa: E402


def _frame_from_array(x: np.ndarray) -> pd.DataFrame:
    """A frame over ``x``'s memory, as pandas 2 makes one from an array (pandas 3 needs copy=False)."""
    frame = pd.DataFrame(x, columns=[f"p{i}" for i in range(x.shape[1])], copy=False)
    frame["label"] = np.arange(len(x)) % 3
    return frame


def _read_only(x: np.ndarray) -> np.ndarray:
    view = x.view()
    view.flags.writeable = False
    return view


def test_numpy_inputs_are_shared_not_copied():
    x, y = np.random.rand(50, 4).astype(np.float32), np.arange(50) % 2
    table = adapters.as_table((x, y), "train")
    assert np.shares_memory(table.x.numpy(), x)
    ds = lt.TensorDataset(x, y)
    assert np.shares_memory(ds.x.numpy(), x)


def test_a_frame_made_from_an_array_is_read_in_place():
    x = np.random.rand(60, 5).astype(np.float32)
    frame = _frame_from_array(x)
    table = adapters.as_table(frame, "train", y="label")
    assert np.shares_memory(table.x.numpy(), x) and table.x.is_contiguous()
    assert torch.equal(table.x, torch.from_numpy(x))
    assert adapters.as_table(frame, "train", y="label", dtype=torch.float64).x.dtype == torch.float64


def test_read_only_arrays_are_shared_by_fit_but_copied_into_a_dataset(recwarn):
    x = _read_only(np.random.rand(40, 3).astype(np.float32))
    table = adapters.as_table((x, np.arange(40) % 2), "train")
    assert np.shares_memory(table.x.numpy(), x)
    ds = lt.TensorDataset(x, np.arange(40) % 2)
    assert not np.shares_memory(ds.x.numpy(), x)  # the dataset's tensor is the user's to write into
    ds.x[0, 0] = 5.0
    assert x[0, 0] != 5.0
    assert not [w for w in recwarn if "not writable" in str(w.message)]


@pytest.mark.parametrize("layout", ["column-major", "mixed-blocks", "float64", "int"])
def test_frames_that_need_a_copy_get_one_row_major_copy(layout):
    rng = np.random.default_rng(0)
    if layout == "column-major":
        frame = pd.DataFrame({f"c{i}": rng.random(30, dtype=np.float32) for i in range(4)})
    elif layout == "mixed-blocks":
        frame = pd.DataFrame({"a": rng.random(30, dtype=np.float32), "b": rng.random(30),
                              "c": np.arange(30), "d": rng.random(30, dtype=np.float32)})
    elif layout == "float64":
        frame = pd.DataFrame(rng.random((30, 4)))
    else:
        frame = pd.DataFrame(rng.integers(0, 9, (30, 4)))
    columns = list(frame.columns)
    got = frame_matrix(frame, columns, "x", np.dtype(np.float32))
    assert got.flags.c_contiguous and got.dtype == np.float32
    np.testing.assert_array_equal(got, frame.to_numpy(dtype=np.float32))


def test_frame_matrix_names_non_numeric_and_duplicate_columns():
    frame = pd.DataFrame({"a": [1.0, 2.0], "s": ["x", "y"], "k": pd.Categorical(["u", "v"])})
    with pytest.raises(ValueError, match=r"input columns \['s', 'k'\] of `train` are not numeric"):
        frame_matrix(frame, ["a", "s", "k"], "train")
    with pytest.raises(ValueError, match=r"columns \['a'\] of `train` are not unique"):
        frame_matrix(frame, ["a", "a"], "train")


def test_nullable_columns_become_nan_which_the_finiteness_check_names():
    frame = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    with pytest.raises(ValueError, match="`train`.*NaN or infinite"):
        lt.fit(lt.LogisticRegression(2), frame, y="y", epochs=1, progress=False)


def test_from_frame_copies_the_inputs_at_most_once():
    import tracemalloc
    x = np.random.rand(20000, 50).astype(np.float32)  # 4 MB
    frame = _frame_from_array(x)
    tracemalloc.start()
    try:
        ds = lt.from_frame(frame, [f"p{i}" for i in range(50)], "label")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * x.nbytes, f"from_frame allocated {peak / x.nbytes:.2f}x the inputs"
    assert torch.equal(ds.x, torch.from_numpy(x))


def test_float64_frames_convert_to_float32_once():
    import tracemalloc
    frame = pd.DataFrame(np.random.rand(20000, 50), columns=[f"c{i}" for i in range(50)])  # float64, 8 MB
    tracemalloc.start()
    try:
        table = adapters.as_table(frame, "train", x=list(frame.columns)[:-1], y="c49", dtype=torch.float32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.x.dtype == torch.float32
    assert peak < 1.3 * 20000 * 49 * 4, f"{peak / (20000 * 49 * 4):.2f}x the float32 inputs"


def test_large_data_yields_target_batches_as_views_of_one_block():
    # Targets gathered once per epoch: a loop that keeps them holds views, not a small allocation
    # per step that fragments the heap between input batches.
    x, y = torch.randn(6000, 800), torch.arange(6000)  # 19 MB of inputs: the per-batch path
    batches = list(lt.BatchIterator(x, y, 128, shuffle=True, generator=torch.Generator().manual_seed(0)))
    storages = {yb.untyped_storage().data_ptr() for _, yb in batches}
    assert len(storages) == 1
    seen = torch.cat([yb for _, yb in batches])
    assert torch.equal(seen.sort().values, y)
    assert all(torch.equal(xb, x[yb]) for xb, yb in batches)


@pytest.mark.parametrize("values, expected", [
    (pd.Series([-225.0, 3.5, 203.0], dtype=object), np.array([-225.0, 3.5, 203.0])),
    (np.array([1, 2, 3], dtype=object), np.array([1, 2, 3])),
    (pd.Series([1, 2.5, np.int64(3)], dtype=object), np.array([1.0, 2.5, 3.0])),
])
def test_numbers_in_an_object_column_are_numbers(values, expected):
    got = numbers_in_objects(values)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("values", [pd.Series(["a", 1], dtype=object), np.array([True, 1], dtype=object),
                                    pd.Series(["3.5", "-2"], dtype=object), pd.Series([1.0, None], dtype=object)])
def test_names_and_missing_values_stay_labels(values):
    assert numbers_in_objects(values) is values


def test_from_frame_keeps_floats_in_an_object_column_as_regression_targets():
    # Issue 14: these became the category codes 0, 1, 2 and trained a wrong model without a word.
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "t": pd.Series([-225.0, 3.5, 203.0], dtype=object)})
    for task in (None, "regression"):
        ds = lt.from_frame(frame, ["a"], "t", task=task)
        assert ds.task == "regression" and ds.classes is None
        assert torch.equal(ds.y, torch.tensor([-225.0, 3.5, 203.0]))
    strings = frame.assign(t=["-225", "3.5", "203"])
    assert torch.equal(lt.from_frame(strings, ["a"], "t", task="regression").y, torch.tensor([-225.0, 3.5, 203.0]))


def test_fit_on_a_frame_with_floats_in_an_object_column_does_regression():
    frame = pd.DataFrame({"a": np.linspace(0, 1, 20), "t": pd.Series(list(np.linspace(-100, 100, 20)), dtype=object)})
    history = lt.fit(lt.LinearRegression(1), frame, y="t", epochs=1, progress=False)
    assert history.params["task"] == "regression"
