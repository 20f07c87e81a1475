"""The failure grid: each distinct failure's render with its pose, its top-1 label and p(true class)
(matplotlib, no display)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from semviewer.core.failures.result import Failure, FailureSearch
from semviewer.core.style import FAILURE_COLOR

#: Beyond this many failures a grid is unreadable; the worst ones are drawn.
MAX_FIGURE_FAILURES = 24


def pose_text(failure: Failure, digits: int = 1, per_line: int = 0) -> str:
    """The failure's pose, e.g. ``azimuth 132.4°, elevation 61.0°`` (``per_line`` axes a line, or all
    on one)."""
    from semviewer.core.scene.axes import AXES

    parts = []
    for name, value in failure.point.items():
        unit = AXES[name].unit if name in AXES else ""
        parts.append(f"{name} {value:.{digits}f}{'°' if unit == '°' else ''}")
    if per_line <= 0:
        return ", ".join(parts)
    return "\n".join(", ".join(parts[i:i + per_line]) for i in range(0, len(parts), per_line))


def failure_figure(search: FailureSearch, images: np.ndarray, columns: int = 4, title: str = "",
                   count: int = MAX_FIGURE_FAILURES):
    """A matplotlib Figure: the ``count`` worst failures' renders (``images`` in the order of
    ``search.failures``) in a grid, each titled with its top-1 label and p(true class), its pose
    under it; the search's summary line on top."""
    from matplotlib.figure import Figure

    failures: Sequence[Failure] = search.failures[:min(count, MAX_FIGURE_FAILURES, len(images))]
    count = max(1, len(failures))
    cols = max(1, min(columns, count))
    rows = -(-count // cols)
    fig = Figure(figsize=(2.6 * cols, 3.1 * rows + 0.6), layout="constrained")
    fig.suptitle((title + "\n" if title else "") + search.describe(), fontsize=9)
    grid = fig.subplots(rows, cols, squeeze=False).reshape(-1)
    for ax in grid:
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
    if not failures:
        grid[0].text(0.5, 0.5, "no failure found", ha="center", va="center", fontsize=11)
    for ax, failure, image in zip(grid, failures, images):
        ax.imshow(image)
        p_true = f"{failure.p_true:.3f}" if failure.p_true >= 1e-3 else f"{failure.p_true:.1e}"
        ax.set_title(f"{failure.label_name[:28]} ({failure.label_p:.0%}), p(true) {p_true}", fontsize=8)
        for side in ax.spines.values():
            side.set_visible(True)
            side.set_color(FAILURE_COLOR)
        ax.set_xlabel(pose_text(failure, per_line=2), fontsize=6.5)
    return fig
