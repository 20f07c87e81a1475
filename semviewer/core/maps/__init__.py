"""Semantic maps: ``SemanticMap`` (values, top-1 flags, axes, provenance, .npz), building one in
chunks coarse to fine (``build_map``), the named grids, the map cache (storage; the pipeline holds
its policy) and a map as a score (``MapScore``)."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "SemanticMap": ".semantic_map",
    "AGGREGATES": ".semantic_map",
    "empty_map": ".semantic_map",
    "build_map": ".build",
    "ORDERS": ".build",
    "MapCache": ".cache",
    "map_key": ".cache",
    "default_cache_dir": ".cache",
    "RESOLUTIONS": ".grids",
    "PRESETS": ".grids",
    "PAPER_1D_FIXED": ".grids",
    "named_grid": ".grids",
    "preset_grid": ".grids",
    "grid_axis": ".grids",
    "domain_rows": ".grids",
    "check_grid_size": ".grids",
    "MapScore": ".map_score",
    "STRIDES": ".progressive",
    "coarse_to_fine": ".progressive",
    "preview": ".progressive",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
