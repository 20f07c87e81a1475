"""Scene settings through the pipeline, the CLI, sessions and studies: categorical maps, keys that
follow the images, the default map unchanged, bad input in one line."""

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from semviewer.cli import main
from semviewer.core.maps import SemanticMap, named_grid
from semviewer.core.scene import get_object
from semviewer.core.scene.backgrounds import bundled_backgrounds, image_background
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.pipeline import Scorer, compute_map, make_scene, map_key_for
from semviewer.pipeline.scene import categorical_grid

REFERENCE_MAP = Path(__file__).resolve().parents[1] / "data" / "default_scene_map.npz"


@pytest.fixture(scope="module")
def onnx_classifier():
    from semviewer.core.inference import load_classifier

    return load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")


def test_the_default_map_is_what_it_was_before_scenes(onnx_classifier):
    teapot = get_object("teapot")
    scene = make_scene(teapot.load(), teapot.classes, base=teapot.default_pose)
    with Scorer(scene, onnx_classifier, ["azimuth", "elevation"], 8) as scorer:
        semantic_map, _ = compute_map(scorer, named_grid(["azimuth", "elevation"], "coarse"))
    reference = np.load(REFERENCE_MAP)
    np.testing.assert_allclose(semantic_map.values, reference["values"], atol=1e-6)
    np.testing.assert_array_equal(semantic_map.top1, reference["top1"])


def test_a_map_over_backgrounds_labels_its_cells_by_name(tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["map", "--object", "mug", "--axes", "azimuth=0:360:90", "background=black,brick,sky",
                 "--out", str(out), "--csv", str(tmp_path / "m.csv"), "--figure", str(tmp_path / "m.png")]) == 0
    semantic_map = SemanticMap.load(out)
    assert semantic_map.shape == (4, 3) and semantic_map.axis("background").labels == ("black", "brick", "sky")
    assert [b["name"] for b in semantic_map.provenance["render_settings"]["backgrounds"]] == ["black", "brick", "sky"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "m.csv").read_text())))
    assert [r["background"] for r in rows[:3]] == ["black", "brick", "sky"]
    assert not np.allclose(semantic_map.values[:, 0], semantic_map.values[:, 1])     # the background matters
    assert main(["regions", "--map", str(out), "--start", "90,1", "--out", str(tmp_path / "r.json")]) == 2
    assert "background is categorical" in capsys.readouterr().err


def test_changing_an_image_changes_the_key(tmp_path, classifier):
    path = tmp_path / "wall.png"
    Image.new("RGB", (64, 48), "red").save(path)
    teapot = get_object("teapot")
    mesh = teapot.load()
    grid = named_grid(["azimuth", "elevation"], "coarse")

    def key():
        return map_key_for(make_scene(mesh, teapot.classes, backgrounds=(image_background(path),)), classifier, grid)
    first = key()
    assert key() == first
    Image.new("RGB", (64, 48), "green").save(path)
    assert key() != first
    assert map_key_for(make_scene(mesh, teapot.classes), classifier, grid) != first


def test_categorical_grids_resolve_against_the_scene(tmp_path):
    mesh = get_object("soccer_ball").load()
    grid, backgrounds = categorical_grid((parse_grid_axis("material=textured,plain"),
                                          parse_grid_axis("background=grass,#ff0000")), mesh)
    assert grid[0].labels == ("plain", "textured") and list(grid[0].points) == [0, 1]
    assert [b.name for b in backgrounds] == ["grass", "#ff0000"] and grid[1].labels == ("grass", "#ff0000")
    with pytest.raises(Exception, match="has no material 'velvet'"):
        categorical_grid((parse_grid_axis("material=velvet"),), mesh)


@pytest.mark.parametrize("args, message", [
    (["--background", "no-such-place"], "unknown background 'no-such-place'"),
    (["--pose", "noise=7"], "noise=7 is outside its domain"),
    (["--material", "velvet"], "has no material 'velvet'"),
    (["--object-colour", "sort of blue"], "unknown colour"),
])
def test_bad_scene_input_is_one_line_and_exit_code_2(tmp_path, capsys, args, message):
    assert main(["render", "--object", "teapot", "--out", str(tmp_path / "r.png"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and not (tmp_path / "r.png").exists()


def test_render_with_a_scene(tmp_path):
    assert main(["render", "--object", "teapot", "--background", "sky", "--out", str(tmp_path / "r.png"),
                 "--pose", "azimuth=30,elevation=10,blur=1,shift_x=0.1", "--object-colour", "#ffcc00"]) == 0
    image = np.asarray(Image.open(tmp_path / "r.png"))
    assert image[:20].mean() > 100                                        # the sky at the top


def test_a_session_keeps_its_scene(tmp_path):
    from semviewer.core.session import Document, Session, from_session, to_session

    doc = Document()
    doc.open_object("teapot")
    b = bundled_backgrounds()
    Image.new("RGB", (80, 40), "blue").save(tmp_path / "pano.png")
    pano = image_background(tmp_path / "pano.png", panorama=True)
    doc.set_render_settings(replace(doc.scene.render_settings, backgrounds=(b["black"], b["sky"], pano),
                                    object_color=(1.0, 0.5, 0.0)))
    doc.scene.set_pose(doc.scene.pose.replace(background=2, noise=1.5, ambient=0.3, material=1))
    to_session(doc).save(tmp_path / "s.json")
    again = from_session(Session.load(tmp_path / "s.json"), tmp_path)
    assert again.scene.render_settings == doc.scene.render_settings
    assert again.scene.pose == doc.scene.pose
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["backgrounds"][1] == {"bundled": "sky"} and data["backgrounds"][2]["file"] == str(tmp_path / "pano.png")


def test_a_study_across_backgrounds(tmp_path):
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "scenes"\nmodels = ["efficientnet-lite0"]\nmethods = ["naive"]\n'
        'backgrounds = ["black", "brick"]\n[grid]\nazimuth = "0:360:90"\nelevation = "0:60:30"\n'
        '[solver]\nsteps = 20\nstarts = [[90, 30]]\n[[objects]]\nname = "teapot"\n')
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--no-figures"]) == 0
    report = list(csv.DictReader((tmp_path / "out" / "report.csv").open()))
    assert [r["variant"] for r in report] == ["black", "brick"]
    table = (tmp_path / "out" / "table.md").read_text()
    assert "## black" in table and "## brick" in table
    from semviewer.studies.folder import read_study

    units = read_study(tmp_path / "out")
    assert [u.name for u in units] == ["teapot × efficientnet-lite0 × black", "teapot × efficientnet-lite0 × brick"]
    from semviewer.core.session.study_unit import from_study_unit

    doc = from_study_unit(units[1], tmp_path / "out")
    assert doc.scene.render_settings.background_names == ("brick",)
    (tmp_path / "study.toml").write_text((tmp_path / "study.toml").read_text().replace('"brick"', '"nowhere.png"'))
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out2")]) == 2
