"""A live training display: one line per epoch, and an updating line while an epoch runs.

Each epoch ends with a plain line (loss, error, examples per second, time left), fit for
logs. When the stream is a terminal, the line of the running epoch is redrawn in place
(``\\r``) at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``1:05`` for 65 s, ``1:01:05`` past an hour."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Reports epochs ``first_epoch + 1 .. total_epochs`` of ``examples`` examples each."""

    def __init__(self, total_epochs: int, examples: int, first_epoch: int = 0, stream: TextIO | None = None) -> None:
        self.total_epochs = total_epochs
        self.examples = examples
        self.stream = sys.stdout if stream is None else stream
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.first_epoch = first_epoch
        self.started = time.perf_counter()
        self.epoch_started = self.started
        self.epoch = first_epoch
        self._last_draw = 0.0

    def _time_left(self, epochs_done: float) -> float:
        elapsed = time.perf_counter() - self.started
        done = epochs_done - self.first_epoch
        return elapsed / done * (self.total_epochs - epochs_done) if done > 0 else 0.0

    def start_epoch(self, epoch: int) -> None:
        """Epoch ``epoch`` (1-based) begins."""
        self.epoch = epoch
        self.epoch_started = time.perf_counter()

    def batch_done(self, examples_done: int) -> None:
        """Redraw the running epoch's line (terminals only, throttled)."""
        now = time.perf_counter()
        if not self.live or now - self._last_draw < 0.1:
            return
        self._last_draw = now
        rate = examples_done / max(now - self.epoch_started, 1e-9)
        left = self._time_left(self.epoch - 1 + examples_done / self.examples)
        self.stream.write(
            f"\repoch {self.epoch}/{self.total_epochs}  {100 * examples_done / self.examples:5.1f}%  "
            f"{rate:,.0f} ex/s  left {format_seconds(left)}   "
        )
        self.stream.flush()

    def end_epoch(self, train_loss: float, train_error: float, val_loss: float, val_error: float) -> None:
        """Print the finished epoch's line."""
        seconds = time.perf_counter() - self.epoch_started
        rate = self.examples / max(seconds, 1e-9)
        line = (
            f"epoch {self.epoch:>{len(str(self.total_epochs))}}/{self.total_epochs}  "
            f"train loss {train_loss:.4f} error {100 * train_error:5.2f}%  "
            f"val loss {val_loss:.4f} error {100 * val_error:5.2f}%  "
            f"{rate:,.0f} ex/s  left {format_seconds(self._time_left(self.epoch))}"
        )
        self.stream.write(("\r" if self.live else "") + line + "\n")
        self.stream.flush()
