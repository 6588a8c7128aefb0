"""The training loop's features: metrics (against scikit-learn), validation splits, early stopping,
schedulers, clipping, accumulation, precision, L-BFGS, callbacks, logs and resumable checkpoints."""

from __future__ import annotations

import copy
import math
import signal

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import metrics as skm
from torch import nn

import learntorch as lt


def _moons(n=300, seed=0):
    return lt.two_moons(n, noise=0.2, seed=seed)


def _three_class(n=300, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=gen)
    y = torch.bucketize(x[:, 0].contiguous(), torch.tensor([-0.4, 0.4]))
    return x, y


# --- metrics ---------------------------------------------------------------------------------------

def _sk_binary(y, p):
    pred = (p > 0.5).astype(int)
    return {"accuracy": skm.accuracy_score(y, pred), "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
            "f1": skm.f1_score(y, pred), "precision": skm.precision_score(y, pred, zero_division=0),
            "recall": skm.recall_score(y, pred), "auc": skm.roc_auc_score(y, p), "log_loss": skm.log_loss(y, p)}


def test_binary_metrics_match_scikit_learn_on_train_valid_and_evaluate():
    data = _moons()
    torch.manual_seed(0)
    model = lt.MLP(2, hidden=(8,), out_features=1)
    names = ["accuracy", "balanced_accuracy", "f1", "precision", "recall", "auc", "log_loss"]
    history = lt.fit(model, data, valid=_moons(200, seed=1), epochs=5, lr=0.5, metrics=names, seed=0)
    valid = _moons(200, seed=1)
    want = _sk_binary(valid.y.numpy(), lt.predict_proba(model, valid))
    for name in names:
        assert history[f"valid_{name}"][-1] == pytest.approx(want[name], abs=1e-6), name
    got = lt.evaluate(model, valid, metrics=names)
    for name in names:
        assert got[name] == pytest.approx(want[name], abs=1e-6), name


def test_multiclass_metrics_match_scikit_learn():
    x, y = _three_class()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3))
    lt.fit(model, (x, y), epochs=3, lr=0.3)
    probs = lt.predict_proba(model, x)
    pred = probs.argmax(1)
    names = ["accuracy", "balanced_accuracy", "f1", "precision", "recall", "auc", "log_loss"]
    got = lt.evaluate(model, (x, y), metrics=names)
    yy = y.numpy()
    want = {"accuracy": skm.accuracy_score(yy, pred), "balanced_accuracy": skm.balanced_accuracy_score(yy, pred),
            "f1": skm.f1_score(yy, pred, average="macro"),
            "precision": skm.precision_score(yy, pred, average="macro", zero_division=0),
            "recall": skm.recall_score(yy, pred, average="macro"),
            "auc": skm.roc_auc_score(yy, probs, multi_class="ovr"), "log_loss": skm.log_loss(yy, probs)}
    for name in names:
        assert got[name] == pytest.approx(want[name], abs=1e-6), name


def test_regression_metrics_match_scikit_learn():
    data = lt.linear_regression_data(200, weights=(1.0, -2.0), seed=0)
    model = lt.LinearRegression(2)
    lt.fit(model, data, epochs=2, lr=0.05)
    pred = lt.predict(model, data)
    y = data.y.numpy()
    got = lt.evaluate(model, data, metrics=["mse", "rmse", "mae", "r2"])
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-5)
    assert got["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)), rel=1e-5)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-5)
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-5)


def test_auc_with_ties_matches_scikit_learn():
    from learntorch.metrics import _auc

    scores = torch.tensor([0.1, 0.4, 0.4, 0.4, 0.8, 0.8, 0.2], dtype=torch.float64)
    truth = torch.tensor([0, 1, 0, 1, 1, 0, 0]).bool()
    assert _auc(scores, truth) == pytest.approx(skm.roc_auc_score(truth.numpy(), scores.numpy()))


def test_metrics_are_checked_against_the_task_before_training():
    model = lt.SimpleClassifier(2, 4, 1)
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(ValueError, match="`metrics` has 'r2'.*binary"):
        lt.fit(model, lt.continuous_xor(50, seed=0), epochs=1, metrics=["accuracy", "r2"])
    with pytest.raises(ValueError, match="`metrics` has 'bogus'"):
        lt.fit(model, lt.continuous_xor(50, seed=0), epochs=1, metrics="bogus")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


# --- validation ------------------------------------------------------------------------------------

