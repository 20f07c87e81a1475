"""A grown region and what it holds inside, as data: bounds, cost, why it stopped, the inside
check, and their one JSON form (regions files, sessions, study units)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

from semviewer.core.regions.config import METHODS, RegionError

#: A region whose true class ranks first on less than this share of its volume is flagged.
TRUSTED_TOP1 = 0.5
#: How far outside [0, 1] a probability or share may round (sums of float64 weights) and still be read.
UNIT_TOLERANCE = 1e-9
INSIDE_SOURCES = ("map", "lattice", "")


def clamp_unit(value: float) -> float:
    """A probability or share that rounding put just outside [0, 1], put back inside it."""
    return min(1.0, max(0.0, float(value)))


@dataclass(frozen=True)
class InsideCheck:
    """What a region holds inside (docs/algorithms.md §7): f's mean and minimum over the points
    inside it, and the share of its volume where the true class is top-1. Values that rounding
    put within 1e-9 of [0, 1] are clamped into it; anything further out is refused."""

    mean_p: float
    min_p: float
    top1_fraction: float
    points: int
    source: str = ""          # "map" (its grid cells inside the region) or "lattice" (k points per axis, live)

    def __post_init__(self) -> None:
        for name in ("mean_p", "min_p", "top1_fraction"):
            value = _number(getattr(self, name), f"inside.{name}")
            if not -UNIT_TOLERANCE <= value <= 1.0 + UNIT_TOLERANCE:
                raise RegionError("a region's inside check must hold probabilities and shares in [0, 1]")
            object.__setattr__(self, name, clamp_unit(value))
        object.__setattr__(self, "points", _count(self.points, "inside.points"))
        if self.source not in INSIDE_SOURCES:
            raise RegionError(f"a region's inside.source must be map or lattice, got {str(self.source)[:40]!r}")

    @property
    def trusted(self) -> bool:
        """Whether the true class ranks first on at least half of the region."""
        return self.top1_fraction >= TRUSTED_TOP1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> "InsideCheck":
        keys = ("mean_p", "min_p", "top1_fraction", "points")
        if not isinstance(data, Mapping) or any(k not in data for k in keys):
            raise RegionError("a region's inside check must hold mean_p, min_p, top1_fraction and points")
        source = data.get("source", "")
        if not isinstance(source, str):
            raise RegionError("a region's inside.source must be text")
        return cls(*(data[k] for k in keys), source)


@dataclass(frozen=True)
class Region:
    """A grown region: bounds, start, per-step history, cost and why it stopped."""

    method: str
    start: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    domain: np.ndarray
    history: np.ndarray          # (steps, 2, n): [lower, upper] after every step
    evaluations: int
    steps: int
    stop_reason: str             # "steps", "converged", "cancelled" or "invalid score"
    message: str = ""
    inside: Optional[InsideCheck] = None
    wrap: tuple[bool, ...] = ()  # per axis: the bounds may leave Ω there (a periodic axis, one full turn)

    @property
    def volume_ratio(self) -> float:
        """Vol(D) / Vol(Ω) with D clipped to Ω, or as an arc on axes that wrap (the SRVR term of one region)."""
        return volume_ratio(self.lower, self.upper, self.domain, self.wrap)

    @property
    def verified_ratio(self) -> float:
        """Vol(D)/Vol(Ω) × the top-1 share inside (NaN when the region was not checked)."""
        return float("nan") if self.inside is None else self.volume_ratio * self.inside.top1_fraction

    def pieces(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The region as boxes inside Ω: itself, or the two parts either side of the seam when it
        crosses 0°/360° (what a figure or the window draws)."""
        boxes = [(self.lower.copy(), self.upper.copy())]
        for k, wraps in enumerate(self.wrap):
            lo, hi = self.domain[k]
            period, split = hi - lo, []
            for lower, upper in boxes:
                if not wraps or (lower[k] >= lo and upper[k] <= hi):
                    split.append((lower, upper))
                    continue
                shift = period if lower[k] < lo else -period
                inner, outer = (lower.copy(), upper.copy()), (lower.copy(), upper.copy())
                if shift > 0:      # the part below lo shows at the top end
                    inner[0][k], outer[0][k], outer[1][k] = lo, lower[k] + period, hi
                else:              # the part above hi shows at the bottom end
                    inner[1][k], outer[0][k], outer[1][k] = hi, lo, upper[k] - period
                split += [inner, outer]
            boxes = split
        return boxes

    def to_json(self) -> dict:
        return {"method": self.method, "start": self.start.tolist(), "lower": self.lower.tolist(),
                "upper": self.upper.tolist(), "domain": self.domain.tolist(),
                "volume_ratio": self.volume_ratio, "evaluations": self.evaluations, "steps": self.steps,
                "stop_reason": self.stop_reason, "message": self.message,
                **({"inside": self.inside.to_json()} if self.inside is not None else {}),
                **({"wrap": list(self.wrap)} if any(self.wrap) else {})}

    @classmethod
    def from_json(cls, data: Any) -> "Region":
        """A region from its JSON (regions files, sessions, studies); RegionError names what is wrong."""
        if not isinstance(data, dict):
            raise RegionError(f"a region must be a JSON object, got {type(data).__name__}")
        try:
            method = data["method"]
            if method not in METHODS:
                raise RegionError(f"unknown region method {method!r}; expected one of {', '.join(METHODS)}")
            start = _vector(data["start"], "start")
            n = len(start)
            lower, upper = _vector(data["lower"], "lower", n), _vector(data["upper"], "upper", n)
            domain = _vector(data["domain"], "domain", 2 * n).reshape(n, 2)
            evaluations, steps = _count(data["evaluations"], "evaluations"), _count(data["steps"], "steps")
            reason, message = data["stop_reason"], data.get("message", "")
        except KeyError as exc:
            raise RegionError(f"a region lacks its {exc.args[0]!r}") from None
        if not isinstance(reason, str) or not isinstance(message, str):
            raise RegionError("a region's stop_reason and message must be text")
        if (lower > upper).any() or (domain[:, 0] >= domain[:, 1]).any():
            raise RegionError("a region needs lower ≤ upper and a domain with lower < upper on every axis")
        inside, wrap = data.get("inside"), data.get("wrap", [])
        if not isinstance(wrap, list) or not all(isinstance(w, bool) for w in wrap) or len(wrap) not in (0, n):
            raise RegionError(f"a region's wrap must be one true or false per axis, got {str(wrap)[:40]!r}")
        _check_bounds(lower, upper, domain, wrap)
        return cls(method, start, lower, upper, domain, np.zeros((0, 2, n)), evaluations, steps, reason, message,
                   None if inside is None else InsideCheck.from_json(inside), tuple(wrap))


