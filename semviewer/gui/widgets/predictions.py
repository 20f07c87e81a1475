"""The predictions panel: top-5 classes as bars and the true-class probability."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from semviewer.core.inference.outputs import class_score, top_k
from semviewer.core.models.labels import ClassSet, Labels

ROWS = 5


class PredictionsPanel(QWidget):
    """Shows what the network says about exactly the render in the viewport."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionsPanel")
        layout = QVBoxLayout(self)
        self.header = QLabel("loading the model…")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        grid = QGridLayout()
        self.names: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        for i in range(ROWS):
            name = QLabel("")
            name.setMinimumWidth(150)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setFormat("")
            bar.setTextVisible(True)
            grid.addWidget(name, i, 0)
            grid.addWidget(bar, i, 1)
            self.names.append(name)
            self.bars.append(bar)
        layout.addLayout(grid)
        self.true_label = QLabel("")
        self.true_label.setToolTip("p(C): the probability of the true class set C (summed over its classes) for "
                                   "exactly this render, and its rank among all classes (1: top-1)")
        self.true_label.setObjectName("trueClassLabel")
        layout.addWidget(self.true_label)
        layout.addStretch(1)
        self.probabilities: Optional[np.ndarray] = None
        self.true_probability: Optional[float] = None

    def set_status(self, text: str) -> None:
        self.header.setText(text)

    def show_probabilities(self, probs: np.ndarray, classes: ClassSet, model: str,
                           labels: Optional[Labels] = None) -> None:
        """The top classes of one render by the model's own label names; the true class set (on
        those labels) starred, its probability and rank."""
        labels = labels or classes.labels
        names = labels.names if len(labels) == len(probs) else [str(i) for i in range(len(probs))]
        true = classes.on(labels) if len(labels) == len(probs) else None
        self.probabilities = probs
        for (i, p), name, bar in zip(top_k(probs, ROWS), self.names, self.bars):
            mark = "★ " if true is not None and i in true.ids else ""
            name.setText(f"{mark}{names[i]}")
            name.setToolTip(f"class {i}: {names[i]}")
            bar.setValue(int(round(p * 1000)))
            bar.setFormat(f"{p:.1%}")
        if true is None:
            self.true_probability = None
            self.true_label.setText(f"the model has no class {classes}")
        else:
            self.true_probability = float(class_score(probs, true.ids))
            rank = int((probs > probs[list(true.ids)].max()).sum()) + 1
            self.true_label.setText(f"<b>p({true}) = {self.true_probability:.3f}</b> (rank {rank})")
        model = Path(model).name if "/" in model else model
        self.header.setText(f"{model}: top {ROWS} for this render")
