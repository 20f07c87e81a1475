"""The solver panel: method, hyper-parameters (paper defaults), start points, score source."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from semviewer.core.document import ALL_METHODS
from semviewer.core.regions import METHOD_LABELS, METHODS, RegionConfig



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
        d = RegionConfig()
        self.method = QComboBox()
        self.method.setObjectName("solverMethodCombo")
        for m in METHODS:
            self.method.addItem(METHOD_LABELS[m], m)
        self.method.addItem("All three", ALL_METHODS)
        self.method.setCurrentIndex(1)
        form.addRow("method", self.method)
        self.source = QComboBox()
        self.source.setObjectName("scoreSourceCombo")
        self.source.addItem("computed map (instant)", "map")
        self.source.addItem("live renders (exact, slower)", "live")
        form.addRow("score", self.source)
        self.steps = self._int(form, "steps T", d.steps, 1, 100000)
        self.lr = self._float(form, "learning rate η", d.lr, 1e-6, 100.0, 4)
        self.alpha = self._float(form, "α (OIR outer margin)", d.alpha, 1e-4, 1.0, 4)
        self.beta = self._float(form, "β (OIR_W)", d.beta, 0.0, 1.9, 5)
        self.lam = self._float(form, "λ (naive)", d.lam, 0.0, 100.0, 4)
        self.eps = self._float(form, "seed half-width", d.eps, 1e-6, 90.0, 5)
        self.max_step = self._float(form, "step cap (fraction of range)", d.max_step, 0.0, 1.0, 4)
        self.max_step.setObjectName("maxStepSpin")
        self.max_step.setSpecialValueText("none (the paper's)")
        self.max_step.setToolTip("Opt-in: the largest move of a bound in one step, as a fraction of its range "
                                 "(e.g. 0.005). 0 = the paper's plain gradient descent.")
        self.early = QCheckBox("stop early when the bounds settle")
        self.early.setObjectName("earlyStopCheck")
        form.addRow(self.early)
        self.starts_label = QLabel("no start points: click the map with Ctrl, or use the paper's")
        self.starts_label.setWordWrap(True)
        outer.addWidget(self.starts_label)
        row = QHBoxLayout()
        paper = QPushButton("Paper starts")
        paper.setObjectName("paperStartsButton")
        paper.clicked.connect(self.paper_starts_requested)
        clear = QPushButton("Clear starts")
        clear.setObjectName("clearStartsButton")
        clear.clicked.connect(self.clear_starts_requested)
        row.addWidget(paper)
        row.addWidget(clear)
        outer.addLayout(row)
        self.pick = QCheckBox("plain clicks on the map add start points")
        self.pick.setObjectName("pickStartsCheck")
        outer.addWidget(self.pick)
        row = QHBoxLayout()
        self.start = QPushButton("Start")
        self.start.setObjectName("startSolverButton")
        self.start.clicked.connect(self.start_requested)
        self.stop = QPushButton("Stop")
        self.stop.setObjectName("stopSolverButton")
        self.stop.setEnabled(False)
        self.stop.clicked.connect(self.stop_requested)
        row.addWidget(self.start)
        row.addWidget(self.stop)
        outer.addLayout(row)
        self.status = QLabel("")
        self.status.setObjectName("solverStatusLabel")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        outer.addStretch(1)

    @staticmethod
    def _int(form: QFormLayout, label: str, value: int, lo: int, hi: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setValue(value)
        form.addRow(label, box)
        return box

    @staticmethod
    def _float(form: QFormLayout, label: str, value: float, lo: float, hi: float, decimals: int) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setDecimals(decimals)
        box.setRange(lo, hi)
        box.setValue(value)
        form.addRow(label, box)
        return box

    def methods(self) -> list[str]:
        chosen = self.method.currentData()
        return list(METHODS) if chosen == ALL_METHODS else [chosen]

    def config(self, method: str) -> RegionConfig:
        return RegionConfig(method=method, steps=self.steps.value(), lr=self.lr.value(), alpha=self.alpha.value(),
                            beta=self.beta.value(), lam=self.lam.value(), eps=self.eps.value(),
                            tol=1e-3 if self.early.isChecked() else 0.0, max_step=self.max_step.value())

    def set_config(self, config: dict) -> None:
        for key, box in (("steps", self.steps), ("lr", self.lr), ("alpha", self.alpha), ("beta", self.beta),
                         ("lam", self.lam), ("eps", self.eps), ("max_step", self.max_step)):
            if key in config:
                box.setValue(config[key])

    def set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.stop.setEnabled(running)