def _number(value: Any, name: str) -> float:
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise RegionError(f"a region's {name} must be a finite number, got {str(value)[:40]!r}")
    return float(value)


def _vector(value: Any, name: str, size: Optional[int] = None) -> np.ndarray:
    """Finite numbers (a list, or a list of lists for the domain) as a flat float array."""
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise RegionError(f"a region's {name} must be numbers, got {str(value)[:40]!r}") from None
    if isinstance(value, (str, bytes, bool)) or not array.size or not np.isfinite(array).all() \
            or (size is not None and array.size != size):
        raise RegionError(f"a region's {name} must be {size or 'one or more'} finite numbers, got {str(value)[:40]!r}")
    return array


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0 or value != int(value):
        raise RegionError(f"a region's {name} must be a whole number ≥ 0, got {str(value)[:40]!r}")
    return int(value)


@dataclass(frozen=True)
class RegionsSnapshot:
    """The state of regions being grown, as sent to a progress sink's ``partial``."""

    method: str
    starts: np.ndarray           # (S, n)
    lower: np.ndarray            # (S, n)
    upper: np.ndarray            # (S, n)
    steps: np.ndarray            # (S,) steps done
    active: np.ndarray           # (S,) still running
    reasons: tuple = field(default_factory=tuple)


def _check_bounds(lower: np.ndarray, upper: np.ndarray, domain: np.ndarray, wrap: list) -> None:
    """A region that crosses the seam is at most one turn wide; elsewhere it cannot leave Ω far."""
    span = domain[:, 1] - domain[:, 0]
    wraps = np.asarray(wrap or [False] * len(span), bool)
    if ((upper - lower) > span * (1 + 1e-9))[wraps].any():
        raise RegionError("a region that wraps around must be at most one full turn wide")


def volume_ratio(lower: np.ndarray, upper: np.ndarray, domain: np.ndarray, wrap=()) -> float:
    """∏ r / ∏ (Ω range), after clipping the box to the domain Ω; on the axes that ``wrap`` the
    box is an arc, counted whole up to one full turn."""
    domain = np.asarray(domain, float)
    span = domain[:, 1] - domain[:, 0]
    lo = np.clip(lower, domain[:, 0], domain[:, 1])
    hi = np.clip(upper, domain[:, 0], domain[:, 1])
    widths = np.maximum(hi - lo, 0.0)
    if any(wrap):
        arcs = np.minimum(np.asarray(upper, float) - np.asarray(lower, float), span)
        widths = np.where(np.asarray(wrap, bool), arcs, widths)
    return float(np.prod(widths) / np.prod(span))
