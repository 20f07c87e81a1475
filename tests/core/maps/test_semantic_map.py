"""SemanticMap data, views, I/O, building with a progress sink, the cache and the map score."""

import json

import numpy as np
import pytest

from semviewer.core.scene.axes import get_axis
from semviewer.core.scene.grid import GridAxis, parse_grid_axis
from semviewer.core.errors import MapFileError
from semviewer.core.maps.cache import MapCache, map_key
from semviewer.pipeline.maps import cached_build_map
from semviewer.core.maps.map_score import MapScore
from semviewer.core.progress import ListSink
from semviewer.core.maps.semantic_map import SemanticMap, empty_map
from semviewer.core.maps.build import build_map
from semviewer.core.maps.progressive import coarse_to_fine


def analytic(points):
    az, el = points[:, 0], points[:, 1]
    return 0.5 + 0.4 * np.sin(np.radians(az)) * np.cos(np.radians(el))


class CountingScore:
    """The analytic f, counting calls; ``sink(n)`` cancels once it has been called n times."""

    def __init__(self):
        self.calls = []

    def __call__(self, points):
        self.calls.append(len(points))
        return analytic(points)

    def sink(self, after):
        score = self

        class CancelAfter(ListSink):
            def cancelled(self):
                return len(score.calls) >= after

        return CancelAfter()


def synthetic_3d():
    axes = (parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=0:90:30"),
            GridAxis(get_axis("distance"), np.array([2.0, 3.0])))
    values = np.arange(4 * 3 * 2, dtype=np.float32).reshape(4, 3, 2) / 24
    return SemanticMap(values, axes, {"fov": 60.0}, {"object": "synthetic"})


def test_slicing_and_aggregation_on_a_synthetic_map():
    m = synthetic_3d()
    v = m.view(["azimuth", "elevation"], at={"distance": 3.0})
    np.testing.assert_array_equal(v.values, m.values[:, :, 1])
    assert "distance=3" in v.description
    v = m.view(["elevation", "azimuth"], aggregate="mean")
    np.testing.assert_allclose(v.values, m.values.mean(axis=2).T)
    assert [a.name for a in v.axes] == ["elevation", "azimuth"]
    np.testing.assert_allclose(m.view(["distance"], aggregate="min").values, m.values.min(axis=(0, 1)))
    np.testing.assert_allclose(m.view(["azimuth"], aggregate="max").values, m.values.max(axis=(1, 2)))
    np.testing.assert_array_equal(m.view(["azimuth"], at={"elevation": 60, "distance": 2}).values, m.values[:, 2, 0])


def test_save_and_load_round_trip(tmp_path):
    m = synthetic_3d()
    path = m.save(tmp_path / "m.npz")
    back = SemanticMap.load(path)
    np.testing.assert_array_equal(back.values, m.values)
    assert back.axes == m.axes and back.fixed == m.fixed and back.provenance == m.provenance
    assert back.axes[0].axis.unit == "°"


def test_corrupt_and_foreign_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(MapFileError, match="corrupt"):
        SemanticMap.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))
    with pytest.raises(MapFileError, match="not a semviewer map"):
        SemanticMap.load(tmp_path / "foreign.npz")
    np.savez(tmp_path / "other.npz", values=np.zeros(3), manifest=np.array(json.dumps({"format": "x"})))
    with pytest.raises(MapFileError, match="format"):
        SemanticMap.load(tmp_path / "other.npz")
    with pytest.raises(MapFileError, match="does not exist"):
        SemanticMap.load(tmp_path / "missing.npz")


def test_build_fills_in_chunks_and_matches_f():
    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    sink = ListSink()
    m = build_map(analytic, axes, {}, {}, sink, chunk_size=7)
    assert m.complete and m.shape == (12, 5)
    np.testing.assert_allclose(m.values.reshape(-1), analytic(m.points()), rtol=1e-6)
    assert sink.fractions[-1] == 1.0 and sink.partials[-1].complete
    filled = [p.filled_fraction for p in sink.partials]
    assert filled == sorted(filled)


