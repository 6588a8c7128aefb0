"""Exercises on losses and outputs: the Bernoulli NLL, softmax, cross-entropy, accuracy
(lessons 4 and 7). Every loss is checked on huge logits, where the textbook formula overflows."""

from __future__ import annotations

from typing import Callable, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ._core import Failure, call, exercise, expect_close, ratio_hint, show, show_input, to_input

_LOG_ZERO = ("a logit of 40 or more makes sigmoid round to exactly 1 (and -40 to 0), so log(1 - sigmoid(s)) "
             "is log(0) = -inf; work with the log-sigmoid of the logits, log(1 - sigmoid(s)) = "
             "log sigmoid(-s), which never forms the probability")
_EXP_OVERFLOW = ("exp(1000) overflows to inf (and exp(-1000) underflows to 0), and inf / inf is nan; "
                 "softmax does not change when the same number is subtracted from every logit of a row")


def _check_graph(got: torch.Tensor, inputs: torch.Tensor, expected_grad: torch.Tensor, case: str,
                 what: str = "the result") -> None:
    """``got`` must still be on autograd's graph, and backward() must give ``expected_grad``."""
    if not got.requires_grad:
        raise Failure(case, f"{what} is cut off from autograd's graph (it has no grad_fn), so training could "
                            "not backpropagate through it.",
                      ".item(), .detach(), .numpy() and torch.tensor(...) on intermediate results break the graph; "
                      "stay with torch operations from input to output")
    got.sum().backward() if got.ndim else got.backward()
    if inputs.grad is None or not torch.allclose(inputs.grad.double(), expected_grad.double(), atol=1e-5, rtol=1e-4):
        raise Failure(case, "backward() through your result gives the wrong gradient for the input.",
                      "the values are right but some step is not differentiable as written",
                      expected=show(expected_grad), got=show(inputs.grad))


# --- Bernoulli negative log-likelihood -----------------------------------------------------------

@exercise(
    "bernoulli_nll", lesson="04-xor", title="The Bernoulli negative log-likelihood by hand",
    task="""
    Write `bernoulli_nll(logits, targets)`: the mean over the batch of
    -[y log sigmoid(s) + (1 - y) log(1 - sigmoid(s))] for logits s and labels y in {0, 1}
    (two vectors of length N). It must stay finite for logits as large as +-1000, return a
    single number (a 0-d tensor), keep float64 inputs in float64, and let backward() run
    through it. Write it yourself, without torch's ready-made losses.
    """,
)
def check_bernoulli_nll(fn: Callable, arrays: bool = False) -> str:
    """Check ``fn(logits, targets) -> mean Bernoulli NLL``."""
    gen = torch.Generator().manual_seed(4)
    cases: List[Tuple[str, torch.Tensor, torch.Tensor, bool]] = [
        ("8 logits, labels as integers", 2 * torch.randn(8, generator=gen), torch.randint(0, 2, (8,), generator=gen), False),
        ("5 logits, labels as floats 0.0/1.0", torch.randn(5, generator=gen), torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0]), False),
        ("huge logits on the right side", torch.tensor([40.0, -40.0, 1000.0, -1000.0]), torch.tensor([1, 0, 1, 0]), False),
        ("huge logits on the wrong side", torch.tensor([40.0, -40.0, 1000.0, -1000.0]), torch.tensor([0, 1, 0, 1]), False),
        ("one logit", torch.tensor([0.3]), torch.tensor([1]), False),
        ("logits with requires_grad=True", torch.randn(6, generator=gen), torch.randint(0, 2, (6,), generator=gen), True),
        ("float64 logits", torch.randn(4, generator=gen, dtype=torch.float64), torch.tensor([0, 1, 1, 0]), False),
    ]
    for label, s, y, grad in cases:
        if grad and arrays:
            continue
        case = f"{label}: logits = {show_input(s, arrays)}, targets = {show_input(y, arrays)}"
        logits = to_input(s, arrays).requires_grad_(True) if grad else to_input(s, arrays)
        got = call(fn, case, logits, to_input(y, arrays), error_hints=[
            ("result type Float can't be cast", "the labels may arrive as integers: convert them to the logits' dtype"),
            ("expected scalar type", "the labels may arrive as integers: convert them to the logits' dtype"),
        ])
        expected = F.binary_cross_entropy_with_logits(s, y.to(s.dtype))
        huge = "huge" in label
        tensor = expect_close(got, expected, case, arrays=arrays, scalar=True, nonfinite_hint=_LOG_ZERO,
                              value_hint=lambda g, e, n=len(s), big=huge: _nll_hint(g, e, n, big))
        if grad:
            _check_graph(tensor, logits, (torch.sigmoid(s) - y.to(s.dtype)) / len(s), case, "the loss")
    extra = "" if arrays else ", requires_grad logits and float64"
    return f"finite for logits of +-1000, right on integer and float labels{extra}."


