"""Semantic axes (named, bounded scene parameters), poses and grids over them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Optional, Iterable, Mapping

import numpy as np

from semviewer.core.errors import AxisError


@dataclass(frozen=True)
class Axis:
    """One semantic parameter: its name, unit, domain and default value."""

    name: str
    unit: str
    lower: float
    upper: float
    default: float
    periodic: bool = False
    description: str = ""

    @property
    def label(self) -> str:
        """Axis label for figures, e.g. ``azimuth (°)``."""
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def clamp(self, value: float) -> float:
        """``value`` brought into the domain: wrapped for periodic axes, clipped otherwise."""
        if self.periodic:
            return self.lower + (float(value) - self.lower) % (self.upper - self.lower)
        return min(max(float(value), self.lower), self.upper)

    def check(self, value: float) -> float:
        """Return ``value`` (wrapped into the domain for periodic axes) or raise AxisError."""
        value = float(value)
        if not math.isfinite(value):
            raise AxisError(f"{self.name}={value} is not a finite number")
        if self.periodic:
            span = self.upper - self.lower
            if value < self.lower or value > self.upper:
                value = self.lower + (value - self.lower) % span
            return value
        if value < self.lower or value > self.upper:
            raise AxisError(
                f"{self.name}={value:g} is outside its domain [{self.lower:g}, {self.upper:g}] {self.unit}; "
                f"choose a value inside it"
            )
        return value


def _axes(*axes: Axis) -> Mapping[str, Axis]:
    return MappingProxyType({a.name: a for a in axes})


#: Every semantic axis semviewer knows, in a fixed order (the order of a Pose's values).
AXES: Mapping[str, Axis] = _axes(
    Axis("azimuth", "°", 0.0, 360.0, 0.0, periodic=True,
         description="camera azimuth around the object's up (+y) axis"),
    Axis("elevation", "°", -90.0, 90.0, 0.0,
         description="camera elevation above the horizontal plane"),
    Axis("distance", "units", 0.5, 20.0, 1.0 / math.tan(math.radians(30.0)) + 1.0,
         description="camera distance from the object's centre (object spans [-1, 1])"),
    Axis("roll", "°", -180.0, 180.0, 0.0,
         description="in-plane camera rotation around the viewing direction"),
    Axis("light_azimuth", "°", 0.0, 360.0, 0.0, periodic=True,
         description="azimuth of the direction the directional light comes from"),
    Axis("light_elevation", "°", -90.0, 90.0, 90.0,
         description="elevation of the light direction (90 = from +y, the paper's light)"),
    Axis("fov", "°", 5.0, 120.0, 60.0,
         description="full vertical field of view (the paper's 30° viewing angle is the half-angle)"),
)

AXIS_NAMES: tuple[str, ...] = tuple(AXES)


def get_axis(name: str) -> Axis:
    """The axis called ``name``, or an AxisError listing the known axes."""
    try:
        return AXES[name]
    except KeyError:
        raise AxisError(f"unknown axis {name!r}; known axes: {', '.join(AXIS_NAMES)}") from None


@dataclass(frozen=True)
class Pose:
    """A value for every semantic axis; axes not given take their defaults."""

    values: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        full = {name: axis.default for name, axis in AXES.items()}
        for name, value in dict(self.values).items():
            full[name] = get_axis(name).check(value)
        object.__setattr__(self, "values", MappingProxyType(full))

    def __getitem__(self, name: str) -> float:
        return self.values[get_axis(name).name]

    def replace(self, **changes: float) -> "Pose":
        """A copy with some axes changed."""
        return Pose({**self.values, **changes})

    def as_dict(self) -> dict[str, float]:
        return dict(self.values)

    def as_array(self) -> np.ndarray:
        """All axis values in AXIS_NAMES order."""
        return np.array([self.values[n] for n in AXIS_NAMES], dtype=np.float64)

    def __str__(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in self.values.items())


def _parse_float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise AxisError(f"{what}: {text!r} is not a number") from None


def parse_assignments(text: str | Iterable[str]) -> dict[str, str]:
    """Split ``"a=1,b=2"`` (or a list of such strings) into a dict; each axis once."""
    parts: list[str] = []
    for chunk in ([text] if isinstance(text, str) else list(text)):
        parts.extend(p.strip() for p in chunk.split(",") if p.strip())
    result: dict[str, str] = {}
    for part in parts:
        if "=" not in part:
            raise AxisError(f"{part!r} is not of the form name=value (e.g. azimuth=30)")
        name, value = (s.strip() for s in part.split("=", 1))
        get_axis(name)
        if name in result:
            raise AxisError(f"axis {name!r} is given twice")
        result[name] = value
    return result


def parse_pose(text: str | Iterable[str] | None, base: Pose | None = None) -> Pose:
    """Parse ``"azimuth=30,elevation=20"`` into a Pose (other axes from ``base`` or defaults)."""
    values = dict((base or Pose()).values)
    if text:
        for name, value in parse_assignments(text).items():
            values[name] = _parse_float(value, name)
    return Pose(values)


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

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=np.float64).reshape(-1)
        pts.setflags(write=False)
        object.__setattr__(self, "points", pts)
        if self.upper is not None:
            upper = float(self.upper)
            if not np.isfinite(upper) or (pts.size and upper < pts[-1]):
                raise AxisError(f"{self.axis.name}: the range's upper end {upper:g} lies below its last grid point")
            object.__setattr__(self, "upper", upper)

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
        return (isinstance(other, GridAxis) and self.axis == other.axis
                and np.array_equal(self.points, other.points) and self.upper == other.upper)

    def __hash__(self) -> int:
        return hash((self.axis.name, self.points.tobytes(), self.upper))

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
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> "GridAxis":
        """An axis written by ``to_json`` (either form); AxisError for anything else."""
        if not isinstance(data, Mapping):
            raise AxisError(f"a grid axis must be a table, got {type(data).__name__}")
        axis = get_axis(data.get("name"))
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


def parse_domain_axis(spec: str) -> tuple[Axis, float, float]:
    """Parse ``"azimuth=0:360"`` (a closed interval for region search)."""
    if "=" not in spec:
        raise AxisError(f"{spec!r} is not of the form name=lower:upper (e.g. azimuth=0:360)")
    name, rng = (s.strip() for s in spec.split("=", 1))
    axis = get_axis(name)
    fields = rng.split(":")
    if len(fields) not in (2, 3):
        raise AxisError(f"{spec!r}: give lower:upper (e.g. {name}={axis.lower:g}:{axis.upper:g})")
    lo, hi = (_parse_float(f, spec) for f in fields[:2])
    _check_range(axis, lo, hi, spec)
    return axis, lo, hi


def check_unique(names: Iterable[str]) -> None:
    """Raise AxisError if an axis name appears twice."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise AxisError(f"axis {n!r} is given twice")
        seen.add(n)


def poses_from_points(points: np.ndarray, axis_names: Iterable[str], base: Pose) -> np.ndarray:
    """Full pose matrix ``(k, len(AXIS_NAMES))`` from points over some axes plus a base pose."""
    names = list(axis_names)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, len(names))
    full = np.tile(base.as_array(), (pts.shape[0], 1))
    for j, name in enumerate(names):
        full[:, AXIS_NAMES.index(name)] = pts[:, j]
    return full
