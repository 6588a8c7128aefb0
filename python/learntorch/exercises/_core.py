"""What every check shares: the result object, the registry, calling the learner's function
safely, and comparing what it returned with the reference.

A check runs the learner's function on a list of inputs and stops at the first one that goes
wrong, raising :class:`Failure` with what went wrong, on which input, and a hint. It never
prints the reference code: only values the reference produced for that input.
"""

from __future__ import annotations

import functools
import html
import inspect
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np
import torch

__all__ = ["CheckResult", "Exercise", "Failure", "LearnerError", "EXERCISES", "exercise", "call", "show", "show_input",
           "as_tensor_result", "as_array_result", "expect_close", "to_input"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``passed``, and ``message`` (the whole text a learner reads).

    ``hint`` repeats the hint alone (empty when passed). A result is truthy when it passed, so
    ``assert check_x(f)`` works; it prints as its message, and as a coloured box in Jupyter.
    """

    exercise: str
    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour, background = ("#1b5e20", "#e8f5e9") if self.passed else ("#8a4b00", "#fff4e5")
        return (f'<pre style="white-space: pre-wrap; border-left: 4px solid {colour}; '
                f'background: {background}; padding: 0.5em 0.8em; color: #222;">'
                f"{html.escape(self.message)}</pre>")


class Failure(Exception):
    """Raised inside a check: the input that failed, what was wrong, and a hint."""

    def __init__(self, case: str, problem: str, hint: str = "", expected: Optional[str] = None,
                 got: Optional[str] = None) -> None:
        super().__init__(problem)
        self.case, self.problem, self.hint, self.expected, self.got = case, problem, hint, expected, got

    def text(self, name: str) -> str:
        lines = [f"Not yet ({name}): {self.problem}"]
        if self.case:
            lines.append(f"  input:    {self.case}")
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.got is not None:
            lines.append(f"  got:      {self.got}")
        if self.hint:
            lines.append(f"  hint:     {self.hint}")
        return "\n".join(lines)


class LearnerError(Exception):
    """An error raised by learner code in another language (R hands it back as this)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is taught, what to write, and its check."""

    name: str
    lesson: str
    title: str
    task: str
    check: Callable[..., CheckResult]
    arrays: bool  # whether the check takes arrays=True (numpy in, numpy out; how R calls it)


EXERCISES: Dict[str, Exercise] = {}


def exercise(name: str, lesson: str, title: str, task: str) -> Callable:
    """Register a check. The decorated function raises Failure or returns a summary of what
    passed; the registered ``check_<name>`` returns a :class:`CheckResult` either way."""

    def register(body: Callable[..., str]) -> Callable[..., CheckResult]:
        @functools.wraps(body)
        def check(fn: Any, *args: Any, **kwargs: Any) -> CheckResult:
            if not callable(fn):
                return _failed(name, Failure("", f"the check needs your function itself, got {show(fn)}.",
                                             f"pass the function's name without calling it: check_{name}(my_function)"))
            # The checks draw their own inputs: the learner's random stream is left as it was,
            # and autograd is on even if the caller sits inside no_grad().
            with torch.random.fork_rng(devices=[]), torch.enable_grad():
                try:
                    summary = body(fn, *args, **kwargs)
                except Failure as failure:
                    return _failed(name, failure)
            return CheckResult(name, True, f"Correct ({name}): {summary}")

        signature = inspect.signature(body)
        check.__signature__ = signature.replace(return_annotation=CheckResult)  # type: ignore[attr-defined]
        check.__annotations__ = {**body.__annotations__, "return": "CheckResult"}
        arrays = "arrays" in signature.parameters
        EXERCISES[name] = Exercise(name, lesson, title, inspect.cleandoc(task), check, arrays)
        return check

    return register


def _failed(name: str, failure: Failure) -> CheckResult:
    return CheckResult(name, False, failure.text(name), failure.hint)


# --- calling the learner's function -------------------------------------------------------------

def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def call(fn: Callable, case: str, *args: Any, error_hints: Sequence[tuple] = ()) -> Any:
    """``fn(*args)``; an exception becomes a Failure naming the input.

    ``error_hints`` pairs a piece of an error message with the hint that error deserves (torch's
    messages are precise but say nothing about the exercise).
    """
    try:
        out = fn(*args)
        if isinstance(out, LearnerError):
            raise out
        return out
    except Failure:
        raise
    except Exception as exc:  # the learner's code may raise anything
        message = _first_line(exc)
        what = "stopped with an error" if isinstance(exc, LearnerError) else f"raised {type(exc).__name__}"
        hint = next((h for piece, h in error_hints if piece.lower() in message.lower()), "")
        if isinstance(exc, NotImplementedError):
            hint = hint or "write the body of the function, then run the check again"
        raise Failure(case, f"your function {what}: {message}",
                      hint or "run your function on this input yourself and read the error") from None


# --- describing values ---------------------------------------------------------------------------

def show(value: Any, limit: int = 160) -> str:
    """A short description of a value: type or shape and dtype, then (some of) its numbers."""
    if isinstance(value, torch.Tensor):
        arr = value.detach().cpu()
        arr = arr.float().numpy() if arr.dtype in (torch.bfloat16, torch.float16) else arr.numpy()
        dtype = str(value.dtype).replace("torch.", "")
        if value.ndim == 0:
            return f"{_numbers(arr)} (a 0-d tensor, {dtype})"
        text = f"tensor of shape {tuple(value.shape)}, {dtype}: {_numbers(arr)}"
    elif isinstance(value, np.ndarray):
        text = f"array of shape {value.shape}: {_numbers(value)}" if value.ndim else _numbers(value)
    elif isinstance(value, (bool, np.bool_)):
        text = repr(bool(value))
    elif isinstance(value, (int, float, np.number)):
        text = _numbers(np.asarray(value))
    elif value is None:
        text = "None"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _numbers(arr: np.ndarray) -> str:
    # Fewer numbers per axis as axes add up: a 4-d batch must still fit on a line or two.
    edge = 3 if arr.ndim <= 2 else 1
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.integer):
        text = np.array2string(arr, threshold=12, edgeitems=edge, separator=", ", max_line_width=10**6)
    else:
        text = np.array2string(np.asarray(arr, dtype=np.float64), precision=4, threshold=12, edgeitems=edge,
                               separator=", ", max_line_width=10**6, suppress_small=False)
    text = " ".join(text.split())
    return re.sub(r"\[ ", "[", re.sub(r" ,", ",", text))  # numpy pads numbers to a common width


# --- comparing results ---------------------------------------------------------------------------

def to_input(value: torch.Tensor, arrays: bool) -> Any:
    """An input as the learner's function receives it: a fresh tensor, or a numpy copy."""
    if not arrays:
        return value.detach().clone().requires_grad_(value.requires_grad) if value.is_floating_point() \
            else value.clone()
    return value.detach().numpy().copy()


def show_input(value: torch.Tensor, arrays: bool) -> str:
    """An input as the learner's function sees it: a tensor, or (arrays mode) an array."""
    return show(value.detach().numpy() if arrays else value)


def as_tensor_result(got: Any, case: str, what: str = "the result") -> torch.Tensor:
    """``got`` must be a torch tensor: autograd and the next steps need one."""
    if isinstance(got, torch.Tensor):
        return got
    raise Failure(case, f"{what} is {show(got)}, not a torch tensor.",
                  "keep working with torch operations on the input tensor; converting to numpy, "
                  "R or Python numbers (.item(), .numpy(), .tolist()) leaves autograd behind")


def as_array_result(got: Any, case: str, what: str = "the result") -> np.ndarray:
    """``got`` as a float64 numpy array (tensors, arrays, lists and numbers are accepted)."""
    if isinstance(got, torch.Tensor):
        got = got.detach().cpu().numpy()
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(case, f"{what} is {show(got)}, not numbers.", "return numbers: a number, vector or matrix") from None
    return arr


def expect_close(got: Any, expected: torch.Tensor, case: str, *, arrays: bool = False, what: str = "the result",
                 atol: float = 1e-5, rtol: float = 1e-4, check_dtype: bool = True,
                 shape_hint: Callable[[tuple, tuple], str] = lambda g, e: "",
                 nonfinite_hint: str = "", value_hint: Callable[[np.ndarray, np.ndarray], str] = lambda g, e: "",
                 scalar: bool = False, dtype_hint: str = "", values: bool = True) -> torch.Tensor:
    """Fail unless ``got`` has ``expected``'s shape (and dtype) and values; return it as a tensor.

    ``scalar``: the result is one number (a 0-d tensor; in arrays mode any single number).
    ``values=False`` checks the form only (type, shape, dtype, finite numbers).
    """
    if arrays:
        arr = as_array_result(got, case, what)
        if scalar and arr.size == 1:
            arr = arr.reshape(())
        tensor = torch.from_numpy(np.array(arr))  # a writable copy: R's arrays arrive read-only
    else:
        tensor = as_tensor_result(got, case, what)
        arr = tensor.detach().cpu().to(torch.float64).numpy() if tensor.is_floating_point() \
            else tensor.detach().cpu().numpy().astype(np.float64)
    want = expected.detach().cpu().to(torch.float64).numpy()
    shown = show(got if not arrays else arr)
    if arr.shape != want.shape:
        if scalar:
            hint = "return a single number: the mean over the batch" if arr.size > 1 else \
                "return the number itself, as a 0-d tensor (a scalar), not wrapped in a list or a 1-element vector"
        else:
            hint = shape_hint(arr.shape, want.shape) or "compare the shape of your result with the input's"
        raise Failure(case, f"{what} has shape {_shape(arr.shape)} but should have shape {_shape(want.shape)}.",
                      hint, expected=show(expected if not arrays else want), got=shown)
    if not arrays and check_dtype and tensor.dtype != expected.dtype:
        raise Failure(case, f"{what} has dtype {_dtype(tensor.dtype)} but should keep {_dtype(expected.dtype)}.",
                      dtype_hint or "work on the input tensor itself; new constants built with torch.tensor(...) "
                      "or .float() change the precision", expected=show(expected), got=shown)
    bad = ~np.isfinite(arr) & (np.isfinite(want) | (not values))
    if bad.any():
        raise Failure(case, f"{what} holds {_nonfinite(arr[bad])} where the answer is a finite number.",
                      nonfinite_hint or "some step overflows or divides by zero on this input",
                      expected=show(expected if not arrays else want), got=shown)
    if values and not np.allclose(arr, want, atol=atol, rtol=rtol, equal_nan=True):
        raise Failure(case, f"{what} is not the right number." if scalar else
                      f"{what} has the right shape but wrong values.",
                      value_hint(arr, want) or "", expected=show(expected if not arrays else want), got=shown)
    return tensor


def _shape(shape: tuple) -> str:
    return "()" if shape == () else str(tuple(int(s) for s in shape))


def _dtype(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def _nonfinite(values: np.ndarray) -> str:
    kinds = sorted({"nan" if math.isnan(v) else "inf" for v in values.tolist()})
    return " and ".join(kinds)


def ratio_hint(got: np.ndarray, want: np.ndarray, n: int) -> str:
    """Common slips on a mean: summed instead of averaged, or the sign flipped."""
    if got.size == 1 and want.size == 1 and float(want) != 0:
        ratio = float(got) / float(want)
        if n > 1 and math.isclose(ratio, n, rel_tol=1e-3):
            return f"your value is {n} times too large, the number of rows: average over the batch, do not sum"
        if math.isclose(ratio, -1.0, rel_tol=1e-3):
            return "your value has the wrong sign: a negative log-likelihood is minus the log-likelihood"
        if n > 1 and math.isclose(ratio, 1 / n, rel_tol=1e-3):
            return f"your value is {n} times too small: divide by the number of rows once, not twice"
    return ""
