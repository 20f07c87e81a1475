"""Searching for failure poses: where in a box of continuous axes does the network stop ranking the
true class first, and how badly (docs/algorithms.md §8)?

The search works on axes normalised to [0, 1] (a periodic axis wraps). It first classifies a
uniform sample of the domain (a scrambled Sobol sequence): its share of failures, with a Wilson
interval, says how common failures are. Then CMA-ES (pycma, Hansen's reference implementation)
minimises the objective, the true class set's probability (or, with ``margin``, its probability
minus the best other class's), restarted from seeds spread over the domain: the sample's best points
that lie apart from the modes found and the restarts running, then further Sobol points. Several
restarts run at once, so that one generation of all of them is one batch through ``probe``, as a map
batches its poses. Random search spends the same budget on uniform points, as a baseline. Every
evaluated point where the top-1 class is outside the set is a failure; failures closer than
``merge_distance`` (on the normalised axes) to a worse one are the same failure mode.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.failures.result import Failure, FailureBatch, FailureSearch, distinct, periodic_distance
from semviewer.core.progress import Cancelled, NullSink, ProgressSink, ThrottledSink

METHODS = ("cma-es", "random")
OBJECTIVES = ("probability", "margin")
#: Budgets beyond this are refused (a search that long is a map's job).
MAX_BUDGET = 1_000_000
MAX_AXES = 10
MIN_AXES = 2
DEFAULT_BUDGET = 1000
#: Failures closer than this (normalised axes, Euclidean) to a worse one are the same failure mode.
DEFAULT_MERGE_DISTANCE = 0.1
#: Restarts are planned so that each gets about this many generations.
GENERATIONS_PER_RESTART = 25
#: A restart is begun only with budget for this many generations.
MIN_GENERATIONS = 5
#: Restarts begin at least this far (normalised) from the modes found and the restarts running.
SEED_SEPARATION = 0.25
#: CMA-ES's initial step (normalised axes) and the step at which a restart counts as converged.
INITIAL_STEP = 0.2
MIN_STEP = 1e-3

Probe = Callable[[np.ndarray], FailureBatch]


def check_search(axes: Sequence[str], domain: np.ndarray, budget: int, sample: int, method: str,
                 objective: str, merge_distance: float = 0.1) -> None:
    """SemviewerError naming what is wrong with a search's settings."""
    if not MIN_AXES <= len(axes) <= MAX_AXES:
        raise SemviewerError(f"a failure search runs over {MIN_AXES} to {MAX_AXES} axes, not {len(axes)}")
    if len(set(axes)) != len(axes):
        raise SemviewerError("an axis is named twice; name each once")
    if domain.shape != (len(axes), 2) or not np.isfinite(domain).all() or not (domain[:, 0] < domain[:, 1]).all():
        raise SemviewerError("each axis needs a range lower:upper with lower < upper")
    if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= MAX_BUDGET:
        raise SemviewerError(f"the budget is a number of evaluations from 1 to {MAX_BUDGET:,}, not {budget!r}")
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample <= MAX_BUDGET:
        raise SemviewerError(f"the uniform sample has 0 to {MAX_BUDGET:,} points, not {sample!r}")
    if sample > budget:
        raise SemviewerError(f"the uniform sample ({sample:,} points) is part of the budget ({budget:,} evaluations); "
                             f"choose a smaller sample or a larger budget")
    if not (isinstance(merge_distance, (int, float)) and 0 <= merge_distance <= 1):
        raise SemviewerError(f"the merge distance is a share of each axis's range from 0 to 1, not {merge_distance!r}")
    if method not in METHODS:
        raise SemviewerError(f"unknown search method {method!r}; choose {' or '.join(METHODS)}")
    if objective not in OBJECTIVES:
        raise SemviewerError(f"unknown objective {objective!r}; choose {' or '.join(OBJECTIVES)}")


