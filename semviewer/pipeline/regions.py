"""Regions through the one pipeline: a ``RegionRequest`` (plain data: axes, Ω, starts, methods and
their settings, the score source) and the maps or classifiers of its targets become solver jobs,
which grow the regions and check them from the inside.

The window's Document produces a request (``Document.region_request``); ``semviewer regions`` and
study units build theirs directly. ``plan_region_jobs`` is the one place that decides map score vs
live score per target, the domain and the start checks; live scores come from ``Scorers``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.inference.classifier import Classifier
from semviewer.core.maps.grids import domain_rows
from semviewer.core.maps.map_score import MapScore
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.progress import Cancelled
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.request import RegionRequest, RegionTarget
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS, check_regions
from semviewer.core.regions.region import Region
from semviewer.core.regions.solver import find_regions
from semviewer.core.scene.axes import AXES
from semviewer.pipeline.keys import score_provenance
from semviewer.pipeline.scene import Scene

@dataclass(frozen=True, eq=False)
class RegionJob:
    """Grow regions on one map target: ``score`` is a MapScore, or None for live renders with
    ``classifier`` (which, beside an adaptive map's score, checks the regions from the inside)."""

    target: str
    label: str
    axes: tuple[str, ...]
    domain: np.ndarray
    starts: np.ndarray
    configs: tuple[RegionConfig, ...]
    score: Optional[MapScore] = None
    classifier: Optional[Classifier] = None
    inside_points: int = DEFAULT_POINTS_PER_AXIS
    wrap: tuple[bool, ...] = ()     # per axis: periodic with a full-turn Ω (where --wrap lets regions cross)

    @property
    def live(self) -> bool:
        return self.score is None


def full_turns(axes: Sequence[str], domain: np.ndarray) -> tuple[bool, ...]:
    """Which axes are periodic and span a full turn in Ω: where a region may cross the seam."""
    return tuple(AXES[name].periodic and abs((hi - lo) - (AXES[name].upper - AXES[name].lower)) < 1e-9
                 for name, (lo, hi) in zip(axes, domain))


def region_domain(request: RegionRequest, semantic_map: Optional[SemanticMap]) -> np.ndarray:
    """Ω of a target: the request's, else its map's over the request's axes, else the named grids' ranges."""
    axes = list(request.axes)
    if request.domain is not None:
        return request.domain
    if semantic_map is not None and set(axes) <= set(semantic_map.axis_names):
        return semantic_map.domain(axes)
    return domain_rows(axes)


def _score_of(request: RegionRequest, target: RegionTarget, first: bool):
    """(map score, classifier) of a target, (None, None) to skip it; SemviewerError for the primary."""
    semantic_map = target.semantic_map
    if request.source == "map":
        if semantic_map is None or not semantic_map.complete:
            if first:
                raise SemviewerError("compute the map first, or choose live renders as the score")
            return None, None
        if not set(request.axes) <= set(semantic_map.axis_names):
            raise SemviewerError("the map does not have the axes shown; recompute it")
        # an adaptive map's regions are checked from the inside on renders (exact) where a classifier is at hand
        return MapScore(semantic_map, list(request.axes), at=dict(request.at)), \
            (target.classifier if semantic_map.adaptive is not None else None)
    if target.classifier is None:
        if first:
            raise SemviewerError("the model is still loading; start the solver once it is ready")
        return None, None
    return None, target.classifier


def _check_starts(starts: np.ndarray, domain: np.ndarray, axes: Sequence[str]) -> None:
    if domain.shape != (len(axes), 2):
        raise SemviewerError(f"the domain needs one [lower, upper] row per axis ({', '.join(axes)})")
    outside = ((starts < domain[:, 0]) | (starts > domain[:, 1])).any(axis=1)
    if outside.any():
        omega = "; ".join(f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in zip(axes, domain))
        raise SemviewerError(f"start point {tuple(float(v) for v in starts[outside][0])} lies outside the "
                             f"domain ({omega}); choose start points inside it")


def plan_region_jobs(request: RegionRequest, targets: Sequence[RegionTarget]) -> list[RegionJob]:
    """The solver jobs of a request on its targets, the first being the primary (SemviewerError,
    naming what to do, when they cannot run). Another target without a complete map or a loaded
    classifier is skipped."""
    axes = list(request.axes)
    if not request.starts:
        raise SemviewerError("no start points: add some (in the window, Ctrl+click the map) or use the paper's")
    for config in request.configs:
        config.check(len(axes))
    starts = np.array(request.starts, dtype=np.float64)
    if starts.ndim != 2 or starts.shape[1] != len(axes):
        raise SemviewerError(f"each start point needs one number per axis ({len(axes)}: {', '.join(axes)})")
    jobs = []
    for i, target in enumerate(targets):
        score, classifier = _score_of(request, target, first=i == 0)
        if score is None and classifier is None:
            continue
        domain = region_domain(request, target.semantic_map)
        _check_starts(starts, domain, axes)
        jobs.append(RegionJob(target.target, target.label, tuple(axes), domain, starts, request.configs, score,
                              classifier, request.inside_points, full_turns(axes, domain)))
    return jobs


def region_run_record(request: RegionRequest, jobs: list[RegionJob], provenance: Mapping[str, Any]) -> dict[str, Any]:
    """What the regions file records about a run: axes, Ω, every method's configuration, where f
    came from (``request.source``) and the provenance of the scores (``scores_provenance``)."""
    if not jobs:
        raise SemviewerError("there is nothing to grow regions on")
    return {"axes": list(jobs[0].axes), "domain": jobs[0].domain,
            "configs": {c.method: c.to_json() for c in jobs[0].configs},
            "source": {"kind": request.source}, "provenance": dict(provenance)}


def scores_provenance(request: RegionRequest, targets: Sequence[RegionTarget], jobs: list[RegionJob],
                      scene: Optional[Scene]) -> dict[str, Any]:
    """Where the scores of a run come from: the primary map's provenance on the map, else the live
    score's (``scene`` rendered for the first job's classifier)."""
    if not jobs:
        raise SemviewerError("there is nothing to grow regions on")
    if request.source == "map" and targets and targets[0].semantic_map is not None:
        return dict(targets[0].semantic_map.provenance)
    if scene is None:
        raise SemviewerError("no object is open yet")
    return score_provenance(scene, jobs[0].classifier, jobs[0].axes)


def _no_sink(job: RegionJob, config: RegionConfig) -> AbstractContextManager:
    return nullcontext(None)


def _inside_score(job: RegionJob, score: Any,
                  open_live_score: Optional[Callable[[RegionJob], AbstractContextManager]]) -> AbstractContextManager:
    """What checks a job's regions from the inside: its score, or for regions grown on an adaptive
    map (some of whose cells are interpolated) live renders when the job has a classifier and
    ``inside_points`` > 0."""
    adaptive = job.score is not None and job.score.map.adaptive is not None
    if adaptive and job.classifier is not None and open_live_score is not None and job.inside_points > 0:
        return open_live_score(job)
    return nullcontext(score)


def run_region_jobs(jobs: list[RegionJob], open_live_score: Callable[[RegionJob], AbstractContextManager],
                    sink_for: Callable[[RegionJob, RegionConfig], AbstractContextManager] = _no_sink,
                    cancelled: Callable[[], bool] = lambda: False, notify: Callable[[str], None] = lambda m: None,
                    solved: Callable[[RegionJob, Any], None] = lambda job, score: None) -> list[tuple[str, Region]]:
    """Grow every job's regions, method by method, then check them from the inside (all regions
    of a job in one batched call).

    ``open_live_score(job)`` is a context manager giving the live score of a job without a map
    score (it owns the render thread); ``sink_for(job, config)`` one giving the progress sink of a
    method; ``solved(job, score)`` is called before the inside check (the CLI counts the solver's
    forward passes there). After ``cancelled()`` the regions grown so far are returned unchecked
    (the solver marks them "stopped at step k").
    """
    found: list[tuple[str, Region]] = []
    for job in jobs:
        with (nullcontext(job.score) if job.score is not None else open_live_score(job)) as score:
            grown: list[Region] = []
            for config in job.configs:
                with sink_for(job, config) as sink:
                    grown.extend(find_regions(score, job.starts, job.domain, config, sink, wrap=job.wrap or None))
                if cancelled():
                    break
            solved(job, score)
            if not cancelled() and (job.score is not None or job.inside_points > 0):
                notify("checking the regions from the inside…")
                with _inside_score(job, score, open_live_score) as checker:
                    try:
                        grown = check_regions(grown, checker, max(1, job.inside_points))
                    except Cancelled:        # stopped during the check: the regions stay, unchecked
                        pass
        found.extend((job.target, region) for region in grown)
        if cancelled():
            break
    return found


def grow_regions(request: RegionRequest, targets: Sequence[RegionTarget], scene: Optional[Scene] = None,
                 open_live_score: Optional[Callable[[RegionJob], AbstractContextManager]] = None,
                 **options: Any) -> tuple[list[tuple[str, Region]], dict[str, Any]]:
    """Plan, grow and check a request's regions in one call (a script's way): the (target, Region)
    pairs and the record of the run. Live requests need ``scene`` and ``open_live_score`` (a
    ``Scorers.for_job``); ``options`` go to ``run_region_jobs``."""
    jobs = plan_region_jobs(request, targets)
    record = region_run_record(request, jobs, scores_provenance(request, targets, jobs, scene))
    return run_region_jobs(jobs, open_live_score, **options), record
