"""Robust regions: the Naive, OIR_B and OIR_W bound-optimisation solvers in n dimensions.

Follows ALGORITHMS.md §3-6 (Hamdi & Ghanem, arXiv 1904.04621, with its corrections):
trapezoid integrals on box corners, Leibniz-rule gradients, plain gradient descent on the
bounds, projection after every step, optional early stopping, all corners batched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.progress import Cancelled, NullSink, ProgressSink, ThrottledSink

METHODS = ("naive", "oir_b", "oir_w")
METHOD_LABELS = {"naive": "Naive", "oir_b": "OIR_B", "oir_w": "OIR_W"}
#: The paper's default 2-D start points (azimuth, elevation) and 1-D azimuths (at elevation 35°).
PAPER_STARTS_2D = ((130.0, 30.0), (50.0, 20.0), (200.0, 15.0), (310.0, 50.0))
PAPER_STARTS_1D = (120.0, 140.0, 290.0, 310.0)
#: The paper's 1-D setting holds elevation at 35° (ALGORITHMS.md §2).
PAPER_1D_FIXED = {"elevation": 35.0}

Score = Callable[[np.ndarray], np.ndarray]


class RegionError(SemviewerError, ValueError):
    """Bad solver input: start, domain, hyper-parameters or score output."""


@dataclass(frozen=True)
class RegionConfig:
    """Solver hyper-parameters; names and defaults are the paper's (ALGORITHMS.md §4.4).

    ``tol = 0`` runs exactly ``steps`` steps; ``tol > 0`` stops a region once its bounds move
    less than ``tol`` (axis units) for ``patience`` consecutive steps. ``fd_step`` is the
    central finite-difference step of OIR_W as a fraction of each domain range (used when
    the score has no ``gradient``). ``min_width`` is the smallest region width (default 2·eps).
    ``max_step`` caps how far a bound moves in one step, as a fraction of its domain range
    (an opt-in trust region that keeps the Δ-scaled n-D steps from jumping over a narrow
    edge); the default 0 is the paper's plain gradient descent.
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
        if self.min_width is not None and not self.min_width > 0:
            raise RegionError(f"min_width must be positive, got {self.min_width}")

    def to_json(self) -> dict:
        return asdict(self)


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
    inside: Optional[dict] = None  # the inside check (semviewer.core.inside.InsideCheck.to_json()), if done

    @property
    def volume_ratio(self) -> float:
        """Vol(D) / Vol(Ω) with D clipped to Ω (the SRVR term of one region)."""
        return volume_ratio(self.lower, self.upper, self.domain)

    def to_json(self) -> dict:
        return {"method": self.method, "start": self.start.tolist(), "lower": self.lower.tolist(),
                "upper": self.upper.tolist(), "domain": self.domain.tolist(),
                "volume_ratio": self.volume_ratio, "evaluations": self.evaluations, "steps": self.steps,
                "stop_reason": self.stop_reason, "message": self.message,
                **({"inside": dict(self.inside)} if self.inside is not None else {})}

    @classmethod
    def from_json(cls, data: dict) -> "Region":
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
        inside = data.get("inside")
        if inside is not None:
            inside = _inside(inside)
        return cls(method, start, lower, upper, domain, np.zeros((0, 2, n)), evaluations, steps, reason, message,
                   inside)


def _vector(value, name: str, size: Optional[int] = None) -> np.ndarray:
    """Finite numbers (a list, or a list of lists for the domain) as a flat float array."""
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise RegionError(f"a region's {name} must be numbers, got {str(value)[:40]!r}") from None
    if isinstance(value, (str, bytes, bool)) or not array.size or not np.isfinite(array).all() \
            or (size is not None and array.size != size):
        raise RegionError(f"a region's {name} must be {size or 'one or more'} finite numbers, got {str(value)[:40]!r}")
    return array


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0 \
            or value != int(value):
        raise RegionError(f"a region's {name} must be a whole number ≥ 0, got {str(value)[:40]!r}")
    return int(value)


