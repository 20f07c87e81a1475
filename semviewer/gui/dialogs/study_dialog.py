"""File → Open study: the units of a study folder (object × model), one to open."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from semviewer.studies.folder import StudyUnitRecord


class StudyDialog(QDialog):
    """Lists a study's units; failed ones are shown with their error and cannot be opened."""

    def __init__(self, units: Sequence[StudyUnitRecord], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a study unit")
        self.setObjectName("studyDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Choose a unit (object × model): its object, map and regions open in the window."))
        self.list = QListWidget()
        self.list.setObjectName("studyUnitList")
        for index, unit in enumerate(units):
            item = QListWidgetItem(unit.name if unit.state == "done" else f"{unit.name} ({unit.state})")
            item.setData(Qt.ItemDataRole.UserRole, index)
            if unit.state != "done":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 360)

    def chosen(self) -> Optional[int]:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))
