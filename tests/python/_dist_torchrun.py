"""A torchrun script for test_distributed.py: examples/train_ddp.py's main, run twice in the same
processes (the first run's process group is made and destroyed; the second must make its own)."""

import importlib.util
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_ddp.py"
spec = importlib.util.spec_from_file_location("train_ddp", EXAMPLE)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

if __name__ == "__main__":
    example.main(["--epochs", "1"])
    example.main(sys.argv[1:])
