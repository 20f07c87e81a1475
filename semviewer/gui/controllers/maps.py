"""The semantic maps: the map settings panel, computing maps in the background, and drawing the
maps, the cursor, the start points, the regions and the failures on the primary and compare views."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QCheckBox

from semviewer.core.errors import SemviewerError
from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.core.inference.scheduling import PriorityGate
from semviewer.core.maps.adaptive import check_adaptive
from semviewer.core.maps.cache import MapCache
from semviewer.core.maps.grids import RESOLUTIONS
from semviewer.core.scene.axes import AXES, Pose
from semviewer.core.session.document import COMPARE, PRIMARY, TARGETS, Document
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.map_settings import LOADED, MapSettings
from semviewer.gui.widgets.map_view import MapView, RegionShape
from semviewer.gui.workers import JobRunner
from semviewer.pipeline.maps import cached_map, compute_map
from semviewer.pipeline.rendering import RenderContexts
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorer

MAP_KINDS = {PRIMARY: "map", COMPARE: "map-compare"}


class MapController:
    """Map settings ↔ document, map jobs, and what the two map views show."""

    def __init__(self, doc: Document, settings: MapSettings, views: dict[str, MapView], pick: QCheckBox,
                 jobs: JobRunner, feedback: Feedback, cache: MapCache, classifiers: ClassifierCache,
                 gate: PriorityGate, contexts: RenderContexts) -> None:
        self.doc, self.settings, self.views, self.pick = doc, settings, views, pick
        self.jobs, self.feedback, self.cache, self.classifiers = jobs, feedback, cache, classifiers
        self.gate, self.contexts = gate, contexts      # live predictions first; one render context per mesh
        self.live_shapes: dict[str, list[RegionShape]] = {PRIMARY: [], COMPARE: []}   # regions growing now
        self.fraction = 0.0                               # how far the running map is
        self.progress_listeners: list[Callable[[], None]] = []   # told when it moves on
        self._restore_pending = False                     # a reopened map waits for its model
        self._queued: Optional[str] = None                # Compute map pressed while the model loads
        guarded = feedback.guarded
        settings.view_changed.connect(lambda: guarded(self._view_edited))
        settings.resolution.currentIndexChanged.connect(lambda: guarded(self._view_edited))
        for view in views.values():
            view.clicked.connect(lambda x, y, mods: guarded(self._clicked, x, y, mods))
        views[PRIMARY].dragged.connect(self._dragged)
        doc.events.dropped.connect(self.cancel_maps)
        jobs.changed.connect(self._model_failed)
        doc.maps.events.changed.connect(self._map_changed)
        doc.view.events.changed.connect(self._view_changed)
        doc.model.events.compare.connect(self._compare_changed)
        doc.scene.events.pose.connect(lambda pose: self.show_cursor())
        doc.model.events.model.connect(self._model_changed)
        doc.solver.events.starts.connect(self.show_starts)
        doc.solver.events.regions.connect(self.show_regions)
        doc.failures.events.changed.connect(self.show_failures)
        self._clear_views()

    # -- settings ---------------------------------------------------------------------------
    def _view_edited(self) -> None:
        s = self.settings
        resolution = s.resolution.currentData()
        self.doc.view.set(s.shown_axes(), None if resolution == LOADED else resolution, s.aggregate.currentData())
        self.doc.view.set_adaptive(s.tolerance.value() if s.adaptive.isChecked() else None)

    def _show_loaded_grid(self) -> None:
        """A primary map on another grid than the resolution named (a study unit's): the resolution
        control says so."""
        semantic_map, named = self.doc.maps[PRIMARY], RESOLUTIONS[self.doc.view.resolution]
        steps = {a.name: a.step for a in semantic_map.axes} if semantic_map is not None else {}
        shown = [n for n in self.doc.view.map_axes if steps.get(n) is not None and not AXES[n].categorical]
        other = any(abs(steps[n] - named[n]) > 1e-9 for n in shown)
        self.settings.show_loaded_grid(" × ".join(f"{steps[n]:g}{AXES[n].unit if AXES[n].unit == '°' else ''}"
                                                  for n in shown) if other else None)
        if not other:
            self.settings.set_resolution(self.doc.view.resolution)

    def _view_changed(self) -> None:
        s, doc = self.settings, self.doc
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(True)
        s.set_shown_axes(doc.view.map_axes)
        s.set_resolution(doc.view.resolution)
        s.aggregate.setCurrentIndex(max(0, s.aggregate.findData(doc.view.aggregate)))
        s.show_adaptive(doc.view.adaptive)
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(False)
        self._maps_changed(None)

    def _compare_changed(self) -> None:
        """A new compare model: its running map is stale; with a primary map, its own is computed."""
        self.jobs.cancel(MAP_KINDS[COMPARE])            # its late result must not land under the new name
        name = self.doc.model.compare
        self.views[COMPARE].setVisible(name is not None)
        if name is not None:
            self.views[COMPARE].clear_map(f"{name}: compute the map to compare")
            if self.doc.maps[PRIMARY] is not None:
                shown = name.rsplit("/", 1)[-1]
                self.views[COMPARE].set_message(f"{shown}: loading the model, then its map…")
                self.feedback.status(f"comparing with {shown}: loading it and computing its map (the first load of a "
                                     f"model exports and checks it once)")
                self.feedback.guarded(self.compute_map, COMPARE)

    # -- computing ---------------------------------------------------------------------------
    def cancel_maps(self) -> None:
        for kind in MAP_KINDS.values():
            self.jobs.cancel(kind)

    def running(self) -> bool:
        return self.jobs.any_running(MAP_KINDS.values())

    def _job(self, target: str, model: str, weights: Optional[str]):
        doc = self.doc
        scene, grid, engine, adaptive = Scene.of(doc), doc.grid(), doc.model.engine, doc.view.adaptive
        if adaptive is not None:
            check_adaptive(grid, adaptive)
        same = model == doc.model.name and weights == doc.model.weights     # not the primary's custom weights
        labels = doc.model.labels_file if same else None
        hint = doc.model.classifier if same else doc.model.classifiers[COMPARE] if target == COMPARE else None
        cache, classifiers, gate, contexts = self.cache, self.classifiers, self.gate, self.contexts

        def job(sink):
            classifier, notes = hint or classifiers.get(model, weights, engine, labels=labels), []
            with Scorer(scene, classifier, [g.name for g in grid], cancelled=sink.cancelled, gate=gate,
                        contexts=contexts) as scorer:
                semantic_map, _ = compute_map(scorer, grid, sink, cache, notify=notes.append, adaptive=adaptive)
            return semantic_map, classifier, notes
        return job

    def compute_map(self, which: str = PRIMARY) -> None:
        """Compute the map (in the background; cached maps come back at once). While the model
        loads, the map is queued and starts when it is ready (a model that fails to load drops it)."""
        doc = self.doc
        if doc.model.classifier is None:
            if not self.jobs.running("model"):
                raise SemviewerError("the model did not load; choose a model (Model menu), then compute the map")
            self._queued = which
            self.views[PRIMARY].set_message("the map starts when the model is ready (it is loading)…")
            self.feedback.status("the map starts when the model is ready: it is loading (the first load of a model "
                                 "exports and checks it once)")
            return
        self._queued = None
        targets = [which] if which == COMPARE else [PRIMARY] + ([COMPARE] if doc.model.compare else [])
        for target in targets:
            model = doc.model.label(target)
            weights = doc.model.weights if target == PRIMARY else None
            ticket = doc.ticket(target)
            self.views[target].set_message(f"{model}: computing…")
            self.feedback.start_progress()
            self.fraction = 0.0
            self.jobs.start(MAP_KINDS[target], self._job(target, model, weights),
                            lambda result, t=target, k=ticket: self._done(t, result, k), self._failed,
                            self._progress, lambda m, t=target, k=ticket: doc.set_map(t, m, k))

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction = fraction
        self.feedback.on_progress(fraction, message)
        for listener in self.progress_listeners:
            listener()

    def _done(self, target: str, result, ticket: int) -> None:
        semantic_map, classifier, notes = result
        if target == COMPARE:
            self.doc.set_compare_classifier(classifier, ticket)
        stored = self.doc.set_map(target, semantic_map, ticket)
        if not self.running():
            self.feedback.progress.hide()
        if stored:
            filled = semantic_map.filled_fraction
            adaptive = f" (adaptive: {semantic_map.computed_fraction:.0%} of them computed, the rest interpolated)" \
                if semantic_map.adaptive is not None else ""
            self.feedback.status(f"map of {semantic_map.values.size} poses " +
                                 ("ready" if filled == 1.0 else f"stopped at {filled:.0%}") + adaptive +
                                 "".join(f" · ⚠ {note}" for note in notes))

    def _failed(self, message: str) -> None:
        self.feedback.progress.hide()
        self.feedback.show_error(message)

    # -- maps that come back from the cache --------------------------------------------------
    def restore_cached(self) -> None:
        """A reopened session or unit: its map comes back from the cache once its model is
        loaded (now, or when it is), without computing anything."""
        self._restore_pending = True          # once the reopened document is drawn (a gap of its own)
        QTimer.singleShot(0, self._model_changed)

    def _model_changed(self) -> None:
        if self._restore_pending and self.doc.model.classifier is not None:
            self._restore_pending = False
            self.show_cached()
        if self._queued is not None and self.doc.model.classifier is not None:
            which, self._queued = self._queued, None     # after the model change is whole (it drops old maps)
            QTimer.singleShot(0, lambda: self.feedback.guarded(self.compute_map, which))

    def _model_failed(self) -> None:
        """The model being loaded failed: a queued map is dropped (the error was said)."""
        if self._queued is not None and self.doc.model.classifier is None and not self.jobs.running("model"):
            self._queued = None
            self._clear_views()

    def show_cached(self) -> bool:
        """Show the primary map of the current view when the cache has it whole; whether it did."""
        doc, classifier = self.doc, self.doc.model.classifier
        if classifier is None or doc.scene.mesh is None or doc.maps[PRIMARY] is not None:
            return doc.maps[PRIMARY] is not None
        try:
            found = cached_map(Scene.of(doc), classifier, doc.grid(), self.cache, doc.view.adaptive)
        except SemviewerError:
            return False                         # the model's labels do not name the class: compute says so
        if found is None:
            return False
        doc.set_map(PRIMARY, found)
        self.feedback.status(f"the map of {found.values.size} poses came back from the cache")
        if doc.model.compare is not None and doc.maps[COMPARE] is None:
            self.compute_map(COMPARE)            # its model loads in the job, its map comes from the cache
        return True

    # -- map clicks --------------------------------------------------------------------------
    def pose_on_map(self, x: float, y: float) -> Pose:
        """The current pose moved to the map point (x, y) (y NaN on a 1-D curve)."""
        shown = self.doc.view.map_axes
        values = {shown[0]: x}
        if len(shown) > 1 and np.isfinite(y):
            values[shown[1]] = y
        return self.doc.scene.pose_at(values)

    def _clicked(self, x: float, y: float, modifiers) -> None:
        if bool(modifiers & Qt.KeyboardModifier.ControlModifier) or self.pick.isChecked():
            self.doc.add_start((x,) if len(self.doc.view.map_axes) == 1 else (x, y))
        else:
            self.doc.scene.set_pose(self.pose_on_map(x, y))

    def _dragged(self, x: float, y: float) -> None:
        if not self.pick.isChecked():
            self.doc.scene.set_pose(self.pose_on_map(x, y))

    # -- drawing -----------------------------------------------------------------------------
    def _map_changed(self, target: Optional[str], complete: bool) -> None:
        """A map changed: a map still computing redraws only itself (10-20 times a second); a whole
        map, or none, also the cursor, starts and regions over it."""
        if complete:
            return self._maps_changed(target)
        for t in TARGETS if target is None else (target,):
            self._draw(t)

    def _maps_changed(self, target: Optional[str]) -> None:
        """Draw the map of ``target`` (None: both), then the cursor, starts and regions over it."""
        if self.doc.maps[PRIMARY] is None and target in (None, PRIMARY):
            self._clear_views()
        if target in (None, PRIMARY):
            self._show_loaded_grid()
        for t in TARGETS if target is None else (target,):
            self._draw(t)
        self.show_cursor()
        self.show_starts()
        self.show_regions()
        self.show_failures()

    def _clear_views(self) -> None:
        axes = [(g.axis.label, -0.5, g.size - 0.5) if g.labels else (g.axis.label, *g.extent())
                for g in self.doc.grid()]
        compare = self.doc.model.compare
        self.views[PRIMARY].clear_map("Press “Compute map” to see where the network recognises the object", axes)
        self.views[COMPARE].clear_map(f"{compare}: compute the map to compare" if compare else "", axes)

    def _draw(self, target: str) -> None:
        semantic_map = self.doc.maps[target]
        if semantic_map is None:
            return
        shown = [n for n in self.doc.view.map_axes if n in semantic_map.axis_names] or list(semantic_map.axis_names[:2])
        model = semantic_map.provenance.get("model", "?")
        self.views[target].show_map(semantic_map, shown, at=self.doc.scene.pose.as_dict(), aggregate=self.doc.view.aggregate,
                                    title=f"{model} · p({self.doc.scene.classes})")

    def show_cursor(self) -> None:
        pose, shown = self.doc.scene.pose, self.doc.view.map_axes
        y = pose[shown[1]] if len(shown) > 1 else None
        for view in self.views.values():
            view.set_cursor(pose[shown[0]], y)

    def show_starts(self) -> None:
        starts = self.doc.solver.starts if self.doc.starts_shown() else []
        for view in self.views.values():
            view.set_starts(starts)

    def show_failures(self) -> None:
        """Crosses at the failures that lie on the axes shown (on the primary map: its model's)."""
        search, shown = self.doc.failures.search, self.doc.view.map_axes
        points = [[f.point[a] for a in shown] for f in (search.failures if search is not None else [])
                  if all(a in f.point for a in shown)]
        self.views[PRIMARY].set_failures(points)
        self.views[COMPARE].set_failures([])

    def show_regions(self) -> None:
        """The regions grown on the axes shown, and the ones growing now (dashed)."""
        shown = self.doc.regions_shown()
        for target, view in self.views.items():
            mine = [r for t, r in self.doc.solver.regions if t == target and shown]
            shapes = [RegionShape(r.method, tuple(lower), tuple(upper), tuple(r.start), region=i)
                      for i, r in enumerate(mine) for lower, upper in r.pieces()]
            view.set_regions(shapes + self.live_shapes.get(target, []))

    def set_live_shapes(self, target: Optional[str], shapes: list[RegionShape]) -> None:
        """Dashed rectangles of regions growing now (``target`` None with no shapes: clear all)."""
        if target is None:
            self.live_shapes = {PRIMARY: [], COMPARE: []}
        else:
            self.live_shapes[target] = shapes
        self.show_regions()

    def highlight(self, target: Optional[str], position: Optional[int]) -> None:
        """Highlight the ``position``-th region of ``target``'s view (None: none anywhere)."""
        for t, view in self.views.items():
            view.highlight(position if t == target else None)