def test_valid_fraction_is_seeded_and_stratified():
    x, y = _three_class(301)
    h1 = lt.fit(nn.Linear(2, 3), (x, y), epochs=1, valid_fraction=0.2, seed=3)
    h2 = lt.fit(nn.Linear(2, 3), (x, y), epochs=1, valid_fraction=0.2, seed=3)
    assert "valid_accuracy" in h1.metrics
    from learntorch.splits import split_indices

    train_idx, valid_idx = split_indices(len(y), 0.2, torch.Generator().manual_seed(3), y)
    assert len(set(train_idx.tolist()) & set(valid_idx.tolist())) == 0 and len(train_idx) + len(valid_idx) == 301
    shares = [(y[valid_idx] == c).sum().item() / (y == c).sum().item() for c in range(3)]
    assert all(abs(s - 0.2) < 0.02 for s in shares)
    with pytest.raises(ValueError, match="`valid_fraction`"):
        lt.fit(nn.Linear(2, 3), (x, y), epochs=1, valid_fraction=1.5)
    with pytest.raises(ValueError, match="`valid` or `valid_fraction`"):
        lt.fit(nn.Linear(2, 3), (x, y), epochs=1, valid_fraction=0.2, valid=(x, y))


def test_a_valid_set_of_the_wrong_width_is_refused_before_training():
    model = lt.SimpleClassifier(2, 4, 1)
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(ValueError, match="`valid`"):
        lt.fit(model, lt.continuous_xor(50, seed=0), valid=(torch.zeros(5, 3), torch.zeros(5).long()), epochs=1)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


# --- early stopping --------------------------------------------------------------------------------

def test_early_stopping_on_any_metric_restores_the_best_epoch():
    torch.manual_seed(0)
    model = lt.MLP(2, hidden=(16,), out_features=1)
    seen = {}
    keep = lt.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.__setitem__(epoch, copy.deepcopy(model.state_dict())))
    stop = lt.EarlyStopping(monitor="valid_f1", patience=3)
    history = lt.fit(model, _moons(), valid_fraction=0.3, epochs=60, lr=2.0, metrics=["f1"], seed=0,
                     callbacks=[keep, stop])
    best = int(np.argmax(history["valid_f1"])) + 1
    assert history.params["best_epoch"] == best
    assert all(torch.equal(seen[best][k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="cannot monitor 'valid_loss'.*valid_fraction"):
        lt.fit(lt.SimpleClassifier(2, 4, 1), _moons(), epochs=1, callbacks=[lt.EarlyStopping()])


# --- schedulers, clipping, accumulation ------------------------------------------------------------

@pytest.mark.parametrize("spec, check", [
    ("step", lambda lr: lr[0] == 0.1 and lr[-1] < 0.1),
    (lt.scheduler("step", step_size=2, gamma=0.5), lambda lr: lr[:4] == pytest.approx([0.1, 0.1, 0.05, 0.05])),
    ("cosine", lambda lr: lr[0] == 0.1 and lr[-1] < 0.01),
    (lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5),
     lambda lr: lr[:3] == pytest.approx([0.1, 0.05, 0.025])),
])
def test_schedulers_change_the_lr_and_the_history_logs_it(spec, check):
    history = lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(64, seed=0), epochs=6, lr=0.1,
                     scheduler=spec)
    assert check(history["lr"])


def test_onecycle_steps_per_batch_and_plateau_watches_a_metric():
    seen = []
    cb = lt.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(logs["lr"]))
    lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(64, seed=0), epochs=2, batch_size=16, lr=0.1,
           scheduler="onecycle", callbacks=[cb])
    assert len(set(seen)) > 4 and max(seen) <= 0.1 + 1e-9
    history = lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(64, seed=0), epochs=6, lr=0.1,
                     scheduler=lt.scheduler("plateau", patience=0, factor=0.5, monitor="train_loss"))
    assert len(history["lr"]) == 6
    with pytest.raises(ValueError, match="cannot monitor 'valid_loss'"):
        lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(64, seed=0), epochs=1,
               scheduler=lt.scheduler("plateau", monitor="valid_loss"))


def test_clipping_bounds_the_gradient_norm():
    norms = []

    def measure(batch, logs):
        norms.append(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters())).item())

    model = lt.SimpleClassifier(2, 8, 1)
    lt.fit(model, lt.continuous_xor(200, seed=0), epochs=3, lr=5.0, clip_grad_norm=0.1,
           callbacks=[lt.LambdaCallback(on_batch_end=measure)])
    assert max(norms) <= 0.1 + 1e-5
    with pytest.raises(ValueError, match="`clip_grad_norm`"):
        lt.fit(model, lt.continuous_xor(20, seed=0), epochs=1, clip_grad_norm=-1)


