"""learntorch.sklearn: scikit-learn's own estimator checks, then the workflows a new user tries
(Pipeline, GridSearchCV, cross_val_score, string labels, pickling, checkpoints)."""

from __future__ import annotations

import copy
import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

sklearn = pytest.importorskip("sklearn", minversion="1.6")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_moons, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import learntorch as lt  # noqa: E402
from learntorch.sklearn import (NeuralNetClassifier, NeuralNetRegressor, build_module,  # noqa: E402
                                expected_failed_checks)

# Small and fast: scikit-learn's checks fit each estimator ~150 times on a few hundred rows.
FAST = dict(module__hidden=(16,), epochs=20, batch_size=64, optimizer="adam", lr=0.03, random_state=0)


@parametrize_with_checks([NeuralNetClassifier(**FAST), NeuralNetRegressor(**FAST)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_no_expected_failures():
    assert expected_failed_checks(NeuralNetClassifier()) == {}
    assert expected_failed_checks(NeuralNetRegressor()) == {}


def test_import_learntorch_does_not_import_sklearn():
    import subprocess
    import sys

    code = "import sys, learntorch; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(400, noise=0.15, random_state=0)
    return X.astype(np.float32), y


# --- parameters -----------------------------------------------------------------------------------

def test_module_parameters_route_and_clone():
    clf = NeuralNetClassifier(module__hidden=(8,), optimizer__momentum=0.9, lr=0.1)
    params = clf.get_params()
    assert params["module__hidden"] == (8,) and params["optimizer__momentum"] == 0.9
    clf.set_params(module__hidden=(4,), epochs=3)
    assert clf.get_params()["module__hidden"] == (4,) and clf.epochs == 3
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf
    assert "module__hidden=(4,)" in repr(clf)


@pytest.mark.parametrize("cls", [NeuralNetClassifier, NeuralNetRegressor])
def test_defaults_are_lt_fits(cls):
    """The settings shared with lt.fit default as there (drift fails here), except two on purpose."""
    fit = inspect.signature(lt.fit).parameters
    on_purpose = {"callbacks": (None, ()), "progress": (False, "auto")}  # no mutable default; silent
    for name, param in inspect.signature(cls).parameters.items():
        if name in on_purpose:
            assert (param.default, fit[name].default) == on_purpose[name]
        elif name in fit and fit[name].default is not inspect.Parameter.empty:
            assert param.default == fit[name].default, name


def test_unknown_keyword_is_an_error_at_fit(moons):
    X, y = moons
    clf = NeuralNetClassifier(hidden=3)  # scikit-learn's rule: __init__ only stores
    with pytest.raises(TypeError, match="unexpected keyword argument 'hidden'"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        NeuralNetClassifier().set_params(nope=3)


def test_widths_come_from_the_data(moons):
    X, y = moons
    clf = NeuralNetClassifier("SimpleClassifier", module__num_hidden=5, epochs=2).fit(X, y)
    assert clf.module_.config == dict(num_inputs=2, num_hidden=5, num_outputs=1, activation="tanh")
    y3 = np.arange(len(y)) % 3
    clf = NeuralNetClassifier(module__hidden=(8,), epochs=2).fit(X, y3)
    assert clf.module_.config["out_features"] == 3 and clf.predict_proba(X).shape == (len(X), 3)


def test_module_class_factory_and_instance(moons):
    X, y = moons

    class Net(nn.Module):
        def __init__(self, input_dim: int, output_dim: int, width: int = 8):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(input_dim, width), nn.ReLU(), nn.Linear(width, output_dim))

        def forward(self, x):
            return self.body(x)

    fitted = NeuralNetClassifier(Net, module__width=4, epochs=2, random_state=0).fit(X, y)
    assert fitted.module_.body[0].in_features == 2 and fitted.module_.body[2].out_features == 1

    def factory(n_features, n_classes):
        return nn.Sequential(nn.Linear(n_features, 6), nn.Tanh(), nn.Linear(6, n_classes))

    y3 = np.arange(len(y)) % 3
    assert NeuralNetClassifier(factory, epochs=2).fit(X, y3).module_[2].out_features == 3
    instance = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 1))
    before = copy.deepcopy(instance.state_dict())
    est = NeuralNetClassifier(instance, epochs=2).fit(X, y)
    assert est.module_ is not instance
    assert all(torch.equal(before[k], v) for k, v in instance.state_dict().items())  # the parameter is untouched
    with pytest.raises(ValueError, match="module__ parameters"):
        build_module(instance, 2, 1, {"width": 3})
    with pytest.raises(ValueError, match="not a learntorch model"):
        NeuralNetClassifier("NoSuchNet", epochs=1).fit(X, y)


def test_binary_with_cross_entropy_trains_two_outputs(moons):
    X, y = moons
    clf = NeuralNetClassifier(module__hidden=(8,), loss="cross_entropy", epochs=3, random_state=0).fit(X, y)
    assert clf.module_.config["out_features"] == 2
    assert clf.predict_proba(X).shape == (len(X), 2)


# --- what the issue promises ------------------------------------------------------------------------

