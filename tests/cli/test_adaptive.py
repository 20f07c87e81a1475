"""Adaptive maps from the command line and in studies: the cache's rules, figures, bad input."""

import json

import numpy as np
import pytest

from semviewer.cli import main
from semviewer.core.maps.semantic_map import SemanticMap

AXES = ["--axes", "azimuth=0:360:15", "elevation=-10:90:10"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_an_adaptive_map_is_kept_apart_from_the_exact_one(tmp_path, capsys):
    assert main(["map", *AXES, "--adaptive", "0.05", "--out", str(tmp_path / "a.npz"),
                 "--figure", str(tmp_path / "a.png"), "--mark-interpolated"]) == 0
    adaptive = SemanticMap.load(tmp_path / "a.npz")
    assert adaptive.adaptive == 0.05 and 0 < adaptive.computed_fraction < 1
    assert "of the poses computed, the rest interpolated" in capsys.readouterr().out
    assert (tmp_path / "a.png").stat().st_size > 10_000
    # an exact request is never served the adaptive map: it computes
    assert main(["map", *AXES, "--out", str(tmp_path / "e.npz")]) == 0
    err = capsys.readouterr().err
    assert "read from the cache" not in err
    exact = SemanticMap.load(tmp_path / "e.npz")
    assert exact.adaptive is None and exact.computed is None
    computed = adaptive.computed
    assert np.allclose(adaptive.values[computed], exact.values[computed], atol=1e-6)
    # ... and the exact map serves an adaptive request (with another tolerance too)
    assert main(["map", *AXES, "--adaptive", "0.2", "--out", str(tmp_path / "b.npz")]) == 0
    assert "the exact map serves the adaptive request" in capsys.readouterr().err
    assert SemanticMap.load(tmp_path / "b.npz").adaptive is None


@pytest.mark.parametrize("args, message", [
    (["--adaptive", "0"], "tolerance"),
    (["--adaptive", "1.5"], "tolerance"),
    (["--adaptive", "nan"], "tolerance"),
    (["--adaptive", "0.05", "--axes", "azimuth=0:360:90", "elevation=0:90:45"], "at least 5"),
    (["--adaptive", "0.05", "--axes", "azimuth=0:360:30", "background=black,sky"], "categorical"),
])
def test_bad_adaptive_requests_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    argv = ["map", *AXES, "--out", str(tmp_path / "m.npz"), *args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()


def test_a_study_with_adaptive_maps_checks_its_regions_on_renders(tmp_path):
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "adaptive"\nmodels = ["efficientnet-lite0"]\nmethods = ["oir_b"]\nadaptive = 0.05\n'
        'inside_points = 3\n[grid]\npreset = "coarse"\n[solver]\nsteps = 20\nstarts = [[150, 30]]\n'
        '[[objects]]\nname = "teapot"\n')
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--no-figures"]) == 0
    record = json.loads(next((tmp_path / "out" / "units").glob("*.json")).read_text())
    assert 0 < record["stats"]["map_computed_share"] < 1
    assert record["regions"][0]["inside"]["source"] == "lattice" and record["regions"][0]["inside"]["points"] == 9
    assert SemanticMap.load(next((tmp_path / "out" / "units").glob("*.npz"))).adaptive == 0.05
    (tmp_path / "study.toml").write_text((tmp_path / "study.toml").read_text().replace("0.05", "2"))
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out2")]) == 2
