"""Data-parallel training on torch.distributed: one process per device, each taking its share
of every global batch, gradients averaged by ``DistributedDataParallel``.

``fit`` reads a :class:`Distributed` strategy from ``torchrun``'s environment (RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR) or from a process group the caller initialised; without either it is a
single process and nothing here runs. The hooks it gives the loop:

- :meth:`Distributed.start`: the rank's device (``LOCAL_RANK``'s GPU) and the process group
  (gloo on CPU, NCCL on CUDA), initialised unless the caller did it (then left to the caller);
- :meth:`Distributed.shard_source` and :meth:`Distributed.adapt`: Datasets read through a seeded
  ``DistributedSampler``; in-memory data cut by :class:`ShardedBatches` (every rank draws the
  same permutation and takes its part of each global batch); each rank's loss scaled by
  :class:`ScaledLoss`, so 1 and N processes take the same steps; the model wrapped in DDP;
- :meth:`Distributed.stopping`: ranks stop together (Ctrl-C, a callback);
  :meth:`Distributed.all_reduce_sum` and :meth:`Distributed.all_gather_rows` make the epoch's
  loss and metrics from every rank's rows; validation is shared out and its numbers broadcast.

:func:`launch` starts such a run on this machine from a notebook, a script or R.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
from torch import nn
from torch.multiprocessing.spawn import ProcessException

from ..adapters import Stream, Table, as_source
from ..data import _WHOLE_EPOCH_GATHER_BYTES, BatchIterator, _check_int
from ..devices import resolve_device
from ..evaluation import model_outputs
from . import shipping
from .callbacks import TrainingState, _SavedHandler

if TYPE_CHECKING:  # prepare imports this module
    from .prepare import Run

__all__ = ["Distributed", "ShardedBatches", "ScaledLoss", "launch"]

# How long a collective may wait for the other ranks before the run fails (seconds); a rank that
# dies is normally noticed at once (its sockets close, the launcher stops the others).
DEFAULT_TIMEOUT = 300.0
_GROUPS = itertools.count()  # process groups fit made in this process (the same count on every rank)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class Distributed:
    """Where this process stands in a data-parallel run (a single process: ``active`` False)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    active: bool = False
    timeout: float = DEFAULT_TIMEOUT
    device: Optional[torch.device] = None
    owns_group: bool = False      # fit initialised the process group, so fit destroys it
    comm_device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    sampler: Any = None           # a Dataset's DistributedSampler, told each epoch
    _pending: Any = field(default=None, repr=False)  # the stop flags' all-reduce under way

    @classmethod
    def detect(cls) -> "Distributed":
        """This process's rank: from a process group already initialised, else from torchrun's
        environment (RANK, WORLD_SIZE, MASTER_ADDR), else a single process.
        ``LEARNTORCH_DISTRIBUTED=0`` keeps ``fit`` in one process anyway."""
        timeout = float(os.environ.get("LEARNTORCH_DIST_TIMEOUT", DEFAULT_TIMEOUT))
        if os.environ.get("LEARNTORCH_DISTRIBUTED") == "0" or not dist.is_available():
            return cls()
        local = _env_int("LOCAL_RANK", 0)
        if dist.is_initialized():
            return cls(dist.get_rank(), dist.get_world_size(), local, True, timeout)
        if all(os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR")):
            return cls(_env_int("RANK", 0), _env_int("WORLD_SIZE", 1), local, True, timeout)
        # After fit destroyed its group, a torchrun script still knows its rank (for `is_main`).
        return cls(rank=_env_int("RANK", 0), world_size=_env_int("WORLD_SIZE", 1), local_rank=local)

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that shows progress and writes files."""
        return self.rank == 0

    # --- set-up -----------------------------------------------------------------------------

    def resolve(self, device: Any) -> torch.device:
        """``device`` for this rank: "cuda" means the GPU numbered ``LOCAL_RANK``; "auto" means
        that GPU when every process on this machine has one (``LOCAL_WORLD_SIZE``), else the
        CPU, so that no rank trains on another kind of device than the others."""
        auto = device is None or (isinstance(device, str) and device == "auto")
        if not self.active or not (auto or device == "cuda"):
            return resolve_device(device)
        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if self.local_rank < gpus and (device == "cuda" or gpus >= _env_int("LOCAL_WORLD_SIZE", 1)):
            return torch.device("cuda", self.local_rank)
        if device == "cuda":
            raise ValueError(f"`device` is 'cuda', but process {self.local_rank} on this machine has no GPU of its "
                             f"own ({gpus} found): start one process per GPU, or pass device='cpu'")
        return torch.device("cpu")

    def start(self, device: Any) -> torch.device:
        """This rank's device, with the process group initialised for it (unless it was)."""
        dev = self.resolve(device)
        if not self.active:
            return dev
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        if not dist.is_initialized():
            # gloo on CPU; on GPUs NCCL for the model's tensors and gloo for the small CPU
            # tensors (stop flags) that would otherwise make each step wait for the GPU.
            backend = "cpu:gloo,cuda:nccl" if dev.type == "cuda" else "gloo"
            timeout = timedelta(seconds=self.timeout)
            store, rank, world_size = next(dist.rendezvous("env://", timeout=timeout))  # torchrun's store
            # Each group its own keys: a second fit in a torchrun script would otherwise read the
            # addresses the first group left in torchrun's store, and hang.
            store = dist.PrefixStore(f"learntorch-fit-{next(_GROUPS)}", store)
            dist.init_process_group(backend, store=store, rank=rank, world_size=world_size, timeout=timeout)
            self.owns_group = True
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.device = dev
        backend = str(dist.get_backend())
        self.comm_device = dev if "gloo" not in backend else torch.device("cpu")
        return dev

    def close(self) -> None:
        """Destroy the process group if ``fit`` made it (a caller's group stays theirs)."""
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()
        self.owns_group = False

    def check_batch_size(self, batch_size: int) -> int:
        """Rows per rank: ``batch_size`` is the global batch, split evenly among the processes."""
        n = self.world_size
        if self.active and batch_size % n:
            raise ValueError(f"`batch_size` is the global batch, split evenly among the {n} processes: "
                             f"{batch_size} does not divide by {n}; use a multiple of {n}, such as "
                             f"{max(1, round(batch_size / n)) * n}")
        return batch_size // self.world_size if self.active else batch_size

    def shared_seed(self, seed: Optional[int]) -> Optional[int]:
        """``seed``, or for a distributed run without one a seed drawn on rank 0 and shared: every
        rank must draw the same permutation (and the same ``valid_fraction`` split)."""
        if not self.active or seed is not None:
            return seed
        value = torch.tensor([int.from_bytes(os.urandom(6), "little")], device=self.comm_device)
        dist.broadcast(value, src=0)
        return int(value.item())

    def shard_source(self, source: Union[Table, Stream], data: Any, *, batch_size: int, shuffle: bool,
                     seed: Optional[int], device: torch.device, loader: Optional[dict]) -> Union[Table, Stream]:
        """A Dataset read through a seeded ``DistributedSampler``: each rank its own share, in
        batches of ``batch_size / world_size`` rows. In-memory data is cut later (ShardedBatches)."""
        if not self.active or not isinstance(source, Stream):
            return source
        from torch.utils.data import DataLoader, IterableDataset
        from torch.utils.data.distributed import DistributedSampler

        found = getattr(source.loader, "sampler", None)
        if isinstance(found, DistributedSampler):
            self.sampler = found
            return source
        if isinstance(data, DataLoader):
            raise ValueError("in a distributed run a DataLoader for `train` needs a DistributedSampler (each process "
                             "reads its own share); or pass its Dataset, which fit shards itself")
        if isinstance(data, IterableDataset):
            return source  # a stream has no indices to share out: the dataset shards itself, by rank
        self.sampler = DistributedSampler(data, num_replicas=self.world_size, rank=self.rank, shuffle=shuffle,
                                          seed=seed or 0)
        options = {**(loader or {}), "sampler": self.sampler, "shuffle": False, "generator": None}
        return as_source(data, "train", batch_size=self.check_batch_size(batch_size), device=device, loader=options)

    def adapt(self, run: "Run") -> "Run":
        """The run in its distributed form: sharded batches, scaled loss, the model in DDP."""
        if not self.active:
            return run
        if run.lbfgs:
            raise ValueError("L-BFGS takes full-batch steps in one process; in a distributed run pick a "
                             "mini-batch `optimizer` such as 'sgd' or 'adam'")
        if isinstance(run.batches, BatchIterator):
            shards = ShardedBatches(run.batches, self.rank, self.world_size)
            run.batches, run.sizes = shards, shards.weights.to(run.device)
            run.step_loss = ScaledLoss(run.step_loss, shards, self.world_size,
                                       getattr(run.loss_fn, "reduction", "mean") == "sum")
        from torch.nn.parallel import DistributedDataParallel

        ids = [run.device.index] if run.device.type == "cuda" else None
        # A model returning several outputs (``output=`` picks one) leaves the other heads
        # without gradients, which DDP must be told about.
        run.step_model = DistributedDataParallel(run.model, device_ids=ids, output_device=ids[0] if ids else None,
                                                 find_unused_parameters=run.output is not None)
        run.dist = self
        run.history_params["world_size"] = self.world_size
        return run

    # --- during training ----------------------------------------------------------------------

    def begin_epoch(self, epoch: int) -> None:
        """A Dataset's sampler reshuffles by epoch (the same order on every rank, also on resume)."""
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)

    def stopping(self, state: TrainingState) -> Tuple[bool, bool]:
        """(stop after this step, stop after this epoch), as every rank decides it together.

        In one process, the state's own flags. In a distributed run, any rank asking (Ctrl-C on
        one rank, a callback) stops them all, so none waits forever in the next all-reduce. The
        caller acts on the returned decision, not on the state: a Ctrl-C handled during or after
        the all-reduce leaves its flags set for the next decision, on every rank at once.
        """
        if not self.active:
            return state.stop_now, state.stop_training
        previous = self._receive()
        flags = self._send(state)
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        return self._apply(state, torch.maximum(previous, flags))

    def stop_after_step(self, state: TrainingState) -> bool:
        """Between steps of a distributed run: stop now? Decided from the flags sent after the
        previous step; this step's travel while the next one computes, so no step waits for the
        round trip. A request is acted on one step later, on every rank at once."""
        previous = self._receive()
        flags = self._send(state)
        self._pending = (dist.all_reduce(flags, op=dist.ReduceOp.MAX, async_op=True), flags)
        return self._apply(state, previous)[0]

    def _send(self, state: TrainingState) -> torch.Tensor:
        return torch.tensor([state.stop_now, state.stop_training, state.interrupted], dtype=torch.int32,
                            device=self.comm_device)

    def _receive(self) -> torch.Tensor:
        """The flags of the step before, once their all-reduce is done (zeros if none was sent)."""
        if self._pending is None:
            return torch.zeros(3, dtype=torch.int32, device=self.comm_device)
        work, flags = self._pending
        work.wait()
        self._pending = None
        return flags

    def _apply(self, state: TrainingState, flags: torch.Tensor) -> Tuple[bool, bool]:
        now, training, interrupted = (bool(v) for v in flags.tolist())
        if interrupted and not state.interrupted:
            state.interrupted = True
            state.stop(f"interrupted during epoch {state.epoch}")
        if training and not state.stop_training:
            state.stop("stopped in another process")
        state.stop_now = state.stop_now or now
        return now, training

    def all_reduce_sum(self, *values: torch.Tensor) -> List[torch.Tensor]:
        """Each value summed over the ranks (in float64, one all-reduce)."""
        stacked = torch.stack([v.detach().to(self.comm_device, torch.float64) for v in values])
        dist.all_reduce(stacked)
        return list(stacked.unbind())

    def all_gather_rows(self, t: torch.Tensor) -> torch.Tensor:
        """Every rank's rows of ``t``, rank 0's first (ranks may hold different numbers of rows)."""
        local = t.detach().to(self.comm_device)
        count = torch.tensor([len(local)], device=self.comm_device)
        counts = [torch.zeros_like(count) for _ in range(self.world_size)]
        dist.all_gather(counts, count)
        sizes = [int(c.item()) for c in counts]
        padded = torch.cat([local, local.new_zeros((max(sizes) - len(local), *local.shape[1:]))])
        parts = [torch.empty_like(padded) for _ in range(self.world_size)]
        dist.all_gather(parts, padded)
        return torch.cat([p[:n] for p, n in zip(parts, sizes)]).to(t.device)

    def valid_outputs(self, model: nn.Module, valid: Union[Table, Stream], output: Any
                      ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Outputs on all the validation data, each rank computing a contiguous part of it."""
        if not isinstance(valid, Table) or len(valid) < self.world_size:
            return model_outputs(model, valid, output)  # every rank reads a stream in full
        part = torch.arange(len(valid)).tensor_split(self.world_size)[self.rank]
        mine, _ = model_outputs(model, Table(valid.x[part[0]:part[-1] + 1]), output)
        return self.all_gather_rows(mine), valid.y

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank."""
        box = [value]
        dist.broadcast_object_list(box, src=0, device=self.comm_device)
        return box[0]


class ShardedBatches:
    """This rank's part of each global batch of a :class:`BatchIterator`.

    Every rank draws the same permutation (the same seeded generator) and cuts it into the same
    global batches of ``batch_size`` rows; rank r takes the r-th of ``world_size`` near-equal
    contiguous parts of each. The gathers are those of BatchIterator (one per epoch for small
    data, one per batch for large), on 1/world_size of the rows.
    """

    def __init__(self, batches: BatchIterator, rank: int, world_size: int) -> None:
        self.inner = batches
        n, size = len(batches.x), batches.batch_size
        stop = (n // size) * size if batches.drop_last else n
        starts = range(0, stop, size)
        parts = [torch.arange(s, min(s + size, stop)).tensor_split(world_size)[rank] for s in starts]
        self.positions = torch.cat(parts)                  # this rank's places in the epoch's permutation
        self.local_sizes = [len(p) for p in parts]
        self.global_sizes = [min(size, stop - s) for s in starts]
        self.world_size = world_size
        # Weights of each step's (scaled) loss in the epoch's mean: global rows / world size.
        self.weights = torch.tensor(self.global_sizes, dtype=torch.float32) / world_size
        self.factor = 1.0                                  # ScaledLoss's factor for the current batch

    def __len__(self) -> int:
        return len(self.global_sizes)

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        b = self.inner
        mine = torch.randperm(len(b.x), generator=b.generator)[self.positions] if b.shuffle else self.positions
        mine = mine.to(b.x.device)
        factors = [n * self.world_size / g for n, g in zip(self.local_sizes, self.global_sizes)]
        if b.x.element_size() * b.x.numel() > _WHOLE_EPOCH_GATHER_BYTES:
            batches = ((b.x[idx], b.y[idx]) for idx in torch.split(mine, self.local_sizes))
        else:
            batches = zip(torch.split(b.x[mine], self.local_sizes), torch.split(b.y[mine], self.local_sizes))
        for factor, batch in zip(factors, batches):
            self.factor = factor
            yield batch


class ScaledLoss:
    """The loss of a rank's part of a global batch, times ``local_rows * world_size / global_rows``.

    DDP averages gradients over the ranks, so the result is the gradient of the global batch's
    mean loss, also for a last, smaller batch split unevenly: 1 and N processes take the same
    steps. (A loss summed over rows, ``reduction="sum"``, is scaled by the world size.) A rank
    whose part is empty contributes zero, but still joins DDP's all-reduce.
    """

    def __init__(self, loss: Callable, batches: ShardedBatches, world_size: int, summed: bool = False) -> None:
        self.loss, self.batches, self.world_size, self.summed = loss, batches, world_size, summed

    def __call__(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if len(target) == 0:
            return out.sum() * 0.0
        factor = self.world_size if self.summed else self.batches.factor
        value = self.loss(out, target)
        return value if factor == 1.0 else value * factor


# --- launching processes on this machine -----------------------------------------------------------

class RankFailed(RuntimeError):
    """A process of a :func:`launch` run failed; the message holds its traceback."""


def launch(fn: Union[Callable, str, os.PathLike], nprocs: int = 2, args: Sequence = (),
           kwargs: Optional[dict] = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Run ``fn(*args, **kwargs)`` in ``nprocs`` processes forming one distributed run on this
    machine (gloo on CPU, one GPU per process where there are enough); returns rank 0's result.

    ``fn`` is a function (``lt.fit`` inside it trains data-parallel) or the path of a Python
    script, run as ``__main__`` with ``args`` as its command-line arguments (the result is then
    None). A function from a notebook, R or ``python -c`` is sent by value with the globals it
    reads; one from a module or a script by reference. A rank that raises stops the run: the
    error is raised here, caused by a :class:`RankFailed` holding that rank's traceback. Ctrl-C
    stops every rank at the same step, the one after it arrives (``fit`` returns the history so
    far); a second one ends them at once. ``timeout``: seconds a collective may wait for the
    other ranks.
    """
    nprocs = _check_int(nprocs, "nprocs", 1)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"`timeout` must be a positive number of seconds, got {timeout!r}")
    job = shipping.pack_job(fn, args, kwargs)
    store = dist.TCPStore("127.0.0.1", 0, nprocs, True, timeout=timedelta(seconds=timeout),
                          wait_for_workers=False)  # port 0: a free port, held by this launcher
    threads = max(1, (os.cpu_count() or 1) // nprocs)
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}  # as the launcher has them now
    with tempfile.TemporaryDirectory(prefix="learntorch-launch-") as folder, \
            shipping.start_method(__name__) as method:
        context = torch.multiprocessing.start_processes(
            _worker, args=(job, nprocs, store.port, folder, float(timeout), threads, env), nprocs=nprocs,
            join=False, start_method=method)
        with _forward_interrupts(context.processes):
            try:
                while not context.join(timeout=0.1):
                    pass
            except ProcessException as exc:
                error = _rank_error(Path(folder), nprocs, exc)
                raise error from error.__cause__  # the rank's traceback, not this frame's
        return _result(Path(folder))


def _worker(rank: int, job: Any, nprocs: int, port: int, folder: str, timeout: float, threads: int,
            env: dict) -> None:
    """One rank: torchrun's environment, the process group, the job; rank 0 saves its result."""
    # Its own process group: a terminal's Ctrl-C reaches the launcher alone, which passes it on
    # once (twice would stop this rank at once instead of with the others).
    os.setpgid(0, 0)
    os.environ.update(env)  # a forked server's environment is that of the first launch
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nprocs), LOCAL_WORLD_SIZE=str(nprocs),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), TORCHELASTIC_USE_AGENT_STORE="True",
                      LEARNTORCH_DIST_TIMEOUT=str(timeout))
    torch.set_num_threads(threads)  # the cores shared out, not each rank on all of them
    cuda = torch.cuda.is_available() and torch.cuda.device_count() >= nprocs
    if cuda:
        torch.cuda.set_device(rank)
    dist.init_process_group("cpu:gloo,cuda:nccl" if cuda else "gloo", timeout=timedelta(seconds=timeout))
    try:
        value = shipping.run_job(job)
    except BaseException as exc:
        _save(Path(folder) / f"error-{rank}.pkl", (time.time(), type(exc).__name__, _picklable(exc),
                                                  traceback.format_exc()))
        raise
    finally:
        dist.destroy_process_group()
    if rank == 0:
        _save(Path(folder) / "result.pkl", value)


def _save(path: Path, value: Any) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(value, handle)
    os.replace(tmp, path)


def _picklable(exc: BaseException) -> Optional[BaseException]:
    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - an exception that cannot travel is described by its text
        return None


def _result(folder: Path) -> Any:
    path = folder / "result.pkl"
    if path.exists():
        with open(path, "rb") as handle:
            return pickle.load(handle)
    errors = _errors(folder)
    if errors and errors[0][1] == "KeyboardInterrupt":
        raise KeyboardInterrupt("the run was interrupted before rank 0 returned")
    raise RankFailed("rank 0 ended without a result" + (f":\n{errors[0][3]}" if errors else ""))


def _errors(folder: Path) -> List[tuple]:
    """(time, type name, exception or None, traceback text, rank) of each failed rank, first first."""
    found = []
    for path in folder.glob("error-*.pkl"):
        with open(path, "rb") as handle:
            found.append((*pickle.load(handle), int(path.stem.split("-")[1])))
    return sorted(found, key=lambda e: e[0])


def _rank_error(folder: Path, nprocs: int, exc: Exception) -> BaseException:
    """The first rank's own error (the others' usually follow from it), caused by its traceback."""
    errors = _errors(folder)
    if not errors:  # killed by a signal, or exited without a Python error
        return RankFailed(f"a process of the run failed: {str(exc).strip()}")
    _, name, original, text, rank = errors[0]
    cause = RankFailed(f"rank {rank} of {nprocs} failed:\n{text}")
    if name == "SystemExit" or original is None or isinstance(original, (SystemExit, KeyboardInterrupt)):
        return cause
    original.__cause__ = cause
    return original


@contextmanager
def _forward_interrupts(processes: Sequence[Any]) -> Iterator[None]:
    """Ctrl-C (SIGINT) to the launcher reaches every rank once, so they stop together after the
    step; a second one terminates them and raises KeyboardInterrupt here."""
    count = {"n": 0}

    def handler(signum, frame) -> None:
        count["n"] += 1
        alive = [p for p in processes if p.is_alive()]
        if count["n"] == 1:
            for p in alive:
                os.kill(p.pid, signal.SIGINT)
            return
        for p in alive:
            p.terminate()
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    saved = _SavedHandler.install(signal.SIGINT, handler) if main else None
    try:
        yield
    finally:
        if saved is not None:
            saved.restore()