def test_pipeline_on_digits_reaches_97_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(module__hidden=(64,), epochs=30, batch_size=64,
                                                               optimizer="adam", lr=1e-3, random_state=0))
    pipe.fit(X_train, y_train)
    assert pipe.score(X_test, y_test) >= 0.97


def test_grid_search_over_two_parameters(moons):
    X, y = moons
    grid = GridSearchCV(NeuralNetClassifier(epochs=15, optimizer="adam", random_state=0),
                        param_grid={"module__hidden": [(4,), (16,)], "lr": [0.003, 0.03]}, cv=3)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_ in grid.cv_results_["params"]
    assert grid.best_estimator_.module_.config["hidden"] == list(grid.best_params_["module__hidden"])
    assert grid.score(X, y) > 0.8


def test_cross_val_score_on_two_moons():
    data = lt.two_moons(300, noise=0.1, seed=0)
    X, y = data.x.numpy(), data.y.numpy()
    scores = cross_val_score(NeuralNetClassifier(module__hidden=(16,), epochs=40, optimizer="adam", lr=0.02,
                                                 random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85


def test_string_labels_round_trip(moons):
    X, y = moons
    labels = np.array(["north", "south"], dtype=object)[y]
    clf = NeuralNetClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["north", "south"]
    assert set(clf.predict(X)) == {"north", "south"}
    assert clf.score(X, labels) > 0.8
    # The fitted module speaks the same labels through learntorch's own functions.
    assert list(lt.predict(clf.module_, X)) == list(clf.predict(X))


def test_integer_labels_keep_their_type(moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST).fit(X, y * 10 + 5)
    assert clf.classes_.tolist() == [5, 15] and clf.predict(X).dtype == clf.classes_.dtype


def test_dataframe_sets_feature_names():
    X, y = make_moons(200, noise=0.1, random_state=1)
    frame = pd.DataFrame(X, columns=["a", "b"])
    clf = NeuralNetClassifier(**FAST).fit(frame, pd.Series(np.where(y == 1, "yes", "no")))
    assert list(clf.feature_names_in_) == ["a", "b"] and clf.n_features_in_ == 2
    assert set(clf.predict(frame)) == {"no", "yes"}


def test_regressor_r2_and_multi_output():
    X, y = make_regression(200, n_features=4, n_targets=2, noise=1.0, random_state=0)
    y = StandardScaler().fit_transform(y)
    reg = NeuralNetRegressor(**{**FAST, "epochs": 80}).fit(X, y)
    assert reg.predict(X).shape == (200, 2) and reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.9
    assert reg.module_.config["out_features"] == 2 and reg.n_outputs_ == 2


def test_partial_fit_trains_more_epochs(moons):
    X, y = moons
    clf = NeuralNetClassifier(**{**FAST, "epochs": 2})
    clf.partial_fit(X, y, classes=[0, 1])
    weights = copy.deepcopy(clf.module_.state_dict())
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 4 and clf.history_["epoch"].max() == 4
    assert any(not torch.equal(weights[k], v) for k, v in clf.module_.state_dict().items())
    with pytest.raises(ValueError, match="not one of the classes"):
        clf.partial_fit(X, np.full(len(y), 7))


def test_warm_start_continues(moons):
    X, y = moons
    clf = NeuralNetClassifier(**{**FAST, "epochs": 2}, warm_start=True).fit(X, y)
    module = clf.module_
    clf.fit(X, y)
    assert clf.module_ is module and clf.n_iter_ == 4


def test_random_state_makes_fits_identical(moons):
    X, y = moons
    a = NeuralNetClassifier(**FAST).fit(X, y).predict_proba(X)
    torch.manual_seed(123)  # the caller's random state does not matter...
    state = torch.get_rng_state()
    b = NeuralNetClassifier(**FAST).fit(X, y).predict_proba(X)
    assert torch.equal(state, torch.get_rng_state())  # ...and is left as it was
    np.testing.assert_array_equal(a, b)


def test_random_state_matches_lt_fit(moons):
    X, y = moons
    clf = NeuralNetClassifier("SimpleClassifier", epochs=5, random_state=7).fit(X, y)
    torch.manual_seed(7)
    model = lt.SimpleClassifier(2, 4, 1)
    lt.fit(model, (X, y), epochs=5, seed=7, progress=False)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(clf.module_.state_dict()[key], value)


def test_history_frame(moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST).fit(X, y)
    assert list(clf.history_.columns) == ["epoch", "split", "metric", "value"]
    assert clf.history_["epoch"].max() == FAST["epochs"] == clf.n_iter_


def test_callbacks_are_copied_not_changed(moons):
    X, y = moons
    seen = []
    stopper = lt.EarlyStopping(monitor="train_loss", patience=1, min_delta=10.0)
    clf = NeuralNetClassifier(**FAST, callbacks=[stopper, lambda epoch, logs: seen.append(epoch)]).fit(X, y)
    assert clf.n_iter_ == 2 and seen == [1, 2]
    assert stopper.best is None and clf.callbacks_[0].best is not None


def test_fit_params_are_forwarded(moons):
    X, y = moons
    with pytest.raises(TypeError, match="no_such_setting"):
        NeuralNetClassifier(**FAST, fit__no_such_setting=1).fit(X, y)
    with pytest.raises(ValueError, match="fit__epochs repeats"):
        NeuralNetClassifier(**FAST, fit__epochs=1).fit(X, y)


@pytest.mark.skipif(not {"valid_fraction", "metrics"} <= set(inspect.signature(lt.fit).parameters),
                    reason="this lt.fit has no valid_fraction / metrics yet")
def test_valid_fraction_and_metrics_are_forwarded(moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST, valid_fraction=0.25, metrics=["accuracy", "f1"]).fit(X, y)
    assert "valid" in set(clf.history_["split"]) and "f1" in set(clf.history_["metric"])
    grid = GridSearchCV(NeuralNetClassifier(**FAST), {"valid_fraction": [None, 0.2]}, cv=2).fit(X, y)
    assert len(grid.cv_results_["params"]) == 2


# --- copies and files -----------------------------------------------------------------------------

def test_pickle_deepcopy_clone(moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST).fit(X, np.where(y == 1, "b", "a"))
    expected = clf.predict_proba(X)
    for twin in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)):
        np.testing.assert_array_equal(twin.predict_proba(X), expected)
        twin.partial_fit(X, np.where(y == 1, "b", "a"))  # the optimizer state travelled too
    fresh = clone(clf)
    assert not hasattr(fresh, "module_") and fresh.get_params() == clf.get_params()


