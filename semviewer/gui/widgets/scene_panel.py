"""The Scene panel: the scene's backgrounds with thumbnails (the one drawn now selected), ways to
add more (bundled ones, an image, a folder of images, a panorama) or remove one, the object's
colour, and the scene's axes: material, background rotation, light strength and corruptions."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QLabel, QListView, QListWidget, QListWidgetItem, QMenu, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from semviewer.gui.widgets.controls import AxisControls

THUMB = QSize(72, 54)


def thumbnail(pixels: Optional[np.ndarray], colour: tuple[float, float, float]) -> QIcon:
    """A small picture of a background: its image scaled to fit, or its colour."""
    pixmap = QPixmap(THUMB)
    if pixels is None:
        pixmap.fill(QColor.fromRgbF(*colour))
        return QIcon(pixmap)
    step = max(1, int(max(pixels.shape[0] / THUMB.height(), pixels.shape[1] / THUMB.width())))
    small = np.ascontiguousarray(pixels[::step, ::step])
    image = QImage(small.data, small.shape[1], small.shape[0], 3 * small.shape[1], QImage.Format.Format_RGB888)
    return QIcon(QPixmap.fromImage(image.copy()).scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                        Qt.TransformationMode.SmoothTransformation))


class ScenePanel(QWidget):
    """Emits what the user asks for; ``show_backgrounds`` and ``show_colour`` draw the scene.
    ``axes`` holds the scene's axes (light strength, background and its rotation, material,
    corruptions), fields like the Pose panel's."""

    background_chosen = Signal(int)
    bundled_requested = Signal(str)
    image_requested = Signal()
    folder_requested = Signal()
    panorama_requested = Signal()
    remove_requested = Signal(int)
    colour_requested = Signal()

    def __init__(self, bundled: Sequence[str], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenePanel")
        layout = QVBoxLayout(self)
        hint = QLabel("Backgrounds (the one drawn is selected; a map can put them side by side):")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.backgrounds = QListWidget()
        self.backgrounds.setObjectName("sceneBackgroundsList")
        self.backgrounds.setViewMode(QListView.ViewMode.IconMode)
        self.backgrounds.setIconSize(THUMB)
        self.backgrounds.setResizeMode(QListView.ResizeMode.Adjust)
        self.backgrounds.setMovement(QListView.Movement.Static)
        self.backgrounds.setToolTip("What is drawn behind the object; click one to draw it. The background axis "
                                    "of a map runs over all of them")
        self.backgrounds.currentRowChanged.connect(lambda row: row >= 0 and self.background_chosen.emit(row))
        layout.addWidget(self.backgrounds, 1)
        buttons = QGridLayout()
        add = QToolButton()
        add.setObjectName("addBundledBackgroundButton")
        add.setText("Bundled ▾")
        add.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        add.setToolTip("Add a bundled background: colours, photographs and textures, and a sky panorama")
        menu = QMenu(add)
        for name in bundled:
            menu.addAction(name, lambda n=name: self.bundled_requested.emit(n))
        add.setMenu(menu)
        self.add_menu = menu
        buttons.addWidget(add, 0, 0)
        for i, (text, name, tip, signal) in enumerate((
                ("Image…", "addImageButton", "Add an image (PNG, JPEG) drawn behind the object, filling the frame",
                 self.image_requested),
                ("Folder…", "addFolderButton", "Add every image of a folder, one background each", self.folder_requested),
                ("Panorama…", "addPanoramaButton", "Add an equirectangular panorama (2:1) that turns with the camera",
                 self.panorama_requested)), start=1):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.clicked.connect(signal)
            buttons.addWidget(button, i // 2, i % 2)
        remove = QPushButton("Remove")
        remove.setObjectName("removeBackgroundButton")
        remove.setToolTip("Remove the selected background from the scene")
        remove.clicked.connect(lambda: self.remove_requested.emit(self.backgrounds.currentRow()))
        buttons.addWidget(remove, 2, 0)
        self.colour = QPushButton("Object colour…")
        self.colour.setObjectName("objectColourButton")
        self.colour.setToolTip("The object's colour in the plain material (the paper's white)")
        self.colour.clicked.connect(self.colour_requested)
        buttons.addWidget(self.colour, 2, 1)
        layout.addLayout(buttons)
        self.axes = AxisControls(("scene", "light", "corruption"), "sceneAxisControls", reset=False)
        layout.addWidget(self.axes, 2)

    def show_backgrounds(self, items: Sequence[tuple[str, QIcon]], current: int) -> None:
        """The scene's backgrounds (name, thumbnail), ``current`` selected, without emitting."""
        self.backgrounds.blockSignals(True)
        self.backgrounds.clear()
        for name, icon in items:
            item = QListWidgetItem(icon, name)
            item.setToolTip(name)
            self.backgrounds.addItem(item)
        self.backgrounds.setCurrentRow(current)
        self.backgrounds.blockSignals(False)

    def show_current(self, row: int) -> None:
        self.backgrounds.blockSignals(True)
        self.backgrounds.setCurrentRow(row)
        self.backgrounds.blockSignals(False)

    def show_colour(self, colour: tuple[float, float, float]) -> None:
        swatch = QPixmap(16, 16)
        swatch.fill(QColor.fromRgbF(*colour))
        self.colour.setIcon(QIcon(swatch))
