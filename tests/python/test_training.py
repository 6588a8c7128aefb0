"""learntorch.training: fit, History, callbacks, Ctrl-C, divergence, threads and progress."""

from __future__ import annotations

import copy
import math
import os
import signal

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import learntorch as lt
from _lt_helpers import assert_same_params, params_of


def _xor_model(seed=0):
    torch.manual_seed(seed)
    return lt.SimpleClassifier(2, 4, 1)


class RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of the parameters after every completed ``step()``."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.after_step = []

    def step(self, closure=None):
        out = super().step(closure)
        self.after_step.append([p.detach().clone() for g in self.param_groups for p in g["params"]])
        return out


class Recorder(lt.Callback):
    """Copies of the weights and the logs at the end of every epoch, and the hook calls."""

    def __init__(self):
        self.weights, self.logs, self.calls, self.threads = {}, {}, [], []

    def on_fit_begin(self, state):
        self.calls.append("begin")

    def on_epoch_end(self, state):
        self.calls.append(state.epoch)
        self.weights[state.epoch] = params_of(state.model)
        self.logs[state.epoch] = dict(state.logs)
        self.threads.append(torch.get_num_threads())

    def on_fit_end(self, state):
        self.calls.append("end")


# --- the tutorial's settings -------------------------------------------------------------------

def test_tutorial_xor_settings_reach_99_percent_on_a_fresh_test_set(xor_run):
    model, history, test = xor_run["model"], xor_run["history"], xor_run["test"]
    assert history.epochs == 100 and not history.interrupted and not history.stopped_early
    assert lt.evaluate(model, test)["accuracy"] >= 0.99
    losses = history["train_loss"]
    assert losses[-1] < losses[0] / 5
    assert history.params["lr"] == 0.1 and history.params["batch_size"] == 128
    assert history.params["optimizer"] == "SGD"


def test_mlp_beats_logistic_regression_on_two_moons():
    train = lt.two_moons(1000, noise=0.1, seed=0)
    test = lt.two_moons(500, noise=0.1, seed=1)
    torch.manual_seed(0)
    logreg = lt.LogisticRegression(2)
    lt.fit(logreg, train, epochs=30, batch_size=64, optimizer="adam", lr=0.05, seed=0, progress=False)
    torch.manual_seed(0)
    mlp = lt.MLP(2, hidden=(64, 64))
    lt.fit(mlp, train, epochs=30, batch_size=64, optimizer="adam", lr=0.01, seed=0, progress=False)
    acc_logreg = lt.evaluate(logreg, test)["accuracy"]
    acc_mlp = lt.evaluate(mlp, test)["accuracy"]
    assert acc_mlp >= 0.97
    assert acc_mlp > acc_logreg + 0.05


def test_linear_regression_recovers_the_true_weights():
    data = lt.linear_regression_data(1000, weights=(2.0, -3.4), bias=4.2, noise=0.01, seed=0)
    torch.manual_seed(0)
    model = lt.LinearRegression(2)
    history = lt.fit(model, data, epochs=10, batch_size=10, loss="mse", lr=0.03, seed=0, progress=False)
    w = model.linear.weight.detach().reshape(-1)
    b = model.linear.bias.detach().item()
    assert torch.allclose(w, data.true_weights, atol=0.1), w
    assert abs(b - data.true_bias) < 0.1
    assert history["train_loss"][-1] < 1e-3
    assert "train_accuracy" not in history.metrics  # no accuracy for a regressor


def test_crop_yields_two_output_regression_trains():
    data = lt.crop_yields()
    torch.manual_seed(0)
    model = lt.LinearRegression(3, 2)
    history = lt.fit(model, data, epochs=100, batch_size=5, loss="mse", lr=1e-5, seed=0, progress=False)
    assert history["train_loss"][-1] < history["train_loss"][0] / 2


def test_softmax_regression_with_cross_entropy_by_default():
    gen = torch.Generator().manual_seed(0)
    centers = torch.tensor([[0.0, 3.0], [3.0, 0.0], [-3.0, -3.0]])
    y = torch.randint(0, 3, (300,), generator=gen)
    x = centers[y] + 0.5 * torch.randn(300, 2, generator=gen)
    torch.manual_seed(0)
    model = lt.SoftmaxRegression(2, 3)
    history = lt.fit(model, (x, y), epochs=20, batch_size=32, seed=0, progress=False)
    assert history.params["loss"] == "cross_entropy"
    assert history["train_accuracy"][-1] >= 0.95


