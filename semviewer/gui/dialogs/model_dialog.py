"""Choosing any classifier: a model file (ONNX or TorchScript), or an architecture from a
searchable list of the registry, torchvision and timm with its own weights or a weights file;
optionally a labels file for its outputs. The choice is checked before the dialog closes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from semviewer.core.errors import SemviewerError
from semviewer.core.models import MODELS, get_model_spec
from semviewer.gui.dialogs.list_filter import filter_list

MODEL_FILTER = "Model files (*.onnx *.pt *.pth *.ts *.torchscript);;All files (*)"
WEIGHTS_FILTER = "Weights (*.pth *.pt *.bin *.safetensors);;All files (*)"
LABELS_FILTER = "Labels (*.txt *.json);;All files (*)"


@dataclass(frozen=True)
class ModelChoice:
    """A model spec with its weights and labels files (None: its own)."""

    spec: str
    weights: Optional[str] = None
    labels: Optional[str] = None


def architecture_names(found: Optional[dict[str, list[str]]] = None) -> list[str]:
    """The registry, then every torchvision classification model, then timm's when installed; from
    ``found`` (``list_all``'s answer, read aside by the window) or read now."""
    if found is None:
        from semviewer.core.models.sources import list_all

        found = list_all()
    return list(MODELS) + [f"torchvision:{n}" for n in found["torchvision"]] + \
        [f"timm:{n}" for n in found.get("timm", [])]


class ModelFileDialog(QDialog):
    """Model → Open model file…; ``choice()`` is what was chosen once accepted."""

    def __init__(self, parent: Optional[QWidget] = None, folder: str = "",
                 names: Callable[[], list[str]] = architecture_names) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a model")
        self.setObjectName("modelFileDialog")
        self.folder = folder or str(Path.home())
        layout = QVBoxLayout(self)
        self.file_button = QRadioButton("A model file: ONNX (run as it is) or TorchScript")
        self.file_button.setObjectName("modelFileRadio")
        self.file_edit, file_row = self._path_row("model.onnx (a model.toml beside it says how to feed it)",
                                                  "modelFileEdit", MODEL_FILTER)
        self.arch_button = QRadioButton("An architecture, with its own weights or a weights file")
        self.arch_button.setObjectName("architectureRadio")
        self.search = QLineEdit()
        self.search.setObjectName("architectureSearchEdit")
        self.search.setPlaceholderText("search, e.g. resnet, vit, convnext")
        self.list = QListWidget()
        self.list.setObjectName("architectureList")
        self.list.addItems(names())
        self.weights_edit, weights_row = self._path_row("its own weights (downloaded when not cached)",
                                                        "weightsFileEdit", WEIGHTS_FILTER)
        self.labels_edit, labels_row = self._path_row("its own labels (ImageNet-1k unless its card names others)",
                                                      "labelsFileEdit", LABELS_FILTER)
        grid = QGridLayout()
        grid.addWidget(QLabel("Weights:"), 0, 0)
        grid.addLayout(weights_row, 0, 1)
        for widget in (self.file_button, file_row, self.arch_button, self.search, self.list, grid):
            (layout.addLayout if not isinstance(widget, QWidget) else layout.addWidget)(widget)
        layout.addWidget(QLabel("Labels of its outputs, one name a line or a JSON list (optional):"))
        layout.addLayout(labels_row)
        self.problem = QLabel()
        self.problem.setObjectName("modelProblemLabel")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.textChanged.connect(lambda text: filter_list(self.list, text))
        self.search.textChanged.connect(lambda: self.arch_button.setChecked(True))
        self.list.currentRowChanged.connect(lambda: self.arch_button.setChecked(True))
        self.file_edit.textChanged.connect(lambda: self.file_button.setChecked(True))
        self.file_button.setChecked(True)
        self.resize(560, 620)

    def _path_row(self, placeholder: str, name: str, filter_: str) -> tuple[QLineEdit, QHBoxLayout]:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)              # Return after choosing a file opens the model, not Browse again
        browse.clicked.connect(lambda: self._browse(edit, filter_))
        row = QHBoxLayout()
        row.addWidget(edit)
        row.addWidget(browse)
        return edit, row

    def _browse(self, edit: QLineEdit, filter_: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file", self.folder, filter_)
        if path:
            self.folder = str(Path(path).parent)
            edit.setText(path)
            edit.setFocus()

    def choice(self) -> ModelChoice:
        """What the fields say; SemviewerError naming what is missing."""
        labels = self.labels_edit.text().strip() or None
        if self.file_button.isChecked():
            spec = self.file_edit.text().strip()
            if not spec:
                raise SemviewerError("choose a model file (.onnx or TorchScript .pt), or an architecture")
            return ModelChoice(spec, None, labels)
        item = self.list.currentItem()
        if item is None or item.isHidden():
            raise SemviewerError("choose an architecture in the list (type to search it)")
        return ModelChoice(item.text(), self.weights_edit.text().strip() or None, labels)

    def accept(self) -> None:
        """Closes only on a model spec that resolves (the file is read, its card checked)."""
        try:
            choice = self.choice()
            get_model_spec(choice.spec, choice.labels)
            if choice.weights is not None and not Path(choice.weights).expanduser().is_file():
                raise SemviewerError(f"the weights file {choice.weights} does not exist")
        except SemviewerError as exc:
            self.problem.setText(str(exc))
            return
        self._remember_folder(choice)
        super().accept()

    def _remember_folder(self, choice: ModelChoice) -> None:
        """The folder of a file typed or pasted (not only one chosen with Browse…) is where the
        next dialog opens."""
        for path in (choice.weights, choice.spec if self.file_button.isChecked() else None):
            if path and Path(path).expanduser().is_file():
                self.folder = str(Path(path).expanduser().resolve().parent)
                return
