"""The failures found: a summary line, one row per distinct failure (its render, p(true class),
top-1 label and pose), and the buttons to search and to grow regions beside them."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

from semviewer.core.failures.figure import pose_text
from semviewer.core.failures.result import Failure

THUMBNAIL = 72
CELL_WIDTH = 124


def thumbnail(image: np.ndarray, size: int = THUMBNAIL) -> QIcon:
    """An icon of a uint8 (H, W, 3) render."""
    data = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    h, w = data.shape[:2]
    qimage = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))


class FailuresPanel(QWidget):
    """Lists failures; a click on one asks to move the pose there (``failure_selected``)."""

    failure_selected = Signal(int)
    find_requested = Signal()
    starts_requested = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel("No search yet: Run → Find failures looks for poses where the network is wrong.")
        self.summary.setObjectName("failuresSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()                 # a strip of renders: the dock is wide and short
        self.list.setObjectName("failuresList")
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setGridSize(QSize(CELL_WIDTH, THUMBNAIL + 44))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setToolTip("Click a failure to move the pose there; select several (Ctrl, Shift) to start regions "
                             "beside them")
        self.list.itemClicked.connect(lambda item: self.failure_selected.emit(self.list.row(item)))
        self.list.itemActivated.connect(lambda item: self.failure_selected.emit(self.list.row(item)))
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        buttons = QVBoxLayout()
        self.find = QPushButton("Find failures…")
        self.find.setObjectName("findFailuresButton")
        self.find.clicked.connect(self.find_requested)
        self.use_as_starts = QPushButton("Use as start points")
        self.use_as_starts.setObjectName("failureStartsButton")
        self.use_as_starts.setToolTip("Start robust regions beside the selected failures (or the four worst): at "
                                      "the nearest pose of the map where the network is right")
        self.use_as_starts.clicked.connect(self.starts_requested)
        self.use_as_starts.setEnabled(False)
        buttons.addWidget(self.find)
        buttons.addWidget(self.use_as_starts)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row, 1)

    def set_failures(self, failures: Sequence[Failure], images: Optional[np.ndarray], summary: str) -> None:
        """Show ``failures`` (with their renders when given) under ``summary``."""
        self.summary.setText(summary)
        row = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for i, failure in enumerate(failures):
            item = QListWidgetItem(f"{i + 1}. p {failure.p_true:.3f}\n{failure.label_name[:20]}")
            item.setToolTip(f"p(true class) {failure.p_true:.4f}; top-1 {failure.label_name} ({failure.label_p:.1%})\n"
                            f"{pose_text(failure, digits=2)}\nfound after {failure.evaluations} evaluations")
            if images is not None and i < len(images):
                item.setIcon(thumbnail(images[i]))
            self.list.addItem(item)
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self.use_as_starts.setEnabled(bool(failures))

    def set_running(self, running: bool) -> None:
        self.find.setEnabled(not running)

    def selected_rows(self) -> list[int]:
        """The rows selected, in order."""
        return sorted(self.list.row(item) for item in self.list.selectedItems())
