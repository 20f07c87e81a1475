"""Figures of maps and regions."""


import numpy as np
import pytest

from semviewer.cli import main
from semviewer.core.maps.semantic_map import SemanticMap


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_doubtful_regions_are_dashed_in_figures(tmp_path):
    from semviewer.core.figures import Panel, map_figure
    from semviewer.core.regions.region import InsideCheck, Region

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
