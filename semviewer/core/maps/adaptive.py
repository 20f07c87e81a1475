"""Adaptive maps: after each coarse-to-fine level, the next level's points are computed only in the
blocks where the level's corners disagree; elsewhere they are interpolated (docs/algorithms.md §2).

A level-L block is the box between neighbouring level-L points (stride s on every axis). A point of
level L + 1 lies in one such block (in its middle along some axes, on its corners' lattice along
the others). It is computed when the block's corners differ by more than the tolerance in the
true-class score, or differ in whether the true class ranks first, or when it lies outside every
block (past the last level-L point of an axis that does not wrap); otherwise it takes the
multilinear interpolation of the corners' scores and their common top-1 flag. A periodic axis
whose grid is a whole turn wraps: its last block closes on its first point.
"""

from __future__ import annotations

import math
from itertools import product
from typing import Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.maps.progressive import STRIDES, point_levels
from semviewer.core.scene.grid import GridAxis

#: An axis needs this many grid points for a coarser level to refine from (two level-0 points).
MIN_POINTS = STRIDES[0] + 1


def check_adaptive(axes: Sequence[GridAxis], tolerance: float) -> None:
    """AxisError naming what keeps a map of ``axes`` from being adaptive with ``tolerance``."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not math.isfinite(tolerance) \
            or not 0 < tolerance < 1:
        raise AxisError(f"the adaptive tolerance is a difference of probabilities in (0, 1), e.g. 0.05; "
                        f"not {tolerance!r}")
    for axis in axes:
        if axis.labels:
            raise AxisError(f"{axis.name} is categorical: an adaptive map interpolates between neighbouring values "
                            f"and {axis.name} has none; drop --adaptive or map one {axis.name} at a time")
        if axis.size < MIN_POINTS:
            raise AxisError(f"{axis.name} has {axis.size} grid points: an adaptive map needs at least {MIN_POINTS} "
                            f"on every axis (a coarser level to refine from); use a finer step or drop --adaptive")


def wraps(axis: GridAxis) -> bool:
    """Whether the grid of ``axis`` is a whole turn of a periodic axis (its last point's next is its first)."""
    if not axis.axis.periodic or axis.size < 2:
        return False
    step = float(axis.points[1] - axis.points[0])
    return abs(step * axis.size - (axis.axis.upper - axis.axis.lower)) < 1e-6 * max(1.0, abs(step))


def refine(values: np.ndarray, top1: np.ndarray, level: int, tolerance: float,
           wrap: Sequence[bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decide the points of level ``level`` (1 or 2) from the values of the coarser levels (all
    known): returns the flat indices to compute, and the flat indices to interpolate with their
    scores and top-1 flags."""
    shape = values.shape
    stride = STRIDES[level - 1]
    flat = np.flatnonzero(point_levels(shape) == level)
    index = np.stack(np.unravel_index(flat, shape), axis=1)              # (k, n)
    lower = (index // stride) * stride
    fraction = (index - lower) / stride                                  # 0 or 1/2
    upper = np.where(fraction > 0, lower + stride, lower)
    sizes = np.array(shape)
    outside = np.zeros(len(flat), dtype=bool)
    for d, (size, wrapping) in enumerate(zip(shape, wrap)):
        beyond = upper[:, d] > size - 1
        if wrapping and size % stride == 0:
            upper[beyond, d] = 0                                         # the block closes on the first point
        else:
            outside |= beyond
    upper = np.where(outside[:, None], lower, np.minimum(upper, sizes - 1))
    corner_values, corner_top1, weights = [], [], []
    for choice in product((0, 1), repeat=len(shape)):
        pick = np.where(np.array(choice, dtype=bool)[None, :], upper, lower)
        corner = np.ravel_multi_index(tuple(pick.T), shape)
        corner_values.append(values.reshape(-1)[corner])
        corner_top1.append(top1.reshape(-1)[corner])
        weights.append(np.prod(np.where(np.array(choice, dtype=bool)[None, :], fraction, 1 - fraction), axis=1))
    v, w = np.stack(corner_values, 1), np.stack(weights, 1)
    t = np.nan_to_num(np.stack(corner_top1, 1), nan=-1.0)      # a score without top-1 flags: NaN everywhere
    with np.errstate(invalid="ignore"):
        agree = (v.max(axis=1) - v.min(axis=1) <= tolerance) & (t.min(axis=1) == t.max(axis=1))
    agree &= ~outside & np.isfinite(v).all(axis=1)
    interpolated = (w * np.nan_to_num(v)).sum(axis=1)
    flags = np.where(t[agree, 0] < 0, np.nan, t[agree, 0])
    return flat[~agree], flat[agree], np.clip(interpolated[agree], 0.0, 1.0), flags
