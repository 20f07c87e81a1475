"""Work run aside, in a child process: drawing a figure with matplotlib holds the interpreter lock
for a quarter of a second or more, which a window waiting in one of its threads would feel as a
freeze; a thread that waits for a child process lets the window run."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

from semviewer.core.errors import SemviewerError


def run_aside(fn: Callable[..., Any], *args: Any, timeout: float = 300.0) -> Any:
    """``fn(*args)`` in a fresh child process (spawned: nothing of this process's threads or GL
    contexts is inherited); its result, or its own exception. ``fn`` and its arguments must
    pickle (a module-level function and plain data)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(fn, *args)
        try:
            return future.result(timeout)
        except TimeoutError:
            raise SemviewerError(f"the child process did not finish in {timeout:.0f} s") from None
