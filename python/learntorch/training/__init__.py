"""Training: ``fit`` (loop.py) prepares a run (prepare.py), loops over epochs and calls the
callbacks (callbacks.py); optimizers, schedulers and precision (optim.py); resumable training
checkpoints (state.py); the History (history.py); data-parallel runs and ``launch``
(distributed.py).
"""

from .callbacks import (Callback, CSVLogger, DivergenceGuard, EarlyStopping, InterruptHandler, KeepBestWeights,
                        LambdaCallback, ModelCheckpoint, ProgressBar, TensorBoardLogger, TrainingState)
from .distributed import Distributed, launch
from .history import History, TrainingDiverged
from .live import LivePlot
from .loop import fit
from .optim import make_optimizer, optimizer, scheduler

__all__ = [
    "fit", "History", "TrainingDiverged", "TrainingState", "Callback", "LambdaCallback", "EarlyStopping",
    "KeepBestWeights", "ModelCheckpoint", "CSVLogger", "TensorBoardLogger", "ProgressBar", "InterruptHandler",
    "DivergenceGuard", "LivePlot", "make_optimizer", "optimizer", "scheduler", "Distributed", "launch",
]
