"""Numeric controls for every semantic axis, kept in sync with drags and map clicks."""

from __future__ import annotations

import math
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QPushButton, QWidget

from semviewer.core.scene.axes import AXES, Axis, Pose


class AxisSpinBox(QDoubleSpinBox):
    """A field for one axis that reads what people type: a number with a decimal point or comma
    ("12,5"), beyond the range too: a periodic axis wraps it (370° is 10°), another clips it."""

    def __init__(self, axis: Axis) -> None:
        super().__init__()
        self.axis = axis

    def _number(self, text: str) -> Optional[float]:
        text = text.strip()
        if self.suffix().strip() and text.endswith(self.suffix().strip()):
            text = text[:-len(self.suffix().strip())]
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def validate(self, text: str, pos: int):
        if self._number(text) is not None:
            return QValidator.State.Acceptable, text, pos
        bare = text.strip().removesuffix(self.suffix().strip()).strip()
        if bare in ("", "-", "+", ".", ",", "-.", "-,", "+.", "+,") or bare.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos       # on the way to a number
        return QValidator.State.Invalid, text, pos

    def valueFromText(self, text: str) -> float:
        value = self._number(text)
        return self.value() if value is None else self.axis.clamp(value)

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())


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
            box = AxisSpinBox(axis)
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
