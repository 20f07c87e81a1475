"""Live render + classification of the current pose, as Qt signals (the work is the pipeline's
``LivePredictions``: latest request wins, off the GUI thread)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal

from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.scheduling import PriorityGate
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.pipeline.live import LivePredictions


class LiveView(QObject):
    """Renders the pose the user is dragging to, and classifies the newest frame; results arrive as
    signals (queued into the GUI thread by Qt). ``predictions`` does the work."""

    frame_ready = Signal(object, object)        # image (H, W, 3) uint8, Pose
    prediction_ready = Signal(object, object)   # probabilities (classes,), Pose
    failed = Signal(str)

    def __init__(self, gate: Optional[PriorityGate] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.predictions = LivePredictions(self.frame_ready.emit, self.prediction_ready.emit, self.failed.emit, gate)

    def set_mesh(self, mesh: MeshData, settings: RenderSettings = RenderSettings()) -> None:
        self.predictions.set_mesh(mesh, settings)

    def wait_for_mesh(self, timeout: float = 60.0) -> None:
        self.predictions.wait_for_mesh(timeout)

    def set_classifier(self, classifier: Optional[Classifier]) -> None:
        self.predictions.set_classifier(classifier)

    def request(self, pose: Pose) -> None:
        self.predictions.request(pose)

    def close(self) -> None:
        self.predictions.close()
