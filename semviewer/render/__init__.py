"""Offscreen moderngl rendering of meshes at batches of poses (no Qt)."""

from semviewer.render.renderer import Renderer

__all__ = ["Renderer"]
