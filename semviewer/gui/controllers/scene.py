"""The scene's looks: the Scene panel ↔ the document's render settings (backgrounds, object colour),
and the values of the categorical axes (backgrounds, materials) in the Pose panel."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QFileDialog, QWidget

from semviewer.core.errors import SemviewerError
from semviewer.core.scene.backgrounds import Background, bundled_backgrounds, image_background, resolve_background
from semviewer.core.session.document import Document
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.controls import AxisControls
from semviewer.gui.widgets.scene_panel import ScenePanel, thumbnail

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg);;All files (*)"


def unique(background: Background, taken: Sequence[str]) -> Background:
    """``background`` under a name none of ``taken`` has (a second ``wall`` becomes ``wall (2)``)."""
    name, n = background.name, 2
    while name in taken:
        name, n = f"{background.name} ({n})", n + 1
    return replace(background, name=name)


class SceneController:
    """Backgrounds added, removed and chosen; the object's colour; the categorical axes' values."""

    def __init__(self, doc: Document, panel: ScenePanel, controls: AxisControls, feedback: Feedback,
                 settings: QSettings, parent: QWidget) -> None:
        self.doc, self.panel, self.controls, self.feedback = doc, panel, controls, feedback
        self.settings, self.parent_widget = settings, parent
        guarded = feedback.guarded
        panel.background_chosen.connect(lambda i: guarded(self.choose, i))
        panel.bundled_requested.connect(lambda name: guarded(self.add, resolve_background(name)))
        panel.image_requested.connect(lambda: guarded(self.open_image))
        panel.folder_requested.connect(lambda: guarded(self.open_folder))
        panel.panorama_requested.connect(lambda: guarded(self.open_image, True))
        panel.remove_requested.connect(lambda i: guarded(self.remove, i))
        panel.colour_requested.connect(lambda: guarded(self.choose_colour))
        doc.scene.events.settings.connect(self.show)
        doc.scene.events.object.connect(self.show)
        doc.scene.events.pose.connect(lambda pose: panel.show_current(int(pose["background"])))
        self.show()

    def show(self) -> None:
        """The scene's backgrounds and colour in the panel, the axes' values in the pose fields."""
        scene = self.doc.scene
        items = []
        for background in scene.render_settings.backgrounds:
            try:
                items.append((background.name, thumbnail(background.pixels(), background.colour)))
            except SemviewerError:           # an image changed on disk: listed without a picture
                items.append((background.name, thumbnail(None, (0.5, 0.5, 0.5))))
        self.panel.show_backgrounds(items, int(scene.pose["background"]))
        self.panel.show_colour(scene.render_settings.object_color)
        for axis in ("background", "material"):
            self.controls.set_categories(axis, scene.categories(axis))

    def choose(self, index: int) -> None:
        """Draw background ``index`` (the pose's background axis)."""
        self.doc.scene.set_pose(self.doc.scene.pose.replace(background=index))

    def add(self, backgrounds: Sequence[Background]) -> None:
        """Add backgrounds to the scene (under names of their own) and draw the first of them."""
        current = self.doc.scene.render_settings
        added, taken = [], list(current.background_names)
        for background in backgrounds:
            named = unique(background, taken)
            added.append(named)
            taken.append(named.name)
        self.doc.set_render_settings(replace(current, backgrounds=current.backgrounds + tuple(added)))
        self.choose(len(current.backgrounds))
        self.feedback.status(f"added {', '.join(b.name for b in added)} to the scene's backgrounds · the maps and "
                             f"regions of the old scene were dropped")

    def remove(self, index: int) -> None:
        current = self.doc.scene.render_settings
        if not 0 <= index < len(current.backgrounds):
            raise SemviewerError("choose a background in the list to remove")
        if len(current.backgrounds) == 1:
            raise SemviewerError("a scene keeps one background; add another before removing this one")
        kept = current.backgrounds[:index] + current.backgrounds[index + 1:]
        self.doc.set_render_settings(replace(current, backgrounds=kept))

    def _ask(self, title: str, folder: bool = False) -> Optional[str]:
        start = str(self.settings.value("folders/background", "") or Path.home())
        if folder:
            path = QFileDialog.getExistingDirectory(self.parent_widget, title, start)
        else:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, title, start, IMAGE_FILTER)
        if path:
            self.settings.setValue("folders/background", str(Path(path) if folder else Path(path).parent))
        return path or None

    def open_image(self, panorama: bool = False, path: Optional[str] = None) -> None:
        """Add an image (or a panorama) of the user's as a background."""
        path = path or self._ask("Open a panorama (equirectangular, 2:1)" if panorama else "Open a background image")
        if path:
            self.add([image_background(path, panorama=panorama)])

    def open_folder(self, path: Optional[str] = None) -> None:
        """Add every image of a folder, one background each."""
        path = path or self._ask("Open a folder of background images", folder=True)
        if path:
            self.add(resolve_background(path))

    def choose_colour(self, colour: Optional[tuple[float, float, float]] = None) -> None:
        """The object's colour in the plain material (asks for one when ``colour`` is None)."""
        if colour is None:
            chosen = QColorDialog.getColor(QColor.fromRgbF(*self.doc.scene.render_settings.object_color),
                                           self.parent_widget, "Object colour")
            if not chosen.isValid():
                return
            colour = (chosen.redF(), chosen.greenF(), chosen.blueF())
        self.doc.set_render_settings(replace(self.doc.scene.render_settings, object_color=tuple(colour)))


def bundled_names() -> list[str]:
    return list(bundled_backgrounds())
