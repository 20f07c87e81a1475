"""`semviewer map` end to end on small grids."""

import csv
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
    (["--axes", "azimuth=0:360:45", "--batch-size", "100000"], "batch size must be a whole number from 1 to"),
    (["--axes", "azimuth=0:360:inf"], "step must be positive and finite"),
    (["--axes", "azimuth=0:360:1e-300"], "use a larger step"),
])
def test_map_bad_input(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--out" not in argv and "--figure" not in argv:
        argv += ["--out", str(tmp_path / "m.npz")]
    assert main(["map", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and "Traceback" not in "\n".join(err)
    assert not (tmp_path / "m.npz").exists()


def test_an_nd_map_with_an_aggregated_figure(tmp_path):
    out, fig = tmp_path / "nd.npz", tmp_path / "nd.png"
    assert main(["map", "--axes", "azimuth=0:360:90", "elevation=0:60:30", "distance=2:4:1",
                 "--show", "azimuth,elevation", "--aggregate", "min", "--out", str(out), "--figure", str(fig)]) == 0
    m = SemanticMap.load(out)
    assert m.shape == (4, 2, 2) and m.complete
    np.testing.assert_allclose(m.view(["azimuth", "elevation"], aggregate="min").values, m.values.min(axis=2))
    assert Image.open(fig).size[0] > 400
