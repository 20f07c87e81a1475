"""The pose and the live view: viewport, spin boxes and map cursors follow the document's pose;
the live view renders and classifies it; frames and predictions come back to the window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np
from PySide6.QtCore import QObject

from semviewer.core.scene.axes import Pose

if TYPE_CHECKING:
    from semviewer.gui.main_window import MainWindow


class PoseController(QObject):
    """Connects the viewport, the pose controls and the live view to the document. A QObject, so
    that frames and predictions from the live view's threads arrive in the GUI thread."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window
        self.doc = doc = window.document
        self.predicted_pose: Optional[Pose] = None   # the pose the predictions panel shows
        window.viewport.pose_edited.connect(doc.set_pose)
        window.controls.pose_edited.connect(doc.set_pose)
        window.controls.reset_requested.connect(doc.reset_pose)
        window.live.frame_ready.connect(self._on_frame)
        window.live.prediction_ready.connect(self._on_prediction)
        window.live.failed.connect(window.feedback.live_failed)
        doc.events.pose.connect(lambda: self.sync(request=True))
        doc.events.frame.connect(lambda: window.viewport.set_frame(doc.frame, doc.frame_pose))
        doc.events.object.connect(lambda: window.live.set_mesh(doc.mesh, doc.render_settings))
        doc.events.classes.connect(lambda: window.live.request(doc.pose))
        doc.events.model.connect(self._model_changed)
        doc.events.title.connect(lambda: window.setWindowTitle(doc.title()))

    def sync(self, request: bool) -> None:
        """Show the document's pose everywhere; ``request`` renders and classifies it."""
        pose = self.doc.pose
        self.w.viewport.set_pose(pose)
        self.w.controls.set_pose(pose)
        shown = self.doc.map_axes
        y = pose[shown[1]] if len(shown) > 1 else None
        for view in (self.w.map_view, self.w.compare_view):
            view.set_cursor(pose[shown[0]], y)
        if request:
            self.w.live.request(pose)

    def _on_frame(self, image: np.ndarray, pose: Pose) -> None:
        self.doc.set_frame(image, pose)

    def _model_changed(self) -> None:
        if self.doc.classifier is not None:
            self.w.live.set_classifier(self.doc.classifier)

    def _on_prediction(self, probs: np.ndarray, pose: Pose) -> None:
        classifier = self.doc.classifier
        if self.doc.classes is not None and classifier is not None:
            self.w.predictions.show_probabilities(probs, self.doc.classes, classifier.name)
            self.predicted_pose = pose

    def pose_from_map(self, x: float, y: float) -> Pose:
        shown = self.doc.map_axes
        values = {shown[0]: x}
        if len(shown) > 1 and np.isfinite(y):
            values[shown[1]] = y
        return self.doc.pose_at(values)