def test_accumulating_two_half_batches_equals_one_full_batch():
    data = lt.continuous_xor(128, seed=0)
    torch.manual_seed(0)
    a = lt.SimpleClassifier(2, 4, 1)
    b = copy.deepcopy(a)
    lt.fit(a, data, epochs=3, batch_size=64, shuffle=False, lr=0.5)
    lt.fit(b, data, epochs=3, batch_size=32, accumulate=2, shuffle=False, lr=0.5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.allclose(pa, pb, atol=1e-6)


def test_weight_decay_and_optimizer_settings_reach_the_optimizer():
    model = lt.SimpleClassifier(2, 4, 1)
    seen = {}
    cb = lt.LambdaCallback(on_fit_begin=lambda logs: seen.update(lr=logs["lr"]))
    lt.fit(model, lt.continuous_xor(32, seed=0), epochs=1, optimizer=lt.optimizer("sgd", momentum=0.9),
           lr=0.05, weight_decay=1e-3, callbacks=[cb])
    assert seen["lr"] == 0.05
    lt.fit(model, lt.continuous_xor(32, seed=0), epochs=1,
           optimizer=lambda params: torch.optim.SGD(params, lr=0.2, nesterov=True, momentum=0.9))
    with pytest.raises(ValueError, match="`optimizer`.*adamax"):
        lt.fit(model, lt.continuous_xor(32, seed=0), epochs=1, optimizer=lt.optimizer("adamax"))


# --- precision and L-BFGS ----------------------------------------------------------------------------

def test_bf16_autocast_trains_on_the_cpu_and_float16_asks_for_a_gpu():
    model = lt.SimpleClassifier(2, 8, 1)
    history = lt.fit(model, lt.continuous_xor(256, seed=0), epochs=5, lr=0.5, precision="bf16", device="cpu")
    assert history.params["precision"] == "bf16" and math.isfinite(history["train_loss"][-1])
    with pytest.raises(ValueError, match="`precision`='16-mixed' needs a CUDA GPU"):
        lt.fit(model, lt.continuous_xor(32, seed=0), epochs=1, precision="16-mixed", device="cpu")
    with pytest.raises(ValueError, match="`precision`"):
        lt.fit(model, lt.continuous_xor(32, seed=0), epochs=1, precision="8")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (run on the device machine)")
def test_float16_mixed_precision_on_cuda():
    model = lt.SimpleClassifier(2, 8, 1)
    history = lt.fit(model, lt.continuous_xor(256, seed=0), epochs=5, lr=0.5, precision="16-mixed", device="cuda")
    assert math.isfinite(history["train_loss"][-1])


def test_lbfgs_fits_two_moons_exactly_in_few_full_batch_steps():
    torch.manual_seed(0)
    model = lt.MLP(2, hidden=(16,), out_features=1, activation="tanh")
    data = lt.two_moons(200, noise=0.1, seed=0)
    history = lt.fit(model, data, epochs=15, optimizer="lbfgs")
    assert history["train_accuracy"][-1] == 1.0
    assert lt.evaluate(model, data)["accuracy"] == 1.0
    with pytest.raises(ValueError, match="L-BFGS.*in-memory"):
        lt.fit(model, torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data.x, data.y)), epochs=1,
               optimizer="lbfgs")


# --- callbacks, logs, signals ---------------------------------------------------------------------

def test_a_lambda_callback_stops_training_from_a_batch():
    cb = lt.LambdaCallback(on_batch_end=lambda batch, logs: batch == 3)
    history = lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(200, seed=0), epochs=5, batch_size=20,
                     callbacks=[cb])
    assert history.epochs == 0 and "on_batch_end" in history.stop_reason


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(64, seed=0), epochs=3, valid_fraction=0.25,
           callbacks=[lt.CSVLogger(path)])
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["epoch", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr"]
    assert frame["epoch"].tolist() == [1, 2, 3]


def test_fit_puts_the_sigint_handler_back_exactly():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(32, seed=0), epochs=1)
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)


def test_divergence_keeps_finite_weights_and_the_history():
    model = lt.LinearRegression(2)
    with pytest.raises(lt.TrainingDiverged, match="epoch") as info:
        lt.fit(model, lt.linear_regression_data(100, seed=0), epochs=60, lr=3.0, on_divergence="ignore")
    assert all(torch.isfinite(p).all() for p in model.parameters())
    history = info.value.history
    assert history is not None and history.epochs >= 1
    assert all(math.isfinite(v) for v in history["train_loss"])