def test_cancel_stops_between_chunks_and_leaves_a_consistent_partial_map():
    axes = (parse_grid_axis("azimuth=0:360:10"), parse_grid_axis("elevation=0:90:10"))
    f = CountingScore()
    m = build_map(f, axes, {}, {}, f.sink(3), chunk_size=10, order="rows")
    assert len(f.calls) == 3 and not m.complete
    assert m.filled.sum() == 30
    np.testing.assert_allclose(m.values.reshape(-1)[:30], analytic(m.points()[:30]), rtol=1e-6)
    assert np.isnan(m.values.reshape(-1)[30:]).all()
    f = CountingScore()                                                   # coarse to fine: the first 30 of that order
    m = build_map(f, axes, {}, {}, f.sink(3), chunk_size=10)
    first = coarse_to_fine(np.arange(m.values.size), m.shape)[:30]
    assert sorted(np.flatnonzero(m.filled.reshape(-1))) == sorted(first)
    np.testing.assert_allclose(m.values.reshape(-1)[first], analytic(m.points()[first]), rtol=1e-6)


def test_cache_hit_resume_and_key(tmp_path):
    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=0:90:30"))
    cache = MapCache(tmp_path)
    f = CountingScore()
    calls = f.calls
    prov = {"object": "x", "model": "y", "date": "today"}
    partial, cached = cached_build_map(f, axes, {}, prov, f.sink(2), cache, chunk_size=5)
    assert not cached and partial.filled.sum() == 10
    assert list(tmp_path.glob("*.partial.npz"))
    full, cached = cached_build_map(f, axes, {}, prov, ListSink(), cache, chunk_size=5)
    assert not cached and full.complete and sum(calls) == 36       # resumed: nothing computed twice
    assert not list(tmp_path.glob("*.partial.npz"))
    before = len(calls)
    again, cached = cached_build_map(f, axes, {}, {**prov, "date": "tomorrow"}, ListSink(), cache)
    assert cached and len(calls) == before                         # no evaluation at all
    np.testing.assert_array_equal(again.values, full.values)
    forced, cached = cached_build_map(f, axes, {}, prov, ListSink(), cache, force=True)
    assert not cached and len(calls) > before
    assert map_key(prov, axes, {}) != map_key({**prov, "model": "z"}, axes, {})
    (tmp_path / f"{map_key(prov, axes, {})}.npz").write_bytes(b"damaged")
    assert cache.get(map_key(prov, axes, {})) is None               # damaged entries are dropped


def test_map_score_interpolates_and_wraps_azimuth():
    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    m = build_map(analytic, axes, {}, {})
    score = MapScore(m)
    grid_points = m.points()
    np.testing.assert_allclose(score(grid_points), m.values.reshape(-1), atol=1e-6)
    mid = score(np.array([[15.0, -10.0]]))[0]
    assert mid == pytest.approx((m.values[0, 0] + m.values[1, 0]) / 2, abs=1e-6)
    wrap = score(np.array([[345.0, -10.0]]))[0]
    assert wrap == pytest.approx((m.values[-1, 0] + m.values[0, 0]) / 2, abs=1e-6)
    assert score(np.array([[0.0, 90.0]]))[0] == pytest.approx(m.values[0, -1], abs=1e-6)  # clamped at the edge


def test_csv_long_format():
    m = synthetic_3d()
    lines = m.to_csv().splitlines()
    assert lines[0] == "azimuth,elevation,distance,score,top1"
    assert len(lines) == 1 + 24


def test_the_domain_is_the_range_asked_for():

    paper = empty_map((parse_grid_axis("azimuth=0:360:3"), parse_grid_axis("elevation=-10:90:3")), {}, {})
    assert paper.axis("elevation").points[-1] == 89.0
    np.testing.assert_allclose(paper.domain(), [[0, 360], [-10, 90]])   # not [-10, 89]
    half = empty_map((parse_grid_axis("azimuth=0:180:10"),), {}, {})
    np.testing.assert_allclose(half.domain(), [[0, 180]])                  # no extra step past a half turn
    # maps written before ranges were recorded: grid span, a full turn extends to the wrap point
    old_full = GridAxis(get_axis("azimuth"), np.arange(0, 360, 30.0))
    old_half = GridAxis(get_axis("azimuth"), np.arange(0, 180, 30.0))
    assert old_full.extent() == (0.0, 360.0) and old_half.extent() == (0.0, 150.0)
    round_trip = GridAxis.from_json(parse_grid_axis("elevation=-10:90:3").to_json())
    assert round_trip.upper == 90.0 and round_trip == parse_grid_axis("elevation=-10:90:3")
