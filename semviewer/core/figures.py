"""Publication figures of semantic maps and regions (matplotlib Agg/SVG/PDF, no display, no Qt).

The CLI and the window's export both draw through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import OutputError
from semviewer.core.failures.result import Failure
from semviewer.core.regions.config import METHOD_LABELS
from semviewer.core.regions.region import Region
from semviewer.core.files.atomic import atomic_path
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.style import COLORMAP, FAILURE_COLOR, METHOD_COLORS

FIGURE_FORMATS = ("png", "svg", "pdf")


@dataclass
class Panel:
    """One map in a figure, with the regions to draw over it."""

    semantic_map: SemanticMap
    regions: Sequence[Region] = field(default_factory=list)
    title: str = ""
    at: Mapping[str, float] = field(default_factory=dict)    # where this panel slices the map's other axes
    failures: Sequence[Failure] = field(default_factory=list)  # failure poses to mark (those on the shown axes)


def category_panels(semantic_map: SemanticMap, show: Sequence[str]) -> list[Panel]:
    """One panel for each value of the categorical axes the figure does not show (a map over
    azimuth × elevation × background: one panel a background, side by side on one colour scale);
    one panel when there are none. Each panel's title says its value (the view's slice)."""
    hidden = [a for a in semantic_map.axes if a.labels and a.name not in show]
    if not hidden:
        return [Panel(semantic_map)]
    axis = hidden[0]
    return [Panel(semantic_map, at={axis.name: float(point)}) for point in axis.points]


def default_title(semantic_map: SemanticMap) -> str:
    prov = semantic_map.provenance
    classes = " + ".join(prov.get("classes", {}).get("names", [])) or "?"
    return f"{prov.get('object', '?')} · {prov.get('model', '?')} · p({classes})"


def _doubtful(region: Region) -> bool:
    """Checked from the inside, and the true class is top-1 on less than half of the region."""
    return region.inside is not None and not region.inside.trusted


def _label(region: Region) -> str:
    label = METHOD_LABELS.get(region.method, region.method)
    return f"{label}, dashed: top-1 on < half of it" if _doubtful(region) else label


def _title(panel: Panel, description: str, mark_interpolated: bool = False) -> str:
    """The panel's title; a map that is not complete says how much of it was computed, an adaptive
    one its tolerance and how much of it was computed rather than interpolated."""
    title = panel.title or default_title(panel.semantic_map)
    if description:
        title += f"\n({description})"
    filled = panel.semantic_map.filled_fraction
    if filled < 1.0:
        title += f"\n(partial map: {filled:.0%} computed; white where not)"
    if panel.semantic_map.adaptive is not None:
        title += (f"\n(adaptive, tolerance {panel.semantic_map.adaptive:g}: {panel.semantic_map.computed_fraction:.0%}"
                  f" of the poses computed" + ("; veiled cells interpolated)" if mark_interpolated else ")"))
    return title


def _coordinates(ax, grid_axis, which: str) -> np.ndarray:
    """Where an axis's values are drawn: at their values, or a categorical axis's at 0, 1, ... with
    its values' names as the ticks."""
    if not grid_axis.labels:
        return grid_axis.points
    positions = np.arange(grid_axis.size, dtype=np.float64)
    set_ticks = ax.set_xticks if which == "x" else ax.set_yticks
    set_ticks(positions, list(grid_axis.labels), **({"rotation": 30, "ha": "right"} if which == "x" else {}))
    return positions


def _curve(ax, view, regions: Sequence[Region]) -> None:
    """A 1-D map: the curve of f and each region as a band."""
    ax.plot(_coordinates(ax, view.axes[0], "x"), view.values, color="#3b528b", lw=1.6,
            marker="o" if view.axes[0].labels else None)
    ax.set_ylim(0, 1)
    ax.set_ylabel("true-class probability")
    ax.grid(alpha=0.3)
    for region in regions:
        color, doubtful = METHOD_COLORS.get(region.method, "k"), _doubtful(region)
        for lower, upper in region.pieces():
            ax.axvspan(lower[0], upper[0], color=color, alpha=0.12 if doubtful else 0.25,
                       hatch="//" if doubtful else None, label=_label(region))
        ax.axvline(region.start[0], color="k", lw=0.8, ls=":")


