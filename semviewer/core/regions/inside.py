"""Checking a region from the inside (docs/algorithms.md §7).

The solvers see f only at a box's corners, so a box can span a band where f is low. These
functions look at the points inside a region: the map's grid cells inside it, or a lattice
of k points per axis rendered and classified live.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.regions.region import InsideCheck, Region
from semviewer.core.maps.semantic_map import SemanticMap

#: Lattice points per axis for live checks (k^n points per region).
DEFAULT_POINTS_PER_AXIS = 5


def _weights_1d(count: int) -> np.ndarray:
    """Trapezoid weights of ``count`` evenly spaced points spanning an interval (they sum to 1)."""
    if count == 1:
        return np.ones(1)
    w = np.ones(count)
    w[[0, -1]] = 0.5
    return w / w.sum()


def lattice(region: Region, per_axis: int = DEFAULT_POINTS_PER_AXIS) -> tuple[np.ndarray, np.ndarray]:
    """The points (k^n, n) of a regular lattice spanning the region, corners included, and their
    volume weights (the trapezoid rule, summing to 1)."""
    if per_axis < 1:
        raise ValueError("per_axis must be at least 1")
    axes = [np.linspace(lo, hi, per_axis) if per_axis > 1 else np.array([(lo + hi) / 2])
            for lo, hi in zip(region.lower, region.upper)]
    grids = np.meshgrid(*axes, indexing="ij")
    points = np.stack([g.reshape(-1) for g in grids], axis=1)
    weights = _weights_1d(per_axis)
    total = weights
    for _ in range(len(axes) - 1):
        total = np.multiply.outer(total, weights)
    return points, np.asarray(total).reshape(-1)


def _summary(scores: np.ndarray, top1: np.ndarray, weights: np.ndarray, source: str) -> InsideCheck:
    weights = weights / weights.sum()   # normalised dot products can round to 1 + 2e-16: InsideCheck clamps them
    return InsideCheck(float(np.dot(weights, scores)), float(np.min(scores)), float(np.dot(weights, top1)),
                       int(len(scores)), source)


def inside_from_lattice(evaluate: Callable[[np.ndarray], Any], region: Region,
                        per_axis: int = DEFAULT_POINTS_PER_AXIS) -> InsideCheck:
    """Check a region on a lattice of ``per_axis`` points per axis. ``evaluate(points)`` returns
    an object with ``scores`` and ``top1`` (k,) arrays, as ``ScoreFunction.evaluate`` does (one
    batched call: all renders of the lattice in one go)."""
    points, weights = lattice(region, per_axis)
    result = evaluate(points)
    return _summary(np.asarray(result.scores, float), np.asarray(result.top1, float), weights, "lattice")


def _cells(grid, lo: float, hi: float, wrap: bool) -> tuple[np.ndarray, np.ndarray]:
    """The grid points inside [lo, hi] on one axis and the share of each one's cell inside it. On
    an axis that wraps, a point counts at its position one turn on or back when that is inside.
    A region narrower than the grid gets the grid point nearest its centre."""
    points = grid.points
    if wrap:
        period = grid.axis.upper - grid.axis.lower
        shifted = np.stack([points - period, points, points + period])
        pick = np.argmax((shifted >= lo - 1e-9) & (shifted <= hi + 1e-9), axis=0)
        points = shifted[pick, np.arange(points.size)]
    inside = (points >= lo - 1e-9) & (points <= hi + 1e-9)
    if not inside.any():
        inside = np.zeros(grid.size, bool)
        inside[np.argmin(np.abs(points - (lo + hi) / 2))] = True
        return inside, np.ones(1)
    pts = points[inside]     # each grid point stands for its cell; a cell cut by the region's edge counts in part
    half = np.diff(grid.points).min() / 2 if grid.size > 1 else 0.5
    weights = np.clip(np.minimum(pts + half, hi) - np.maximum(pts - half, lo), 0.0, None) / (2 * half)
    return inside, np.where(weights > 0, weights, 1e-9)


def inside_from_map(semantic_map: SemanticMap, region: Region, axes: Sequence[str],
                    at: Optional[Mapping[str, float]] = None) -> InsideCheck:
    """Check a region on the map's grid cells inside it, weighted by the share of each cell inside
    (hidden axes sliced at ``at``, the nearest grid point). A region narrower than the grid gets
    the grid point nearest its centre."""
    view = semantic_map.view(list(axes), at=at)
    top1_view = semantic_map.view(list(axes), at=at, values=semantic_map.top1) \
        if semantic_map.top1 is not None else None
    masks, axis_weights = [], []
    wraps = region.wrap or (False,) * len(view.axes)
    for grid, lo, hi, wrap in zip(view.axes, region.lower, region.upper, wraps):
        inside, weights = _cells(grid, lo, hi, wrap)
        masks.append(inside)
        axis_weights.append(weights)
    selector = np.ix_(*masks)
    weights = axis_weights[0]
    for w in axis_weights[1:]:
        weights = np.multiply.outer(weights, w)
    weights = np.asarray(weights).reshape(-1)
    scores = np.asarray(view.values, float)[selector].reshape(-1)
    # where a map has no top-1 flags, count the points where f > 0.5 (then certainly top-1)
    top1 = np.asarray(top1_view.values, float)[selector].reshape(-1) if top1_view is not None \
        else np.full(scores.shape, np.nan)
    top1 = np.where(np.isnan(top1), (scores > 0.5).astype(float), top1)
    keep = np.isfinite(scores)
    if not keep.any():
        raise ValueError("the map has no computed values inside the region")
    return _summary(scores[keep], top1[keep], weights[keep], "map")


def with_inside(region: Region, check: InsideCheck) -> Region:
    """The region with its inside check attached (regions are immutable)."""
    return dataclasses.replace(region, inside=check)


def check_regions(regions: Sequence[Region], score: Any, per_axis: int = DEFAULT_POINTS_PER_AXIS) -> list[Region]:
    """Attach an inside check to every region, from what ``score`` is: the map cells inside each
    region for a MapScore, a live lattice for a score with ``evaluate`` (a ScoreFunction: all
    regions' lattices in one batched call); other scores (plain functions) are left unchecked."""
    from semviewer.core.maps.map_score import MapScore

    if isinstance(score, MapScore):
        return [with_inside(r, inside_from_map(score.map, r, score.axes, score.at)) for r in regions]
    evaluate = getattr(score, "evaluate", None)
    if evaluate is None or not regions:
        return list(regions)
    lattices = [lattice(r, per_axis) for r in regions]
    result = evaluate(np.concatenate([points for points, _ in lattices]))
    checked, start = [], 0
    for region, (points, weights) in zip(regions, lattices):
        stop = start + len(points)
        check = _summary(np.asarray(result.scores[start:stop], float), np.asarray(result.top1[start:stop], float),
                         weights, "lattice")
        checked.append(with_inside(region, check))
        start = stop
    return checked
