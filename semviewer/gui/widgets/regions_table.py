"""The table of grown regions: bounds, volume ratio, evaluations, why they stopped."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from semviewer.core.regions.region import TRUSTED_TOP1
from semviewer.core.regions.config import METHOD_LABELS
from semviewer.core.regions.region import Region
from semviewer.gui.widgets.map_view import METHOD_QCOLORS

COLUMNS = ("map", "method", "start", "bounds", "volume ratio", "evaluations", "steps / stop",
           "inside: mean p / min p / top-1", "domain Ω")
INSIDE_COLUMN = COLUMNS.index("inside: mean p / min p / top-1")
HEADER_TIPS = (
    "The map the region was grown on (its model)",
    "The bound-optimisation method: Naive, OIR_B (outer-inner ratio, black-box) or OIR_W (white-box)",
    "The start point the region grew from",
    "The region's bounds on each axis; a region across 0°/360° as the arc it covers (from → to)",
    "Vol(D) / Vol(Ω): the region's term in SRVR",
    "Renders and classifications (live) or map look-ups the solver spent",
    "Steps taken, and why the solver stopped",
    "Checked from the inside: the mean and the minimum of p(true class), and the share of the region where the "
    "true class ranks first (⚠ under half)",
    "Ω, the domain the region may grow in",
)


def bound_text(name: str, lower: float, upper: float, domain: tuple[float, float]) -> str:
    """One axis of a region's bounds: ``azimuth [127.7, 223.0]``; a region across the seam of a
    full-turn axis (a bound outside Ω) as the arc it covers, ``azimuth 322.1° → 50.1°``."""
    lo_d, hi_d = domain
    span = hi_d - lo_d
    if span > 0 and (lower < lo_d - 1e-9 or upper > hi_d + 1e-9):
        start = lo_d + (lower - lo_d) % span
        stop = lo_d + (upper - lo_d) % span
        return f"{name} {start:.1f}° → {stop:.1f}°"
    return f"{name} [{lower:.1f}, {upper:.1f}]"


def _inside_text(region: Region) -> str:
    inside = region.inside
    if inside is None:
        return "not checked"
    warn = "  ⚠" if inside.top1_fraction < TRUSTED_TOP1 else ""
    return f"{inside.mean_p:.2f} / {inside.min_p:.2f} / {inside.top1_fraction:.0%}{warn}"


class RegionsTable(QTableWidget):
    """Lists finished regions; selecting a row emits its index (to highlight it on the map)."""

    region_selected = Signal(object)   # int or None
    VISIBLE_ROWS = 8                   # the dock's default height shows this many rows

    def height_for_rows(self) -> int:
        """The height that shows the header and ``VISIBLE_ROWS`` rows (and a horizontal scroll bar)."""
        return (self.horizontalHeader().sizeHint().height() + self.VISIBLE_ROWS * self.verticalHeader().defaultSectionSize()
                + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth() + 4)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("regionsTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(HEADER_TIPS):
            self.horizontalHeaderItem(column).setToolTip(tip)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)   # compact: 8 rows or more show
        self.itemSelectionChanged.connect(self._selected)

    def set_regions(self, rows: Sequence[tuple[str, Region]], axis_names: Sequence[str]) -> None:
        """Rows of (map label, region)."""
        self.blockSignals(True)
        self.setRowCount(len(rows))
        for i, (label, r) in enumerate(rows):
            bounds = "; ".join(bound_text(n, lo, hi, tuple(d)) for n, lo, hi, d in
                               zip(axis_names, r.lower, r.upper, r.domain))
            domain = "; ".join(f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in zip(axis_names, r.domain))
            cells = (label, METHOD_LABELS.get(r.method, r.method),
                     "(" + ", ".join(f"{s:.1f}" for s in r.start) + ")", bounds, f"{r.volume_ratio:.2%}", str(r.evaluations),
                     f"stopped at step {r.steps}" if r.stop_reason == "cancelled" else f"{r.steps} / {r.stop_reason}",
                     _inside_text(r), domain)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 1:
                    item.setForeground(QBrush(METHOD_QCOLORS.get(r.method, Qt.GlobalColor.black).darker(160)))
                if j == INSIDE_COLUMN and r.inside is not None:
                    item.setToolTip(f"checked on {r.inside.points} {r.inside.source} points inside the region")
                    if r.inside.top1_fraction < TRUSTED_TOP1:
                        item.setForeground(QBrush(Qt.GlobalColor.darkRed))
                self.setItem(i, j, item)
        self.blockSignals(False)

    def _selected(self) -> None:
        rows = {index.row() for index in self.selectedIndexes()}
        self.region_selected.emit(min(rows) if rows else None)
