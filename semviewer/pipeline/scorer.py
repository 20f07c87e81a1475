"""The score f(u) assembled once for everyone: a render thread, a classifier and a ScoreFunction
over some axes, with its batch size and the provenance of the values it gives.

The window, ``semviewer map``/``regions``/``evaluate`` and study units all open their scores
here, so a map's provenance, and with it its cache key, is the same whoever computes it.
"""

from __future__ import annotations

import datetime
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from semviewer.core.version import software
from semviewer.core.errors import SemviewerError
from semviewer.core.inference.batch_tuning import BatchTuner, cached_batch_size
from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.labels import ClassSet
from semviewer.core.inference.scoring import ScoreFunction
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.render import open_render_thread

#: A larger batch holds more renders in memory than any pipeline gains from (224² × 3 bytes each).
MAX_BATCH_SIZE = 1024


@dataclass(frozen=True)
class Scene:
    """What is rendered and scored: the mesh, the true class set, how it is drawn, and the pose
    that holds the axes a score does not vary."""

    mesh: MeshData
    classes: ClassSet
    settings: RenderSettings = field(default_factory=RenderSettings)
    base: Pose = field(default_factory=Pose)

    @classmethod
    def of(cls, document: Any) -> "Scene":
        """The scene of a document as it stands now (its mesh, classes, render settings and pose)."""
        if document.mesh is None or document.classes is None:
            raise SemviewerError("no object is open yet")
        return cls(document.mesh, document.classes, document.render_settings, document.pose)

    def fixed(self, axes: Sequence[str]) -> dict[str, float]:
        """The values of the axes that are not varied."""
        return {k: v for k, v in self.base.as_dict().items() if k not in axes}


def classes_for(classes: ClassSet, classifier: Classifier) -> ClassSet:
    """The true class set on the classifier's own labels (the same names there); one line when the
    model has no output of that name."""
    mapped = classes.on(classifier.labels)
    if mapped is None:
        missing = next((n for n in classes.names if n not in classifier.labels.names), str(classes))
        raise SemviewerError(f"{classifier.name} has no class {missing!r} among its {len(classifier.labels)} "
                             f"labels; choose a true class of that model")
    return mapped


def score_provenance(scene: Scene, classifier: Classifier, axes: Sequence[str]) -> dict[str, Any]:
    """Where a score's values come from: object and mesh hash, the classifier (model, weights and
    labels with their hashes, preprocessing, engine, precision), classes, render settings, the fixed
    axes, software, date."""
    return {"object": scene.mesh.name, "mesh_sha256": scene.mesh.sha256, **classifier.describe(),
            "classes": classes_for(scene.classes, classifier).to_json(), "render_settings": scene.settings.to_json(),
            "fixed": scene.fixed(axes), **software(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def check_batch_size(batch_size: Optional[int]) -> None:
    """SemviewerError for a batch size that is not a whole number from 1 to MAX_BATCH_SIZE."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or not 1 <= batch_size <= MAX_BATCH_SIZE):
        raise SemviewerError(f"the batch size must be a whole number from 1 to {MAX_BATCH_SIZE}, got {batch_size!r}")


class Scorer:
    """f over ``axes`` of a scene with one classifier: its own render thread, a ScoreFunction, the
    batch size and its provenance. Without a given batch size it starts at the size kept for this
    classifier here, and a map computed with it tunes the size in its first chunks (``tuner``).

    ``cancelled`` is checked between batches (the score raises ``Cancelled``). Close it, or use it
    as a context manager.
    """

    def __init__(self, scene: Scene, classifier: Classifier, axes: Sequence[str], batch_size: Optional[int] = None,
                 cancelled: Optional[Callable[[], bool]] = None) -> None:
        check_batch_size(batch_size)
        self.scene, self.classifier, self.axes = scene, classifier, tuple(axes)
        self.thread = open_render_thread(scene.mesh, scene.settings)
        try:
            self.score = ScoreFunction(self.thread, classifier, classes_for(scene.classes, classifier), self.axes,
                                       scene.base, batch_size or cached_batch_size(classifier))
        except BaseException:
            self.thread.close()
            raise
        self.tuner = None if batch_size is not None else \
            BatchTuner(classifier, lambda size: setattr(self.score, "batch_size", size))
        self.score.cancelled = cancelled
        self.provenance = score_provenance(scene, classifier, self.axes)
        self.fixed = scene.fixed(self.axes)

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
        self.thread.close()

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Scorers:
    """Scores opened on demand and closed together: one Scorer per (classifier, axes) of a scene.
    ``for_job`` is what ``run_region_jobs`` asks for to grow regions live."""

    def __init__(self, scene: Scene, batch_size: Optional[int] = None,
                 cancelled: Optional[Callable[[], bool]] = None) -> None:
        check_batch_size(batch_size)
        self.scene, self.batch_size, self.cancelled = scene, batch_size, cancelled
        self._open: dict[tuple[int, tuple[str, ...]], Scorer] = {}

    def get(self, classifier: Classifier, axes: Sequence[str]) -> Scorer:
        key = (id(classifier), tuple(axes))
        if key not in self._open:
            self._open[key] = Scorer(self.scene, classifier, axes, self.batch_size, self.cancelled)
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