def _failure_markers(ax, view, failures: Sequence[Failure]) -> None:
    """A cross at each failure that gives both shown axes (categorical ones are never searched)."""
    names = [view.axes[0].name, view.axes[1].name]
    points = np.array([[f.point[n] for n in names] for f in failures if all(n in f.point for n in names)])
    if points.size and not any(a.labels for a in view.axes[:2]):
        ax.plot(points[:, 0], points[:, 1], ls="none", marker="X", ms=8, color="white", mec=FAILURE_COLOR,
                mew=1.2, label="failure")


def _veil(ax, panel: Panel, view, show: Sequence[str], at: Mapping[str, float], extent) -> None:
    """A white veil over the cells of an adaptive map that were interpolated, not computed."""
    semantic_map = panel.semantic_map
    if semantic_map.computed is None:
        return
    computed = semantic_map.view(show, at={**at, **panel.at}, values=semantic_map.computed.astype(np.float32)).values
    veil = np.zeros(computed.T.shape + (4,))
    veil[..., :3] = 1.0
    veil[..., 3] = np.where(computed.T < 0.5, 0.35, 0.0)
    ax.imshow(veil, origin="lower", extent=extent, aspect="auto", interpolation="nearest")


def _heatmap(ax, view, regions: Sequence[Region]):
    """A 2-D map as an image in axis units, each region as a rectangle with its start; returns the image."""
    from matplotlib.patches import Rectangle

    xs, ys = _coordinates(ax, view.axes[0], "x"), _coordinates(ax, view.axes[1], "y")
    dx = xs[1] - xs[0] if xs.size > 1 else 1.0
    dy = ys[1] - ys[0] if ys.size > 1 else 1.0
    extent = (xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2)
    image = ax.imshow(np.ma.masked_invalid(view.values.T), origin="lower", extent=extent, aspect="auto",
                      cmap=COLORMAP, vmin=0, vmax=1, interpolation="nearest")
    ax.set_ylabel(view.axes[1].axis.label)
    for region in regions:
        for lower, upper in region.pieces():       # two rectangles for a region across the seam
            ax.add_patch(Rectangle((lower[0], lower[1]), upper[0] - lower[0], upper[1] - lower[1], fill=False,
                                   lw=1.8, ec=METHOD_COLORS.get(region.method, "k"),
                                   ls="--" if _doubtful(region) else "-", label=_label(region)))
        ax.plot(region.start[0], region.start[1], marker="o", color="white", mec="black", ms=6, mew=1.2)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    return image


def _legend(ax) -> None:
    """The methods drawn, in one row under the panel: never over the map."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=min(len(unique), 4), fontsize=8, frameon=False)


def map_figure(panels: Sequence[Panel], show: Optional[Sequence[str]] = None,
               at: Optional[Mapping[str, float]] = None, aggregate: Optional[str] = None,
               width: float = 6.0, columns: Optional[int] = None, mark_interpolated: bool = False):
    """A matplotlib Figure with one panel per map (in one row, or a grid of ``columns``), sharing
    axes names and the [0, 1] colour scale; ``mark_interpolated`` veils an adaptive map's
    interpolated cells (2-D sliced views)."""
    from matplotlib.figure import Figure

    if not panels:
        raise ValueError("no maps to draw")
    show = list(show or panels[0].semantic_map.axis_names[:2])
    one_d = len(show) == 1
    cols = max(1, min(columns or len(panels), len(panels)))
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(width * cols, width * (0.55 if one_d else 0.62) * rows), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = grid.reshape(-1)[:len(panels)]
    for spare in grid.reshape(-1)[len(panels):]:
        spare.set_axis_off()
    image = None
    for ax, panel in zip(axes, panels):
        view = panel.semantic_map.view(show, at={**(at or {}), **panel.at}, aggregate=aggregate)
        ax.set_title(_title(panel, view.description, mark_interpolated), fontsize=10)
        ax.set_xlabel(view.axes[0].axis.label)
        if one_d:
            _curve(ax, view, panel.regions)
        else:
            image = _heatmap(ax, view, panel.regions)
            if mark_interpolated and aggregate is None:
                _veil(ax, panel, view, show, at or {}, image.get_extent())
            _failure_markers(ax, view, panel.failures)
        if panel.regions or panel.failures:
            _legend(ax)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes), shrink=0.9)
        bar.set_label("true-class probability")
    return fig


def save_figure(fig, path: str | Path, dpi: int = 200) -> Path:
    """Write a figure as PNG, SVG or PDF (by suffix), atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise OutputError(f"cannot write a figure as {path.suffix or 'a file without suffix'}; "
                          f"use .png, .svg or .pdf")
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path
