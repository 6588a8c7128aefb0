"""learntorch.losses: the three Bernoulli NLLs agree; names resolve; bad labels are refused."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import learntorch as lt
from learntorch import losses

BERNOULLI = [losses.bernoulli_nll_manual, losses.bernoulli_nll_distribution, losses.bernoulli_nll_bce]


def _reference_nll(logits, targets):
    """-mean(y log p + (1 - y) log(1 - p)) in float64 with the stable softplus form."""
    s = logits.double().reshape(-1)
    y = targets.double().reshape(-1)
    return (torch.nn.functional.softplus(s) - y * s).mean()


@pytest.mark.parametrize("shape", [(64,), (64, 1)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_bernoulli_losses_agree_on_random_logits(shape, seed):
    gen = torch.Generator().manual_seed(seed)
    logits = 5 * torch.randn(shape, generator=gen)
    targets = torch.randint(0, 2, shape, generator=gen)
    values = [fn(logits, targets) for fn in BERNOULLI]
    bce = nn.BCEWithLogitsLoss()(logits, targets.float())
    for v in values:
        assert v.shape == ()
        assert abs(v.item() - values[0].item()) <= 1e-6
        assert abs(v.item() - bce.item()) <= 1e-6
        assert abs(v.item() - _reference_nll(logits, targets).item()) <= 1e-5


@pytest.mark.parametrize("logit", [50.0, -50.0, 100.0, -100.0])
@pytest.mark.parametrize("label", [0, 1])
def test_three_bernoulli_losses_agree_at_extreme_logits(logit, label):
    logits = torch.full((4, 1), logit)
    targets = torch.full((4,), label)
    values = [fn(logits, targets).item() for fn in BERNOULLI]
    want = _reference_nll(logits, targets).item()  # about 0 or about |logit|
    bce = nn.BCEWithLogitsLoss()(logits.reshape(-1), targets.float()).item()
    for v in values + [bce]:
        assert v == pytest.approx(want, abs=1e-6, rel=1e-6)
        assert torch.isfinite(torch.tensor(v))


def test_three_bernoulli_losses_have_the_same_gradient():
    gen = torch.Generator().manual_seed(0)
    base = 10 * torch.randn(32, generator=gen)
    targets = torch.randint(0, 2, (32,), generator=gen)
    grads = []
    for fn in BERNOULLI:
        logits = base.clone().requires_grad_(True)
        fn(logits, targets).backward()
        grads.append(logits.grad)
    for g in grads[1:]:
        torch.testing.assert_close(g, grads[0], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("fn", BERNOULLI, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [2, -1, 0.5])
def test_bernoulli_losses_reject_labels_outside_0_1_naming_the_label(fn, bad):
    logits = torch.zeros(3)
    targets = torch.tensor([0.0, 1.0, float(bad)])
    with pytest.raises(ValueError, match=r"\{0, 1\}") as info:
        fn(logits, targets)
    assert "`targets`" in str(info.value)
    assert str(bad) in str(info.value)


def test_bernoulli_losses_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="`logits`.*`targets`"):
        losses.bernoulli_nll_manual(torch.zeros(3), torch.zeros(4))


def test_mse_and_cross_entropy():
    pred = torch.tensor([[1.0], [2.0], [4.0]])
    target = torch.tensor([1.0, 1.0, 1.0])
    assert losses.mse(pred, target).item() == pytest.approx((0 + 1 + 9) / 3)
    with pytest.raises(ValueError, match="shape"):
        losses.mse(torch.zeros(3, 2), torch.zeros(3))
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 3.0]])
    y = torch.tensor([0, 2])
    want = -(torch.log_softmax(logits, 1)[[0, 1], [0, 2]]).mean()
    assert losses.cross_entropy(logits, y).item() == pytest.approx(want.item(), abs=1e-6)


@pytest.mark.parametrize("name, fn", [
    ("bce", losses.bernoulli_nll_bce),
    ("BCE", losses.bernoulli_nll_bce),
    ("bernoulli_nll_manual", losses.bernoulli_nll_manual),
    ("bernoulli_nll_distribution", losses.bernoulli_nll_distribution),
    ("mse", losses.mse),
    ("cross_entropy", losses.cross_entropy),
])
def test_get_loss_by_name(name, fn):
    assert lt.get_loss(name) is fn


def test_get_loss_accepts_modules_and_callables_and_rejects_the_rest():
    # Loss objects are kept as they are, so their settings (weights, pos_weight...) count.
    weighted = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.0]), label_smoothing=0.1)
    assert lt.get_loss(weighted) is weighted
    assert lt.get_loss("cross_entropy") is losses.cross_entropy
    with pytest.raises(ValueError, match="reduction='none'"):
        lt.get_loss(nn.MSELoss(reduction="none"))

    def mine(a, b):
        return (a - b).abs().mean()

    assert lt.get_loss(mine) is mine
    with pytest.raises(ValueError, match="`loss`.*hinge"):
        lt.get_loss("hinge")
    with pytest.raises(TypeError, match="`loss`"):
        lt.get_loss(42)
