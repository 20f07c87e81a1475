"""Map settings: which axes to draw, the grid resolution, and how hidden axes are handled."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QPushButton, QWidget

from semviewer.core.axes import AXIS_NAMES, GridAxis, get_axis
from semviewer.core.semantic_map import AGGREGATES

#: The range each axis is mapped over in the window (the paper's for azimuth and elevation).
MAP_RANGES = {"azimuth": (0.0, 360.0), "elevation": (-10.0, 90.0), "distance": (1.5, 6.0), "roll": (-180.0, 180.0),
              "light_azimuth": (0.0, 360.0), "light_elevation": (-90.0, 90.0), "fov": (20.0, 100.0)}
#: Grid steps per axis for each resolution ("paper" is the paper's 3° grid).
RESOLUTIONS = {
    "coarse": {"azimuth": 15.0, "elevation": 10.0, "distance": 0.5, "roll": 15.0, "light_azimuth": 15.0,
               "light_elevation": 10.0, "fov": 10.0},
    "medium": {"azimuth": 6.0, "elevation": 5.0, "distance": 0.25, "roll": 6.0, "light_azimuth": 6.0,
               "light_elevation": 5.0, "fov": 5.0},
    "paper": {"azimuth": 3.0, "elevation": 3.0, "distance": 0.1, "roll": 3.0, "light_azimuth": 3.0,
              "light_elevation": 3.0, "fov": 2.0},
}
NONE = "(none: 1-D curve)"
SLICE = "slice at the current pose"


def grid_axis(name: str, resolution: str) -> GridAxis:
    """The window's grid over an axis. Periodic axes stop one step short of the wrap point; other
    axes include their upper end when the step reaches it (coarse elevation −10…90: 11 points),
    except on the paper's grid, which is the paper's 3° grid (−10…89, 34 points)."""
    lo, hi = MAP_RANGES[name]
    step = RESOLUTIONS[resolution][name]
    count = int(np.ceil((hi - lo) / step - 1e-9))
    axis = get_axis(name)
    if resolution != "paper" and not axis.periodic and abs(lo + count * step - hi) < 1e-9 * max(1.0, abs(hi)):
        count += 1
    return GridAxis(axis, lo + step * np.arange(count), hi)


def domain_rows(names: list[str]) -> np.ndarray:
    return np.array([MAP_RANGES[n] for n in names], dtype=np.float64)


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

    def grid(self) -> tuple[GridAxis, ...]:
        res = self.resolution.currentData()
        return tuple(grid_axis(n, res) for n in self.shown_axes())

    def set_resolution(self, name: str) -> None:
        index = self.resolution.findData(name)
        if index >= 0:
            self.resolution.setCurrentIndex(index)


