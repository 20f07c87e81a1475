"""Map settings: which axes to draw, the grid resolution, and how hidden axes are handled."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QPushButton, QWidget

from semviewer.core.scene.axes import AXIS_NAMES
from semviewer.core.maps.grids import RESOLUTIONS
from semviewer.core.maps.semantic_map import AGGREGATES

NONE = "(none: 1-D curve)"
SLICE = "slice at the current pose"


class MapSettings(QWidget):
    """Axis choice, resolution and aggregation, with the compute and cancel buttons."""

    compute_requested = Signal()
    cancel_requested = Signal()
    view_changed = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapSettings")
        form = QFormLayout(self)
        self.x_axis = QComboBox()
        self.x_axis.setObjectName("mapXAxisCombo")
        self.y_axis = QComboBox()
        self.y_axis.setObjectName("mapYAxisCombo")
        for name in AXIS_NAMES:
            self.x_axis.addItem(name, name)
            self.y_axis.addItem(name, name)
        self.y_axis.addItem(NONE, None)
        self.x_axis.setCurrentIndex(AXIS_NAMES.index("azimuth"))
        self.y_axis.setCurrentIndex(AXIS_NAMES.index("elevation"))
        form.addRow("horizontal axis", self.x_axis)
        form.addRow("vertical axis", self.y_axis)
        self.resolution = QComboBox()
        self.resolution.setObjectName("mapResolutionCombo")
        for name, steps in RESOLUTIONS.items():
            self.resolution.addItem(f"{name} ({steps['azimuth']:g}° × {steps['elevation']:g}°)", name)
        form.addRow("resolution", self.resolution)
        self.aggregate = QComboBox()
        self.aggregate.setObjectName("aggregateCombo")
        self.aggregate.addItem(SLICE, None)
        for a in AGGREGATES:
            self.aggregate.addItem(f"{a} over the other axes of a loaded N-D map", a)
        form.addRow("hidden axes", self.aggregate)
        row = QHBoxLayout()
        self.compute = QPushButton("Compute map")
        self.compute.setObjectName("computeMapButton")
        self.compute.clicked.connect(self.compute_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelButton")
        self.cancel.setToolTip("Stop the map computation and the solver")
        self.cancel.clicked.connect(self.cancel_requested)
        self.cancel.setEnabled(False)                   # enabled while a map or solver job runs
        row.addWidget(self.compute)
        row.addWidget(self.cancel)
        form.addRow(row)
        for combo in (self.x_axis, self.y_axis, self.aggregate):
            combo.currentIndexChanged.connect(self.view_changed)

    def shown_axes(self) -> list[str]:
        x, y = self.x_axis.currentData(), self.y_axis.currentData()
        return [x] if y is None or y == x else [x, y]

    def set_shown_axes(self, names: list[str]) -> None:
        self.x_axis.setCurrentIndex(AXIS_NAMES.index(names[0]))
        self.y_axis.setCurrentIndex(AXIS_NAMES.index(names[1]) if len(names) > 1 else len(AXIS_NAMES))

    def set_resolution(self, name: str) -> None:
        index = self.resolution.findData(name)
        if index >= 0:
            self.resolution.setCurrentIndex(index)


