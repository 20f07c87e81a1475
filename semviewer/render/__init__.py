"""Offscreen moderngl rendering of meshes at batches of poses (no Qt)."""

from __future__ import annotations

import os
import threading
from typing import Optional

from semviewer.core.mesh import MeshData
from semviewer.core.render_settings import RenderSettings
from semviewer.core.render_thread import RenderThread
from semviewer.render.renderer import Renderer

__all__ = ["Renderer", "open_render_thread"]


def _yield_cpu_to_others() -> None:
    """Lower this thread's scheduling priority (Linux: per thread; threads it starts inherit it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not permitted: keep the normal priority
        pass


def open_render_thread(mesh: MeshData, settings: Optional[RenderSettings] = None,
                       background: bool = False) -> RenderThread:
    """A core RenderThread whose Renderer (and GL context) is created and used in that thread.

    ``background=True`` lowers the render thread's priority (and that of llvmpipe's
    rasteriser threads, which inherit it) so that on a CPU-bound machine the classifier
    keeps its cores and rendering fills the gaps between its operations.
    """
    chosen = settings or RenderSettings()

    def factory() -> Renderer:
        if background:
            _yield_cpu_to_others()
        return Renderer(mesh, chosen)

    return RenderThread(factory)
