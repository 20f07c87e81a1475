"""The semantic-map view: a pyqtgraph heatmap (or curve) in axis units, a [0, 1] colour bar,
a cursor at the current pose, robust-region rectangles and start markers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QApplication, QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from semviewer.core.regions.config import METHOD_LABELS
from semviewer.core.maps.progressive import STRIDES, preview
from semviewer.core.style import COLORMAP, FAILURE_COLOR, METHOD_COLORS
from semviewer.core.maps.semantic_map import SemanticMap

#: Region colours per method (also used in the regions table and the legend).
METHOD_QCOLORS = {method: QColor(color) for method, color in METHOD_COLORS.items()}


@dataclass(frozen=True)
class RegionShape:
    """What the view draws for one region (2-D rectangle or 1-D span)."""

    method: str
    lower: tuple
    upper: tuple
    start: tuple
    active: bool = False
    region: int = -1        # which region it draws (a region across the seam is two shapes); -1: its own


#: A region narrower than this share of the view is drawn this wide, centred on itself, so that
#: a seed box (the paper's is 0.00001 of the range) is visible from the first step; the table
#: and exports give its true bounds.
MIN_DRAWN = 0.06


def _visible(lower: float, upper: float, view: Sequence[float]) -> tuple[float, float]:
    """The drawn extent of [lower, upper] on an axis whose view spans ``view``."""
    least = MIN_DRAWN * abs(view[1] - view[0])
    if upper - lower >= least:
        return lower, upper
    middle = (lower + upper) / 2
    return middle - least / 2, middle + least / 2


class MapView(QWidget):
    """One semantic map with its overlays. Emits clicks and drags in axis units."""

    clicked = Signal(float, float, object)   # x, y (NaN in 1-D), keyboard modifiers
    dragged = Signal(float, float)

    def __init__(self, name: str = "semanticMapView", parent: Optional[QWidget] = None,
                 colour_bar: bool = True) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("")
        self.caption.setObjectName(f"{name}Caption")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.caption)
        self.legend = QLabel("")                         # the methods drawn, above the plot: never over data
        self.legend.setObjectName(f"{name}Legend")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend.setToolTip("The region colours: one per bound-optimisation method")
        self.legend.setFixedHeight(self.legend.fontMetrics().height() + 2)   # its room is kept: the plot never
        layout.addWidget(self.legend)                                         # resizes when regions come and go
        self.plot = pg.PlotWidget()
        self.plot.setObjectName(name)
        self.plot.setAccessibleName("Semantic map: true-class probability over the chosen axes")
        layout.addWidget(self.plot)
        self.item = self.plot.getPlotItem()
        self.item.setMenuEnabled(False)
        self.item.vb.setMouseEnabled(False, False)
        self.item.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.item.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get(COLORMAP), interactive=False, width=14,
                                        label="true-class probability")
        self.colorbar.setImageItem(self.image, insert_in=self.item)
        if not colour_bar:               # another view's bar serves both (one scale, [0, 1]); its room stays,
            self.colorbar.setOpacity(0.0)   # so that maps stacked above each other line up
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#3b528b", width=2))
        self.item.addItem(self.curve)
        self.cursor = pg.ScatterPlotItem(size=16, symbol="+", pen=pg.mkPen("#ff00ff", width=3), brush=None)
        self.cursor.setZValue(30)
        self.item.addItem(self.cursor)
        self.vcursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff00ff", width=2))
        self.item.addItem(self.vcursor)
        self.starts = pg.ScatterPlotItem(size=11, symbol="o", pen=pg.mkPen("k", width=1.5), brush=pg.mkBrush("#ffffff"))
        self.starts.setZValue(25)
        self.item.addItem(self.starts)
        self.failures = pg.ScatterPlotItem(size=13, symbol="x", pen=pg.mkPen(FAILURE_COLOR, width=1.2),
                                           brush=pg.mkBrush("#ffffff"))
        self.failures.setZValue(27)
        self.item.addItem(self.failures)
        self._region_items: list = []
        self._highlight: Optional[int] = None
        self.map: Optional[SemanticMap] = None
        self.axes_shown: tuple[str, ...] = ()
        self.grid_axes: tuple = ()                       # the grid axes drawn (their points, names)
        self.values: Optional[np.ndarray] = None
        self.preview_level: Optional[int] = None     # the coarse level a map being computed is shown at
        self._pressed = False
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)
        self.vcursor.hide()
        self.set_message("Compute the map to see where the network recognises the object")

    # -- content ---------------------------------------------------------------
    def set_message(self, text: str) -> None:
        """The caption above the plot (a QLabel: long hints wrap instead of widening the plot)."""
        self.caption.setText(text)

    def show_map(self, semantic_map: SemanticMap, show: Sequence[str], at: Optional[dict] = None,
                 aggregate: Optional[str] = None, title: str = "") -> None:
        """Draw ``semantic_map`` over the ``show`` axes (1 or 2), slicing or aggregating the others."""
        view = semantic_map.view(list(show), at=at, aggregate=aggregate)
        self.map = semantic_map
        self.axes_shown = tuple(show)
        self.values = view.values
        shown, level = preview(np.asarray(view.values, dtype=np.float32))
        self.preview_level = level if np.isnan(view.values).any() else None
        x_axis = view.axes[0]
        self.item.setLabel("bottom", x_axis.axis.label)
        self.grid_axes = tuple(view.axes)
        xs = self._coordinates(0, "bottom")
        dx = xs[1] - xs[0] if xs.size > 1 else 1.0
        if len(show) == 2:
            y_axis = view.axes[1]
            ys = self._coordinates(1, "left")
            dy = ys[1] - ys[0] if ys.size > 1 else 1.0
            self.item.setLabel("left", y_axis.axis.label)
            self.image.setImage(shown, levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * xs.size, dy * ys.size))
            self.image.show()
            self.colorbar.show()
            self.curve.hide()
            self.vcursor.hide()
            self.cursor.show()
            self.item.vb.setRange(xRange=(xs[0] - dx / 2, xs[-1] + dx / 2), yRange=(ys[0] - dy / 2, ys[-1] + dy / 2),
                                  padding=0.02)      # room for the pose cross at the domain's edge
        else:
            self.item.setLabel("left", "true-class probability")
            self.curve.setData(xs, shown, connect="finite")
            self.curve.show()
            self.image.hide()
            self.colorbar.hide()
            self.cursor.hide()
            self.vcursor.show()
            self.item.vb.setRange(xRange=(xs[0], xs[-1]), yRange=(0, 1), padding=0.02)
        notes = f" ({view.description})" if view.description else ""
        if self.preview_level is not None:
            filled = float(np.isfinite(view.values).mean())
            notes += (f" · preview: coarse level {self.preview_level + 1} of {len(STRIDES)} filled in, "
                      f"{filled:.0%} computed" if self.preview_level >= 0 else f" · {filled:.0%} computed")
        self.set_message(title + notes)

    def _coordinates(self, i: int, side: str) -> np.ndarray:
        """Where axis ``i``'s values are drawn: at their values, or a categorical axis's at 0, 1, ...
        with its values' names as the ticks."""
        grid_axis = self.grid_axes[i]
        ticks = [[(float(k), label) for k, label in enumerate(grid_axis.labels)]] if grid_axis.labels else None
        self.item.getAxis(side).setTicks(ticks)
        return np.arange(grid_axis.size, dtype=np.float64) if grid_axis.labels else grid_axis.points

    def value_of(self, i: int, coordinate: float) -> float:
        """The axis value at a drawn coordinate (a categorical axis's value nearest it)."""
        if i >= len(self.grid_axes) or not self.grid_axes[i].labels or not np.isfinite(coordinate):
            return coordinate
        points = self.grid_axes[i].points
        return float(points[int(np.clip(round(coordinate), 0, len(points) - 1))])

    def position_of(self, i: int, value: float) -> float:
        """Where an axis value is drawn (a categorical value at its place among the map's)."""
        if i >= len(self.grid_axes) or not self.grid_axes[i].labels:
            return value
        return float(np.argmin(np.abs(self.grid_axes[i].points - value)))

    def clear_map(self, message: str = "", axes: Sequence = ()) -> None:
        """Forget the map; show empty axes (``axes``: (label, lower, upper) per axis) and a hint."""
        self.map = None
        self.grid_axes = ()
        for side in ("bottom", "left"):
            self.item.getAxis(side).setTicks(None)
        self.values = None
        self.image.clear()
        self.curve.setData([], [])
        self.set_regions([])
        if axes:
            self.axes_shown = tuple(a[0] for a in axes)
            self.item.setLabel("bottom", axes[0][0])
            self.item.setLabel("left", axes[1][0] if len(axes) > 1 else "true-class probability")
            y_range = (axes[1][1], axes[1][2]) if len(axes) > 1 else (0.0, 1.0)
            self.item.vb.setRange(xRange=(axes[0][1], axes[0][2]), yRange=y_range, padding=0)
            self.cursor.setVisible(len(axes) > 1)
            self.vcursor.setVisible(len(axes) == 1)
        self.set_message(message)

    def set_cursor(self, x: float, y: Optional[float]) -> None:
        x = self.position_of(0, x)
        if len(self.axes_shown) == 2 and y is not None:
            self.cursor.setData([x], [self.position_of(1, y)])
        self.vcursor.setValue(x)

    def set_starts(self, points: Sequence[Sequence[float]]) -> None:
        pts = np.asarray(points, dtype=float).reshape(len(points), -1) if len(points) else np.zeros((0, 2))
        if not len(pts) or pts.shape[1] != max(len(self.axes_shown), 1):
            self.starts.setData([], [])
        elif pts.shape[1] == 1:
            self.starts.setData(pts[:, 0], np.full(len(pts), 0.5))
        else:
            self.starts.setData(pts[:, 0], pts[:, 1])

    def set_failures(self, points: Sequence[Sequence[float]]) -> None:
        """Crosses at failure poses (x, y on the axes shown; none on a 1-D map or a categorical axis)."""
        pts = np.asarray(points, dtype=float).reshape(len(points), -1) if len(points) else np.zeros((0, 2))
        if len(pts) and len(self.axes_shown) == 2 and pts.shape[1] == 2 and not any(
                getattr(a, "labels", None) for a in self.grid_axes):
            self.failures.setData(pts[:, 0], pts[:, 1])
        else:
            self.failures.setData([], [])

    def failure_points(self) -> np.ndarray:
        """The crosses drawn, (k, 2) in axis units."""
        xs, ys = self.failures.getData()
        return np.stack([np.asarray(xs, float), np.asarray(ys, float)], axis=1) if len(xs) else np.zeros((0, 2))

    def set_regions(self, shapes: Sequence[RegionShape]) -> None:
        """Draw regions (replacing those drawn before); the legend lists the methods shown."""
        for item in self._region_items:
            self.item.removeItem(item)
        self._region_items = []
        for i, shape in enumerate(shapes):
            color = METHOD_QCOLORS.get(shape.method, QColor("white"))
            lit = (shape.region if shape.region >= 0 else i) == self._highlight
            width = 4 if lit else 2
            if len(shape.lower) >= 2 and len(self.axes_shown) == 2:
                (x0, x1), (y0, y1) = (_visible(shape.lower[k], shape.upper[k], span)
                                      for k, span in enumerate(self.item.vb.viewRange()))
                rect = QGraphicsRectItem(QRectF(x0, y0, x1 - x0, y1 - y0))
                pen = QPen(color, width)
                pen.setCosmetic(True)
                if shape.active:
                    pen.setStyle(Qt.PenStyle.DashLine)
                rect.setPen(pen)
                rect.setZValue(20)
                self.item.addItem(rect)
                self._region_items.append(rect)
            else:
                fill = QColor(color)
                fill.setAlpha(90 if lit else 50)
                span = pg.LinearRegionItem(values=_visible(shape.lower[0], shape.upper[0], self.item.vb.viewRange()[0]),
                                           movable=False, brush=fill,
                                           pen=pg.mkPen(color, width=width))
                self.item.addItem(span)
                self._region_items.append(span)
        self._update_legend({s.method for s in shapes})
        self._shapes = list(shapes)

    def highlight(self, index: Optional[int]) -> None:
        self._highlight = index
        self.set_regions(getattr(self, "_shapes", []))

    @property
    def region_items(self) -> list:
        return list(self._region_items)

    def _update_legend(self, methods: set) -> None:
        text = "   ".join(
            f"<span style='color:{METHOD_QCOLORS.get(m, QColor('white')).name()}'>▬▬</span> {METHOD_LABELS.get(m, m)}"
            for m in sorted(methods))
        if text != self.legend.text():
            self.legend.setText(text)

    # -- mouse -----------------------------------------------------------------
    def _to_view(self, scene_pos) -> Optional[QPointF]:
        vb = self.item.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return vb.mapSceneToView(scene_pos)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.map is None:
            return
        point = self._to_view(event.scenePos())
        if point is None:
            return
        y = self.value_of(1, point.y()) if len(self.axes_shown) == 2 else float("nan")
        self.clicked.emit(self.value_of(0, point.x()), y, event.modifiers())

    def _on_move(self, scene_pos) -> None:
        if self.map is None or not QApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            return
        if QApplication.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier:
            return
        point = self._to_view(scene_pos)
        if point is not None:
            self.dragged.emit(self.value_of(0, point.x()),
                              self.value_of(1, point.y()) if len(self.axes_shown) == 2 else float("nan"))

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Widget coordinates (of the plot widget) of a point in axis units (for tests and automation)."""
        scene = self.item.vb.mapViewToScene(QPointF(x, y))
        return QPointF(self.plot.mapFromScene(scene))
