"""Live predictions first: background inference waits while an urgent (live-view) call runs.

A ``PriorityGate`` is shared by everyone who classifies on the same CPU (the window has one); a
``Scheduled`` classifier is a classifier seen through a gate: its background calls give way to
urgent ones. The classifier itself knows nothing of this; the command line uses none.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import numpy as np


class PriorityGate:
    """Urgent work runs at once; background work waits (at most ``patience`` seconds, so it always
    progresses) while urgent work is running. On a 2-core CPU a map and a live prediction that
    run together each take twice as long: the user's prediction should not."""

    #: For this long after urgent work, background batches run one image at a time (see ``yielding``).
    YIELD_SECONDS = 0.5

    def __init__(self, patience: float = 1.0, yield_seconds: float = YIELD_SECONDS) -> None:
        self._patience = patience
        self._urgent = 0
        self._last_urgent = float("-inf")
        self.yield_seconds = yield_seconds
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
                self._last_urgent = time.monotonic()
                self._condition.notify_all()

    def wait_turn(self) -> bool:
        """Wait until no urgent work runs (or the patience is spent); True when it had to wait."""
        with self._condition:
            if not self._urgent:
                return False
            self._condition.wait_for(lambda: self._urgent == 0, timeout=self._patience)
            return True

    def yielding(self) -> bool:
        """Whether urgent work ran in the last ``yield_seconds`` (the user is dragging): background
        work then goes in small pieces, so that the next urgent call never waits behind a batch."""
        return self._urgent > 0 or time.monotonic() - self._last_urgent < self.yield_seconds

    @property
    def busy(self) -> bool:
        return self._urgent > 0


class Scheduled:
    """``classifier`` seen through ``gate``: ``urgent`` calls (the live view) run at once;
    ``probabilities`` and ``submit`` (maps, solvers) wait while urgent work runs, and while the
    user drags they go one image at a time, so that the next live prediction never waits behind a
    whole batch."""

    def __init__(self, classifier: Any, gate: Optional[PriorityGate] = None) -> None:
        self.classifier = classifier
        self.gate = gate or PriorityGate()

    def urgent(self, images: Any) -> np.ndarray:
        with self.gate.urgent():
            return self.classifier.probabilities(images)

    def probabilities(self, images: Any, urgent: bool = False) -> np.ndarray:
        if urgent:
            return self.urgent(images)
        self.gate.wait_turn()
        if len(images) > 1 and self.gate.yielding():   # while the user drags: one image at a time,
            parts = [self.classifier.probabilities(images[:1])]   # giving way to live predictions between
            for i in range(1, len(images)):
                self.gate.wait_turn()
                parts.append(self.classifier.probabilities(images[i:i + 1]))
            return np.concatenate(parts)
        return self.classifier.probabilities(images)

    def submit(self, images: Any):
        """A background batch: after its turn; on the CPU the result is there when this returns."""
        from semviewer.core.engines.base import PendingProbabilities

        if self.classifier.device.startswith("cuda"):
            self.gate.wait_turn()
            return self.classifier.submit(images)
        return PendingProbabilities(self.probabilities(images))