def test_fit_equals_the_tutorials_five_step_loop():
    """Same data order (shuffle=False), weights and SGD: fit matches a hand-written loop that
    zeroes the gradients every step, step for step."""
    train = lt.continuous_xor(300, seed=1)
    model = _xor_model(3)
    ref = copy.deepcopy(model)
    history = lt.fit(model, train, epochs=3, batch_size=32, loss="bce", optimizer="sgd", lr=0.1,
                     shuffle=False, progress=False)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    loss_module = nn.BCEWithLogitsLoss()
    ref_losses, ref_accs = [], []
    for _ in range(3):
        total, correct = 0.0, 0
        for i in range(0, 300, 32):
            xb, yb = train.x[i:i + 32], train.y[i:i + 32]
            preds = ref(xb).squeeze(dim=1)
            loss = loss_module(preds, yb.float())
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
            correct += ((preds > 0).long() == yb).sum().item()
        ref_losses.append(total / 300)
        ref_accs.append(correct / 300)
    for k, v in ref.state_dict().items():
        torch.testing.assert_close(model.state_dict()[k], v, atol=1e-6, rtol=1e-6)
    assert history["train_loss"] == pytest.approx(ref_losses, abs=1e-6)
    assert history["train_accuracy"] == pytest.approx(ref_accs)


def test_fit_accepts_loss_and_optimizer_objects():
    train = lt.continuous_xor(200, seed=0)
    model = _xor_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    history = lt.fit(model, train, epochs=2, batch_size=50, loss=nn.BCEWithLogitsLoss(), optimizer=opt,
                     progress=False)
    assert history.params["optimizer"] == "Adam" and history.params["lr"] == 0.01
    assert history.epochs == 2
    assert opt.state  # the caller's optimizer did the steps


def test_valid_metrics_match_evaluate():
    train, valid = lt.train_val_split(lt.continuous_xor(400, seed=0), 0.25, seed=0)
    model = _xor_model()
    history = lt.fit(model, train, valid=valid, epochs=3, batch_size=64, lr=0.5, seed=0, progress=False)
    final = lt.evaluate(model, valid)
    assert history["valid_loss"][-1] == pytest.approx(final["loss"], abs=1e-6)
    assert history["valid_accuracy"][-1] == pytest.approx(final["accuracy"])
    assert all(0 <= a <= 1 for a in history["train_accuracy"])


def test_epochs_zero_returns_an_empty_history_and_leaves_the_weights():
    model = _xor_model()
    before = params_of(model)
    history = lt.fit(model, lt.continuous_xor(50, seed=0), epochs=0, progress=False)
    assert history.epochs == 0 and len(history) == 0
    frame = history.to_frame()
    assert list(frame.columns) == ["epoch", "split", "metric", "value"] and frame.empty
    assert_same_params(before, params_of(model))


# --- bad input ---------------------------------------------------------------------------------

def _bad_label_train():
    ds = lt.continuous_xor(64, seed=0)
    return (ds.x, torch.where(torch.arange(64) == 5, 2, ds.y))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(epochs=-1), ValueError, "`epochs`"),
        (dict(epochs=1.5), (ValueError, TypeError), "`epochs`"),
        (dict(batch_size=0), ValueError, "`batch_size`"),
        (dict(batch_size=-8), ValueError, "`batch_size`"),
        (dict(loss="hinge"), ValueError, "`loss`.*hinge"),
        (dict(optimizer="adamax"), ValueError, "`optimizer`.*adamax"),
        (dict(lr=0.0), ValueError, "`lr`"),
        (dict(lr=-0.1), ValueError, "`lr`"),
        (dict(weight_decay=-1.0), ValueError, "`weight_decay`"),
        (dict(device="gpu"), ValueError, "`device`"),
        (dict(device="tpu:0"), ValueError, "`device`"),
        (dict(progress="sometimes"), ValueError, "`progress`"),
        (dict(callbacks=[42]), TypeError, r"`callbacks\[0\]`"),
        (dict(train=_bad_label_train()), ValueError, r"`train` has 3 distinct labels \[0, 1, 2\].*two classes"),
        (dict(valid=_bad_label_train()), ValueError, r"label 2 in `valid` is not one of the model's classes 0..1"),
        (dict(train=(torch.tensor([[0.0, float("nan")], [1.0, 1.0]]), torch.tensor([0, 1]))), ValueError, r"`train\[0\]`.*NaN"),
        (dict(train=[1, 2, 3]), TypeError, "`train`"),
        (dict(model="SimpleClassifier"), TypeError, "`model`"),
        (dict(model=lt.SimpleClassifier(3, 4, 1)), ValueError, r"`x`.*3 features"),
    ],
    ids=lambda v: None,
)
def test_fit_rejects_bad_input_naming_the_argument_and_changes_nothing(kwargs, error, pattern):
    model = kwargs.pop("model", None) or _xor_model()
    before = params_of(model) if isinstance(model, nn.Module) else None
    args = dict(train=lt.continuous_xor(64, seed=0), epochs=2, batch_size=16, progress=False)
    args.update(kwargs)
    train = args.pop("train")
    with pytest.raises(error, match=pattern):
        lt.fit(model, train, **args)
    if before is not None:
        assert_same_params(before, params_of(model))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_fit_refuses_cuda_without_a_gpu():
    model = _xor_model()
    before = params_of(model)
    with pytest.raises(ValueError, match="`device`.*cuda"):
        lt.fit(model, lt.continuous_xor(64, seed=0), epochs=1, device="cuda", progress=False)
    assert_same_params(before, params_of(model))


