"""Where a score's values come from (its provenance), and the one key of a map computed from it.

The window, ``semviewer map``/``regions``/``evaluate`` and study units ask ``map_key_for`` (pure: no
render context, no computation), so a map computed by one is found by all the others.
"""

from __future__ import annotations

import datetime
from typing import Any, Sequence

from semviewer.core.inference.classifier import Classifier
from semviewer.core.maps.cache import map_key
from semviewer.core.scene.grid import GridAxis
from semviewer.core.version import software
from semviewer.pipeline.scene import Scene, classes_for


def score_provenance(scene: Scene, classifier: Classifier, axes: Sequence[str]) -> dict[str, Any]:
    """Where a score's values come from: object and mesh hash, the classifier (model, weights and
    labels with their hashes, preprocessing, engine, precision), classes, render settings, the fixed
    axes, software, date. The render settings are those at the aspect of the model's input."""
    scene = scene.fitted(classifier)
    return {"object": scene.mesh.name, "mesh_sha256": scene.mesh.sha256, **classifier.describe(),
            "classes": classes_for(scene.classes, classifier).to_json(), "render_settings": scene.settings.to_json(),
            "fixed": scene.fixed(axes), **software(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def map_key_for(scene: Scene, classifier: Classifier, grid: Sequence[GridAxis]) -> str:
    """The cache key of the map of ``scene`` by ``classifier`` on ``grid``."""
    names = [g.name for g in grid]
    return map_key(score_provenance(scene, classifier, names), grid, scene.fixed(names))
