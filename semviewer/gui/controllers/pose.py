"""The pose and the live view: the viewport and the pose fields follow the document's pose; the
live view renders and classifies it; frames and predictions come back to the document and panel."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
from PySide6.QtCore import QObject

from semviewer.core.scene.axes import Pose
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.session.document import Document, title
from semviewer.gui.feedback import Feedback
from semviewer.gui.live_view import LiveView
from semviewer.gui.widgets.controls import AxisControls
from semviewer.gui.widgets.predictions import PredictionsPanel
from semviewer.gui.widgets.viewport import Viewport
from semviewer.pipeline.scene import fitted_settings


class PoseController(QObject):
    """Connects the viewport, the pose fields, the predictions panel and the live view to the
    document. A QObject, so that frames and predictions from the live view's threads arrive in
    the GUI thread."""

    def __init__(self, doc: Document, viewport: Viewport, controls: Sequence[AxisControls], predictions: PredictionsPanel,
                 live: LiveView, feedback: Feedback, set_title: Callable[[str], None],
                 parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.doc, self.viewport, self.controls, self.predictions, self.live = doc, viewport, controls, predictions, live
        self.predicted_pose: Optional[Pose] = None   # the pose the predictions panel shows
        self.feedback = feedback
        viewport.pose_edited.connect(self._dragged)
        for fields in controls:
            fields.pose_edited.connect(doc.scene.set_pose)
            fields.reset_requested.connect(doc.scene.reset_pose)
        live.frame_ready.connect(self._on_frame)
        live.prediction_ready.connect(self._on_prediction)
        live.failed.connect(feedback.live_failed)
        doc.scene.events.pose.connect(lambda pose: self.sync())
        self._live_settings: Optional[RenderSettings] = None      # what the live view renders with
        for event in (doc.scene.events.object, doc.scene.events.settings):
            event.connect(self._show_mesh)
        doc.scene.events.classes.connect(lambda: live.request(doc.scene.pose))
        doc.model.events.model.connect(self._model_changed)
        for event in (doc.scene.events.object, doc.scene.events.classes, doc.model.events.model,
                      doc.maps.events.changed):
            event.connect(lambda *changed: set_title(title(doc)))

    def _dragged(self, pose: Pose) -> None:
        """A drag on the viewport; moving a light that stands straight above changes nothing, so say why."""
        before = self.doc.scene.pose
        self.doc.scene.set_pose(pose)
        if pose["light_elevation"] >= 89.99 and pose["light_azimuth"] != before["light_azimuth"]:
            self.feedback.status("the light is straight above (light elevation 90°): its azimuth changes nothing; "
                                 "Ctrl+drag vertically to lower it first")

    def sync(self) -> None:
        """Show the document's pose in the viewport and the fields; render and classify it."""
        pose = self.doc.scene.pose
        self.viewport.set_pose(pose)
        for fields in self.controls:
            fields.set_pose(pose)
        self.live.request(pose)

    def _on_frame(self, image: np.ndarray, pose: Pose) -> None:
        self.viewport.set_frame(image, pose)

    def frame(self) -> Optional[np.ndarray]:
        """The render shown now (exactly what the network classifies), or None before the first."""
        return self.viewport.frame

    def _fitted(self) -> RenderSettings:
        classifier = self.doc.model.classifier
        settings = self.doc.scene.render_settings
        return settings if classifier is None else fitted_settings(settings, classifier.spec.input_hw)

    def _show_mesh(self) -> None:
        """The live view renders the document's scene at the aspect of the model's input."""
        if self.doc.scene.mesh is not None:
            self._live_settings = self._fitted()
            self.live.set_mesh(self.doc.scene.mesh, self._live_settings)

    def _model_changed(self) -> None:
        classifier = self.doc.model.classifier
        if classifier is not None:
            if self._live_settings is not None and self._fitted() != self._live_settings:
                self._show_mesh()                  # a model whose input has another aspect
            self.viewport.set_input_size(classifier.spec.input_hw)
            self.live.set_classifier(classifier)

    def _on_prediction(self, probs: np.ndarray, pose: Pose) -> None:
        classifier = self.doc.model.classifier
        if self.doc.scene.classes is not None and classifier is not None:
            self.predictions.show_probabilities(probs, self.doc.scene.classes, classifier.spec.display_name,
                                                classifier.labels)
            self.predicted_pose = pose
