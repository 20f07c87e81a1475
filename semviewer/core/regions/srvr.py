"""SRVR (docs/algorithms.md §5): the semantic robustness volume ratio, per method and averaged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np

from semviewer.core.regions.config import METHODS
from semviewer.core.regions.region import Region

CONVENTION = ("SRVR = mean over objects and start points of Vol(D) / Vol(Ω), with Vol = ∏ r after clipping "
              "the region D to the domain Ω; 'average' is the mean of the per-method SRVRs "
              "(the paper's middle estimate).")


VERIFIED_CONVENTION = ("verified SRVR = mean over regions of Vol(D) / Vol(Ω) × the share of D's volume where the "
                       "true class ranks first (checked on the map cells inside D, or on a lattice of points "
                       "rendered inside it); reported beside SRVR, never instead of it.")


def srvr(regions: Iterable[Region], verified: bool = False) -> float:
    """Mean volume ratio of some regions (NaN when there are none); ``verified`` weights each by
    the top-1 fraction inside it (NaN when a region was not checked)."""
    ratios = [r.verified_ratio if verified else r.volume_ratio for r in regions]
    return float(np.mean(ratios)) if ratios else float("nan")


@dataclass(frozen=True)
class RegionRecord:
    """One grown region with what it was grown for."""

    model: str
    object: str
    region: Region


def srvr_table(records: Sequence[RegionRecord], verified: bool = False,
               methods: Optional[Sequence[str]] = None) -> dict[str, dict[str, float]]:
    """{model: {method: SRVR, ..., "average": mean over the methods}} (verified SRVR with
    ``verified``), over the ``methods`` given (default: those present), models in record order.
    The paper's Table 1 and every study report are this table."""
    by_model: dict[str, dict[str, list[Region]]] = defaultdict(lambda: defaultdict(list))
    for rec in records:
        by_model[rec.model][rec.region.method].append(rec.region)
    table: dict[str, dict[str, float]] = {}
    for model, found in by_model.items():
        row = {m: srvr(found.get(m, []), verified) for m in (methods or [m for m in METHODS if m in found])}
        row["average"] = float(np.mean(list(row.values()))) if row else float("nan")
        table[model] = row
    return table
