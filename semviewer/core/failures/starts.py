"""Start points beside failures: for the robust region next to a failure, the nearest cell of a
computed map where the true class ranks first (docs/algorithms.md §8)."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from semviewer.core.failures.result import Failure
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.scene.axes import AXES

#: A start is at most this far from its failure (Euclidean, each axis divided by its domain's span,
#: the short way round on a periodic axis).
REACH = 0.25


def starts_beside(failures: Sequence[Failure], semantic_map: SemanticMap, axes: Sequence[str],
                  at: Mapping[str, float]) -> list[tuple[float, ...]]:
    """One start per failure that lies on ``axes`` (none twice): the nearest cell of the map's view
    over ``axes`` (its other axes sliced ``at``) where the true class ranks first, within REACH.
    The map must carry top-1 flags."""
    axes = list(axes)
    view = semantic_map.view(axes, at=dict(at))
    top1 = semantic_map.view(axes, at=dict(at), values=semantic_map.top1).values
    grids = np.meshgrid(*[g.points for g in view.axes], indexing="ij")
    cells = np.stack([g.reshape(-1) for g in grids], axis=1)
    spans = np.array([AXES[a].upper - AXES[a].lower for a in axes])
    periodic = np.array([AXES[a].periodic for a in axes])
    right = top1.reshape(-1) >= 0.5
    starts: list[tuple[float, ...]] = []
    for failure in failures:
        if not all(a in failure.point for a in axes):
            continue
        d = np.abs(cells - np.array([failure.point[a] for a in axes])) / spans
        d[:, periodic] = np.minimum(d[:, periodic], 1.0 - d[:, periodic])
        distance = np.where(right, np.sqrt((d ** 2).sum(axis=1)), np.inf)
        best = int(np.argmin(distance))
        start = tuple(float(v) for v in cells[best])
        if distance[best] <= REACH and start not in starts:
            starts.append(start)
    return starts
