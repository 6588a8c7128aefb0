"""The one place that decides a model's task, and the class labels that travel with it.

``resolve_task`` decides binary / multiclass / regression, in this order: an explicit
``task=``; the loss; what the model already knows (a previous fit, or a learntorch model's own
``task``); then the output width and the targets. ``fit``, ``evaluate``, ``predict``,
``predict_proba``, ``confusion_matrix``, ``decision_grid`` and the figures all ask it.

What a fit learned (task, class labels, what the outputs mean, which element of a tuple output
to use) is a :class:`Spec`, kept on the model as ``model.learntorch_spec`` and in its checkpoint.
Labels are encoded once: ``classes[code]`` is the original label (a string, number or bool).
"""

from __future__ import annotations

import math

from dataclasses import asdict, dataclass, fields
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from .labels import codes_for, is_identity
from .losses import loss_task
from .suggest import did_you_mean

__all__ = ["TASKS", "Spec", "resolve_task", "get_spec", "set_spec", "targets_for", "loss_targets",
           "probabilities", "predicted_codes"]

TASKS = ("binary", "multiclass", "regression")
SCALES = ("logits", "probabilities", "log_probabilities")
SPEC_ATTR = "learntorch_spec"

Output = Union[int, str, None]


@dataclass
class Spec:
    """What ``fit`` learned about a model's outputs.

    ``classes`` lists the original labels in code order (None for regression); ``scale`` says
    whether outputs are logits, probabilities (a model ending in Sigmoid trained with BCELoss) or
    log-probabilities (LogSoftmax with NLLLoss); ``output`` picks one element of a model that
    returns a tuple or dict; ``feature_names`` are the input columns it was trained on, so a
    DataFrame given to ``predict`` is matched by column name, not position. ``preprocessor`` is
    how another front end turned its users' data into those inputs (R's hardhat blueprint:
    formula, column types and factor levels), as plain values that travel with the model and its
    checkpoint; Python only keeps it.
    """

    task: str
    classes: Optional[List[Any]] = None
    scale: str = "logits"
    output: Output = None
    feature_names: Optional[List[str]] = None
    preprocessor: Optional[dict] = None
    nobs: Optional[int] = None  # training rows (after a validation split), when they were counted

    def to_dict(self) -> dict:
        """Plain Python values only, as a checkpoint stores them."""
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict) -> "Spec":
        names = [f.name for f in fields(cls)]
        return cls(**{k: value[k] for k in names if k in value and (value[k] is not None or k != "scale")})

    @property
    def num_classes(self) -> Optional[int]:
        return None if self.classes is None else len(self.classes)


def get_spec(model: nn.Module) -> Optional[Spec]:
    """The :class:`Spec` a fit (or a checkpoint) left on ``model``, or None."""
    spec = getattr(model, SPEC_ATTR, None)
    return spec if isinstance(spec, Spec) else None


def set_spec(model: nn.Module, spec: Spec) -> None:
    # object.__setattr__: nn.Module's own __setattr__ would be fine too, but a user's module may
    # override it; a plain attribute is all that is needed.
    object.__setattr__(model, SPEC_ATTR, spec)


def check_task(task: Optional[str], name: str = "task") -> Optional[str]:
    if task is None:
        return None
    if task == "classification":
        return task
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"`{name}` must be one of {list(TASKS)} (or 'classification' to let the "
                         f"output width choose), got {task!r}.{did_you_mean(task, TASKS + ('classification',))}")
    return task


def check_output(output: Output) -> Output:
    if output is None or isinstance(output, str):
        return output
    if isinstance(output, (int, np.integer)) and not isinstance(output, bool):
        return int(output)
    if isinstance(output, float) and output.is_integer():
        return int(output)
    raise TypeError(f"`output` must be an index (int) or a key (str) of the model's output, got {output!r}")


def _model_own_task(model: nn.Module, width: Optional[int]) -> Optional[str]:
    spec = get_spec(model)
    if spec is not None:
        return spec.task
    task = getattr(type(model), "task", None) and getattr(model, "task", None)
    if task in TASKS:
        return task
    if task == "classification" and width is not None:
        return "binary" if width == 1 else "multiclass"
    return None


