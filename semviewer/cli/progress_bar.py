"""A progress sink drawn as a terminal progress bar (tqdm: rate and ETA) on stderr."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any


class ProgressBar:
    """Adapts the progress-sink protocol to a tqdm bar over ``total`` units. An ``interruptible``
    bar turns the first Ctrl-C into a cancel (the work stops between batches and keeps what it has);
    a second Ctrl-C interrupts at once."""

    def __init__(self, total: int, description: str, unit: str = "pose", interruptible: bool = False) -> None:
        from tqdm import tqdm

        self.total = total
        self._interrupted = threading.Event()
        self._previous = None
        if interruptible and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._interrupt)
        self.bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1, mininterval=0.2)

    def progress(self, fraction: float, message: str = "") -> None:
        target = int(round(fraction * self.total))
        if target > self.bar.n:
            self.bar.update(target - self.bar.n)

    def partial(self, result: Any) -> None:
        pass

    def note(self, message: str) -> None:
        """A line above the bar (it is redrawn below it)."""
        self.bar.write(f"semviewer: {message}", file=sys.stderr)

    def _interrupt(self, signum: int, frame: Any) -> None:
        self.note("interrupted: stopping after this batch and keeping what was found (Ctrl-C again to quit now)")
        self._interrupted.set()
        signal.signal(signal.SIGINT, self._previous)

    def cancelled(self) -> bool:
        return self._interrupted.is_set()

    def close(self) -> None:
        if self._previous is not None and not self._interrupted.is_set():
            signal.signal(signal.SIGINT, self._previous)
        self._previous = None
        self.bar.close()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
