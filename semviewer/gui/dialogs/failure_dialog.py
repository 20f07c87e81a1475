"""Run → Find failures: which axes to search, over which ranges, with what budget and method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QGroupBox, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from semviewer.core.errors import SemviewerError
from semviewer.core.failures.search import (DEFAULT_BUDGET, DEFAULT_MERGE_DISTANCE, MAX_AXES, MAX_BUDGET, METHODS,
                                            OBJECTIVES, check_search)
from semviewer.core.maps.grids import MAP_RANGES
from semviewer.core.scene.axes import AXES

OBJECTIVE_TEXTS = {"probability": "lowest p(true class)", "margin": "largest margin of the best wrong class"}
METHOD_TEXTS = {"cma-es": "CMA-ES with restarts", "random": "random search (the baseline)"}


@dataclass(frozen=True)
class FailureSettings:
    """What a search is asked to do."""

    axes: tuple[str, ...]
    domain: np.ndarray
    budget: int = DEFAULT_BUDGET
    method: str = "cma-es"
    objective: str = "probability"
    seed: int = 0
    merge_distance: float = DEFAULT_MERGE_DISTANCE

    @property
    def sample(self) -> int:
        return self.budget // 4

    def check(self) -> None:
        """SemviewerError naming what is wrong."""
        check_search(self.axes, self.domain, self.budget, self.sample, self.method, self.objective,
                     self.merge_distance)


def searchable_axes() -> list[str]:
    """The axes a search may move along: the continuous ones."""
    return [name for name, axis in AXES.items() if not axis.categorical]


def default_range(name: str) -> tuple[float, float]:
    """An axis's range in the dialog: the map grids' range, else its whole domain."""
    axis = AXES[name]
    return tuple(MAP_RANGES.get(name, (axis.lower, axis.upper)))


class FailureDialog(QDialog):
    """Axes with their ranges (the ``initial`` ones checked), budget, method, objective and seed;
    OK is refused, with the reason under the form, while the settings are not sound."""

    def __init__(self, initial: FailureSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find failures")
        self.setObjectName("failureDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Search the checked axes for poses where the network's top-1 class is not the true "
                                "class. The other axes stay at the current pose."))
        layout.addWidget(self._axes(initial))
        layout.addLayout(self._form(initial))
        self.error = QLabel("")
        self.error.setObjectName("failureDialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Search")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def _axes(self, initial: FailureSettings) -> QScrollArea:
        """A row per continuous axis: checked when searched, with its range."""
        box = QGroupBox(f"Axes (2 to {MAX_AXES})")
        grid = QGridLayout(box)
        self.rows: dict[str, tuple[QCheckBox, QDoubleSpinBox, QDoubleSpinBox]] = {}
        ranges = {name: tuple(row) for name, row in zip(initial.axes, np.asarray(initial.domain, float))}
        for i, name in enumerate(searchable_axes()):
            axis = AXES[name]
            check = QCheckBox(axis.label)
            check.setObjectName(f"failureAxis-{name}")
            check.setToolTip(axis.description)
            check.setChecked(name in initial.axes)
            lo, hi = ranges.get(name, default_range(name))
            spins = []
            for value in (lo, hi):
                spin = QDoubleSpinBox()
                spin.setDecimals(2)
                spin.setRange(axis.lower, axis.upper)
                spin.setValue(value)
                spins.append(spin)
            grid.addWidget(check, i, 0)
            grid.addWidget(spins[0], i, 1)
            grid.addWidget(QLabel("to"), i, 2)
            grid.addWidget(spins[1], i, 3)
            self.rows[name] = (check, spins[0], spins[1])
        grid.setColumnStretch(4, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        return scroll

    def _form(self, initial: FailureSettings) -> QFormLayout:
        """Budget, method, objective and seed."""
        form = QFormLayout()
        self.budget = QSpinBox()
        self.budget.setObjectName("failureBudget")
        self.budget.setRange(1, MAX_BUDGET)
        self.budget.setSingleStep(100)
        self.budget.setValue(initial.budget)
        self.budget.setToolTip("Renders and classifications in all; a quarter of them measure the failure rate "
                               "on a uniform sample")
        form.addRow("Budget (evaluations)", self.budget)
        self.method = QComboBox()
        self.method.setObjectName("failureMethod")
        for m in METHODS:
            self.method.addItem(METHOD_TEXTS[m], m)
        self.method.setCurrentIndex(max(0, self.method.findData(initial.method)))
        form.addRow("Method", self.method)
        self.objective = QComboBox()
        self.objective.setObjectName("failureObjective")
        for o in OBJECTIVES:
            self.objective.addItem(OBJECTIVE_TEXTS[o], o)
        self.objective.setCurrentIndex(max(0, self.objective.findData(initial.objective)))
        form.addRow("Look for", self.objective)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(initial.seed)
        self.seed.setToolTip("The same seed gives the same search")
        form.addRow("Seed", self.seed)
        return form

    def settings(self) -> FailureSettings:
        """The settings as the form stands (not checked)."""
        names = [name for name, (check, _, _) in self.rows.items() if check.isChecked()]
        domain = np.array([[self.rows[n][1].value(), self.rows[n][2].value()] for n in names]).reshape(-1, 2)
        return FailureSettings(tuple(names), domain, self.budget.value(), self.method.currentData(),
                               self.objective.currentData(), self.seed.value())

    def set_axes(self, ranges: dict[str, Sequence[float]]) -> None:
        """Check exactly the axes of ``ranges``, with those ranges (for scripts and tests)."""
        for name, (check, lo, hi) in self.rows.items():
            check.setChecked(name in ranges)
            if name in ranges:
                lo.setValue(ranges[name][0])
                hi.setValue(ranges[name][1])

    def accept(self) -> None:  # noqa: D401 - Qt's name
        try:
            self.settings().check()
        except SemviewerError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
