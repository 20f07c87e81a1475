"""Coarse-to-fine maps: the whole domain first, the same values as row order, previews by level."""

import numpy as np

from semviewer.core.maps.build import build_map
from semviewer.core.maps.progressive import coarse_to_fine, point_levels, preview
from semviewer.core.progress import ListSink
from semviewer.core.scene.grid import parse_grid_axis

AXES = (parse_grid_axis("azimuth=0:360:3"), parse_grid_axis("elevation=-10:90:3"))     # the paper's grid


def f(points):
    return 0.5 + 0.5 * np.sin(np.radians(points[:, 0])) * np.cos(np.radians(points[:, 1]))


def test_every_4th_point_comes_first_then_every_2nd_then_the_rest():
    shape = (120, 34)
    order = coarse_to_fine(np.arange(120 * 34), shape)
    levels = point_levels(shape)[order]
    assert list(levels) == sorted(levels) and (np.bincount(levels) == [30 * 9, 60 * 17 - 270, 4080 - 60 * 17]).all()
    i, j = np.unravel_index(order[:270], shape)
    assert (i % 4 == 0).all() and (j % 4 == 0).all() and len(set(order)) == 4080


def test_the_final_map_is_the_row_order_map_and_previews_fill_the_domain():
    coarse = build_map(f, AXES, {}, {}, chunk_size=64)
    rows = build_map(f, AXES, {}, {}, chunk_size=64, order="rows")
    assert np.abs(coarse.values - rows.values).max() <= 1e-6
    first_level = np.where(point_levels(rows.shape).reshape(rows.shape) == 0, rows.values, np.nan)
    shown, level = preview(first_level)
    assert level == 0 and np.isfinite(first_level).mean() < 1 / 12 and not np.isnan(shown).any()
    assert np.abs(shown - rows.values).max() < 0.2                      # a coarse picture of the final map
    assert preview(np.where(np.arange(4080).reshape(120, 34) < 10, rows.values, np.nan))[1] == -1


class StopAfter(ListSink):
    """Cancels after ``chunks`` score calls."""

    def __init__(self, calls, chunks):
        super().__init__()
        self.calls, self.chunks = calls, chunks

    def cancelled(self):
        return len(self.calls) >= self.chunks


def test_a_partial_map_says_which_level_it_reached_and_resumes():
    calls = []
    counted = lambda p: calls.append(len(p)) or f(p)  # noqa: E731
    half = build_map(counted, AXES, {}, {}, StopAfter(calls, 20), chunk_size=64)   # 1,280 of 4,080 poses
    assert half.manifest()["partial"] == {"filled_fraction": half.filled_fraction, "level_reached": 1,
                                          "levels": 3}
    again = build_map(f, AXES, {}, {}, resume=half)
    assert again.complete and np.abs(again.values - build_map(f, AXES, {}, {}).values).max() <= 1e-6
    assert "partial" not in again.manifest()


def test_while_the_coarsest_level_fills_in_each_of_its_points_covers_its_block():
    values = np.full((12, 8), np.nan)
    values[0, 0], values[4, 0] = 0.2, 0.7          # two level-0 points computed, the rest not yet
    shown, level = preview(values)
    assert level == -1
    assert np.allclose(shown[0:2, 0:2], 0.2) and np.allclose(shown[2:6, 0:2], 0.7)
    assert np.isnan(shown[8:, :]).all() and np.isnan(shown[:, 4:]).all()
