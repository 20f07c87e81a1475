"""The grids the window maps over: each axis's range and its step at each resolution."""

from __future__ import annotations

import numpy as np

from semviewer.core.axes import GridAxis, get_axis

#: The range each axis is mapped over in the window (the paper's for azimuth and elevation).
MAP_RANGES = {"azimuth": (0.0, 360.0), "elevation": (-10.0, 90.0), "distance": (1.5, 6.0), "roll": (-180.0, 180.0),
              "light_azimuth": (0.0, 360.0), "light_elevation": (-90.0, 90.0), "fov": (20.0, 100.0)}
#: Grid steps per axis for each resolution ("paper" is the paper's 3° grid).
RESOLUTIONS = {
    "coarse": {"azimuth": 15.0, "elevation": 10.0, "distance": 0.5, "roll": 15.0, "light_azimuth": 15.0,
               "light_elevation": 10.0, "fov": 10.0},
    "medium": {"azimuth": 6.0, "elevation": 5.0, "distance": 0.25, "roll": 6.0, "light_azimuth": 6.0,
               "light_elevation": 5.0, "fov": 5.0},
    "paper": {"azimuth": 3.0, "elevation": 3.0, "distance": 0.1, "roll": 3.0, "light_azimuth": 3.0,
              "light_elevation": 3.0, "fov": 2.0},
}


def grid_axis(name: str, resolution: str) -> GridAxis:
    """The window's grid over an axis. Periodic axes stop one step short of the wrap point; other
    axes include their upper end when the step reaches it (coarse elevation −10…90: 11 points),
    except on the paper's grid, which is the paper's 3° grid (−10…89, 34 points)."""
    lo, hi = MAP_RANGES[name]
    step = RESOLUTIONS[resolution][name]
    count = int(np.ceil((hi - lo) / step - 1e-9))
    axis = get_axis(name)
    if resolution != "paper" and not axis.periodic and abs(lo + count * step - hi) < 1e-9 * max(1.0, abs(hi)):
        count += 1
    return GridAxis(axis, lo + step * np.arange(count), hi)


def domain_rows(names: list[str]) -> np.ndarray:
    """Ω over ``names`` as (n, 2) rows of [lower, upper] (the window's ranges)."""
    return np.array([MAP_RANGES[n] for n in names], dtype=np.float64)


def window_grid(names: list[str], resolution: str) -> tuple[GridAxis, ...]:
    """The grid over ``names`` at ``resolution`` (coarse, medium or paper)."""
    return tuple(grid_axis(n, resolution) for n in names)
