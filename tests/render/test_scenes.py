"""Scenes: backgrounds (colours, images, panoramas), materials, light strength, placement and
corruptions as axes; the default scene is the paper's, bit for bit."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from semviewer.core.errors import SemviewerError
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.backgrounds import (Background, BackgroundError, bundled_backgrounds, image_background,
                                              parse_colour, resolve_background)
from semviewer.core.scene.corruptions import CORRUPTIONS, corrupt
from semviewer.core.scene.objects import get_object
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.render import Renderer

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "default_scene_renders.npz"


def _reference_poses(reference) -> list[Pose]:
    names = ["azimuth", "elevation", "distance", "roll", "light_azimuth", "light_elevation", "fov"]
    return [Pose(dict(zip(names, row))) for row in reference["poses"][:, :7]]


def test_the_default_scene_renders_as_before_scenes_had_settings():
    """Renders made by semviewer before it had scene settings (tests/data), made again now."""
    reference = np.load(REFERENCE)
    poses = _reference_poses(reference)
    for name in ("teapot", "mug", "soccer_ball"):
        with Renderer(get_object(name).load()) as r:
            np.testing.assert_array_equal(r.render(poses), reference[f"{name}_plain"], err_msg=name)
    with Renderer(get_object("soccer_ball").load()) as r:
        np.testing.assert_array_equal(r.render([p.replace(material=1) for p in poses]),
                                      reference["soccer_ball_textured"])


@pytest.fixture(scope="module")
def scene_renderer(teapot_mesh):
    b = bundled_backgrounds()
    settings = RenderSettings(backgrounds=(b["black"], b["brick"], b["sky"], Background("red", "colour", (1, 0, 0))))
    with Renderer(teapot_mesh, settings) as r:
        yield r


def _object_mask(renderer, pose: Pose) -> np.ndarray:
    """Where the object is: its pixels on a black background differ from black."""
    return renderer.render([pose.replace(background=0)])[0].max(axis=2) > 0


def test_a_background_is_drawn_where_the_object_is_not_and_nowhere_else(scene_renderer):
    pose = Pose({"azimuth": 30, "elevation": 20})
    mask = _object_mask(scene_renderer, pose)
    plain, brick, red = scene_renderer.render([pose, pose.replace(background=1), pose.replace(background=3)])
    assert (red[~mask] == [255, 0, 0]).all()                               # the colour where the object is not
    inner = mask & np.roll(mask, 2, 0) & np.roll(mask, -2, 0) & np.roll(mask, 2, 1) & np.roll(mask, -2, 1)
    np.testing.assert_array_equal(brick[inner], plain[inner])              # and none where it is
    assert brick[~mask].std() > 20 and not (brick[~mask] == 0).all()       # the brick image behind it


def test_a_panorama_turns_with_the_camera_a_flat_image_does_not(scene_renderer):
    poses = [Pose({"azimuth": a, "elevation": 10, "distance": 6.0, "scale": 0.1}) for a in (0, 90)]
    sky = scene_renderer.render([p.replace(background=2) for p in poses])
    brick = scene_renderer.render([p.replace(background=1) for p in poses])
    corner = (slice(184, 224), slice(0, 40))               # the ground behind the (small) object: grass
    assert np.abs(sky[0][corner].astype(int) - sky[1][corner]).mean() > 5
    np.testing.assert_array_equal(brick[0][corner], brick[1][corner])
    turned = scene_renderer.render([poses[0].replace(background=2, background_rotation=90)])[0]
    np.testing.assert_array_equal(turned[corner], sky[1][corner])          # rotating it = turning the camera back


def test_light_strength_placement_and_scale_change_the_render(scene_renderer):
    pose = Pose({"azimuth": 30, "elevation": 20})
    base, dim, right, small = scene_renderer.render([pose, pose.replace(ambient=0.1, light_intensity=0.2),
                                                     pose.replace(shift_x=0.3), pose.replace(scale=0.5)])
    assert dim.sum() < 0.5 * base.sum()
    columns = lambda im: np.nonzero(im.max(axis=(0, 2)))[0]  # noqa: E731
    assert columns(right).mean() > columns(base).mean() + 50               # 0.3 of the frame: ~67 pixels right
    assert (small.max(axis=2) > 0).sum() < 0.35 * (base.max(axis=2) > 0).sum()


def test_every_corruption_at_severity_zero_is_the_identity_and_others_change(scene_renderer):
    pose = Pose({"azimuth": 30, "elevation": 20, "background": 1})
    clean = scene_renderer.render([pose])[0]
    poses = np.stack([pose.as_array()] * len(CORRUPTIONS))
    assert corrupt(clean[None].repeat(len(CORRUPTIONS), 0), poses) is not None
    for name in CORRUPTIONS:
        assert np.array_equal(scene_renderer.render([pose.replace(**{name: 0.0})])[0], clean)
        assert not np.array_equal(scene_renderer.render([pose.replace(**{name: 2.0})])[0], clean), name


def test_noise_is_seeded_by_the_pose(scene_renderer):
    pose = Pose({"azimuth": 30, "elevation": 20, "noise": 3})
    first, again, other = scene_renderer.render([pose, pose, pose.replace(azimuth=31)])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[:20, :20], other[:20, :20])


def test_a_missing_category_is_one_line(scene_renderer):
    with pytest.raises(Exception, match="background 7 does not exist here"):
        scene_renderer.render([Pose({"background": 7})])


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.png", "does not exist"),
    (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "not a PNG or JPEG"),
    (lambda d: (d / "fake.png").write_bytes(b"not an image") and d / "fake.png", "not a readable image"),
    (lambda d: d, "holds no PNG or JPEG image"),
])
def test_bad_background_files_are_one_line(tmp_path, make, message):
    with pytest.raises(BackgroundError, match=message) as err:
        resolve_background(str(make(tmp_path)))
    assert "\n" not in str(err.value)


def test_an_animated_or_a_non_panorama_image_is_refused(tmp_path):
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    frames[0].save(tmp_path / "moving.png", save_all=True, append_images=frames[1:])
    with pytest.raises(BackgroundError, match="is animated"):
        image_background(tmp_path / "moving.png")
    Image.new("RGB", (64, 64)).save(tmp_path / "square.png")
    with pytest.raises(BackgroundError, match="not 2:1"):
        resolve_background(f"panorama:{tmp_path / 'square.png'}")


def test_colours_and_unknown_names():
    assert parse_colour("#ff8000") == (1.0, 128 / 255, 0.0) and parse_colour("0,128,255")[2] == 1.0
    with pytest.raises(SemviewerError, match="unknown background 'no-such-thing'"):
        resolve_background("no-such-thing")
    assert len(bundled_backgrounds()) >= 6 + 1 and bundled_backgrounds()["sky"].kind == "panorama"


def test_a_folder_gives_one_background_an_image(tmp_path):
    for name, colour in (("a", "red"), ("b", "blue")):
        Image.new("RGB", (40, 30), colour).save(tmp_path / f"{name}.jpg")
    found = resolve_background(str(tmp_path))
    assert [b.name for b in found] == ["a", "b"] and all(b.kind == "image" and len(b.sha256) == 64 for b in found)
