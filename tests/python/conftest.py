"""Shared fixtures for the learntorch Python suite.

Figures are drawn with the Agg backend and closed after every test; ``plt.show`` fails the
test if anything calls it. torch's thread setting is restored after every test so one test's
leak cannot hide another's.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import learntorch as lt  # noqa: E402


def _versions() -> str:
    # Two venvs run this suite (numpy<2/pandas<3 for reticulate, and current ones): say which.
    return (f"learntorch suite: python {sys.version.split()[0]} ({sys.prefix}), torch {torch.__version__}, "
            f"numpy {np.__version__}, pandas {pd.__version__}, matplotlib {matplotlib.__version__}")


def pytest_report_header(config):
    return _versions()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # -q hides the report header; the versions still belong in the log.
    if config.get_verbosity() < 0:
        terminalreporter.write_line(_versions())


@pytest.fixture(autouse=True)
def _no_show_and_close_figures(monkeypatch):
    def _fail(*args, **kwargs):
        raise AssertionError("plt.show() was called; learntorch must never call it")

    monkeypatch.setattr(plt, "show", _fail)
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def xor_run():
    """The tutorial's XOR run, once: SimpleClassifier 2-4-1 tanh, SGD lr 0.1, batch 128, 100 epochs.

    Returns a dict with the trained ``model``, its ``history``, the 2500-point ``train`` set and
    a fresh 500-point ``test`` set. Tests that change the model must deep-copy it first.
    """
    torch.manual_seed(42)
    model = lt.SimpleClassifier(2, 4, 1, activation="tanh")
    train = lt.continuous_xor(2500, seed=42)
    test = lt.continuous_xor(500, seed=4242)
    history = lt.fit(model, train, epochs=100, batch_size=128, loss="bce", optimizer="sgd", lr=0.1,
                     seed=0, device="cpu", progress=False)
    return dict(model=model, history=history, train=train, test=test)
