"""Every action of the window, declared once, after the controllers exist: the menus
(``menus.py``), the buttons and the shortcuts are views of these declarations."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence

from semviewer.core.engines import ENGINES
from semviewer.core.models import MODELS
from semviewer.core.scene.mesh import UP_AXES
from semviewer.core.scene.objects import bundled_objects
from semviewer.gui.actions import ActionSpec
from semviewer.gui.help_texts import show_about, show_how_to_read

#: The exports: (kind, text, shortcut, id).
EXPORT_ACTIONS = (("figure", "Map &figure (PNG, SVG, PDF)…", "Ctrl+E", "exportFigureAction"),
                  ("render", "Current &render (PNG)…", None, "exportRenderAction"),
                  ("map", "&Map data (.npz)…", None, "exportMapAction"),
                  ("map_csv", "Map data (&CSV)…", None, "exportMapCsvAction"),
                  ("regions", "Re&gions (JSON)…", None, "exportRegionsAction"),
                  ("failures", "&Failures (JSON)…", None, "exportFailuresAction"),
                  ("failure_figure", "Failure re&nders (PNG, SVG, PDF)…", None, "exportFailureFigureAction"))
ENGINE_TEXTS = {"auto": "auto (the fastest installed engine, measured once)"}


def file_actions(w: Any) -> list[ActionSpec]:
    files, objects = w.files, w.objects
    specs = [ActionSpec("openMeshAction", "&Open mesh…", objects.open_mesh, QKeySequence.StandardKey.Open),
             ActionSpec("openSessionAction", "Open &session…", files.open_session, "Ctrl+Shift+O"),
             ActionSpec("saveSessionAction", "&Save session…", files.save_session, QKeySequence.StandardKey.Save),
             ActionSpec("openMapAction", "Open &map file…", files.open_map_file, "Ctrl+M"),
             ActionSpec("openStudyAction", "Open s&tudy…", files.open_study),
             ActionSpec("quitAction", "&Quit", w.close, QKeySequence.StandardKey.Quit)]
    specs += [ActionSpec(name, text, lambda k=kind: files.export(k), shortcut) for kind, text, shortcut, name
              in EXPORT_ACTIONS]
    return specs


def object_actions(w: Any) -> list[ActionSpec]:
    objects, doc = w.objects, w.document
    specs = [ActionSpec(f"object-{name}", f"{name} ({obj.classes})", lambda n=name: objects.open_object(n))
             for name, obj in bundled_objects().items()]
    specs += [ActionSpec(f"upAxis-{axis}", f"{axis} up", lambda a=axis: objects.set_up_axis(a),
                         tooltip="which of the mesh file's axes points up (meshes from CAD tools are often z-up)",
                         checked=lambda a=axis: doc.scene.up_axis == a, group="upAxis") for axis in UP_AXES]
    specs += [ActionSpec("chooseClassesAction", "True &class set…", objects.choose_classes, "Ctrl+K"),
              ActionSpec("triangleBudgetAction", "Triangle &budget…", objects.set_triangle_budget)]
    return specs


def model_actions(w: Any) -> list[ActionSpec]:
    objects, doc = w.objects, w.document

    def current(name: str) -> bool:
        return doc.model.name == name and doc.model.weights is None and doc.model.labels_file is None

    specs = [ActionSpec(f"model-{name}", name, lambda n=name: objects.set_model(n),
                        checked=lambda n=name: current(n), group="models") for name in MODELS]
    specs += [ActionSpec("openModelAction", "Open model &file…", objects.open_model_file, "Ctrl+Shift+M"),
              ActionSpec("loadWeightsAction", "Load &weights file…", objects.load_weights)]
    specs += [ActionSpec(f"engine-{name}", ENGINE_TEXTS.get(name, name), lambda n=name: objects.set_engine(n),
                         checked=lambda n=name: doc.model.engine == n, group="engines") for name in ENGINES]
    specs += [ActionSpec(f"compare-{name}", name, lambda n=name: objects.set_compare_model(n)) for name in MODELS]
    specs.append(ActionSpec("compare-none", "(no comparison)", lambda: objects.set_compare_model(None)))
    return specs


def run_actions(w: Any) -> list[ActionSpec]:
    """The long jobs, with their shortcuts: Esc cancels whatever runs."""
    return [ActionSpec("computeMapAction", "&Compute map", w.maps_ctl.compute_map, "Ctrl+R",
                       "Compute the semantic map of the axes shown (cached maps come back at once)"),
            ActionSpec("startRegionsAction", "&Start growing regions", w.solver_ctl.start_solver, "Ctrl+Return",
                       "Grow robust regions from the start points"),
            ActionSpec("stopRegionsAction", "S&top growing regions", w.solver_ctl.stop_solver, "Ctrl+.",
                       "Stop growing regions; the regions grown so far are kept"),
            ActionSpec("findFailuresAction", "Find &failures…", w.failures_ctl.find_failures, "Ctrl+Shift+F",
                       "Search chosen axes for poses where the network is wrong (CMA-ES with restarts)"),
            ActionSpec("failureStartsAction", "Use failures as start &points", w.failures_ctl.use_as_starts, None,
                       "Start robust regions beside the failures found",
                       enabled=lambda: bool(w.document.failures.search and w.document.failures.search.failures)),
            ActionSpec("cancelAllAction", "C&ancel the running jobs", w.cancel_jobs, "Esc")]


def view_and_help_actions(w: Any) -> list[ActionSpec]:
    doc = w.document
    return [ActionSpec("resetViewAction", "&Reset view", doc.scene.reset_pose, "Ctrl+0",
                       "Back to the object's default pose"),
            ActionSpec("howToReadAction", "&How to read this", lambda: show_how_to_read(w),
                       QKeySequence.StandardKey.HelpContents),
            ActionSpec("aboutAction", "&About semviewer", lambda: show_about(w, serving_engine(doc), doc.model.name))]


def serving_engine(doc: Any) -> str:
    """The engine serving the primary model (the one asked for while it loads)."""
    classifier = doc.model.classifier
    if classifier is not None:
        return classifier.engine
    return f"{doc.model.engine} (the model is loading)"


def declare_actions(w: Any) -> list[ActionSpec]:
    """Every action of the window ``w`` (its controllers built)."""
    return file_actions(w) + object_actions(w) + model_actions(w) + run_actions(w) + view_and_help_actions(w)
