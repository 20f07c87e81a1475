"""Regions through the one pipeline: which score each map's regions grow on, over which Ω,
from which starts, and growing them.

``plan_region_jobs(document)`` is the one place that decides map score vs live score per
target, the domain and the start checks; the window, ``semviewer regions`` and study units
(``semviewer evaluate``) all grow their regions through it and ``run_region_jobs``, live
scores coming from ``Scorers``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from semviewer.core.inference.classifier import Classifier
from semviewer.core.scene.axes import AXES
from semviewer.core.session.document import COMPARE, PRIMARY, Document
from semviewer.core.errors import SemviewerError
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS, check_regions
from semviewer.core.maps.map_score import MapScore
from semviewer.core.progress import Cancelled
from semviewer.core.regions.region import Region
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.solver import find_regions
from semviewer.pipeline.scorer import Scene, score_provenance


@dataclass(frozen=True, eq=False)
class RegionJob:
    """Grow regions on one map target: ``score`` is a MapScore, or None for live renders with
    ``classifier``."""

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


def plan_region_jobs(document: Document) -> list[RegionJob]:
    """The solver jobs for the document as it stands (SemviewerError, naming what to do, when
    they cannot run). A compare target without a complete map or a loaded classifier is skipped."""
    axes = list(document.map_axes)
    if not document.starts:
        raise SemviewerError("no start points: add some (in the window, Ctrl+click the map) or use the paper's")
    if document.start_axes != axes:
        raise SemviewerError(f"the start points were picked on {' × '.join(document.start_axes)}, not on the axes "
                             f"shown ({' × '.join(axes)}); switch back, or clear them and pick again")
    configs = tuple(document.solver_configs())
    for config in configs:
        config.check(len(axes))
    starts = np.array(document.starts, dtype=np.float64)
    jobs = []
    for target in (PRIMARY, COMPARE):
        label = document.model_label(target)
        if label is None:
            continue
        semantic_map = document.maps[target]
        on_map = semantic_map is not None and set(axes) <= set(semantic_map.axis_names)
        score, classifier = None, None
        if document.solver_source == "map":
            if semantic_map is None or not semantic_map.complete:
                if target == PRIMARY:
                    raise SemviewerError("compute the map first, or choose live renders as the score")
                continue
            if not on_map:
                raise SemviewerError("the map does not have the axes shown; recompute it")
            score = MapScore(semantic_map, axes, at=document.pose.as_dict())
        else:
            classifier = document.classifiers[target]
            if classifier is None:
                if target == PRIMARY:
                    raise SemviewerError("the model is still loading; start the solver once it is ready")
                continue
        domain = document.region_domain(axes, target)
        if domain.shape != (len(axes), 2):
            raise SemviewerError(f"the domain needs one [lower, upper] row per axis ({', '.join(axes)})")
        outside = ((starts < domain[:, 0]) | (starts > domain[:, 1])).any(axis=1)
        if outside.any():
            omega = "; ".join(f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in zip(axes, domain))
            raise SemviewerError(f"start point {tuple(float(v) for v in starts[outside][0])} lies outside the "
                                 f"domain ({omega}); choose start points inside it")
        jobs.append(RegionJob(target, label, tuple(axes), domain, starts, configs, score, classifier,
                              document.inside_points, full_turns(axes, domain)))
    return jobs


def full_turns(axes, domain: np.ndarray) -> tuple[bool, ...]:
    """Which axes are periodic and span a full turn in Ω: where a region may cross the seam."""
    return tuple(AXES[name].periodic and abs((hi - lo) - (AXES[name].upper - AXES[name].lower)) < 1e-9
                 for name, (lo, hi) in zip(axes, domain))


def region_run_record(document: Document, jobs: list[RegionJob]) -> dict[str, Any]:
    """What the regions file records about a run: axes, Ω, every method's configuration, where f
    came from and the provenance of the scores."""
    if not jobs:
        raise SemviewerError("there is nothing to grow regions on")
    first = document.maps[PRIMARY]
    if document.solver_source == "map" and first is not None:
        provenance = dict(first.provenance)
    else:
        provenance = score_provenance(Scene.of(document), jobs[0].classifier, jobs[0].axes)
    return {"axes": list(jobs[0].axes), "domain": jobs[0].domain,
            "configs": {c.method: c.to_json() for c in jobs[0].configs},
            "source": {"kind": document.solver_source}, "provenance": provenance}


def _no_sink(job: RegionJob, config: RegionConfig) -> AbstractContextManager:
    return nullcontext(None)


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
                try:
                    grown = check_regions(grown, score, max(1, job.inside_points))
                except Cancelled:        # stopped during the check: the regions stay, unchecked
                    pass
        found.extend((job.target, region) for region in grown)
        if cancelled():
            break
    return found
