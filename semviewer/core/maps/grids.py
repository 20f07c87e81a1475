"""Named grids, the one vocabulary of the window's resolutions, the CLI's presets and a study's
default grid (docs/algorithms.md §2): each axis's range, and its step at each resolution."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.scene.axes import GridAxis, get_axis

#: The range each axis is mapped over (the paper's for azimuth and elevation).
MAP_RANGES = MappingProxyType({
    "azimuth": (0.0, 360.0), "elevation": (-10.0, 90.0), "distance": (1.5, 6.0), "roll": (-180.0, 180.0),
    "light_azimuth": (0.0, 360.0), "light_elevation": (-90.0, 90.0), "fov": (20.0, 100.0)})
#: Grid steps per axis for each resolution ("paper" is the paper's 3° grid).
RESOLUTIONS = MappingProxyType({
    "coarse": {"azimuth": 15.0, "elevation": 10.0, "distance": 0.5, "roll": 15.0, "light_azimuth": 15.0,
               "light_elevation": 10.0, "fov": 10.0},
    "medium": {"azimuth": 6.0, "elevation": 5.0, "distance": 0.25, "roll": 6.0, "light_azimuth": 6.0,
               "light_elevation": 5.0, "fov": 5.0},
    "paper": {"azimuth": 3.0, "elevation": 3.0, "distance": 0.1, "roll": 3.0, "light_azimuth": 3.0,
              "light_elevation": 3.0, "fov": 2.0},
})
#: The paper's 1-D map is 180 azimuths (a 2° step, not its 2-D map's 3°) at elevation 35°.
PAPER_1D_STEP = 2.0
PAPER_1D_FIXED = MappingProxyType({"elevation": 35.0})
#: No semantic map has more poses than this (its value grids alone would exhaust memory).
MAX_MAP_POINTS = 50_000_000
#: The CLI's --preset/--grid names: (axes, resolution, fixed values of other axes).
PRESETS = MappingProxyType({
    "paper": (("azimuth", "elevation"), "paper", {}),
    "paper-1d": (("azimuth",), "paper", dict(PAPER_1D_FIXED)),
    "medium": (("azimuth", "elevation"), "medium", {}),
    "coarse": (("azimuth", "elevation"), "coarse", {}),
})


def _step(name: str, resolution: str, one_axis: bool) -> float:
    if resolution not in RESOLUTIONS:
        raise AxisError(f"unknown resolution {resolution!r}; choose one of {', '.join(RESOLUTIONS)}")
    if resolution == "paper" and one_axis and name == "azimuth":
        return PAPER_1D_STEP
    return RESOLUTIONS[resolution][name]


def grid_axis(name: str, resolution: str, one_axis: bool = False) -> GridAxis:
    """The named grid over one axis. Periodic axes stop one step short of the wrap point; other
    axes include their upper end when the step reaches it (coarse elevation −10…90: 11 points),
    except on the paper's grid, which is the paper's 3° grid (−10…89, 34 points)."""
    lo, hi = MAP_RANGES[name]
    step = _step(name, resolution, one_axis)
    count = int(np.ceil((hi - lo) / step - 1e-9))
    axis = get_axis(name)
    if resolution != "paper" and not axis.periodic and abs(lo + count * step - hi) < 1e-9 * max(1.0, abs(hi)):
        count += 1
    return GridAxis.regular(axis, lo, step, count, hi)


def named_grid(names: Sequence[str], resolution: str) -> tuple[GridAxis, ...]:
    """The grid over ``names`` at ``resolution`` (coarse, medium or paper)."""
    return tuple(grid_axis(n, resolution, one_axis=len(names) == 1) for n in names)


def preset_grid(preset: str) -> tuple[tuple[GridAxis, ...], dict[str, float]]:
    """The axes and fixed values of a CLI preset (paper, paper-1d, medium, coarse)."""
    if preset not in PRESETS:
        raise AxisError(f"unknown map preset {preset!r}; choose one of {', '.join(PRESETS)}")
    names, resolution, fixed = PRESETS[preset]
    return named_grid(names, resolution), dict(fixed)


def domain_rows(names: Sequence[str]) -> np.ndarray:
    """Ω over ``names`` as (n, 2) rows of [lower, upper]: the named grids' ranges."""
    return np.array([MAP_RANGES[n] for n in names], dtype=np.float64)


def check_grid_size(axes: Sequence[GridAxis]) -> int:
    """The number of poses of a grid; AxisError when it is more than MAX_MAP_POINTS."""
    points = math.prod(a.size for a in axes)
    if points > MAX_MAP_POINTS:
        raise AxisError(f"the grid has {points:,} poses; more than {MAX_MAP_POINTS:,} would exhaust memory; "
                        f"use coarser steps")
    return points