class _Search:
    """The state of one search: evaluations spent, candidates found, and the progress reports."""

    def __init__(self, probe: Probe, domain: np.ndarray, periodic: Sequence[bool], objective: str, total: int,
                 sink: ProgressSink, result: FailureSearch, names: Callable[[int], str]) -> None:
        self.probe, self.domain, self.periodic, self.objective = probe, domain, np.asarray(periodic, bool), objective
        self.total, self.sink, self.throttle, self.result = total, sink, ThrottledSink(sink), result
        self.names = names
        self.candidates: list[tuple[float, np.ndarray, Failure]] = []
        self.best = float("inf")

    def wrap(self, x: np.ndarray) -> np.ndarray:
        x = np.array(x, dtype=np.float64)
        x[..., self.periodic] = np.mod(x[..., self.periodic], 1.0)
        return np.clip(x, 0.0, 1.0)

    def evaluate(self, x: np.ndarray, restart: int | Sequence[int]) -> np.ndarray:
        """The objective at normalised points ``x`` (k, n), recording the failures among them
        (``restart``: the CMA-ES restart that asked for each point, or -1 for all)."""
        if self.sink.cancelled():
            raise Cancelled("cancelled")
        x = self.wrap(x)
        points = self.domain[:, 0] + x * (self.domain[:, 1] - self.domain[:, 0])
        batch = self.probe(points)
        self.result.evaluations += len(x)
        values = batch.p_true if self.objective == "probability" else batch.p_true - batch.best_wrong
        self.best = min(self.best, float(np.min(batch.p_true)))
        restarts = [restart] * len(x) if isinstance(restart, int) else list(restart)
        for i in np.flatnonzero(batch.failed):
            failure = Failure(dict(zip(self.result.axes, (float(v) for v in points[i]))), float(batch.p_true[i]),
                              int(batch.label[i]), self.names(int(batch.label[i])), float(batch.label_p[i]),
                              self.result.evaluations, restarts[i])
            self.candidates.append((float(values[i]), x[i], failure))
        self.throttle.report(min(1.0, self.result.evaluations / self.total),
                             f"{self.result.evaluations}/{self.total} evaluations, {len(self.candidates)} failing poses",
                             lambda: dataclasses.replace(self.snapshot(), failures=list(self.result.failures)))
        return np.asarray(values, dtype=np.float64)

    def snapshot(self) -> FailureSearch:
        """The result as it stands (distinct failures so far); partial reports get a copy, which the
        search goes on without touching."""
        self.result.failures = distinct(self.candidates, self.periodic, self.result.merge_distance, limit=50)
        self.result.best_p_true = self.best
        return self.result