def test_fit_rejects_nan_written_into_a_dataset_naming_train():
    """A dataset whose inputs were changed after it was built is checked too: NaN inputs are bad
    input (ValueError naming `train`), not a divergence of training."""
    ds = lt.continuous_xor(64, seed=0)
    ds.x[3, 1] = float("nan")
    model = _xor_model()
    before = params_of(model)
    with pytest.raises(ValueError, match=r"`train`.*(NaN|nan)") as info:
        lt.fit(model, ds, epochs=2, batch_size=16, progress=False)
    assert not isinstance(info.value, lt.TrainingDiverged), str(info.value)
    assert_same_params(before, params_of(model))


def test_cross_entropy_labels_must_fit_the_outputs():
    x = torch.randn(30, 2)
    y = torch.arange(30) % 4  # label 3 for a 3-class model
    with pytest.raises(ValueError, match="`train`.*0..2"):
        lt.fit(lt.SoftmaxRegression(2, 3), (x, y), epochs=1, progress=False)


# --- reproducibility, threads, progress --------------------------------------------------------

def test_same_seed_gives_bitwise_identical_histories_and_weights():
    train, valid = lt.train_val_split(lt.continuous_xor(500, seed=0), 0.2, seed=0)
    start = _xor_model(11)
    runs = []
    for global_seed in (1, 2):  # the global RNG state must not matter, only `seed`
        model = copy.deepcopy(start)
        torch.manual_seed(global_seed)
        history = lt.fit(model, train, valid=valid, epochs=5, batch_size=32, lr=0.3, seed=123, device="cpu",
                         progress=False)
        runs.append((history, params_of(model)))
    (h1, w1), (h2, w2) = runs
    assert h1.records == h2.records
    pd.testing.assert_frame_equal(h1.to_frame(), h2.to_frame())
    assert_same_params(w1, w2)
    other = copy.deepcopy(start)
    h3 = lt.fit(other, train, valid=valid, epochs=5, batch_size=32, lr=0.3, seed=124, device="cpu", progress=False)
    assert h3.records != h1.records, "a different seed shuffles differently"


@pytest.mark.parametrize("caller_threads", [2, 3])
def test_fit_does_not_leak_a_changed_thread_count(caller_threads):
    torch.set_num_threads(caller_threads)
    rec = Recorder()
    lt.fit(_xor_model(), lt.continuous_xor(200, seed=0), epochs=2, batch_size=50, callbacks=[rec], device="cpu",
           progress=False)
    assert torch.get_num_threads() == caller_threads
    assert rec.threads == [1, 1], "a tiny model trains on one thread"


def test_fit_restores_threads_and_sigint_handler_after_an_error():
    torch.set_num_threads(2)
    handler = signal.getsignal(signal.SIGINT)

    def boom(epoch, logs):
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=3, callbacks=[boom], progress=False)
    assert torch.get_num_threads() == 2
    assert signal.getsignal(signal.SIGINT) is handler


def test_progress_auto_is_silent_under_pytest(capsys):
    lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=3, batch_size=50, progress="auto")
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""


def test_progress_true_writes_a_tqdm_bar_with_the_loss_to_stderr(capsys):
    lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=3, batch_size=50, progress=True)
    out = capsys.readouterr()
    assert "3/3" in out.err
    assert "loss" in out.err
    assert out.out == ""


# --- History ---------------------------------------------------------------------------------

