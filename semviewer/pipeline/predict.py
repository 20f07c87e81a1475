"""One pose rendered and classified: what ``semviewer predict`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.outputs import class_score
from semviewer.core.scene.axes import Pose
from semviewer.pipeline.scene import Scene, classes_for
from semviewer.render import Renderer


@dataclass(frozen=True)
class Prediction:
    """The render the network saw, its probabilities, and, when the scene has a true class set on the
    model's labels, that set's probability and the rank of its best class."""

    image: np.ndarray
    probabilities: np.ndarray
    true_probability: Optional[float] = None
    true_rank: Optional[int] = None


def render(scene: Scene, pose: Pose) -> np.ndarray:
    """The render of ``scene`` at ``pose`` (uint8 (H, W, 3))."""
    with Renderer(scene.mesh, scene.settings) as renderer:
        return renderer.render([pose])[0]


def predict(scene: Scene, classifier: Classifier, pose: Pose, labelled: bool = True) -> Prediction:
    """Render ``scene`` at ``pose`` and classify it; with ``labelled`` the true class set is scored."""
    image = render(scene.fitted(classifier), pose)
    probs = classifier.probabilities(image[None])[0]
    if not labelled:
        return Prediction(image, probs)
    ids = list(classes_for(scene.classes, classifier).ids)
    return Prediction(image, probs, float(class_score(probs, ids)), int((probs > probs[ids].max()).sum()) + 1)
