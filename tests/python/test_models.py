"""learntorch.models: the tutorials' networks, their recorded arguments and their input checks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import learntorch as lt


def test_simple_classifier_is_the_tutorials_network():
    torch.manual_seed(0)
    model = lt.SimpleClassifier(2, 4, 1)
    assert model.config == dict(num_inputs=2, num_hidden=4, num_outputs=1, activation="tanh")
    assert isinstance(model.linear1, nn.Linear) and model.linear1.weight.shape == (4, 2)
    assert isinstance(model.act_fn, nn.Tanh)
    assert model.linear2.weight.shape == (1, 4)
    assert sum(p.numel() for p in model.parameters()) == 2 * 4 + 4 + 4 + 1
    x = torch.randn(7, 2)
    out = model(x)
    assert out.shape == (7, 1)
    # logits, not probabilities: the same arithmetic as the tutorial's forward
    want = model.linear2(torch.tanh(model.linear1(x)))
    torch.testing.assert_close(out, want)
    assert model.task == "binary"


def test_simple_classifier_builds_the_same_weights_as_the_tutorial_under_a_seed():
    class TutorialSimpleClassifier(nn.Module):
        def __init__(self, num_inputs, num_hidden, num_outputs):
            super().__init__()
            self.linear1 = nn.Linear(num_inputs, num_hidden)
            self.act_fn = nn.Tanh()
            self.linear2 = nn.Linear(num_hidden, num_outputs)

    torch.manual_seed(42)
    ours = lt.SimpleClassifier(2, 4, 1)
    torch.manual_seed(42)
    theirs = TutorialSimpleClassifier(2, 4, 1)
    for (k1, v1), (k2, v2) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)


@pytest.mark.parametrize(
    "model, x, out_shape, task",
    [
        (lt.LinearRegression(3, 2), torch.randn(5, 3), (5, 2), "regression"),
        (lt.LogisticRegression(4), torch.randn(5, 4), (5, 1), "binary"),
        (lt.MLP(2, hidden=(8, 8)), torch.randn(5, 2), (5, 1), "binary"),
        (lt.MLP(2, hidden=8, out_features=3), torch.randn(5, 2), (5, 3), "multiclass"),
        (lt.MLP(2, hidden=(8,), task="regression"), torch.randn(5, 2), (5, 1), "regression"),
        (lt.MLP(16, hidden=(8,)), torch.randn(5, 4, 4), (5, 1), "binary"),  # images are flattened
        (lt.SoftmaxRegression(4, 3), torch.randn(5, 4), (5, 3), "multiclass"),
        (lt.ConvNet(1, 10, image_size=8, width=4), torch.randn(5, 1, 8, 8), (5, 10), "multiclass"),
        (lt.ConvNet(1, 10, image_size=8, width=4), torch.randn(5, 64), (5, 10), "multiclass"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_models_output_shapes_and_tasks(model, x, out_shape, task):
    assert model(x).shape == out_shape
    assert model.task == task


def test_mlp_layers_match_its_arguments():
    model = lt.MLP(2, hidden=(500, 500), out_features=1, activation="relu")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 500), (500, 500), (500, 1)]
    assert sum(isinstance(m, nn.ReLU) for m in model.modules()) == 2
    assert model.config["hidden"] == [500, 500]


@pytest.mark.parametrize("cls, args", [
    (lt.SimpleClassifier, dict(num_inputs=3, num_hidden=5, num_outputs=2, activation="relu")),
    (lt.LinearRegression, dict(in_features=3, out_features=2)),
    (lt.LogisticRegression, dict(in_features=3)),
    (lt.MLP, dict(in_features=3, hidden=[4, 6], out_features=2, activation="gelu", task="classification")),
    (lt.SoftmaxRegression, dict(in_features=3, num_classes=4)),
    (lt.ConvNet, dict(in_channels=1, num_classes=3, image_size=8, width=4)),
])
def test_config_rebuilds_the_same_architecture(cls, args):
    model = cls(**args)
    assert model.config == args
    clone = cls(**model.config)
    assert [(k, v.shape) for k, v in clone.state_dict().items()] == [(k, v.shape) for k, v in model.state_dict().items()]
    clone.load_state_dict(model.state_dict())  # same keys and shapes


@pytest.mark.parametrize("model, x", [
    (lt.SimpleClassifier(2, 4, 1), torch.randn(3, 3)),
    (lt.SimpleClassifier(2, 4, 1), torch.randn(3)),
    (lt.LinearRegression(2), torch.randn(3, 1)),
    (lt.LogisticRegression(4), torch.randn(3, 2)),
    (lt.MLP(2, hidden=(4,)), torch.randn(3, 5)),
])
def test_models_reject_inputs_of_the_wrong_width_naming_the_expected_width(model, x):
    with pytest.raises(ValueError, match=rf"`x`.*{model.in_features} features.*{tuple(x.shape)}".replace("(", r"\(").replace(")", r"\)")):
        model(x)


def test_models_reject_non_tensors():
    with pytest.raises(TypeError, match="torch.Tensor"):
        lt.SimpleClassifier(2, 4, 1)([[0.0, 1.0]])


@pytest.mark.parametrize("call, argument", [
    (lambda: lt.SimpleClassifier(0, 4, 1), "num_inputs"),
    (lambda: lt.SimpleClassifier(2, -1, 1), "num_hidden"),
    (lambda: lt.SimpleClassifier(2, 4, 1, activation="swishy"), "activation"),
    (lambda: lt.LinearRegression(0), "in_features"),
    (lambda: lt.MLP(2, hidden=(0,)), "hidden"),
    (lambda: lt.MLP(2, task="ranking"), "task"),
    (lambda: lt.SoftmaxRegression(4, 0), "num_classes"),
    (lambda: lt.ConvNet(image_size=2), "image_size"),
])
def test_constructors_reject_bad_arguments_naming_them(call, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call()


@pytest.mark.parametrize("cls, args", [
    (lt.SimpleClassifier, dict(num_inputs=2, num_hidden=4, num_outputs=1)),
    (lt.LinearRegression, dict(in_features=3, out_features=2)),
    (lt.LogisticRegression, dict(in_features=3)),
    (lt.MLP, dict(in_features=3, hidden=[4, 6], out_features=2)),
    (lt.SoftmaxRegression, dict(in_features=3, num_classes=4)),
    (lt.ConvNet, dict(in_channels=1, num_classes=3, image_size=8, width=4)),
])
def test_constructors_take_whole_floats_as_r_sends_them(cls, args):
    as_floats = {k: [float(h) for h in v] if isinstance(v, list) else float(v) for k, v in args.items()}
    model = cls(**as_floats)
    assert {k: model.config[k] for k in args} == args
    assert all(type(v) is int for k, v in model.config.items() if k in args and k != "hidden")
    assert model(torch.zeros(2, model.in_features)).shape[0] == 2
