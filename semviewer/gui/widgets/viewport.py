"""The viewport: the live render the network classifies, driven by mouse drags and the wheel."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QWheelEvent, QColor
from PySide6.QtWidgets import QSizePolicy, QWidget

from semviewer.core.scene.axes import AXES, Pose

DEGREES_PER_PIXEL = 0.5
DISTANCE_PER_WHEEL_STEP = 0.1


def _clamp(name: str, value: float) -> float:
    return AXES[name].clamp(value)


def dragged_pose(pose: Pose, dx: float, dy: float, modifiers: Qt.KeyboardModifier) -> Pose:
    """The pose after dragging by (dx, dy) pixels: plain drag turns the camera,
    Shift rolls it, Ctrl moves the light."""
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return pose.replace(roll=_clamp("roll", pose["roll"] + dx * DEGREES_PER_PIXEL))
    if modifiers & Qt.KeyboardModifier.ControlModifier:
        return pose.replace(light_azimuth=_clamp("light_azimuth", pose["light_azimuth"] - dx * DEGREES_PER_PIXEL),
                            light_elevation=_clamp("light_elevation", pose["light_elevation"] + dy * DEGREES_PER_PIXEL))
    return pose.replace(azimuth=_clamp("azimuth", pose["azimuth"] - dx * DEGREES_PER_PIXEL),
                        elevation=_clamp("elevation", pose["elevation"] + dy * DEGREES_PER_PIXEL))


class Viewport(QWidget):
    """Shows frames (uint8 RGB arrays) scaled to fit; emits the pose the user drags to."""

    pose_edited = Signal(object)     # Pose

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewport")
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Drag: azimuth / elevation · Shift+drag: roll · Ctrl+drag: light · Wheel: distance")
        self.setAccessibleName("Live render of the object at the current pose")
        self.pose = Pose()
        self.frame_pose: Optional[Pose] = None
        self._image: Optional[QImage] = None
        self._frame: Optional[np.ndarray] = None
        self._last: Optional[QPointF] = None
        self.message = "rendering…"
        self.input_size: Optional[tuple[int, int]] = None    # the model's input (height, width), when known

    def set_input_size(self, input_hw: Optional[tuple[int, int]]) -> None:
        """The size the network is fed (said under the render when the render is resized to it)."""
        self.input_size = input_hw
        self.update()

    def set_pose(self, pose: Pose) -> None:
        self.pose = pose

    def set_frame(self, frame: np.ndarray, pose: Optional[Pose] = None) -> None:
        """Show an (H, W, 3) uint8 frame, rendered at ``pose`` (the overlay names the frame's pose,
        not the one requested since)."""
        self._frame = np.ascontiguousarray(frame)
        self.frame_pose = pose
        h, w, _ = self._frame.shape
        self._image = QImage(self._frame.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.update()

    @property
    def frame(self) -> Optional[np.ndarray]:
        return self._frame

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())     # the bands beside a square render: the
        if self._image is None:                                     # window's own colour, not black
            painter.fillRect(self.rect(), QColor(20, 20, 20))
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        h, w = self._frame.shape[:2]
        scale = min(self.width() / w, self.height() / h)          # the render's own aspect (a model's input)
        target = QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, self._image)
        painter.setPen(self.palette().mid().color())
        painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
        below = QRectF(0, target.bottom() + 4, self.width(), self.height() - target.bottom() - 4)
        if below.height() >= 16:
            painter.setPen(self.palette().windowText().color())
            painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.size_text(scale))
        painter.setPen(QColor(230, 230, 230))
        p = self.frame_pose or self.pose
        painter.drawText(target.adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         f"az {p['azimuth']:.1f}°  el {p['elevation']:.1f}°  d {p['distance']:.2f}")

    def size_text(self, scale: float) -> str:
        """``network input 224 × 224, ×1.4``, or with the render's size when the network gets it resized."""
        h, w = self._frame.shape[:2]
        if self.input_size is None or tuple(self.input_size) == (h, w):
            return f"network input {w} × {h}, ×{scale:.2g}"
        return f"render {w} × {h} → network input {self.input_size[1]} × {self.input_size[0]}, ×{scale:.2g}"

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._last is None:
            return
        pos = event.position()
        dx, dy = pos.x() - self._last.x(), pos.y() - self._last.y()
        self._last = pos
        if dx or dy:
            self.pose = dragged_pose(self.pose, dx, dy, event.modifiers())
            self.pose_edited.emit(self.pose)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._last = None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            distance = _clamp("distance", self.pose["distance"] - steps * DISTANCE_PER_WHEEL_STEP)
            self.pose = self.pose.replace(distance=distance)
            self.pose_edited.emit(self.pose)
