"""Inference in one pass under ``torch.inference_mode()``: predictions, metrics, decision grids
and confusion counts, returned as numbers, numpy arrays of the original labels, or tidy frames.

Every function here asks :func:`learntorch.tasks.resolve_task` (through :func:`model_spec`)
what the model does; none infers a task of its own.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from .adapters import DataLike, Stream, Table, as_inputs, as_source
from .data import _check_int
from .losses import default_loss, get_loss
from .metrics import check_metrics, compute_metrics
from .labels import decode
from .tasks import (Spec, check_output, get_spec, loss_targets, predicted_codes, probabilities,
                    resolve_task, targets_for)

__all__ = [
    "model_task",
    "model_spec",
    "model_outputs",
    "predict_proba",
    "predict",
    "evaluate",
    "decision_grid",
    "confusion_matrix",
]

# Rows per forward pass: one pass for any tutorial-sized input, bounded memory for huge ones.
_CHUNK = 65536


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _param(model: nn.Module) -> Tuple[torch.dtype, torch.device]:
    """The dtype and device inputs must take: those of the model's first floating parameter."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype, tensor.device
    return torch.get_default_dtype(), torch.device("cpu")


def select_output(out: Any, output: Union[int, str, None], where: str = "the model") -> torch.Tensor:
    """The prediction tensor of a forward pass; a tuple or dict needs ``output=`` to pick one."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list, dict)):
        if output is None:
            keys = list(out.keys()) if isinstance(out, dict) else list(range(len(out)))
            raise TypeError(f"{where} returns a {type(out).__name__} ({len(out)} items), not a tensor: pass "
                            f"`output=` to fit to choose the predictions, one of {keys}")
        try:
            chosen = out[output]
        except (KeyError, IndexError, TypeError):
            keys = list(out.keys()) if isinstance(out, dict) else list(range(len(out)))
            raise ValueError(f"`output` {output!r} is not one of {keys}") from None
        return select_output(chosen, None, where)
    raise TypeError(f"{where} returns a {type(out).__name__}, not a tensor")


def _forward_rows(model: nn.Module, x: torch.Tensor, output: Any, dtype: torch.dtype,
                  device: torch.device, name: str) -> torch.Tensor:
    if x.is_floating_point() and x.dtype != dtype:
        x = x.to(dtype)
    try:
        out = model(x.to(device))
    except ValueError as exc:  # a learntorch model's own input check
        raise ValueError(f"`{name}` does not fit the model: {exc}") from None
    except (RuntimeError, IndexError, TypeError) as exc:
        # torch's message says what went wrong; this says which argument it came from.
        raise ValueError(f"the model cannot take the inputs of `{name}` (rows of shape {tuple(x.shape[1:])}, "
                         f"{x.dtype}): {exc}") from None
    out = select_output(out, output)
    return out.reshape(len(out), -1)  # (B,) and (B, 1) alike become (B, width)


def model_outputs(model: nn.Module, source: Union[Table, Stream], output: Any = None, name: str = "data"
                  ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """(N, width) outputs on the CPU and the targets (or None), in eval mode, without autograd.

    The model's train/eval mode is restored afterwards.
    """
    dtype, device = _param(model)
    was_training = model.training
    model.eval()
    outs, ys = [], []
    try:
        with torch.inference_mode():
            if isinstance(source, Table):
                x = source.x
                outs = [_forward_rows(model, x[i:i + _CHUNK], output, dtype, device, name).cpu()
                        for i in range(0, len(x), _CHUNK)]
                y = source.y
            else:
                for xb, yb in source:
                    outs.append(_forward_rows(model, xb, output, dtype, device, name).cpu())
                    if yb is not None:
                        ys.append(yb.cpu())
                y = torch.cat(ys) if ys else None
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("the data is empty")
    return torch.cat(outs), y


def _default_classes(task: str, width: int) -> Optional[list]:
    if task == "regression":
        return None
    return [0, 1] if task == "binary" else list(range(width))


def model_spec(model: nn.Module, width: Optional[int] = None, task: Optional[str] = None,
               loss: Any = None, output: Any = None, y: Optional[torch.Tensor] = None,
               classes: Optional[list] = None) -> Spec:
    """What ``model`` does: the spec a fit left on it, else one decided by ``resolve_task``
    (from the model, its output width and, when given, the targets ``y`` / label ``classes``)."""
    spec = get_spec(model)
    if spec is not None and task is None:
        return spec
    task = resolve_task(task=task, loss=loss, model=model, width=width, y=y, classes=classes)
    scale = spec.scale if spec is not None else "logits"
    if spec is not None and spec.task == task:
        classes = spec.classes
    elif task == "regression" or classes is None:
        classes = _default_classes(task, width or 1)
    return Spec(task=task, classes=classes, scale=scale, output=check_output(output))


def model_task(model: nn.Module, task: Optional[str] = None) -> str:
    """``"binary"``, ``"multiclass"`` or ``"regression"``: what the model was fitted (or built) for."""
    return model_spec(model, task=task).task


def _outputs_and_spec(model: nn.Module, data: DataLike, name: str, task: Optional[str], x: Any = None,
                      y: Any = None, need_targets: bool = False):
    _check_model(model)
    known = get_spec(model)
    if need_targets:
        source = as_source(data, name, x=x, y=y)
    else:
        source = as_inputs(data, name, known.feature_names if known is not None else None, x=x)
    output = known.output if known is not None else None
    outputs, targets = model_outputs(model, source, output, name)
    spec = model_spec(model, outputs.shape[1], task, y=targets,
                      classes=source.classes if isinstance(source, Table) else None)
    return outputs, targets, spec, source


def predict_proba(model: nn.Module, x: DataLike, task: Optional[str] = None) -> np.ndarray:
    """Class probabilities: (N,) P(second class) for a binary model, (N, C) otherwise, with the
    columns in the order of the model's classes."""
    outputs, _, spec, _ = _outputs_and_spec(model, x, "x", task)
    return probabilities(outputs, spec).numpy()


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
            or not 0 < threshold < 1:
        raise ValueError(f"`threshold` must be a number strictly between 0 and 1, got {threshold!r}")
    return float(threshold)


