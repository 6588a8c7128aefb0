"""Exercises on tensors: moving axes, broadcasting, and random numbers that repeat (lessons 1, 3)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ._core import Failure, call, exercise, expect_close, show, to_input


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@exercise(
    "channels_first", lesson="01-tensors", title="Channels first: reorder an image batch's axes",
    task="""
    Image libraries store a batch of colour images as (N, H, W, C): images, rows, columns,
    channels. torch's convolutions want (N, C, H, W). Write `channels_first(images)` that returns
    the same pixels with the axes in that order, so that
    `out[n, c, i, j] == images[n, i, j, c]` for every index. Keep the dtype; an empty batch
    (N = 0) must work too. From R the batch is an R array with the same four dimensions.
    """,
)
def check_channels_first(fn: Callable, arrays: bool = False) -> str:
    """Check ``fn(images) -> images`` moved from (N, H, W, C) to (N, C, H, W)."""
    gen = _gen(1)
    cases = [
        ("a batch of 2 images, 4 x 5 pixels, 3 channels", torch.rand(2, 4, 5, 3, generator=gen)),
        ("one 2 x 2 image with one channel", torch.rand(1, 2, 2, 1, generator=gen)),
        ("3 square images, 6 x 6 pixels, 3 channels", torch.rand(3, 6, 6, 3, generator=gen)),
        ("float64 images", torch.rand(2, 3, 4, 2, generator=gen, dtype=torch.float64)),
        ("an empty batch (0 images of 5 x 5 x 3)", torch.zeros(0, 5, 5, 3)),
    ]
    for label, images in cases:
        case = f"images = {label}, shape {tuple(images.shape)}"
        got = call(fn, case, to_input(images, arrays))
        expected = images.permute(0, 3, 1, 2)
        expect_close(got, expected, case, arrays=arrays, atol=0, rtol=0, shape_hint=_axes_hint,
                     value_hint=lambda g, e: _reshaped_hint(g, e))
    return (f"{len(cases)} batches passed, including non-square images, float64 and an empty batch.")


def _axes_hint(got: tuple, want: tuple) -> str:
    if sorted(got) == sorted(want):
        return "the right sizes in the wrong order: list the axes you want, in order, by their position in the input"
    return "the output holds the same numbers as the input, so its sizes are the input's sizes, reordered"


def _reshaped_hint(got: np.ndarray, want: np.ndarray) -> str:
    if np.array_equal(np.sort(got, axis=None), np.sort(want, axis=None)):
        return ("the right numbers, in the wrong places: reshaping (view, reshape, dim<-) keeps the numbers "
                "in memory order and only regroups them; moving an axis needs an operation that reorders "
                "dimensions")
    return "the output must hold exactly the input's numbers, only rearranged"


@exercise(
    "pairwise_distances", lesson="01-tensors", title="All pairwise distances by broadcasting",
    task="""
    Write `pairwise_distances(a, b)` for a matrix `a` of N points and a matrix `b` of M points
    (N x D and M x D). It returns the N x M matrix of Euclidean distances,
    `out[i, j] = sqrt(sum_k (a[i, k] - b[j, k])^2)`, without a loop over the points:
    broadcasting does it. Identical points are at distance exactly 0 (never nan), and N = 0
    gives a 0 x M result.
    """,
)
def check_pairwise_distances(fn: Callable, arrays: bool = False) -> str:
    """Check ``fn(a, b) -> (N, M)`` Euclidean distances."""
    gen = _gen(2)
    a34 = torch.randn(3, 4, generator=gen)
    spread = torch.randn(4, 3, generator=gen) * 10
    cases = [
        ("3 points and 5 points in 2-d", torch.randn(3, 2, generator=gen), torch.randn(5, 2, generator=gen)),
        ("4 points and 2 points in 3-d", torch.randn(4, 3, generator=gen), torch.randn(2, 3, generator=gen)),
        ("one point and one point in 1-d", torch.tensor([[1.0]]), torch.tensor([[-2.0]])),
        ("the same 3 points twice (distances 0 on the diagonal)", a34, a34.clone()),
        ("4 points and 4 points, two of them shared", spread, torch.cat([spread[:2], spread[:2] + 1.0])),
        ("float64 points", torch.randn(2, 3, generator=gen, dtype=torch.float64),
         torch.randn(3, 3, generator=gen, dtype=torch.float64)),
        ("no points in a (0 x 2) and 3 in b", torch.zeros(0, 2), torch.randn(3, 2, generator=gen)),
    ]
    for label, a, b in cases:
        case = f"a, b = {label}: shapes {tuple(a.shape)} and {tuple(b.shape)}"
        got = call(fn, case, to_input(a, arrays), to_input(b, arrays), error_hints=[
            ("must match the size", "a - b only lines up rows when N = M; give a and b extra axes of "
                                    "size 1 so every row of a meets every row of b"),
            ("non-conformable", "a - b only lines up rows when N = M: every row of a must meet every row of b"),
        ])
        expected = torch.cdist(a.double(), b.double()).to(a.dtype)
        # Loose enough for |a|^2 + |b|^2 - 2ab, whose rounding leaves ~1e-3 on zero distances.
        expect_close(got, expected, case, arrays=arrays, atol=1e-2, rtol=1e-3,
                     shape_hint=lambda g, e: _distance_shape_hint(g, e),
                     nonfinite_hint=("a square root of a tiny negative number: rounding can make a squared "
                                     "distance -1e-7 where it is 0; make sure it is never below zero"),
                     value_hint=_squared_hint)
    return f"{len(cases)} cases passed, including repeated points (distance 0), float64 and an empty a."


def _distance_shape_hint(got: tuple, want: tuple) -> str:
    if got == want[::-1]:
        return "rows and columns swapped: row i is a's point i, column j is b's point j"
    return "one row per point of a and one column per point of b"


def _squared_hint(got: np.ndarray, want: np.ndarray) -> str:
    if np.allclose(got, want ** 2, rtol=1e-3, atol=1e-3):
        return "these are the squared distances: take the square root"
    return ""


@exercise(
    "reproducible_noise", lesson="03-devices", title="Random numbers that repeat, without touching the global seed",
    task="""
    Write `noise(n, seed)` returning a tensor of `n` standard-normal numbers (float32) that
    is the same every time it is called with the same seed, differs between seeds, and leaves
    torch's global random stream alone: code that draws random numbers after calling `noise`
    must not see them repeat. `n = 0` gives an empty tensor.
    """,
)
def check_reproducible_noise(fn: Callable) -> str:
    """Check ``fn(n, seed)``: reproducible per seed, standard normal, global RNG untouched."""
    for n, seed in ((5, 7), (1, 0), (0, 3)):
        case = f"n = {n}, seed = {seed}"
        torch.manual_seed(1234)
        state = torch.get_rng_state()
        first = call(fn, case, n, seed)
        expect_close(first, torch.zeros(n), case, what="the result", values=False,
                     shape_hint=lambda g, e: "one number per requested draw: a 1-d tensor of length n",
                     dtype_hint="torch draws float32 by default; a tensor made from float64 numbers (numpy, R) "
                                "keeps float64")
        changed = not torch.equal(torch.get_rng_state(), state)
        torch.manual_seed(999)  # another global state: the result must depend on the seed alone
        second = call(fn, case, n, seed)
        if not torch.equal(torch.as_tensor(first), torch.as_tensor(second)):
            raise Failure(case, "two calls with the same seed gave different numbers.",
                          "the numbers must come from a generator seeded with `seed` inside the function",
                          expected=show(first), got=show(second))
        if changed:
            raise Failure(case, "calling your function changed torch's global random stream.",
                          "after a call, every later torch.rand/randn in the program would repeat the same "
                          "numbers; draw from a torch.Generator of your own instead of seeding the global one")
    a, b = call(fn, "n = 5, seed = 1", 5, 1), call(fn, "n = 5, seed = 2", 5, 2)
    if torch.equal(torch.as_tensor(a), torch.as_tensor(b)):
        raise Failure("n = 5, seeds 1 and 2", "seeds 1 and 2 gave the same numbers.",
                      "use the `seed` argument to seed your generator", got=show(a))
    big = torch.as_tensor(call(fn, "n = 20000, seed = 5", 20000, 5), dtype=torch.float64)
    mean, sd = big.mean().item(), big.std().item()
    if abs(mean) > 0.05 or abs(sd - 1) > 0.05:
        raise Failure("n = 20000, seed = 5", f"20000 draws have mean {mean:.3f} and sd {sd:.3f}.",
                      "standard normal numbers have mean 0 and standard deviation 1 (torch.rand is uniform "
                      "on [0, 1))", expected="mean about 0, sd about 1")
    return "same seed, same numbers; other seeds, other numbers; the global stream untouched; n = 0 works."