def _whole(y: torch.Tensor) -> bool:
    return not y.is_floating_point() or bool(torch.equal(y, y.round()))


def _by_targets(width: int, y: Optional[torch.Tensor], classes: Optional[list], name: str) -> str:
    """The task from the output width and the targets alone."""
    if classes is not None or (y is not None and not y.is_floating_point()):
        return "binary" if width == 1 else "multiclass"
    if y is None:
        raise ValueError("cannot tell whether this model classifies or regresses: pass `task=` "
                         "('binary', 'multiclass' or 'regression') or a `loss`")
    if y.ndim == 2 and y.shape[1] == width and width > 1:
        return "regression"
    if not _whole(y):
        return "regression"
    if width > 1:
        return "multiclass"
    values = torch.unique(y)
    if len(values) <= 2 and bool(((values == 0) | (values == 1)).all()):
        raise ValueError(f"the targets in `{name}` are floats 0.0/1.0 and the model has one output: "
                         "pass task='binary' (labels) or task='regression' (values), or a `loss`")
    return "regression"


def resolve_task(task: Optional[str] = None, loss: Any = None, model: Optional[nn.Module] = None,
                 width: Optional[int] = None, y: Optional[torch.Tensor] = None,
                 classes: Optional[list] = None, name: str = "data") -> str:
    """Binary, multiclass or regression: ``task``, else the loss, the model, then the data.

    ``width`` is the model's output width, ``y`` the numeric targets and ``classes`` the names
    of labels that were not numbers. Raises a ValueError asking for ``task=`` when the data
    alone cannot tell.
    """
    task = check_task(task)
    if task == "classification":
        if width is None:
            raise ValueError("task='classification' needs the model's output width")
        return "binary" if width == 1 else "multiclass"
    if task is not None:
        return task
    if loss is not None:
        by_loss = loss_task(loss)
        if by_loss is not None:
            return by_loss
    if model is not None:
        own = _model_own_task(model, width)
        if own is not None:
            return own
    if width is None:
        raise ValueError("cannot tell the task without the model's output width: pass `task=`")
    return _by_targets(width, y, classes, name)


