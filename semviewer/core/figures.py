"""Publication figures of semantic maps and regions (matplotlib Agg/SVG/PDF, no display, no Qt).

The CLI and the window's export both draw through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from semviewer.core.errors import OutputError
from semviewer.core.regions import METHOD_LABELS, Region
from semviewer.core.results import atomic_path
from semviewer.core.semantic_map import SemanticMap

FIGURE_FORMATS = ("png", "svg", "pdf")
COLORMAP = "viridis"   # perceptually uniform; the scale is fixed to [0, 1] in every panel
METHOD_COLORS = {"naive": "#ff7f0e", "oir_b": "#29b6f6", "oir_w": "#e41a1c"}


@dataclass
class Panel:
    """One map in a figure, with the regions to draw over it."""

    semantic_map: SemanticMap
    regions: Sequence[Region] = field(default_factory=list)
    title: str = ""


def default_title(semantic_map: SemanticMap) -> str:
    prov = semantic_map.provenance
    classes = " + ".join(prov.get("classes", {}).get("names", [])) or "?"
    return f"{prov.get('object', '?')} · {prov.get('model', '?')} · p({classes})"


def _doubtful(region: Region) -> bool:
    """Checked from the inside, and the true class is top-1 on less than half of the region."""
    from semviewer.core.inside import TRUSTED_TOP1

    return region.inside is not None and float(region.inside["top1_fraction"]) < TRUSTED_TOP1


def _label(region: Region) -> str:
    label = METHOD_LABELS.get(region.method, region.method)
    return f"{label}, dashed: top-1 on < half of it" if _doubtful(region) else label


def map_figure(panels: Sequence[Panel], show: Optional[Sequence[str]] = None,
               at: Optional[Mapping[str, float]] = None, aggregate: Optional[str] = None,
               width: float = 6.0, columns: Optional[int] = None):
    """A matplotlib Figure with one panel per map (in one row, or a grid of ``columns``), sharing
    axes names and the [0, 1] colour scale."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    if not panels:
        raise ValueError("no maps to draw")
    first = panels[0].semantic_map
    show = list(show or first.axis_names[:2])
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
        view = panel.semantic_map.view(show, at=at, aggregate=aggregate)
        title = panel.title or default_title(panel.semantic_map)
        if view.description:
            title += f"\n({view.description})"
        ax.set_title(title, fontsize=10)
        x_axis = view.axes[0]
        ax.set_xlabel(x_axis.axis.label)
        if one_d:
            ax.plot(x_axis.points, view.values, color="#3b528b", lw=1.6)
            ax.set_ylim(0, 1)
            ax.set_ylabel("true-class probability")
            ax.grid(alpha=0.3)
            for region in panel.regions:
                color = METHOD_COLORS.get(region.method, "k")
                doubtful = _doubtful(region)
                ax.axvspan(region.lower[0], region.upper[0], color=color, alpha=0.12 if doubtful else 0.25,
                           hatch="//" if doubtful else None, label=_label(region))
                ax.axvline(region.start[0], color="k", lw=0.8, ls=":")
        else:
            y_axis = view.axes[1]
            xs, ys = x_axis.points, y_axis.points
            dx = xs[1] - xs[0] if xs.size > 1 else 1.0
            dy = ys[1] - ys[0] if ys.size > 1 else 1.0
            extent = (xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2)
            data = np.ma.masked_invalid(view.values.T)
            image = ax.imshow(data, origin="lower", extent=extent, aspect="auto", cmap=COLORMAP, vmin=0, vmax=1,
                              interpolation="nearest")
            ax.set_ylabel(y_axis.axis.label)
            for region in panel.regions:
                color = METHOD_COLORS.get(region.method, "k")
                ax.add_patch(Rectangle((region.lower[0], region.lower[1]), region.upper[0] - region.lower[0],
                                       region.upper[1] - region.lower[1], fill=False, lw=1.8, ec=color,
                                       ls="--" if _doubtful(region) else "-", label=_label(region)))
                ax.plot(region.start[0], region.start[1], marker="o", color="white", mec="black", ms=6, mew=1.2)
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
        if panel.regions:
            handles, labels = ax.get_legend_handles_labels()
            unique = dict(zip(labels, handles))
            legend = ax.legend(unique.values(), unique.keys(), loc="upper right", fontsize=8, framealpha=0.6)
            if not one_d:
                legend.get_frame().set_facecolor("#444444")
                for text in legend.get_texts():
                    text.set_color("white")
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
