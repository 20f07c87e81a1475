"""`semviewer regions` end to end: on a map and live, checked from the inside."""

import json

import numpy as np

import pytest
from PIL import Image

from semviewer.cli import main


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_regions_on_a_cached_map_and_live(tmp_path):
    m = tmp_path / "m.npz"
    assert main(["map", "--axes", "azimuth=0:360:30", "elevation=-10:90:20", "--out", str(m)]) == 0
    out, fig = tmp_path / "r.json", tmp_path / "r.png"
    assert main(["regions", "--map", str(m), "--method", "naive", "oir_b", "--start", "130,30", "--start", "50,20",
                 "--out", str(out), "--figure", str(fig)]) == 0
    data = json.loads(out.read_text())
    assert len(data["regions"]) == 4 and data["axes"] == ["azimuth", "elevation"]
    assert "SRVR" in data["srvr_convention"]
    for r in data["regions"]:
        assert r["lower"][0] <= r["start"][0] <= r["upper"][0]
        assert 0 <= r["volume_ratio"] <= 1
    assert Image.open(fig).size[0] > 400
    live = tmp_path / "live.json"
    assert main(["regions", "--axes", "azimuth=0:360", "--fix", "elevation=40", "--start", "180",
                 "--method", "oir_b", "--steps", "5", "--batch-size", "4", "--out", str(live)]) == 0
    data = json.loads(live.read_text())
    assert data["source"]["kind"] == "live" and data["regions"][0]["evaluations"] == 5 * 4
    assert data["source"]["forward_passes"] == 5     # one forward pass per step when the batch holds a step

def test_regions_bad_input(tmp_path, capsys):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    assert main(["regions", "--map", str(junk), "--out", str(tmp_path / "r.json")]) == 2
    assert "corrupt" in capsys.readouterr().err
    assert main(["regions", "--axes", "azimuth=0:360", "--start", "400", "--out", str(tmp_path / "r.json")]) == 2
    assert main(["regions", "--method", "oir_w", "--beta", "1.5", "--out", str(tmp_path / "r.json")]) == 2
    assert "beta" in capsys.readouterr().err

def test_regions_are_checked_from_the_inside(tmp_path, capsys):
    m = tmp_path / "m.npz"
    assert main(["map", "--axes", "azimuth=0:360:30", "elevation=-10:90:20", "--out", str(m)]) == 0
    out, fig = tmp_path / "r.json", tmp_path / "r.svg"
    assert main(["regions", "--map", str(m), "--method", "oir_b", "--start", "130,30", "--out", str(out),
                 "--figure", str(fig)]) == 0
    region = json.loads(out.read_text())["regions"][0]
    assert region["inside"]["source"] == "map" and region["inside"]["points"] >= 1
    assert 0 <= region["inside"]["min_p"] <= region["inside"]["mean_p"] <= 1
    assert "inside (" in capsys.readouterr().out
    live = tmp_path / "live.json"
    assert main(["regions", "--axes", "azimuth=0:360", "--start", "180", "--method", "oir_b", "--steps", "3",
                 "--inside-points", "4", "--out", str(live)]) == 0
    inside = json.loads(live.read_text())["regions"][0]["inside"]
    assert inside["source"] == "lattice" and inside["points"] == 4

def test_regions_on_an_nd_map_slice_at_fix(tmp_path):
    m = tmp_path / "nd.npz"
    assert main(["map", "--axes", "azimuth=0:360:90", "elevation=0:90:45", "distance=2:4:1", "--out", str(m)]) == 0
    out = tmp_path / "r.json"
    assert main(["regions", "--map", str(m), "--axes", "azimuth=0:360", "--start", "100", "--method", "oir_b",
                 "--steps", "5", "--fix", "elevation=45", "distance=3", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["source"]["sliced_at"] == {"elevation": 45.0, "distance": 3.0}
    assert main(["regions", "--map", str(m), "--axes", "azimuth=0:360", "--start", "100", "--steps", "5",
                 "--fix", "tilt=3", "--out", str(out)]) == 2

def test_paper_1d_starts_run_at_elevation_35(tmp_path):
    out = tmp_path / "r1.json"
    assert main(["regions", "--axes", "azimuth=0:360", "--method", "oir_b", "--steps", "1", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [r["start"] for r in data["regions"]] == [[120.0], [140.0], [290.0], [310.0]]
    assert data["provenance"]["fixed"]["elevation"] == 35.0                 # not the teapot's 40°
    assert main(["regions", "--axes", "azimuth=0:360", "--method", "oir_b", "--steps", "1", "--fix", "elevation=20",
                 "--out", str(out)]) == 0
    assert json.loads(out.read_text())["provenance"]["fixed"]["elevation"] == 20.0


def test_wrap_lets_a_region_on_a_map_cross_the_seam(tmp_path):
    from semviewer.core.maps.build import build_map
    from semviewer.core.scene.grid import parse_grid_axis

    def band(p):                            # high on azimuth 300°…60° (across 0°), at any elevation
        near = np.minimum(np.mod(p[:, 0], 360.0), 360.0 - np.mod(p[:, 0], 360.0))
        return 1.0 / (1.0 + np.exp((near - 60.0) / 3.0))

    axes = (parse_grid_axis("azimuth=0:360:5"), parse_grid_axis("elevation=-10:90:10"))
    build_map(band, axes, {}, {"model": "synthetic"}).save(tmp_path / "band.npz")
    runs = {}
    for wrap in ([], ["--wrap"]):
        out = tmp_path / f"r{len(wrap)}.json"
        assert main(["regions", "--map", str(tmp_path / "band.npz"), "--start", "10,40", "--method", "oir_b",
                     "--eps", "1", "--max-step", "0.005", "--steps", "1500", *wrap, "--out", str(out),
                     "--figure", str(tmp_path / f"r{len(wrap)}.png")]) == 0
        runs[bool(wrap)] = json.loads(out.read_text())
    clipped, crossing = runs[False]["regions"][0], runs[True]["regions"][0]
    assert clipped["lower"][0] == 0.0 and "wrap" not in clipped and runs[True]["config"]["oir_b"]["wrap"] is True
    assert crossing["lower"][0] < -40.0 and crossing["wrap"] == [True, False]
    assert crossing["volume_ratio"] > 1.6 * clipped["volume_ratio"]
    width = crossing["upper"][0] - crossing["lower"][0]
    assert abs(crossing["inside"]["points"] - width / 5 * 10) <= 20       # the map cells on both sides count
    assert crossing["inside"]["top1_fraction"] == pytest.approx(120 / width, abs=0.06)
