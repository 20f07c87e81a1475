"""Widgets: what the window shows; they emit signals and never touch the document."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "Viewport": ".viewport",
    "AxisControls": ".controls",
    "PredictionsPanel": ".predictions",
    "MapSettings": ".map_settings",
    "MapView": ".map_view",
    "RegionShape": ".map_view",
    "SolverPanel": ".solver_panel",
    "RegionsTable": ".regions_table",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
