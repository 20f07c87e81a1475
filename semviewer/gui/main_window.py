"""The main window: layout, menus and docks over a Qt-free Document and its controllers.

The state lives in ``self.document`` (semviewer.core.session.document). Each controller turns user input
into document calls and document events into widget updates: ``pose_ctl`` (viewport, pose, live
view), ``objects`` (object, classes, models), ``maps_ctl`` (map settings, map jobs, map views),
``solver_ctl`` (starts, solver, regions table) and ``files`` (exports, sessions, studies, recent).
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

from semviewer.core.inference.models import DEFAULT_MODEL
from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.core.session.document import COMPARE, PRIMARY, Document
from semviewer.core.maps.cache import MapCache
from semviewer.core.scene.objects import DEFAULT_OBJECT, resolve_object
from semviewer.gui.widgets.controls import AxisControls
from semviewer.gui.feedback import Feedback
from semviewer.gui.controllers.files import FileController, with_filter_suffix  # noqa: F401 (re-exported)
from semviewer.gui.menus import add_action, build_menus
from semviewer.gui.live_view import LiveView
from semviewer.gui.controllers.maps import MapController
from semviewer.gui.widgets.map_settings import MapSettings
from semviewer.gui.widgets.map_view import MapView
from semviewer.gui.controllers.objects import ObjectController
from semviewer.gui.controllers.pose import PoseController
from semviewer.gui.widgets.predictions import PredictionsPanel
from semviewer.gui.widgets.regions_table import RegionsTable
from semviewer.gui.controllers.solver import SolverController
from semviewer.gui.widgets.solver_panel import SolverPanel
from semviewer.gui.widgets.viewport import Viewport
from semviewer.gui.workers import JobRunner


def _document_attribute(name: str, setter: Optional[str] = None) -> property:
    """A window attribute that reads the document (scripts and tests use ``window.maps`` etc.);
    assigning goes through the document's ``setter`` method when there is one."""
    def get(self):
        return getattr(self.document, name)

    def put(self, value):
        getattr(self.document, setter)(value)
    return property(get, put if setter else None, doc=f"The document's {name}.")