def _inside(value) -> dict:
    keys = ("mean_p", "min_p", "top1_fraction", "points")
    if not isinstance(value, dict) or any(k not in value for k in keys):
        raise RegionError("a region's inside check must hold mean_p, min_p, top1_fraction and points")
    out = {k: float(_vector([value[k]], f"inside.{k}")[0]) for k in keys[:3]}
    if not all(-UNIT_TOLERANCE <= out[k] <= 1.0 + UNIT_TOLERANCE for k in keys[:3]):
        raise RegionError("a region's inside check must hold probabilities and shares in [0, 1]")
    out.update({k: clamp_unit(out[k]) for k in keys[:3]})   # a normalised sum may round to 1 + 2e-16
    out["points"] = _count(value["points"], "inside.points")
    out["source"] = str(value.get("source", ""))
    return out


#: How far outside [0, 1] a probability or share may round (sums of float64 weights) and still be read.
UNIT_TOLERANCE = 1e-9


def clamp_unit(value: float) -> float:
    """A probability or share that rounding put just outside [0, 1], put back inside it."""
    return min(1.0, max(0.0, float(value)))


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


def volume_ratio(lower: np.ndarray, upper: np.ndarray, domain: np.ndarray) -> float:
    """∏ r / ∏ (Ω range), after clipping the box to the domain Ω."""
    domain = np.asarray(domain, float)
    lo = np.clip(lower, domain[:, 0], domain[:, 1])
    hi = np.clip(upper, domain[:, 0], domain[:, 1])
    return float(np.prod(np.maximum(hi - lo, 0.0)) / np.prod(domain[:, 1] - domain[:, 0]))


def corner_matrix(n: int) -> np.ndarray:
    """M (n × 2^n): column j is j in binary with n digits, dimension 1 the most significant."""
    j = np.arange(2 ** n)
    return np.array([(j >> (n - 1 - i)) & 1 for i in range(n)], dtype=np.float64)


