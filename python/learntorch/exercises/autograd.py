"""Exercise on autograd: a gradient from backward() that matches the formula (lesson 2)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ._core import Failure, call, exercise, expect_close, show

_ERRORS = [
    ("does not require grad", "w arrives without requires_grad, so autograd records nothing: work on a "
                              "copy of w that requires gradients"),
    ("leaf variable", "an in-place change to a tensor that requires gradients: compute f from w without "
                      "modifying w"),
    ("backward through the graph a second time", "each call must build a fresh graph from w and x"),
]


@exercise(
    "autograd_gradient", lesson="02-autograd", title="A gradient from autograd",
    task="""
    For f(w) = sigmoid(w . x), write `grad_f(w, x)` that returns the gradient of f with
    respect to `w` (a tensor shaped like `w`), computed by autograd: build f from w and x,
    call backward(), read the gradient. The check compares it with the formula of the lesson.
    `w` may arrive with or without requires_grad, even with a .grad left over from an earlier
    backward; your function must not change `w`'s values.
    """,
)
def check_autograd_gradient(fn: Callable) -> str:
    """Check ``fn(w, x)`` returns d sigmoid(w . x) / dw."""
    gen = torch.Generator().manual_seed(3)
    cases = [
        ("w and x of length 2, w without requires_grad", 2 * torch.randn(2, generator=gen),
         2 * torch.randn(2, generator=gen), False, None),
        ("w and x of length 5", torch.randn(5, generator=gen), torch.randn(5, generator=gen), False, None),
        ("w with requires_grad=True", torch.randn(3, generator=gen), torch.randn(3, generator=gen), True, None),
        ("w with requires_grad=True and a .grad of ones left from an earlier backward",
         torch.randn(3, generator=gen), torch.randn(3, generator=gen), True, torch.ones(3)),
        ("w . x = 40: sigmoid saturates", torch.tensor([4.0, 2.0]), torch.tensor([5.0, 10.0]), False, None),
        ("float64 w and x", torch.randn(4, generator=gen, dtype=torch.float64),
         torch.randn(4, generator=gen, dtype=torch.float64), False, None),
    ]
    for label, w0, x0, needs_grad, stale in cases:
        case = f"{label}: w = {show(w0)}, x = {show(x0)}"
        w = w0.clone().requires_grad_(needs_grad)
        if stale is not None:
            w.grad = stale.to(w.dtype).clone()
        x = x0.clone()
        got = call(fn, case, w, x, error_hints=_ERRORS)
        if not torch.equal(w.detach(), w0):
            raise Failure(case, "your function changed the values of w.",
                          "compute the gradient without updating w; a check, like a caller, expects w unchanged")
        with torch.no_grad():
            f = torch.sigmoid(w0.dot(x0))
            expected = f * (1 - f) * x0
        if got is None:
            raise Failure(case, "your function returned None.",
                          "the gradient lands in .grad of the tensor you called backward() for; return it")
        expect_close(got, expected, case, what="the gradient", atol=1e-6, rtol=1e-4,
                     shape_hint=lambda g, e: "the gradient has one entry per entry of w",
                     value_hint=lambda g, e, s=stale, f=f, x=x0: _gradient_hint(g, e, s, f, x))
    return (f"{len(cases)} cases passed, including a w that requires grad, a leftover .grad, a saturated "
            "sigmoid and float64.")


def _gradient_hint(got: np.ndarray, want: np.ndarray, stale: torch.Tensor, f: torch.Tensor, x: torch.Tensor) -> str:
    if stale is not None and np.allclose(got, want + stale.double().numpy(), atol=1e-5):
        return ("your result is the gradient plus the .grad that w arrived with: backward() adds to .grad, "
                "it does not overwrite it")
    if np.allclose(got, (f * x).double().numpy(), atol=1e-6):
        return "that is sigmoid(w . x) times x; call backward() on f itself and let autograd differentiate"
    if np.allclose(got, x.double().numpy(), atol=1e-6):
        return "that is the gradient of w . x alone: f applies the sigmoid on top"
    return "call backward() on f = sigmoid(w . x) and return the gradient autograd left for w"
