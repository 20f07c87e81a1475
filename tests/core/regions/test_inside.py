"""Checking regions from the inside (docs/algorithms.md §7) and verified SRVR."""

from types import SimpleNamespace

import numpy as np
import pytest

from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.regions.inside import (check_regions, inside_from_lattice, inside_from_map, lattice,
                                           with_inside)
from semviewer.core.maps.map_score import MapScore
from semviewer.core.regions.region import Region
from semviewer.core.regions.config import RegionConfig, RegionError
from semviewer.core.regions.solver import find_region
from semviewer.core.maps.build import build_map
from semviewer.core.regions.srvr import RegionRecord, srvr_table


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def banded(p):                 # ≈ 1 on [20, 80] × [20, 80], except a dark band at x ∈ [49, 51]
    x, y = p[:, 0], p[:, 1]
    plateau = sig((x - 20) / 2) * sig((80 - x) / 2) * sig((y - 20) / 2) * sig((80 - y) / 2)
    return plateau * (1 - sig((x - 49) / 0.3) * sig((51 - x) / 0.3))


def smooth(p):
    return np.exp(-((p[:, 0] - 50) ** 2 + (p[:, 1] - 50) ** 2) / 800.0)


class Live:
    """A score with ``evaluate`` (like ScoreFunction): top-1 where f > 0.5."""

    def __init__(self, f):
        self.f = f

    def __call__(self, points):
        return self.f(points)

    def evaluate(self, points):
        s = self.f(points)
        return SimpleNamespace(scores=s, top1=(s > 0.5).astype(float))


DOMAIN = np.array([[0.0, 100.0], [0.0, 100.0]])
GRID = (parse_grid_axis("azimuth=0:100:2"), parse_grid_axis("elevation=0:90:2"))


def _map(f):
    semantic_map = build_map(f, GRID, {}, {})
    top1 = (semantic_map.values > 0.5).astype(float)
    return semantic_map.__class__(semantic_map.values, semantic_map.axes, semantic_map.fixed,
                                  semantic_map.provenance, top1)


def test_a_box_over_a_dark_band_is_flagged():
    region = find_region(banded, [35.0, 50.0], np.array([[0.0, 100.0], [0.0, 90.0]]),
                         RegionConfig(method="oir_b", eps=1.0))
    assert region.lower[0] < 49 and region.upper[0] > 51                # grown over the band, which
    assert not (49 < region.lower[0] < 51 or 49 < region.upper[0] < 51)  # none of its corners sees
    (checked,) = check_regions([region], Live(banded))
    inside = checked.inside
    assert inside.source == "lattice" and inside.points == 25
    assert inside.min_p < 0.05 and inside.mean_p < 0.95 and inside.top1_fraction < 1.0
    m = _map(banded)
    (on_map,) = check_regions([region], MapScore(m, ["azimuth", "elevation"]))
    assert on_map.inside.source == "map" and on_map.inside.min_p < 0.05
    assert on_map.inside.points > 100
    assert on_map.verified_ratio < on_map.volume_ratio


def test_map_and_lattice_agree_on_a_smooth_function():
    region = Region("oir_b", np.array([50.0, 50.0]), np.array([30.0, 26.0]), np.array([70.0, 74.0]),
                    DOMAIN, np.zeros((0, 2, 2)), 0, 0, "steps")
    live = inside_from_lattice(Live(smooth).evaluate, region, per_axis=21)
    on_map = inside_from_map(_map(smooth), region, ["azimuth", "elevation"])
    assert live.mean_p == pytest.approx(on_map.mean_p, abs=0.02)
    assert live.min_p == pytest.approx(on_map.min_p, abs=0.02)
    assert live.top1_fraction == pytest.approx(on_map.top1_fraction, abs=0.05)


def test_lattice_weights_and_tiny_regions():
    region = Region("naive", np.array([5.0]), np.array([0.0]), np.array([10.0]), np.array([[0.0, 100.0]]),
                    np.zeros((0, 2, 1)), 0, 0, "steps")
    points, weights = lattice(region, 5)
    np.testing.assert_allclose(points[:, 0], [0, 2.5, 5, 7.5, 10])
    np.testing.assert_allclose(weights, [0.125, 0.25, 0.25, 0.25, 0.125])
    tiny = Region("naive", np.array([50.0, 50.0]), np.array([50.0, 50.0]) - 1e-5, np.array([50.0, 50.0]) + 1e-5,
                  DOMAIN, np.zeros((0, 2, 2)), 0, 0, "steps")
    assert inside_from_map(_map(smooth), tiny, ["azimuth", "elevation"]).points == 1


def test_verified_srvr_and_json_round_trip():
    region = Region("oir_b", np.array([50.0, 50.0]), np.array([25.0, 25.0]), np.array([75.0, 75.0]),
                    DOMAIN, np.zeros((0, 2, 2)), 0, 0, "steps")
    (checked,) = check_regions([region], Live(banded))
    assert region.verified_ratio != region.verified_ratio              # NaN: not checked
    data = checked.to_json()
    assert set(data["inside"]) == {"mean_p", "min_p", "top1_fraction", "points", "source"}
    assert Region.from_json(data).inside == checked.inside
    records = [RegionRecord("m", "o", checked)]
    plain, verified = srvr_table(records)["m"], srvr_table(records, verified=True)["m"]
    assert verified["oir_b"] == pytest.approx(plain["oir_b"] * checked.inside.top1_fraction)


class Ones:
    """A map score where f = 1 and the class is top-1 everywhere."""

    def evaluate(self, points):
        return SimpleNamespace(scores=np.ones(len(points)), top1=np.ones(len(points)))


def test_a_normalised_share_that_rounds_above_one_is_kept_in_range_and_read_back():
    # the cell weights of this region sum, once normalised, to 1 + 2e-16 (found in a real study)
    axes = [parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20")]
    everywhere = build_map(Ones(), axes, {}, {})
    region = Region("naive", np.array([195.7, 58.15]), np.array([121.2, 36.0]), np.array([270.2, 80.3]),
                    np.array([[0.0, 360.0], [-10.0, 90.0]]), np.zeros((0, 2, 2)), 0, 0, "steps")
    check = inside_from_map(everywhere, region, ["azimuth", "elevation"])
    assert check.top1_fraction == 1.0 and check.mean_p == 1.0 and check.min_p == 1.0
    data = with_inside(region, check).to_json()
    data["inside"]["top1_fraction"] = 1.0000000000000002        # what earlier versions wrote
    data["inside"]["mean_p"] = -1e-12
    read = Region.from_json(data)
    assert read.inside.top1_fraction == 1.0 and read.inside.mean_p == 0.0
    data["inside"]["top1_fraction"] = 1.001                      # not rounding: still refused
    with pytest.raises(RegionError, match="in \\[0, 1\\]"):
        Region.from_json(data)
