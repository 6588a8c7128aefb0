"""What ``fit`` measured: the :class:`History`, and the error raised when training diverges."""

from __future__ import annotations

import math
from typing import Dict, List, Optional

import pandas as pd

__all__ = ["History", "TrainingDiverged"]

_SPLITS = ("train", "valid")


class History:
    """What ``fit`` measured, one record per completed epoch.

    ``history["train_loss"]`` gives a metric's values; ``to_frame()`` gives the tidy frame
    (epoch, split, metric, value) that both languages plot. Keys are ``<split>_<metric>``;
    ``lr`` (the learning rate) belongs to the train split.
    """

    def __init__(self, params: Optional[dict] = None) -> None:
        self.records: List[Dict[str, float]] = []
        self.params: dict = dict(params or {})
        self.stopped_early = False
        self.interrupted = False
        self.stop_reason: Optional[str] = None

    def append(self, record: Dict[str, float]) -> None:
        """Add one epoch's record (``epoch`` plus its metrics)."""
        self.records.append(dict(record))

    @property
    def epochs(self) -> int:
        """Completed epochs."""
        return len(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def metrics(self) -> List[str]:
        """Metric names in the order first logged (``train_loss``, ``valid_accuracy``...)."""
        names: List[str] = []
        for rec in self.records:
            names += [k for k in rec if k != "epoch" and k not in names]
        return names

    def __getitem__(self, metric: str) -> List[float]:
        if metric not in self.metrics:
            raise KeyError(f"no metric {metric!r} in this history; it has {self.metrics}")
        return [rec.get(metric, math.nan) for rec in self.records]

    def last(self) -> Dict[str, float]:
        """The last epoch's record ({} before any epoch)."""
        return dict(self.records[-1]) if self.records else {}

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (epoch, split, metric), split in {train, valid}."""
        rows = []
        for rec in self.records:
            for key, value in rec.items():
                if key == "epoch":
                    continue
                split, metric = key.split("_", 1) if key.split("_", 1)[0] in _SPLITS else ("train", key)
                rows.append((rec["epoch"], split, metric, float(value)))
        frame = pd.DataFrame(rows, columns=["epoch", "split", "metric", "value"])
        frame["epoch"] = frame["epoch"].astype("int64")
        return frame

    def state_dict(self) -> dict:
        """Plain values, for a training checkpoint."""
        return {"records": [dict(r) for r in self.records], "params": dict(self.params),
                "stopped_early": self.stopped_early, "interrupted": self.interrupted, "stop_reason": self.stop_reason}

    def load_state_dict(self, state: dict) -> None:
        self.records = [dict(r) for r in state["records"]]
        self.params.update(state.get("params", {}))

    def __repr__(self) -> str:
        status = " (interrupted)" if self.interrupted else " (stopped early)" if self.stopped_early else ""
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items() if k != "epoch")
        return f"History({self.epochs} epochs{status}: {last})"


class TrainingDiverged(FloatingPointError, ValueError):
    """The training loss became NaN or infinite (or exploded, with ``on_divergence="stop"``).

    ``history`` holds the epochs completed before it happened.
    """

    def __init__(self, message: str, history: Optional[History] = None) -> None:
        super().__init__(message)
        self.history = history
