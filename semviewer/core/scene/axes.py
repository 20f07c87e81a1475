"""Semantic axes (named, bounded scene parameters), poses and grids over them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

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
    group: str = "camera"           # where the window shows it: camera, light, placement, scene, corruption
    categorical: bool = False       # values are names (an index into the scene's list of them), not numbers

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
        if self.categorical and (value != int(value) or not self.lower <= value <= self.upper):
            raise AxisError(f"{self.name} is one of the scene's {self.name}s, by position (0, 1, ...), not {value:g}")
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


#: A categorical axis (background, material) has at most this many values in one scene.
MAX_CATEGORIES = 1000


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
    Axis("ambient", "", 0.0, 2.0, 0.5, group="light",
         description="strength of the ambient light (the paper's 0.5)"),
    Axis("light_intensity", "", 0.0, 2.0, 0.5, group="light",
         description="strength of the directional light (the paper's 0.5)"),
    Axis("shift_x", "frame", -0.5, 0.5, 0.0, group="placement",
         description="the object moved right in the frame, as a fraction of the frame's width"),
    Axis("shift_y", "frame", -0.5, 0.5, 0.0, group="placement",
         description="the object moved up in the frame, as a fraction of the frame's height"),
    Axis("scale", "×", 0.1, 4.0, 1.0, group="placement",
         description="the object's size (1: the paper's, where the unit cube just fits)"),
    Axis("background", "", 0.0, MAX_CATEGORIES - 1.0, 0.0, group="scene", categorical=True,
         description="which of the scene's backgrounds is drawn behind the object"),
    Axis("background_rotation", "°", 0.0, 360.0, 0.0, periodic=True, group="scene",
         description="a panorama background turned about the vertical axis"),
    Axis("material", "", 0.0, MAX_CATEGORIES - 1.0, 0.0, group="scene", categorical=True,
         description="how the object is coloured: plain (the object colour), its own texture, or a material of "
                     "its file"),
    *(Axis(name, "severity", 0.0, 5.0, 0.0, group="corruption", description=text) for name, text in (
        ("noise", "Gaussian noise added to the render (0: none; 1-5 as ImageNet-C)"),
        ("blur", "Gaussian blur of the render (0: none; 1-5 as ImageNet-C)"),
        ("brightness", "the render made brighter (0: none; 1-5 as ImageNet-C)"),
        ("contrast", "the render's contrast lowered (0: none; 1-5 as ImageNet-C)"),
        ("jpeg", "JPEG compression of the render (0: none; 1-5 as ImageNet-C)"))),
)

AXIS_NAMES: tuple[str, ...] = tuple(AXES)
#: The first axes (camera and light direction) are always written out; the scene's only when set.
VIEW_AXES = 7


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
        """The camera and light axes, then every other axis that is not at its default."""
        return ",".join(f"{k}={v:g}" for i, (k, v) in enumerate(self.values.items())
                        if i < VIEW_AXES or v != AXES[k].default)


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


def check_continuous(names: Iterable[str], purpose: str = "regions grow") -> None:
    """AxisError naming the first categorical axis: regions and searches move along numbers only
    (``purpose`` says who: "regions grow", "a failure search moves")."""
    for name in names:
        if get_axis(name).categorical:
            raise AxisError(f"{name} is categorical (its values are names): {purpose} on continuous axes only; "
                            f"hold {name} at one value instead")


def check_unique(names: Iterable[str]) -> None:
    """Raise AxisError if an axis name appears twice."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise AxisError(f"axis {n!r} is given twice")
        seen.add(n)
