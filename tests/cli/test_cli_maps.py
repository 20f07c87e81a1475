"""`semviewer map`, `regions` and `evaluate` end to end on small grids."""

import csv
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from semviewer.cli import main
from semviewer.core.maps.semantic_map import SemanticMap


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_map_writes_npz_figure_and_csv(tmp_path, capsys):
    out, fig, table = tmp_path / "t.npz", tmp_path / "t.svg", tmp_path / "t.csv"
    argv = ["map", "--object", "teapot", "--axes", "azimuth=0:360:45", "elevation=0:90:45",
            "--fix", "distance=3", "--out", str(out), "--figure", str(fig), "--csv", str(table)]
    assert main(argv) == 0
    m = SemanticMap.load(out)
    assert m.shape == (8, 2) and m.complete and m.fixed["distance"] == 3.0
    assert m.provenance["model"] == "efficientnet-lite0" and m.provenance["classes"]["names"] == ["teapot"]
    root = ET.parse(fig).getroot()
    assert root.tag.endswith("svg")
    assert "azimuth" in fig.read_text() and "teapot" in fig.read_text()
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 16 and set(rows[0]) == {"azimuth", "elevation", "score", "top1"}
    assert float(rows[0]["score"]) == pytest.approx(float(m.values[0, 0]), abs=1e-5)
    # the second run reads the cache
    assert main(argv) == 0
    assert "read from the cache" in capsys.readouterr().err


def test_map_compare_png(tmp_path):
    fig = tmp_path / "cmp.png"
    assert main(["map", "--object", "mug", "--axes", "azimuth=0:360:90", "--fix", "elevation=20",
                 "--compare", "efficientnet-lite0", "efficientnet-lite2", "--figure", str(fig),
                 "--out", str(tmp_path / "cmp.npz")]) == 0
    assert Image.open(fig).size[0] > 1.8 * Image.open(fig).size[1]       # two panels side by side
    assert (tmp_path / "cmp.efficientnet-lite2.npz").exists()


@pytest.mark.parametrize("argv, message", [
    (["--axes", "azimuth=10:10:1"], "empty or reversed"),
    (["--axes", "elevation=-100:0:5"], "domain"),
    (["--axes", "azimuth=0:360:0"], "step must be positive"),
    (["--axes", "azimuth=0:360:10", "azimuth=0:90:10"], "twice"),
    (["--axes", "azimuth=0:360:10", "--fix", "azimuth=3"], "twice"),
    (["--axes", "azimuth=0:360:0.001", "elevation=-90:90:0.01"], "exhaust memory"),
    (["--axes", "azimuth=0:360:0.1", "elevation=-90:90:0.1"], "--yes"),
    (["--axes", "azimuth=0:360:90", "--out", "/nonexistent/m.npz"], "does not exist"),
    (["--axes", "azimuth=0:360:90", "--figure", "{tmp}/m.gif"], "use .png, .svg or .pdf"),
])
def test_map_bad_input(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--out" not in argv and "--figure" not in argv:
        argv += ["--out", str(tmp_path / "m.npz")]
    assert main(["map", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and "Traceback" not in "\n".join(err)
    assert not (tmp_path / "m.npz").exists()


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


def test_evaluate_writes_the_srvr_table(tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert main(["evaluate", "--objects", "teapot", "--models", "efficientnet-lite0", "--grid", "coarse",
                 "--methods", "naive", "oir_b", "--steps", "100", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["model"] == "efficientnet-lite0"
    for key in ("srvr_naive", "srvr_oir_b", "srvr_average", "mean_score", "map_top1_share"):
        assert 0.0 <= float(rows[0][key]) <= 1.0
    assert float(rows[0]["srvr_average"]) == pytest.approx(
        (float(rows[0]["srvr_naive"]) + float(rows[0]["srvr_oir_b"])) / 2, abs=1e-6)
    full = json.loads((tmp_path / "table.json").read_text())
    assert full["config"]["oir_b"]["steps"] == 100 and len(full["regions"]) == 8
    assert "SRVR" in capsys.readouterr().out
    for method in ("naive", "oir_b", "average"):                        # verified SRVR ≤ SRVR
        assert 0.0 <= float(rows[0][f"verified_srvr_{method}"]) <= float(rows[0][f"srvr_{method}"]) + 1e-9
    assert all(r["inside"]["source"] == "map" for r in full["regions"])
    expected = np.mean([r["volume_ratio"] * r["inside"]["top1_fraction"] for r in full["regions"]
                        if r["method"] == "oir_b"])
    assert float(rows[0]["verified_srvr_oir_b"]) == pytest.approx(expected, abs=1e-6)
    assert "verified SRVR" in full["verified_srvr_convention"]


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


def test_doubtful_regions_are_dashed_in_figures(tmp_path):
    from semviewer.core.figures import Panel, map_figure
    from semviewer.core.regions.region import InsideCheck, Region
    from semviewer.core.maps.semantic_map import SemanticMap

    m = tmp_path / "m.npz"
    assert main(["map", "--axes", "azimuth=0:360:30", "elevation=-10:90:20", "--out", str(m)]) == 0
    semantic_map = SemanticMap.load(m)
    base = dict(method="oir_b", start=np.array([100.0, 30.0]), lower=np.array([50.0, 0.0]),
                upper=np.array([150.0, 60.0]), domain=semantic_map.domain(), history=np.zeros((0, 2, 2)),
                evaluations=0, steps=0, stop_reason="steps")
    good = Region(**base, inside=InsideCheck(0.8, 0.5, 0.9, 9, "map"))
    bad = Region(**base, inside=InsideCheck(0.2, 0.0, 0.3, 9, "map"))
    fig = map_figure([Panel(semantic_map, [good, bad])])
    patches = fig.axes[0].patches
    assert [p.get_linestyle() for p in patches] == ["-", "--"]
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("dashed: top-1 on < half" in label for label in labels)


def test_an_nd_map_with_an_aggregated_figure(tmp_path):
    out, fig = tmp_path / "nd.npz", tmp_path / "nd.png"
    assert main(["map", "--axes", "azimuth=0:360:90", "elevation=0:60:30", "distance=2:4:1",
                 "--show", "azimuth,elevation", "--aggregate", "min", "--out", str(out), "--figure", str(fig)]) == 0
    m = SemanticMap.load(out)
    assert m.shape == (4, 2, 2) and m.complete
    np.testing.assert_allclose(m.view(["azimuth", "elevation"], aggregate="min").values, m.values.min(axis=2))
    assert Image.open(fig).size[0] > 400


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


def test_evaluate_takes_mesh_files_and_resumes(tmp_path, box_mesh_file, capsys):
    out = tmp_path / "t.csv"
    argv = ["evaluate", "--objects", "teapot", str(box_mesh_file), "--classes", "carton", "--models",
            "efficientnet-lite0", "--grid", "coarse", "--methods", "oir_b", "--steps", "20", "--out", str(out)]
    assert main(argv) == 0
    full = json.loads((tmp_path / "t.json").read_text())
    assert full["objects"] == ["teapot", "ell"] and len(full["regions"]) == 2 * 4
    assert len(list((tmp_path / "t.study" / "units").glob("*.json"))) == 2
    first = out.read_text()
    capsys.readouterr()
    assert main(argv) == 0 and out.read_text() == first
    assert "0 units computed" not in capsys.readouterr().out                # evaluate prints its own table
    assert main(["evaluate", "--objects", str(box_mesh_file), "--grid", "coarse", "--out", str(out)]) == 2
