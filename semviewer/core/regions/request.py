"""A request to grow regions, as plain data: what the window's document produces and what the
command line and study units build directly (``semviewer.pipeline.regions`` plans and runs it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS
from semviewer.core.scene.axes import check_continuous

#: The targets regions grow on: the primary model's map, and the compare model's.
PRIMARY, COMPARE = "primary", "compare"
TARGETS = (PRIMARY, COMPARE)
#: Where a request's scores come from: the computed map, or live renders.
SOURCES = ("map", "live")


def check_starts(starts: Sequence[Sequence[float]], axes: Sequence[str]) -> list[tuple[float, ...]]:
    """Start points as tuples of floats, one number per axis, all finite (SemviewerError if not)."""
    points = [tuple(float(v) for v in s) for s in starts]
    if any(len(p) != len(axes) for p in points):
        raise SemviewerError(f"each start point needs one number per map axis ({len(axes)}: {', '.join(axes)})")
    if any(not np.isfinite(p).all() for p in points):
        raise SemviewerError("start points must be finite numbers")
    return points


def check_domain(rows: Any, axes: Sequence[str]) -> np.ndarray:
    """Ω as an array of [lower, upper] rows, one per axis, finite, lower < upper (SemviewerError if not)."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.shape != (len(axes), 2) or not np.isfinite(rows).all() or not (rows[:, 0] < rows[:, 1]).all():
        raise SemviewerError(f"the domain needs one [lower, upper] row with lower < upper per map axis "
                             f"({', '.join(axes)})")
    return rows


@dataclass(frozen=True)
class RegionRequest:
    """How regions are to be grown, as plain data. ``domain`` is Ω (one [lower, upper] row per
    axis), or None for each target's map's domain (else the named grids' ranges); ``at`` is where
    the axes a map has beyond ``axes`` are sliced."""

    axes: tuple[str, ...]
    starts: tuple[tuple[float, ...], ...]
    configs: tuple[RegionConfig, ...]
    source: str = "map"
    domain: Optional[np.ndarray] = None
    inside_points: int = DEFAULT_POINTS_PER_AXIS
    at: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise SemviewerError(f"the score source is map or live, not {self.source!r}")
        object.__setattr__(self, "axes", tuple(self.axes))
        check_continuous(self.axes)
        object.__setattr__(self, "starts", tuple(check_starts(self.starts, self.axes)))
        object.__setattr__(self, "configs", tuple(self.configs))
        if self.domain is not None:
            object.__setattr__(self, "domain", check_domain(self.domain, self.axes))


@dataclass(frozen=True)
class RegionTarget:
    """What one target (the primary or the compare model) grows its regions on: its map, its
    classifier (for live renders), and the label it is reported under."""

    target: str
    label: str
    semantic_map: Optional[SemanticMap] = None
    classifier: Optional[Any] = None       # a loaded Classifier, for live renders
