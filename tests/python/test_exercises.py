"""The checked exercises: each check passes a right answer and fails typical wrong ones with the
hint meant for them. Messages are asserted on their words, the way a learner reads them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import learntorch as lt
from learntorch import exercises as ex


def failed(result: ex.CheckResult, *words: str) -> None:
    """The check failed, and its message holds every one of ``words`` (case-insensitive)."""
    assert isinstance(result, ex.CheckResult)
    assert not result.passed, result.message
    text = result.message.lower()
    missing = [w for w in words if w.lower() not in text]
    assert not missing, f"{missing} not in:\n{result.message}"


def passed(result: ex.CheckResult) -> None:
    assert result.passed, result.message
    assert result.message.startswith("Correct")


# --- the result object and the registry ----------------------------------------------------------

def test_registry_covers_every_lesson_and_has_at_least_eight_exercises():
    table = ex.list_exercises()
    assert len(table) >= 8
    assert set(table["lesson"]) == {"01-tensors", "02-autograd", "03-devices", "04-xor", "05-linear-regression",
                                    "06-moons", "07-images"}
    for name in table["name"]:
        assert callable(getattr(ex, f"check_{name}"))
        assert ex.task(name).strip()


def test_result_is_truthy_prints_its_message_and_has_html():
    ok = ex.check_accuracy(lambda s, y: (s.argmax(1) == y).float().mean())
    assert ok and repr(ok) == ok.message == str(ok)
    assert "Correct" in ok._repr_html_()
    bad = ex.check_accuracy(lambda s, y: 0.5)
    assert not bad and bad.hint and bad.hint in bad.message
    assert "&lt;" not in bad._repr_html_() or "<pre" in bad._repr_html_()
    assert bad.message.isascii() and ok.message.isascii()  # R in a C locale prints these too


def test_check_by_name_and_bad_arguments():
    assert ex.check("accuracy", lambda s, y: (s.argmax(1) == y).double().mean()).passed
    with pytest.raises(ValueError, match="no exercise named"):
        ex.check("nope", print)
    with pytest.raises(ValueError, match="tensors and models only"):
        ex.check("train_step", print, arrays=True)
    failed(ex.check_accuracy(0.5), "needs your function itself")


def test_learner_errors_become_messages_not_tracebacks():
    def unfinished(logits):
        raise NotImplementedError

    failed(ex.check_stable_softmax(unfinished), "raised NotImplementedError", "write the body")
    failed(ex.check_stable_softmax(lambda s: 1 / 0), "ZeroDivisionError", "input:")
    failed(ex.check_stable_softmax(lambda s: ex.LearnerError("object 'p' not found")),
           "stopped with an error: object 'p' not found")


def test_checks_leave_the_learners_random_stream_alone():
    torch.manual_seed(11)
    state = torch.get_rng_state()
    ex.check_minibatches(lambda x, y, b, s: [(x, y)])
    ex.check_reproducible_noise(lambda n, seed: torch.randn(n))
    assert torch.equal(torch.get_rng_state(), state)


# --- 01 tensors ----------------------------------------------------------------------------------

def test_channels_first():
    passed(ex.check_channels_first(lambda im: im.permute(0, 3, 1, 2)))
    passed(ex.check_channels_first(lambda im: np.transpose(im, (0, 3, 1, 2)), arrays=True))
    failed(ex.check_channels_first(lambda im: im.reshape(im.shape[0], im.shape[3], im.shape[1], im.shape[2])),
           "wrong values", "in memory order")
    failed(ex.check_channels_first(lambda im: im.permute(0, 3, 2, 1)), "shape (2, 3, 5, 4)", "wrong order")
    failed(ex.check_channels_first(lambda im: im.permute(0, 3, 1, 2).float()), "dtype float32", "float64")


def test_pairwise_distances():
    passed(ex.check_pairwise_distances(lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1).sqrt()))
    passed(ex.check_pairwise_distances(
        lambda a, b: np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)), arrays=True))
    # The expansion |a|^2 + |b|^2 - 2ab, clamped, is a fair answer too.
    passed(ex.check_pairwise_distances(lambda a, b: ((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T)
                                       .clamp_min(0).sqrt()))
    failed(ex.check_pairwise_distances(lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)),
           "wrong values", "squared distances")
    failed(ex.check_pairwise_distances(lambda a, b: ((b[:, None, :] - a[None, :, :]) ** 2).sum(-1).sqrt()),
           "shape (5, 3)", "should have shape (3, 5)", "swapped")
    failed(ex.check_pairwise_distances(lambda a, b: ((a - b) ** 2).sum(-1).sqrt()), "raised RuntimeError",
           "every row of a meets every row of b")


# --- 02 autograd ---------------------------------------------------------------------------------

def _grad_f(w, x):
    w = w.detach().clone().requires_grad_(True)
    torch.sigmoid(w @ x).backward()
    return w.grad


def test_autograd_gradient():
    passed(ex.check_autograd_gradient(_grad_f))

    def accumulates(w, x):
        w.requires_grad_(True)
        torch.sigmoid(w @ x).backward()
        return w.grad

    failed(ex.check_autograd_gradient(accumulates), "left from an earlier backward", "backward() adds to .grad")

    def no_grad(w, x):
        torch.sigmoid(w @ x).backward()
        return w.grad

    failed(ex.check_autograd_gradient(no_grad), "does not require grad", "copy of w that requires gradients")

    def forgot_sigmoid_derivative(w, x):
        return torch.sigmoid(w @ x) * x

    failed(ex.check_autograd_gradient(forgot_sigmoid_derivative), "wrong values", "call backward() on f itself")

    def changes_w(w, x):
        with torch.no_grad():
            w.add_(1)
        return _grad_f(w - 1, x)

    failed(ex.check_autograd_gradient(changes_w), "changed the values of w")


# --- 03 devices: reproducible randomness ----------------------------------------------------------

def test_reproducible_noise():
    passed(ex.check_reproducible_noise(lambda n, seed: torch.randn(n, generator=torch.Generator().manual_seed(seed))))

    def global_seed(n, seed):
        torch.manual_seed(seed)
        return torch.randn(n)

    failed(ex.check_reproducible_noise(global_seed), "global random stream", "torch.Generator")
    failed(ex.check_reproducible_noise(lambda n, seed: torch.randn(n)), "same seed gave different numbers")
    failed(ex.check_reproducible_noise(lambda n, seed: torch.rand(n, generator=torch.Generator().manual_seed(seed))),
           "20000 draws have mean 0.4", "standard deviation 1")
    failed(ex.check_reproducible_noise(
        lambda n, seed: torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)),
        "dtype float64")


# --- 04 XOR: the Bernoulli NLL ----------------------------------------------------------------------

def _nll(s, y):
    y = y.to(s.dtype)
    return -(y * F.logsigmoid(s) + (1 - y) * F.logsigmoid(-s)).mean()


def test_bernoulli_nll():
    passed(ex.check_bernoulli_nll(_nll))
    passed(ex.check_bernoulli_nll(lambda s, y: np.mean(np.logaddexp(0, -s) * y + np.logaddexp(0, s) * (1 - y)),
                                  arrays=True))
    naive = lambda s, y: -(y * torch.log(torch.sigmoid(s)) + (1 - y) * torch.log(1 - torch.sigmoid(s))).mean()
    failed(ex.check_bernoulli_nll(naive), "huge logits", "inf", "log-sigmoid")
    failed(ex.check_bernoulli_nll(lambda s, y: _nll(s, y) * len(s)), "8 times too large", "do not sum")
    failed(ex.check_bernoulli_nll(lambda s, y: -_nll(s, y)), "wrong sign")
    failed(ex.check_bernoulli_nll(lambda s, y: _nll(s, y).item()), "not a torch tensor")
    failed(ex.check_bernoulli_nll(lambda s, y: torch.tensor(_nll(s, y).item())), "requires_grad",
           "cut off from autograd's graph")
    clipped = lambda s, y: F.binary_cross_entropy(torch.sigmoid(s).clamp(1e-7, 1 - 1e-7), y.to(s.dtype))
    failed(ex.check_bernoulli_nll(clipped), "huge logits on the wrong side", "clipping")


# --- 05 linear regression: mini-batches and one training step -------------------------------------

def _minibatches(x, y, batch_size, shuffle):
    order = torch.randperm(len(x)) if shuffle else torch.arange(len(x))
    return [(x[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(x), batch_size)]


def test_minibatches():
    passed(ex.check_minibatches(_minibatches))

    def numpy_batches(x, y, batch_size, shuffle):
        order = np.random.permutation(len(x)) if shuffle else np.arange(len(x))
        for start in range(0, len(x), batch_size):
            i = order[start:start + batch_size]
            yield x[i], y[i]

    passed(ex.check_minibatches(numpy_batches, arrays=True))

    def drops_last(x, y, batch_size, shuffle):
        return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x) - batch_size + 1, batch_size)]

    failed(ex.check_minibatches(drops_last), "wrong rows", "last, smaller batch is missing")

    def misaligned(x, y, batch_size, shuffle):
        if shuffle:
            x, y = x[torch.randperm(len(x))], y[torch.randperm(len(y))]
        return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)]

    failed(ex.check_minibatches(misaligned), "shuffle = true", "no longer belong together")

    def with_replacement(x, y, batch_size, shuffle):
        order = torch.randint(0, len(x), (len(x),)) if shuffle else torch.arange(len(x))
        return [(x[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(x), batch_size)]

    failed(ex.check_minibatches(with_replacement), "every row once", "more than once")

    def never_shuffles(x, y, batch_size, shuffle):
        return _minibatches(x, y, batch_size, False)

    failed(ex.check_minibatches(never_shuffles), "original order")

    def same_order(x, y, batch_size, shuffle):
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0)) if shuffle else torch.arange(len(x))
        return [(x[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(x), batch_size)]

    failed(ex.check_minibatches(same_order), "same order", "new random order on every call")

    def split_empty(x, y, batch_size, shuffle):  # torch.split makes one empty chunk of an empty tensor
        order = torch.randperm(len(x)) if shuffle else torch.arange(len(x))
        return [(x[i], y[i]) for i in order.split(batch_size)]

    failed(ex.check_minibatches(split_empty), "x of shape (0, 3)", "empty batch", "rows run out")

    def flat_rows(x, y, batch_size, shuffle):
        return [(xb.squeeze(0), yb) for xb, yb in _minibatches(x, y, batch_size, shuffle)]

    failed(ex.check_minibatches(flat_rows), "one row is still a matrix")
    failed(ex.check_minibatches(lambda x, y, b, s: 3), "not a sequence of batches")


def _train_step(model, batch, lr):
    x, y = batch
    loss = F.mse_loss(model(x), y)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()


def test_train_step():
    passed(ex.check_train_step(_train_step))

    def with_optimizer(model, batch, lr):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        opt.zero_grad()
        loss = F.mse_loss(model(batch[0]), batch[1])
        loss.backward()
        opt.step()
        return loss

    passed(ex.check_train_step(with_optimizer))

    def no_zero_grad(model, batch, lr):
        x, y = batch
        loss = F.mse_loss(model(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        return loss.item()

    failed(ex.check_train_step(no_zero_grad), "leftover gradients", "clear the old gradients")

    def outside_no_grad(model, batch, lr):
        loss = F.mse_loss(model(batch[0]), batch[1])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p -= lr * p.grad
        return loss.item()

    failed(ex.check_train_step(outside_no_grad), "raised RuntimeError", "torch.no_grad()")

    def ascent(model, batch, lr):
        return _train_step(model, batch, -lr)

    failed(ex.check_train_step(ascent), "moved up the gradient")

    def rebinds(model, batch, lr):
        loss = F.mse_loss(model(batch[0]), batch[1])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p = p - lr * p.grad  # noqa: F841 - the mistake under test
        return loss.item()

    failed(ex.check_train_step(rebinds), "did not change", "in place")

    def loss_after(model, batch, lr):
        _train_step(model, batch, lr)
        return F.mse_loss(model(batch[0]), batch[1]).item()

    failed(ex.check_train_step(loss_after), "after the update")
    failed(ex.check_train_step(lambda m, b, lr: None), "returned None, not the loss")


# --- 06 moons ------------------------------------------------------------------------------------

def test_moons_model():
    passed(ex.check_moons_model(lambda: lt.MLP(2, hidden=(32, 32), out_features=1)))
    passed(ex.check_moons_model(lambda: nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                                                      nn.Linear(16, 1))))
    failed(ex.check_moons_model(lambda: lt.LogisticRegression(2)), "below the target", "straight boundary")
    failed(ex.check_moons_model(lambda: nn.Sequential(nn.Linear(2, 64), nn.Linear(64, 1))),
           "no non-linear activation")
    failed(ex.check_moons_model(lambda: nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))),
           "take 2 inputs")
    failed(ex.check_moons_model(lambda: nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))),
           "one logit per point")
    failed(ex.check_moons_model(lambda: "MLP"), "not a torch model")


# --- 07 images: softmax, cross-entropy, accuracy -----------------------------------------------------

def _softmax(s):
    e = torch.exp(s - s.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)


def test_stable_softmax():
    passed(ex.check_stable_softmax(_softmax))
    passed(ex.check_stable_softmax(lambda s: torch.exp(s - torch.logsumexp(s, dim=1, keepdim=True))))
    passed(ex.check_stable_softmax(
        lambda s: np.exp(s - s.max(axis=1, keepdims=True)) / np.exp(s - s.max(axis=1, keepdims=True)).sum(1, keepdims=True)
        if len(s) else s, arrays=True))
    failed(ex.check_stable_softmax(lambda s: torch.exp(s) / torch.exp(s).sum(dim=1, keepdim=True)),
           "huge logits", "nan", "subtracted from every logit")
    failed(ex.check_stable_softmax(lambda s: torch.exp(s - s.max()) / torch.exp(s - s.max()).sum(dim=1, keepdim=True)),
           "a row of huge logits and a row of very negative ones", "each row needs its own")
    failed(ex.check_stable_softmax(lambda s: _softmax(s.T).T), "columns sum to 1")
    failed(ex.check_stable_softmax(lambda s: torch.as_tensor(_softmax(s).detach().numpy())),
           "requires_grad", "cut off")
    failed(ex.check_stable_softmax(lambda s: _softmax(s.float())), "dtype float32")


def _cross_entropy(s, y):
    return -(s - torch.logsumexp(s, dim=1, keepdim=True))[torch.arange(len(s)), y].mean()


def test_cross_entropy():
    passed(ex.check_cross_entropy(_cross_entropy))
    passed(ex.check_cross_entropy(lambda s, y: F.nll_loss(torch.log_softmax(s, dim=1), y)))

    def np_ce(s, y):
        m = s.max(axis=1, keepdims=True)
        log_p = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(s)), y.astype(int)].mean()

    passed(ex.check_cross_entropy(np_ce, arrays=True))
    failed(ex.check_cross_entropy(lambda s, y: -torch.log(_softmax(s))[torch.arange(len(s)), y].mean()),
           "huge logits", "inf", "log-softmax")
    failed(ex.check_cross_entropy(lambda s, y: -(s - torch.logsumexp(s, 1, keepdim=True))[:, y].mean()),
           "one entry per row")
    failed(ex.check_cross_entropy(lambda s, y: _cross_entropy(s, y) * len(s)), "times too large")


def test_accuracy():
    passed(ex.check_accuracy(lambda s, y: (s.argmax(dim=1) == y).float().mean()))
    passed(ex.check_accuracy(lambda s, y: float(np.mean(s.argmax(axis=1) == y)), arrays=True))
    failed(ex.check_accuracy(lambda s, y: (s.argmax(dim=1) == y).sum()), "number of rows predicted right")
    failed(ex.check_accuracy(lambda s, y: (s.argmax(dim=1) == y).mean()), "booleans")
    failed(ex.check_accuracy(lambda s, y: (s.argmax(dim=0) == y).float().mean()), "along each row")
    failed(ex.check_accuracy(lambda s, y: (s.argmax(dim=1) != y).float().mean()), "predicted wrong")


def test_first_class_numbers_classes_from_one_as_r_does():
    one_based = lambda s, y: float(np.mean(s.argmax(axis=1) + 1 == y))
    passed(ex.check_accuracy(one_based, arrays=True, first_class=1))
    passed(ex.check("accuracy", one_based, arrays=True, first_class=1))
    result = ex.check_accuracy(lambda s, y: float(np.mean(s.argmax(axis=1) == y)), arrays=True, first_class=1)
    failed(result, "targets = array of shape (10,): [3, 3, 3, 1")  # the labels as the function saw them
    with pytest.raises(ValueError, match="first_class"):
        ex.check_accuracy(one_based, arrays=True, first_class=2)


def test_messages_never_show_reference_code():
    # A failing message names inputs and values, never the reference's calls.
    text = " ".join(ex.check(name, lambda *a: None).message for name in ex.EXERCISES if name != "moons_model")
    for secret in ("binary_cross_entropy_with_logits", "torch.softmax(", "cdist", "permute(0, 3, 1, 2)",
                   "F.cross_entropy", "logsumexp"):
        assert secret not in text
