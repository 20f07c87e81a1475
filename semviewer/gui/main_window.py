"""The main window: viewport, predictions, semantic map, robust regions, compare, export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QSplitter)

from semviewer.core.axes import AXES, Pose
from semviewer.core.batch_tuning import tuned_batch_size
from semviewer.core.classifier import DEFAULT_MODEL, ENGINES, MODELS, Classifier
from semviewer.core.classifier_cache import ClassifierCache
from semviewer.core.errors import SemviewerError
from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.imagenet import ClassSet
from semviewer.core.inside import check_regions
from semviewer.core.map_cache import MapCache, cached_build_map
from semviewer.core.map_score import MapScore
from semviewer.core.mesh import MeshData, load_mesh
from semviewer.core.mesh import decimate as decimate_mesh
from semviewer.core.objects import DEFAULT_OBJECT, bundled_objects, resolve_object
from semviewer.core.regions import METHOD_LABELS, Region, RegionsSnapshot, find_regions
from semviewer.core.render_settings import RenderSettings
from semviewer.core.region_report import regions_document
from semviewer.core.results import write_json, write_png, write_text
from semviewer.core.scoring import ScoreFunction
from semviewer.core.semantic_map import SemanticMap
from semviewer.core.session import Session
from semviewer.core.study import read_study
from semviewer.gui.class_dialog import ClassSetDialog
from semviewer.gui.controls import AxisControls
from semviewer.gui.live_view import LiveView
from semviewer.gui.map_settings import MapSettings, domain_rows
from semviewer.gui.map_view import MapView, RegionShape
from semviewer.gui.predictions import PredictionsPanel
from semviewer.gui.regions_table import RegionsTable
from semviewer.gui.solver_panel import SolverPanel
from semviewer.gui.study_dialog import StudyDialog
from semviewer.gui.viewport import Viewport
from semviewer.gui.workers import JobRunner
from semviewer.render import open_render_thread

MESH_FILTER = "Meshes (*.obj *.glb *.gltf *.ply *.stl *.off);;All files (*)"
MAX_RECENT = 8
DEFAULT_TRIANGLE_BUDGET = 500_000
PRIMARY, COMPARE = "primary", "compare"


class MainWindow(QMainWindow):
    """semviewer's window. ``MainWindow()`` builds it on the defaults without showing it."""

    def __init__(self, object_name: Optional[str] = None, model_name: Optional[str] = None,
                 load_model: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("semviewer")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.jobs = JobRunner(self)
        self.live = LiveView(self)
        self.render_settings = RenderSettings()
        self.cache = MapCache()
        self.classifiers = ClassifierCache()        # every model load goes through here: each one once
        self.last_error: Optional[str] = None
        self.predicted_pose: Optional[Pose] = None   # the pose the predictions panel shows
        self._message_box: Optional[QMessageBox] = None
        self._live_error_shown = False
        self.object_source = DEFAULT_OBJECT
        self.up_axis = "y"
        self.mesh: Optional[MeshData] = None
        self.classes: Optional[ClassSet] = None
        self.model_name = model_name or DEFAULT_MODEL
        self.weights: Optional[str] = None
        self.engine = "auto"
        self.classifier: Optional[Classifier] = None
        self.compare_model: Optional[str] = None
        self.compare_classifier: Optional[Classifier] = None
        self.pose = Pose()
        self.maps: dict[str, Optional[SemanticMap]] = {PRIMARY: None, COMPARE: None}
        self.starts: list[tuple[float, ...]] = []
        self.regions: list[tuple[str, Region]] = []
        self.region_run: dict[str, Any] = {}   # axes, domain, configs, source, provenance of the regions
        self.start_axes: list[str] = ["azimuth", "elevation"]   # the axes the start points were picked on
        self._solver_note = ""                 # said before the solver's status (e.g. which starts it chose)
        self._live_shapes: dict[str, list[RegionShape]] = {PRIMARY: [], COMPARE: []}
        self._build_ui()
        self._build_menus()
        self._connect()
        self._restore_layout()
        self.live.frame_ready.connect(self._on_frame)
        self.live.prediction_ready.connect(self._on_prediction)
        self.live.failed.connect(self._live_failed)
        self._guarded(self.open_object, object_name or DEFAULT_OBJECT)
        if self.mesh is None:                       # the object asked for could not be opened
            self.open_object(DEFAULT_OBJECT)
        if load_model:
            self.set_model(self.model_name)

    # -- construction ------------------------------------------------------------
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
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        self.status_label = QLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.resize(1500, 950)

    def _action(self, menu, text: str, slot, shortcut=None, name: Optional[str] = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(lambda checked=False: self._guarded(slot))
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Open mesh…", self.open_mesh, QKeySequence.StandardKey.Open, "openMeshAction")
        self.recent_menu = file.addMenu("Open &recent")
        file.addSeparator()
        self._action(file, "Open &session…", self.open_session, "Ctrl+Shift+O", "openSessionAction")
        self._action(file, "&Save session…", self.save_session, QKeySequence.StandardKey.Save, "saveSessionAction")
        self._action(file, "Open &map file…", self.open_map_file, "Ctrl+M", "openMapAction")
        self._action(file, "Open s&tudy…", self.open_study, None, "openStudyAction")
        export = file.addMenu("&Export")
        self._action(export, "Map &figure (PNG, SVG, PDF)…", self.export_figure, "Ctrl+E", "exportFigureAction")
        self._action(export, "Current &render (PNG)…", self.export_render, None, "exportRenderAction")
        self._action(export, "&Map data (.npz)…", self.export_map, None, "exportMapAction")
        self._action(export, "Map data (&CSV)…", self.export_map_csv, None, "exportMapCsvAction")
        self._action(export, "Re&gions (JSON)…", self.export_regions, None, "exportRegionsAction")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction")
        objects = bar.addMenu("&Object")
        for name, obj in bundled_objects().items():
            self._action(objects, f"{name} ({obj.classes})", lambda n=name: self.open_object(n))
        objects.addSeparator()
        self._action(objects, "True &class set…", self.choose_classes, "Ctrl+K", "chooseClassesAction")
        self._action(objects, "Triangle &budget…", self.set_triangle_budget, None, "triangleBudgetAction")
        model = bar.addMenu("&Model")
        for name in MODELS:
            self._action(model, name, lambda n=name: self.set_model(n))
        model.addSeparator()
        self._action(model, "Load &weights file…", self.load_weights, None, "loadWeightsAction")
        engines = model.addMenu("Inference &engine")
        self.engine_actions = QActionGroup(self)
        for name in ENGINES:
            label = {"auto": "auto (ONNX Runtime on the CPU, torch on CUDA)"}.get(name, name)
            action = self._action(engines, label, lambda n=name: self.set_engine(n), None, f"engine-{name}")
            action.setCheckable(True)
            action.setChecked(name == self.engine)
            self.engine_actions.addAction(action)
        compare = model.addMenu("&Compare with")
        for name in MODELS:
            self._action(compare, name, lambda n=name: self.set_compare_model(n))
        self._action(compare, "(no comparison)", lambda: self.set_compare_model(None))
        view = bar.addMenu("&View")
        self._action(view, "&Reset view", self.reset_view, "Ctrl+0", "resetViewAction")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        self._update_recent_menu()

    def _connect(self) -> None:
        self.viewport.pose_edited.connect(self.set_pose)
        self.controls.pose_edited.connect(self.set_pose)
        self.controls.reset_requested.connect(self.reset_view)
        self.map_view.clicked.connect(lambda x, y, mods: self._map_clicked(x, y, mods))
        self.map_view.dragged.connect(lambda x, y: self._map_dragged(x, y))
        self.compare_view.clicked.connect(lambda x, y, mods: self._map_clicked(x, y, mods))
        self.map_settings.compute_requested.connect(lambda: self._guarded(self.compute_map))
        self.map_settings.cancel_requested.connect(self.cancel_jobs)
        self.map_settings.view_changed.connect(self._redraw_maps)
        self.solver.start_requested.connect(lambda: self._guarded(self.start_solver))
        self.solver.stop_requested.connect(self.stop_solver)
        self.solver.paper_starts_requested.connect(self.use_paper_starts)
        self.solver.clear_starts_requested.connect(lambda: self.set_starts([]))
        self.regions_table.region_selected.connect(self._highlight_region)
        self.jobs.changed.connect(lambda: self.map_settings.cancel.setEnabled(
            any(self.jobs.running(kind) for kind in ("map", "map-compare", "solver"))))

    # -- errors ------------------------------------------------------------------
    def _guarded(self, fn, *args) -> Any:
        """Run a user action; any error becomes a one-line message, never a traceback."""
        try:
            return fn(*args)
        except SemviewerError as exc:
            self.show_error(str(exc))
        except OSError as exc:
            self.show_error(f"{exc.strerror or exc}: {exc.filename or ''}")
        except Exception as exc:  # a renderer, GL or library error: report it, keep the window working
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            self.show_error(f"{type(exc).__name__}: {first}")
        return None

    def show_error(self, message: str) -> None:
        """Tell the user what went wrong (status bar and a non-blocking message box)."""
        self._live_error_shown = False
        self.last_error = message
        self.status_label.setText(f"⚠ {message}")
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "semviewer", message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorMessageBox")
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.open()
        self._message_box = box

    def status(self, message: str) -> None:
        self.status_label.setText(message)

    def _live_failed(self, message: str) -> None:
        """Render/classify errors can come every frame: one message box, then the status bar only."""
        if self._message_box is not None and self._message_box.isVisible() and self._live_error_shown:
            self.last_error = message
            self.status_label.setText(f"⚠ {message}")
            return
        self.show_error(message)
        self._live_error_shown = True

    # -- object, classes, model ----------------------------------------------------
    def open_object(self, name_or_path: str, up_axis: str = "y") -> None:
        """Open a bundled object or a mesh file; the current one stays if this fails."""
        choice = resolve_object(name_or_path, up_axis)
        if self.jobs.running("mesh"):             # a file still being read must not replace this object later
            self.jobs.cancel("mesh")
            self._not_busy()
        self._set_mesh(choice.mesh, name_or_path, up_axis)
        if choice.classes is not None:
            self.classes = choice.classes
        elif self.classes is None:
            self.classes = ClassSet((0,))
        self.pose = choice.default_pose
        self._forget_maps()
        self._sync_pose(request=True)
        self._update_title()
        if choice.classes is None:
            self.status(f"opened {Path(name_or_path).name}: choose its true class with Object → True class set")

    def triangle_budget(self) -> int:
        """Meshes above this many triangles are offered decimation (Object → Triangle budget)."""
        try:
            return max(1000, int(self.settings.value("mesh/triangle_budget", DEFAULT_TRIANGLE_BUDGET)))
        except (TypeError, ValueError):
            return DEFAULT_TRIANGLE_BUDGET

    def set_triangle_budget(self, budget: Optional[int] = None) -> None:
        if budget is None:
            budget, ok = QInputDialog.getInt(self, "Triangle budget", "Offer to decimate meshes with more "
                                             "triangles than:", self.triangle_budget(), 1000, 50_000_000, 10_000)
            if not ok:
                return
        self.settings.setValue("mesh/triangle_budget", int(budget))
        self.status(f"meshes above {int(budget):,} triangles will be offered decimation")

    def _busy(self, message: str) -> None:
        self.progress.setRange(0, 0)          # an indeterminate (busy) bar
        self.progress.show()
        self.status(message)

    def _not_busy(self) -> None:
        self.progress.setRange(0, 1000)
        if not any(self.jobs.running(k) for k in ("map", "map-compare", "solver")):
            self.progress.hide()

    def open_mesh(self, path: Optional[str] = None, up_axis: Optional[str] = None,
                  decimate: Optional[bool] = None) -> None:
        """Open a mesh file (asks for one when ``path`` is None). The file is read in the
        background; until it is ready (or fails, with a message) the current object stays and
        the live view keeps answering. A mesh above the triangle budget is offered decimation
        (``decimate`` answers that question without asking)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open mesh", str(Path.home()), MESH_FILTER)
            if not path:
                return
        up = up_axis or "y"
        self._busy(f"reading {Path(path).name}…")

        def show(mesh: MeshData, note: str = "") -> None:
            self._not_busy()
            self._set_mesh(mesh, str(path), up)
            self.pose = Pose()
            self._forget_maps()
            self._sync_pose(request=True)
            self._add_recent(str(path))
            self._update_title()
            self.status(f"opened {Path(path).name} ({mesh.face_count:,} faces{note}); "
                        f"choose its true class with Object → True class set")

        def read(mesh: MeshData) -> None:
            budget = self.triangle_budget()
            if mesh.face_count <= budget:
                return show(mesh)
            choice = decimate
            if choice is None:
                answer = QMessageBox.question(
                    self, "A large mesh", f"{Path(path).name} has {mesh.face_count:,} triangles, more than the "
                    f"budget of {budget:,}: every render will be slow. Decimate it to about {budget:,} triangles "
                    f"(quadric decimation; colours and textures are dropped)?")
                choice = answer == QMessageBox.StandardButton.Yes
            if not choice:
                return show(mesh, ", above the triangle budget")
            self._busy(f"decimating {Path(path).name} to about {budget:,} triangles…")
            self.jobs.start("mesh", lambda sink: decimate_mesh(mesh, budget),
                            lambda small: show(small, f", decimated from {mesh.face_count:,}"), failed)

        def failed(message: str) -> None:
            self._not_busy()
            self.show_error(message)

        self.jobs.start("mesh", lambda sink: load_mesh(path, up_axis=up), read, failed)

    def _set_mesh(self, mesh: MeshData, source: str, up_axis: str) -> None:
        self.live.set_mesh(mesh, self.render_settings)
        self.mesh = mesh
        self.object_source = source
        self.up_axis = up_axis

    def choose_classes(self, classes: Optional[ClassSet] = None) -> None:
        if classes is None:
            dialog = ClassSetDialog(self.classes, self)
            if not dialog.exec():
                return
            classes = dialog.class_set()
            if classes is None:
                raise SemviewerError("no class selected; the true class set needs at least one class")
        self.classes = classes
        self._forget_maps()
        self._update_title()
        self.live.request(self.pose)

    def set_model(self, name: str, weights: Optional[str] = None, keep_results: bool = False) -> None:
        """Load a model in the background; the window keeps working meanwhile. The maps and regions
        are dropped when it is ready, unless ``keep_results`` (they were made with this model)."""
        if name not in MODELS:
            raise SemviewerError(f"unknown model {name!r}")
        self.predictions.set_status(f"loading {name}…")
        self.status(f"loading {name}…")

        engine, notices = self.engine, []

        def job(sink):
            return self.classifiers.get(name, weights, engine, notify=notices.append)

        def done(classifier: Classifier) -> None:
            self.classifier = classifier
            self.model_name = name
            self.weights = weights
            self.live.set_classifier(classifier)
            if not keep_results:
                self._forget_maps()
            self._update_title()
            self.status(f"{name} loaded ({classifier.device}, {classifier.engine}) · drag the object to turn it · "
                        f"Compute map to see where the network recognises it · Ctrl+click the map to add start "
                        f"points, then Start" + "".join(f" · ⚠ {n}" for n in notices))

        def failed(message: str) -> None:
            self.predictions.set_status(f"{self.model_name}" if self.classifier else "no model loaded")
            self.show_error(message)

        self.jobs.start("model", job, done, failed)

    def load_weights(self, path: Optional[str] = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, f"Weights for {self.model_name}", str(Path.home()),
                                                  "PyTorch checkpoints (*.pth *.pt *.bin);;All files (*)")
            if not path:
                return
        self.set_model(self.model_name, path)

    def set_engine(self, engine: str) -> None:
        """Run the classifiers on ``engine`` (auto, onnxruntime or torch); reloads the model."""
        if engine not in ENGINES:
            raise SemviewerError(f"unknown engine {engine!r}; choose {', '.join(ENGINES)}")
        self.engine = engine
        for action in self.engine_actions.actions():
            action.setChecked(action.objectName() == f"engine-{engine}")
        self.compare_classifier = None
        self.set_model(self.model_name, self.weights)

    def set_compare_model(self, name: Optional[str]) -> None:
        self.jobs.cancel("map-compare")            # its late result must not land under the new name
        self.compare_model = name
        self.compare_classifier = None
        self.maps[COMPARE] = None
        self.compare_view.setVisible(name is not None)
        if name is not None:
            self.compare_view.clear_map(f"{name}: compute the map to compare")
            if self.maps[PRIMARY] is not None:
                self.compute_map(which=COMPARE)

    def _update_title(self) -> None:
        obj = Path(self.object_source).name if self.mesh is not None else "?"
        self.setWindowTitle(f"semviewer — {obj} · {self.model_name} · p({self.classes})")

    # -- pose ----------------------------------------------------------------------
    def set_pose(self, pose: Pose) -> None:
        """Move to ``pose``: viewport, spin boxes, map cursor and predictions follow."""
        self.pose = pose
        self._sync_pose(request=True)

    def reset_view(self) -> None:
        choice_pose = bundled_objects()[self.object_source].default_pose \
            if self.object_source in bundled_objects() else Pose()
        self.set_pose(choice_pose)

    def _sync_pose(self, request: bool) -> None:
        self.viewport.set_pose(self.pose)
        self.controls.set_pose(self.pose)
        shown = self.map_settings.shown_axes()
        y = self.pose[shown[1]] if len(shown) > 1 else None
        for view in (self.map_view, self.compare_view):
            view.set_cursor(self.pose[shown[0]], y)
        if request:
            self.live.request(self.pose)

    def _on_frame(self, image: np.ndarray, pose: Pose) -> None:
        self.viewport.set_frame(image, pose)

    def _on_prediction(self, probs: np.ndarray, pose: Pose) -> None:
        if self.classes is not None and self.classifier is not None:
            self.predictions.show_probabilities(probs, self.classes, self.classifier.name)
            self.predicted_pose = pose

    def _pose_from_map(self, x: float, y: float) -> Pose:
        shown = self.map_settings.shown_axes()
        values = {shown[0]: x}
        if len(shown) > 1 and np.isfinite(y):
            values[shown[1]] = y
        return self.pose.replace(**{name: AXES[name].clamp(v) for name, v in values.items()})

    def _map_clicked(self, x: float, y: float, modifiers) -> None:
        adding = bool(modifiers & Qt.KeyboardModifier.ControlModifier) or self.solver.pick.isChecked()
        if adding:
            shown = self.map_settings.shown_axes()
            point = (x,) if len(shown) == 1 else (x, y)
            domain = domain_rows(shown)
            point = tuple(float(np.clip(v, lo, hi)) for v, (lo, hi) in zip(point, domain))
            on_these = self.start_axes == self.map_settings.shown_axes()
            self.set_starts((self.starts if on_these else []) + [point])
        else:
            self.set_pose(self._pose_from_map(x, y))

    def _map_dragged(self, x: float, y: float) -> None:
        if not self.solver.pick.isChecked():
            self.set_pose(self._pose_from_map(x, y))

    # -- maps ----------------------------------------------------------------------
    def _forget_maps(self) -> None:
        if self.jobs.running("solver"):
            self.solver.status.setText("stopped: the object, model or classes changed")
        self.jobs.cancel("map")
        self.jobs.cancel("map-compare")
        self.jobs.cancel("solver")
        self.solver.set_running(False)
        self.maps = {PRIMARY: None, COMPARE: None}
        self.regions = []
        self._live_shapes = {PRIMARY: [], COMPARE: []}
        self._clear_views()
        self._refresh_regions()

    def _clear_views(self) -> None:
        shown = self.map_settings.shown_axes()
        axes = [(AXES[n].label, *domain_rows([n])[0]) for n in shown]
        self.map_view.clear_map("Press “Compute map” to see where the network recognises the object", axes)
        self.compare_view.clear_map(f"{self.compare_model}: compute the map to compare" if self.compare_model else "",
                                    axes)
        self._sync_pose(request=False)

    def _map_job(self, model: str, weights: Optional[str]):
        mesh, classes, settings, cache = self.mesh, self.classes, self.render_settings, self.cache
        grid = self.map_settings.grid()
        names = [g.name for g in grid]
        base = self.pose
        same = model == self.model_name and weights == self.weights     # not the primary's custom weights
        classifier_hint = self.classifier if same else self.compare_classifier
        engine = self.engine

        def job(sink):
            classifier = classifier_hint or self.classifiers.get(model, weights, engine)
            with open_render_thread(mesh, settings) as thread:
                score = ScoreFunction(thread, classifier, classes, names, base)
                score.batch_size = tuned_batch_size(classifier, notify=lambda m: sink.progress(0.0, m),
                                                    cancelled=sink.cancelled, pipeline=score.probe)
                provenance = score.provenance(mesh.name, mesh.sha256, settings.to_json())
                fixed = {k: v for k, v in base.as_dict().items() if k not in names}
                semantic_map, cached = cached_build_map(score, grid, fixed, provenance, sink, cache)
            return semantic_map, classifier
        return job

    def compute_map(self, which: str = PRIMARY) -> None:
        """Compute the map (in the background; cached maps come back at once)."""
        if self.classifier is None:
            raise SemviewerError("the model is still loading; compute the map once it is ready")
        targets = [which] if which == COMPARE else [PRIMARY] + ([COMPARE] if self.compare_model else [])
        for target in targets:
            model = self.model_name if target == PRIMARY else self.compare_model
            weights = self.weights if target == PRIMARY else None
            view = self.map_view if target == PRIMARY else self.compare_view
            view.set_message(f"{model}: computing…")
            self.progress.show()
            self.jobs.start("map" if target == PRIMARY else "map-compare", self._map_job(model, weights),
                            lambda result, t=target: self._map_done(t, result),
                            lambda message, t=target: self._job_failed(message),
                            self._on_progress, lambda m, t=target: self._map_partial(t, m))

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 1000))
        self.status(message)

    def _map_partial(self, target: str, semantic_map: SemanticMap) -> None:
        self.maps[target] = semantic_map
        self._draw_map(target)

    def _map_done(self, target: str, result) -> None:
        semantic_map, classifier = result
        if target == COMPARE:
            self.compare_classifier = classifier
        self.maps[target] = semantic_map
        self._draw_map(target)
        if not self.jobs.running("map") and not self.jobs.running("map-compare"):
            self.progress.hide()
        filled = semantic_map.filled_fraction
        self.status(f"map of {semantic_map.values.size} poses " +
                    ("ready" if filled == 1.0 else f"stopped at {filled:.0%}"))

    def _job_failed(self, message: str) -> None:
        self.progress.hide()
        self.show_error(message)

    def _draw_map(self, target: str) -> None:
        semantic_map = self.maps[target]
        view = self.map_view if target == PRIMARY else self.compare_view
        if semantic_map is None:
            return
        shown = [n for n in self.map_settings.shown_axes() if n in semantic_map.axis_names]
        if not shown:
            shown = list(semantic_map.axis_names[:2])
        model = semantic_map.provenance.get("model", "?")
        title = f"{model} · p({self.classes})"
        view.show_map(semantic_map, shown, at=self.pose.as_dict(), aggregate=self.map_settings.aggregate.currentData(),
                      title=title)
        self._sync_pose(request=False)
        view.set_starts(self.starts if self.starts and len(self.starts[0]) == len(shown) else [])
        self._refresh_regions()

    def _redraw_maps(self) -> None:
        if self.maps[PRIMARY] is None:
            self._clear_views()
        for target in (PRIMARY, COMPARE):
            self._draw_map(target)
        self._show_starts()
        self._refresh_regions()

    def open_map_file(self, path: Optional[str] = None) -> None:
        """Show a saved map (any number of axes: hidden axes are sliced or aggregated)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open map", str(Path.home()), "semviewer maps (*.npz)")
            if not path:
                return
        semantic_map = SemanticMap.load(path)
        for kind in ("map", "map-compare", "solver"):      # their late results must not overwrite this map
            self.jobs.cancel(kind)
        self.solver.set_running(False)
        self.regions = []
        self._live_shapes = {PRIMARY: [], COMPARE: []}
        self.maps = {PRIMARY: semantic_map, COMPARE: None}
        names = list(semantic_map.axis_names[:2])
        self.map_settings.set_shown_axes(names)
        self.set_starts([])
        self._draw_map(PRIMARY)
        self._refresh_regions()
        prov = semantic_map.provenance
        classes = " + ".join(prov.get("classes", {}).get("names", [])) or "?"
        self.setWindowTitle(f"semviewer — map {Path(path).name} · {prov.get('model', '?')} · p({classes})")
        self.status(f"opened map {Path(path).name} ({'×'.join(map(str, semantic_map.shape))})")

    def open_study(self, path: Optional[str] = None, unit: Optional[int] = None) -> None:
        """Open a unit of a study folder: its object, model, map and regions (asks which one)."""
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Open study folder", str(Path.home()))
            if not path:
                return
        units = read_study(path)
        if unit is None:
            dialog = StudyDialog(units, self)
            if not dialog.exec() or dialog.chosen() is None:
                return
            unit = dialog.chosen()
        if not 0 <= unit < len(units) or units[unit].state != "done":
            raise SemviewerError("that unit of the study has no results (it failed or has not run)")
        record = units[unit]
        semantic_map = SemanticMap.load(record.map_path)
        regions = [Region.from_json(r) for r in record.regions]
        self.open_object(record.object_source, record.up_axis)
        self.classes = ClassSet(record.classes)
        if record.model != self.model_name or record.weights != self.weights or self.classifier is None:
            self.set_model(record.model, record.weights, keep_results=True)
        self.map_settings.set_shown_axes(list(semantic_map.axis_names[:2]))
        self.maps[PRIMARY] = semantic_map
        self._draw_map(PRIMARY)
        self.regions = [(PRIMARY, r) for r in regions]
        self.region_run = {"axes": list(semantic_map.axis_names[:2]),
                           "domain": regions[0].domain if regions else semantic_map.domain(),
                           "configs": {r.method: {"method": r.method} for r in regions},
                           "source": {"kind": "study", "study": str(path)},
                           "provenance": dict(semantic_map.provenance)}
        self._refresh_regions()
        self._update_title()
        self.status(f"opened study unit {record.name} from {Path(path).name}: its map and {len(regions)} regions")

    # -- regions ---------------------------------------------------------------------
    def set_starts(self, starts: list, axes: Optional[list[str]] = None) -> None:
        """Start points on ``axes`` (default: the axes shown now); shown only on those axes."""
        self.starts = [tuple(float(v) for v in s) for s in starts]
        self.start_axes = list(axes or self.map_settings.shown_axes())
        self._show_starts()

    def _show_starts(self) -> None:
        on_these = self.start_axes == self.map_settings.shown_axes()
        for view in (self.map_view, self.compare_view):
            view.set_starts(self.starts if self.starts and on_these else [])
        text = "; ".join("(" + ", ".join(f"{v:.0f}" for v in s) + ")" for s in self.starts)
        where = "" if on_these or not self.starts else f" (on {' × '.join(self.start_axes)}: hidden here)"
        self.solver.starts_label.setText(f"start points: {text}{where}" if self.starts else
                                         "no start points: click the map with Ctrl, or use the paper's")

    def use_paper_starts(self) -> None:
        from semviewer.core.regions import PAPER_1D_FIXED, PAPER_STARTS_1D, PAPER_STARTS_2D

        shown = self.map_settings.shown_axes()
        if shown == ["azimuth", "elevation"]:
            self.set_starts(list(PAPER_STARTS_2D))
        elif shown == ["azimuth"]:
            self.set_starts([(a,) for a in PAPER_STARTS_1D])
            if self.pose["elevation"] != PAPER_1D_FIXED["elevation"]:
                self.set_pose(self.pose.replace(**PAPER_1D_FIXED))
                self.status("the paper's 1-D starts run at elevation 35°: the pose moved there; "
                            "compute the map again for that curve")
        else:
            self.show_error("the paper's start points are for azimuth × elevation (or azimuth alone)")

    def start_solver(self) -> None:
        """Grow regions from the start points in the background; rectangles grow live."""
        shown = self.map_settings.shown_axes()
        note = ""
        if not self.starts:   # the paper's starts where they apply, else the centre of the domain
            if shown in (["azimuth", "elevation"], ["azimuth"]):
                self.use_paper_starts()
                note = "no start points given: the paper's starts · "
            else:
                semantic_map = self.maps[PRIMARY]
                rows = semantic_map.domain(shown) if semantic_map is not None and \
                    set(shown) <= set(semantic_map.axis_names) else domain_rows(shown)
                self.set_starts([tuple(float(v) for v in rows.mean(axis=1))])
                note = "no start points given: the centre of the domain · "
        if self.start_axes != shown:
            raise SemviewerError(f"the start points were picked on {' × '.join(self.start_axes)}, not on the axes "
                                 f"shown ({' × '.join(shown)}); switch back, or clear them and pick again")
        methods = self.solver.methods()
        configs = [self.solver.config(m) for m in methods]
        for config in configs:
            config.check(len(shown))
        source = self.solver.source.currentData()
        starts = np.array(self.starts)
        targets = [t for t in (PRIMARY, COMPARE) if t == PRIMARY or self.compare_model]
        jobs = []
        for target in targets:
            semantic_map = self.maps[target]
            if source == "map":
                if semantic_map is None or not semantic_map.complete:
                    if target == PRIMARY:
                        raise SemviewerError("compute the map first, or choose live renders as the score")
                    continue
                if not set(shown) <= set(semantic_map.axis_names):
                    raise SemviewerError("the map does not have the axes shown; recompute it")
                score, domain, classifier = MapScore(semantic_map, shown, at=self.pose.as_dict()), \
                    semantic_map.domain(shown), None
            else:
                classifier = self.classifier if target == PRIMARY else self.compare_classifier
                if classifier is None:
                    if target == PRIMARY:
                        raise SemviewerError("the model is still loading; start the solver once it is ready")
                    continue
                score = None
                on_map = semantic_map is not None and set(shown) <= set(semantic_map.axis_names)
                domain = semantic_map.domain(shown) if on_map else domain_rows(shown)
            if (starts < domain[:, 0]).any() or (starts > domain[:, 1]).any():
                raise SemviewerError("a start point lies outside the map's domain; clear the starts and pick again")
            jobs.append((target, score, domain, classifier))
        mesh, classes, settings, pose = self.mesh, self.classes, self.render_settings, self.pose
        first_map = self.maps[PRIMARY]
        provenance = dict(first_map.provenance) if source == "map" and first_map is not None else {
            "object": mesh.name, "mesh_sha256": mesh.sha256, "classes": classes.to_json(),
            "render_settings": settings.to_json(), "fixed": {k: v for k, v in pose.as_dict().items() if k not in shown},
            **(self.classifier.describe() if self.classifier is not None else {})}
        self.region_run = {"axes": shown, "domain": jobs[0][2], "configs": {c.method: c.to_json() for c in configs},
                           "source": {"kind": source}, "provenance": provenance}

        def job(sink):
            found = []
            for target, score, dom, classifier in jobs:
                thread = None
                if score is None:
                    thread = open_render_thread(mesh, settings)
                    score = ScoreFunction(thread, classifier, classes, shown, pose)
                    score.batch_size = tuned_batch_size(classifier, notify=lambda m: sink.progress(0.0, m),
                                                        cancelled=sink.cancelled, pipeline=score.probe)
                try:
                    for config in configs:
                        relay = _Relay(sink, target)
                        grown = find_regions(score, starts, dom, config, relay)
                        if not sink.cancelled():
                            sink.progress(1.0, "checking the regions from the inside…")
                            grown = check_regions(grown, score)
                        found.extend((target, region) for region in grown)
                        if sink.cancelled():
                            return found
                finally:
                    if thread is not None:
                        thread.close()
            return found

        self.regions = []
        self._live_shapes = {PRIMARY: [], COMPARE: []}
        self.solver.set_running(True)
        self._solver_note = note
        self.solver.status.setText(f"{note}growing regions…")
        self.progress.show()
        self.jobs.start("solver", job, self._solver_done, self._solver_failed, self._on_progress, self._solver_partial)

    def _solver_partial(self, item) -> None:
        target, snapshot = item
        if not isinstance(snapshot, RegionsSnapshot):
            return
        shapes = [RegionShape(snapshot.method, tuple(lo), tuple(hi), tuple(s), bool(a))
                  for lo, hi, s, a in zip(snapshot.lower, snapshot.upper, snapshot.starts, snapshot.active)]
        done = [sh for sh in self._live_shapes[target] if sh.method != snapshot.method]
        self._live_shapes[target] = done + shapes
        view = self.map_view if target == PRIMARY else self.compare_view
        view.set_regions(self._live_shapes[target])
        steps = int(snapshot.steps.max()) if len(snapshot.steps) else 0
        self.solver.status.setText(f"{self._solver_note}{METHOD_LABELS[snapshot.method]}: step {steps}")

    def _solver_done(self, found) -> None:
        self.regions = list(found)
        self._live_shapes = {PRIMARY: [], COMPARE: []}
        self.solver.set_running(False)
        self.progress.hide()
        reasons = sorted({r.stop_reason for _, r in found})
        stopped = [r.steps for _, r in found if r.stop_reason == "cancelled"]
        if stopped:
            self.solver.status.setText(f"stopped at step {max(stopped)}: {len(found)} regions kept")
        else:
            self.solver.status.setText(f"{self._solver_note}{len(found)} regions ({', '.join(reasons)})")
        doubtful = sum(1 for _, r in found if r.inside is not None and r.inside["top1_fraction"] < 0.5)
        self.status(f"{len(found)} regions grown and checked from the inside" +
                    (f"; ⚠ {doubtful} hold the true class as top-1 on less than half of their volume"
                     if doubtful else ""))
        self._refresh_regions()

    def _solver_failed(self, message: str) -> None:
        self.solver.set_running(False)
        self.progress.hide()
        self.show_error(message)

    def stop_solver(self) -> None:
        """Stop growing regions; the regions grown so far are kept, marked "stopped at step k"."""
        if self.jobs.running("solver"):
            self.jobs.stop("solver")
            self.solver.set_running(False)
            self.solver.status.setText("stopping… (the regions grown so far are kept)")

    def _refresh_regions(self) -> None:
        shown = self.map_settings.shown_axes()
        region_axes = list(self.region_run.get("axes", shown)) if self.regions else shown
        on_these = region_axes == shown              # regions are drawn only on the axes they were grown on
        for target, view in ((PRIMARY, self.map_view), (COMPARE, self.compare_view)):
            shapes = [RegionShape(r.method, tuple(r.lower), tuple(r.upper), tuple(r.start))
                      for t, r in self.regions if t == target and on_these]
            view.set_regions(shapes + self._live_shapes.get(target, []))
        labels = {PRIMARY: self.model_name, COMPARE: self.compare_model or "compare"}
        self.regions_table.set_regions([(labels[t], r) for t, r in self.regions], region_axes)
        if self.regions and not on_these:
            self.solver.status.setText(f"the regions were grown on {' × '.join(region_axes)}: hidden on these axes")

    def _highlight_region(self, index: Optional[int]) -> None:
        if index is None:
            self.map_view.highlight(None)
            self.compare_view.highlight(None)
            return
        target, _ = self.regions[index]
        position = sum(1 for t, _ in self.regions[:index] if t == target)
        (self.map_view if target == PRIMARY else self.compare_view).highlight(position)

    def cancel_jobs(self) -> None:
        """Cancel the maps; stop the solver (keeping the regions grown so far)."""
        for kind in ("map", "map-compare"):
            self.jobs.cancel(kind)
        self.stop_solver()
        self.progress.hide()
        self.status("cancelled")

    # -- export ------------------------------------------------------------------------
    def _ask_path(self, title: str, filters: str, default: str) -> Optional[str]:
        path, chosen = QFileDialog.getSaveFileName(self, title, str(Path.home() / default), filters)
        return with_filter_suffix(path, chosen) if path else None

    def export_figure(self, path: Optional[str] = None) -> Optional[str]:
        if self.maps[PRIMARY] is None:
            raise SemviewerError("there is no map to export yet; compute it first")
        path = path or self._ask_path("Export figure", "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)", "semantic-map.png")
        if not path:
            return None
        panels = [Panel(self.maps[t], [r for tt, r in self.regions if tt == t])
                  for t in (PRIMARY, COMPARE) if self.maps[t] is not None]
        shown = [n for n in self.map_settings.shown_axes() if n in self.maps[PRIMARY].axis_names]
        save_figure(map_figure(panels, show=shown, at=self.pose.as_dict(),
                               aggregate=self.map_settings.aggregate.currentData()), path)
        self.status(f"wrote {path}")
        return path

    def export_render(self, path: Optional[str] = None) -> Optional[str]:
        if self.viewport.frame is None:
            raise SemviewerError("nothing has been rendered yet")
        path = path or self._ask_path("Export render", "PNG (*.png)", "render.png")
        if path:
            write_png(path, self.viewport.frame)
            self.status(f"wrote {path}")
        return path

    def export_map(self, path: Optional[str] = None) -> Optional[str]:
        if self.maps[PRIMARY] is None:
            raise SemviewerError("there is no map to export yet; compute it first")
        path = path or self._ask_path("Export map", "semviewer map (*.npz)", "semantic-map.npz")
        if path:
            self.maps[PRIMARY].save(path)
            self.status(f"wrote {path}")
        return path

    def export_map_csv(self, path: Optional[str] = None) -> Optional[str]:
        if self.maps[PRIMARY] is None:
            raise SemviewerError("there is no map to export yet; compute it first")
        path = path or self._ask_path("Export map as CSV", "CSV (*.csv)", "semantic-map.csv")
        if path:
            write_text(path, self.maps[PRIMARY].to_csv())
            self.status(f"wrote {path}")
        return path

    def export_regions(self, path: Optional[str] = None) -> Optional[str]:
        if not self.regions:
            raise SemviewerError("there are no regions to export yet; grow some first")
        path = path or self._ask_path("Export regions", "JSON (*.json)", "regions.json")
        if path:
            labels = {PRIMARY: self.model_name, COMPARE: self.compare_model}
            run = self.region_run
            write_json(path, regions_document(
                run["axes"], run["domain"], run["source"], run["configs"], run["provenance"],
                [{"model": labels[t], **r.to_json()} for t, r in self.regions], object=self.object_source,
                classes=self.classes.to_json() if self.classes else None))
            self.status(f"wrote {path}")
        return path

    # -- sessions ------------------------------------------------------------------------
    def session(self) -> Session:
        source = self.object_source if self.object_source in bundled_objects() \
            else str(Path(self.object_source).expanduser().resolve())
        return Session(object=source, up_axis=self.up_axis, model=self.model_name, weights=self.weights,
                       classes=list(self.classes.ids) if self.classes else [], pose=self.pose.as_dict(),
                       map_axes=self.map_settings.shown_axes(),
                       resolution=self.map_settings.resolution.currentData(),
                       aggregate=self.map_settings.aggregate.currentData(), compare_model=self.compare_model,
                       solver={"method": self.solver.method.currentData(), **self.solver.config("oir_b").to_json()},
                       starts=[list(s) for s in self.starts],
                       regions=[{"map": t, **r.to_json()} for t, r in self.regions])

    def save_session(self, path: Optional[str] = None) -> Optional[str]:
        path = path or self._ask_path("Save session", "semviewer session (*.json)", "session.semviewer.json")
        if path:
            self.session().save(path)
            self._add_recent(str(path))
            self.status(f"saved session {path}")
        return path

    def open_session(self, path: Optional[str] = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open session", str(Path.home()),
                                                  "semviewer sessions (*.json)")
            if not path:
                return
        s = Session.load(path)
        source = s.object
        if source not in bundled_objects() and not Path(source).expanduser().is_absolute():
            source = str((Path(path).resolve().parent / source).resolve())   # relative to the session file
        self.open_object(source, s.up_axis)
        if s.classes:
            self.classes = ClassSet(tuple(s.classes))
        self.map_settings.set_shown_axes(s.map_axes)
        self.map_settings.set_resolution(s.resolution)
        self.solver.set_config(s.solver)
        index = self.solver.method.findData(s.solver.get("method"))
        if index >= 0:
            self.solver.method.setCurrentIndex(index)
        self.compare_model = None
        self.set_compare_model(s.compare_model)           # None hides the compare view
        index = self.map_settings.aggregate.findData(s.aggregate)
        if index >= 0:
            self.map_settings.aggregate.setCurrentIndex(index)
        self.set_pose(Pose(s.pose))
        self.set_starts(s.starts, list(s.map_axes))
        self.regions = [(d.get("map", PRIMARY), Region.from_json(d)) for d in s.regions]
        if self.regions:
            config = {k: v for k, v in s.solver.items() if k != "method"}
            self.region_run = {"axes": list(s.map_axes), "domain": self.regions[0][1].domain,
                               "configs": {r.method: {**config, "method": r.method} for _, r in self.regions},
                               "source": {"kind": "session", "session": str(path)}, "provenance": {}}
        if s.model != self.model_name or s.weights != self.weights or self.classifier is None:
            self.set_model(s.model, s.weights, keep_results=True)   # the regions were grown with it
        self._refresh_regions()
        self._update_title()
        self._add_recent(str(path))
        self.status(f"reopened session {Path(path).name}; compute the map to see it (cached maps return at once)")

    # -- recent files, drag and drop, layout ----------------------------------------------
    def _add_recent(self, path: str) -> None:
        recent = [p for p in (self.settings.value("recentFiles", []) or []) if p != path]
        self.settings.setValue("recentFiles", ([path] + recent)[:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.value("recentFiles", []) or []
        if isinstance(recent, str):
            recent = [recent]
        for path in recent:
            opener = self.open_session if path.endswith(".json") else self.open_mesh
            self._action(self.recent_menu, path, lambda p=path, o=opener: o(p))
        self.recent_menu.setEnabled(bool(recent))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path:
                opener = {".json": self.open_session, ".npz": self.open_map_file}.get(Path(path).suffix.lower(),
                                                                                       self.open_mesh)
                self._guarded(opener, path)
                break

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def shutdown(self) -> None:
        """Cancel jobs, stop the render and classify threads (idempotent)."""
        self.jobs.shutdown()
        self.live.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.shutdown()
        super().closeEvent(event)


def with_filter_suffix(path: str, chosen_filter: str) -> str:
    """``path`` with the suffix of the file dialog's chosen filter when the user typed none
    (``"fig"`` with ``"PNG (*.png)"`` → ``"fig.png"``)."""
    if Path(path).suffix:
        return path
    match = re.search(r"\*\.(\w+)", chosen_filter or "")
    return f"{path}.{match.group(1)}" if match else path


class _Relay:
    """Passes a solver's reports on, tagged with the map it runs on."""

    def __init__(self, sink, target: str) -> None:
        self.sink = sink
        self.target = target

    def progress(self, fraction: float, message: str = "") -> None:
        self.sink.progress(fraction, message)

    def partial(self, result) -> None:
        self.sink.partial((self.target, result))

    def cancelled(self) -> bool:
        return self.sink.cancelled()