def _nll_hint(got: np.ndarray, want: np.ndarray, n: int, huge: bool) -> str:
    if huge:
        return ("right on ordinary logits, wrong on huge ones: clipping or rounding the probabilities caps the "
                "loss; " + _LOG_ZERO.split("; ")[1])
    return ratio_hint(got, want, n) or "compare your formula term by term with the task, for one logit"


# --- softmax -----------------------------------------------------------------------------------

@exercise(
    "stable_softmax", lesson="07-images", title="A softmax that survives huge logits",
    task="""
    Write `softmax(logits)` for an N x C matrix of logits: each row becomes probabilities,
    exp(s_c) / sum_j exp(s_j), that sum to 1. It must give the right answer for logits as
    large as 1000 or as small as -1000 (in the same batch), keep the input's shape and
    dtype, work for an empty batch (0 x C) and let backward() run through it. Write it
    yourself, without torch.softmax.
    """,
)
def check_stable_softmax(fn: Callable, arrays: bool = False) -> str:
    """Check ``fn(logits) -> row-wise softmax``."""
    gen = torch.Generator().manual_seed(7)
    cases: List[Tuple[str, torch.Tensor, bool]] = [
        ("2 rows of 3 logits", torch.randn(2, 3, generator=gen), False),
        ("4 rows of 10 logits", 3 * torch.randn(4, 10, generator=gen), False),
        ("huge logits", torch.tensor([[1000.0, 1001.0, 1002.0]]), False),
        ("very negative logits", torch.tensor([[-1000.0, -1001.0, -1002.0]]), False),
        ("a row of huge logits and a row of very negative ones", torch.tensor([[1000.0, 999.0], [-1000.0, -1001.0]]), False),
        ("one class (a single column)", torch.randn(3, 1, generator=gen), False),
        ("logits with requires_grad=True", torch.randn(3, 4, generator=gen), True),
        ("float64 logits", torch.randn(2, 5, generator=gen, dtype=torch.float64), False),
        ("an empty batch of 0 rows and 4 classes", torch.zeros(0, 4), False),
    ]
    for label, s, grad in cases:
        if grad and arrays:
            continue
        case = f"logits = {label}: {show_input(s, arrays)}"
        logits = to_input(s, arrays).requires_grad_(True) if grad else to_input(s, arrays)
        got = call(fn, case, logits)
        expected = torch.softmax(s, dim=1)
        mixed = "and a row" in label
        tensor = expect_close(
            got, expected, case, arrays=arrays, atol=1e-6, rtol=1e-4,
            shape_hint=lambda g, e: "one probability per logit: the output has the input's shape",
            nonfinite_hint=_mixed_hint() if mixed else _EXP_OVERFLOW,
            value_hint=lambda g, e, s=s: _softmax_hint(g, s))
        if grad:
            weights = torch.arange(1.0, s.shape[1] + 1)  # a loss that weighs the classes differently
            tensor = (tensor * weights).sum()
            probs = torch.softmax(s, dim=1)
            expected_grad = probs * (weights - (probs * weights).sum(dim=1, keepdim=True))
            _check_graph(tensor, logits, expected_grad, case, "the probabilities")
    extra = "" if arrays else ", requires_grad logits"
    return f"rows sum to 1 for logits of +-1000 in one batch, one class, an empty batch, float64{extra}."


