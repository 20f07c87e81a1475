"""Map settings: which axes to draw, the grid resolution, and how hidden axes are handled."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QPushButton, QWidget

from semviewer.core.scene.axes import AXIS_NAMES
from semviewer.core.maps.grids import RESOLUTIONS
from semviewer.core.maps.semantic_map import AGGREGATES

NONE = "(none: 1-D curve)"
SLICE = "slice at the current pose"


#: The resolution entry of a map whose grid is none of the named ones.
LOADED = "as loaded"


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
        self.x_axis.setToolTip("The scene parameter along the map's horizontal axis (u₁ of f(u)); choosing the "
                               "vertical axis's swaps the two")
        self.y_axis.setToolTip("The scene parameter along the vertical axis (u₂), or none for a 1-D curve of f")
        form.addRow("horizontal axis", self.x_axis)
        form.addRow("vertical axis", self.y_axis)
        self.resolution = QComboBox()
        self.resolution.setObjectName("mapResolutionCombo")
        for name, steps in RESOLUTIONS.items():
            self.resolution.addItem(f"{name} ({steps['azimuth']:g}° × {steps['elevation']:g}°)", name)
        self.resolution.setToolTip("The grid step of the map on each axis (the paper's grid is 3° × 3°: 4,080 "
                                   "poses); finer maps take longer, cached maps return at once")
        form.addRow("resolution", self.resolution)
        self.aggregate = QComboBox()
        self.aggregate.setObjectName("aggregateCombo")
        self.aggregate.addItem(SLICE, None)
        for a in AGGREGATES:
            self.aggregate.addItem(f"{a} over the other axes of a loaded N-D map", a)
        self.aggregate.setToolTip("The axes not shown: held at the current pose (a slice), or the mean, minimum "
                                  "or maximum over them for a loaded N-D map")
        form.addRow("hidden axes", self.aggregate)
        form.addRow("speed", self._adaptive_row())
        for combo in (self.x_axis, self.y_axis, self.resolution, self.aggregate):   # long entries never widen the
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)  # dock:
            combo.setMinimumContentsLength(14)                                      # the maps get the width
        row = QHBoxLayout()
        self.compute = QPushButton("Compute map")
        self.compute.setObjectName("computeMapButton")
        self.compute.setToolTip("Render and classify every pose of the grid: the semantic map of the true class "
                                "(Ctrl+R); a preview of the whole domain comes first")
        self.compute.clicked.connect(self.compute_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelButton")
        self.cancel.setToolTip("Stop the map computation and the solver (Esc); what finished is kept")
        self.cancel.clicked.connect(self.cancel_requested)
        self.cancel.setEnabled(False)                   # enabled while a map or solver job runs
        row.addWidget(self.compute)
        row.addWidget(self.cancel)
        form.addRow(row)
        self._shown = (self.x_axis.currentData(), self.y_axis.currentData())
        self.x_axis.currentIndexChanged.connect(lambda: self._never_twice(self.x_axis, self.y_axis))
        self.y_axis.currentIndexChanged.connect(lambda: self._never_twice(self.y_axis, self.x_axis))
        for combo in (self.x_axis, self.y_axis, self.aggregate):
            combo.currentIndexChanged.connect(self.view_changed)

    def _adaptive_row(self) -> QHBoxLayout:
        """The adaptive checkbox and its tolerance."""
        adaptive_row = QHBoxLayout()
        self.adaptive = QCheckBox("adaptive, tolerance")
        self.adaptive.setObjectName("adaptiveCheck")
        self.adaptive.setToolTip("Compute the finer levels only where the coarser level's neighbours differ by more "
                                 "than the tolerance (in p, or in whether the true class ranks first), interpolating "
                                 "the rest: far fewer renders on smooth maps. The map says what it computed.")
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setObjectName("adaptiveTolerance")
        self.tolerance.setRange(0.005, 0.5)
        self.tolerance.setSingleStep(0.01)
        self.tolerance.setDecimals(3)
        self.tolerance.setValue(0.05)
        adaptive_row.addWidget(self.adaptive)
        adaptive_row.addWidget(self.tolerance, 1)
        self.adaptive.toggled.connect(self.view_changed)
        self.tolerance.valueChanged.connect(lambda: self.adaptive.isChecked() and self.view_changed.emit())
        return adaptive_row

    def _never_twice(self, changed: QComboBox, other: QComboBox) -> None:
        """Choosing the axis the other combo shows swaps the two (a map never shows one axis twice)."""
        if changed.currentData() is not None and changed.currentData() == other.currentData():
            before = self._shown[0] if changed is self.x_axis else self._shown[1]
            other.blockSignals(True)
            other.setCurrentIndex(other.findData(before))
            other.blockSignals(False)
        self._shown = (self.x_axis.currentData(), self.y_axis.currentData())

    def shown_axes(self) -> list[str]:
        x, y = self.x_axis.currentData(), self.y_axis.currentData()
        return [x] if y is None or y == x else [x, y]

    def set_shown_axes(self, names: list[str]) -> None:
        self.x_axis.setCurrentIndex(AXIS_NAMES.index(names[0]))
        self.y_axis.setCurrentIndex(AXIS_NAMES.index(names[1]) if len(names) > 1 else len(AXIS_NAMES))
        self._shown = (self.x_axis.currentData(), self.y_axis.currentData())

    def show_loaded_grid(self, steps: Optional[str]) -> None:
        """The grid of a map that came from elsewhere (a study unit, a map file) when it is none of the
        named resolutions: an entry "as loaded (30° × 20°)", chosen; None removes it."""
        index = self.resolution.findData(LOADED)
        self.resolution.blockSignals(True)
        if steps is None and index >= 0:
            self.resolution.removeItem(index)
        elif steps is not None:
            if index < 0:
                self.resolution.addItem("", LOADED)
                index = self.resolution.count() - 1
            self.resolution.setItemText(index, f"as loaded ({steps})")
            self.resolution.setCurrentIndex(index)
        self.resolution.blockSignals(False)

    def show_adaptive(self, tolerance: Optional[float]) -> None:
        """The document's adaptive setting, without echoing it back."""
        for widget in (self.adaptive, self.tolerance):
            widget.blockSignals(True)
        self.adaptive.setChecked(tolerance is not None)
        if tolerance is not None:
            self.tolerance.setValue(tolerance)
        for widget in (self.adaptive, self.tolerance):
            widget.blockSignals(False)

    def set_resolution(self, name: str) -> None:
        index = self.resolution.findData(name)
        if index >= 0:
            self.resolution.setCurrentIndex(index)


