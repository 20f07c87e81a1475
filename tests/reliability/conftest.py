"""Fuzzing support: a per-example time limit and the count of inputs tried per reader."""

import os
import signal
from collections import Counter
from contextlib import contextmanager

import pytest

#: Examples per reader: ≥ 300 in the normal suite, more with SEMVIEWER_FUZZ_EXAMPLES.
EXAMPLES = max(300, int(os.environ.get("SEMVIEWER_FUZZ_EXAMPLES", "300")))
TRIED: Counter = Counter()


@contextmanager
def time_limit(seconds: float = 10.0):
    """Fail an example that runs longer than ``seconds`` (a hang is a failure, not a stuck suite)."""
    def expire(signum, frame):
        raise TimeoutError(f"a reader took more than {seconds:g} s on one input")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def tried():
    return TRIED
