"""Robust regions: the solver panel ↔ document, start points, solver runs with live rectangles,
and the regions table."""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Optional

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from semviewer.core.session.document import ALL_METHODS, PRIMARY, TARGETS, Document
from semviewer.core.errors import SemviewerError
from semviewer.core.regions.config import METHOD_LABELS, METHODS
from semviewer.core.regions.region import RegionsSnapshot
from semviewer.pipeline.regions import plan_region_jobs, region_run_record, run_region_jobs, scores_provenance
from semviewer.gui.controllers.maps import MapController
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.map_view import RegionShape
from semviewer.gui.widgets.regions_table import RegionsTable
from semviewer.gui.widgets.solver_panel import SolverPanel
from semviewer.gui.workers import JobRunner
from semviewer.pipeline.rendering import RenderContexts
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorers
from semviewer.core.inference.scheduling import PriorityGate

class SolverController:
    """Starts, solver settings and runs, and the table of regions found."""

    def __init__(self, doc: Document, panel: SolverPanel, table: RegionsTable, maps: MapController, jobs: JobRunner,
                 feedback: Feedback, gate: PriorityGate, contexts: RenderContexts) -> None:
        self.doc, self.panel, self.table, self.maps, self.jobs, self.feedback = doc, panel, table, maps, jobs, feedback
        self.gate, self.contexts = gate, contexts      # live predictions first; one render context per mesh
        self.note = ""                  # said before the solver's status (e.g. which starts it chose)
        self.summary = ""               # what the last run found, as its status said
        self.queued = False             # Start was pressed while the map computes: regions wait for it
        self._method: Optional[str] = None        # the method whose steps are being timed, and since when
        self._method_began = 0.0
        self._syncing = False
        panel.paper_starts_requested.connect(lambda: feedback.guarded(self.use_paper_starts))
        panel.clear_starts_requested.connect(lambda: doc.set_starts([]))
        for box in (panel.steps, panel.lr, panel.alpha, panel.beta, panel.lam, panel.eps, panel.max_step):
            box.valueChanged.connect(self._edited)
        for widget in (panel.method, panel.source):
            widget.currentIndexChanged.connect(self._edited)
        panel.early.toggled.connect(self._edited)
        panel.wrap.toggled.connect(self._edited)
        table.region_selected.connect(self._highlight)
        doc.solver.events.settings.connect(self._show_settings)
        doc.solver.events.starts.connect(self._show_starts)
        doc.view.events.changed.connect(self._show_starts)
        doc.solver.events.regions.connect(self._show_regions)
        doc.view.events.changed.connect(self._show_regions)
        doc.events.dropped.connect(self._dropped)
        jobs.changed.connect(self._jobs_changed)
        maps.progress_listeners.append(self._map_progress)
        self._edited()

    # -- settings ----------------------------------------------------------------------------
    def _push(self) -> None:
        """Panel → document (SemviewerError for settings the document refuses)."""
        panel = self.panel
        settings = {k: v for k, v in panel.config("oir_b").to_json().items() if k != "method"}
        self.doc.set_solver(panel.method.currentData(), settings, panel.source.currentData())

    def _edited(self) -> None:
        if self._syncing:
            return
        try:
            self._push()
        except SemviewerError as exc:      # shown now in the status bar, and as an error on Start
            self.feedback.status(f"⚠ solver settings: {exc}")

    def _show_settings(self) -> None:
        """Document → panel (a reopened session)."""
        panel, doc = self.panel, self.doc
        self._syncing = True
        try:
            panel.set_config(doc.solver.settings)
            panel.early.setChecked(doc.solver.settings.get("tol", 0.0) > 0)
            methods = ALL_METHODS if len(doc.solver.methods) == len(METHODS) else doc.solver.methods[0]
            panel.method.setCurrentIndex(max(0, panel.method.findData(methods)))
            panel.source.setCurrentIndex(max(0, panel.source.findData(doc.solver.source)))
        finally:
            self._syncing = False

    # -- starts ------------------------------------------------------------------------------
    def _show_starts(self) -> None:
        doc = self.doc
        text = "; ".join("(" + ", ".join(f"{v:.1f}" for v in s) + ")" for s in doc.solver.starts)   # as in the table
        where = "" if doc.starts_shown() or not doc.solver.starts else f" (on {' × '.join(doc.solver.start_axes)}: hidden here)"
        self.panel.starts_label.setText(f"start points: {text}{where}" if doc.solver.starts else
                                           "no start points: click the map with Ctrl, or use the paper's")

    def use_paper_starts(self) -> None:
        note = self.doc.use_paper_starts()
        if note:
            self.feedback.status(note)

    # -- runs --------------------------------------------------------------------------------
    def start_solver(self) -> None:
        """Grow regions from the start points in the background; rectangles grow live. On the
        computed map while that map is still computing, the regions are queued until it is done
        (Stop or Cancel drops them). A refused start changes nothing."""
        self._push()
        doc = self.doc
        if self.queued or not self._may_replace():
            return
        if doc.solver.source == "map" and self.maps.running() and not self._map_complete():
            self.queued = True
            self.panel.set_running(True)
            self._say_queued()
            return
        self._start()

    def _may_replace(self) -> bool:
        """A live run replaces regions grown on the computed map only when the user says so."""
        doc = self.doc
        grown_on = doc.solver.run.get("source", {}).get("kind")
        if doc.solver.source == "map" or not doc.solver.regions or grown_on != "map":
            return True
        answer = QMessageBox.question(
            self.panel, "Replace the regions grown on the map?",
            f"The {len(doc.solver.regions)} regions in the table were grown on the computed map. A live run replaces "
            f"them with regions grown on renders.\n\nTo keep them, answer No and export them first (File → Export → "
            f"Regions (JSON)) or save the session.\n\nReplace them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _map_complete(self) -> bool:
        semantic_map = self.doc.maps[PRIMARY]
        return semantic_map is not None and semantic_map.complete

    def _say_queued(self) -> None:
        self.panel.status.setText(f"regions will grow when the map is done: {self.maps.fraction:.0%}")

    def _map_progress(self) -> None:
        if self.queued:
            self._say_queued()

    def _jobs_changed(self) -> None:
        """A queued start goes ahead once the map is done; a map that stopped drops it."""
        if self.queued and not self.maps.running():
            QTimer.singleShot(0, self._resume)

    def _resume(self) -> None:
        if not self.queued or self.maps.running():
            return
        self.queued = False
        self.panel.set_running(False)
        if self._map_complete():
            self.feedback.guarded(self._start)
        else:
            self.panel.status.setText("the map stopped before it was done: the queued regions were not grown")

    def _start(self) -> None:
        doc = self.doc
        kept = (list(doc.solver.starts), list(doc.solver.start_axes))
        note = ""
        if not doc.solver.starts:
            note = f"{doc.default_starts()} · "
        try:
            request, targets = doc.region_request(), doc.region_targets()
            jobs = plan_region_jobs(request, targets)
        except SemviewerError:
            if note:
                doc.set_starts(*kept)            # refused: the starts it chose go again
            raise
        scene = Scene.of(doc)
        run = region_run_record(request, jobs, scores_provenance(request, targets, jobs, scene))
        ticket = doc.ticket("regions")
        gate, contexts = self.gate, self.contexts

        def job(sink):
            with Scorers(scene, cancelled=sink.cancelled, gate=gate, contexts=contexts) as live:
                return run_region_jobs(jobs, live.for_job, lambda j, c: nullcontext(_Relay(sink, j.target)),
                                       sink.cancelled, notify=lambda message: sink.progress(1.0, message))

        doc.set_regions([], None, ticket)
        self._method, self._method_began = None, time.monotonic()
        self.maps.set_live_shapes(None, [])
        self.panel.set_running(True)
        self.note = note
        self.panel.status.setText(f"{note}growing regions…")
        self.feedback.start_progress()
        self.jobs.start("solver", job, lambda found: self._done(found, run, ticket), self._failed,
                          self.feedback.on_progress, lambda item: self.solver_partial(item))  # tests may wrap it

    def solver_partial(self, item) -> None:
        target, snapshot = item
        if not isinstance(snapshot, RegionsSnapshot):
            return
        shapes = [RegionShape(snapshot.method, tuple(lo), tuple(hi), tuple(s), bool(a))
                  for lo, hi, s, a in zip(snapshot.lower, snapshot.upper, snapshot.starts, snapshot.active)]
        done = [sh for sh in self.maps.live_shapes[target] if sh.method != snapshot.method]
        self.maps.set_live_shapes(target, done + shapes)
        steps = int(snapshot.steps.max()) if len(snapshot.steps) else 0
        self.panel.status.setText(f"{self.note}{METHOD_LABELS[snapshot.method]}: step {steps}"
                                  f"{self._time_left(snapshot.method, steps)}")

    def _time_left(self, method: str, steps: int) -> str:
        """"/T, about N s left" from the time the method's steps took so far (live runs take seconds
        a step; on a map the estimate is not worth a word)."""
        now = time.monotonic()
        if self._method != method:
            self._method, self._method_began = method, now
        total = int(self.doc.solver.settings.get("steps", 0))
        elapsed = now - self._method_began
        if steps < 2 or elapsed < 2.0 or not total:
            return f"/{total}" if total else ""
        left = elapsed / steps * max(0, total - steps)
        return f"/{total}, about {_duration(left)} left at {elapsed / steps:.2f} s a step"

    def _finish(self) -> None:
        self.maps.set_live_shapes(None, [])
        self.panel.set_running(False)
        self.feedback.progress.hide()

    def _done(self, found, run: dict, ticket: int) -> None:
        self._finish()
        if not self.doc.set_regions(found, run, ticket):
            return                       # the object, model, classes or map changed meanwhile: said then
        stopped = [r.steps for _, r in found if r.stop_reason == "cancelled"]
        if stopped:
            summary = f"stopped at step {max(stopped)}: {len(found)} regions kept"
        else:
            reasons = sorted({r.stop_reason for _, r in found})
            summary = f"{self.note}{len(found)} regions ({', '.join(reasons)})"
        self.summary = summary
        self.panel.status.setText(summary)
        checked = sum(1 for _, r in found if r.inside is not None)
        doubtful = sum(1 for _, r in found if r.inside is not None and not r.inside.trusted)
        inside = "checked from the inside" if checked == len(found) else \
            f"{checked} of them checked from the inside" if checked else "not checked from the inside"
        self.feedback.status(f"{len(found)} regions grown, {inside}" +
                             (f"; ⚠ {doubtful} hold the true class as top-1 on less than half of their volume"
                              if doubtful else ""))

    def _failed(self, message: str) -> None:
        self._finish()
        self.feedback.show_error(message)

    def stop_solver(self) -> None:
        """Stop growing regions; the regions grown so far are kept, marked "stopped at step k".
        Regions queued behind a map are dropped."""
        if self.queued:
            self.queued = False
            self.panel.set_running(False)
            self.panel.status.setText("the queued regions were cancelled")
        if self.jobs.running("solver"):
            self.jobs.stop("solver")
            self.panel.set_running(False)
            self.panel.status.setText("stopping… (the regions grown so far are kept)")

    def _dropped(self) -> None:
        if not self.jobs.running("solver") and not self.queued:
            self.summary = ""                    # the regions it described went with the old model or object
            self.panel.status.setText("")
        if self.queued:
            self.queued = False
            self.panel.set_running(False)
            self.panel.status.setText("the queued regions were dropped: the object, model, classes or map changed")
        if self.jobs.running("solver"):
            self.panel.status.setText("stopped: the object, model, classes or map changed")
        self.jobs.cancel("solver")
        self._finish()

    # -- the table ---------------------------------------------------------------------------
    def _show_regions(self) -> None:
        doc = self.doc
        axes = list(doc.solver.run.get("axes", doc.view.map_axes)) if doc.solver.regions else doc.view.map_axes
        labels = {t: doc.model.label(t) or t for t in TARGETS}
        self.table.set_regions([(labels[t], r) for t, r in doc.solver.regions], axes)
        hidden = f"the regions were grown on {' × '.join(axes)}: hidden on these axes"
        if not doc.regions_shown():
            self.panel.status.setText(hidden)
        elif self.panel.status.text().startswith("the regions were grown on"):
            self.panel.status.setText(self.summary)      # shown again: the hint goes

    def _highlight(self, index: Optional[int]) -> None:
        if index is None:
            return self.maps.highlight(None, None)
        target, _ = self.doc.solver.regions[index]
        self.maps.highlight(target, sum(1 for t, _ in self.doc.solver.regions[:index] if t == target))


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


def _duration(seconds: float) -> str:
    """``45 s``, ``3 min``, ``1 h 20 min``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"
