"""The command line, run as a learner runs it: ``python -m learntorch ...`` in a subprocess.

Exit codes: 0 success, 1 a failure while running (one clean line, no traceback), 2 a usage
error. Runs are tiny (few epochs, a few hundred points), so the suite stays quick; the
subcommands' own --help and the argument checks run in-process, through ``cli.main``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import learntorch as lt
from learntorch import cli

ROOT = Path(__file__).resolve().parents[2]

try:  # importing rpy2 starts nothing; whether R and the R package load is the CLI's business
    import rpy2  # noqa: F401

    HAVE_RPY2 = True
except ImportError:
    HAVE_RPY2 = False


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg", OMP_WAIT_POLICY="PASSIVE", LEARNTORCH_PROGRESS="0")
    env.setdefault("R_LIBS", str(ROOT / ".r-lib"))
    return subprocess.run([sys.executable, "-m", "learntorch", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def one_clean_error(proc: subprocess.CompletedProcess, command: str) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"learntorch {command}: error: "), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory) -> Path:
    """One small XOR training run, shared by the evaluate and plot tests."""
    out = tmp_path_factory.mktemp("xor")
    proc = run("train", "--data", "xor", "--size", "300", "--epochs", "5", "--lr", "0.5", "--batch-size", "64",
               "--out", str(out), cwd=out)
    assert proc.returncode == 0, proc.stderr
    assert "trained SimpleClassifier on 240 continuous-XOR points for 5 epochs" in proc.stdout
    assert "valid_accuracy" in proc.stdout.splitlines()[-1]
    return out


def test_help_and_version(capsys):
    proc = run("--help", cwd=ROOT)
    assert proc.returncode == 0
    for command in ("train", "evaluate", "plot", "info"):
        assert command in proc.stdout
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"learntorch {lt.__version__}"


@pytest.mark.parametrize("command, words", [
    ("train", ["--csv", "--features", "--label", "--model", "--epochs", "--lr", "--batch-size", "--seed", "--out"]),
    ("evaluate", ["checkpoint", "--csv", "--json"]),
    ("plot", ["--history", "--checkpoint", "--ggplot", "--out"]),
    ("info", ["--json"]),
])
def test_every_subcommand_has_help(command, words, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: learntorch {command}")
    for word in words:
        assert word in text


def test_train_writes_checkpoint_history_and_figures(xor_run):
    for name in ("model.pt", "history.csv"):
        assert (xor_run / name).is_file()
    for name in ("loss.png", "accuracy.png", "decision_boundary.png"):
        assert is_png(xor_run / name), name
    history = pd.read_csv(xor_run / "history.csv")
    assert list(history.columns) == ["epoch", "split", "metric", "value"]
    assert set(history["split"]) == {"train", "valid"} and history["epoch"].max() == 5
    model = lt.load(xor_run / "model.pt")
    assert type(model).__name__ == "SimpleClassifier"
    assert model.checkpoint["metadata"]["data"] == "xor" and model.checkpoint["metadata"]["seed"] == 42


def test_evaluate_prints_metrics_and_json(xor_run):
    proc = run("evaluate", str(xor_run / "model.pt"), "--json", cwd=xor_run)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads(proc.stdout)
    assert set(metrics) == {"loss", "accuracy", "n", "data"} and metrics["n"] == 500
    assert 0 <= metrics["accuracy"] <= 1
    # The same numbers as the API gives on the same fresh points (seed 42 + 1).
    expected = lt.evaluate(lt.load(xor_run / "model.pt"), lt.continuous_xor(500, seed=43))
    assert metrics["accuracy"] == pytest.approx(expected["accuracy"])
    assert metrics["loss"] == pytest.approx(expected["loss"], rel=1e-5)


def test_plot_history_and_boundary(xor_run, capsys):
    proc = run("plot", "--history", str(xor_run / "history.csv"), "--metric", "accuracy", cwd=xor_run)
    assert proc.returncode == 0, proc.stderr
    assert is_png(xor_run / "history_accuracy.png")
    out = xor_run / "boundary.png"
    assert cli.main(["plot", "--checkpoint", str(xor_run / "model.pt"), "--out", str(out)]) == 0
    assert is_png(out) and capsys.readouterr().out.strip() == f"wrote {out}"


def test_train_evaluate_and_plot_a_csv_with_named_labels(tmp_path, capsys):
    moons = lt.two_moons(200, noise=0.1, seed=3).to_frame()
    frame = pd.DataFrame({"length": moons["x1"], "width": moons["x2"], "colour": "red",
                          "species": np.where(moons["label"] == 1, "setosa", "virginica")})
    csv = tmp_path / "flowers.csv"
    frame.to_csv(csv, index=False)
    out = tmp_path / "run"
    proc = run("train", "--csv", str(csv), "--features", "length,width", "--label", "species", "--model", "mlp",
               "--hidden", "16", "--epochs", "15", "--lr", "0.5", "--batch-size", "32", "--out", str(out),
               "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("train_loss")
    assert is_png(out / "decision_boundary.png") and is_png(out / "loss.png")
    model = lt.load(out / "model.pt")
    assert list(model.learntorch_spec.classes) == ["setosa", "virginica"]
    # evaluate and plot find the feature and label names in the checkpoint
    assert cli.main(["evaluate", str(out / "model.pt"), "--csv", str(csv)]) == 0
    assert capsys.readouterr().out.strip().endswith("on 200 rows of flowers.csv")
    proc = run("plot", "--checkpoint", str(out / "model.pt"), "--csv", str(csv), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert is_png(out / "model_boundary.png")


def test_usage_errors_exit_2_with_argparse_messages(tmp_path):
    proc = run("train", "--epochs", "-1", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: learntorch train")
    assert "learntorch train: error: argument --epochs: must be at least 0, got -1" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv, message", [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required"),
    (["train", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["train", "--lr", "0"], "argument --lr: must be a positive number"),
    (["train", "--data", "iris"], "argument --data: invalid choice: 'iris'"),
    (["train", "--hidden", "64,x"], "argument --hidden: expected layer widths"),
    (["train", "--valid-fraction", "1"], "argument --valid-fraction: must be at least 0 and below 1"),
    (["train", "--csv", "x.csv", "--features", "a"], "a CSV needs --features and --label"),
    (["train", "--csv", "missing.csv", "--features", "a", "--label", "b"], "no such file: missing.csv"),
    (["train", "--data", "xor", "--csv", "x.csv"], "either --data or --csv"),
    (["train", "--features", "a,b"], "name columns of a --csv file"),
    (["train", "--data", "moons", "--model", "linear"], "--model linear does regression"),
    (["train", "--data", "xor", "--model", "cnn"], "--model cnn needs images"),
    (["evaluate"], "the following arguments are required: checkpoint"),
    (["evaluate", "nowhere.pt"], "no such checkpoint file: nowhere.pt"),
    (["plot"], "one of the arguments --history --checkpoint is required"),
    (["plot", "--history", "h.csv", "--checkpoint", "m.pt"], "not allowed with argument"),
])
def test_bad_arguments_are_usage_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: learntorch")
    assert message in err


def test_runtime_failures_exit_1_with_one_clean_line(tmp_path):
    not_a_model = tmp_path / "notes.pt"
    not_a_model.write_text("hello")
    line = one_clean_error(run("evaluate", str(not_a_model), cwd=tmp_path), "evaluate")
    assert "is not a readable checkpoint" in line


def test_runtime_failures_in_process(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = tmp_path / "d.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}).to_csv(csv, index=False)
    assert cli.main(["train", "--csv", str(csv), "--features", "a,b", "--label", "y"]) == 1
    assert "has no column 'b'; its columns are ['a', 'y']" in capsys.readouterr().err
    assert cli.main(["train", "--epochs", "1", "--size", "50", "--optimizer", "bogus", "--quiet"]) == 1
    assert "`optimizer` must be one of" in capsys.readouterr().err
    history = tmp_path / "h.csv"
    pd.DataFrame({"epoch": [1], "split": ["train"], "metric": ["loss"], "value": [0.5]}).to_csv(history, index=False)
    assert cli.main(["plot", "--history", str(history), "--metric", "f1"]) == 1
    assert "`metric` 'f1' is not in the history" in capsys.readouterr().err


def test_label_kinds_of_a_csv():
    assert cli.label_task(pd.Series(["a", "b", "a"], name="y"), None) == ("binary", 1)
    assert cli.label_task(pd.Series(["a", "b", "c"], name="y"), None) == ("multiclass", 3)
    assert cli.label_task(pd.Series([0, 1, 2, 3], name="y"), None) == ("multiclass", 4)
    assert cli.label_task(pd.Series([1, 2, 3, 3], name="y"), None) == ("multiclass", 3)
    assert cli.label_task(pd.Series([0.5, 1.25, 3.0], name="y"), None) == ("regression", 1)
    assert cli.label_task(pd.Series(range(50), name="y"), None) == ("regression", 1)
    assert cli.label_task(pd.Series([0, 1, 2], name="y"), "regression") == ("regression", 1)
    with pytest.raises(ValueError, match="needs two classes"):
        cli.label_task(pd.Series(["a", "b", "c"], name="y"), "binary")


def test_console_script_entry_point():
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["learntorch"] == "learntorch.cli:main"


def test_info_lists_versions_and_devices(tmp_path):
    proc = run("info", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["versions"]["learntorch"] == lt.__version__
    assert info["versions"]["torch"] and info["versions"]["numpy"] and info["versions"]["pandas"]
    assert any(d["device"] == "cpu" for d in info["devices"]) and info["default_device"]


def test_info_plain_text(capsys):
    assert cli.main(["info"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("learntorch") and "default device:" in text and "torch" in text


@pytest.mark.skipif(HAVE_RPY2, reason="rpy2 is installed here: the twin is drawn below instead")
def test_ggplot_without_rpy2_is_a_clear_error(xor_run):
    line = one_clean_error(run("plot", "--history", str(xor_run / "history.csv"), "--ggplot", cwd=xor_run), "plot")
    assert "--ggplot needs rpy2 and R" in line and "pip install learntorch[r]" in line


@pytest.mark.skipif(not HAVE_RPY2, reason="rpy2 is not installed (pip install learntorch[r])")
def test_ggplot_twin_through_rpy2(xor_run):
    # One run (R starts in the subprocess); the history twin goes through the same helper.
    out = xor_run / "boundary_ggplot.png"
    proc = run("plot", "--checkpoint", str(xor_run / "model.pt"), "--ggplot", "--out", str(out), cwd=xor_run)
    assert proc.returncode == 0, proc.stderr
    assert is_png(out)
