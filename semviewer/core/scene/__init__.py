"""The scene: semantic axes and poses, grids over them, meshes (loading, normalising, the up axis,
decimation), the bundled objects, render settings, and the render thread core drives a renderer
through."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "AXES": ".axes",
    "AXIS_NAMES": ".axes",
    "Axis": ".axes",
    "GridAxis": ".grid",
    "Pose": ".axes",
    "get_axis": ".axes",
    "parse_pose": ".axes",
    "parse_grid_axis": ".grid",
    "parse_domain_axis": ".grid",
    "parse_assignments": ".axes",
    "check_unique": ".axes",
    "check_continuous": ".axes",
    "poses_from_points": ".grid",
    "MeshData": ".mesh",
    "UP_AXES": ".mesh",
    "load_mesh": ".mesh",
    "decimate": ".mesh",
    "check_up_axis": ".mesh",
    "DEFAULT_OBJECT": ".objects",
    "BundledObject": ".objects",
    "ObjectChoice": ".objects",
    "bundled_objects": ".objects",
    "get_object": ".objects",
    "resolve_object": ".objects",
    "RenderSettings": ".render_settings",
    "RenderThread": ".render_thread",
    "RendererLike": ".render_thread",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
