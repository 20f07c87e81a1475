"""A searchable chooser for the true class set (one or more ImageNet classes)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from semviewer.core.inference.imagenet import ClassSet, imagenet_categories


class ClassSetDialog(QDialog):
    """Type to filter the 1000 ImageNet classes; select one or more (their scores are summed)."""

    def __init__(self, current: Optional[ClassSet], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("True class set")
        self.setObjectName("classSetDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The object's true class: select one or more ImageNet classes "
                                "(their probabilities are summed)."))
        self.search = QLineEdit()
        self.search.setObjectName("classSearchEdit")
        self.search.setPlaceholderText("search, e.g. mug")
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("classList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        chosen = set(current.ids) if current else set()
        for i, name in enumerate(imagenet_categories()):
            item = QListWidgetItem(f"{name}  ({i})")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
            item.setSelected(i in chosen)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self._filter)
        self.resize(420, 520)

    def _filter(self, text: str) -> None:
        needle = text.lower().strip()
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def class_set(self) -> Optional[ClassSet]:
        ids = tuple(item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems())
        return ClassSet(ids) if ids else None
