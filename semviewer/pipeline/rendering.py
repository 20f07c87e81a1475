"""Render contexts for scores: opened when first used, and shared by the jobs of one mesh.

A GL context and the upload of a mesh cost a fraction of a second; a score that finds its map in
the cache needs neither. ``RenderContexts`` keeps the render thread of the scenes a window computes
on, so its map and solver jobs on one mesh share one context instead of each making its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional

from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.scene.render_thread import RenderThread
from semviewer.render import open_render_thread


class RenderContexts:
    """Render threads by (mesh, render settings), opened on first use, the ``size`` most recent
    kept open; thread-safe. A render thread serves one request at a time, in order, so jobs that
    share one take turns batch by batch."""

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._open: "OrderedDict[tuple, RenderThread]" = OrderedDict()
        self._closed = False

    def get(self, mesh: MeshData, settings: RenderSettings) -> RenderThread:
        """The render thread of ``mesh`` drawn with ``settings`` (opened lazily: no GL context until
        it first renders)."""
        key = (mesh.sha256, mesh.name, settings)
        with self._lock:
            if self._closed:
                raise RuntimeError("the render contexts were closed")
            thread = self._open.get(key)
            if thread is None:
                thread = self._open[key] = open_render_thread(mesh, settings, lazy=True)
            self._open.move_to_end(key)
            old = [self._open.popitem(last=False)[1] for _ in range(max(0, len(self._open) - self._size))]
        for stale in old:            # a job still rendering on it finishes its request first
            stale.close()
        return thread

    def close(self) -> None:
        """Close every render thread (idempotent)."""
        with self._lock:
            self._closed = True
            threads, self._open = list(self._open.values()), OrderedDict()
        for thread in threads:
            thread.close()


def renderer_for(mesh: MeshData, settings: RenderSettings, contexts: Optional[RenderContexts]) -> tuple[RenderThread, bool]:
    """A render thread for a score, and whether the score owns it (closes it when done)."""
    if contexts is not None:
        return contexts.get(mesh, settings), False
    return open_render_thread(mesh, settings, lazy=True), True
