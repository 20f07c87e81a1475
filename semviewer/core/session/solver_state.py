"""The document's start points, solver settings and regions (a part of ``Document``)."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError, first_line
from semviewer.core.maps.grids import PAPER_1D_FIXED
from semviewer.core.regions.config import METHODS, RegionConfig, paper_starts
from semviewer.core.regions.region import Region
from semviewer.core.scene.axes import AXES

PRIMARY, COMPARE = "primary", "compare"
TARGETS = (PRIMARY, COMPARE)
SOURCES = ("map", "live")
ALL_METHODS = "all three"


class SolverState:
    """Start points (on the axes they were picked on), solver methods and settings, and the
    regions with the record of their run. Mixed into ``Document``, whose fields these are."""

    def set_starts(self, starts: Sequence[Sequence[float]], axes: Optional[Sequence[str]] = None) -> None:
        """Start points on ``axes`` (default: the map axes); they are used only on those axes."""
        axes = list(axes or self.map_axes)
        if not 1 <= len(axes) <= 2 or len(set(axes)) != len(axes) or any(a not in AXES for a in axes):
            raise SemviewerError(f"start points are on one or two different axes of {', '.join(AXES)}")
        points = [tuple(float(v) for v in s) for s in starts]
        if any(len(p) != len(axes) for p in points):
            raise SemviewerError(f"each start point needs one number per map axis ({len(axes)}: {', '.join(axes)})")
        if any(not np.isfinite(p).all() for p in points):
            raise SemviewerError("start points must be finite numbers")
        self.starts, self.start_axes = points, axes
        self.events.starts.emit()

    def add_start(self, point: Sequence[float]) -> None:
        """Add a start point on the map axes (clipped into Ω); starts picked on other axes go."""
        rows = self.region_domain()
        point = tuple(float(np.clip(v, lo, hi)) for v, (lo, hi) in zip(point, rows))
        keep = self.starts if self.start_axes == self.map_axes else []
        self.set_starts(list(keep) + [point])

    def starts_shown(self) -> bool:
        """Whether the start points belong to the axes on the map now."""
        return self.start_axes == self.map_axes

    def use_paper_starts(self) -> str:
        """The paper's start points for the map axes; returns a note for the user ('' if none)."""
        starts = paper_starts(self.map_axes)
        if starts is None:
            raise SemviewerError("the paper's start points are for azimuth × elevation (or azimuth alone)")
        self.set_starts(list(starts))
        if len(self.map_axes) == 1 and self.pose["elevation"] != PAPER_1D_FIXED["elevation"]:
            self.set_pose(self.pose.replace(**PAPER_1D_FIXED))
            return ("the paper's 1-D starts run at elevation 35°: the pose moved there; "
                    "compute the map again for that curve")
        return ""

    def default_starts(self) -> str:
        """Start points when none were given: the paper's where they apply, else the centre of Ω.
        Returns what was chosen, for the user."""
        if paper_starts(self.map_axes) is not None:
            self.use_paper_starts()
            return "no start points given: the paper's starts"
        self.set_starts([tuple(float(v) for v in self.region_domain().mean(axis=1))])
        return "no start points given: the centre of the domain"

    def set_solver(self, methods: Optional[Sequence[str] | str] = None, settings: Optional[dict] = None,
                   source: Optional[str] = None, inside_points: Optional[int] = None) -> None:
        """Solver methods (or "all three"), hyper-parameters (RegionConfig fields), score source
        (map or live) and inside-check lattice; validated before anything changes."""
        if methods is not None:
            methods = tuple(METHODS) if methods == ALL_METHODS else \
                (methods,) if isinstance(methods, str) else tuple(dict.fromkeys(methods))
            if not methods or any(m not in METHODS for m in methods):
                raise SemviewerError(f"solver methods must be among {', '.join(METHODS)}")
        settings = dict(self.solver_settings if settings is None else settings)
        settings.pop("method", None)
        try:
            for m in methods or self.solver_methods:
                RegionConfig(method=m, **settings).check(len(self.map_axes))
        except TypeError as exc:
            raise SemviewerError(f"solver: {first_line(exc)}") from None
        if source is not None and source not in SOURCES:
            raise SemviewerError(f"the score source is map or live, not {source!r}")
        if inside_points is not None and (not isinstance(inside_points, int) or inside_points < 0):
            raise SemviewerError("inside_points must be a whole number ≥ 0")
        self.solver_methods = methods or self.solver_methods
        self.solver_settings = settings
        self.solver_source = source or self.solver_source
        self.inside_points = self.inside_points if inside_points is None else inside_points
        self.events.solver.emit()

    def solver_configs(self) -> list[RegionConfig]:
        return [RegionConfig(method=m, **self.solver_settings) for m in self.solver_methods]

    def set_regions(self, regions: Sequence[tuple[str, Region]], run: Optional[dict] = None,
                    ticket: Optional[int] = None) -> bool:
        """Store regions (with the record of the run that grew them); False when ``ticket`` is stale."""
        if not self.is_current("regions", ticket):
            return False
        if any(t not in TARGETS or not isinstance(r, Region) for t, r in regions):
            raise SemviewerError("regions are (primary or compare, Region) pairs")
        self.regions = list(regions)
        if run is not None:
            self.region_run = dict(run)
        self.events.regions.emit()
        return True

    def regions_shown(self) -> bool:
        """Whether the regions were grown on the axes on the map now."""
        return not self.regions or list(self.region_run.get("axes", self.map_axes)) == self.map_axes