def _mixed_hint() -> str:
    return ("subtracting one number for the whole batch leaves the rows far below it at exp(-2000) = 0, "
            "and 0 / 0 is nan: each row needs its own")


def _softmax_hint(got: np.ndarray, s: torch.Tensor) -> str:
    sums = got.sum(axis=1) if got.ndim == 2 else got
    if got.ndim == 2 and not np.allclose(sums, 1, atol=1e-4):
        if np.allclose(got.sum(axis=0), 1, atol=1e-4):
            return "your columns sum to 1, not your rows: normalise each row over its classes"
        return "each row of probabilities must sum to 1"
    return "each probability is exp of its logit divided by the sum of exp over the row's logits"


def _first_class(value: int) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise ValueError(f"`first_class` must be 0 (Python's class codes) or 1 (R's column numbers), got {value!r}")
    return int(value)


# --- cross-entropy -----------------------------------------------------------------------------

@exercise(
    "cross_entropy", lesson="07-images", title="Cross-entropy from logits",
    task="""
    Write `cross_entropy(logits, targets)` for an N x C matrix of logits and N class labels:
    the mean over rows of -log softmax(logits)[n, y_n], the negative log-probability of each
    row's own class. In Python the labels are codes 0..C-1 (an int64 tensor); from R they are
    1..C, the column of the right class. It must be finite for logits of +-1000, return one
    number (a 0-d tensor) and let backward() run through it. Write it yourself, without
    torch's ready-made losses.
    """,
)
def check_cross_entropy(fn: Callable, arrays: bool = False, first_class: int = 0) -> str:
    """Check ``fn(logits, targets) -> mean cross-entropy``; ``first_class=1`` numbers classes from 1 (R)."""
    first_class = _first_class(first_class)
    gen = torch.Generator().manual_seed(8)
    cases: List[Tuple[str, torch.Tensor, torch.Tensor, bool]] = [
        ("5 rows, 3 classes", torch.randn(5, 3, generator=gen), torch.tensor([0, 2, 1, 1, 0]), False),
        ("4 rows, 10 classes", 2 * torch.randn(4, 10, generator=gen), torch.tensor([9, 0, 3, 3]), False),
        ("huge logits, right and wrong class", torch.tensor([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]]),
         torch.tensor([0, 2]), False),
        ("one row, 2 classes", torch.tensor([[0.5, -0.5]]), torch.tensor([1]), False),
        ("logits with requires_grad=True", torch.randn(3, 4, generator=gen), torch.tensor([3, 0, 1]), True),
        ("float64 logits", torch.randn(3, 3, generator=gen, dtype=torch.float64), torch.tensor([2, 2, 0]), False),
    ]
    for label, s, y, grad in cases:
        if grad and arrays:
            continue
        labels = y + first_class
        case = f"{label}: logits = {show_input(s, arrays)}, targets = {show_input(labels, arrays)}"
        logits = to_input(s, arrays).requires_grad_(True) if grad else to_input(s, arrays)
        got = call(fn, case, logits, to_input(labels, arrays), error_hints=[
            ("out of bounds", "labels number the classes (columns) of each row"),
            ("subscript out of bounds", "from R the labels are 1..C, the column of each row's class"),
        ])
        expected = F.cross_entropy(s, y)
        tensor = expect_close(got, expected, case, arrays=arrays, scalar=True,
                              nonfinite_hint=_EXP_OVERFLOW.replace("softmax does", "log-softmax does"),
                              value_hint=lambda g, e, s=s, y=y: _ce_hint(g, e, s, y))
        if grad:
            onehot = F.one_hot(y, s.shape[1]).to(s.dtype)
            _check_graph(tensor, logits, (torch.softmax(s, dim=1) - onehot) / len(s), case, "the loss")
    extra = "" if arrays else ", requires_grad logits"
    return f"finite for logits of +-1000, one row, float64{extra}."


