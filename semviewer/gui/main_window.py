"""The main window: layout, menus and docks over a Qt-free Document and its controllers.

The state lives in ``self.document`` (semviewer.core.session.document). Each controller takes
the document, its widgets and the few shared services it needs (jobs, feedback, caches), turns
user input into document calls and document events into widget updates: ``pose_ctl`` (viewport,
pose, live view), ``objects`` (object, classes, models), ``maps_ctl`` (map settings, map jobs,
map views), ``solver_ctl`` (starts, solver, regions table), ``failures_ctl`` (failure search and
its list) and ``files`` (exports, sessions, studies, recent files). The window builds and wires them; it holds no state of its own.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QSplitter

from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.core.inference.scheduling import PriorityGate
from semviewer.core.models import DEFAULT_MODEL
from semviewer.core.maps.cache import MapCache
from semviewer.core.scene.objects import DEFAULT_OBJECT
from semviewer.core.session.document import COMPARE, PRIMARY, Document
from semviewer.gui.controllers.failures import FailuresController
from semviewer.gui.controllers.files import FileController
from semviewer.gui.controllers.maps import MapController
from semviewer.gui.controllers.objects import ObjectController
from semviewer.gui.controllers.pose import PoseController
from semviewer.gui.controllers.scene import SceneController, bundled_names
from semviewer.gui.controllers.solver import SolverController
from semviewer.gui.feedback import Feedback
from semviewer.gui.live_view import LiveView
from semviewer.gui.actions import Actions
from semviewer.gui.menus import build_menus
from semviewer.gui.model_menu import ModelMenu, RecentModels
from semviewer.gui.window_actions import declare_actions
from semviewer.gui.widgets.controls import AxisControls
from semviewer.gui.widgets.failures_panel import FailuresPanel
from semviewer.gui.widgets.map_settings import MapSettings
from semviewer.gui.widgets.map_view import MapView
from semviewer.gui.widgets.predictions import PredictionsPanel
from semviewer.gui.widgets.regions_table import RegionsTable
from semviewer.gui.widgets.scene_panel import ScenePanel
from semviewer.gui.widgets.solver_panel import SolverPanel
from semviewer.gui.widgets.viewport import Viewport
from semviewer.gui.workers import JobRunner
from semviewer.pipeline.rendering import RenderContexts


class MainWindow(QMainWindow):
    """semviewer's window. ``MainWindow()`` builds it on the defaults without showing it; with
    ``background`` its object is read in the background too (the application starts so, to be on
    screen at once; tests build it whole)."""

    def __init__(self, object_name: Optional[str] = None, model_name: Optional[str] = None,
                 load_model: bool = True, background: bool = False) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("semviewer")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.document = Document()
        self.jobs = JobRunner(self)
        self.gate = PriorityGate()                  # live predictions before map and solver batches
        self.live = LiveView(self.gate, self)
        self.cache = MapCache()
        self.classifiers = ClassifierCache()        # every model load goes through here: each one once
        self.renders = RenderContexts()             # one render context per mesh for map and solver jobs
        self._build_ui()
        self._build_controllers()
        self._build_actions()
        self.files.update_recent_menu()
        self.jobs.changed.connect(lambda: self.map_settings.cancel.setEnabled(self.jobs.any_running()))
        self._restore_layout()
        if background:            # once the window is painted: the loads' imports would slow its first paint
            QTimer.singleShot(0, lambda: self._start_loading(object_name, model_name, load_model))
        else:
            self.feedback.guarded(self.objects.open_object, object_name or DEFAULT_OBJECT)
            if self.document.scene.mesh is None:              # the object asked for could not be opened
                self.objects.open_object(DEFAULT_OBJECT)
            if load_model:
                self.feedback.guarded(self.objects.set_model, model_name or DEFAULT_MODEL)

    def _start_loading(self, object_name: Optional[str], model_name: Optional[str], load_model: bool) -> None:
        self.objects.open_object_in_background(object_name or DEFAULT_OBJECT, DEFAULT_OBJECT)
        if load_model:
            self.feedback.guarded(self.objects.set_model, model_name or DEFAULT_MODEL)

    # -- construction ------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.viewport = Viewport()
        self.map_view = MapView("semanticMapView")
        self.compare_view = MapView("compareMapView", colour_bar=False)    # the primary's bar is the scale of both
        self.compare_view.hide()
        self.map_splitter = QSplitter(Qt.Orientation.Vertical)   # maps are wide: stacked, each gets the width
        self.map_splitter.addWidget(self.map_view)
        self.map_splitter.addWidget(self.compare_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.viewport)
        self.splitter.addWidget(self.map_splitter)
        self.splitter.setSizes([420, 780])
        self.setCentralWidget(self.splitter)
        self.predictions = PredictionsPanel()
        self.controls = AxisControls(("camera", "placement"))
        self.scene_panel = ScenePanel(bundled_names())
        self.map_settings = MapSettings()
        self.solver = SolverPanel()
        self.regions_table = RegionsTable()
        self.failures_panel = FailuresPanel()
        self.docks = {}
        for name, title, widget, area in (
                ("predictionsDock", "Predictions", self.predictions, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("poseDock", "Pose", self.controls, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("sceneDock", "Scene", self.scene_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("mapDock", "Semantic map", self.map_settings, Qt.DockWidgetArea.RightDockWidgetArea),
                ("solverDock", "Robust regions", self.solver, Qt.DockWidgetArea.RightDockWidgetArea),
                ("regionsDock", "Regions found", self.regions_table, Qt.DockWidgetArea.BottomDockWidgetArea),
                ("failuresDock", "Failures", self.failures_panel, Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["poseDock"], self.docks["sceneDock"])
        self.docks["poseDock"].raise_()
        self.tabifyDockWidget(self.docks["regionsDock"], self.docks["failuresDock"])
        self.docks["regionsDock"].raise_()
        self.resizeDocks([self.docks["regionsDock"]], [self.regions_table.height_for_rows() + 30],
                         Qt.Orientation.Vertical)       # the dock's title and tabs above the table
        self.resizeDocks([self.docks["predictionsDock"], self.docks["mapDock"]], [260, 360],
                         Qt.Orientation.Horizontal)      # the maps get the width that is left
        self.feedback = Feedback(self)
        self.recent_menu = QMenu("Open &recent", self)
        self.resize(1500, 950)

    def _build_controllers(self) -> None:
        doc, jobs, feedback = self.document, self.jobs, self.feedback
        self.pose_ctl = PoseController(doc, self.viewport, (self.controls, self.scene_panel.axes), self.predictions,
                                       self.live, feedback,
                                       self.setWindowTitle, self)
        self.objects = ObjectController(doc, self.predictions, jobs, feedback, self.settings, self.classifiers, self)
        self.scene_ctl = SceneController(doc, self.scene_panel, self.scene_panel.axes, feedback, self.settings, self)
        self.maps_ctl = MapController(doc, self.map_settings, {PRIMARY: self.map_view, COMPARE: self.compare_view},
                                      self.solver.pick, jobs, feedback, self.cache, self.classifiers, self.gate,
                                      self.renders)
        self.solver_ctl = SolverController(doc, self.solver, self.regions_table, self.maps_ctl, jobs, feedback,
                                           self.gate, self.renders)
        self.failures_ctl = FailuresController(doc, self.failures_panel, jobs, feedback, self.gate, self.renders, self)
        self.files = FileController(doc, self.objects, jobs, feedback, self.settings, self.recent_menu, self,
                                    self.pose_ctl.frame)
        self.files.on_reopened = self.maps_ctl.restore_cached

    def _build_actions(self) -> None:
        """Every action declared once (``window_actions``); menus and buttons are views of them, and
        their checks follow the document."""
        self.actions = Actions(self, self.feedback.guarded, declare_actions(self))
        self.model_menu = ModelMenu(self, self.actions, self.feedback.guarded, self.objects, RecentModels(self.settings))
        build_menus(self, self.actions)
        for signal, action in ((self.map_settings.compute_requested, "computeMapAction"),
                               (self.map_settings.cancel_requested, "cancelAllAction"),
                               (self.solver.start_requested, "startRegionsAction"),
                               (self.solver.stop_requested, "stopRegionsAction")):
            signal.connect(self.actions[action].trigger)
        for event in (self.document.model.events.model, self.document.scene.events.object,
                      self.document.failures.events.changed):
            event.connect(self.actions.refresh)

    # -- window-wide actions -------------------------------------------------------------------
    def cancel_jobs(self) -> None:
        """Cancel the maps; stop the solver and the failure search (keeping what they found)."""
        self.maps_ctl.cancel_maps()
        self.solver_ctl.stop_solver()
        self.failures_ctl.stop()
        self.feedback.progress.hide()
        self.feedback.status("cancelled")

    # -- drops, layout, closing ----------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.toLocalFile()]
        if paths:
            self.feedback.guarded(self.files.opener(paths[0]), paths[0])

    def _restore_layout(self) -> None:
        for key, restore in (("geometry", self.restoreGeometry), ("windowState", self.restoreState)):
            value = self.settings.value(key)
            if value is not None:
                restore(value)

    def shutdown(self) -> None:
        """Cancel jobs, stop the render and classify threads (idempotent)."""
        self.jobs.shutdown()
        self.live.close()
        self.renders.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.shutdown()
        super().closeEvent(event)
