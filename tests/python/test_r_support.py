"""Rules Python owns for both languages (issue 11): near-miss suggestions, the columns of a
DataFrame, monitor names checked when a callback is made, and the R front end's preprocessor
kept with the model and its checkpoint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import learntorch as lt
from learntorch.adapters import frame_columns
from learntorch.suggest import closest, did_you_mean
from learntorch.tasks import get_spec


@pytest.mark.parametrize("value, choices, expected", [
    ("adamm", ["adam", "adamw", "sgd"], "adam"),
    ("val_loss", ["valid_loss", "train_loss"], "valid_loss"),
    ("validation_accuracy", ["valid_accuracy", "train_accuracy"], "valid_accuracy"),
    ("Adam", ["adam", "sgd"], "adam"),
    ("xyz", ["adam", "sgd"], None),
    (3, ["adam"], None),
])
def test_closest_finds_the_name_meant(value, choices, expected):
    assert closest(value, choices) == expected


def test_did_you_mean_ends_a_message():
    assert did_you_mean("adamm", ["adam"]) == " Did you mean 'adam'?"
    assert did_you_mean("zzz", ["adam"]) == ""


@pytest.mark.parametrize("call, hint", [
    (lambda: lt.optimizer("adamm"), "Did you mean 'adam'?"),
    (lambda: lt.scheduler("stepp"), "Did you mean 'step'?"),
    (lambda: lt.SimpleClassifier(activation="tanhh"), "Did you mean 'tanh'?"),
    (lambda: lt.EarlyStopping(monitor="val_loss"), "Did you mean 'valid_loss'?"),
    (lambda: lt.KeepBestWeights(monitor="valid_accurcy"), "Did you mean 'valid_accuracy'?"),
    (lambda: lt.benchmark_matmul(8, "cpu", 1, "flot32"), "Did you mean 'float32'?"),
])
def test_near_misses_are_suggested(call, hint):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).endswith(hint)


def test_a_monitor_name_no_history_logs_is_refused_when_the_callback_is_made():
    with pytest.raises(TypeError, match="`monitor` must be a metric name"):
        lt.EarlyStopping(monitor=3)
    lt.EarlyStopping(monitor="train_f1")  # a metric some run can log
    lt.ModelCheckpoint(".", monitor=None)
    with pytest.raises(ValueError, match="Did you mean 'valid_loss'"):
        lt.ModelCheckpoint("x.pt", monitor="val_loss")


def test_misspelt_loss_and_metric_are_suggested():
    x, y = torch.rand(8, 2), torch.randint(0, 2, (8,))
    with pytest.raises(ValueError, match="Did you mean 'bce'"):
        lt.fit(lt.SimpleClassifier(), (x, y), epochs=1, loss="bcee", progress=False)
    with pytest.raises(ValueError, match="Did you mean 'accuracy'"):
        lt.fit(lt.SimpleClassifier(), (x, y), epochs=1, metrics="acurracy", progress=False)


def test_frame_columns_is_the_one_rule_for_dataframes():
    assert frame_columns(["x1", "x2", "label"], "data") == (["x1", "x2"], ["label"])
    assert frame_columns(["a", "target", "b"], "data") == (["a", "b"], ["target"])
    assert frame_columns(["a", "b", "c"], "data", y="c") == (["a", "b"], ["c"])
    assert frame_columns(["a", "b", "c"], "data", x=["b"], y="c") == (["b"], ["c"])
    assert frame_columns(["a", "b"], "data", need_targets=False) == (["a", "b"], None)
    with pytest.raises(ValueError, match="name its target column with `y=`"):
        frame_columns(["a", "b"], "data")
    with pytest.raises(ValueError, match=r"given in `y` are not in `data`.*Did you mean 'label'"):
        frame_columns(["a", "label"], "data", y="labell")
    with pytest.raises(ValueError, match=r"columns \['zz'\] are not in `data`"):
        frame_columns(["a", "label"], "data", x=["zz"])


def test_batches_refuses_flags_that_are_not_booleans():
    data = lt.continuous_xor(10, seed=1)
    with pytest.raises(TypeError, match="`shuffle` must be True or False, got 'yes'"):
        lt.batches(data, 4, shuffle="yes")
    with pytest.raises(TypeError, match="`drop_last` must be True or False"):
        lt.batches(data, 4, drop_last=1)


def test_benchmark_takes_a_dtype_by_name():
    row = lt.benchmark_matmul(8, "cpu", 1, "float64")
    assert list(row["n"]) == [8]


def test_the_preprocessor_travels_with_the_model_and_its_checkpoint(tmp_path):
    frame = pd.DataFrame({"x1": np.random.rand(20), "x2": np.random.rand(20), "label": ["a", "b"] * 10})
    model = lt.SimpleClassifier(2, 4, 1)
    lt.fit(model, frame, epochs=1, progress=False)
    spec = get_spec(model)
    assert spec.preprocessor is None
    plain = {"engine": "hardhat", "kind": "formula", "formula": "label ~ x1 + x2",
             "predictors": [{"name": "x1", "type": "double", "levels": None}],
             "outcomes": [{"name": "label", "type": "factor", "levels": ["a", "b"]}]}
    spec.preprocessor = plain
    path = tmp_path / "m.pt"
    lt.save(model, path)
    again = lt.load(path)
    assert get_spec(again).preprocessor == plain
    assert lt.read_checkpoint(path)["spec"]["preprocessor"] == plain


def test_layer_table_lists_layers_with_output_shapes_and_parameters():
    from learntorch.summary import layer_table
    table = layer_table(lt.SimpleClassifier(2, 4, 1))
    assert list(table["layer"]) == ["linear1", "act_fn", "linear2"]
    assert list(table["output_shape"]) == ["(N, 4)", "(N, 4)", "(N, 1)"]
    assert list(table["parameters"]) == [12, 0, 5]
    conv = layer_table(lt.ConvNet(1, 10, 8, 8))
    assert conv["output_shape"].iloc[-1] == "(N, 10)"
    assert conv["parameters"].sum() == sum(p.numel() for p in lt.ConvNet(1, 10, 8, 8).parameters())
    # a Conv2d alone: no input size known, so no shapes, but the parameters are counted
    bare = layer_table(torch.nn.Conv2d(1, 2, 3))
    assert bare["output_shape"].isna().all() and list(bare["parameters"]) == [20]
    assert list(layer_table(torch.nn.Conv2d(1, 2, 3), input_shape=(1, 5, 5))["output_shape"]) == ["(N, 2, 3, 3)"]


def test_a_fit_records_how_many_rows_it_trained_on():
    model = lt.SimpleClassifier(2, 4, 1)
    lt.fit(model, lt.continuous_xor(50, seed=1), epochs=1, progress=False, valid_fraction=0.2)
    assert get_spec(model).nobs == 40
