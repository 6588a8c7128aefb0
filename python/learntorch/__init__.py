"""learntorch: learn and do neural-network work with PyTorch, from Python and R.

>>> import learntorch as lt
>>> train = lt.continuous_xor(2500, seed=42)
>>> model = lt.SimpleClassifier(2, 4, 1)
>>> history = lt.fit(model, train, epochs=100, batch_size=128, lr=0.1)
"""

__version__ = "0.1.0"

from . import checkpoints, data, devices, evaluation, losses, metrics, models, plotting, tasks, training
from .checkpoints import load, read_checkpoint, register_model, save
from .data import (
    BatchIterator,
    TensorDataset,
    batches,
    continuous_xor,
    crop_yields,
    from_frame,
    linear_regression_data,
    train_val_split,
    two_moons,
)
from .devices import benchmark_matmul, default_device, device_info, resolve_device, seed_everything, threads
from .evaluation import confusion_matrix, decision_grid, evaluate, predict, predict_proba
from .losses import (
    bernoulli_nll_bce,
    bernoulli_nll_distribution,
    bernoulli_nll_manual,
    cross_entropy,
    get_loss,
    mse,
)
from .models import MLP, ConvNet, LinearRegression, LogisticRegression, SimpleClassifier, SoftmaxRegression
from .plotting import plot_benchmark, plot_confusion, plot_decision_boundary, plot_history, plot_metrics, plot_samples
from .training import (Callback, CSVLogger, DivergenceGuard, EarlyStopping, History, InterruptHandler,
                       KeepBestWeights, LambdaCallback, LivePlot, ModelCheckpoint, ProgressBar, TensorBoardLogger,
                       TrainingDiverged, TrainingState, fit, make_optimizer, optimizer, scheduler)
from .training.distributed import Distributed, launch
from . import images, plotting_images
from .images import (
    ImageDataset,
    cifar10,
    digits,
    fashion_mnist,
    image_frame,
    mnist,
    read_cifar10_binary,
    read_idx,
)
from .plotting_images import plot_images

__all__ = [
    "__version__",
    # data
    "TensorDataset", "continuous_xor", "two_moons", "linear_regression_data", "crop_yields", "from_frame",
    "BatchIterator", "batches", "train_val_split",
    # models
    "SimpleClassifier", "LinearRegression", "LogisticRegression", "MLP", "SoftmaxRegression", "ConvNet",
    # losses
    "bernoulli_nll_manual", "bernoulli_nll_distribution", "bernoulli_nll_bce", "mse", "cross_entropy", "get_loss",
    # training
    "fit", "History", "Callback", "LambdaCallback", "EarlyStopping", "KeepBestWeights", "ModelCheckpoint",
    "CSVLogger", "TensorBoardLogger", "ProgressBar", "InterruptHandler", "DivergenceGuard", "LivePlot", "TrainingState",
    "TrainingDiverged", "make_optimizer", "optimizer", "scheduler", "launch", "Distributed",
    # evaluation
    "evaluate", "predict", "predict_proba", "decision_grid", "confusion_matrix",
    # checkpoints
    "save", "load", "read_checkpoint", "register_model",
    # devices
    "default_device", "resolve_device", "device_info", "seed_everything", "benchmark_matmul", "threads",
    # plotting
    "plot_samples", "plot_decision_boundary", "plot_history", "plot_metrics", "plot_confusion", "plot_benchmark",
    # images
    "ImageDataset", "digits", "read_idx", "read_cifar10_binary", "mnist", "fashion_mnist", "cifar10",
    "image_frame", "plot_images",
    # modules
    "data", "models", "losses", "metrics", "tasks", "training", "evaluation", "checkpoints", "devices", "plotting",
    "images", "plotting_images",
]
