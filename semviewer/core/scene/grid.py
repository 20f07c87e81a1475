"""Grids over semantic axes: ``GridAxis`` (the sampled points of one axis, or the named values of a
categorical one), parsing ``lower:upper:step`` and ``name1,name2`` ranges, and full pose rows from
points over some axes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.scene.axes import AXES, AXIS_NAMES, MAX_CATEGORIES, Axis, Pose, _parse_float, check_continuous, get_axis


#: No grid axis has more points than this (a finer step would exhaust memory before it ran).
MAX_AXIS_POINTS = 50_000_000


@dataclass(frozen=True)
class GridAxis:
    """A sampled axis of a semantic map: the axis, its grid points (ascending) and, when known,
    the upper end of the range the user asked for (``0:360:3`` has points 0…357, upper 360).
    A grid built as ``start + step · k`` keeps its ``step`` and is written as that range, not as
    a list of points (a fine grid's manifest stays small)."""

    axis: Axis
    points: np.ndarray
    upper: Optional[float] = None
    step: Optional[float] = field(default=None, compare=False)
    labels: tuple[str, ...] = ()    # a categorical axis's values by name (its points are 0, 1, ...)

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=np.float64).reshape(-1)
        pts.setflags(write=False)
        object.__setattr__(self, "points", pts)
        if self.upper is not None:
            upper = float(self.upper)
            if not np.isfinite(upper) or (pts.size and upper < pts[-1]):
                raise AxisError(f"{self.axis.name}: the range's upper end {upper:g} lies below its last grid point")
            object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "labels", tuple(str(label) for label in self.labels))
        if self.axis.categorical and len(self.labels) != pts.size:
            raise AxisError(f"{self.axis.name}: a categorical axis names each of its {pts.size} values")

    @classmethod
    def categories(cls, axis: Axis, labels: Sequence[str], points: Optional[Sequence[int]] = None) -> "GridAxis":
        """A categorical axis over ``labels``; ``points`` are their positions in the scene's list of
        them (default 0, 1, ...: the scene lists exactly these)."""
        if not labels or len(labels) > MAX_CATEGORIES:
            raise AxisError(f"{axis.name}: name between 1 and {MAX_CATEGORIES} values")
        if len(set(labels)) != len(labels):
            raise AxisError(f"{axis.name}: a value is named twice")
        positions = np.arange(len(labels), dtype=np.float64) if points is None else np.asarray(points, np.float64)
        if positions.shape != (len(labels),) or not np.all(np.diff(positions) > 0):
            raise AxisError(f"{axis.name}: give the values in the order the scene lists them")
        regular = points is None
        return cls(axis, positions, float(positions[-1] + 1), 1.0 if regular else None, tuple(labels))

    def label(self, index: int) -> str:
        """How point ``index`` is written: its name on a categorical axis, else its value."""
        return self.labels[index] if self.labels else f"{self.points[index]:g}"

    @classmethod
    def regular(cls, axis: Axis, start: float, step: float, count: int, upper: Optional[float] = None) -> "GridAxis":
        """``count`` points ``start + step · k``."""
        if not (math.isfinite(start) and math.isfinite(step) and step > 0):
            raise AxisError(f"{axis.name}: a grid needs a finite start and a finite, positive step")
        if not 1 <= count <= MAX_AXIS_POINTS:
            raise AxisError(f"{axis.name}: a grid of {count:.3g} points is more than {MAX_AXIS_POINTS:,} on one axis; "
                            f"use a larger step")
        return cls(axis, start + step * np.arange(int(count)), upper, float(step))

    def extent(self) -> tuple[float, float]:
        """The range the grid stands for: the requested [lower, upper] when known; else the grid's
        span, extended by one step on a periodic axis whose grid covers a full turn."""
        lo, hi = float(self.points[0]), float(self.points[-1])
        if self.upper is not None:
            return lo, self.upper
        if self.axis.periodic and self.size > 1:
            step = self.points[1] - self.points[0]
            period = self.axis.upper - self.axis.lower
            if abs(lo + period - hi - step) < 1e-6 * period:
                return lo, hi + step
        return lo, hi

    @property
    def name(self) -> str:
        return self.axis.name

    @property
    def size(self) -> int:
        return int(self.points.size)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, GridAxis) and self.axis == other.axis and self.labels == other.labels
                and np.array_equal(self.points, other.points) and self.upper == other.upper)

    def __hash__(self) -> int:
        return hash((self.axis.name, self.points.tobytes(), self.upper, self.labels))

    def to_json(self) -> dict:
        """The axis as JSON: ``start``, ``step`` and ``count`` for a regular grid, else its points."""
        data: dict = {"name": self.name, "unit": self.axis.unit}
        regular = self.step is not None and self.size and np.array_equal(
            self.points, self.points[0] + self.step * np.arange(self.size))
        if regular:
            data.update(start=float(self.points[0]), step=self.step, count=self.size)
        else:
            data["points"] = self.points.tolist()
        if self.upper is not None:
            data["upper"] = self.upper
        if self.labels:
            data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> "GridAxis":
        """An axis written by ``to_json`` (either form); AxisError for anything else."""
        if not isinstance(data, Mapping):
            raise AxisError(f"a grid axis must be a table, got {type(data).__name__}")
        axis = get_axis(data.get("name"))
        if axis.categorical:
            labels = data.get("labels")
            if not isinstance(labels, list) or not all(isinstance(n, str) for n in labels):
                raise AxisError(f"the grid of {axis.name} needs its values' names (labels)")
            points = data.get("points")
            if points is not None and (not isinstance(points, list) or not all(
                    isinstance(p, (int, float)) and not isinstance(p, bool) for p in points)):
                raise AxisError(f"the grid of {axis.name} has points that are not positions")
            return cls.categories(axis, labels, points)
        upper = data.get("upper")
        upper = None if upper is None else float(upper)
        if "points" in data:
            return cls(axis, np.asarray(data["points"], dtype=np.float64), upper)
        count = data.get("count")
        if isinstance(count, bool) or not isinstance(count, int):
            raise AxisError(f"the grid of {axis.name} needs points, or start, step and a whole count")
        return cls.regular(axis, float(data["start"]), float(data["step"]), count, upper)


