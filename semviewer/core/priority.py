"""Live predictions first: background inference waits while an urgent (live-view) call runs."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class PriorityGate:
    """Urgent work runs at once; background work waits (at most ``patience`` seconds, so it always
    progresses) while urgent work is running. On a 2-core CPU a map and a live prediction that
    run together each take twice as long: the user's prediction should not."""

    def __init__(self, patience: float = 1.0) -> None:
        self._patience = patience
        self._urgent = 0
        self._condition = threading.Condition()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        with self._condition:
            self._urgent += 1
        try:
            yield
        finally:
            with self._condition:
                self._urgent -= 1
                self._condition.notify_all()

    def wait_turn(self) -> bool:
        """Wait until no urgent work runs (or the patience is spent); True when it had to wait."""
        with self._condition:
            if not self._urgent:
                return False
            self._condition.wait_for(lambda: self._urgent == 0, timeout=self._patience)
            return True

    @property
    def busy(self) -> bool:
        return self._urgent > 0
