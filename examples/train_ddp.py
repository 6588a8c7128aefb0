"""Data-parallel training with torchrun: the same ``lt.fit``, on N processes.

``lt.fit`` reads torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR) and trains
data-parallel: one process per GPU (NCCL) or per CPU share (gloo), ``batch_size`` the global
batch, the same steps as one process. Only rank 0 prints and writes files.

One process (the reference)::

    python examples/train_ddp.py --out xor.pt

One machine, two processes (on a GPU machine, one per GPU: --nproc_per_node=8)::

    torchrun --nproc_per_node=2 examples/train_ddp.py --out xor.pt

Two machines, one launcher on each; HOST:PORT is a free port on the first machine, which hosts
the rendezvous (all nodes use the same --rdzv-id). With c10d the rendezvous numbers the nodes
(torchrun warns that --node-rank is ignored); the static form (--master-addr=HOST
--master-port=PORT instead of the --rdzv-* options) takes them from --node-rank::

    torchrun --nnodes=2 --node-rank=0 --nproc_per_node=8 --rdzv-backend=c10d \\
        --rdzv-endpoint=HOST:PORT --rdzv-id=xor examples/train_ddp.py --out xor.pt
    torchrun --nnodes=2 --node-rank=1 --nproc_per_node=8 --rdzv-backend=c10d \\
        --rdzv-endpoint=HOST:PORT --rdzv-id=xor examples/train_ddp.py --out xor.pt

From a notebook or R, ``lt.launch(train, nprocs=2)`` / ``lt_launch()`` start the processes.
"""

from __future__ import annotations

import argparse
from typing import List, Optional, Tuple

import torch

import learntorch as lt


def train(epochs: int = 5, batch_size: int = 64, lr: float = 0.05, seed: int = 0) -> Tuple[torch.nn.Module, lt.History]:
    """The continuous-XOR MLP: the same call in one process or in each of N."""
    data = lt.continuous_xor(1000, seed=seed)
    torch.manual_seed(seed)  # the same initial weights on every rank (DDP also copies rank 0's)
    model = lt.MLP(2, hidden=(16,), out_features=1)
    history = lt.fit(model, data, epochs=epochs, batch_size=batch_size, optimizer="adam", lr=lr, seed=seed,
                     valid_fraction=0.2, metrics=["accuracy"])
    return model, history


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch, over all processes")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="where rank 0 saves the trained model")
    args = parser.parse_args(argv)
    model, history = train(args.epochs, args.batch_size, args.lr, args.seed)
    here = lt.Distributed.detect()
    if here.is_main:  # the other ranks hold the same weights and history
        print(f"{here.world_size} process(es): {history}")
        if args.out:
            lt.save(model, args.out)


if __name__ == "__main__":
    main()
