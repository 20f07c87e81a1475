"""A failure search through the one pipeline: each generation of the search is one batch of renders
and one batched classification of a Scorer, as a map's chunks are (docs/algorithms.md §8)."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from semviewer.core.failures.result import FailureBatch, FailureSearch
from semviewer.core.failures.search import DEFAULT_MERGE_DISTANCE, Probe, find_failures
from semviewer.core.progress import ProgressSink
from semviewer.core.scene.axes import AXES, check_unique
from semviewer.core.scene.grid import parse_domain_axis
from semviewer.core.scene.render_thread import RenderThread
from semviewer.pipeline.rendering import RenderContexts, renderer_for
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scoring import ScoreFunction
from semviewer.pipeline.scorer import Scorer

#: Named in errors about categorical axes.
PURPOSE = "a failure search moves"


def failure_domain(specs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Axis names and domain rows of specs ``azimuth=0:360`` (or a bare name: the whole axis)."""
    parsed = [parse_domain_axis(spec, PURPOSE, whole_axis=True) for spec in specs]
    names = [axis.name for axis, _, _ in parsed]
    check_unique(names)
    return names, np.array([[lo, hi] for _, lo, hi in parsed], dtype=np.float64).reshape(-1, 2)


def wraps(names: Sequence[str], domain: np.ndarray) -> tuple[bool, ...]:
    """Which axes the search may wrap: periodic ones searched over a whole turn."""
    return tuple(AXES[n].periodic and hi - lo >= AXES[n].upper - AXES[n].lower - 1e-9
                 for n, (lo, hi) in zip(names, np.asarray(domain, float)))


def failure_probe(score: ScoreFunction) -> Probe:
    """The probe of a search: the score's probabilities at a batch of points, as a FailureBatch."""
    ids = np.asarray(score.classes.ids)
    outside = np.ones(score.classifier.num_classes, dtype=bool)
    outside[ids] = False

    def probe(points: np.ndarray) -> FailureBatch:
        result = score.evaluate(points, probabilities=True)
        probs = result.probabilities
        label = probs.argmax(axis=1)
        best_wrong = np.where(outside[None, :], probs, -np.inf).max(axis=1) if outside.any() else np.zeros(len(probs))
        return FailureBatch(result.scores, result.top1 < 0.5, label, probs[np.arange(len(probs)), label], best_wrong)

    return probe


def search_batch(scorer: Scorer) -> int:
    """Points a search evaluates at once: two of the pipeline's batches (so that the second renders
    while the first is classified, as in a map), at least 16."""
    return max(2 * scorer.score.batch_size, 16)


def search_failures(scorer: Scorer, domain: np.ndarray, *, budget: int = 1000, sample: Optional[int] = None,
                    method: str = "cma-es", objective: str = "probability",
                    merge_distance: float = DEFAULT_MERGE_DISTANCE,
                    seed: int = 0, sink: Optional[ProgressSink] = None) -> FailureSearch:
    """Search ``scorer``'s axes over ``domain`` for failure poses (``find_failures``), the result
    carrying the score's provenance. Evaluations are batched by ``search_batch``."""
    names = scorer.classifier.labels.names
    result = find_failures(failure_probe(scorer.score), scorer.axes, domain, wraps(scorer.axes, domain),
                           budget=budget, sample=sample, method=method, objective=objective,
                           merge_distance=merge_distance, seed=seed, batch=search_batch(scorer),
                           names=lambda i: names[i] if 0 <= i < len(names) else str(i), sink=sink)
    result.provenance = dict(scorer.provenance)
    return result


def failure_renders(scene: Scene, search: FailureSearch, count: int, contexts: Optional[RenderContexts] = None,
                    thread: Optional[RenderThread] = None) -> np.ndarray:
    """The renders (k, H, W, 3) of ``scene`` at the first ``count`` failures' poses (the axes the
    search held fixed at their values then, see ``FailureSearch.pose_values``): on ``thread``, else
    one of ``contexts`` or a context of its own."""
    failures = search.failures[:count]
    if not failures:
        s = scene.settings
        return np.zeros((0, s.height, s.width, 3), np.uint8)
    known = set(AXES)
    poses = np.stack([scene.base.replace(**{k: v for k, v in search.pose_values(f).items() if k in known}).as_array()
                      for f in failures])
    if thread is not None:
        return thread.submit(poses).result()
    thread, owned = renderer_for(scene.mesh, scene.settings, contexts)
    try:
        return thread.submit(poses).result()
    finally:
        if owned:
            thread.close()
