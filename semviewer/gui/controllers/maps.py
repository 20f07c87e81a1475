"""The semantic maps: the map settings panel, computing maps in the background, and drawing the
maps, the cursor, the start points and the regions on the primary and compare views."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from semviewer.core.errors import SemviewerError
from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.core.maps.cache import MapCache
from semviewer.core.maps.grids import domain_rows
from semviewer.core.scene.axes import AXES, Pose
from semviewer.core.session.document import COMPARE, PRIMARY, TARGETS, Document
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.map_settings import MapSettings
from semviewer.gui.widgets.map_view import MapView, RegionShape
from semviewer.gui.workers import JobRunner
from semviewer.pipeline.maps import compute_map
from semviewer.pipeline.scorer import Scene, Scorer

MAP_KINDS = {PRIMARY: "map", COMPARE: "map-compare"}


class MapController:
    """Map settings ↔ document, map jobs, and what the two map views show."""

    def __init__(self, doc: Document, settings: MapSettings, views: dict[str, MapView], pick: QCheckBox,
                 jobs: JobRunner, feedback: Feedback, cache: MapCache, classifiers: ClassifierCache) -> None:
        self.doc, self.settings, self.views, self.pick = doc, settings, views, pick
        self.jobs, self.feedback, self.cache, self.classifiers = jobs, feedback, cache, classifiers
        self.live_shapes: dict[str, list[RegionShape]] = {PRIMARY: [], COMPARE: []}   # regions growing now
        guarded = feedback.guarded
        settings.compute_requested.connect(lambda: guarded(self.compute_map))
        settings.view_changed.connect(lambda: guarded(self._view_edited))
        settings.resolution.currentIndexChanged.connect(lambda: guarded(self._view_edited))
        for view in views.values():
            view.clicked.connect(lambda x, y, mods: guarded(self._clicked, x, y, mods))
        views[PRIMARY].dragged.connect(self._dragged)
        doc.events.dropped.connect(self.cancel_maps)
        doc.events.maps.connect(self._maps_changed)
        doc.events.view.connect(self._view_changed)
        doc.events.compare.connect(self._compare_changed)
        doc.events.pose.connect(self.show_cursor)
        doc.events.starts.connect(self.show_starts)
        doc.events.regions.connect(self.show_regions)
        self._clear_views()

    # -- settings ---------------------------------------------------------------------------
    def _view_edited(self) -> None:
        s = self.settings
        self.doc.set_view(s.shown_axes(), s.resolution.currentData(), s.aggregate.currentData())

    def _view_changed(self) -> None:
        s, doc = self.settings, self.doc
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(True)
        s.set_shown_axes(doc.map_axes)
        s.set_resolution(doc.resolution)
        s.aggregate.setCurrentIndex(max(0, s.aggregate.findData(doc.aggregate)))
        for combo in (s.x_axis, s.y_axis, s.aggregate, s.resolution):
            combo.blockSignals(False)
        self._maps_changed(None)

    def _compare_changed(self) -> None:
        """A new compare model: its running map is stale; with a primary map, its own is computed."""
        self.jobs.cancel(MAP_KINDS[COMPARE])            # its late result must not land under the new name
        name = self.doc.compare_model
        self.views[COMPARE].setVisible(name is not None)
        if name is not None:
            self.views[COMPARE].clear_map(f"{name}: compute the map to compare")
            if self.doc.maps[PRIMARY] is not None:
                self.feedback.guarded(self.compute_map, COMPARE)

    # -- computing ---------------------------------------------------------------------------
    def cancel_maps(self) -> None:
        for kind in MAP_KINDS.values():
            self.jobs.cancel(kind)

    def running(self) -> bool:
        return self.jobs.any_running(MAP_KINDS.values())

    def _job(self, target: str, model: str, weights: Optional[str]):
        doc = self.doc
        scene, grid, engine = Scene.of(doc), doc.grid(), doc.engine
        same = model == doc.model_name and weights == doc.weights     # not the primary's custom weights
        labels = doc.model_labels if same else None
        hint = doc.classifier if same else doc.classifiers[COMPARE] if target == COMPARE else None
        cache, classifiers = self.cache, self.classifiers

        def job(sink):
            classifier, notes = hint or classifiers.get(model, weights, engine, labels=labels), []
            with Scorer(scene, classifier, [g.name for g in grid], cancelled=sink.cancelled) as scorer:
                semantic_map, _ = compute_map(scorer, grid, sink, cache, notify=notes.append)
            return semantic_map, classifier, notes
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
            self.views[target].set_message(f"{model}: computing…")
            self.feedback.progress.show()
            self.jobs.start(MAP_KINDS[target], self._job(target, model, weights),
                            lambda result, t=target, k=ticket: self._done(t, result, k), self._failed,
                            self.feedback.on_progress, lambda m, t=target, k=ticket: doc.set_map(t, m, k))

    def _done(self, target: str, result, ticket: int) -> None:
        semantic_map, classifier, notes = result
        if target == COMPARE:
            self.doc.set_compare_classifier(classifier, ticket)
        stored = self.doc.set_map(target, semantic_map, ticket)
        if not self.running():
            self.feedback.progress.hide()
        if stored:
            filled = semantic_map.filled_fraction
            self.feedback.status(f"map of {semantic_map.values.size} poses " +
                                 ("ready" if filled == 1.0 else f"stopped at {filled:.0%}") +
                                 "".join(f" · ⚠ {note}" for note in notes))

    def _failed(self, message: str) -> None:
        self.feedback.progress.hide()
        self.feedback.show_error(message)

    # -- map clicks --------------------------------------------------------------------------
    def pose_on_map(self, x: float, y: float) -> Pose:
        """The current pose moved to the map point (x, y) (y NaN on a 1-D curve)."""
        shown = self.doc.map_axes
        values = {shown[0]: x}
        if len(shown) > 1 and np.isfinite(y):
            values[shown[1]] = y
        return self.doc.pose_at(values)

    def _clicked(self, x: float, y: float, modifiers) -> None:
        if bool(modifiers & Qt.KeyboardModifier.ControlModifier) or self.pick.isChecked():
            self.doc.add_start((x,) if len(self.doc.map_axes) == 1 else (x, y))
        else:
            self.doc.set_pose(self.pose_on_map(x, y))

    def _dragged(self, x: float, y: float) -> None:
        if not self.pick.isChecked():
            self.doc.set_pose(self.pose_on_map(x, y))

    # -- drawing -----------------------------------------------------------------------------
    def _maps_changed(self, target: Optional[str]) -> None:
        """Draw the map of ``target`` (None: both), then the cursor, starts and regions over it."""
        if self.doc.maps[PRIMARY] is None and target in (None, PRIMARY):
            self._clear_views()
        for t in TARGETS if target is None else (target,):
            self._draw(t)
        self.show_cursor()
        self.show_starts()
        self.show_regions()

    def _clear_views(self) -> None:
        shown = self.doc.map_axes
        axes = [(AXES[n].label, *domain_rows([n])[0]) for n in shown]
        compare = self.doc.compare_model
        self.views[PRIMARY].clear_map("Press “Compute map” to see where the network recognises the object", axes)
        self.views[COMPARE].clear_map(f"{compare}: compute the map to compare" if compare else "", axes)

    def _draw(self, target: str) -> None:
        semantic_map = self.doc.maps[target]
        if semantic_map is None:
            return
        shown = [n for n in self.doc.map_axes if n in semantic_map.axis_names] or list(semantic_map.axis_names[:2])
        model = semantic_map.provenance.get("model", "?")
        self.views[target].show_map(semantic_map, shown, at=self.doc.pose.as_dict(), aggregate=self.doc.aggregate,
                                    title=f"{model} · p({self.doc.classes})")

    def show_cursor(self) -> None:
        pose, shown = self.doc.pose, self.doc.map_axes
        y = pose[shown[1]] if len(shown) > 1 else None
        for view in self.views.values():
            view.set_cursor(pose[shown[0]], y)

    def show_starts(self) -> None:
        starts = self.doc.starts if self.doc.starts_shown() else []
        for view in self.views.values():
            view.set_starts(starts)

    def show_regions(self) -> None:
        """The regions grown on the axes shown, and the ones growing now (dashed)."""
        shown = self.doc.regions_shown()
        for target, view in self.views.items():
            mine = [r for t, r in self.doc.regions if t == target and shown]
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
