"""A live training plot: the history's panels redrawn while ``fit`` runs (``fit(live=True)``).

In a Jupyter kernel one figure is updated in place in the cell's output (not one per epoch); in
a plain terminal nothing can be drawn in place, so it says so once and does nothing. Redraws are
throttled by time, so the plot costs little however short the epochs; the last frame, drawn when
training ends, is the ordinary history figure (``plot_metrics``). R draws its own twin (the
ggplot2 figure in the active graphics device) from an R callback.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional

from .callbacks import Callback, TrainingState, in_notebook

__all__ = ["LivePlot"]


class LivePlot(Callback):
    """Redraw the loss and metric curves every ``interval`` seconds (and once at the end).

    ``show`` receives the matplotlib Figure after each redraw; by default it updates one output
    of the Jupyter cell. Outside Jupyter, with no ``show``, the callback only says once that
    there is nowhere to draw.
    """

    def __init__(self, interval: float = 1.0, every_batches: Optional[int] = None,
                 show: Optional[Callable[[Any], None]] = None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < 0:
            raise ValueError(f"`interval` must be a non-negative number of seconds, got {interval!r}")
        self.interval = float(interval)
        self.every_batches = every_batches
        if every_batches:  # a per-batch hook only when asked: the loop skips callbacks without one
            self.on_batch_end = self._on_batch_end
        self.show = show
        self.figure = None
        self._last = 0.0
        self._handle = None
        self._told = False

    def _target(self) -> Optional[Callable[[Any], None]]:
        if self.show is not None:
            return self.show
        if in_notebook():
            return self._display
        if not self._told:
            print("live=True draws in Jupyter (and from R in the plots pane); in this terminal it does "
                  "nothing: plot the history after fit with lt.plot_metrics(history)", file=sys.stderr)
            self._told = True
        return None

    def _display(self, figure: Any) -> None:
        from IPython.display import display

        if self._handle is None:
            self._handle = display(figure, display_id=True)
        else:
            self._handle.update(figure)

    def on_fit_begin(self, state: TrainingState) -> None:
        self._last, self._handle = time.perf_counter(), None
        target = self._target()
        if target is not None:
            import matplotlib.pyplot as plt

            self.figure = plt.figure(figsize=(8, 3))
            plt.close(self.figure)  # drawn through `show` only, never by pyplot's own display

    def _redraw(self, state: TrainingState, force: bool = False) -> None:
        if self.figure is None or not state.history.epochs:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.interval:
            return
        from ..plotting import plot_metrics

        plot_metrics(state.history, figure=self.figure)
        self.figure.canvas.draw()
        self._target()(self.figure)
        self._last = time.perf_counter()

    def _on_batch_end(self, state: TrainingState) -> None:
        if state.batch % self.every_batches == 0:
            self._redraw(state)

    def on_epoch_end(self, state: TrainingState) -> None:
        self._redraw(state)

    def on_fit_end(self, state: TrainingState) -> None:
        self._redraw(state, force=True)
