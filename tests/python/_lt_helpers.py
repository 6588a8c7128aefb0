"""Helpers shared by the test modules (imported as a plain module)."""

from __future__ import annotations

import torch


def tutorial_xor_dataset(size: int, std: float = 0.1):
    """The UvA tutorial's XORDataset.generate_continuous_xor, verbatim in its arithmetic."""
    data = torch.randint(low=0, high=2, size=(size, 2), dtype=torch.float32)
    label = (data.sum(dim=1) == 1).to(torch.long)
    data += std * torch.randn(data.shape)
    return data, label


def params_of(model):
    """A detached copy of every entry of the model's state dict."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same_params(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"parameter {k} differs"
