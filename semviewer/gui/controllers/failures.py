"""Failure search in the window: the dialog, the search in the background with crosses on the map
as failures are found, the list of failures with their renders, and start points beside them."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtWidgets import QWidget

from semviewer.core.errors import SemviewerError
from semviewer.core.failures.result import FailureSearch
from semviewer.core.inference.scheduling import PriorityGate
from semviewer.core.scene.axes import AXES
from semviewer.core.session.document import Document
from semviewer.gui.dialogs.failure_dialog import FailureDialog, FailureSettings, default_range
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.failures_panel import FailuresPanel
from semviewer.gui.workers import JobRunner
from semviewer.pipeline.failures import failure_renders, search_failures
from semviewer.pipeline.rendering import RenderContexts
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorer

#: The failures shown with their renders (the worst ones; the list has them all).
RENDERED = 24


class FailuresController:
    """Run → Find failures and the Failures panel."""

    def __init__(self, doc: Document, panel: FailuresPanel, jobs: JobRunner, feedback: Feedback,
                 gate: PriorityGate, contexts: RenderContexts, parent: Optional[QWidget] = None) -> None:
        self.doc, self.panel, self.jobs, self.feedback = doc, panel, jobs, feedback
        self.gate, self.contexts, self.parent_widget = gate, contexts, parent
        self.last: Optional[FailureSettings] = None       # the settings of the last search asked for
        panel.failure_selected.connect(lambda i: feedback.guarded(self.go_to, i))
        panel.find_requested.connect(lambda: feedback.guarded(self.find_failures))
        panel.starts_requested.connect(lambda: feedback.guarded(self.use_as_starts))
        doc.failures.events.changed.connect(self._show)
        doc.events.dropped.connect(lambda: self.jobs.cancel("failures"))
        jobs.changed.connect(lambda: panel.set_running(jobs.running("failures")))

    # -- settings ------------------------------------------------------------------------------
    def initial_settings(self) -> FailureSettings:
        """What the dialog opens with: the last search's settings, else the map's continuous axes
        (azimuth × elevation when fewer than two) over the map grids' ranges."""
        if self.last is not None:
            return self.last
        search = self.doc.failures.search
        if search is not None:
            return FailureSettings(search.axes, np.asarray(search.domain), search.budget, search.method,
                                   search.objective, search.seed, search.merge_distance)
        axes = [a for a in self.doc.view.map_axes if not AXES[a].categorical]
        for extra in ("azimuth", "elevation"):
            if len(axes) < 2 and extra not in axes:
                axes.append(extra)
        return FailureSettings(tuple(axes), np.array([default_range(a) for a in axes]))

    def find_failures(self, settings: Optional[FailureSettings] = None) -> None:
        """Ask for the settings (a dialog) unless given, then search in the background."""
        if settings is None:
            dialog = FailureDialog(self.initial_settings(), self.parent_widget)
            if not dialog.exec():
                return
            settings = dialog.settings()
        settings.check()
        classifier = self.doc.model.classifier
        if classifier is None:
            raise SemviewerError("the model is still loading; search for failures once it is ready")
        scene = Scene.of(self.doc)
        self.last = settings
        ticket = self.doc.ticket("failures")
        gate, contexts = self.gate, self.contexts

        def job(sink):
            with Scorer(scene, classifier, settings.axes, cancelled=sink.cancelled, gate=gate,
                        contexts=contexts) as scorer:
                result = search_failures(scorer, settings.domain, budget=settings.budget, sample=settings.sample,
                                         method=settings.method, objective=settings.objective,
                                         merge_distance=settings.merge_distance, seed=settings.seed, sink=sink)
                return result, failure_renders(scene, result, RENDERED, thread=scorer.thread)

        self.doc.set_failures(None, ticket)
        self.panel.summary.setText(f"searching {' × '.join(settings.axes)} with {settings.budget} evaluations…")
        self.feedback.start_progress()
        self.jobs.start("failures", job, lambda found: self._done(found, ticket), self._failed,
                        self.feedback.on_progress, lambda partial: self._partial(partial, ticket))

    # -- results -------------------------------------------------------------------------------
    def _partial(self, search, ticket: int) -> None:
        if isinstance(search, FailureSearch) and not search.cancelled:
            self.doc.set_failures(search, ticket, complete=False)

    def _done(self, found, ticket: int) -> None:
        self.feedback.progress.hide()
        search, images = found
        if not self.doc.set_failures(search, ticket, complete=True, images=images):
            return
        self.feedback.status(search.describe())

    def _failed(self, message: str) -> None:
        self.feedback.progress.hide()
        self.panel.summary.setText("the search stopped with an error: " + message)
        self.feedback.show_error(message)

    def stop(self) -> None:
        """Stop a running search; what it found so far is kept (and said to be cancelled)."""
        if self.jobs.running("failures"):
            self.jobs.stop("failures")
            self.panel.summary.setText("stopping… (the failures found so far are kept)")

    def _show(self) -> None:
        failures = self.doc.failures
        search = failures.search
        if search is None:
            if not self.jobs.running("failures"):
                self.panel.set_failures([], None, "No search yet: Run → Find failures looks for poses where the "
                                                  "network is wrong.")
            return
        summary = search.describe() if failures.complete else \
            f"searching… {search.evaluations} of {search.budget} evaluations, {len(search.failures)} distinct " \
            f"failures so far"
        hidden = [a for a in self.doc.view.map_axes if a not in search.axes]
        if failures.complete and hidden and search.failures:
            summary += f" (searched on {' × '.join(search.axes)}: the map's crosses show those on its axes)"
        self.panel.set_failures(search.failures, failures.images, summary)
        if failures.complete and search.failures and failures.images is None:
            self.render_thumbnails()

    def render_thumbnails(self) -> None:
        """The renders of failures that came without them (a reopened session), in the background."""
        search = self.doc.failures.search
        if search is None or self.jobs.running("failures-renders") or self.doc.scene.mesh is None:
            return
        scene, ticket, contexts = Scene.of(self.doc), self.doc.ticket("failures"), self.contexts
        if self.doc.model.classifier is not None:
            scene = scene.fitted(self.doc.model.classifier)      # as the search rendered them
        self.jobs.start("failures-renders", lambda sink: failure_renders(scene, search, RENDERED, contexts),
                        lambda images: self.doc.set_failures(search, ticket, True, images), self.feedback.show_error)

    # -- acting on failures --------------------------------------------------------------------
    def go_to(self, index: int) -> None:
        """Move the pose to the ``index``-th failure: its axes, and the others as the search held them."""
        search = self.doc.failures.search
        if search is None or not 0 <= index < len(search.failures):
            return
        failure = search.failures[index]
        values = {k: v for k, v in search.pose_values(failure).items() if k in AXES}
        self.doc.scene.set_pose(self.doc.scene.pose_at(values))
        self.feedback.status(f"failure {index + 1}: p(true) {failure.p_true:.3f}, top-1 {failure.label_name} "
                             f"({failure.label_p:.0%})")

    def use_as_starts(self) -> None:
        """Start points for regions beside the selected failures, or the worst ones (see
        ``Document.failure_starts``)."""
        _, note = self.doc.failure_starts(self.panel.selected_rows())
        self.feedback.status(note + ": Start growing regions grows the robust region beside each")

