"""A score that interpolates a computed semantic map (linear on the grid): regions in an instant."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from semviewer.core.errors import AxisError, MapFileError
from semviewer.core.maps.semantic_map import SemanticMap


class MapScore:
    """f(u) by linear interpolation of a complete map over some of its axes.

    Periodic axes that cover a full turn wrap around; outside the grid of other axes the
    value of the nearest grid edge is used. Axes of the map not in ``axes`` are sliced at
    ``at`` (nearest grid point).
    """

    def __init__(self, semantic_map: SemanticMap, axes: Sequence[str] | None = None,
                 at: dict | None = None) -> None:
        axes = list(axes or semantic_map.axis_names)
        view = semantic_map.view(axes, at=at)
        if np.isnan(view.values).any():
            raise MapFileError("the map is not complete; finish computing it before growing regions on it")
        values = np.asarray(view.values, dtype=np.float64)
        grids = []
        self._periods: list[tuple[float, float] | None] = []
        for j, grid_axis in enumerate(view.axes):
            pts = grid_axis.points
            axis = grid_axis.axis
            period = axis.upper - axis.lower
            if pts.size < 2:
                raise AxisError(f"axis {axis.name} has a single grid point; it cannot be interpolated")
            step = pts[1] - pts[0]
            if axis.periodic and abs(pts[0] + period - pts[-1] - step) < 1e-6 * period:
                pts = np.append(pts, pts[0] + period)
                values = np.concatenate([values, np.take(values, [0], axis=j)], axis=j)
                self._periods.append((float(pts[0]), period))
            else:
                self._periods.append(None)
            grids.append(pts)
        self.axes = tuple(axes)
        self.map = semantic_map
        self.at = dict(at or {})
        self._lo = np.array([g[0] for g in grids])
        self._hi = np.array([g[-1] for g in grids])
        from scipy.interpolate import RegularGridInterpolator    # scipy's import is slow: when first used

        self._interp = RegularGridInterpolator(grids, values, method="linear", bounds_error=False, fill_value=None)
        self.evaluations = 0

    @property
    def periodic(self) -> tuple[bool, ...]:
        """Which axes wrap around (full-turn grids wrap; other points clip to the grid's edge)."""
        return tuple(self.map.axis(name).axis.periodic for name in self.axes)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        pts = np.array(points, dtype=np.float64, ndmin=2)
        if pts.shape[1] != len(self.axes):
            raise AxisError(f"points need {len(self.axes)} coordinates ({', '.join(self.axes)})")
        for j, period in enumerate(self._periods):
            if period is not None:
                start, span = period
                pts[:, j] = start + np.mod(pts[:, j] - start, span)
        pts = np.clip(pts, self._lo, self._hi)
        self.evaluations += len(pts)
        return np.clip(self._interp(pts), 0.0, 1.0)
