"""The semantic maps: the map settings panel, computing maps in the background, and drawing the
maps, the cursor, the start points and the regions on the primary and compare views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import Qt

from semviewer.core.scene.axes import AXES
from semviewer.core.session.document import COMPARE, PRIMARY, TARGETS
from semviewer.core.errors import SemviewerError
from semviewer.core.maps.grids import domain_rows
from semviewer.gui.widgets.map_view import MapView, RegionShape
from semviewer.pipeline.maps import compute_map
from semviewer.pipeline.scorer import Scene, Scorer

if TYPE_CHECKING:
    from semviewer.gui.main_window import MainWindow

MAP_KINDS = {PRIMARY: "map", COMPARE: "map-compare"}


class MapController:
    """Map settings ↔ document, map jobs, and what the two map views show."""

    def __init__(self, window: "MainWindow") -> None:
        self.w = window
        self.doc = doc = window.document
        self.live_shapes: dict[str, list[RegionShape]] = {PRIMARY: [], COMPARE: []}   # regions growing now
        settings = window.map_settings
        settings.compute_requested.connect(lambda: window.guarded(self.compute_map))
        settings.cancel_requested.connect(window.cancel_jobs)
        settings.view_changed.connect(lambda: window.guarded(self._view_edited))
        settings.resolution.currentIndexChanged.connect(lambda: window.guarded(self._view_edited))
        for view in (window.map_view, window.compare_view):
            view.clicked.connect(lambda x, y, mods: window.guarded(self._clicked, x, y, mods))
        window.map_view.dragged.connect(lambda x, y: self._dragged(x, y))
        doc.events.dropped.connect(self._cancel_maps)
        doc.events.maps.connect(self._maps_changed)
        doc.events.view.connect(self._view_changed)
        doc.events.compare.connect(self._compare_changed)
        doc.events.starts.connect(self.show_starts)
        doc.events.regions.connect(self.show_regions)
        self._clear_views()

    def views(self) -> dict[str, MapView]:
        return {PRIMARY: self.w.map_view, COMPARE: self.w.compare_view}

    # -- settings ---------------------------------------------------------------------------
    def _view_edited(self) -> None:
        s = self.w.map_settings
        self.doc.set_view(s.shown_axes(), s.resolution.currentData(), s.aggregate.currentData())

    def _view_changed(self) -> None:
        s, doc = self.w.map_settings, self.doc
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(True)
        s.set_shown_axes(doc.map_axes)
        s.set_resolution(doc.resolution)
        s.aggregate.setCurrentIndex(max(0, s.aggregate.findData(doc.aggregate)))
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(False)
        self._maps_changed(None)

    def _compare_changed(self) -> None:
        self.w.jobs.cancel("map-compare")            # its late result must not land under the new name
        name = self.doc.compare_model
        self.w.compare_view.setVisible(name is not None)
        if name is not None:
            self.w.compare_view.clear_map(f"{name}: compute the map to compare")

    # -- computing ---------------------------------------------------------------------------
    def _cancel_maps(self) -> None:
        for kind in MAP_KINDS.values():
            self.w.jobs.cancel(kind)

    def _job(self, target: str, model: str, weights: Optional[str]):
        doc = self.doc
        scene, grid, engine = Scene.of(doc), doc.grid(), doc.engine
        same = model == doc.model_name and weights == doc.weights     # not the primary's custom weights
        hint = doc.classifier if same else doc.classifiers[COMPARE] if target == COMPARE else None
        cache, classifiers = self.w.cache, self.w.classifiers

        def job(sink):
            classifier = hint or classifiers.get(model, weights, engine)
            with Scorer(scene, classifier, [g.name for g in grid], cancelled=sink.cancelled,
                        notify=lambda m: sink.progress(0.0, m)) as scorer:
                semantic_map, _ = compute_map(scorer, grid, sink, cache)
            return semantic_map, classifier
        return job

    def compute_map(self, which: str = PRIMARY) -> None:
        """Compute the map (in the background; cached maps come back at once)."""
        doc = self.doc
        if doc.classifier is None:
            raise SemviewerError("the model is still loading; compute the map once it is ready")
        targets = [which] if which == COMPARE else [PRIMARY] + ([COMPARE] if doc.compare_model else [])
        for target in targets:
            model = doc.model_label(target)
            weights = doc.weights if target == PRIMARY else None
            ticket = doc.ticket(target)
            self.views()[target].set_message(f"{model}: computing…")
            self.w.feedback.progress.show()
            self.w.jobs.start(MAP_KINDS[target], self._job(target, model, weights),
                              lambda result, t=target, k=ticket: self._done(t, result, k), self._failed,
                              self.w.feedback.on_progress, lambda m, t=target, k=ticket: doc.set_map(t, m, k))

    def _done(self, target: str, result, ticket: int) -> None:
        semantic_map, classifier = result
        if target == COMPARE:
            self.doc.set_compare_classifier(classifier, ticket)
        stored = self.doc.set_map(target, semantic_map, ticket)
        if not self.w.jobs.any_running(MAP_KINDS.values()):
            self.w.feedback.progress.hide()
        if stored:
            filled = semantic_map.filled_fraction
            self.w.status(f"map of {semantic_map.values.size} poses " +
                          ("ready" if filled == 1.0 else f"stopped at {filled:.0%}"))

    def _failed(self, message: str) -> None:
        self.w.feedback.progress.hide()
        self.w.show_error(message)

    # -- map clicks --------------------------------------------------------------------------
    def _clicked(self, x: float, y: float, modifiers) -> None:
        if bool(modifiers & Qt.KeyboardModifier.ControlModifier) or self.w.solver.pick.isChecked():
            self.doc.add_start((x,) if len(self.doc.map_axes) == 1 else (x, y))
        else:
            self.doc.set_pose(self.w.pose_ctl.pose_from_map(x, y))

    def _dragged(self, x: float, y: float) -> None:
        if not self.w.solver.pick.isChecked():
            self.doc.set_pose(self.w.pose_ctl.pose_from_map(x, y))

    # -- drawing -----------------------------------------------------------------------------
    def _maps_changed(self, target: Optional[str]) -> None:
        """Draw the map of ``target`` (None: both), then the cursor, starts and regions over it."""
        if self.doc.maps[PRIMARY] is None and target in (None, PRIMARY):
            self._clear_views()
        for t in TARGETS if target is None else (target,):
            self._draw(t)
        self.w.pose_ctl.sync(request=False)
        self.show_starts()
        self.show_regions()

    def _clear_views(self) -> None:
        shown = self.doc.map_axes
        axes = [(AXES[n].label, *domain_rows([n])[0]) for n in shown]
        compare = self.doc.compare_model
        self.w.map_view.clear_map("Press “Compute map” to see where the network recognises the object", axes)
        self.w.compare_view.clear_map(f"{compare}: compute the map to compare" if compare else "", axes)

    def _draw(self, target: str) -> None:
        semantic_map = self.doc.maps[target]
        if semantic_map is None:
            return
        shown = [n for n in self.doc.map_axes if n in semantic_map.axis_names] or list(semantic_map.axis_names[:2])
        model = semantic_map.provenance.get("model", "?")
        self.views()[target].show_map(semantic_map, shown, at=self.doc.pose.as_dict(), aggregate=self.doc.aggregate,
                                      title=f"{model} · p({self.doc.classes})")

    def show_starts(self) -> None:
        starts = self.doc.starts if self.doc.starts_shown() else []
        for view in self.views().values():
            view.set_starts(starts)

    def show_regions(self) -> None:
        """The regions grown on the axes shown, and the ones growing now (dashed)."""
        shown = self.doc.regions_shown()
        for target, view in self.views().items():
            shapes = [RegionShape(r.method, tuple(r.lower), tuple(r.upper), tuple(r.start))
                      for t, r in self.doc.regions if t == target and shown]
            view.set_regions(shapes + self.live_shapes.get(target, []))

    def set_live_shapes(self, target: Optional[str], shapes: list[RegionShape]) -> None:
        """Dashed rectangles of regions growing now (``target`` None with no shapes: clear all)."""
        if target is None:
            self.live_shapes = {PRIMARY: [], COMPARE: []}
        else:
            self.live_shapes[target] = shapes
        self.show_regions()
