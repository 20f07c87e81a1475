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


def _synthetic_map(labels=("black", "brick", "sky")) -> SemanticMap:
    from semviewer.core.scene.axes import AXES
    from semviewer.core.scene.grid import GridAxis

    grid = (GridAxis.regular(AXES["azimuth"], 0.0, 30.0, 12, 360.0),
            GridAxis.regular(AXES["elevation"], -10.0, 20.0, 5, 90.0),
            GridAxis.categories(AXES["background"], list(labels)))
    values = np.linspace(0, 1, 12 * 5 * len(labels)).reshape(12, 5, len(labels))
    return SemanticMap(values, grid, provenance={"object": "teapot", "model": "m", "classes": {"names": ["teapot"]}})


def test_a_hidden_categorical_axis_gives_one_panel_a_value_titled_with_it():
    from semviewer.core.figures import category_panels, map_figure

    semantic_map = _synthetic_map()
    panels = category_panels(semantic_map, ["azimuth", "elevation"])
    assert [p.at for p in panels] == [{"background": 0.0}, {"background": 1.0}, {"background": 2.0}]
    fig = map_figure(panels, show=["azimuth", "elevation"], columns=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 3
    for title, name in zip(titles, ("black", "brick", "sky")):
        assert f"background={name}" in title and title.count(name) == 1
    # each panel shows its own slice of the map
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert np.allclose(images[1].T, semantic_map.values[:, :, 1])
    assert len(category_panels(semantic_map, ["azimuth", "background"])) == 1


def test_failures_are_marked_on_the_map_where_they_lie_on_the_shown_axes():
    from semviewer.core.failures import Failure
    from semviewer.core.figures import Panel, map_figure

    semantic_map = _synthetic_map()
    on = Failure({"azimuth": 120.0, "elevation": 30.0}, 0.01, 3, "lamp", 0.6, 10)
    elsewhere = Failure({"azimuth": 90.0, "distance": 3.0}, 0.02, 3, "lamp", 0.5, 20)
    fig = map_figure([Panel(semantic_map, failures=[on, elsewhere], at={"background": 0.0})])
    markers = [line for line in fig.axes[0].lines if line.get_label() == "failure"]
    assert len(markers) == 1
    assert markers[0].get_xdata().tolist() == [120.0] and markers[0].get_ydata().tolist() == [30.0]
    assert "failure" in fig.axes[0].get_legend_handles_labels()[1]