def predict(model: nn.Module, x: DataLike, threshold: float = 0.5, task: Optional[str] = None) -> np.ndarray:
    """The original class labels for a classifier (``P > threshold`` if binary), values for a
    regressor ((N,) for one output, (N, k) for several)."""
    threshold = _check_threshold(threshold)
    outputs, _, spec, _ = _outputs_and_spec(model, x, "x", task)
    if spec.task == "regression":
        return (outputs[:, 0] if outputs.shape[1] == 1 else outputs).numpy()
    return decode(predicted_codes(outputs, spec, threshold).numpy(), spec.classes)


def _labelled(model: nn.Module, data: DataLike, task: Optional[str], x: Any, y: Any):
    """Outputs, targets ready for the loss's task (codes of the model's classes), and the spec."""
    outputs, targets, spec, source = _outputs_and_spec(model, data, "data", task, x, y, need_targets=True)
    if targets is None:
        raise ValueError("`data` must carry targets: a dataset, an (x, y) pair or a DataFrame with `y=`")
    classes = source.classes if isinstance(source, Table) else None
    targets, _ = targets_for(spec.task, targets, classes, outputs.shape[1], "data", known=spec.classes)
    return outputs, targets, spec


def evaluate(model: nn.Module, data: DataLike, loss: Union[str, Callable, nn.Module, None] = None,
             task: Optional[str] = None, x: Any = None, y: Any = None,
             metrics: Union[str, Sequence[str], None] = None) -> Dict[str, float]:
    """``{"loss": ..., <metric>: ...}`` on labelled data; by default the loss and, for
    classifiers, accuracy. ``metrics`` names others, as ``fit`` does (f1, auc, r2...).

    ``loss`` defaults to the model's training loss for its task; string labels are matched to
    the model's classes, and a label it does not know is an error that names it.
    """
    outputs, targets, spec = _labelled(model, data, task, x, y)
    names = check_metrics(metrics, spec.task)
    loss_fn = get_loss(loss) if loss is not None else default_loss(spec.task, outputs.shape[1], spec.scale)
    row_shape = (outputs.shape[1],)
    with torch.inference_mode():
        result = {"loss": float(loss_fn(outputs, loss_targets(spec.task, targets, row_shape, outputs.dtype)))}
        result.update(compute_metrics(names, outputs, targets, spec))
    return result


def accuracy(codes: torch.Tensor, targets: torch.Tensor) -> float:
    """Share of rows whose predicted code equals the target code (exact count / N)."""
    return (codes == targets.reshape(-1).long()).sum().item() / max(len(codes), 1)


