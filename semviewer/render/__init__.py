"""Offscreen moderngl rendering of meshes at batches of poses (no Qt)."""

from __future__ import annotations

from typing import Optional

from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.scene.render_thread import RenderThread
from semviewer.render.renderer import Renderer

__all__ = ["Renderer", "open_render_thread"]


def open_render_thread(mesh: MeshData, settings: Optional[RenderSettings] = None, lazy: bool = False) -> RenderThread:
    """A core RenderThread whose Renderer (and GL context) is created and used in that thread: now,
    or with ``lazy`` when it first renders."""
    chosen = settings or RenderSettings()
    return RenderThread(lambda: Renderer(mesh, chosen), lazy=lazy)
