"""Data-parallel training on torch.distributed (gloo, 2 CPU processes on 127.0.0.1).

Starting processes costs seconds here (each imports torch), so one ``lt.launch`` runs many
scenarios (module fixture) and the others start only what they must: a failing rank, Ctrl-C to
a launcher, and a two-"node" torchrun. The pieces without processes are tested directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch.distributed.elastic.utils.distributed import get_free_port

import learntorch as lt
from learntorch.training import distributed, shipping

sys.path.insert(0, str(Path(__file__).parent))
import _dist_jobs as jobs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-6


def _close(a: dict, b: dict, tol: float = TOL) -> float:
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst <= tol, f"weights differ by {worst}"
    return worst


# --- the pieces, in one process --------------------------------------------------------------------

def test_batch_size_is_global_and_must_divide():
    two = lt.Distributed(rank=1, world_size=2, active=True)
    assert two.check_batch_size(64) == 32
    with pytest.raises(ValueError, match=r"`batch_size` is the global batch.*65 does not divide by 2"):
        two.check_batch_size(65)
    assert lt.Distributed().check_batch_size(65) == 65


def test_shards_are_the_global_batches_split_by_rank():
    x, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    whole = list(lt.BatchIterator(x, y, 4, generator=torch.Generator().manual_seed(3)))
    ranks = [distributed.ShardedBatches(lt.BatchIterator(x, y, 4, generator=torch.Generator().manual_seed(3)), r, 3)
             for r in range(3)]
    parts = [list(r) for r in ranks]
    assert [len(p) for p in parts] == [3, 3, 3] and [len(r) for r in ranks] == [3, 3, 3]
    for i, (bx, by) in enumerate(whole):  # the same permutation, each global batch split in order
        assert torch.equal(torch.cat([p[i][0] for p in parts]), bx)
        assert torch.equal(torch.cat([p[i][1] for p in parts]), by)
    # The last global batch has 2 rows for 3 ranks: rank 2's part is empty.
    assert ranks[0].local_sizes == [2, 2, 1] and ranks[2].local_sizes == [1, 1, 0]
    assert ranks[0].weights.tolist() == pytest.approx([4 / 3, 4 / 3, 2 / 3])


def test_scaled_loss_gives_the_global_mean_gradient():
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    x, y = torch.randn(7, 3), torch.randn(7)

    def mse(out, target):
        return ((out - target) ** 2).mean()

    (want,) = torch.autograd.grad(mse(x @ w, y), w)
    batches = distributed.ShardedBatches(lt.BatchIterator(x, y, 7, shuffle=False), 0, 2)
    grads = []
    for rank, part in enumerate(torch.arange(7).tensor_split(2)):
        batches.factor = len(part) * 2 / 7  # as ShardedBatches sets it for rank `rank`
        loss = distributed.ScaledLoss(mse, batches, 2)(x[part] @ w, y[part])
        grads.append(torch.autograd.grad(loss, w)[0])
    assert torch.allclose((grads[0] + grads[1]) / 2, want, atol=1e-6)  # DDP's mean over the ranks
    empty = distributed.ScaledLoss(mse, batches, 2)(x[:0] @ w, y[:0])
    assert empty.item() == 0 and torch.equal(torch.autograd.grad(empty, w)[0], torch.zeros(3))


def test_one_process_is_not_distributed(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    here = lt.Distributed.detect()
    assert not here.active and here.is_main and here.world_size == 1
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    assert lt.Distributed.detect().active and not lt.Distributed.detect().is_main
    monkeypatch.setenv("LEARNTORCH_DISTRIBUTED", "0")
    assert not lt.Distributed.detect().active


def test_each_rank_takes_its_own_gpu_or_all_take_the_cpu(monkeypatch):
    # No GPU here: the decision is tested with torch told there are some.
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    rank1 = lt.Distributed(rank=1, world_size=2, local_rank=1, active=True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert rank1.resolve("auto") == torch.device("cuda", 1) == rank1.resolve("cuda")
    assert rank1.resolve("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)  # 2 processes, 1 GPU: all on the CPU
    assert rank1.resolve("auto") == torch.device("cpu")
    assert lt.Distributed(local_rank=0, active=True).resolve("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="process 1 on this machine has no GPU of its own"):
        rank1.resolve("cuda")


def test_functions_from_a_notebook_travel_by_value(tmp_path):
    # Defined as a notebook cell defines them: in a namespace called __main__ that a new process
    # cannot import them from.
    space = {"__name__": "__main__", "base": 40, "torch": torch}
    exec("def helper(n):\n    return base + n\n\n"
         "def job(k, scale=1):\n    return helper(k) * scale, torch.__name__, unknown\n", space)
    job = shipping.pack_job(space["job"], (2,), {"scale": 1})
    assert job[1][0] == "value"
    space["unknown"] = "x"  # defined after packing: the processes would not have it
    with pytest.raises(NameError, match="unknown"):
        shipping.run_job(job)
    job = shipping.pack_job(space["job"], (2,), {"scale": 1})
    assert shipping.run_job(job) == (42, "torch", "x")
    script = tmp_path / "script.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('ran')\nraise SystemExit(0)\n")
    assert shipping.run_job(shipping.pack_job(script, [tmp_path / "out.txt"], None)) is None
    assert (tmp_path / "out.txt").read_text() == "ran"
    with pytest.raises(FileNotFoundError, match="`fn` names no Python script"):
        shipping.pack_job(tmp_path / "missing.py", (), None)
    with pytest.raises(TypeError, match="`fn` must be a function"):
        lt.launch(42)


def test_library_path_drops_foreign_libpython(tmp_path):
    foreign = tmp_path / "lib"
    foreign.mkdir()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (foreign / f"libpython{version}.so.1.0").write_bytes(b"")
    kept = tmp_path / "other"
    kept.mkdir()
    assert shipping._library_path(f"{foreign}:{kept}") == str(kept)
    assert shipping.python_executable().split("/")[-1].startswith("python")


# --- 2 processes against 1 -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """One 2-process launch running every scenario (see _dist_jobs.equivalence_and_files)."""
    folder = tmp_path_factory.mktemp("ddp")
    started = time.perf_counter()
    result = lt.launch(jobs.equivalence_and_files, nprocs=2, args=(str(folder),), timeout=120)
    result["seconds"] = time.perf_counter() - started
    result["folder"] = folder
    return result


@pytest.mark.parametrize("key", jobs.SCENARIOS, ids=lambda k: str(k))
def test_two_processes_train_like_one(two, key):
    weights, frame, _ = jobs.scenario(*key)
    got_weights, got_frame = two["scenarios"][key]
    _close(weights, got_weights)
    assert got_frame[["epoch", "split", "metric"]].equals(frame[["epoch", "split", "metric"]])
    assert (got_frame["value"] - frame["value"]).abs().max() <= TOL


def test_every_rank_has_the_same_history(two):
    rank0, rank1 = two["histories"]
    assert len(rank0) == len(jobs.SCENARIOS)
    for a, b in zip(rank0, rank1):
        assert a.equals(b)


def test_only_rank_0_writes_and_its_checkpoint_loads_in_one_process(two):
    folder = two["folder"]
    assert sorted(p.name for p in (folder / "rank0").iterdir()) == ["log.csv", "run.pt"]
    assert list((folder / "rank1").iterdir()) == []
    weights, frame = two["first"]
    loaded = lt.load(folder / "rank0" / "run.pt")
    assert not any(k.startswith("module.") for k in loaded.state_dict())
    _close(weights, loaded.state_dict(), 0)
    data = lt.continuous_xor(100, seed=5)
    model = lt.MLP(2, (8,), 1)
    model.load_state_dict(weights)
    assert torch.equal(torch.as_tensor(lt.predict_proba(loaded, data)), torch.as_tensor(lt.predict_proba(model, data)))
    assert len(open(folder / "rank0" / "log.csv").read().splitlines()) == 3  # header + 2 epochs


def test_resume_in_a_distributed_run(two):
    weights, frame, _ = jobs.scenario("xor", "adam", 0.25, epochs=4)
    got_weights, got_frame = two["resumed"]
    _close(weights, got_weights)
    assert (got_frame["value"] - frame["value"]).abs().max() <= TOL and got_frame["epoch"].max() == 4


def test_ctrl_c_on_one_rank_stops_both(two):
    # Rank 1 alone got SIGINT in epoch 1: both stopped at the same step, with the same history.
    assert two["interrupted"] == [(0, True, "interrupted during epoch 1")] * 2


def test_divergence_stops_every_rank_at_the_same_epoch(two):
    rank0, rank1 = two["diverged"]
    assert rank0 == rank1 and "became" in rank0[0], rank0


def test_datasets_are_sharded_by_a_distributed_sampler(two):
    seen, frames, error = two["dataset"]
    assert sorted(seen[0] + seen[1]) == list(range(200)) and not set(seen[0]) & set(seen[1])
    assert frames[0].equals(frames[1]) and frames[0]["epoch"].max() == 2
    assert "DistributedSampler" in error


# --- failures, Ctrl-C, torchrun --------------------------------------------------------------------

def test_a_failing_rank_fails_the_run_fast_with_its_error():
    started = time.perf_counter()
    with pytest.raises(ValueError, match="rank 1 broke on purpose") as info:
        lt.launch(jobs.fail_on_rank_1, nprocs=2, timeout=30)
    elapsed = time.perf_counter() - started
    cause = info.value.__cause__
    assert isinstance(cause, distributed.RankFailed)
    assert "rank 1 of 2 failed" in str(cause) and "maybe_fail" in str(cause) and "Traceback" in str(cause)
    assert elapsed < 90, f"took {elapsed:.0f} s"  # process start-up included; a hang would hit 30 s more


def test_ctrl_c_to_the_launcher_returns_the_partial_history(tmp_path):
    ready = tmp_path / "ready"
    code = (f"import json, sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "import learntorch as lt, _dist_jobs as jobs\n"
            f"out = lt.launch(jobs.train_until_interrupted, nprocs=2, args=({str(ready)!r},), timeout=60)\n"
            "print('RESULT', json.dumps(out))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ready.exists(), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err[-3000:]
    result = json.loads(out.split("RESULT", 1)[1])
    assert result["interrupted"] and result["epochs"] >= 1 and result["reason"].startswith("interrupted")
    assert result["rows"] == 5 * result["epochs"]  # loss, accuracy, f1, auc, lr: whole epochs only
    assert time.monotonic() - stopped < 60


def test_two_torchrun_nodes_train_like_one_process(tmp_path):
    # torchrun --nnodes=2 --node-rank=0/1 --rdzv-backend=c10d on 127.0.0.1 (c10d numbers the nodes
    # itself and warns that --node-rank is ignored).
    out = tmp_path / "xor.pt"
    port = get_free_port()
    logs = [tmp_path / f"node{n}.log" for n in (0, 1)]
    handles = [open(log, "w") for log in logs]
    nodes = [subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", f"--node-rank={n}", "--nproc_per_node=1",
         "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", "--rdzv-id=test",
         f"--rdzv-conf=is_host={1 - n}", str(Path(__file__).parent / "_dist_torchrun.py"), "--out", str(out),
         "--epochs", "2", "--lr", "0.01"],
        stdout=handles[n], stderr=subprocess.STDOUT, start_new_session=True) for n in (0, 1)]
    try:
        for p in nodes:
            p.wait(timeout=150)
    finally:
        for p, handle in zip(nodes, handles):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            handle.close()
    text = "".join(f"--- node {n}\n{log.read_text()}" for n, log in enumerate(logs))
    assert [p.returncode for p in nodes] == [0, 0], text[-6000:]
    assert text.count("2 process(es)") == 2, text[-6000:]  # examples/train_ddp.py, twice in the same processes
    spec = importlib.util.spec_from_file_location("train_ddp", ROOT / "examples" / "train_ddp.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model, _ = example.train(epochs=2, lr=0.01)
    _close({k: v.detach() for k, v in model.state_dict().items()}, lt.load(out).state_dict())
