"""A renderer that lives in its own thread (GL contexts are thread-bound).

core never imports the renderer: it is handed a factory that builds any object with a
``render(poses) -> uint8 (N, H, W, 3)`` method, and calls it only from one worker thread.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Protocol

import numpy as np


class RendererLike(Protocol):
    """What core needs from a renderer: images for a batch of full poses (k, len(AXIS_NAMES))."""

    def render(self, poses: np.ndarray) -> np.ndarray: ...


class RenderThread:
    """Creates a renderer in a dedicated thread and serves render requests there, as futures.
    ``lazy``: the renderer (its GL context and mesh upload) is made by the first request instead
    of now, so that work which turns out to need no render (a map found in the cache) costs none."""

    def __init__(self, factory: Callable[[], RendererLike], lazy: bool = False) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semviewer-render")
        self._factory = factory
        self.renderer: Any = None
        if not lazy:
            try:
                self._executor.submit(self._renderer).result()
            except BaseException:
                self._executor.shutdown(wait=True)
                raise

    def _renderer(self) -> RendererLike:       # in the render thread
        if self.renderer is None:
            self.renderer = self._factory()
        return self.renderer

    def submit(self, poses: np.ndarray) -> "Future[np.ndarray]":
        """Render ``poses`` in the render thread; the future holds the images."""
        return self._executor.submit(lambda: self._renderer().render(poses))

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(renderer, *args)`` in the render thread and wait for its result."""
        return self._executor.submit(lambda: fn(self._renderer(), *args)).result()

    def close(self) -> None:
        """Release the renderer (in its thread) and stop the thread. Idempotent."""
        if self._executor is None:
            return
        release = getattr(self.renderer, "release", None)
        if release is not None:
            try:
                self._executor.submit(release).result()
            except RuntimeError:
                pass
        self._executor.shutdown(wait=True)
        self._executor = None

    def __enter__(self) -> "RenderThread":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
