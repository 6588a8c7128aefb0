"""Exercises on training: mini-batches, one gradient-descent step, a network that bends its
boundary (lessons 5 and 6)."""

from __future__ import annotations

import copy
from typing import Any, Callable, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._core import Failure, as_array_result, call, exercise, ratio_hint, show, to_input


# --- mini-batches ------------------------------------------------------------------------------

@exercise(
    "minibatches", lesson="05-linear-regression", title="A mini-batch iterator",
    task="""
    Write `minibatches(x, y, batch_size, shuffle)` for inputs `x` (N rows) and labels `y`
    (N values). It returns (or yields) the batches of one epoch, each a pair
    (x_batch, y_batch) of at most `batch_size` rows, covering every row exactly once; the last
    batch may be smaller. Without shuffling the rows come in order; with `shuffle` in a new
    random order on every call, x rows and their labels kept together. A one-row batch is
    still a matrix of one row; N = 0 gives no batches. From R, return a list of batches, each
    `list(x = ..., y = ...)`.
    """,
)
def check_minibatches(fn: Callable, arrays: bool = False) -> str:
    """Check ``fn(x, y, batch_size, shuffle)`` -> the batches of one epoch."""
    cases = [(10, 3, 4), (9, 2, 4), (5, 2, 8), (4, 2, 1), (0, 3, 4)]
    for n, d, size in cases:
        x, y = _rows(n, d)
        case = f"x of shape ({n}, {d}), y of length {n}, batch_size = {size}, shuffle = False"
        batches = _batches(call(fn, case, to_input(x, arrays), to_input(y, arrays), size, False), case, d)
        want = [list(range(i, min(i + size, n))) for i in range(0, n, size)]
        got = [rows for rows, _ in batches]
        if got != want:
            raise Failure(case, "the batches hold the wrong rows.", _order_hint(got, want, n),
                          expected=_rows_text(want), got=_rows_text(got))
    n, size = 50, 8
    x, y = _rows(n, 2)
    case = f"x of shape ({n}, 2), y of length {n}, batch_size = {size}, shuffle = True"
    torch.manual_seed(0)
    orders = []
    for _ in range(2):  # two epochs: the second must shuffle anew
        batches = _batches(call(fn, case, to_input(x, arrays), to_input(y, arrays), size, True), case, 2)
        rows = [r for rows, _ in batches for r in rows]
        sizes = [len(rows) for rows, _ in batches]
        if sorted(rows) != list(range(n)):
            raise Failure(case, _coverage_problem(rows, n), "shuffle the row numbers once, then cut that order "
                          "into batches")
        if sizes != [size] * (n // size) + [n % size]:
            raise Failure(case, f"the batch sizes are {sizes}.", "every batch has batch_size rows except the last",
                          expected=str([size] * (n // size) + [n % size]))
        orders.append(rows)
    if orders[0] == list(range(n)):
        raise Failure(case, "shuffle = True, but the rows came in their original order.",
                      "with shuffle, draw a random order of the rows")
    if orders[0] == orders[1]:
        raise Failure(case, "two calls (two epochs) gave the same order.",
                      "draw a new random order on every call, without fixing the seed inside the function")
    return "in order, shuffled anew each epoch with rows and labels together, a last smaller batch, one-row batches and N = 0."


def _coverage_problem(rows: List[int], n: int) -> str:
    missing = sorted(set(range(n)) - set(rows))
    twice = sorted({r for r in rows if rows.count(r) > 1})
    parts = ([f"rows {missing[:6]} never appear"] if missing else []) + \
        ([f"rows {twice[:6]} appear more than once"] if twice else [])
    return f"an epoch must show every row once, but {' and '.join(parts)}."


def _rows(n: int, d: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Row r of x is (r, r + 0.5, ...) and y[r] = 100 + r: every batch shows which rows it holds."""
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1) + 0.5 * torch.arange(d, dtype=torch.float32)
    return x, torch.arange(n) + 100


def _batches(out: Any, case: str, d: int) -> List[Tuple[List[int], int]]:
    """The row numbers of each batch, after checking the batch's form."""
    try:
        items = list(out)
    except TypeError:
        raise Failure(case, f"your function returned {show(out)}, not a sequence of batches.",
                      "return a list of (x_batch, y_batch) pairs, or yield them one by one") from None
    found = []
    for k, batch in enumerate(items, start=1):
        if isinstance(batch, dict) and set(batch) == {"x", "y"}:
            batch = (batch["x"], batch["y"])
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise Failure(case, f"batch {k} is {show(batch)}, not a pair (x_batch, y_batch).",
                          "each batch is two things: the rows of x and the matching labels of y")
        xb, yb = (as_array_result(v, case, f"batch {k}") for v in batch)
        if xb.ndim != 2 or xb.shape[1] != d:
            one = xb.ndim == 1 and xb.shape[0] == d
            raise Failure(case, f"x in batch {k} has shape {xb.shape}, but should have {d} columns.",
                          "a batch of one row is still a matrix with one row (in R: x[i, , drop = FALSE])" if one
                          else "x_batch keeps all the columns of x, for some of its rows")
        if yb.ndim != 1 or len(yb) != len(xb):
            raise Failure(case, f"batch {k} has {len(xb)} rows of x but y of shape {yb.shape}.",
                          "y_batch holds the labels of exactly the rows in x_batch")
        rows = [int(round(v)) for v in xb[:, 0].tolist()]
        if [int(v) - 100 for v in yb.tolist()] != rows:
            raise Failure(case, f"in batch {k} the rows of x and the labels of y no longer belong together.",
                          "take x and y rows with the same row numbers")
        found.append((rows, k))
    return found


def _rows_text(batches: List[List[int]]) -> str:
    text = ", ".join(f"rows {b[0]}..{b[-1]}" if len(b) > 1 else f"row {b[0]}" if b else "an empty batch"
                     for b in batches)
    return f"{len(batches)} batches: {text}" if batches else "no batches"


def _order_hint(got: List[List[int]], want: List[List[int]], n: int) -> str:
    flat = [r for b in got for r in b]
    if got == want[:-1]:
        return "the last, smaller batch is missing: every row must appear once per epoch"
    if got[: len(want)] == want and all(not b for b in got[len(want):]):
        return "there is an empty batch at the end: stop when the rows run out"
    if sorted(flat) == list(range(n)) and flat != list(range(n)):
        return "with shuffle = False the rows keep their order"
    return "batch k holds rows (k - 1) * batch_size onwards, at most batch_size of them"


# --- one training step ---------------------------------------------------------------------------

_STEP_ERRORS = [
    ("leaf variable that requires grad", "the update changed a parameter while autograd was recording: do it "
                                         "inside torch.no_grad()"),
    ("does not require grad", "compute the loss from the model's output, so it depends on the parameters"),
    ("unsupported operand", "a parameter's .grad is None until backward() has run"),
    ("nonetype", "a parameter's .grad is None until backward() has run"),
]


@exercise(
    "train_step", lesson="05-linear-regression", title="One step of gradient descent",
    task="""
    Write `train_step(model, batch, lr)`: for a batch (x, y) (from R, `batch$x` and
    `batch$y`), compute the model's mean squared error on it, then move every parameter of
    the model one plain gradient-descent step, p <- p - lr * dL/dp, in place. Return the loss
    (a number, or a 0-d tensor) computed before the update. The model may arrive with gradients
    left over from an earlier backward(); they must not leak into this step.
    """,
)
def check_train_step(fn: Callable) -> str:
    """Check ``fn(model, (x, y), lr)`` updates the model by SGD on the MSE and returns the loss."""
    gen = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    linear = nn.Linear(3, 2)
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    batch = (torch.randn(5, 3, generator=gen), torch.randn(5, 2, generator=gen))
    cases = [
        ("a Linear(3, 2) model, a batch of 5 rows, lr = 0.1", linear, batch, 0.1, False),
        ("the same model again (a second step)", linear, batch, 0.1, False),
        ("a model with leftover gradients (.grad of ones), lr = 0.1", linear, batch, 0.1, True),
        ("lr = 0", linear, batch, 0.0, False),
        ("a batch of one row, lr = 0.05", linear, (batch[0][:1], batch[1][:1]), 0.05, False),
        ("an MLP (Linear, Tanh, Linear) with a batch of 6 rows, lr = 0.2", mlp,
         (torch.randn(6, 2, generator=gen), torch.randn(6, 1, generator=gen)), 0.2, False),
    ]
    for label, model, (x, y), lr, stale in cases:
        case = label
        if stale:
            for p in model.parameters():
                p.grad = torch.ones_like(p)
        else:
            model.zero_grad(set_to_none=True)
        before = copy.deepcopy(model)
        loss0 = F.mse_loss(before(x), y)
        grads = torch.autograd.grad(loss0, list(before.parameters()))
        want = [p.detach() - lr * g for p, g in zip(before.parameters(), grads)]
        loss0 = loss0.detach()
        got = call(fn, case, model, (x.clone(), y.clone()), lr, error_hints=_STEP_ERRORS)
        value = as_array_result(got, case, "the returned loss") if got is not None else None
        if value is None or value.size != 1:
            raise Failure(case, f"your function returned {show(got)}, not the loss.",
                          "return the batch's loss, one number")
        if not np.isclose(float(value.reshape(())), float(loss0), rtol=1e-4, atol=1e-6):
            with torch.no_grad():
                after = F.mse_loss(model(x), y).item()
            hint = ("that is the loss after the update; return the one computed before it"
                    if np.isclose(float(value.reshape(())), after, rtol=1e-4) else
                    ratio_hint(value.reshape(()), loss0.double().numpy(), y.numel()) or
                    "the loss is the mean of the squared differences between the model's output and y")
            raise Failure(case, "the returned loss is not the batch's mean squared error.", hint,
                          expected=show(loss0), got=show(got))
        params = [p.detach() for p in model.parameters()]
        if not all(torch.allclose(p, w, atol=1e-6, rtol=1e-5) for p, w in zip(params, want)):
            raise Failure(case, "the model's parameters after your step are not one gradient-descent step away.",
                          _step_hint(params, before, grads, lr, stale),
                          expected=show(want[0]), got=show(params[0]))
    return "losses and updated parameters match, including a second step, leftover gradients, lr = 0 and an MLP."


def _step_hint(params: List[torch.Tensor], before: nn.Module, grads: Tuple[torch.Tensor, ...], lr: float,
               stale: bool) -> str:
    old = [p.detach() for p in before.parameters()]
    if all(torch.equal(p, o) for p, o in zip(params, old)):
        return ("the parameters did not change: update the model's own parameter tensors in place; "
                "assigning a new tensor to a name leaves the model as it was")
    if all(torch.allclose(p, o + lr * g, atol=1e-6) for p, o, g in zip(params, old, grads)):
        return "the parameters moved up the gradient, which makes the loss larger: step against it"
    if stale and all(torch.allclose(p, o - lr * (g + 1), atol=1e-6) for p, o, g in zip(params, old, grads)):
        return ("the step used the leftover .grad as well: backward() adds to .grad, so clear the old "
                "gradients before calling it")
    return "each parameter moves by -lr times its gradient of this batch's loss, once"


# --- a network for two moons ---------------------------------------------------------------------

MOONS_TARGET = 0.95
_EPOCHS = 100
_ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.ELU, nn.LeakyReLU, nn.SiLU, nn.Softplus, nn.Mish,
                nn.SELU, nn.CELU, nn.Hardtanh, nn.PReLU)


@exercise(
    "moons_model", lesson="06-moons", title="A network that separates the two moons",
    task=f"""
    Write `build_model()` that returns a new torch model (an nn.Module) taking points with 2
    coordinates and returning one logit per point. The check trains it on 400 noisy two-moons
    points ({_EPOCHS} epochs of Adam, learning rate 0.01, batches of 32, always the same seed)
    and measures the accuracy on 1000 fresh points: it must reach {MOONS_TARGET:.0%}.
    Logistic regression reaches about 87%.
    """,
)
def check_moons_model(fn: Callable) -> str:
    """Check ``fn()`` builds a model that reaches the target accuracy on two moons."""
    from .. import evaluate, fit, two_moons  # the package's public API, imported late (no cycle)

    torch.manual_seed(0)
    model = call(fn, "build_model()")
    if not isinstance(model, nn.Module):
        raise Failure("build_model()", f"your function returned {show(model)}, not a torch model (nn.Module).",
                      "return the network itself, built from torch.nn layers or learntorch's models")
    probe = torch.zeros(4, 2)
    out = call(model, "the model on 4 points, a tensor of shape (4, 2)", probe, error_hints=[
        ("shapes cannot be multiplied", "the first layer must take 2 inputs: the two coordinates of a point"),
        ("features per row", "the first layer must take 2 inputs: the two coordinates of a point"),
    ])
    if not isinstance(out, torch.Tensor) or tuple(out.shape) not in ((4, 1), (4,)):
        raise Failure("the model on 4 points, a tensor of shape (4, 2)",
                      f"the model returned {show(out)}; it should return one logit per point, shape (4, 1).",
                      "the last layer has one output")
    train, test = two_moons(400, noise=0.15, seed=0), two_moons(1000, noise=0.15, seed=1)
    try:
        fit(model, train, epochs=_EPOCHS, batch_size=32, optimizer="adam", lr=0.01, seed=0, progress=False,
            device="cpu")
    except Exception as exc:  # the learner's model may break training in any way
        raise Failure("training on two moons", f"training failed: {type(exc).__name__}: {exc}",
                      "the model must take (N, 2) inputs and return (N, 1) logits") from None
    acc = evaluate(model, test)["accuracy"]
    if acc < MOONS_TARGET:
        linear = not any(isinstance(m, _ACTIVATIONS) for m in model.modules())
        hint = ("your network has no non-linear activation between its layers, so it is still one linear "
                "function with a straight boundary" if linear else
                "a wider or deeper network bends the boundary more easily")
        raise Failure("training on two moons", f"test accuracy {acc:.3f}, below the target {MOONS_TARGET}.",
                      hint, expected=f"at least {MOONS_TARGET}", got=f"{acc:.3f}")
    return f"test accuracy {acc:.3f} on fresh moons (target {MOONS_TARGET})."
