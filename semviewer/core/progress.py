"""Progress sinks: how long-running work reports progress, partial results and cancellation."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Optional, Protocol


class Cancelled(Exception):
    """Raised inside a score call whose job was cancelled (between its batches), so that a long
    call stops promptly; map builders and solvers catch it and keep what was complete."""


class ProgressSink(Protocol):
    """What a solver or map builder reports to (a Qt adapter, a CLI progress bar, a test list)."""

    def progress(self, fraction: float, message: str = "") -> None: ...

    def partial(self, result: Any) -> None: ...

    def cancelled(self) -> bool: ...


class NullSink:
    """Reports nowhere and never cancels."""

    def progress(self, fraction: float, message: str = "") -> None:
        pass

    def partial(self, result: Any) -> None:
        pass

    def cancelled(self) -> bool:
        return False


class ListSink:
    """Collects every report (for tests); cancels after ``cancel_after`` partial results if given."""

    def __init__(self, cancel_after: Optional[int] = None) -> None:
        self.fractions: list[float] = []
        self.messages: list[str] = []
        self.partials: list[Any] = []
        self.cancel_after = cancel_after
        self.event = threading.Event()

    def progress(self, fraction: float, message: str = "") -> None:
        self.fractions.append(fraction)
        self.messages.append(message)

    def partial(self, result: Any) -> None:
        self.partials.append(result)
        if self.cancel_after is not None and len(self.partials) >= self.cancel_after:
            self.event.set()

    def cancelled(self) -> bool:
        return self.event.is_set()


class ThrottledSink:
    """Passes reports on at most ``rate`` times a second (the last one always with ``flush``)."""

    def __init__(self, sink: ProgressSink, rate: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.interval = 1.0 / rate
        self.clock = clock
        self._last = -float("inf")
        self._pending: Optional[tuple[float, str, Any]] = None

    def report(self, fraction: float, message: str = "", partial: Any = None) -> None:
        """Report progress and (optionally) a partial result, throttled.

        ``partial`` may be a zero-argument callable: it is called only when a report is
        actually delivered, so expensive snapshots are not built for dropped reports.
        """
        now = self.clock()
        if now - self._last >= self.interval:
            self._last = now
            self._pending = None
            self._deliver(fraction, message, partial)
        else:
            self._pending = (fraction, message, partial)

    def flush(self) -> None:
        """Deliver the last throttled report, if any."""
        if self._pending is not None:
            fraction, message, partial = self._pending
            self._pending = None
            self._deliver(fraction, message, partial)

    def _deliver(self, fraction: float, message: str, partial: Any) -> None:
        self.sink.progress(fraction, message)
        if partial is not None:
            self.sink.partial(partial() if callable(partial) else partial)

    def cancelled(self) -> bool:
        return self.sink.cancelled()
