"""The window's menus: every entry calls a user action through the window's error guard."""

from __future__ import annotations

from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from semviewer.core.scene.mesh import UP_AXES
from semviewer.core.scene.objects import bundled_objects
from semviewer.gui.actions import add_action
from semviewer.gui.help_texts import show_about, show_how_to_read
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
    _run_menu(bar.addMenu("&Run"), add, w)
    help_ = bar.addMenu("&Help")
    add(help_, "&How to read this", lambda: show_how_to_read(w), QKeySequence.StandardKey.HelpContents,
        "howToReadAction")
    add(help_, "&About semviewer", lambda: show_about(w, w.document.engine, w.document.model_name), None,
        "aboutAction")


def _run_menu(menu, add, w: QMainWindow) -> None:
    """The long jobs, with their shortcuts shown: Esc cancels whatever runs."""
    add(menu, "&Compute map", w.maps_ctl.compute_map, "Ctrl+R", "computeMapAction")
    add(menu, "&Start growing regions", w.solver_ctl.start_solver, "Ctrl+Return", "startRegionsAction")
    add(menu, "S&top growing regions", w.solver_ctl.stop_solver, "Ctrl+.", "stopRegionsAction")
    menu.addSeparator()
    add(menu, "C&ancel the running jobs", w.cancel_jobs, "Esc", "cancelAllAction")


def _object_menu(menu, add, objects) -> None:
    for name, obj in bundled_objects().items():
        add(menu, f"{name} ({obj.classes})", lambda n=name: objects.open_object(n))
    menu.addSeparator()
    up = menu.addMenu("&Up axis of the mesh")
    objects.up_actions = QActionGroup(menu)
    for axis in UP_AXES:
        action = add(up, f"{axis} up", lambda a=axis: objects.set_up_axis(a), None, f"upAxis-{axis}")
        action.setCheckable(True)
        action.setToolTip("which of the mesh file's axes points up (meshes from CAD tools are often z-up)")
        objects.up_actions.addAction(action)
    objects.show_up_axis()
    add(menu, "True &class set…", objects.choose_classes, "Ctrl+K", "chooseClassesAction")
    add(menu, "Triangle &budget…", objects.set_triangle_budget, None, "triangleBudgetAction")
