"""SRVR (ALGORITHMS.md §5): the semantic robustness volume ratio, per method and averaged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from semviewer.core.regions import METHODS, Region

CONVENTION = ("SRVR = mean over objects and start points of Vol(D) / Vol(Ω), with Vol = ∏ r after clipping "
              "the region D to the domain Ω; 'average' is the mean of the per-method SRVRs "
              "(the paper's middle estimate).")


VERIFIED_CONVENTION = ("verified SRVR = mean over regions of Vol(D) / Vol(Ω) × the share of D's volume where the "
                       "true class ranks first (checked on the map cells inside D, or on a lattice of points "
                       "rendered inside it); reported beside SRVR, never instead of it.")


def srvr(regions: Iterable[Region], verified: bool = False) -> float:
    """Mean volume ratio of some regions (NaN when there are none); ``verified`` weights each by
    the top-1 fraction inside it (NaN when a region was not checked)."""
    from semviewer.core.inside import verified_ratio

    ratios = [verified_ratio(r) if verified else r.volume_ratio for r in regions]
    return float(np.mean(ratios)) if ratios else float("nan")


@dataclass(frozen=True)
class RegionRecord:
    """One grown region with what it was grown for."""

    model: str
    object: str
    region: Region


def srvr_table(records: Sequence[RegionRecord], verified: bool = False) -> dict[str, dict[str, float]]:
    """{model: {method: SRVR, ..., "average": mean over the methods present}} (verified SRVR with
    ``verified``)."""
    by_model: dict[str, dict[str, list[Region]]] = defaultdict(lambda: defaultdict(list))
    for rec in records:
        by_model[rec.model][rec.region.method].append(rec.region)
    table: dict[str, dict[str, float]] = {}
    for model, methods in by_model.items():
        row = {m: srvr(methods[m], verified) for m in METHODS if m in methods}
        row["average"] = float(np.mean(list(row.values()))) if row else float("nan")
        table[model] = row
    return table
