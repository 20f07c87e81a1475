"""Numeric controls for every semantic axis, kept in sync with drags and map clicks."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QPushButton, QWidget

from semviewer.core.scene.axes import AXES, Pose


class AxisControls(QWidget):
    """One spin box per axis; edits emit the new pose; ``set_pose`` updates without emitting."""

    pose_edited = Signal(object)
    reset_requested = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("axisControls")
        form = QFormLayout(self)
        self.boxes: dict[str, QDoubleSpinBox] = {}
        for name, axis in AXES.items():
            box = QDoubleSpinBox()
            box.setObjectName(f"{name}Spin")
            box.setDecimals(2)
            box.setRange(axis.lower, axis.upper)
            box.setSingleStep(1.0 if axis.unit == "°" else 0.1)
            box.setWrapping(axis.periodic)
            box.setSuffix(f" {axis.unit}" if axis.unit == "°" else "")
            box.setToolTip(axis.description)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._edited)
            form.addRow(name.replace("_", " "), box)
            self.boxes[name] = box
        reset = QPushButton("Reset view")
        reset.setObjectName("resetViewButton")
        reset.clicked.connect(self.reset_requested)
        form.addRow(reset)
        self._pose = Pose()

    def set_pose(self, pose: Pose) -> None:
        self._pose = pose
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setValue(pose[name])
            box.blockSignals(False)

    def _edited(self) -> None:
        values = {name: box.value() for name, box in self.boxes.items()}
        self._pose = Pose(values)
        self.pose_edited.emit(self._pose)
