"""learntorch.devices: device choice, device_info, seeding, threads and the matmul benchmark."""

from __future__ import annotations

import os
import random

import numpy as np
import pandas as pd
import pytest
import torch

import learntorch as lt

NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")


def test_default_device_and_resolve_device():
    dev = lt.default_device()
    assert isinstance(dev, torch.device)
    if not torch.cuda.is_available():
        assert dev.type in ("cpu", "mps")
    assert lt.resolve_device("auto") == dev
    assert lt.resolve_device(None) == dev
    assert lt.resolve_device("cpu") == torch.device("cpu")
    assert lt.resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("device, error", [("gpu", ValueError), ("tpu", ValueError), ("", ValueError),
                                           (3, TypeError), (["cpu"], TypeError)])
def test_resolve_device_rejects_unknown_devices_naming_the_argument(device, error):
    with pytest.raises(error, match="`device`"):
        lt.resolve_device(device)


@NO_GPU
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda", 1)])
def test_cuda_without_a_gpu_is_a_clear_error(device):
    with pytest.raises(ValueError, match="`device`.*(cuda|GPU)"):
        lt.resolve_device(device)
    with pytest.raises(ValueError, match="`device`"):
        lt.benchmark_matmul(8, device=device)


def test_device_info_frame():
    info = lt.device_info()
    assert isinstance(info, pd.DataFrame)
    assert list(info.columns) == ["device", "name", "memory_gb", "capability"]
    assert len(info) >= 1
    cpu = info[info["device"] == "cpu"]
    assert len(cpu) == 1 and info["device"].iloc[-1] == "cpu"
    assert cpu["name"].iloc[0] and isinstance(cpu["name"].iloc[0], str)
    assert cpu["memory_gb"].iloc[0] > 0
    assert pd.api.types.is_float_dtype(info["memory_gb"])
    gpus = info[info["device"].str.startswith("cuda")]
    assert len(gpus) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    for row in gpus.itertuples():
        assert row.memory_gb > 0 and row.capability.count(".") == 1


def test_benchmark_matmul_frame_and_positive_numbers():
    bench = lt.benchmark_matmul(n=64, device="cpu", repeats=3)
    assert list(bench.columns) == ["device", "n", "seconds", "gflops"]
    assert len(bench) == 1
    row = bench.iloc[0]
    assert row["device"] == "cpu" and row["n"] == 64
    assert row["seconds"] > 0 and np.isfinite(row["seconds"])
    assert row["gflops"] == pytest.approx(2 * 64**3 / row["seconds"] / 1e9)


@pytest.mark.parametrize("kwargs, argument", [(dict(n=0), "n"), (dict(n=-3), "n"), (dict(n=2.5), "n"),
                                              (dict(repeats=0), "repeats")])
def test_benchmark_matmul_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        lt.benchmark_matmul(**{"n": 8, **kwargs})


@pytest.fixture
def restore_global_state(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    flags = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    yield
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = flags


def test_seed_everything_makes_python_numpy_and_torch_reproducible(restore_global_state):
    def draw():
        return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist(), torch.randn(2, 2).tolist()

    assert lt.seed_everything(7) == 7
    first = draw()
    lt.seed_everything(7)
    assert draw() == first
    lt.seed_everything(8)
    assert draw() != first
    # a model built after seeding gets the same initial weights
    lt.seed_everything(3)
    a = lt.SimpleClassifier(2, 4, 1)
    lt.seed_everything(3)
    b = lt.SimpleClassifier(2, 4, 1)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k])


def test_seed_everything_deterministic_flags(restore_global_state):
    lt.seed_everything(0, deterministic=True)
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert os.environ.get("CUBLAS_WORKSPACE_CONFIG")


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "42", None, True])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="`seed`"):
        lt.seed_everything(seed)


def test_threads_sets_and_restores_even_on_error():
    torch.set_num_threads(2)
    with lt.threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError):
        with lt.threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == 2
    with lt.threads(None):
        assert torch.get_num_threads() == 2