class MainWindow(QMainWindow):
    """semviewer's window. ``MainWindow()`` builds it on the defaults without showing it."""

    maps = _document_attribute("maps")
    regions = _document_attribute("regions", "set_regions")
    starts = _document_attribute("starts")
    pose = _document_attribute("pose")
    classifier = _document_attribute("classifier")
    classes = _document_attribute("classes")
    mesh = _document_attribute("mesh")
    model_name = _document_attribute("model_name")
    weights = _document_attribute("weights")
    compare_model = _document_attribute("compare_model")
    object_source = _document_attribute("object_source")

    def __init__(self, object_name: Optional[str] = None, model_name: Optional[str] = None,
                 load_model: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("semviewer")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.document = Document()
        self.jobs = JobRunner(self)
        self.live = LiveView(self)
        self.cache = MapCache()
        self.classifiers = ClassifierCache()        # every model load goes through here: each one once
        self._build_ui()
        self.pose_ctl = PoseController(self)
        self.objects = ObjectController(self)
        self.maps_ctl = MapController(self)
        self.solver_ctl = SolverController(self)
        self.files = FileController(self)
        build_menus(self)
        self._show_engine()
        self.document.events.model.connect(self._show_engine)
        self.jobs.changed.connect(lambda: self.map_settings.cancel.setEnabled(self.jobs.any_running()))
        self._restore_layout()
        self.guarded(self.open_object, object_name or DEFAULT_OBJECT)
        if self.document.mesh is None:              # the object asked for could not be opened
            self.open_object(DEFAULT_OBJECT)
        if load_model:
            self.set_model(model_name or DEFAULT_MODEL)

    # -- construction ------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.viewport = Viewport()
        self.map_view = MapView("semanticMapView")
        self.compare_view = MapView("compareMapView")
        self.compare_view.hide()
        self.map_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.map_splitter.addWidget(self.map_view)
        self.map_splitter.addWidget(self.compare_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.viewport)
        self.splitter.addWidget(self.map_splitter)
        self.splitter.setSizes([420, 780])
        self.setCentralWidget(self.splitter)
        self.predictions = PredictionsPanel()
        self.controls = AxisControls()
        self.map_settings = MapSettings()
        self.solver = SolverPanel()
        self.regions_table = RegionsTable()
        self.docks = {}
        for name, title, widget, area in (
                ("predictionsDock", "Predictions", self.predictions, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("poseDock", "Pose", self.controls, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("mapDock", "Semantic map", self.map_settings, Qt.DockWidgetArea.RightDockWidgetArea),
                ("solverDock", "Robust regions", self.solver, Qt.DockWidgetArea.RightDockWidgetArea),
                ("regionsDock", "Regions found", self.regions_table, Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.resizeDocks([self.docks["regionsDock"]], [170], Qt.Orientation.Vertical)
        self.feedback = Feedback(self)
        self.progress, self.status_label = self.feedback.progress, self.feedback.status_label
        self.resize(1500, 950)

    def add_action(self, menu, text: str, slot, shortcut=None, name: Optional[str] = None) -> QAction:
        """A menu entry whose errors become one-line messages."""
        return add_action(self, menu, text, slot, shortcut, name)

    def _show_engine(self) -> None:
        for action in self.engine_actions.actions():
            action.setChecked(action.objectName() == f"engine-{self.document.engine}")

    # -- feedback ------------------------------------------------------------------------------
    def guarded(self, fn, *args) -> Any:
        """Run a user action; any error becomes a one-line message, never a traceback."""
        return self.feedback.guarded(fn, *args)

    _guarded = guarded

    def show_error(self, message: str) -> None:
        self.feedback.show_error(message)

    def status(self, message: str) -> None:
        self.feedback.status(message)

    @property
    def last_error(self) -> Optional[str]:
        return self.feedback.last_error

    @property
    def _message_box(self):
        return self.feedback.message_box

    @property
    def predicted_pose(self):
        return self.pose_ctl.predicted_pose

    @property
    def _live_shapes(self):
        return self.maps_ctl.live_shapes

    # -- user actions (each is the controller's; kept here for scripts and tests) --------------------
    def open_object(self, name_or_path: str, up_axis: str = "y") -> None:
        self.objects.open_object(name_or_path, up_axis, resolve_object)   # looked up here: tests replace it

    def open_mesh(self, path: Optional[str] = None, up_axis: Optional[str] = None,
                  decimate: Optional[bool] = None) -> None:
        self.objects.open_mesh(path, up_axis, decimate)

    def choose_classes(self, classes=None) -> None:
        self.objects.choose_classes(classes)

    def set_triangle_budget(self, budget: Optional[int] = None) -> None:
        self.objects.set_triangle_budget(budget)

    def set_model(self, name: str, weights: Optional[str] = None, keep_results: bool = False) -> None:
        self.objects.set_model(name, weights, keep_results)

    def set_compare_model(self, name: Optional[str]) -> None:
        self.objects.set_compare_model(name)

    def set_pose(self, pose) -> None:
        self.document.set_pose(pose)

    def reset_view(self) -> None:
        self.document.reset_pose()

    def compute_map(self, which: str = PRIMARY) -> None:
        self.maps_ctl.compute_map(which)

    def open_map_file(self, path: Optional[str] = None, background: Optional[bool] = None) -> None:
        self.files.open_map_file(path, background)

    def set_starts(self, starts: list, axes: Optional[list[str]] = None) -> None:
        self.document.set_starts(starts, axes)

    def use_paper_starts(self) -> None:
        self.guarded(self.solver_ctl.use_paper_starts)

    def start_solver(self) -> None:
        self.solver_ctl.start_solver()

    def stop_solver(self) -> None:
        self.solver_ctl.stop_solver()

    def _solver_partial(self, item) -> None:
        self.solver_ctl.solver_partial(item)

    def cancel_jobs(self) -> None:
        """Cancel the maps; stop the solver (keeping the regions grown so far)."""
        for kind in ("map", "map-compare"):
            self.jobs.cancel(kind)
        self.stop_solver()
        self.progress.hide()
        self.status("cancelled")

    def export_figure(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.export("figure", path)

    def export_render(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.export("render", path)

    def export_map(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.export("map", path)

    def export_map_csv(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.export("map_csv", path)

    def export_regions(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.export("regions", path)

    def save_session(self, path: Optional[str] = None) -> Optional[str]:
        return self.files.save_session(path)

    def open_session(self, path: Optional[str] = None, background: Optional[bool] = None) -> None:
        self.files.open_session(path, background)

    def open_study(self, path: Optional[str] = None, unit: Optional[int] = None) -> None:
        self.files.open_study(path, unit)

    # -- drops, layout, closing ----------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.toLocalFile()]
        if paths:
            self.guarded(self.files.opener(paths[0]), paths[0])

    def _restore_layout(self) -> None:
        for key, restore in (("geometry", self.restoreGeometry), ("windowState", self.restoreState)):
            value = self.settings.value(key)
            if value is not None:
                restore(value)

    def shutdown(self) -> None:
        """Cancel jobs, stop the render and classify threads (idempotent)."""
        self.jobs.shutdown()
        self.live.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.shutdown()
        super().closeEvent(event)


__all__ = ["COMPARE", "PRIMARY", "MainWindow"]
