"""The window's menus: every entry calls a user action through the window's error guard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from semviewer.core.inference.classifier import ENGINES
from semviewer.core.inference.models import MODELS
from semviewer.core.scene.objects import bundled_objects

if TYPE_CHECKING:
    from semviewer.gui.main_window import MainWindow


def add_action(window: "MainWindow", menu, text: str, slot, shortcut=None, name: Optional[str] = None) -> QAction:
    """A menu entry (with an optional shortcut and objectName) whose errors become one-line messages."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(lambda checked=False: window.guarded(slot))
    menu.addAction(action)
    return action


def build_menus(w: "MainWindow") -> None:
    """File, Object, Model and View."""
    bar = w.menuBar()

    def add(menu, text, slot, shortcut=None, name=None):
        return add_action(w, menu, text, slot, shortcut, name)

    file = bar.addMenu("&File")
    add(file, "&Open mesh…", w.open_mesh, QKeySequence.StandardKey.Open, "openMeshAction")
    w.recent_menu = file.addMenu("Open &recent")
    file.addSeparator()
    add(file, "Open &session…", w.open_session, "Ctrl+Shift+O", "openSessionAction")
    add(file, "&Save session…", w.save_session, QKeySequence.StandardKey.Save, "saveSessionAction")
    add(file, "Open &map file…", w.open_map_file, "Ctrl+M", "openMapAction")
    add(file, "Open s&tudy…", w.open_study, None, "openStudyAction")
    export = file.addMenu("&Export")
    add(export, "Map &figure (PNG, SVG, PDF)…", w.export_figure, "Ctrl+E", "exportFigureAction")
    add(export, "Current &render (PNG)…", w.export_render, None, "exportRenderAction")
    add(export, "&Map data (.npz)…", w.export_map, None, "exportMapAction")
    add(export, "Map data (&CSV)…", w.export_map_csv, None, "exportMapCsvAction")
    add(export, "Re&gions (JSON)…", w.export_regions, None, "exportRegionsAction")
    file.addSeparator()
    add(file, "&Quit", w.close, QKeySequence.StandardKey.Quit, "quitAction")
    objects = bar.addMenu("&Object")
    for name, obj in bundled_objects().items():
        add(objects, f"{name} ({obj.classes})", lambda n=name: w.open_object(n))
    objects.addSeparator()
    add(objects, "True &class set…", w.choose_classes, "Ctrl+K", "chooseClassesAction")
    add(objects, "Triangle &budget…", w.set_triangle_budget, None, "triangleBudgetAction")
    model = bar.addMenu("&Model")
    for name in MODELS:
        add(model, name, lambda n=name: w.set_model(n))
    model.addSeparator()
    add(model, "Load &weights file…", w.objects.load_weights, None, "loadWeightsAction")
    engines = model.addMenu("Inference &engine")
    w.engine_actions = QActionGroup(w)
    for name in ENGINES:
        label = {"auto": "auto (ONNX Runtime on the CPU, torch on CUDA)"}.get(name, name)
        action = add(engines, label, lambda n=name: w.objects.set_engine(n), None, f"engine-{name}")
        action.setCheckable(True)
        w.engine_actions.addAction(action)
    compare = model.addMenu("&Compare with")
    for name in MODELS:
        add(compare, name, lambda n=name: w.set_compare_model(n))
    add(compare, "(no comparison)", lambda: w.set_compare_model(None))
    view = bar.addMenu("&View")
    add(view, "&Reset view", w.reset_view, "Ctrl+0", "resetViewAction")
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    w.files.update_recent_menu()
