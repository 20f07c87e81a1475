"""The table of grown regions: bounds, volume ratio, evaluations, why they stopped."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from semviewer.core.regions import METHOD_LABELS, Region
from semviewer.gui.map_view import METHOD_QCOLORS

COLUMNS = ("map", "method", "start", "bounds", "volume ratio", "evaluations", "steps / stop")


class RegionsTable(QTableWidget):
    """Lists finished regions; selecting a row emits its index (to highlight it on the map)."""

    region_selected = Signal(object)   # int or None

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("regionsTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.itemSelectionChanged.connect(self._selected)

    def set_regions(self, rows: Sequence[tuple[str, Region]], axis_names: Sequence[str]) -> None:
        """Rows of (map label, region)."""
        self.blockSignals(True)
        self.setRowCount(len(rows))
        for i, (label, r) in enumerate(rows):
            bounds = "; ".join(f"{n} [{lo:.1f}, {hi:.1f}]" for n, lo, hi in zip(axis_names, r.lower, r.upper))
            cells = (label, METHOD_LABELS.get(r.method, r.method),
                     ", ".join(f"{s:.1f}" for s in r.start), bounds, f"{r.volume_ratio:.2%}", str(r.evaluations),
                     f"{r.steps} / {r.stop_reason}")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 1:
                    item.setForeground(QBrush(METHOD_QCOLORS.get(r.method, Qt.GlobalColor.black).darker(160)))
                self.setItem(i, j, item)
        self.blockSignals(False)

    def _selected(self) -> None:
        rows = {index.row() for index in self.selectedIndexes()}
        self.region_selected.emit(min(rows) if rows else None)
