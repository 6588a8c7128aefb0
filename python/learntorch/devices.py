"""Devices, seeding and thread settings, and a matmul benchmark timed correctly on a GPU."""

from __future__ import annotations

import contextlib
import os
import platform
import random
import statistics
import time
from typing import Iterator, Optional, Union

import numpy as np
import pandas as pd
import torch

from .suggest import did_you_mean  # a leaf, as this module is

__all__ = [
    "default_device",
    "resolve_device",
    "device_info",
    "seed_everything",
    "benchmark_matmul",
    "threads",
]

DeviceLike = Union[str, torch.device, None]


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def default_device() -> torch.device:
    """The best device here: CUDA if present, then Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(device: DeviceLike = "auto") -> torch.device:
    """Turn ``"auto"``/None/a name/a ``torch.device`` into a device that exists, or raise."""
    if device is None or (isinstance(device, str) and device == "auto"):
        return default_device()
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except RuntimeError as exc:
            raise ValueError(f"`device` must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from exc
    else:
        raise TypeError(f"`device` must be a string or torch.device, got {type(device).__name__}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("`device` is 'cuda' but no CUDA GPU is available here; use device='cpu' or 'auto'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"`device` {device!r} does not exist: {torch.cuda.device_count()} GPU(s) found")
    elif dev.type == "mps" and not _mps_available():
        raise ValueError("`device` is 'mps' but Apple's MPS backend is not available here")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"`device` must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}")
    return dev


def device_info() -> pd.DataFrame:
    """One row per device: device, name, memory_gb, capability (CPU row always last)."""
    rows = []
    for i in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
        props = torch.cuda.get_device_properties(i)
        rows.append(dict(device=f"cuda:{i}", name=props.name, memory_gb=round(props.total_memory / 1024**3, 2),
                         capability=f"{props.major}.{props.minor}"))
    if _mps_available():
        rows.append(dict(device="mps", name="Apple MPS", memory_gb=np.nan, capability=""))
    mem = np.nan
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 2)
    cpu_name = platform.processor() or platform.machine()
    rows.append(dict(device="cpu", name=f"{cpu_name} ({os.cpu_count()} cores)", memory_gb=mem, capability=""))
    return pd.DataFrame(rows, columns=["device", "name", "memory_gb", "capability"])


def seed_everything(seed: int, deterministic: bool = True) -> int:
    """Seed Python, numpy and torch (CPU and every GPU); optionally make cuDNN deterministic."""
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"`seed` must be an integer in [0, 2**32), got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        # cuBLAS needs this for deterministic matmuls on CUDA >= 10.2.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return seed


@contextlib.contextmanager
def threads(n: Optional[int]) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)``, restoring the caller's setting after.

    Tiny models (the XOR net's 128x4 tanh) gain nothing from intra-op parallelism, and with
    another busy process on 2 cores OpenMP's spinning slows each op from 1 us to 1 ms.
    """
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


_FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")


def _float_dtype(dtype: object) -> torch.dtype:
    """A floating torch dtype, or its name ("float32", as R passes it)."""
    if isinstance(dtype, str) and dtype.removeprefix("torch.") in _FLOAT_DTYPES:
        return getattr(torch, dtype.removeprefix("torch."))
    if isinstance(dtype, torch.dtype) and dtype.is_floating_point:
        return dtype
    raise ValueError(f"`dtype` must be one of {list(_FLOAT_DTYPES)} or a floating torch dtype, got {dtype!r}."
                     f"{did_you_mean(dtype, _FLOAT_DTYPES)}")


def benchmark_matmul(n: int = 5000, device: DeviceLike = "auto", repeats: int = 5, dtype: torch.dtype = torch.float32) -> pd.DataFrame:
    """Median time of an ``n x n`` matmul: one row (device, n, seconds, gflops).

    On a GPU the kernel launch returns before the work is done, so naive wall-clock timing
    measures only the launch. This warms up (CUDA context, cuBLAS handles), then times with
    CUDA events around each call and synchronizes before reading them.
    """
    for name, value in (("n", n), ("repeats", repeats)):  # a leaf module: no data._check_int here
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}")
    dtype = _float_dtype(dtype)
    dev = resolve_device(device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    a = torch.randn(n, n, generator=gen, dtype=dtype).to(dev)
    b = torch.randn(n, n, generator=gen, dtype=dtype).to(dev)
    times = []
    if dev.type == "cuda":
        torch.matmul(a, b)  # warm-up
        torch.cuda.synchronize(dev)
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            torch.matmul(a, b)
            end.record()
            torch.cuda.synchronize(dev)
            times.append(start.elapsed_time(end) / 1000.0)
    else:
        torch.matmul(a, b)  # warm-up
        for _ in range(repeats):
            t0 = time.perf_counter()
            torch.matmul(a, b)
            if dev.type == "mps":
                torch.mps.synchronize()
            times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    return pd.DataFrame([dict(device=str(dev), n=int(n), seconds=seconds, gflops=2 * n**3 / seconds / 1e9)])
