"""The tutorials' networks. Each records its constructor arguments in ``.config`` so that a
checkpoint can rebuild it without the user re-declaring the architecture.

Every classifier returns logits: the losses apply the sigmoid/softmax themselves, which is
more precise than a sigmoid layer followed by a log.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Dict, Sequence, Type

import numpy as np
import torch
from torch import nn

from .suggest import did_you_mean  # a leaf, as this module is

__all__ = [
    "SimpleClassifier",
    "LinearRegression",
    "LogisticRegression",
    "MLP",
    "SoftmaxRegression",
    "ConvNet",
    "MODEL_CLASSES",
    "activation",
]

_ACTIVATIONS: Dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "identity": nn.Identity,
}


def activation(name: str) -> nn.Module:
    """An activation module by name: tanh, relu, sigmoid, gelu, leaky_relu, elu, identity."""
    if not isinstance(name, str) or name.lower() not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {sorted(_ACTIVATIONS)}, got {name!r}."
                         f"{did_you_mean(name, _ACTIVATIONS)}")
    return _ACTIVATIONS[name.lower()]()


_make_activation = activation  # the constructors' `activation` argument shadows the function


def _positive(value: object, name: str) -> int:
    """A positive int; a whole float (R's ``4``) counts. Local because this module is a leaf
    (the rest of the package uses ``data._check_int``)."""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and float(value).is_integer():
        value = int(value)  # 4.0 from R, np.float64(4) from numpy
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}")
    return int(value)


class _Recorded(nn.Module):
    """Base class: ``config`` holds the constructor arguments; ``in_features`` is checked on input."""

    config: dict
    in_features: int

    @property
    def task(self) -> str:
        """``"binary"`` (one logit), ``"multiclass"`` (C logits) or ``"regression"``."""
        return "binary" if self._out_width() == 1 else "multiclass"

    def _out_width(self) -> int:
        raise NotImplementedError

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"model input must be a torch.Tensor, got {type(x).__name__}")
        # From the shape alone: indexing x[0] would dispatch an op on every forward.
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.in_features:
            raise ValueError(
                f"{type(self).__name__} expects inputs `x` with {self.in_features} features per row, "
                f"got a tensor of shape {tuple(x.shape)}"
            )


class SimpleClassifier(_Recorded):
    """The tutorial's XOR network: Linear -> activation -> Linear, returning logits."""

    def __init__(self, num_inputs: int = 2, num_hidden: int = 4, num_outputs: int = 1, activation: str = "tanh"):
        super().__init__()
        num_inputs, num_hidden = _positive(num_inputs, "num_inputs"), _positive(num_hidden, "num_hidden")
        num_outputs = _positive(num_outputs, "num_outputs")
        self.config = dict(num_inputs=num_inputs, num_hidden=num_hidden, num_outputs=num_outputs, activation=activation)
        self.in_features = num_inputs
        self.linear1 = nn.Linear(num_inputs, num_hidden)
        self.act_fn = _make_activation(activation)
        self.linear2 = nn.Linear(num_hidden, num_outputs)

    def _out_width(self) -> int:
        return self.config["num_outputs"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.linear2(self.act_fn(self.linear1(x)))  # (N, num_outputs) logits


class LinearRegression(_Recorded):
    """``y = x W^T + b``: one Linear layer."""

    def __init__(self, in_features: int, out_features: int = 1):
        super().__init__()
        in_features, out_features = _positive(in_features, "in_features"), _positive(out_features, "out_features")
        self.config = dict(in_features=in_features, out_features=out_features)
        self.in_features = in_features
        self.linear = nn.Linear(in_features, out_features)

    @property
    def task(self) -> str:
        """Always ``"regression"``."""
        return "regression"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.linear(x)  # (N, out_features)


class LogisticRegression(_Recorded):
    """A linear predictor for a Bernoulli label; returns the logit (N, 1)."""

    def __init__(self, in_features: int):
        super().__init__()
        in_features = _positive(in_features, "in_features")
        self.config = dict(in_features=in_features)
        self.in_features = in_features
        self.linear = nn.Linear(in_features, 1)

    def _out_width(self) -> int:
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.linear(x)  # (N, 1) logits


class MLP(_Recorded):
    """Fully connected layers with an activation between them; flattens image batches.

    ``hidden=(500, 500)`` gives in -> 500 -> 500 -> out, as in the moons tutorial. Outputs are
    logits when ``task="classification"`` (the default) and values when ``task="regression"``.
    """

    def __init__(self, in_features: int, hidden: Sequence[int] = (500, 500), out_features: int = 1,
                 activation: str = "relu", task: str = "classification"):
        super().__init__()
        if task not in ("classification", "regression"):
            raise ValueError(f"`task` must be 'classification' or 'regression', got {task!r}")
        if isinstance(hidden, (int, float)):
            hidden = (hidden,)
        hidden = tuple(_positive(h, "hidden") for h in hidden)
        in_features, out_features = _positive(in_features, "in_features"), _positive(out_features, "out_features")
        self.config = dict(in_features=in_features, hidden=list(hidden), out_features=out_features,
                           activation=activation, task=task)
        self.in_features = in_features
        sizes = (in_features, *hidden)
        layers: list[nn.Module] = [nn.Flatten()]
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), _make_activation(activation)]
        layers.append(nn.Linear(sizes[-1], out_features))
        self.net = nn.Sequential(*layers)

    @property
    def task(self) -> str:
        """``"regression"`` when built so, else ``"binary"`` or ``"multiclass"`` by output width."""
        if self.config["task"] == "regression":
            return "regression"
        return "binary" if self.config["out_features"] == 1 else "multiclass"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.net(x)  # (N, out_features) logits


