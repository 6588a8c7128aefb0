"""The command line: ``learntorch`` (or ``python -m learntorch``) train | evaluate | plot | info.

Exit codes: 0 success, 1 a failure while running (one line on stderr, no traceback), 2 a usage
error (argparse's message). Everything is computed through the public API (``lt.fit``,
``lt.evaluate``, ``lt.save``/``lt.load``, ``lt.decision_grid``, ``lt.plot_*``); this package only
turns arguments into calls and results into files: the parser here, the data and models in
:mod:`.data`, the commands and their figures in :mod:`.commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from .commands import evaluate_command, info_command, plot_command, train_command
from .data import BUILTIN, MODELS, TASKS, UsageError, label_task

__all__ = ["main", "build_parser", "UsageError", "label_task"]


# --- argument types: argparse turns their ValueError/ArgumentTypeError into a usage error ----------

def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def _number(positive: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value == value or value in (float("inf"), float("-inf")) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"must be a {'positive' if positive else 'non-negative'} number, got {text}")
        return value
    return parse


def _fraction(text: str) -> float:
    value = _number(positive=False)(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def _names(text: str) -> List[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected column names separated by commas, e.g. x1,x2")
    return names


def _sizes(text: str) -> List[int]:
    try:
        return [_int_at_least(1)(n) for n in _names(text)]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected layer widths separated by commas, e.g. 64,64; got {text!r}") from None


# --- the parser ----------------------------------------------------------------------------------

def _data_options(parser: argparse.ArgumentParser, default: Optional[str]) -> None:
    group = parser.add_argument_group("data (a built-in set, or a CSV file)")
    group.add_argument("--data", choices=BUILTIN, default=None,
                       help="built-in data: continuous XOR, two moons, 8x8 digits (needs scikit-learn) or a "
                            "linear regression set" + (f" (default: {default})" if default else
                                                       " (default: the checkpoint's)"))
    group.add_argument("--size", type=_int_at_least(1), default=None,
                       help="points to generate for xor, moons and linear (default: 1000 to train, 500 to evaluate)")
    group.add_argument("--noise", type=_number(positive=False), default=None,
                       help="noise of the generated points (default: the data set's own)")
    group.add_argument("--csv", type=Path, metavar="PATH", help="a CSV file with a header row")
    group.add_argument("--features", type=_names, metavar="A,B,...", help="the CSV's input columns")
    group.add_argument("--label", metavar="COLUMN", help="the CSV's label (or target) column")


def build_parser() -> argparse.ArgumentParser:
    """The ``learntorch`` parser with its four subcommands."""
    from .. import __version__

    parser = argparse.ArgumentParser(prog="learntorch", description="Train, evaluate and plot small PyTorch "
                                     "models from the shell.")
    parser.add_argument("--version", action="version", version=f"learntorch {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{train,evaluate,plot,info}", required=True)

    train = commands.add_parser("train", help="train a model; write its checkpoint, history and figures",
                                description="Train a built-in model on a built-in data set or a CSV file, and "
                                "write model.pt, history.csv and PNG figures to --out.")
    _data_options(train, default="xor")
    group = train.add_argument_group("model and training")
    group.add_argument("--model", choices=MODELS, default=None,
                       help="simple (Linear-act-Linear), mlp, logistic, softmax, linear (regression) or cnn "
                            "(images) (default: simple for xor, cnn for digits, linear for linear, else mlp)")
    group.add_argument("--hidden", type=_sizes, metavar="N,N,...", default=None,
                       help="hidden layer widths (default: 4 for simple, 64,64 for mlp)")
    group.add_argument("--activation", default=None, help="tanh, relu, sigmoid, gelu, ... (default: the model's)")
    group.add_argument("--task", choices=TASKS, default=None,
                       help="what the label is (default: a CSV label of names or of at most 20 whole numbers is "
                            "a class, else a value to regress)")
    group.add_argument("--epochs", type=_int_at_least(0), default=100, help="passes over the data (default: 100)")
    group.add_argument("--lr", type=_number(positive=True), default=None,
                       help="learning rate (default: the optimizer's, 0.1 for sgd)")
    group.add_argument("--batch-size", type=_int_at_least(1), default=128, help="rows per step (default: 128)")
    group.add_argument("--optimizer", default="sgd", help="sgd, adam, adamw, ... (default: sgd)")
    group.add_argument("--weight-decay", type=_number(positive=False), default=0.0, help="L2 penalty (default: 0)")
    group.add_argument("--valid-fraction", type=_fraction, default=0.2,
                       help="share of the rows held out to validate each epoch; 0 for none (default: 0.2)")
    group.add_argument("--seed", type=_int_at_least(0), default=42, help="seed for data, weights, order (default: 42)")
    out = train.add_argument_group("output")
    out.add_argument("--out", type=Path, default=Path("learntorch-run"), metavar="DIR",
                     help="folder for model.pt, history.csv and the figures (default: learntorch-run)")
    out.add_argument("--ggplot", action="store_true", help="also draw the ggplot2 twins (*_ggplot.png; needs rpy2 and R)")
    out.add_argument("--quiet", action="store_true", help="print only the final line, no progress bar")
    train.set_defaults(run=train_command, parser=train, default_data="xor")

    evaluate = commands.add_parser("evaluate", help="evaluate a checkpoint on data; print its metrics",
                                   description="Evaluate a checkpoint written by `learntorch train` (or lt.save) "
                                   "on fresh built-in data or a CSV file, and print loss and accuracy.")
    evaluate.add_argument("checkpoint", type=Path, help="the model file (model.pt)")
    _data_options(evaluate, default=None)
    evaluate.add_argument("--seed", type=_int_at_least(0), default=None,
                          help="seed of the fresh points (default: the training seed + 1)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    evaluate.set_defaults(run=evaluate_command, parser=evaluate)

    plot = commands.add_parser("plot", help="draw a history CSV or a checkpoint's decision boundary to PNG",
                               description="Draw the curve of a history CSV (from `learntorch train` or "
                               "history.to_frame()), or the decision boundary of a two-input checkpoint.")
    what = plot.add_mutually_exclusive_group(required=True)
    what.add_argument("--history", type=Path, metavar="CSV", help="a history CSV: epoch, split, metric, value")
    what.add_argument("--checkpoint", type=Path, metavar="PT", help="a checkpoint of a model with two inputs")
    plot.add_argument("--metric", default="loss", help="the history's metric to draw (default: loss)")
    _data_options(plot, default=None)
    plot.add_argument("--seed", type=_int_at_least(0), default=None, help="seed of the points drawn on the boundary")
    plot.add_argument("--out", type=Path, metavar="PNG", help="the figure file (default: beside the input)")
    plot.add_argument("--ggplot", action="store_true", help="draw the ggplot2 twin instead (needs rpy2 and R)")
    plot.set_defaults(run=plot_command, parser=plot)

    info = commands.add_parser("info", help="versions and devices",
                               description="Print the versions of learntorch and its libraries, and the devices.")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(run=info_command, parser=info)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (0, 1 or 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with argparse's message on a usage error
    try:
        args.run(args)
    except UsageError as exc:
        args.parser.error(str(exc))  # exits 2
    except KeyboardInterrupt:
        print("learntorch: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # one clean line for the shell, not a traceback
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"learntorch {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0
