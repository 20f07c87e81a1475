"""Exports of a document: the map figure, map data (.npz, CSV), regions JSON, failures (JSON and the
grid of their renders); and of the render shown.

Each function checks there is something to export (SemviewerError naming what to do first),
writes atomically and returns the path. They are plain functions: the window runs them in the
background, the CLI and scripts call them directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from semviewer.core.aside import run_aside
from semviewer.core.session.document import PRIMARY, TARGETS, Document
from semviewer.core.errors import SemviewerError
from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.regions.report import regions_document
from semviewer.core.files.atomic import write_json, write_png, write_text


def _primary_map(document: Document):
    semantic_map = document.maps[PRIMARY]
    if semantic_map is None:
        raise SemviewerError("there is no map to export yet; compute it first")
    return semantic_map


def require(document: Document, what: str) -> None:
    """SemviewerError naming what to do first when there is no ``what`` (map, regions) to export."""
    if what == "regions" and not document.solver.regions:
        raise SemviewerError("there are no regions to export yet; grow some first")
    if what == "map":
        _primary_map(document)
    if what == "failures" and document.failures.search is None:
        raise SemviewerError("there are no failures to export yet; run Find failures first")
    if what == "failure_renders" and (document.failures.search is None or document.failures.images is None):
        raise SemviewerError("the failures have no renders yet; run Find failures first (or wait for their renders)")


def _write_map_figure(panels: list[Panel], shown: list[str], at: dict, aggregate: Optional[str], path: str,
                      dpi: int) -> Path:
    return save_figure(map_figure(panels, show=shown, at=at, aggregate=aggregate), path, dpi=dpi)


def export_figure(document: Document, path: str | Path, dpi: int = 200, aside: bool = False) -> Path:
    """The maps (primary, then compare) with their regions, and the failures on the primary map,
    as PNG, SVG or PDF; drawn in a child process with ``aside`` (the window's way: matplotlib holds
    the interpreter lock while it draws)."""
    first = _primary_map(document)
    shown_regions = document.regions_shown()
    failures = document.failures.search.failures if document.failures.search is not None else []
    panels = [Panel(document.maps[t], [r for tt, r in document.solver.regions if tt == t and shown_regions],
                    failures=failures if t == PRIMARY else [])
              for t in TARGETS if document.maps[t] is not None]
    shown = [n for n in document.view.map_axes if n in first.axis_names]
    args = (panels, shown, document.scene.pose.as_dict(), document.view.aggregate, str(path), dpi)
    return run_aside(_write_map_figure, *args) if aside else _write_map_figure(*args)


def require_frame(frame: Optional[np.ndarray]) -> None:
    """SemviewerError when nothing has been rendered yet."""
    if frame is None:
        raise SemviewerError("nothing has been rendered yet")


def export_render(frame: Optional[np.ndarray], path: str | Path) -> Path:
    """The render shown now (exactly what the classifier saw), as PNG (the window holds it)."""
    require_frame(frame)
    return write_png(path, frame)


def export_map(document: Document, path: str | Path) -> Path:
    """The primary map with its provenance (.npz, reopened by *File → Open map file*)."""
    return _primary_map(document).save(path)


def export_map_csv(document: Document, path: str | Path) -> Path:
    """The primary map in long format: axis columns, then score and top1."""
    return write_text(path, _primary_map(document).to_csv())


def export_regions(document: Document, path: str | Path) -> Path:
    """The regions file (the CLI's layout): axes, Ω, solver configs, provenance, regions."""
    require(document, "regions")
    run = document.solver.run
    regions = [{"model": document.model.label(t), **r.to_json()} for t, r in document.solver.regions]
    return write_json(path, regions_document(
        run["axes"], run["domain"], run["source"], run["configs"], run.get("provenance"), regions,
        object=document.scene.object_source, classes=document.scene.classes.to_json() if document.scene.classes else None))


def export_failures(document: Document, path: str | Path) -> Path:
    """The failure search (``semviewer failures --out``'s layout): axes, domain, settings, failure
    rate with its interval, the distinct failures, provenance."""
    require(document, "failures")
    return write_json(path, document.failures.search.to_json())


def _write_failure_figure(search, images: np.ndarray, label: str, path: str, dpi: int) -> Path:
    from semviewer.core.failures.figure import failure_figure

    return save_figure(failure_figure(search, images, title=label), path, dpi=dpi)


def export_failure_figure(document: Document, path: str | Path, dpi: int = 150, aside: bool = False) -> Path:
    """The grid of the failures' renders with their labels (``semviewer failures --figure``'s); in a
    child process with ``aside``, as ``export_figure``."""
    require(document, "failure_renders")
    label = f"{Path(document.scene.object_source).name} · {document.model.name}"
    args = (document.failures.search, document.failures.images, label, str(path), dpi)
    return run_aside(_write_failure_figure, *args) if aside else _write_failure_figure(*args)
