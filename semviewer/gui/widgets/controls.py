"""Numeric controls for every semantic axis, kept in sync with drags and map clicks."""

from __future__ import annotations

import math
from typing import Optional, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

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


#: The groups of axes, as the pose panel shows them.
GROUPS = {"camera": "Camera", "light": "Light", "placement": "Placement in the frame", "scene": "Scene",
          "corruption": "Corruptions (severity 0-5)"}


def _spin(axis: Axis) -> AxisSpinBox:
    box = AxisSpinBox(axis)
    box.setObjectName(f"{axis.name}Spin")
    box.setDecimals(2)
    box.setRange(axis.lower, axis.upper)
    box.setSingleStep(1.0 if axis.unit == "°" else 0.25 if axis.group == "corruption" else 0.1)
    box.setWrapping(axis.periodic)
    box.setSuffix(f" {axis.unit}" if axis.unit in ("°", "×") else "")
    box.setToolTip(axis.description)
    box.setKeyboardTracking(False)
    return box


class AxisControls(QScrollArea):
    """A field for each semantic axis of some ``groups``, grouped (a number for a continuous axis, a
    choice by name for a categorical one); edits emit the whole new pose; ``set_pose`` updates
    without emitting."""

    pose_edited = Signal(object)
    reset_requested = Signal()

    def __init__(self, groups: Sequence[str] = tuple(GROUPS), name: str = "axisControls", reset: bool = True,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWidgetResizable(True)
        inside = QWidget()
        column = QVBoxLayout(inside)
        forms = {}
        for group in groups:
            title = GROUPS[group]
            box = QGroupBox(title)
            box.setObjectName(f"{group}Group")
            forms[group] = QFormLayout(box)
            column.addWidget(box)
        self.boxes: dict[str, QDoubleSpinBox] = {}
        self.choices: dict[str, QComboBox] = {}
        for name, axis in AXES.items():
            if axis.group not in forms:
                continue
            if axis.categorical:
                field: QWidget = self.choices.setdefault(name, QComboBox())
                field.setObjectName(f"{name}Combo")
                field.setToolTip(axis.description)
                field.currentIndexChanged.connect(self._edited)
            else:
                field = self.boxes.setdefault(name, _spin(axis))
                field.valueChanged.connect(self._edited)
            forms[axis.group].addRow(name.replace("_", " "), field)
        if reset:
            button = QPushButton("Reset view")
            button.setObjectName("resetViewButton")
            button.setToolTip("Back to the object's default pose")
            button.clicked.connect(self.reset_requested)
            column.addWidget(button)
        column.addStretch(1)
        self.setWidget(inside)
        self._pose = Pose()

    def set_categories(self, axis: str, names: Sequence[str]) -> None:
        """The values a categorical axis offers here (the scene's backgrounds, the object's materials)."""
        combo = self.choices.get(axis)
        if combo is None:
            return
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(list(names))
        combo.setCurrentIndex(min(int(self._pose[axis]), len(names) - 1))
        combo.blockSignals(False)

    def set_pose(self, pose: Pose) -> None:
        self._pose = pose
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setValue(pose[name])
            box.blockSignals(False)
        for name, combo in self.choices.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(int(pose[name]) if int(pose[name]) < combo.count() else -1)
            combo.blockSignals(False)

    def _edited(self) -> None:
        values = {name: box.value() for name, box in self.boxes.items()}
        values.update({name: float(max(0, combo.currentIndex())) for name, combo in self.choices.items()})
        self._pose = self._pose.replace(**values)          # the axes of other panels as they are
        self.pose_edited.emit(self._pose)