def test_checkpoint_round_trip(tmp_path, moons):
    X, y = moons
    labels = np.where(y == 1, "b", "a")
    clf = NeuralNetClassifier(**FAST).fit(pd.DataFrame(X, columns=["u", "v"]), labels)
    path = clf.save(tmp_path / "clf.pt", note="hello")
    back = NeuralNetClassifier.load(path)
    frame = pd.DataFrame(X, columns=["u", "v"])
    np.testing.assert_array_equal(back.predict_proba(frame), clf.predict_proba(frame))
    assert back.classes_.tolist() == ["a", "b"] and list(back.feature_names_in_) == ["u", "v"]
    assert back.get_params() == {**clf.get_params(), "module__hidden": [16]}  # tuples come back as lists
    pd.testing.assert_frame_equal(back.history_, clf.history_, check_dtype=False)
    assert lt.load(path).checkpoint["metadata"]["note"] == "hello"  # an ordinary learntorch checkpoint
    back.partial_fit(frame, labels)
    with pytest.raises(ValueError, match="holds no NeuralNetRegressor"):
        NeuralNetRegressor.load(path)


class WidthNet(nn.Module):
    """Keeps none of its arguments as attributes, so lt.save alone cannot record them."""

    def __init__(self, input_dim: int, output_dim: int, width: int = 8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(input_dim, width), nn.Tanh(), nn.Linear(width, output_dim))

    def forward(self, x):
        return self.layers(x)


def test_checkpoint_rebuilds_a_class_from_the_estimator_record(tmp_path):
    X, y = make_regression(100, n_features=3, noise=1.0, random_state=0)
    reg = NeuralNetRegressor(WidthNet, module__width=5, **{k: v for k, v in FAST.items() if k != "module__hidden"})
    reg.fit(X, y[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = NeuralNetRegressor.load(reg.save(tmp_path / "reg.pt"))
    assert back.module is WidthNet and back.get_params()["module__width"] == 5
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    assert back.predict(X).shape == (100, 1)


def test_checkpoint_of_a_function_built_module(tmp_path):
    X, y = make_regression(100, n_features=3, noise=1.0, random_state=0)

    def factory(in_features, out_features):
        return nn.Sequential(nn.Linear(in_features, 4), nn.Linear(4, out_features))

    reg = NeuralNetRegressor(factory, **{k: v for k, v in FAST.items() if not k.startswith("module__")}).fit(X, y)
    path = reg.save(tmp_path / "reg.pt")
    with pytest.warns(UserWarning, match="module"):  # a function cannot be stored...
        stock = NeuralNetRegressor.load(path)  # ...but nn.Sequential records itself
    np.testing.assert_array_equal(stock.predict(X), reg.predict(X))
    again = NeuralNetRegressor.load(path, module=factory)
    assert again.module is factory
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))


def test_checkpoint_keeps_the_width_a_loss_object_chose(tmp_path, moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST, loss=nn.CrossEntropyLoss(label_smoothing=0.1)).fit(X, y)
    assert clf.module_.config["out_features"] == 2
    with pytest.warns(UserWarning, match="loss"):
        back = NeuralNetClassifier.load(clf.save(tmp_path / "c.pt"))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_save_warns_about_parameters_it_cannot_store(tmp_path, moons):
    X, y = moons
    clf = NeuralNetClassifier(**FAST, callbacks=[lt.EarlyStopping(monitor="train_loss", patience=50)]).fit(X, y)
    path = clf.save(tmp_path / "c.pt")
    with pytest.warns(UserWarning, match="callbacks"):
        back = NeuralNetClassifier.load(path)
    assert back.callbacks is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NeuralNetClassifier.load(path, callbacks=[])
