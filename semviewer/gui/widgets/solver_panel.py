"""The solver panel: method, hyper-parameters (paper defaults), start points, score source."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from semviewer.core.session.document import ALL_METHODS
from semviewer.core.regions.config import METHOD_LABELS, METHODS, RegionConfig


def _button(text: str, name: str, signal, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.clicked.connect(signal)
    return button


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


class SolverPanel(QWidget):
    """Settings for growing robust regions; emits start/stop requests."""

    start_requested = Signal()
    stop_requested = Signal()
    paper_starts_requested = Signal()
    clear_starts_requested = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("solverPanel")
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        self._method_and_score(form)
        self._hyper_parameters(form)
        self.starts_label = QLabel("no start points: click the map with Ctrl, or use the paper's")
        self.starts_label.setWordWrap(True)
        outer.addWidget(self.starts_label)
        outer.addLayout(_row(_button("Paper starts", "paperStartsButton", self.paper_starts_requested,
                                     "The paper's four start points on azimuth × elevation (four azimuths at "
                                     "elevation 35° on a 1-D curve)"),
                             _button("Clear starts", "clearStartsButton", self.clear_starts_requested,
                                     "Remove every start point")))
        self.pick = QCheckBox("plain clicks on the map add start points")
        self.pick.setObjectName("pickStartsCheck")
        self.pick.setToolTip("When on, a click on the map adds a start point u₀ instead of moving the pose")
        outer.addWidget(self.pick)
        self.start = _button("Start", "startSolverButton", self.start_requested,
                             "Grow a region D = [a, b] around every start point u₀ with the chosen method")
        self.stop = _button("Stop", "stopSolverButton", self.stop_requested,
                            "Stop growing; the regions keep their last complete step")
        self.stop.setEnabled(False)
        outer.addLayout(_row(self.start, self.stop))
        self.status = QLabel("")
        self.status.setObjectName("solverStatusLabel")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        outer.addStretch(1)

    def _method_and_score(self, form: QFormLayout) -> None:
        self.method = QComboBox()
        self.method.setObjectName("solverMethodCombo")
        for m in METHODS:
            self.method.addItem(METHOD_LABELS[m], m)
        self.method.addItem("All three", ALL_METHODS)
        self.method.setCurrentIndex(1)
        self.method.setToolTip("Naive: ∫_D f − (λ/2)‖r‖² (small by design) · OIR_B: outer-inner ratio, "
                               "black-box · OIR_W: outer-inner ratio with ∇f at the corners")
        form.addRow("method", self.method)
        self.source = QComboBox()
        self.source.setObjectName("scoreSourceCombo")
        self.source.addItem("computed map (instant)", "map")
        self.source.addItem("live renders (exact, slower)", "live")
        self.source.setToolTip("Where f comes from: the computed map, interpolated (instant), or a render and "
                               "a classification of every corner at every step")
        form.addRow("score", self.source)

    def _hyper_parameters(self, form: QFormLayout) -> None:
        d = RegionConfig()
        self.steps = self._int(form, "steps T", d.steps, 1, 100000, "T: gradient steps per region (paper: 800)")
        self.lr = self._float(form, "learning rate η", d.lr, 1e-6, 100.0, 4,
                              "η: the gradient-descent step on the bounds a, b (paper: 0.1)")
        self.alpha = self._float(form, "α (OIR outer margin)", d.alpha, 1e-4, 1.0, 4,
                                 "α: the outer box Q is D widened by α·r/2 on each side (OIR_B; paper: 0.05)")
        self.beta = self._float(form, "β (OIR_W)", d.beta, 0.0, 1.9, 5,
                                "β: weight of the boundary term of OIR_W, below 2/(2n−1) (paper: 0.0009)")
        self.lam = self._float(form, "λ (naive)", d.lam, 0.0, 100.0, 4,
                               "λ: the naive method's size penalty; on a plateau its width tends to 1/λ "
                               "(paper: 0.1)")
        self.eps = self._float(form, "seed half-width", d.eps, 1e-6, 90.0, 5,
                               "ε: the seed box is [u₀ − ε, u₀ + ε] (paper: 1e-5; use ~1 % of the range in 3-D)")
        self.max_step = self._float(form, "step cap (fraction of range)", d.max_step, 0.0, 1.0, 4,
                                    "Opt-in: the largest move of a bound in one step, as a fraction of its range "
                                    "(e.g. 0.005). 0 = the paper's plain gradient descent.")
        self.max_step.setObjectName("maxStepSpin")
        self.max_step.setSpecialValueText("none (the paper's)")
        self.early = QCheckBox("stop early when the bounds settle")
        self.early.setObjectName("earlyStopCheck")
        self.early.setToolTip("Stop a region once its bounds move less than a tolerance for 10 steps "
                              "(the paper runs all T steps)")
        form.addRow(self.early)
        self.wrap = QCheckBox("let regions cross 0°/360°")
        self.wrap.setObjectName("wrapCheck")
        self.wrap.setToolTip("On a periodic axis whose domain is a full turn (azimuth 0…360), a bound may pass the "
                             "seam: a band of high f across 0° grows as one region, at most one turn wide, drawn as "
                             "two rectangles. Off: the paper's clipped domain.")
        form.addRow(self.wrap)

    @staticmethod
    def _int(form: QFormLayout, label: str, value: int, lo: int, hi: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setToolTip(tip)
        box.setRange(lo, hi)
        box.setValue(value)
        form.addRow(label, box)
        return box

    @staticmethod
    def _float(form: QFormLayout, label: str, value: float, lo: float, hi: float, decimals: int,
               tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setToolTip(tip)
        box.setDecimals(decimals)
        box.setRange(lo, hi)
        box.setValue(value)
        form.addRow(label, box)
        return box

    def config(self, method: str) -> RegionConfig:
        return RegionConfig(method=method, steps=self.steps.value(), lr=self.lr.value(), alpha=self.alpha.value(),
                            beta=self.beta.value(), lam=self.lam.value(), eps=self.eps.value(),
                            tol=1e-3 if self.early.isChecked() else 0.0, max_step=self.max_step.value(),
                            wrap=self.wrap.isChecked())

    def set_config(self, config: dict) -> None:
        for key, box in (("steps", self.steps), ("lr", self.lr), ("alpha", self.alpha), ("beta", self.beta),
                         ("lam", self.lam), ("eps", self.eps), ("max_step", self.max_step)):
            if key in config:
                box.setValue(config[key])
        self.wrap.setChecked(bool(config.get("wrap", False)))

    def set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.stop.setEnabled(running)