def test_an_exploding_finite_loss_warns_or_stops():
    data = lt.linear_regression_data(200, seed=0)
    with pytest.warns(RuntimeWarning, match="exploded"):
        lt.fit(lt.LinearRegression(2), data, epochs=6, lr=1.5, on_divergence="warn")
    with pytest.raises(lt.TrainingDiverged, match="exploded"):
        lt.fit(lt.LinearRegression(2), data, epochs=6, lr=1.5, on_divergence="stop")


# --- resume ---------------------------------------------------------------------------------------

def _digits_like(seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(240, 8, generator=gen)
    y = (x[:, :3].sum(1) > 0).long() + (x[:, 3] > 0.5).long()
    return x, y


def _resume_model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


def _resume_fit(model, path, resume=None, stop_after=None):
    x, y = _digits_like()
    stop = [lt.LambdaCallback(on_epoch_end=lambda epoch, logs: epoch == stop_after)] if stop_after else []
    return lt.fit(model, (x, y), epochs=10, batch_size=32, optimizer="adam", lr=0.01, valid_fraction=0.2,
                  metrics=["accuracy", "f1"], scheduler="cosine", clip_grad_norm=1.0, seed=7,
                  callbacks=[lt.EarlyStopping("valid_loss", patience=50), lt.ModelCheckpoint(path), *stop],
                  resume=resume)


def test_stopping_and_resuming_gives_bitwise_the_uninterrupted_run(tmp_path):
    torch.manual_seed(123)
    whole = _resume_model()
    h_whole = _resume_fit(whole, tmp_path / "whole.pt")

    torch.manual_seed(123)
    part = _resume_model()
    h_part = _resume_fit(part, tmp_path / "run.pt", stop_after=5)  # as a Ctrl-C or a lost machine would
    assert h_part.epochs == 5
    torch.manual_seed(999)  # a later session: other random state, a fresh model object
    resumed = _resume_model()
    h_resumed = _resume_fit(resumed, tmp_path / "run.pt", resume=tmp_path / "run.pt")

    for pw, pr in zip(whole.parameters(), resumed.parameters()):
        assert torch.equal(pw, pr)
    assert h_resumed.to_frame().equals(h_whole.to_frame())
    loaded = lt.load(tmp_path / "run.pt")  # a training checkpoint is also a model checkpoint
    x, _ = _digits_like()
    assert np.array_equal(lt.predict(loaded, x), lt.predict(resumed, x))


def test_resume_refuses_a_plain_model_file(tmp_path):
    model = lt.SimpleClassifier(2, 4, 1)
    lt.save(model, tmp_path / "m.pt")
    with pytest.raises(ValueError, match="`resume`.*no training state"):
        lt.fit(model, lt.continuous_xor(32, seed=0), epochs=2, resume=tmp_path / "m.pt")


# --- live plot --------------------------------------------------------------------------------------

def test_live_plot_updates_one_figure_and_ends_with_the_history_figure():
    frames = []
    live = lt.LivePlot(interval=0.0, show=lambda fig: frames.append((id(fig), [ax.get_title() for ax in fig.axes
                                                                                if ax.get_visible()])))
    history = lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(100, seed=0), epochs=4, valid_fraction=0.2,
                     metrics=["accuracy", "f1"], live=live)
    assert len(frames) == 5  # each epoch, then the final frame
    assert len({fid for fid, _ in frames}) == 1  # one figure, updated in place
    assert frames[-1][1] == ["loss", "accuracy", "f1", "lr"]
    final = lt.plot_metrics(history)
    assert [ax.get_title() for ax in final.axes if ax.get_visible()] == frames[-1][1]


def test_live_plot_is_throttled_and_says_once_where_it_cannot_draw(capsys):
    frames = []
    lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(100, seed=0), epochs=20,
           live=lt.LivePlot(interval=60.0, show=frames.append))
    assert len(frames) == 1  # only the final frame within a minute
    lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(50, seed=0), epochs=3, live=True)
    assert capsys.readouterr().err.count("live=True draws in Jupyter") == 1
    with pytest.raises(TypeError, match="`live`"):
        lt.fit(lt.SimpleClassifier(2, 4, 1), lt.continuous_xor(50, seed=0), epochs=1, live="yes")
