"""A model's layers as a table: what ``summary(model)`` prints in R and ``layer_table`` gives in
Python. One row per layer (a module without children) with its type, the shape of its output for
one batch, and its parameters. Output shapes come from one forward pass of a zero batch, with
hooks, when the input shape is known (given, or what a fit or the model's first layer says).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import pandas as pd
import torch
from torch import nn

from .tasks import get_spec

__all__ = ["layer_table", "default_input_shape"]


def default_input_shape(model: nn.Module) -> Optional[Tuple[int, ...]]:
    """The shape of one input row, when the model tells: its fit's columns, a ConvNet's images,
    else the first Linear or Conv2d layer."""
    spec = get_spec(model)
    if spec is not None and spec.feature_names:
        return (len(spec.feature_names),)
    config = getattr(model, "config", None)
    if isinstance(config, dict) and {"in_channels", "image_size"} <= set(config):
        return (config["in_channels"], config["image_size"], config["image_size"])
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return (module.in_features,)
        if isinstance(module, (nn.Conv2d, nn.Conv1d)):
            return None  # the spatial size is unknown
    return None


def _shape_text(out: object) -> Optional[str]:
    if isinstance(out, torch.Tensor):
        return "(" + ", ".join(["N"] + [str(d) for d in out.shape[1:]]) + ")"
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return _shape_text(out[0])
    return None


def layer_table(model: nn.Module, input_shape: Optional[Sequence[int]] = None) -> pd.DataFrame:
    """Columns layer, type, output_shape ("(N, 4)", or None when no forward pass could run),
    parameters and trainable (counts), one row per layer in call order (definition order when
    the model was not run)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    shape = tuple(input_shape) if input_shape is not None else default_input_shape(model)
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children()) and name]
    if not leaves:
        leaves = [("", model)]
    shapes, order = {}, []
    if shape is not None:
        param = next((p for p in model.parameters() if p.is_floating_point()), None)
        dtype = param.dtype if param is not None else torch.get_default_dtype()
        device = param.device if param is not None else torch.device("cpu")

        def hook(name: str):
            def record(module, inputs, output):
                if name not in shapes:
                    order.append(name)
                shapes[name] = _shape_text(output)
            return record

        handles = [m.register_forward_hook(hook(name)) for name, m in leaves]
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                model(torch.zeros((2, *shape), dtype=dtype, device=device))
        except Exception:  # noqa: BLE001 - a probe that fails leaves the shapes unknown
            shapes, order = {}, []
        finally:
            model.train(was_training)
            for handle in handles:
                handle.remove()
    rank = {name: i for i, name in enumerate(order)}
    leaves.sort(key=lambda item: rank.get(item[0], len(rank)))
    rows: List[dict] = []
    for name, module in leaves:
        params = list(module.parameters(recurse=False))
        rows.append({
            "layer": name or type(module).__name__,
            "type": type(module).__name__,
            "output_shape": shapes.get(name),
            "parameters": int(sum(p.numel() for p in params)),
            "trainable": int(sum(p.numel() for p in params if p.requires_grad)),
        })
    return pd.DataFrame(rows, columns=["layer", "type", "output_shape", "parameters", "trainable"])
