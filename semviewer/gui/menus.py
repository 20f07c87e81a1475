"""The window's menus, laid out over the declared actions (``window_actions``): File, Object,
Model, View, Run and Help."""

from __future__ import annotations

from typing import Any

from semviewer.core.scene.objects import bundled_objects
from semviewer.gui.actions import Actions
from semviewer.gui.window_actions import EXPORT_ACTIONS

FILE = ["openMeshAction", "RECENT", None, "openSessionAction", "saveSessionAction", "openMapAction", "openStudyAction",
        "EXPORT", None, "quitAction"]
RUN = ["computeMapAction", "startRegionsAction", "stopRegionsAction", None, "findFailuresAction",
       "failureStartsAction", None, "cancelAllAction"]


def build_menus(w: Any, actions: Actions) -> None:
    """The menu bar of window ``w`` over ``actions``; the Model menu is ``w.model_menu``'s."""
    bar = w.menuBar()
    file = bar.addMenu("&File")
    for entry in FILE:
        if entry == "RECENT":
            file.addMenu(w.recent_menu)
        elif entry == "EXPORT":
            actions.fill(file.addMenu("&Export"), [name for _, _, _, name in EXPORT_ACTIONS])
        else:
            actions.fill(file, [entry])
    objects = bar.addMenu("&Object")
    actions.fill(objects, [f"object-{name}" for name in bundled_objects()] + [None])
    actions.fill(objects.addMenu("&Up axis of the mesh"), actions.ids("upAxis-"))
    actions.fill(objects, ["chooseClassesAction", "triangleBudgetAction"])
    w.model_menu.build(bar.addMenu("&Model"))
    view = bar.addMenu("&View")
    actions.fill(view, ["resetViewAction"])
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    actions.fill(bar.addMenu("&Run"), RUN)
    actions.fill(bar.addMenu("&Help"), ["howToReadAction", "aboutAction"])

