"""The score f(u) assembled once for everyone: a render thread, a classifier and a ScoreFunction
over some axes, with its batch size and the provenance of the values it gives.

The window, ``semviewer map``/``regions``/``evaluate`` and study units all open their scores
here, so a map's provenance, and with it its cache key, is the same whoever computes it. A Scorer
opens no GL context until it first renders, and may share one (``RenderContexts``).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.scheduling import PriorityGate
from semviewer.core.scene.grid import GridAxis
from semviewer.pipeline.batch_tuning import BatchTuner, cached_batch_size
from semviewer.pipeline.keys import map_key_for, score_provenance
from semviewer.pipeline.rendering import RenderContexts, renderer_for
from semviewer.pipeline.scene import Scene, classes_for
from semviewer.pipeline.scoring import ScoreFunction

#: A larger batch holds more renders in memory than any pipeline gains from (224² × 3 bytes each).
MAX_BATCH_SIZE = 1024


def check_batch_size(batch_size: Optional[int]) -> None:
    """SemviewerError for a batch size that is not a whole number from 1 to MAX_BATCH_SIZE."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or not 1 <= batch_size <= MAX_BATCH_SIZE):
        raise SemviewerError(f"the batch size must be a whole number from 1 to {MAX_BATCH_SIZE}, got {batch_size!r}")


class Scorer:
    """f over ``axes`` of a scene with one classifier: a render thread (its own, opened on first
    use, or one of ``contexts``), a ScoreFunction, the batch size and its provenance. Without a
    given batch size it starts at the size kept for this classifier here, and a map computed with it
    tunes the size in its first chunks (``tuner``). With a ``gate`` shared with a live view, its
    batches give way to live predictions.

    ``cancelled`` is checked between batches (the score raises ``Cancelled``). Close it, or use it
    as a context manager.
    """

    def __init__(self, scene: Scene, classifier: Classifier, axes: Sequence[str], batch_size: Optional[int] = None,
                 cancelled: Optional[Callable[[], bool]] = None, gate: Optional[PriorityGate] = None,
                 contexts: Optional[RenderContexts] = None) -> None:
        check_batch_size(batch_size)
        scene = scene.fitted(classifier)             # renders at the aspect of the model's input
        self.scene, self.classifier, self.axes = scene, classifier, tuple(axes)
        classes = classes_for(scene.classes, classifier)
        self.thread, self._owns_thread = renderer_for(scene.mesh, scene.settings, contexts)
        self.score = ScoreFunction(self.thread, classifier, classes, self.axes, scene.base,
                                   batch_size or cached_batch_size(classifier), gate)
        self.tuner = None if batch_size is not None else \
            BatchTuner(classifier, lambda size: setattr(self.score, "batch_size", size))
        self.score.cancelled = cancelled
        self.provenance = score_provenance(scene, classifier, self.axes)
        self.fixed = scene.fixed(self.axes)

    def key(self, grid: Sequence[GridAxis]) -> str:
        """The cache key of the map this score computes on ``grid``."""
        return map_key_for(self.scene, self.classifier, grid)

    def rate(self) -> float:
        """Poses per second of this pipeline, from a short probe (a warm-up, then two small batches)."""
        size = min(self.score.batch_size, 16)
        probe = np.array([[self.scene.base[name] for name in self.axes]] * size)
        kept = self.score.evaluations
        self.score(probe[:1])
        start = time.perf_counter()
        self.score(probe)
        self.score(probe)
        self.score.evaluations = kept
        return 2 * size / max(time.perf_counter() - start, 1e-6)

    def close(self) -> None:
        if self._owns_thread:
            self.thread.close()

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Scorers:
    """Scores opened on demand and closed together: one Scorer per (classifier, axes) of a scene.
    ``for_job`` is what ``run_region_jobs`` asks for to grow regions live."""

    def __init__(self, scene: Scene, batch_size: Optional[int] = None,
                 cancelled: Optional[Callable[[], bool]] = None, gate: Optional[PriorityGate] = None,
                 contexts: Optional[RenderContexts] = None) -> None:
        check_batch_size(batch_size)
        self.scene, self.batch_size, self.cancelled = scene, batch_size, cancelled
        self.gate, self.contexts = gate, contexts
        self._open: dict[tuple[int, tuple[str, ...]], Scorer] = {}

    def get(self, classifier: Classifier, axes: Sequence[str]) -> Scorer:
        key = (id(classifier), tuple(axes))
        if key not in self._open:
            self._open[key] = Scorer(self.scene, classifier, axes, self.batch_size, self.cancelled, self.gate,
                                     self.contexts)
        return self._open[key]

    @contextmanager
    def for_job(self, job: Any) -> Iterator[ScoreFunction]:
        """The live score of a region job (its classifier over its axes); stays open for reuse."""
        yield self.get(job.classifier, job.axes).score

    def close(self) -> None:
        for scorer in self._open.values():
            scorer.close()
        self._open.clear()

    def __enter__(self) -> "Scorers":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
