"""The window's menus: every entry calls a user action through the window's error guard."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow

from semviewer.core.scene.objects import bundled_objects
from semviewer.gui.actions import add_action
from semviewer.gui.model_menu import ModelMenu, RecentModels


def build_menus(w: QMainWindow) -> None:
    """File, Object, Model and View, over the window's controllers."""
    bar = w.menuBar()

    def add(menu, text, slot, shortcut=None, name=None):
        return add_action(w, w.feedback.guarded, menu, text, slot, shortcut, name)

    files, objects = w.files, w.objects
    file = bar.addMenu("&File")
    add(file, "&Open mesh…", objects.open_mesh, QKeySequence.StandardKey.Open, "openMeshAction")
    file.addMenu(w.recent_menu)
    file.addSeparator()
    add(file, "Open &session…", files.open_session, "Ctrl+Shift+O", "openSessionAction")
    add(file, "&Save session…", files.save_session, QKeySequence.StandardKey.Save, "saveSessionAction")
    add(file, "Open &map file…", files.open_map_file, "Ctrl+M", "openMapAction")
    add(file, "Open s&tudy…", files.open_study, None, "openStudyAction")
    export = file.addMenu("&Export")
    for kind, text, shortcut, name in (("figure", "Map &figure (PNG, SVG, PDF)…", "Ctrl+E", "exportFigureAction"),
                                       ("render", "Current &render (PNG)…", None, "exportRenderAction"),
                                       ("map", "&Map data (.npz)…", None, "exportMapAction"),
                                       ("map_csv", "Map data (&CSV)…", None, "exportMapCsvAction"),
                                       ("regions", "Re&gions (JSON)…", None, "exportRegionsAction")):
        add(export, text, lambda k=kind: files.export(k), shortcut, name)
    file.addSeparator()
    add(file, "&Quit", w.close, QKeySequence.StandardKey.Quit, "quitAction")
    _object_menu(bar.addMenu("&Object"), add, objects)
    w.model_menu = ModelMenu(w, bar.addMenu("&Model"), add, objects, w.document, RecentModels(w.settings))
    view = bar.addMenu("&View")
    add(view, "&Reset view", w.document.reset_pose, "Ctrl+0", "resetViewAction")
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())


def _object_menu(menu, add, objects) -> None:
    for name, obj in bundled_objects().items():
        add(menu, f"{name} ({obj.classes})", lambda n=name: objects.open_object(n))
    menu.addSeparator()
    add(menu, "True &class set…", objects.choose_classes, "Ctrl+K", "chooseClassesAction")
    add(menu, "Triangle &budget…", objects.set_triangle_budget, None, "triangleBudgetAction")