def _sobol(n: int, count: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    if count <= 0:
        return np.zeros((0, n))
    with warnings.catch_warnings():       # any count is fine here: the balance of 2^k points is not needed
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(d=n, scramble=True, seed=seed).random(count)


def _uniform_sample(search: _Search, n: int, size: int, seed: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The failure rate's sample: Sobol points, classified in batches; returns them and their objective."""
    points = _sobol(n, size, seed)
    values = np.empty(len(points))
    failures = 0
    for start in range(0, len(points), batch):
        before = len(search.candidates)
        values[start:start + batch] = search.evaluate(points[start:start + batch], -1)
        failures += len(search.candidates) - before
        search.result.sample_size, search.result.sample_failures = start + len(points[start:start + batch]), failures
    return points, values


class _Seeds:
    """Where restarts begin: the uniform sample's best points, each at least SEED_SEPARATION from
    the modes already found and the restarts running, then points of another Sobol sequence."""

    def __init__(self, sample: np.ndarray, values: np.ndarray, periodic: np.ndarray, n: int, seed: int) -> None:
        self.order = [sample[i] for i in np.argsort(values, kind="stable")]
        self.periodic, self.n, self.seed, self.drawn = periodic, n, seed, 0

    def next(self, taken: Sequence[np.ndarray]) -> np.ndarray:
        def apart(x: np.ndarray) -> bool:
            return all(periodic_distance(x, t, self.periodic) >= SEED_SEPARATION for t in taken)

        for i, x in enumerate(self.order):
            if apart(x):
                return self.order.pop(i)
        self.drawn += 1
        return _sobol(self.n, self.drawn, self.seed + 1)[-1]


class _Restart:
    """One CMA-ES run (pycma) from a seed, with its share of the budget."""

    def __init__(self, x0: np.ndarray, periodic: np.ndarray, popsize: int, share: int, seed: int, index: int) -> None:
        import cma

        bounded = ~periodic
        options = {"popsize": popsize, "seed": seed * 1000 + index + 1, "verbose": -9, "tolfun": 1e-4,
                   "tolx": 1e-3, "maxfevals": share}
        if bounded.any():
            options["bounds"] = [[0.0 if b else None for b in bounded], [1.0 if b else None for b in bounded]]
        self.strategy = cma.CMAEvolutionStrategy(list(np.clip(x0, 0.0, 1.0)), INITIAL_STEP, options)
        self.popsize, self.share, self.index, self.spent = popsize, share, index, 0
        self.best_x, self.best = np.asarray(x0, float), float("inf")

    def running(self) -> bool:
        return (not self.strategy.stop() and self.spent + self.popsize <= self.share
                and self.strategy.sigma >= MIN_STEP)

    def ask(self) -> np.ndarray:
        return np.asarray(self.strategy.ask())

    def tell(self, asked: np.ndarray, values: np.ndarray) -> None:
        self.strategy.tell(list(asked), list(values))
        self.spent += len(asked)
        i = int(np.argmin(values))
        if values[i] < self.best:
            self.best, self.best_x = float(values[i]), asked[i]


def _cma_es(search: _Search, sample: np.ndarray, values: np.ndarray, n: int, budget: int, batch: int,
            seed: int) -> None:
    """CMA-ES restarts, as many running at once as fill one batch: each generation of all of them is
    one evaluation. A finished restart's best point counts as a mode found; the next restart begins
    away from the modes found and the restarts running."""
    popsize = 4 + int(3 * math.log(n))          # CMA-ES's default population
    total = max(1, budget // (popsize * GENERATIONS_PER_RESTART))
    share = budget // total
    together = max(1, min(total, batch // popsize))
    seeds = _Seeds(sample, values, search.periodic, n, seed)
    running: list[_Restart] = []
    modes: list[np.ndarray] = []
    started = spent = 0
    while True:
        for r in running:
            if not r.running():
                modes.append(r.best_x)
        running = [r for r in running if r.running()]
        # a restart that ended early leaves its budget to more restarts (each at least MIN_GENERATIONS)
        while len(running) < together:
            free = budget - spent - sum(r.share - r.spent for r in running)
            if free < popsize * MIN_GENERATIONS:
                break
            x0 = seeds.next(modes + [r.best_x for r in running] + [np.asarray(r.strategy.mean) for r in running])
            running.append(_Restart(x0, search.periodic, popsize, min(share, free), seed, started))
            started += 1
        if not running:
            break
        asked = [r.ask() for r in running]
        values_all = search.evaluate(np.concatenate(asked), [r.index for r, a in zip(running, asked)
                                                                for _ in range(len(a))])
        spent += len(values_all)
        offset = 0
        for r, a in zip(running, asked):
            # the objective at the wrapped points, told at the points asked (CMA-ES keeps its own frame)
            r.tell(a, values_all[offset:offset + len(a)])
            offset += len(a)


def find_failures(probe: Probe, axes: Sequence[str], domain: np.ndarray, periodic: Sequence[bool],
                  budget: int = DEFAULT_BUDGET, sample: Optional[int] = None, method: str = "cma-es",
                  objective: str = "probability", merge_distance: float = DEFAULT_MERGE_DISTANCE, seed: int = 0,
                  batch: int = 32, names: Callable[[int], str] = str,
                  sink: Optional[ProgressSink] = None) -> FailureSearch:
    """Search ``domain`` (one [lower, upper] row per axis) for failure poses with ``budget``
    evaluations of ``probe`` in all: a uniform sample of ``sample`` points (default a quarter of the
    budget), then the search (see the module docstring). Cancelling keeps what was found and says so."""
    domain = np.asarray(domain, dtype=np.float64)
    sample = budget // 4 if sample is None and isinstance(budget, int) else sample
    check_search(axes, domain, budget, sample, method, objective, merge_distance)
    result = FailureSearch(tuple(axes), domain, method, objective, budget=budget, merge_distance=merge_distance,
                           seed=seed)
    sink = sink or NullSink()
    search = _Search(probe, domain, periodic, objective, budget, sink, result, names)
    n = len(axes)
    rest = budget - sample
    try:
        points, values = _uniform_sample(search, n, sample, seed, batch)
        if method == "random":
            rng = np.random.default_rng(seed)
            for start in range(0, rest, batch):
                search.evaluate(rng.random((min(batch, rest - start), n)), -1)
        else:
            _cma_es(search, points, values, n, rest, batch, seed)
    except Cancelled:
        result.cancelled = True
    search.snapshot()
    sink.partial(result)
    sink.progress(1.0, result.describe())
    return result
