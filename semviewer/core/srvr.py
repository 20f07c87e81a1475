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


def srvr(regions: Iterable[Region]) -> float:
    """Mean volume ratio of some regions (NaN when there are none)."""
    ratios = [r.volume_ratio for r in regions]
    return float(np.mean(ratios)) if ratios else float("nan")


@dataclass(frozen=True)
class RegionRecord:
    """One grown region with what it was grown for."""

    model: str
    object: str
    region: Region


def srvr_table(records: Sequence[RegionRecord]) -> dict[str, dict[str, float]]:
    """{model: {method: SRVR, ..., "average": mean over the methods present}}."""
    by_model: dict[str, dict[str, list[Region]]] = defaultdict(lambda: defaultdict(list))
    for rec in records:
        by_model[rec.model][rec.region.method].append(rec.region)
    table: dict[str, dict[str, float]] = {}
    for model, methods in by_model.items():
        row = {m: srvr(methods[m]) for m in METHODS if m in methods}
        row["average"] = float(np.mean(list(row.values()))) if row else float("nan")
        table[model] = row
    return table
