"""Files: exports (core functions over the document), sessions, study units, recent files, drops.

An export asked for from the menu runs in the background on a snapshot of the document (a
200-dpi figure or a long CSV never blocks the window); a call with a path (scripts, tests)
writes before it returns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from semviewer.core.session import exports
from semviewer.core.session.document import Document
from semviewer.core.errors import SemviewerError
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.session.saved_state import Session, from_session, to_session
from semviewer.core.session.study_unit import from_study_unit
from semviewer.studies.folder import read_study
from semviewer.gui.controllers.objects import ObjectController
from semviewer.gui.dialogs.study_dialog import StudyDialog
from semviewer.gui.feedback import Feedback
from semviewer.gui.actions import add_action
from semviewer.gui.workers import JobRunner

MAX_RECENT = 8
#: Exports the window draws in a child process (matplotlib holds the interpreter lock while it draws).
ASIDE = ("figure", "failure_figure")
#: (what it needs, dialog title, file filters, default name) per export.
EXPORTS = {
    "figure": (exports.export_figure, "map", "Export figure", "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)",
               "semantic-map.png"),
    "render": (exports.export_render, "render", "Export render", "PNG (*.png)", "render.png"),
    "map": (exports.export_map, "map", "Export map", "semviewer map (*.npz)", "semantic-map.npz"),
    "map_csv": (exports.export_map_csv, "map", "Export map as CSV", "CSV (*.csv)", "semantic-map.csv"),
    "regions": (exports.export_regions, "regions", "Export regions", "JSON (*.json)", "regions.json"),
    "failures": (exports.export_failures, "failures", "Export failures", "JSON (*.json)", "failures.json"),
    "failure_figure": (exports.export_failure_figure, "failure_renders", "Export failure renders",
                       "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)", "failures.png"),
}


def with_filter_suffix(path: str, chosen_filter: str) -> str:
    """``path`` with the suffix of the file dialog's chosen filter when the user typed none
    (``"fig"`` with ``"PNG (*.png)"`` → ``"fig.png"``)."""
    if Path(path).suffix:
        return path
    match = re.search(r"\*\.(\w+)", chosen_filter or "")
    return f"{path}.{match.group(1)}" if match else path


class FileController:
    """Exports, sessions, study units, recent files and drag and drop."""

    def __init__(self, doc: Document, objects: ObjectController, jobs: JobRunner, feedback: Feedback,
                 settings: QSettings, recent_menu: QMenu, parent: QWidget,
                 frame: Callable[[], Optional[np.ndarray]] = lambda: None) -> None:
        self.doc, self.objects, self.jobs, self.feedback = doc, objects, jobs, feedback
        self.frame = frame                          # the render shown (the window's, not the document's)
        self.settings, self.recent_menu, self.parent_widget = settings, recent_menu, parent
        self.on_reopened: Callable[[], None] = lambda: None    # a session was reopened (its map may be cached)
        objects.mesh_opened.connect(self.add_recent)

    def folder(self, kind: str) -> Path:
        """The folder a file dialog for ``kind`` (session, map, study, export) opens in: the last
        one used for that kind, else the home folder."""
        kept = self.settings.value(f"folders/{kind}", "")
        return Path(str(kept)) if kept and Path(str(kept)).is_dir() else Path.home()

    def remember(self, kind: str, path: str) -> None:
        chosen = Path(path)
        self.settings.setValue(f"folders/{kind}", str(chosen if chosen.is_dir() else chosen.parent))

    def ask_path(self, title: str, filters: str, default: str, kind: str = "export") -> Optional[str]:
        """A path to write, asked in the folder last used for ``kind`` (which it then becomes)."""
        path, chosen = QFileDialog.getSaveFileName(self.parent_widget, title, str(self.folder(kind) / default),
                                                   filters)
        if path:
            self.remember(kind, path)
        return with_filter_suffix(path, chosen) if path else None

    def export(self, kind: str, path: Optional[str] = None) -> Optional[str]:
        """Write ``kind`` (figure, render, map, map_csv, regions, failures, failure_figure) to ``path``, or ask for a path and
        write it in the background."""
        write, needs, title, filters, default = EXPORTS[kind]
        if needs == "render":
            frame = self.frame()
            exports.require_frame(frame)
        else:
            exports.require(self.doc, needs)
        if path is not None:
            written = str(write(frame if needs == "render" else self.doc, path))
            self.feedback.status(f"wrote {written}")
            return written
        path = self.ask_path(title, filters, default)
        if path:
            snapshot = frame if needs == "render" else self.doc.snapshot()
            self.feedback.busy(f"writing {Path(path).name}…")
            drawn = {"aside": True} if kind in ASIDE else {}   # figures: drawn in a child process
            self.jobs.start(f"export-{kind}", lambda sink: str(write(snapshot, path, **drawn)), self._written,
                            self._failed)
        return path

    def _written(self, path: str) -> None:
        self.feedback.not_busy(self.jobs)
        self.feedback.status(f"wrote {path}")

    def _failed(self, message: str) -> None:
        self.feedback.not_busy(self.jobs)
        self.feedback.show_error(message)

    # -- sessions and study units ----------------------------------------------------------------
    def save_session(self, path: Optional[str] = None) -> Optional[str]:
        path = path or self.ask_path("Save session", "semviewer session (*.json)", "session.semviewer.json",
                                     "session")
        if path:
            to_session(self.doc).save(path)
            self.add_recent(str(path))
            self.feedback.status(f"saved session {path}")
        return path

    def _open(self, what: str, load: Callable[[], Any], show: Callable[[Any], None], background: bool) -> None:
        """Load a file (``load``) then ``show`` it: at once, or in the background with a busy bar,
        the window answering meanwhile. Opening something else since makes a late load stale."""
        if not background:
            return show(load())
        self.jobs.cancel("mesh")
        self.feedback.busy(f"opening {what}…")

        def done(loaded: Any) -> None:
            self.feedback.not_busy(self.jobs)
            self.feedback.guarded(show, loaded)

        self.jobs.start("open", lambda sink: load(), done, self._failed)

    def open_session(self, path: Optional[str] = None, background: Optional[bool] = None) -> None:
        """Reopen a session: validated whole and its mesh loaded before anything changes (in the
        background when asked from the menu, a recent file or a drop)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open session", str(self.folder("session")),
                                                  "semviewer sessions (*.json)")
            if not path:
                return
            self.remember("session", path)
            background = True if background is None else background

        def show(reopened: Document) -> None:
            self._show(reopened)
            self.add_recent(str(path))
            self.feedback.status(f"reopened session {Path(path).name}; compute the map to see it (cached maps return "
                                 f"at once)")
            self.on_reopened()

        self._open(Path(path).name, lambda: from_session(Session.load(path), Path(path).resolve().parent),
                   show, bool(background))

    def open_map_file(self, path: Optional[str] = None, background: Optional[bool] = None) -> None:
        """Show a saved map (any number of axes: hidden axes are sliced or aggregated)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open map", str(self.folder("map")),
                                                  "semviewer maps (*.npz)")
            if not path:
                return
            self.remember("map", path)
            background = True if background is None else background

        def show(semantic_map: SemanticMap) -> None:
            self.jobs.cancel("mesh")
            self.doc.open_map(semantic_map, str(path))
            self.feedback.status(f"opened map {Path(path).name} ({'×'.join(map(str, semantic_map.shape))})")

        self._open(Path(path).name, lambda: SemanticMap.load(path), show, bool(background))

    def open_study(self, path: Optional[str] = None, unit: Optional[int] = None,
                   background: bool = False) -> None:
        """Open a unit of a study folder: its object, model, map and regions (asks which one)."""
        if path is None:
            path = QFileDialog.getExistingDirectory(self.parent_widget, "Open study folder", str(self.folder("study")))
            if not path:
                return
            self.remember("study", path)
            background = True
        units = read_study(path)
        if unit is None:
            dialog = StudyDialog(units, self.parent_widget)
            if not dialog.exec() or dialog.chosen() is None:
                return
            unit = dialog.chosen()
        if not 0 <= unit < len(units):
            raise SemviewerError("that unit of the study has no results (it failed or has not run)")
        record, engine = units[unit], self.doc.model.engine

        def load() -> Document:
            reopened = from_study_unit(record, path)
            reopened.model.set_engine(engine)         # a unit names no engine: keep the one chosen
            return reopened

        def show(reopened: Document) -> None:
            self._show(reopened)
            self.feedback.status(f"opened study unit {record.name} from {Path(path).name}: its map and "
                          f"{len(reopened.solver.regions)} regions")

        self._open(record.name, load, show, background)

    def _show(self, reopened: Document) -> None:
        """Show a reopened document; its model is loaded when it is not the one loaded now."""
        if self.jobs.running("mesh"):
            self.jobs.cancel("mesh")
        self.doc.restore(reopened)
        if self.doc.model.classifier is None:
            self.objects.set_model(self.doc.model.name, self.doc.model.weights, keep_results=True, labels=self.doc.model.labels_file)

    # -- recent files, drops -------------------------------------------------------------------
    def add_recent(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recentFiles", ([path] + recent)[:MAX_RECENT])
        self.update_recent_menu()

    def _recent(self) -> list[str]:
        recent = self.settings.value("recentFiles", []) or []
        return [recent] if isinstance(recent, str) else list(recent)

    def update_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        for path in self._recent():
            add_action(self.parent_widget, self.feedback.guarded, menu, path,
                       lambda p=path: self.opener(p)(p, background=True))
        menu.setEnabled(bool(self._recent()))

    def opener(self, path: str) -> Callable[[str], None]:
        """How a file is opened by its suffix: sessions, maps, else meshes."""
        return {".json": self.open_session, ".npz": self.open_map_file}.get(Path(path).suffix.lower(),
                                                                            self._open_mesh)

    def _open_mesh(self, path: str, background: bool = True) -> None:
        self.objects.open_mesh(path)             # always read in the background