def test_history_to_frame_columns_dtypes_and_values():
    train, valid = lt.train_val_split(lt.continuous_xor(300, seed=0), 0.2, seed=0)
    history = lt.fit(_xor_model(), train, valid=valid, epochs=4, batch_size=64, seed=0, progress=False)
    frame = history.to_frame()
    assert list(frame.columns) == ["epoch", "split", "metric", "value"]
    assert frame["epoch"].dtype == np.int64
    assert frame["value"].dtype == np.float64
    assert pd.api.types.is_string_dtype(frame["split"]) and pd.api.types.is_string_dtype(frame["metric"])
    assert len(frame) == 4 * 5  # loss and accuracy on train and valid, and the learning rate
    assert set(frame["split"]) == {"train", "valid"} and set(frame["metric"]) == {"loss", "accuracy", "lr"}
    assert frame[frame["metric"] == "lr"]["split"].unique().tolist() == ["train"]
    for split in ("train", "valid"):
        for metric in ("loss", "accuracy"):
            part = frame[(frame["split"] == split) & (frame["metric"] == metric)].sort_values("epoch")
            assert part["epoch"].tolist() == [1, 2, 3, 4]
            assert part["value"].tolist() == history[f"{split}_{metric}"]
    assert history.metrics == ["train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr"]
    with pytest.raises(KeyError, match="valid_f1"):
        history["valid_f1"]


def test_history_without_valid_has_train_rows_only():
    history = lt.fit(lt.LinearRegression(2), lt.linear_regression_data(100, seed=0), epochs=3, batch_size=20,
                     loss="mse", lr=0.05, progress=False)
    frame = history.to_frame()
    assert set(frame["split"]) == {"train"} and set(frame["metric"]) == {"loss", "lr"}
    assert frame[frame["metric"] == "loss"]["value"].tolist() == history["train_loss"]


# --- callbacks ---------------------------------------------------------------------------------

def test_callback_hooks_run_in_order():
    rec = Recorder()
    lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=3, batch_size=50, callbacks=[rec], progress=False)
    assert rec.calls == ["begin", 1, 2, 3, "end"]


def test_function_callback_returning_true_stops_training():
    seen = []

    def stop_at_three(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 3

    history = lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=10, batch_size=50,
                     callbacks=[stop_at_three], progress=False)
    assert history.epochs == 3 and history.stopped_early and not history.interrupted
    assert history.stop_reason
    assert seen == [(e, ["lr", "train_accuracy", "train_loss"]) for e in (1, 2, 3)]


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    train, valid = lt.train_val_split(lt.continuous_xor(300, seed=0), 0.2, seed=0)
    rec = Recorder()
    # no later epoch can improve on epoch 1 by min_delta, so epoch 1 stays the best
    stopper = lt.EarlyStopping(monitor="valid_loss", patience=2, min_delta=1e6)
    model = _xor_model()
    history = lt.fit(model, train, valid=valid, epochs=20, batch_size=32, lr=0.5, seed=0,
                     callbacks=[rec, stopper], progress=False)
    assert history.epochs == 3 and history.stopped_early
    assert "early stopping" in history.stop_reason
    assert history.params["best_epoch"] == 1
    assert_same_params(rec.weights[1], params_of(model))
    assert not all(torch.equal(rec.weights[3][k], v) for k, v in params_of(model).items())


def test_early_stopping_invariants_on_a_real_run():
    train, valid = lt.train_val_split(lt.two_moons(200, noise=0.3, seed=0), 0.5, seed=0)
    rec = Recorder()
    stopper = lt.EarlyStopping(monitor="valid_loss", patience=3)
    torch.manual_seed(0)
    model = lt.MLP(2, hidden=(32, 32))
    history = lt.fit(model, train, valid=valid, epochs=60, batch_size=16, optimizer="adam", lr=0.05, seed=0,
                     callbacks=[rec, stopper], progress=False)
    losses = history["valid_loss"]
    best = int(np.argmin(losses)) + 1
    assert stopper.best_epoch == best
    if history.stopped_early:
        assert history.epochs == best + 3
    assert_same_params(rec.weights[best], params_of(model))


def test_early_stopping_without_restore_keeps_the_last_weights():
    train, valid = lt.train_val_split(lt.continuous_xor(300, seed=0), 0.2, seed=0)
    rec = Recorder()
    model = _xor_model()
    stopper = lt.EarlyStopping(monitor="valid_loss", patience=2, min_delta=1e6, restore_best_weights=False)
    history = lt.fit(model, train, valid=valid, epochs=20, batch_size=32, lr=0.5, seed=0,
                     callbacks=[rec, stopper], progress=False)
    assert history.epochs == 3
    assert_same_params(rec.weights[3], params_of(model))


