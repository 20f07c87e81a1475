import threading

import numpy as np
import pytest

from semviewer.core.scene.axes import AXIS_NAMES, Pose
from semviewer.core.scene.backgrounds import Background
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.render import Renderer
from semviewer.render.camera import eye_position, projection_matrix, view_matrix
from semviewer.render.renderer import RendererError


@pytest.fixture(scope="module")
def teapot_renderer(teapot_mesh):
    with Renderer(teapot_mesh) as r:
        yield r


def test_camera_matches_the_formula():
    for a, e, d in [(0, 0, 2.732), (130, 30, 3.0), (310, -10, 2.0)]:
        ar, er = np.radians(a), np.radians(e)
        expected = d * np.array([np.cos(er) * np.sin(ar), np.sin(er), -np.cos(er) * np.cos(ar)])
        np.testing.assert_allclose(eye_position(a, e, d), expected, atol=1e-12)
        view = view_matrix(a, e, d)
        # the eye maps to the camera origin and the world origin lies straight ahead at -d
        np.testing.assert_allclose(view @ np.append(expected, 1.0), [0, 0, 0, 1], atol=1e-9)
        np.testing.assert_allclose(view @ [0, 0, 0, 1.0], [0, 0, -d, 1], atol=1e-9)
        assert np.linalg.det(view[:3, :3]) == pytest.approx(1.0)
    # the paper's 30° viewing angle is the half-angle: a point at 30° above the axis lands on the edge
    p = projection_matrix(60.0, 1.0) @ [0, np.tan(np.radians(30)), -1.0, 1.0]
    assert p[1] / p[3] == pytest.approx(1.0)
    # world up stays up at elevation 0, and the camera stays defined straight overhead
    assert view_matrix(0, 0, 3)[1, :3] @ [0, 1, 0] == pytest.approx(1.0)
    assert np.isfinite(view_matrix(45, 90, 3)).all()


def test_renders_are_deterministic_non_empty_and_batched(teapot_renderer):
    poses = [Pose({"azimuth": a, "elevation": 20}) for a in range(0, 360, 15)]
    batch = teapot_renderer.render(poses)
    assert batch.shape == (24, 224, 224, 3) and batch.dtype == np.uint8
    singles = np.stack([teapot_renderer.render([p])[0] for p in poses])
    np.testing.assert_array_equal(batch, singles)     # a pose renders the same in any batch
    np.testing.assert_array_equal(batch, teapot_renderer.render(poses))
    assert all((im.max(axis=2) > 0).mean() > 0.05 for im in batch)    # the object covers the image
    assert batch[:, 0, 0].max() == 0                                   # black background
    tensor = teapot_renderer.render_tensor(poses[:2])
    assert tuple(tensor.shape) == (2, 224, 224, 3)


def test_paper_preset_shading(teapot_renderer):
    image = teapot_renderer.render([Pose({"elevation": 60})])[0]
    values = image[image.max(axis=2) > 0][:, 0]
    assert image.max() == 255                      # lit from +y: upward faces get 0.5 + 0.5
    assert np.percentile(values, 5) >= 126         # ambient floor 0.5 (darker only at antialiased edges)
    assert np.all(image[..., 0] == image[..., 1])  # white, untextured


def test_top_view_differs_from_side_view(teapot_renderer):
    side, top = teapot_renderer.render([Pose({"elevation": 0}), Pose({"elevation": 90})])
    assert np.abs(side.astype(int) - top.astype(int)).mean() > 10
    # the teapot is wider than tall: the side silhouette is wider than high
    rows, cols = np.nonzero(side.max(axis=2))
    assert np.ptp(cols) > np.ptp(rows)


def test_mirrored_azimuths_give_mirrored_images(teapot_renderer):
    # the teapot is symmetric under z -> -z, which maps azimuth a to 180 - a
    for a in (30.0, 60.0, 120.0):
        left, right = teapot_renderer.render([Pose({"azimuth": a, "elevation": 20}),
                                              Pose({"azimuth": 180 - a, "elevation": 20})])
        diff = np.abs(left.astype(int) - right[:, ::-1].astype(int))
        assert (diff > 40).mean() < 0.01
        assert np.abs(left.astype(int) - right.astype(int)).mean() > np.abs(diff).mean()