class SoftmaxRegression(_Recorded):
    """Multinomial logistic regression: flatten, then one Linear layer to class logits."""

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        in_features, num_classes = _positive(in_features, "in_features"), _positive(num_classes, "num_classes")
        self.config = dict(in_features=in_features, num_classes=num_classes)
        self.in_features = in_features
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(in_features, num_classes)

    def _out_width(self) -> int:
        return self.config["num_classes"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.linear(self.flatten(x))  # (N, num_classes) logits


class ConvNet(_Recorded):
    """The tutorial's CNN: [Conv-ReLU-Conv-ReLU-MaxPool] blocks, then a small classifier head.

    The number of blocks follows ``image_size`` (three for 32x32 CIFAR and 28x28 MNIST, two for
    8x8 digits), so every size keeps at least a 2x2 feature map; channels double per block.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32, width: int = 32):
        super().__init__()
        in_channels, num_classes = _positive(in_channels, "in_channels"), _positive(num_classes, "num_classes")
        image_size, width = _positive(image_size, "image_size"), _positive(width, "width")
        self.config = dict(in_channels=in_channels, num_classes=num_classes, image_size=image_size, width=width)
        self.in_features = in_channels * image_size * image_size
        self.in_channels, self.image_size = in_channels, image_size
        if image_size < 4:
            raise ValueError(f"`image_size` must be at least 4, got {image_size}")
        blocks: list[nn.Module] = []
        channels, size, out = in_channels, image_size, width
        while size >= 4 and len(blocks) < 3:  # each block halves the side: 32->4, 28->3, 8->2
            blocks.append(nn.Sequential(
                nn.Conv2d(channels, out, kernel_size=3, padding=1), nn.ReLU(),
                nn.Conv2d(out, out, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2),
            ))
            channels, size, out = out, size // 2, out * 2
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, 128), nn.ReLU(), nn.Linear(128, num_classes))

    def _out_width(self) -> int:
        return self.config["num_classes"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x = x.reshape(len(x), self.in_channels, self.image_size, self.image_size)  # (N, C, H, W)
        return self.head(self.features(x))  # (N, num_classes) logits


MODEL_CLASSES: Dict[str, Type[nn.Module]] = {
    cls.__name__: cls
    for cls in (SimpleClassifier, LinearRegression, LogisticRegression, MLP, SoftmaxRegression, ConvNet)
}