# -- gradients (ALGORITHMS.md §4) -----------------------------------------------------------
def naive_gradients(f_d: np.ndarray, r: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of the naive loss; f_d (S, 2^n) corner values, r (S, n) widths."""
    n = r.shape[1]
    m = corner_matrix(n)
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    grad_a = 2 * delta / r * (f_d @ (1 - m).T) - lam * r
    grad_b = -2 * delta / r * (f_d @ m.T) + lam * r
    return grad_a, grad_b


def oir_b_gradients(f_d: np.ndarray, f_q: np.ndarray, r: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of OIR_B; f_q (S, 2^n) are the values at the outer box Q's corners."""
    n = r.shape[1]
    m = corner_matrix(n)
    mbar = 1 - m
    scale = (1 + alpha) ** (n - 1)
    mbar_q = scale * ((1 + alpha / 2) * mbar + (alpha / 2) * m)
    m_q = scale * ((1 + alpha / 2) * m + (alpha / 2) * mbar)
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    grad_a = 2 * delta / r * (2 * f_d @ mbar.T - f_q @ mbar_q.T)
    grad_b = 2 * delta / r * (-2 * f_d @ m.T + f_q @ m_q.T)
    return grad_a, grad_b


def oir_w_gradients(f_d: np.ndarray, g_d: np.ndarray, r: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of OIR_W; g_d (S, 2^n, n) holds ∇f at the corners (row j = ∇f(d_j))."""
    n = r.shape[1]
    m = corner_matrix(n)
    mbar = 1 - m
    gamma = 2 - beta * (2 * n - 1)
    mbar_d = gamma * mbar - beta * m
    m_d = gamma * m - beta * mbar
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    diag_mbar_g = np.einsum("kj,sjk->sk", mbar, g_d)
    diag_m_g = np.einsum("kj,sjk->sk", m, g_d)
    off = 1 - np.eye(n)
    # t[s, i, k] = Σ_j (M̄_i - M_i)[j] M̄_k[j] G[s, j, i]   (and the barred counterpart)
    t = np.einsum("ij,kj,sji->sik", mbar - m, mbar, g_d) * off
    tbar = np.einsum("ij,kj,sji->sik", m - mbar, m, g_d) * off
    s = np.einsum("si,sik->sk", r, t) / r
    sbar = np.einsum("si,sik->sk", r, tbar) / r
    grad_a = delta * (f_d @ mbar_d.T / r + beta * diag_mbar_g + beta * sbar)
    grad_b = delta * (-f_d @ m_d.T / r + beta * diag_m_g + beta * s)
    return grad_a, grad_b


# -- the solver -----------------------------------------------------------------------------
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
             min_width: float) -> tuple[np.ndarray, np.ndarray]:
    """ALGORITHMS.md §6.2: inside Ω, around the start, at least ``min_width`` wide."""
    lo, hi = domain[:, 0], domain[:, 1]
    a = np.clip(np.minimum(a, starts), lo, None)
    b = np.clip(np.maximum(b, starts), None, hi)
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


def find_regions(score: Score, starts: np.ndarray, domain: np.ndarray, config: RegionConfig = RegionConfig(),
                 sink: Optional[ProgressSink] = None, periodic: Optional[Sequence[bool]] = None) -> list[Region]:
    """Grow one region per start point, all in lock-step (one batched score call per step).

    ``score`` maps points (k, n) to values (k,) in [0, 1]; ``starts`` is (S, n) or (n,);
    ``domain`` is (n, 2). OIR_W uses ``score.gradient(points) -> (k, n)`` when present,
    central finite differences otherwise. ``periodic`` (default: ``score.periodic`` when the
    score has it, else none) names the axes the score wraps around; see ``_outside_rule``.
    """
    starts, domain = _check_inputs(starts, domain)
    count, n = starts.shape
    config.check(n)
    if periodic is None:
        periodic = getattr(score, "periodic", None)
    periodic_mask = np.zeros(n, bool) if periodic is None else np.asarray(periodic, dtype=bool).reshape(-1)
    if periodic_mask.shape != (n,):
        raise RegionError(f"periodic needs one flag per axis ({n}), got {len(periodic_mask)}")
    outside = _outside_rule(domain, periodic_mask)
    sink = sink or NullSink()
    throttle = ThrottledSink(sink)
    span = domain[:, 1] - domain[:, 0]
    min_width = config.min_width if config.min_width is not None else 2 * config.eps
    m = corner_matrix(n)
    gradient_fn = getattr(score, "gradient", None) if config.method == "oir_w" else None
    fd_h = config.fd_step * span

    a, b = _project(starts - config.eps, starts + config.eps, starts, domain, min_width)
    history: list[list[np.ndarray]] = [[] for _ in range(count)]
    evaluations = np.zeros(count, dtype=np.int64)
    steps_done = np.zeros(count, dtype=np.int64)
    quiet = np.zeros(count, dtype=np.int64)
    reasons = [""] * count
    messages = [""] * count
    active = np.ones(count, dtype=bool)

    def stop_here() -> None:
        for i in np.flatnonzero(active):
            reasons[i] = "cancelled"
            messages[i] = f"stopped at step {steps_done[i]}"
        active[:] = False

    for step in range(config.steps):
        if sink.cancelled():
            stop_here()
            break
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        ai, bi = a[idx], b[idx]
        r = bi - ai
        corners = ai[:, None, :] + m.T[None] * r[:, None, :]                     # (S, 2^n, n)
        blocks = [corners]                                                          # per region: (S, ·, n)
        if config.method == "oir_b":
            outer = (ai - config.alpha * r / 2)[:, None, :] + (1 + config.alpha) * m.T[None] * r[:, None, :]
            blocks.append(outside(outer))
        elif config.method == "oir_w" and gradient_fn is None:
            shifts = np.concatenate([np.diag(fd_h), -np.diag(fd_h)])                # (2n, n)
            fd_points = corners[:, :, None, :] + shifts[None, None]
            blocks.append(outside(fd_points).reshape(len(idx), -1, n))
        points = np.concatenate(blocks, axis=1).reshape(-1, n)
        try:
            values = _evaluate(score, points)
        except Cancelled:                # the score stopped mid-call: this step is not taken
            stop_here()
            break
        per_region = len(points) // len(idx)
        evaluations[idx] += per_region
        values = values.reshape(len(idx), per_region)
        k = 2 ** n
        f_d = values[:, :k]
        bad = ~np.isfinite(values).all(axis=1)
        if config.method == "naive":
            grad_a, grad_b = naive_gradients(f_d, r, config.lam)
        elif config.method == "oir_b":
            grad_a, grad_b = oir_b_gradients(f_d, values[:, k:], r, config.alpha)
        else:
            if gradient_fn is not None:
                g = np.asarray(gradient_fn(corners.reshape(-1, n)), dtype=np.float64)
                if g.shape != (len(idx) * k, n):
                    raise RegionError(f"score.gradient returned shape {g.shape}, expected {(len(idx) * k, n)}")
                g_d = g.reshape(len(idx), k, n)
                bad |= ~np.isfinite(g_d).all(axis=(1, 2))
            else:
                fd = values[:, k:].reshape(len(idx), k, 2, n)        # [., j, 0, i] = f(d_j + h_i e_i)
                plus_pts, minus_pts = outside(corners + fd_h), outside(corners - fd_h)
                width = plus_pts - minus_pts                          # per axis, after clipping at Ω
                diff = fd[:, :, 0] - fd[:, :, 1]
                g_d = np.divide(diff, width, out=np.zeros_like(diff), where=width > 0)
            grad_a, grad_b = oir_w_gradients(f_d, np.nan_to_num(g_d), r, config.beta)
        step_a, step_b = config.lr * grad_a, config.lr * grad_b
        if config.max_step > 0:
            cap = config.max_step * span
            step_a, step_b = np.clip(step_a, -cap, cap), np.clip(step_b, -cap, cap)
        new_a, new_b = _project(ai - step_a, bi - step_b, starts[idx], domain, min_width)
        for j, i in enumerate(idx):
            if bad[j]:
                reasons[i] = "invalid score"
                messages[i] = f"the score returned NaN at step {steps_done[i] + 1}; the last good bounds are kept"
                active[i] = False
                continue
            moved = max(np.abs(new_a[j] - a[i]).max(), np.abs(new_b[j] - b[i]).max())
            a[i], b[i] = new_a[j], new_b[j]
            steps_done[i] += 1
            history[i].append(np.stack([a[i].copy(), b[i].copy()]))
            if config.tol > 0:
                quiet[i] = quiet[i] + 1 if moved < config.tol else 0
                if quiet[i] >= config.patience:
                    reasons[i] = "converged"
                    active[i] = False
        throttle.report((step + 1) / config.steps, f"step {step + 1}/{config.steps}",
                        lambda: RegionsSnapshot(config.method, starts.copy(), a.copy(), b.copy(),
                                                steps_done.copy(), active.copy(), tuple(reasons)))
    for i in np.flatnonzero(active):
        reasons[i] = "steps"
    throttle.flush()
    sink.partial(RegionsSnapshot(config.method, starts.copy(), a.copy(), b.copy(), steps_done.copy(),
                                 np.zeros(count, bool), tuple(reasons)))
    sink.progress(1.0, "done")
    return [
        Region(config.method, starts[i].copy(), a[i].copy(), b[i].copy(), domain.copy(),
               np.array(history[i]).reshape(-1, 2, n), int(evaluations[i]), int(steps_done[i]), reasons[i],
               messages[i])
        for i in range(count)
    ]


def find_region(score: Score, start: Sequence[float] | np.ndarray, domain: np.ndarray,
                config: RegionConfig = RegionConfig(), sink: Optional[ProgressSink] = None,
                periodic: Optional[Sequence[bool]] = None) -> Region:
    """Grow one region around ``start`` (shape (n,)) inside ``domain`` (shape (n, 2))."""
    start = np.asarray(start, dtype=np.float64)
    if start.ndim != 1:
        raise RegionError(f"start must have shape (n,), got {start.shape}")
    return find_regions(score, start[None], domain, config, sink, periodic)[0]
