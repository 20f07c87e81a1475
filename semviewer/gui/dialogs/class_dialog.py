"""A searchable chooser for the true class set (one or more of the model's classes)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from semviewer.core.models.labels import ClassSet, Labels, imagenet_labels
from semviewer.gui.dialogs.list_filter import filter_list


class ClassSetDialog(QDialog):
    """Type to filter the model's classes (ImageNet-1k unless it has its own labels). A click
    chooses one class, Ctrl+click adds or removes one (their scores are summed); what is chosen,
    hidden by the filter or not, is always listed under the list."""

    def __init__(self, current: Optional[ClassSet], parent: Optional[QWidget] = None,
                 labels: Optional[Labels] = None) -> None:
        super().__init__(parent)
        self.labels = labels or (current.labels if current is not None else imagenet_labels())
        self.setWindowTitle("True class set")
        self.setObjectName("classSetDialog")
        layout = QVBoxLayout(self)
        source = "ImageNet class" if self.labels.imagenet else f"class of the model's {len(self.labels)} labels"
        layout.addWidget(QLabel(f"The object's true class: click one {source}; Ctrl+click adds more "
                                f"(their probabilities are summed)."))
        self.search = QLineEdit()
        self.search.setObjectName("classSearchEdit")
        self.search.setPlaceholderText("search, e.g. mug")
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("classList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        chosen = set(current.on(self.labels).ids) if current is not None and current.on(self.labels) else set()
        for i, name in enumerate(self.labels.names):
            item = QListWidgetItem(f"{name}  ({i})")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
            item.setSelected(i in chosen)
        layout.addWidget(self.list)
        self.chosen = QLabel()
        self.chosen.setObjectName("classChosenLabel")
        self.chosen.setWordWrap(True)
        layout.addWidget(self.chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.search.textChanged.connect(lambda text: filter_list(self.list, text))
        self.list.itemSelectionChanged.connect(self._show_chosen)
        self._show_chosen()
        self.resize(440, 540)

    def _show_chosen(self) -> None:
        chosen = self.class_set()
        self.chosen.setText(f"Chosen: {chosen}" if chosen is not None else "Chosen: nothing yet (click a class)")
        self.ok.setEnabled(chosen is not None)

    def class_set(self) -> Optional[ClassSet]:
        ids = tuple(sorted(item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()))
        return ClassSet(ids, self.labels) if ids else None