def _check_range(axis: Axis, lo: float, hi: float, spec: str) -> None:
    if not hi > lo:
        raise AxisError(f"{spec}: the range is empty or reversed (upper {hi:g} must exceed lower {lo:g})")
    if lo < axis.lower or hi > axis.upper:
        raise AxisError(
            f"{spec}: the range leaves the domain of {axis.name}, [{axis.lower:g}, {axis.upper:g}] {axis.unit}"
        )


def parse_grid_axis(spec: str) -> GridAxis:
    """Parse ``"azimuth=0:360:3"`` (lower:upper:step, upper excluded) into a GridAxis."""
    if "=" not in spec:
        raise AxisError(f"{spec!r} is not of the form name=lower:upper:step (e.g. azimuth=0:360:3)")
    name, rng = (s.strip() for s in spec.split("=", 1))
    axis = get_axis(name)
    if axis.categorical:              # names, resolved against the scene by whoever builds it
        return GridAxis.categories(axis, [v.strip() for v in rng.split(",") if v.strip()])
    fields = rng.split(":")
    if len(fields) != 3:
        raise AxisError(f"{spec!r}: give lower:upper:step (e.g. {name}={axis.lower:g}:{axis.upper:g}:3)")
    lo, hi, step = (_parse_float(f, spec) for f in fields)
    if not (step > 0 and math.isfinite(step)):
        raise AxisError(f"{spec}: the step must be positive and finite")
    _check_range(axis, lo, hi, spec)
    count = math.ceil((hi - lo) / step - 1e-9)
    if count > MAX_AXIS_POINTS:
        raise AxisError(f"{spec}: the step gives {count:.3g} grid points, more than {MAX_AXIS_POINTS:,} on one axis; "
                        f"use a larger step")
    return GridAxis.regular(axis, lo, step, max(1, count), hi)


def parse_domain_axis(spec: str, purpose: str = "regions grow",
                      whole_axis: bool = False) -> tuple[Axis, float, float]:
    """Parse ``"azimuth=0:360"`` (a closed interval for region or failure search; ``purpose`` names
    it in errors); with ``whole_axis`` a bare name ``"azimuth"`` is the axis's whole domain."""
    if "=" not in spec:
        if not (whole_axis and spec.strip() in AXES):
            raise AxisError(f"{spec!r} is not of the form name=lower:upper (e.g. azimuth=0:360)")
        axis = get_axis(spec.strip())
        check_continuous([axis.name], purpose)
        return axis, axis.lower, axis.upper
    name, rng = (s.strip() for s in spec.split("=", 1))
    axis = get_axis(name)
    check_continuous([name], purpose)
    fields = rng.split(":")
    if len(fields) not in (2, 3):
        raise AxisError(f"{spec!r}: give lower:upper (e.g. {name}={axis.lower:g}:{axis.upper:g})")
    lo, hi = (_parse_float(f, spec) for f in fields[:2])
    _check_range(axis, lo, hi, spec)
    return axis, lo, hi


def poses_from_points(points: np.ndarray, axis_names: Iterable[str], base: Pose) -> np.ndarray:
    """Full pose matrix ``(k, len(AXIS_NAMES))`` from points over some axes plus a base pose."""
    names = list(axis_names)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, len(names))
    full = np.tile(base.as_array(), (pts.shape[0], 1))
    for j, name in enumerate(names):
        full[:, AXIS_NAMES.index(name)] = pts[:, j]
    return full
