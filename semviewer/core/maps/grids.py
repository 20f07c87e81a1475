"""Named grids, the one vocabulary of the window's resolutions, the CLI's presets and a study's
default grid (docs/algorithms.md §2): each axis's range, and its step at each resolution."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np

from semviewer.core.errors import AxisError
from semviewer.core.scene.axes import get_axis
from semviewer.core.scene.grid import GridAxis

_SEVERITIES = ("noise", "blur", "brightness", "contrast", "jpeg")
#: The range each continuous axis is mapped over (the paper's for azimuth and elevation).
MAP_RANGES = MappingProxyType({
    "azimuth": (0.0, 360.0), "elevation": (-10.0, 90.0), "distance": (1.5, 6.0), "roll": (-180.0, 180.0),
    "light_azimuth": (0.0, 360.0), "light_elevation": (-90.0, 90.0), "fov": (20.0, 100.0),
    "ambient": (0.0, 1.5), "light_intensity": (0.0, 1.5), "shift_x": (-0.4, 0.4), "shift_y": (-0.4, 0.4),
    "scale": (0.25, 2.0), "background_rotation": (0.0, 360.0), **{name: (0.0, 5.0) for name in _SEVERITIES}})


def _steps(angle: float, elevation: float, distance: float, fov: float, light: float, shift: float,
           severity: float) -> dict[str, float]:
    return {"azimuth": angle, "elevation": elevation, "distance": distance, "roll": angle, "light_azimuth": angle,
            "light_elevation": elevation, "fov": fov, "ambient": light, "light_intensity": light, "shift_x": shift,
            "shift_y": shift, "scale": light, "background_rotation": angle, **{n: severity for n in _SEVERITIES}}


#: Grid steps per axis for each resolution ("paper" is the paper's 3° grid).
RESOLUTIONS = MappingProxyType({
    "coarse": _steps(15.0, 10.0, 0.5, 10.0, 0.25, 0.1, 1.0),
    "medium": _steps(6.0, 5.0, 0.25, 5.0, 0.1, 0.05, 0.5),
    "paper": _steps(3.0, 3.0, 0.1, 2.0, 0.05, 0.025, 0.25),
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


def named_grid(names: Sequence[str], resolution: str,
               categories: Mapping[str, Sequence[str]] = MappingProxyType({})) -> tuple[GridAxis, ...]:
    """The grid over ``names`` at ``resolution`` (coarse, medium or paper); a categorical axis
    takes every value the scene has (``categories``: its values by name, in order)."""
    grid = []
    for name in names:
        if get_axis(name).categorical:
            if not categories.get(name):
                raise AxisError(f"a map over {name} needs the scene's {name}s")
            grid.append(GridAxis.categories(get_axis(name), list(categories[name])))
        else:
            grid.append(grid_axis(name, resolution, one_axis=len(names) == 1))
    return tuple(grid)


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