def targets_for(task: str, y: torch.Tensor, data_classes: Optional[list], width: int, name: str,
                known: Optional[list] = None) -> tuple[torch.Tensor, Optional[list]]:
    """Targets ready for the loss of ``task``, and the class labels they stand for.

    ``y`` holds numbers (or codes of ``data_classes``); ``known`` are a fitted model's classes.
    Classification targets become long codes; integer labels 0..width-1 keep their values.
    """
    if task == "regression":
        if data_classes is not None:
            raise ValueError(f"`{name}` has class labels {data_classes[:5]} but the task is regression")
        if not y.is_floating_point():
            y = y.to(torch.get_default_dtype())
        return y, None
    k = 2 if task == "binary" else width
    if task == "binary" and width != 1 and width != 2:
        raise ValueError(f"a binary model has one output (or two), but this model has {width}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise ValueError(f"class labels in `{name}` must be one per row, got shape {tuple(y.shape)}")
    if data_classes is not None:
        labels = [data_classes[i] for i in range(len(data_classes))]
        if known is not None:
            codes = codes_for(np.asarray(labels, dtype=object)[y.cpu().numpy()], known, name)
            return torch.as_tensor(codes), list(known)
        if len(labels) > k or (task == "multiclass" and len(labels) != k):
            raise ValueError(f"`{name}` has {len(labels)} classes {labels[:10]} but the model has "
                             f"{width} output{'s' if width > 1 else ''}"
                             + (": a binary model needs two classes" if task == "binary" else ""))
        if len(labels) < k:
            raise ValueError(f"`{name}` has only the class {labels} but a binary model needs two")
        return y.long(), labels
    if y.is_floating_point() and not _whole(y):
        raise ValueError(f"class labels in `{name}` must be whole numbers or names; found "
                         f"{y[y != y.round()][0].item()!r}")
    y = y.long()
    if known is not None:
        if is_identity(known, len(known)):
            bad = (y < 0) | (y >= len(known))
            if bool(bad.any()):
                raise ValueError(f"the label {y[bad][0].item()} in `{name}` is not one of the model's "
                                 f"classes 0..{len(known) - 1}")
            return y, list(known)
        return torch.as_tensor(codes_for(y.cpu().numpy(), known, name)), list(known)
    if len(y) and bool(((y >= 0) & (y < k)).all()):
        return y, list(range(k))
    values = [v.item() for v in torch.unique(y)]
    if len(values) != k:
        what = "two classes (0/1, or any two labels)" if task == "binary" else f"labels 0..{k - 1}"
        raise ValueError(f"`{name}` has {len(values)} distinct labels {values[:10]} but the model "
                         f"needs {what}")
    return torch.as_tensor(codes_for(y.cpu().numpy(), values, name)), values


def loss_targets(task: str, y: torch.Tensor, row_shape: Sequence[int], dtype: torch.dtype) -> torch.Tensor:
    """Targets shaped and typed for the loss, given the shape of one row of model output.

    One-output binary and regression targets take the output's shape and float dtype ((N,) or
    (N, 1)); class indices for several outputs are long (N,).
    """
    width = math.prod(row_shape)  # 1 for a () row
    if task == "multiclass" or (task == "binary" and width > 1):
        return y.long().reshape(-1)
    return y.to(dtype).reshape(-1, *row_shape)


def probabilities(outputs: torch.Tensor, spec: Spec) -> torch.Tensor:
    """Class probabilities from (N, width) outputs: (N,) P(second class) if binary, else (N, C)."""
    if spec.task == "regression":
        raise ValueError("this is a regression model: use predict(), not predict_proba()")
    if spec.scale == "probabilities":
        probs = outputs
    elif spec.scale == "log_probabilities":
        probs = outputs.exp()
    elif outputs.shape[1] == 1:
        probs = torch.sigmoid(outputs)
    else:
        probs = torch.softmax(outputs, dim=1)
    if spec.task == "binary":
        return probs[:, -1]  # (N,) P(classes[1]); the last column also for two softmax outputs
    return probs


def predicted_codes(outputs: torch.Tensor, spec: Spec, threshold: float = 0.5) -> torch.Tensor:
    """Class codes from (N, width) outputs: ``P > threshold`` if binary, else the arg-max."""
    if spec.task == "binary":
        return (probabilities(outputs, spec) > threshold).long()
    return outputs.argmax(dim=1)


# Whole numbers with at most this many distinct values in a table column are class labels; more
# are counts or measurements (ages, prices), which a model regresses.
MAX_CLASSES_FROM_NUMBERS = 20


def task_of_column(labels: Any, task: Optional[str] = None, name: str = "task") -> tuple:
    """(task, output width) for a table's target column, before any model exists (a model built
    from data, as the command line and the scikit-learn estimators do); ``task`` wins.

    Names (strings, categories, booleans) are classes; whole numbers with at most
    ``MAX_CLASSES_FROM_NUMBERS`` distinct values are classes; other numbers are values.
    """
    import pandas as pd

    series = labels if isinstance(labels, pd.Series) else pd.Series(np.asarray(labels).ravel())
    values = series.dropna().unique()
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    whole = numeric and all(float(v).is_integer() for v in values)
    task = check_task(task, name)
    if task is None or task == "classification":
        if task is None and numeric and not (whole and len(values) <= MAX_CLASSES_FROM_NUMBERS):
            task = "regression"
        else:
            task = "binary" if len(values) <= 2 else "multiclass"
    if task == "regression":
        if not numeric:
            raise ValueError(f"{name}: task 'regression' needs a numeric column; it holds names")
        return task, 1
    if task == "binary":
        if len(values) > 2:
            raise ValueError(f"{name}: task 'binary' needs two classes; the column has {len(values)}")
        return task, 1
    return task, len(values)  # fit encodes the labels it sees as classes 0..K-1