@pytest.mark.parametrize("mode", ["min", "max"])
def test_keep_best_weights_loads_the_best_epoch(mode):
    train, valid = lt.train_val_split(lt.continuous_xor(300, seed=0), 0.2, seed=0)
    rec = Recorder()
    keeper = lt.KeepBestWeights(monitor="valid_loss", mode=mode)
    model = _xor_model()
    history = lt.fit(model, train, valid=valid, epochs=6, batch_size=32, lr=0.5, seed=0,
                     callbacks=[rec, keeper], progress=False)
    losses = history["valid_loss"]
    best = (int(np.argmin(losses)) if mode == "min" else int(np.argmax(losses))) + 1
    assert history.epochs == 6 and not history.stopped_early
    assert keeper.best_epoch == best and history.params["best_epoch"] == best
    assert_same_params(rec.weights[best], params_of(model))


def test_monitoring_a_metric_that_is_not_logged_names_it():
    with pytest.raises(ValueError, match="valid_loss"):
        lt.fit(_xor_model(), lt.continuous_xor(100, seed=0), epochs=2, callbacks=[lt.EarlyStopping()], progress=False)
    with pytest.raises(ValueError, match="`mode`"):
        lt.KeepBestWeights(mode="sideways")
    with pytest.raises(ValueError, match="`patience`"):
        lt.EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="`min_delta`"):
        lt.EarlyStopping(min_delta=-0.1)
    with pytest.raises(TypeError, match="`min_delta`"):
        lt.EarlyStopping(min_delta="a lot")


# --- Ctrl-C ------------------------------------------------------------------------------------

def _interrupt_run(interrupt_hook, epochs=6):
    """Train with a recording SGD (weights after each completed step) and a hook that sends
    SIGINT to this process. Returns the history, the optimizer and the final weights."""
    train = lt.continuous_xor(256, seed=0)  # 8 steps an epoch at batch 32
    model = _xor_model()
    opt = RecordingSGD(model.parameters(), lr=0.1)
    handler = signal.getsignal(signal.SIGINT)
    try:
        history = interrupt_hook(model, train, opt, epochs)
    except KeyboardInterrupt:  # pragma: no cover - the failure we are testing for
        pytest.fail("Ctrl-C escaped from fit instead of stopping it cleanly")
    assert signal.getsignal(signal.SIGINT) is handler, "fit must restore the caller's SIGINT handler"
    final = [p.detach().clone() for p in model.parameters()]
    return history, opt, final


def test_ctrl_c_from_a_callback_returns_the_history_so_far():
    def run(model, train, opt, epochs):
        def interrupt_after_epoch_3(epoch, logs):
            if epoch == 3:
                os.kill(os.getpid(), signal.SIGINT)

        return lt.fit(model, train, epochs=epochs, batch_size=32, optimizer=opt, seed=0,
                      callbacks=[interrupt_after_epoch_3], progress=False)

    history, opt, final = _interrupt_run(run)
    assert history.interrupted
    assert history.epochs == 3  # epoch 4 never completed, so it is not recorded
    assert [r["epoch"] for r in history.records] == [1, 2, 3]
    assert len(opt.after_step) in (3 * 8, 3 * 8 + 1)  # stopped within at most one more step
    for p, q in zip(final, opt.after_step[-1]):
        assert torch.equal(p, q), "the model must hold the weights of the last completed step"


def test_ctrl_c_in_the_middle_of_a_step_completes_that_step_only():
    calls = {"n": 0}

    def interrupting_loss(logits, targets):
        calls["n"] += 1
        if calls["n"] == 13:  # the 5th step of epoch 2, between forward and backward
            os.kill(os.getpid(), signal.SIGINT)
        return nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), targets.reshape(-1).float())

    def run(model, train, opt, epochs):
        return lt.fit(model, train, epochs=epochs, batch_size=32, loss=interrupting_loss, optimizer=opt, seed=0,
                      progress=False)

    history, opt, final = _interrupt_run(run)
    assert history.interrupted and history.epochs == 1
    # either the interrupted step finished (13 steps) or it was dropped whole (12): never half of it
    assert len(opt.after_step) in (12, 13)
    assert calls["n"] == 13, "no step may start after the interrupt"
    for p, q in zip(final, opt.after_step[-1]):
        assert torch.equal(p, q), "the model must hold the weights of the last completed step"
    assert all(torch.isfinite(p).all() for p in final)