def _limits(value: Optional[Sequence[float]], name: str, column: Optional[np.ndarray]) -> Tuple[float, float]:
    if value is None:
        if column is None:
            return (-0.5, 1.5)
        low, high = float(np.min(column)), float(np.max(column))
        pad = 0.1 * (high - low) if high > low else 0.5
        return (low - pad, high + pad)
    if len(value) != 2 or not np.all(np.isfinite(np.asarray(value, dtype=float))) or not value[0] < value[1]:
        raise ValueError(f"`{name}` must be two finite numbers (low, high) with low < high, got {value!r}")
    return (float(value[0]), float(value[1]))


def decision_grid(
    model: nn.Module,
    data: Optional[DataLike] = None,
    xlim: Optional[Sequence[float]] = None,
    ylim: Optional[Sequence[float]] = None,
    resolution: int = 200,
    task: Optional[str] = None,
) -> pd.DataFrame:
    """What a two-input model predicts on a ``resolution x resolution`` grid, as a tidy frame.

    Binary: (x1, x2, prob) with P(second class); multiclass: (x1, x2, class, prob) with the
    predicted class and its probability; regression: (x1, x2, value). x1 varies fastest. The
    range covers ``data`` (with a margin) when given, else ``xlim``/``ylim`` or -0.5..1.5.
    """
    _check_model(model)
    resolution = _check_int(resolution, "resolution", 2)
    columns = None
    if data is not None:
        known = get_spec(model)
        table = as_inputs(data, "data", known.feature_names if known is not None else None)
        if not isinstance(table, Table):
            raise TypeError("`data` for decision_grid must be in memory (a dataset, arrays or a DataFrame)")
        if table.x.ndim != 2 or table.x.shape[1] != 2:
            raise ValueError(f"decision_grid draws models of two inputs; `data` has inputs of shape {tuple(table.x.shape[1:])}")
        columns = table.x.numpy()
    x_lim = _limits(xlim, "xlim", columns[:, 0] if columns is not None else None)
    y_lim = _limits(ylim, "ylim", columns[:, 1] if columns is not None else None)
    x1 = torch.linspace(x_lim[0], x_lim[1], resolution)
    x2 = torch.linspace(y_lim[0], y_lim[1], resolution)
    g2, g1 = torch.meshgrid(x2, x1, indexing="ij")  # (R, R), x1 varies along columns
    points = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)  # (R*R, 2)
    outputs, _, spec, _ = _outputs_and_spec(model, points, "grid", task)
    frame = pd.DataFrame({"x1": points[:, 0].numpy(), "x2": points[:, 1].numpy()})
    if spec.task == "regression":
        if outputs.shape[1] != 1:
            raise ValueError(f"decision_grid draws one output; this regression model has {outputs.shape[1]}")
        frame["value"] = outputs[:, 0].numpy()
    elif spec.task == "binary":
        frame["prob"] = probabilities(outputs, spec).numpy()
    else:
        probs = probabilities(outputs, spec)
        best, codes = probs.max(dim=1)
        frame["class"] = _as_categorical(codes.numpy(), spec.classes)
        frame["prob"] = best.numpy()
    return frame


def _as_categorical(codes: np.ndarray, classes: list) -> Union[pd.Categorical, np.ndarray]:
    """Labels for codes: numbers as they are, names as a categorical in the classes' order."""
    labels = decode(codes, classes)
    if labels.dtype == object:
        return pd.Categorical.from_codes(codes, categories=pd.Index(classes, dtype=object))
    return labels


def confusion_matrix(model: nn.Module, data: DataLike, task: Optional[str] = None, x: Any = None,
                     y: Any = None) -> pd.DataFrame:
    """Counts of (truth, prediction) pairs over the model's classes, zeros included: tidy frame.

    ``truth`` and ``prediction`` hold the original labels (a categorical in class order for
    names), so a 3-class model gives 9 rows.
    """
    outputs, targets, spec = _labelled(model, data, task, x, y)
    if spec.task == "regression":
        raise ValueError("a confusion matrix needs a classifier; this model does regression")
    k = len(spec.classes)
    pred = predicted_codes(outputs, spec)
    truth = targets.reshape(-1).long()
    counts = torch.bincount(truth * k + pred, minlength=k * k).reshape(k, k)  # (truth, prediction)
    t, p = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    return pd.DataFrame({
        "truth": _as_categorical(t.reshape(-1).numpy(), spec.classes),
        "prediction": _as_categorical(p.reshape(-1).numpy(), spec.classes),
        "count": counts.reshape(-1).numpy(),
    })
