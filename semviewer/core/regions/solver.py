"""Robust regions: the Naive, OIR_B and OIR_W bound-optimisation solvers in n dimensions.

Follows docs/algorithms.md §3-6 (Hamdi & Ghanem, arXiv 1904.04621, with its corrections):
trapezoid integrals on box corners, Leibniz-rule gradients, plain gradient descent on the
bounds, projection after every step, optional early stopping, all corners batched.
"""

from __future__ import annotations

import time

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.progress import Cancelled, NullSink, ProgressSink, ThrottledSink
from semviewer.core.regions.config import RegionConfig, RegionError
from semviewer.core.regions.gradients import corner_matrix, naive_gradients, oir_b_gradients, oir_w_gradients
from semviewer.core.regions.region import Region, RegionsSnapshot

Score = Callable[[np.ndarray], np.ndarray]


def _check_inputs(starts: np.ndarray, domain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    domain = np.asarray(domain, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.float64)
    if domain.ndim != 2 or domain.shape[1] != 2 or domain.shape[0] < 1:
        raise RegionError(f"domain must have shape (n, 2) of lower/upper limits, got {domain.shape}")
    n = domain.shape[0]
    if not np.isfinite(domain).all() or np.any(domain[:, 0] >= domain[:, 1]):
        raise RegionError("every domain row needs lower < upper (finite numbers)")
    if starts.ndim == 1:
        starts = starts[None]
    if starts.ndim != 2 or starts.shape[1] != n:
        raise RegionError(f"start points have {starts.shape[-1]} coordinates but the domain has {n} dimensions")
    outside = (starts < domain[:, 0]) | (starts > domain[:, 1]) | ~np.isfinite(starts)
    if outside.any():
        s = starts[np.argmax(outside.any(axis=1))]
        raise RegionError(f"start point {s.tolist()} lies outside the domain {domain.tolist()}")
    return starts, domain


def _evaluate(score: Score, points: np.ndarray) -> np.ndarray:
    values = np.asarray(score(points), dtype=np.float64)
    if values.shape != (len(points),):
        raise RegionError(f"the score returned shape {values.shape} for {len(points)} points; "
                          f"it must return one value per point, shape ({len(points)},)")
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
        raise RegionError(f"the score returned values outside [0, 1] (from {finite.min():.4g} to "
                          f"{finite.max():.4g}); it must be a probability")
    return np.clip(values, 0.0, 1.0, where=np.isfinite(values), out=values)


def _project(a: np.ndarray, b: np.ndarray, starts: np.ndarray, domain: np.ndarray,
             min_width: float, wrap: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """docs/algorithms.md §6.2: inside Ω, around the start, at least ``min_width`` wide. On the
    axes that ``wrap`` the box may leave Ω (it crosses the seam) but stays at most one turn wide."""
    span = domain[:, 1] - domain[:, 0]
    wrap = np.zeros(len(span), bool) if wrap is None else wrap
    lo, hi = np.where(wrap, -np.inf, domain[:, 0]), np.where(wrap, np.inf, domain[:, 1])
    excess = np.where(wrap, np.maximum(b - a - span, 0.0), 0.0)          # wider than a turn: cut both ends
    a, b = a + excess / 2, b - excess / 2
    a = np.clip(np.minimum(a, starts), lo, None)
    b = np.clip(np.maximum(b, starts), None, hi)
    b = np.where(wrap, np.minimum(b, a + span), b)
    narrow = (b - a) < min_width
    if narrow.any():
        half = min_width / 2
        na = np.clip(starts - half, lo, None)
        nb = np.clip(starts + half, None, hi)
        na = np.where(nb - na < min_width, np.maximum(nb - min_width, lo), na)
        nb = np.where(nb - na < min_width, np.minimum(na + min_width, hi), nb)
        a, b = np.where(narrow, np.minimum(a, na), a), np.where(narrow, np.maximum(b, nb), b)
    return a, b


def evaluations_per_step(method: str, n: int, has_gradient: bool = False) -> int:
    """Score evaluations one region costs per step."""
    corners = 2 ** n
    if method == "naive":
        return corners
    if method == "oir_b":
        return 2 * corners
    return corners if has_gradient else corners * (1 + 2 * n)


def _outside_rule(domain: np.ndarray, periodic: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Where the solver asks for f outside the domain (OIR_B's outer box, OIR_W's finite
    differences): periodic axes are left as they are (the score wraps them: 361° is 1°);
    other axes are clipped to the domain, i.e. f is extended by its value at the boundary."""
    lo = np.where(periodic, -np.inf, domain[:, 0])
    hi = np.where(periodic, np.inf, domain[:, 1])
    return lambda points: np.clip(points, lo, hi)


def _periodic_mask(score: Score, periodic: Optional[Sequence[bool]], n: int) -> np.ndarray:
    if periodic is None:
        periodic = getattr(score, "periodic", None)
    mask = np.zeros(n, bool) if periodic is None else np.asarray(periodic, dtype=bool).reshape(-1)
    if mask.shape != (n,):
        raise RegionError(f"periodic needs one flag per axis ({n}), got {len(mask)}")
    return mask


class _Step:
    """One gradient step of one method for the active regions: the points to evaluate, and the
    new bounds from their values."""

    def __init__(self, score: Score, config: RegionConfig, domain: np.ndarray, periodic: np.ndarray,
                 wrap: np.ndarray) -> None:
        self.score, self.config, self.domain = score, config, domain
        self.n = domain.shape[0]
        self.m = corner_matrix(self.n)
        self.outside = _outside_rule(domain, periodic)
        self.span = domain[:, 1] - domain[:, 0]
        self.fd_h = config.fd_step * self.span
        self.gradient_fn = getattr(score, "gradient", None) if config.method == "oir_w" else None
        self.min_width = config.min_width if config.min_width is not None else 2 * config.eps
        self.wrap = wrap

    def points(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The corners (S, 2^n, n) of the boxes, and every point of this step for all of them at once."""
        config, n, r = self.config, self.n, b - a
        corners = a[:, None, :] + self.m.T[None] * r[:, None, :]
        blocks = [corners]
        if config.method == "oir_b":           # the outer box Q's corners
            outer = (a - config.alpha * r / 2)[:, None, :] + (1 + config.alpha) * self.m.T[None] * r[:, None, :]
            blocks.append(self.outside(outer))
        elif config.method == "oir_w" and self.gradient_fn is None:   # central finite differences
            shifts = np.concatenate([np.diag(self.fd_h), -np.diag(self.fd_h)])
            blocks.append(self.outside(corners[:, :, None, :] + shifts[None, None]).reshape(len(a), -1, n))
        return corners, np.concatenate(blocks, axis=1).reshape(-1, n)

    def gradients(self, values: np.ndarray, corners: np.ndarray, r: np.ndarray):
        """∇_a L, ∇_b L (S, n) from the values (S, points per region), and which regions saw NaN."""
        config, n, k = self.config, self.n, 2 ** self.n
        f_d = values[:, :k]
        bad = ~np.isfinite(values).all(axis=1)
        if config.method == "naive":
            return (*naive_gradients(f_d, r, config.lam), bad)
        if config.method == "oir_b":
            return (*oir_b_gradients(f_d, values[:, k:], r, config.alpha), bad)
        if self.gradient_fn is not None:
            g = np.asarray(self.gradient_fn(corners.reshape(-1, n)), dtype=np.float64)
            if g.shape != (len(r) * k, n):
                raise RegionError(f"score.gradient returned shape {g.shape}, expected {(len(r) * k, n)}")
            g_d = g.reshape(len(r), k, n)
            bad |= ~np.isfinite(g_d).all(axis=(1, 2))
        else:
            fd = values[:, k:].reshape(len(r), k, 2, n)              # [., j, 0, i] = f(d_j + h_i e_i)
            width = self.outside(corners + self.fd_h) - self.outside(corners - self.fd_h)   # after clipping at Ω
            diff = fd[:, :, 0] - fd[:, :, 1]
            g_d = np.divide(diff, width, out=np.zeros_like(diff), where=width > 0)
        return (*oir_w_gradients(f_d, np.nan_to_num(g_d), r, config.beta), bad)

    def move(self, a: np.ndarray, b: np.ndarray, grad_a: np.ndarray, grad_b: np.ndarray,
             starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plain gradient descent (with the opt-in step cap), then the projection."""
        step_a, step_b = self.config.lr * grad_a, self.config.lr * grad_b
        if self.config.max_step > 0:
            cap = self.config.max_step * self.span
            step_a, step_b = np.clip(step_a, -cap, cap), np.clip(step_b, -cap, cap)
        return _project(a - step_a, b - step_b, starts, self.domain, self.min_width, self.wrap)


@dataclass
class _Growth:
    """The regions being grown, side by side: bounds, history, counts and why each stopped."""

    method: str
    starts: np.ndarray
    a: np.ndarray
    b: np.ndarray
    history: list                # per region: [lower, upper] after every step
    evaluations: np.ndarray
    steps: np.ndarray
    quiet: np.ndarray            # consecutive steps that moved less than tol
    active: np.ndarray
    reasons: list
    messages: list

    @classmethod
    def seeded(cls, method: str, starts: np.ndarray, step: _Step, eps: float) -> "_Growth":
        count = len(starts)
        a, b = _project(starts - eps, starts + eps, starts, step.domain, step.min_width, step.wrap)
        zeros = lambda: np.zeros(count, dtype=np.int64)  # noqa: E731
        return cls(method, starts, a, b, [[] for _ in range(count)], zeros(), zeros(), zeros(),
                   np.ones(count, bool), [""] * count, [""] * count)

    def cancel(self) -> None:
        for i in np.flatnonzero(self.active):
            self.reasons[i], self.messages[i] = "cancelled", f"stopped at step {self.steps[i]}"
        self.active[:] = False

    def apply(self, idx: np.ndarray, new_a: np.ndarray, new_b: np.ndarray, bad: np.ndarray,
              config: RegionConfig) -> None:
        """Take the step for the regions ``idx``; a region that saw NaN keeps its last good bounds."""
        for j, i in enumerate(idx):
            if bad[j]:
                self.reasons[i] = "invalid score"
                self.messages[i] = f"the score returned NaN at step {self.steps[i] + 1}; the last good bounds are kept"
                self.active[i] = False
                continue
            moved = max(np.abs(new_a[j] - self.a[i]).max(), np.abs(new_b[j] - self.b[i]).max())
            self.a[i], self.b[i] = new_a[j], new_b[j]
            self.steps[i] += 1
            self.history[i].append(np.stack([self.a[i].copy(), self.b[i].copy()]))
            if config.tol > 0:
                self.quiet[i] = self.quiet[i] + 1 if moved < config.tol else 0
                if self.quiet[i] >= config.patience:
                    self.reasons[i], self.active[i] = "converged", False

    def snapshot(self) -> RegionsSnapshot:
        return RegionsSnapshot(self.method, self.starts.copy(), self.a.copy(), self.b.copy(), self.steps.copy(),
                               self.active.copy(), tuple(self.reasons))

    def regions(self, domain: np.ndarray, wrap: np.ndarray) -> list[Region]:
        n = domain.shape[0]
        flags = tuple(bool(w) for w in wrap) if wrap.any() else ()
        return [Region(self.method, self.starts[i].copy(), self.a[i].copy(), self.b[i].copy(), domain.copy(),
                       np.array(self.history[i]).reshape(-1, 2, n), int(self.evaluations[i]), int(self.steps[i]),
                       self.reasons[i], self.messages[i], wrap=flags)
                for i in range(len(self.starts))]


def _grow(score: Score, step: _Step, growth: _Growth, sink: ProgressSink) -> None:
    """Run the steps: every active region's points go through one batched score call a step."""
    config, throttle = step.config, ThrottledSink(sink)
    for number in range(config.steps):
        idx = np.flatnonzero(growth.active)
        if sink.cancelled() or not idx.size:
            growth.cancel()
            break
        a, b = growth.a[idx], growth.b[idx]
        corners, points = step.points(a, b)
        try:
            values = _evaluate(score, points)
        except Cancelled:                # the score stopped mid-call: this step is not taken
            growth.cancel()
            break
        per_region = len(points) // len(idx)
        growth.evaluations[idx] += per_region
        grad_a, grad_b, bad = step.gradients(values.reshape(len(idx), per_region), corners, b - a)
        new_a, new_b = step.move(a, b, grad_a, grad_b, growth.starts[idx])
        growth.apply(idx, new_a, new_b, bad, config)
        throttle.report((number + 1) / config.steps, f"step {number + 1}/{config.steps}", growth.snapshot)
        time.sleep(0)                    # a step on a computed map is pure Python: let other threads (a window) run
    for i in np.flatnonzero(growth.active):
        growth.reasons[i] = "steps"
    growth.active[:] = False
    throttle.flush()


def find_regions(score: Score, starts: np.ndarray, domain: np.ndarray, config: RegionConfig = RegionConfig(),
                 sink: Optional[ProgressSink] = None, periodic: Optional[Sequence[bool]] = None,
                 wrap: Optional[Sequence[bool]] = None) -> list[Region]:
    """Grow one region per start point, all in lock-step (one batched score call per step).

    ``score`` maps points (k, n) to values (k,) in [0, 1]; ``starts`` is (S, n) or (n,);
    ``domain`` is (n, 2). OIR_W uses ``score.gradient(points) -> (k, n)`` when present,
    central finite differences otherwise. ``periodic`` (default: ``score.periodic`` when the
    score has it, else none) names the axes the score wraps around; see ``_outside_rule``. With
    ``config.wrap`` the regions may cross the seam on the axes of ``wrap`` (default: the periodic
    ones; give only axes whose domain is a full turn).
    """
    starts, domain = _check_inputs(starts, domain)
    n = starts.shape[1]
    config.check(n)
    mask = _periodic_mask(score, periodic, n)
    crossing = np.zeros(n, bool) if not config.wrap else \
        mask if wrap is None else np.asarray(wrap, bool).reshape(-1) & mask
    step = _Step(score, config, domain, mask, crossing)
    growth = _Growth.seeded(config.method, starts, step, config.eps)
    sink = sink or NullSink()
    _grow(score, step, growth, sink)
    sink.partial(growth.snapshot())
    sink.progress(1.0, "done")
    return growth.regions(domain, crossing)


def find_region(score: Score, start: Sequence[float] | np.ndarray, domain: np.ndarray,
                config: RegionConfig = RegionConfig(), sink: Optional[ProgressSink] = None,
                periodic: Optional[Sequence[bool]] = None, wrap: Optional[Sequence[bool]] = None) -> Region:
    """Grow one region around ``start`` (shape (n,)) inside ``domain`` (shape (n, 2))."""
    start = np.asarray(start, dtype=np.float64)
    if start.ndim != 1:
        raise RegionError(f"start must have shape (n,), got {start.shape}")
    return find_regions(score, start[None], domain, config, sink, periodic, wrap)[0]