def _ce_hint(got: np.ndarray, want: np.ndarray, s: torch.Tensor, y: torch.Tensor) -> str:
    by_ratio = ratio_hint(got, want, len(s))
    if by_ratio:
        return by_ratio
    log_p = torch.log_softmax(s.double(), dim=1)
    if np.isclose(float(got), float(-log_p[:, y].mean()), rtol=1e-4):
        return "take one entry per row, the one in that row's own target column, not a whole column per label"
    return "-log of the probability of each row's own class, averaged over the rows"


# --- accuracy ----------------------------------------------------------------------------------

@exercise(
    "accuracy", lesson="07-images", title="Accuracy from logits",
    task="""
    Write `accuracy(logits, targets)` for an N x C matrix of logits and N labels (codes 0..C-1
    in Python, 1..C from R): the share of rows whose largest logit is in the column of their
    label, a number between 0 and 1 (a Python or R number, or a 0-d tensor).
    """,
)
def check_accuracy(fn: Callable, arrays: bool = False, first_class: int = 0) -> str:
    """Check ``fn(logits, targets) -> share of rows predicted right``; ``first_class=1`` numbers
    classes from 1 (R)."""
    first_class = _first_class(first_class)
    gen = torch.Generator().manual_seed(9)
    s10 = torch.randn(10, 3, generator=gen)
    y10 = s10.argmax(dim=1).clone()
    y10[[1, 4, 7]] = (y10[[1, 4, 7]] + 1) % 3  # 7 of 10 right
    s_right = torch.randn(6, 4, generator=gen)
    s_digits = torch.randn(20, 10, generator=gen)
    cases: List[Tuple[str, torch.Tensor, torch.Tensor]] = [
        ("10 rows, 3 classes, 7 predicted right", s10, y10),
        ("6 rows, 4 classes, all right", s_right, s_right.argmax(dim=1)),
        ("6 rows, 4 classes, none right", s_right, (s_right.argmax(dim=1) + 1) % 4),
        ("one row", torch.tensor([[0.1, 2.0, -1.0]]), torch.tensor([1])),
        ("20 rows, 10 classes", s_digits, torch.randint(0, 10, (20,), generator=gen)),
        ("float64 logits, 5 rows", torch.randn(5, 2, generator=gen, dtype=torch.float64), torch.tensor([0, 1, 1, 0, 1])),
    ]
    for label, s, y in cases:
        labels = y + first_class
        case = f"{label}: logits = {show_input(s, arrays)}, targets = {show_input(labels, arrays)}"
        got = call(fn, case, to_input(s, arrays), to_input(labels, arrays), error_hints=[
            ("could not infer output dtype", "comparing gives booleans (True/False); turn them into numbers "
                                             "before averaging"),
            ("must match the size", "the predicted class of a row is the column of its largest logit: "
                                    "look along each row, not down each column"),
        ])
        expected = (s.argmax(dim=1) == y).double().mean()
        expect_close(got, expected, case, arrays=True, scalar=True, atol=1e-6,
                     value_hint=lambda g, e, n=len(s): _accuracy_hint(g, e, n))
    return "right on all-right, none-right, one-row and 10-class batches."


def _accuracy_hint(got: np.ndarray, want: np.ndarray, n: int) -> str:
    value = float(got)
    if np.isclose(value, float(want) * n):
        return f"that is the number of rows predicted right; accuracy is the share of the {n} rows"
    if np.isclose(value, 1 - float(want)):
        return "that is the share of rows predicted wrong"
    return "the predicted class of a row is the column of its largest logit; count where it equals the label"