def test_settings_change_size_colours_and_light(teapot_mesh):
    settings = RenderSettings(width=96, height=64, backgrounds=(Background("blue", "colour", (0, 0, 1)),),
                              object_color=(1, 0, 0))
    light = {"ambient": 0.2, "light_intensity": 0.8}          # the light's strength is an axis of the pose
    with Renderer(teapot_mesh, settings) as r:
        image = r.render([Pose(light)])[0]
        assert image.shape == (64, 96, 3)
        assert tuple(image[0, 0]) == (0, 0, 255)
        obj = image[(image[..., 2] == 0)]
        assert obj[:, 0].max() > 200 and obj[:, 1].max() == 0
        lit_from_above = r.render([Pose(light)])[0]
        lit_from_below = r.render([Pose({**light, "light_elevation": -90})])[0]
        assert not np.array_equal(lit_from_above, lit_from_below)


def test_texture_is_used_when_asked(tmp_path):
    from semviewer.core.scene.objects import get_object

    ball = get_object("soccer_ball").load()
    blue = RenderSettings(backgrounds=(Background("blue", "colour", (0.0, 0.0, 1.0)),))
    with Renderer(ball, blue) as r:
        textured = r.render([Pose({"material": 1})])[0]          # the material axis: 1 is the mesh's own
        plain = r.render([Pose()])[0]
    dark = lambda im: ((im.max(axis=2) < 40) & (im[..., 2] < 200)).sum()  # noqa: E731
    assert dark(textured) > 2000 and dark(plain) < 100   # the ball's black patches


def test_roll_rotates_the_image(teapot_renderer):
    upright, rolled = teapot_renderer.render([Pose(), Pose({"roll": 90})])
    rows, cols = np.nonzero(rolled.max(axis=2))
    assert np.ptp(rows) > np.ptp(cols)  # the wide teapot now stands tall in the image


def test_wrong_thread_and_release(teapot_mesh):
    r = Renderer(teapot_mesh)
    errors = []
    t = threading.Thread(target=lambda: errors.append(_try(r)))
    t.start()
    t.join()
    assert "thread that created it" in errors[0]
    r.release()
    r.release()
    with pytest.raises(RendererError, match="released"):
        r.render([Pose()])


def _try(r):
    try:
        r.render([Pose()])
    except RendererError as exc:
        return str(exc)
    return ""


def test_pose_arrays_need_all_axes(teapot_renderer):
    with pytest.raises(ValueError, match="columns"):
        teapot_renderer.render(np.zeros((2, 3)))
    assert teapot_renderer.render(np.zeros((0, len(AXIS_NAMES)))).shape == (0, 224, 224, 3)


def test_handedness_world_x_is_on_the_left_at_azimuth_0(tmp_path):
    """Right-handed, as the README's axes section says: camera on -z looking at +z, +y up, so
    world +x appears on the image's left (the original renderer mirrors this)."""
    import trimesh

    from semviewer.core.scene.axes import Pose
    from semviewer.core.scene.mesh import load_mesh
    from semviewer.render import Renderer

    big = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    big.apply_translation((1.5, 0.0, 0.0))                         # a large block on +x
    small = trimesh.creation.box(extents=(0.3, 0.3, 0.3))
    small.apply_translation((-1.5, 0.0, 0.0))
    path = tmp_path / "marker.ply"
    trimesh.util.concatenate([big, small]).export(path)
    with Renderer(load_mesh(path)) as r:
        image = r.render([Pose({"azimuth": 0.0, "elevation": 0.0})])[0]
    lit = image.max(axis=2) > 20
    left, right = lit[:, :112].sum(), lit[:, 112:].sum()
    assert left > 3 * right > 0


def test_frames_are_finished_through_a_call_that_lets_other_threads_run(monkeypatch):
    import ctypes

    import semviewer.render.renderer as renderer_module
    from semviewer.core.scene.axes import Pose
    from semviewer.core.scene.objects import get_object

    finish = renderer_module._foreign_finish()
    assert isinstance(finish, ctypes._CFuncPtr)     # a CDLL call: the interpreter lock is released during it
    calls = []
    monkeypatch.setattr(renderer_module, "_foreign_finish", lambda: (lambda: calls.append(1) or finish()))
    with renderer_module.Renderer(get_object("teapot").load()) as renderer:
        image = renderer.render([Pose({"azimuth": 30.0})] * 3)
    assert calls == [1] and image.shape == (3, 224, 224, 3) and image.max() > 0
