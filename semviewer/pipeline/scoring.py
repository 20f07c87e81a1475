"""The score function f(u): render a batch of semantic points, classify it, take the true class."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.scene.axes import AXES, Pose, check_unique, get_axis
from semviewer.core.scene.grid import poses_from_points
from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.outputs import check_probabilities, class_score
from semviewer.core.inference.scheduling import PriorityGate, Scheduled
from semviewer.core.errors import AxisError, SemviewerError
from semviewer.core.progress import Cancelled
from semviewer.core.models.labels import ClassSet
from semviewer.core.scene.render_thread import RenderThread


@dataclass(frozen=True)
class ScoreResult:
    """Scores of a batch of points, with what else was asked for."""

    scores: np.ndarray                        # (k,) summed true-class probability
    top1: np.ndarray                          # (k,) 1.0 where the top-1 class is in the class set
    probabilities: Optional[np.ndarray] = None  # (k, classes)
    images: Optional[np.ndarray] = None         # (k, H, W, 3) uint8


class ScoreFunction:
    """f over chosen semantic axes (the others fixed at ``base``), batched end to end.

    Rendering happens in the RenderThread; the batch after the current one is rendered
    while the current one is classified, so rendering hides behind the classifier. With a ``gate``
    shared with a live view, its batches give way to live predictions (``Scheduled``).
    """

    def __init__(self, renderer: RenderThread, classifier: Classifier, classes: ClassSet,
                 axes: Sequence[str], base: Pose = Pose(), batch_size: int = 8,
                 gate: Optional[PriorityGate] = None) -> None:
        axes = list(axes)
        check_unique(axes)
        for name in axes:
            get_axis(name)
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.renderer = renderer
        self.classifier = classifier
        self._classify = Scheduled(classifier, gate) if gate is not None else classifier   # live first, if shared
        self.classes = classes
        self.axes = tuple(axes)
        self.base = base
        self.batch_size = int(batch_size)
        self.evaluations = 0
        self.forward_passes = 0
        self.cancelled: Optional[Callable[[], bool]] = None   # checked between batches: raises Cancelled
        self._ids = np.array(classes.ids)

    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def periodic(self) -> tuple[bool, ...]:
        """Which axes wrap around (the solver may ask for 361°: it is 1°)."""
        return tuple(AXES[name].periodic for name in self.axes)

    def poses(self, points: np.ndarray) -> np.ndarray:
        """Full pose rows for points over ``self.axes``; checks the axis domains."""
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != self.ndim:
            raise AxisError(f"points must have shape (k, {self.ndim}) over axes {', '.join(self.axes)}; "
                            f"got {pts.shape}")
        pts = pts.copy()
        for j, name in enumerate(self.axes):
            axis = AXES[name]
            col = pts[:, j]
            if not np.isfinite(col).all():
                raise AxisError(f"non-finite {name} value in the points")
            if axis.periodic:
                pts[:, j] = axis.lower + np.mod(col - axis.lower, axis.upper - axis.lower)
            elif col.min() < axis.lower - 1e-9 or col.max() > axis.upper + 1e-9:
                raise AxisError(f"{name} values must lie in [{axis.lower:g}, {axis.upper:g}]")
        return poses_from_points(pts, self.axes, self.base)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Scores (k,) of points (k, n)."""
        return self.evaluate(points).scores

    def evaluate(self, points: np.ndarray, probabilities: bool = False, images: bool = False) -> ScoreResult:
        """Scores and top-1 flags of points (k, n); optionally all probabilities and the renders."""
        poses = self.poses(points)
        k = len(poses)
        scores = np.empty(k, dtype=np.float64)
        top1 = np.empty(k, dtype=np.float64)
        probs_out = np.empty((k, self.classifier.num_classes), dtype=np.float32) if probabilities else None
        images_out: list[np.ndarray] = []
        starts = list(range(0, k, self.batch_size))
        # CUDA classifies asynchronously: keep two batches in flight so that the GL readback of the
        # next batch and its upload overlap inference. CPU engines finish within submit().
        depth = 2 if str(getattr(self.classifier, "device", "cpu")).startswith("cuda") else 1
        in_flight: deque = deque()

        def collect() -> None:
            start, count, pending = in_flight.popleft()
            probs = np.asarray(pending.result())
            if probs.ndim != 2 or probs.shape[0] != count:
                raise SemviewerError(f"the classifier returned {probs.shape[0] if probs.ndim else 0} rows of "
                                     f"probabilities for {count} images; the model or engine is broken")
            check_probabilities(probs, self.classifier.name)
            stop = start + count
            scores[start:stop] = class_score(probs, self._ids)
            top1[start:stop] = np.isin(probs.argmax(axis=1), self._ids)
            if probs_out is not None:
                probs_out[start:stop] = probs

        pending_render = self.renderer.submit(poses[0:self.batch_size]) if starts else None
        for n, start in enumerate(starts):
            batch_images = pending_render.result()
            if self.cancelled is not None and self.cancelled():
                raise Cancelled(f"cancelled after {start} of {k} poses")
            expected = min(self.batch_size, k - start)
            if len(batch_images) != expected:
                raise SemviewerError(f"the renderer returned {len(batch_images)} images for {expected} poses")
            if n + 1 < len(starts):   # render the next batch while this one is classified
                nxt = starts[n + 1]
                pending_render = self.renderer.submit(poses[nxt:nxt + self.batch_size])
            in_flight.append((start, expected, self._classify.submit(batch_images)))
            self.forward_passes += 1
            if images:
                images_out.append(batch_images)
            while len(in_flight) >= depth:
                collect()
        while in_flight:
            collect()
        self.evaluations += k
        all_images = np.concatenate(images_out) if images and images_out else None
        return ScoreResult(scores, top1, probs_out, all_images)
