"""The main job: train the tutorial's continuous-XOR classifier and write its figures.

``python -m learntorch.demo --out out`` prints the test accuracy and writes to ``out/``:
``samples.png``, ``decision_boundary.png``, ``loss.png`` (matplotlib), ``xor.pt`` (checkpoint)
and the tidy frames behind the figures as CSV, from which ``tools/demo.R`` draws the ggplot2
twins without recomputing anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence, Union

import matplotlib

matplotlib.use("Agg")  # files only: the demo must run on a machine without a display
import matplotlib.pyplot as plt

from .checkpoints import load, save
from .data import continuous_xor
from .devices import seed_everything
from .evaluation import decision_grid, evaluate
from .models import SimpleClassifier
from .plotting import plot_decision_boundary, plot_history, plot_samples
from .training import fit


def run(out: Path, seed: int = 42, epochs: int = 100, progress: Union[bool, str] = "auto") -> dict:
    """Train on 2500 noisy XOR points, test on 500 fresh ones; write figures, frames, checkpoint."""
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(seed)
    train = continuous_xor(2500)
    test = continuous_xor(500)
    model = SimpleClassifier(num_inputs=2, num_hidden=4, num_outputs=1)
    history = fit(model, train, epochs=epochs, batch_size=128, optimizer="sgd", lr=0.1, seed=seed, progress=progress)
    result = evaluate(model, test)

    samples = train.to_frame().iloc[:200]  # the tutorial's figure shows a 200-point sample
    grid = decision_grid(model, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), resolution=200)
    frame = history.to_frame()
    test_frame = test.to_frame()
    samples.to_csv(out / "samples.csv", index=False)
    grid.to_csv(out / "decision_grid.csv", index=False)
    frame.to_csv(out / "history.csv", index=False)
    test_frame.to_csv(out / "test.csv", index=False)

    for name, draw in (
        ("samples.png", lambda ax: plot_samples(samples, ax=ax)),
        ("decision_boundary.png", lambda ax: plot_decision_boundary(grid, test_frame, ax=ax)),
        ("loss.png", lambda ax: plot_history(frame, metric="loss", ax=ax)),
    ):
        fig, ax = plt.subplots(figsize=(5, 3.5) if name == "loss.png" else (4, 4))
        draw(ax)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)

    path = save(model, out / "xor.pt", seed=seed, epochs=epochs, test_accuracy=result["accuracy"])
    reloaded = load(path)
    assert evaluate(reloaded, test) == result, "the checkpoint did not round-trip"
    return {"accuracy": result["accuracy"], "loss": result["loss"], "epochs": history.epochs}


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The command line: ``python -m learntorch.demo [--out out] [--seed 42] [--epochs 100]``."""
    parser = argparse.ArgumentParser(prog="python -m learntorch.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="folder for figures, frames and the checkpoint")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)
    out = Path(args.out)
    result = run(out, seed=args.seed, epochs=args.epochs)
    print(f"continuous XOR: test accuracy {result['accuracy']:.3f}, test loss {result['loss']:.4f} "
          f"after {result['epochs']} epochs")
    print(f"wrote {out}/samples.png, decision_boundary.png, loss.png, xor.pt and the frames (*.csv)")


if __name__ == "__main__":
    main()
