"""Named grids: one table for the window's resolutions, the CLI's presets and a study's default."""

import json

import numpy as np
import pytest

from semviewer.core.errors import AxisError
from semviewer.core.maps.grids import PRESETS, grid_axis, named_grid, preset_grid
from semviewer.core.scene.axes import get_axis
from semviewer.core.scene.grid import GridAxis, parse_grid_axis


def test_the_paper_presets():
    axes, fixed = preset_grid("paper")
    assert [a.size for a in axes] == [120, 34] and fixed == {}
    axes, fixed = preset_grid("paper-1d")
    assert axes[0].size == 180 and fixed == {"elevation": 35.0}


def test_window_grids_include_the_upper_end_of_non_periodic_axes():
    coarse = grid_axis("elevation", "coarse")
    assert coarse.size == 11 and coarse.points[-1] == 90.0 and coarse.extent() == (-10.0, 90.0)
    assert grid_axis("elevation", "medium").points[-1] == 90.0
    assert grid_axis("azimuth", "coarse").points[-1] == 345.0                 # periodic: no duplicate of 0°
    paper = (grid_axis("azimuth", "paper"), grid_axis("elevation", "paper"))
    assert (paper[0].size, paper[1].size) == (120, 34)                      # the paper's grid stays


def test_presets_are_the_named_grids_and_the_paper_grid_is_the_papers_specs():
    for name, (axes, resolution, _) in PRESETS.items():
        assert preset_grid(name)[0] == named_grid(axes, resolution)
    assert preset_grid("paper")[0] == (parse_grid_axis("azimuth=0:360:3"), parse_grid_axis("elevation=-10:90:3"))
    assert preset_grid("coarse")[0][1] == grid_axis("elevation", "coarse")     # the CLI's coarse is the window's


def test_regular_grids_are_written_as_ranges_and_read_back_equal():
    fine = parse_grid_axis("azimuth=0:360:0.000036")                         # ten million points
    data = fine.to_json()
    assert "points" not in data and data["count"] == fine.size and len(json.dumps(data)) < 200
    assert GridAxis.from_json(data) == fine
    listed = GridAxis(get_axis("elevation"), np.array([0.0, 10.0, 45.0]), 90.0)
    assert GridAxis.from_json(listed.to_json()) == listed and "points" in listed.to_json()


@pytest.mark.parametrize("spec", ["azimuth=0:360:inf", "azimuth=0:360:1e-300", "azimuth=0:360:nan"])
def test_steps_that_would_exhaust_memory_or_are_not_numbers_are_one_line(spec):
    with pytest.raises(AxisError, match="step"):
        parse_grid_axis(spec)
