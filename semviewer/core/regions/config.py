"""The solvers' vocabulary: the three methods, their hyper-parameters and the paper's defaults
(docs/algorithms.md §4.4), including its start points."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError

METHODS = ("naive", "oir_b", "oir_w")
METHOD_LABELS = {"naive": "Naive", "oir_b": "OIR_B", "oir_w": "OIR_W"}
#: What stands for all three methods (in sessions and the window's method choice).
ALL_METHODS = "all three"
#: The paper's default 2-D start points (azimuth, elevation) and 1-D azimuths (at elevation 35°).
PAPER_STARTS_2D = ((130.0, 30.0), (50.0, 20.0), (200.0, 15.0), (310.0, 50.0))
PAPER_STARTS_1D = (120.0, 140.0, 290.0, 310.0)


class RegionError(SemviewerError, ValueError):
    """Bad solver input: start, domain, hyper-parameters or score output."""


def paper_starts(axes: Sequence[str]) -> Optional[tuple[tuple[float, ...], ...]]:
    """The paper's start points on ``axes``: four (azimuth, elevation) points in 2-D, four azimuths
    in 1-D (at elevation 35°: ``semviewer.core.maps.grids.PAPER_1D_FIXED``); None on any other axes."""
    axes = list(axes)
    if axes == ["azimuth", "elevation"]:
        return PAPER_STARTS_2D
    if axes == ["azimuth"]:
        return tuple((a,) for a in PAPER_STARTS_1D)
    return None


@dataclass(frozen=True)
class RegionConfig:
    """Solver hyper-parameters; names and defaults are the paper's (docs/algorithms.md §4.4).

    ``tol = 0`` runs exactly ``steps`` steps; ``tol > 0`` stops a region once its bounds move
    less than ``tol`` (axis units) for ``patience`` consecutive steps. ``fd_step`` is the
    central finite-difference step of OIR_W as a fraction of each domain range (used when
    the score has no ``gradient``). ``min_width`` is the smallest region width (default 2·eps).
    ``max_step`` caps how far a bound moves in one step, as a fraction of its domain range
    (an opt-in trust region that keeps the Δ-scaled n-D steps from jumping over a narrow
    edge); the default 0 is the paper's plain gradient descent. ``wrap`` lets a bound leave the
    domain on a periodic axis whose domain is a full turn (a region may cross 0°/360°, at most one
    turn wide); the default is the paper's clipped domain.
    """

    method: str = "oir_b"
    steps: int = 800
    lr: float = 0.1
    alpha: float = 0.05
    beta: float = 0.0009
    lam: float = 0.1
    eps: float = 1e-5
    tol: float = 0.0
    patience: int = 10
    fd_step: float = 0.005
    min_width: Optional[float] = None
    max_step: float = 0.0
    wrap: bool = False

    def check(self, n: int) -> None:
        """Raise RegionError for hyper-parameters out of range in ``n`` dimensions."""
        if self.method not in METHODS:
            raise RegionError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if not (isinstance(self.steps, (int, np.integer)) and self.steps >= 1):
            raise RegionError(f"steps must be a positive integer, got {self.steps!r}")
        if not self.lr > 0:
            raise RegionError(f"the learning rate lr must be positive, got {self.lr}")
        if not self.eps > 0:
            raise RegionError(f"eps (the starting half-width) must be positive, got {self.eps}")
        if self.tol < 0 or self.patience < 1:
            raise RegionError("tol must be ≥ 0 and patience ≥ 1")
        if self.method == "oir_b" and not self.alpha > 0:
            raise RegionError(f"alpha must be positive for OIR_B, got {self.alpha}")
        if self.method == "naive" and self.lam < 0:
            raise RegionError(f"lam must be ≥ 0, got {self.lam}")
        if self.method == "oir_w":
            limit = 2.0 / (2 * n - 1)
            if not 0 <= self.beta < limit:
                raise RegionError(f"beta must be in [0, {limit:.4g}) for OIR_W in {n}-D (2/(2n-1)), got {self.beta}")
            if not 0 < self.fd_step < 0.5:
                raise RegionError(f"fd_step must be in (0, 0.5), got {self.fd_step}")
        if not 0 <= self.max_step <= 1:
            raise RegionError(f"max_step must be in [0, 1] (a fraction of the domain range), got {self.max_step}")
        if not isinstance(self.wrap, bool):
            raise RegionError(f"wrap must be true or false, got {self.wrap!r}")
        if self.min_width is not None and not self.min_width > 0:
            raise RegionError(f"min_width must be positive, got {self.min_width}")

    def to_json(self) -> dict:
        return asdict(self)
