"""What a failure search finds: distinct failure poses and how common failures are (as data, JSON)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError

#: The confidence of the failure-rate interval.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class FailureBatch:
    """What the network says at a batch of points: the true class set's probability, whether the
    top-1 class is outside it (a failure), the top-1 class and its probability, and the best class
    outside the set's probability (for the margin objective)."""

    p_true: np.ndarray          # (k,)
    failed: np.ndarray          # (k,) bool
    label: np.ndarray           # (k,) int: the top-1 class
    label_p: np.ndarray         # (k,)
    best_wrong: np.ndarray      # (k,) the largest probability of a class outside the set


@dataclass(frozen=True)
class Failure:
    """One failure pose: where it is (axis values), what the network says there, and how many
    evaluations the search had spent when it found it."""

    point: Mapping[str, float]
    p_true: float
    label: int
    label_name: str
    label_p: float
    evaluations: int
    restart: int = -1           # the CMA-ES restart that found it (-1: the uniform sample, or random search)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "point": dict(self.point)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Failure":
        try:
            return cls({str(k): float(v) for k, v in dict(data["point"]).items()}, float(data["p_true"]),
                       int(data["label"]), str(data["label_name"]), float(data["label_p"]),
                       int(data["evaluations"]), int(data.get("restart", -1)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SemviewerError(f"a failure record is incomplete or of the wrong kind ({exc})") from None


def wilson_interval(failures: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a binomial share (sound at 0 and 1, unlike the normal one)."""
    if trials <= 0:
        return 0.0, 1.0
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    p = failures / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class FailureSearch:
    """A search's outcome: the axes and domain searched, the method and settings, the distinct
    failures (worst first), the failure rate of a uniform sample with its interval, the evaluations
    spent and whether it was cancelled."""

    axes: tuple[str, ...]
    domain: np.ndarray
    method: str
    objective: str
    failures: list[Failure] = field(default_factory=list)
    sample_size: int = 0
    sample_failures: int = 0
    evaluations: int = 0
    budget: int = 0
    merge_distance: float = 0.1
    seed: int = 0
    cancelled: bool = False
    best_p_true: float = float("nan")       # the lowest p(true class) seen anywhere
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float:
        return self.sample_failures / self.sample_size if self.sample_size else float("nan")

    @property
    def failure_rate_interval(self) -> tuple[float, float]:
        return wilson_interval(self.sample_failures, self.sample_size)

    def pose_values(self, failure: Failure) -> dict[str, float]:
        """Every axis value of a failure's render: the axes held fixed during the search (from the
        provenance), then the failure's own."""
        fixed = self.provenance.get("fixed", {}) if isinstance(self.provenance, Mapping) else {}
        values = {str(k): float(v) for k, v in dict(fixed).items() if isinstance(v, (int, float))}
        return {**values, **dict(failure.point)}

    def describe(self) -> str:
        """One line for the user: how many failures, how common, what it cost."""
        lo, hi = self.failure_rate_interval
        rate = (f"; failures on {self.failure_rate:.1%} of a uniform sample of {self.sample_size} "
                f"({CONFIDENCE:.0%} interval {lo:.1%} to {hi:.1%})") if self.sample_size else ""
        return (f"{len(self.failures)} distinct failure{'s' if len(self.failures) != 1 else ''} found by "
                f"{self.method} in {self.evaluations} evaluations{rate}" + (" (cancelled)" if self.cancelled else ""))

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.failure_rate_interval
        return {"format": "semviewer-failures", "version": 1, "axes": list(self.axes),
                "domain": np.asarray(self.domain, float).tolist(), "method": self.method, "objective": self.objective,
                "budget": self.budget, "evaluations": self.evaluations, "merge_distance": self.merge_distance,
                "seed": self.seed, "cancelled": self.cancelled, "best_p_true": self.best_p_true,
                "failure_rate": {"sample": self.sample_size, "failures": self.sample_failures,
                                 "rate": self.failure_rate if self.sample_size else None,
                                 "interval": [lo, hi], "confidence": CONFIDENCE},
                "failures": [f.to_json() for f in self.failures], "provenance": dict(self.provenance)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "FailureSearch":
        if not isinstance(data, Mapping) or data.get("format") != "semviewer-failures":
            raise SemviewerError("not a semviewer failures file")
        try:
            rate = data["failure_rate"]
            return cls(tuple(data["axes"]), np.asarray(data["domain"], float), str(data["method"]),
                       str(data["objective"]), [Failure.from_json(f) for f in data["failures"]],
                       int(rate["sample"]), int(rate["failures"]), int(data["evaluations"]), int(data["budget"]),
                       float(data["merge_distance"]), int(data["seed"]), bool(data["cancelled"]),
                       float(data.get("best_p_true", float("nan"))), dict(data.get("provenance", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise SemviewerError(f"the failures file is incomplete or of the wrong kind ({exc})") from None


def periodic_distance(a: np.ndarray, b: np.ndarray, periodic: Sequence[bool]) -> np.ndarray:
    """Euclidean distances between points on normalised axes ([0, 1] each), the short way round on a
    periodic axis; ``a`` (k, n) against ``b`` (n,)."""
    d = np.abs(np.asarray(a, float) - np.asarray(b, float))
    wrap = np.asarray(periodic, bool)
    d[..., wrap] = np.minimum(d[..., wrap], 1.0 - d[..., wrap])
    return np.sqrt((d ** 2).sum(axis=-1))


def distinct(candidates: Sequence[tuple[float, np.ndarray, Any]], periodic: Sequence[bool], distance: float,
             limit: Optional[int] = None) -> list[Any]:
    """The candidates (objective, normalised point, payload) that are not within ``distance`` of a
    better one: worst (lowest objective) first, at most ``limit``."""
    kept: list[tuple[np.ndarray, Any]] = []
    for _, point, payload in sorted(candidates, key=lambda c: c[0]):
        if all(periodic_distance(point, other, periodic) >= distance for other, _ in kept):
            kept.append((point, payload))
            if limit is not None and len(kept) >= limit:
                break
    return [payload for _, payload in kept]