def test_fit_still_works_after_an_interrupt():
    def interrupt(epoch, logs):
        os.kill(os.getpid(), signal.SIGINT)

    model = _xor_model()
    h1 = lt.fit(model, lt.continuous_xor(64, seed=0), epochs=5, callbacks=[interrupt], progress=False)
    assert h1.interrupted
    h2 = lt.fit(model, lt.continuous_xor(64, seed=0), epochs=2, progress=False)
    assert h2.epochs == 2 and not h2.interrupted


# --- divergence --------------------------------------------------------------------------------

def _all_finite(model):
    return all(torch.isfinite(t).all() for t in model.state_dict().values())


def test_huge_learning_rate_raises_training_diverged_naming_the_epoch():
    data = lt.linear_regression_data(200, seed=0)
    torch.manual_seed(0)
    model = lt.LinearRegression(2)
    rec = Recorder()
    with pytest.raises(lt.TrainingDiverged, match=r"epoch \d+") as info:
        lt.fit(model, data, epochs=50, batch_size=20, loss="mse", lr=3.0, seed=0, callbacks=[rec], progress=False)
    assert isinstance(info.value, ValueError)
    diverged_in = len(rec.weights) + 1
    assert f"epoch {diverged_in}" in str(info.value)
    assert _all_finite(model)


def test_inputs_scaled_by_1e30_raise_training_diverged_and_keep_finite_weights():
    data = lt.linear_regression_data(200, seed=0)
    huge = lt.TensorDataset(data.x * 1e30, data.y)
    torch.manual_seed(0)
    model = lt.LinearRegression(2)
    before = params_of(model)
    with pytest.raises(lt.TrainingDiverged, match="epoch 1"):
        lt.fit(model, huge, epochs=3, batch_size=50, loss="mse", lr=0.01, progress=False)
    assert _all_finite(model)
    assert_same_params(before, params_of(model))  # no finite step was ever taken


def test_divergence_keeps_finite_weights_when_a_finite_loss_step_overflows_the_weights():
    """Full-batch SGD with lr=1e38: epoch 1's loss is finite, but its step sends the weights to
    inf. The model must still end with finite weights (the last finite ones)."""
    data = lt.linear_regression_data(100, seed=0)
    torch.manual_seed(0)
    model = lt.LinearRegression(2)
    with pytest.raises(lt.TrainingDiverged, match=r"epoch \d+"):
        lt.fit(model, data, epochs=5, batch_size=100, loss="mse", lr=1e38, progress=False)
    assert _all_finite(model), f"non-finite weights left in the model: {model.state_dict()}"


def test_divergence_restores_the_callers_thread_count():
    torch.set_num_threads(2)
    data = lt.linear_regression_data(100, seed=0)
    with pytest.raises(lt.TrainingDiverged):
        lt.fit(lt.LinearRegression(2), lt.TensorDataset(data.x * 1e30, data.y), epochs=2, loss="mse",
               progress=False)
    assert torch.get_num_threads() == 2


# --- make_optimizer ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, cls, lr", [("sgd", torch.optim.SGD, 0.1), ("adam", torch.optim.Adam, 1e-3),
                                          ("AdamW", torch.optim.AdamW, 1e-3)])
def test_make_optimizer_by_name_with_default_lr(name, cls, lr):
    opt = lt.make_optimizer(_xor_model(), name)
    assert isinstance(opt, cls) and opt.param_groups[0]["lr"] == lr


def test_make_optimizer_from_a_class_and_bad_names():
    opt = lt.make_optimizer(_xor_model(), torch.optim.RMSprop, lr=0.5)
    assert isinstance(opt, torch.optim.RMSprop) and opt.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="`optimizer`.*lbfgsx"):
        lt.make_optimizer(_xor_model(), "lbfgsx")
    with pytest.raises(TypeError, match="`optimizer`"):
        lt.make_optimizer(_xor_model(), 3)
    with pytest.raises(ValueError, match="`lr`"):
        lt.make_optimizer(_xor_model(), "sgd", lr=math.inf)


def test_fit_accepts_a_pair_of_numpy_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))  # float64, as numpy, pandas and R produce
    y = (x[:, 0] > 0).astype(np.int64)
    model = lt.LogisticRegression(2)
    history = lt.fit(model, (x, y), epochs=20, batch_size=16, lr=0.5, seed=0, progress=False)
    assert history["train_accuracy"][-1] >= 0.9
