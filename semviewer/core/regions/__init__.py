"""Robust regions: the three methods and their settings (``RegionConfig``, the paper's defaults
and starts), the solver (``find_regions``), ``Region`` and its inside check, SRVR, and a request to
grow regions as plain data (``RegionRequest``, planned and run by ``semviewer.pipeline``)."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "METHODS": ".config",
    "METHOD_LABELS": ".config",
    "ALL_METHODS": ".config",
    "PAPER_STARTS_2D": ".config",
    "PAPER_STARTS_1D": ".config",
    "RegionConfig": ".config",
    "RegionError": ".config",
    "paper_starts": ".config",
    "find_regions": ".solver",
    "find_region": ".solver",
    "Region": ".region",
    "InsideCheck": ".region",
    "RegionsSnapshot": ".region",
    "volume_ratio": ".region",
    "DEFAULT_POINTS_PER_AXIS": ".inside",
    "check_regions": ".inside",
    "srvr": ".srvr",
    "srvr_table": ".srvr",
    "CONVENTION": ".srvr",
    "VERIFIED_CONVENTION": ".srvr",
    "RegionRequest": ".request",
    "RegionTarget": ".request",
    "PRIMARY": ".request",
    "COMPARE": ".request",
    "TARGETS": ".request",
    "SOURCES": ".request",
    "check_starts": ".request",
    "check_domain": ".request",
    "regions_document": ".report",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
