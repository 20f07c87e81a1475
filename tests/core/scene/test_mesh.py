import numpy as np
import pytest
import trimesh

from semviewer.core.errors import MeshError
from semviewer.core.scene.mesh import load_mesh
from semviewer.core.scene.objects import bundled_objects, resolve_object


@pytest.mark.parametrize("ext", ["obj", "ply", "stl", "off", "glb"])
def test_formats_load_and_are_normalised(tmp_path, ext):
    mesh = trimesh.creation.box(extents=(4.0, 2.0, 1.0))
    mesh.apply_translation((10.0, -3.0, 2.0))
    path = tmp_path / f"box.{ext}"
    mesh.export(path)
    data = load_mesh(path)
    lo, hi = data.vertices.min(axis=0), data.vertices.max(axis=0)
    np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-6)
    np.testing.assert_allclose(hi - lo, [2.0, 1.0, 0.5], atol=1e-6)
    assert data.face_count == 12 and len(data.sha256) == 64


def test_scenes_are_flattened(tmp_path):
    ball = trimesh.creation.icosphere().apply_translation((3, 0, 0))
    scene = trimesh.Scene([trimesh.creation.box(), ball])
    path = tmp_path / "scene.glb"
    scene.export(path)
    data = load_mesh(path)
    assert data.face_count == 12 + len(ball.faces)


def test_z_up_files_are_rotated_to_y_up(tmp_path):
    tall = trimesh.creation.box(extents=(1.0, 1.0, 4.0))  # tall along z
    path = tmp_path / "tall.stl"
    tall.export(path)
    extent = np.ptp(load_mesh(path, up_axis="z").vertices, axis=0)
    assert extent[1] == pytest.approx(2.0)           # now tall along y
    assert extent[2] == pytest.approx(0.5)


@pytest.mark.parametrize("up, axis", [("x", 0), ("y", 1), ("z", 2)])
def test_the_up_axis_points_up_after_loading(tmp_path, up, axis):
    """A spike along +up (not only a long extent) must end up along +y, never upside down."""
    spike = np.zeros((4, 3))
    spike[0, axis] = 4.0                                 # the tip, on the +up side
    others = [i for i in range(3) if i != axis]
    spike[1, others[0]] = 1.0
    spike[2, others[1]] = 1.0
    spike[3, others] = -1.0
    path = tmp_path / f"spike-{up}.ply"
    trimesh.Trimesh(spike, [[1, 2, 0], [2, 3, 0], [3, 1, 0], [1, 3, 2]], process=False).export(path)
    data = load_mesh(path, up_axis=up)
    tip = data.vertices[np.argmax(np.abs(data.vertices).max(axis=1))]
    assert tip[1] == pytest.approx(1.0) and abs(tip[0]) < 1e-6 and abs(tip[2]) < 1e-6
    # a right-handed rotation: the mesh is not mirrored
    raw = np.cross(spike[1] - spike[0], spike[2] - spike[0]) @ (spike[3] - spike[0])
    v = data.vertices
    assert np.sign(np.cross(v[1] - v[0], v[2] - v[0]) @ (v[3] - v[0])) == np.sign(raw)


def test_the_mesh_hash_is_of_what_is_rendered(tmp_path, box_mesh_file):
    y, z = load_mesh(box_mesh_file, up_axis="y"), load_mesh(box_mesh_file, up_axis="z")
    assert y.file_sha256 == z.file_sha256 and y.sha256 != z.sha256
    assert load_mesh(box_mesh_file, up_axis="y").sha256 == y.sha256


def test_vertex_colours_are_kept(tmp_path):
    mesh = trimesh.creation.box()
    mesh.visual.vertex_colors = np.tile([255, 0, 0, 255], (len(mesh.vertices), 1))
    mesh.visual.vertex_colors[0] = [0, 0, 255, 255]
    path = tmp_path / "coloured.ply"
    mesh.export(path)
    data = load_mesh(path)
    assert data.colors is not None and data.colors.shape == (8, 3)


def test_bad_mesh_files(tmp_path):
    with pytest.raises(MeshError, match="does not exist"):
        load_mesh(tmp_path / "missing.obj")
    empty = tmp_path / "empty.obj"
    empty.write_bytes(b"")
    with pytest.raises(MeshError, match="empty"):
        load_mesh(empty)
    corrupt = tmp_path / "corrupt.glb"
    corrupt.write_bytes(b"this is not a glb file at all" * 10)
    with pytest.raises(MeshError, match="cannot read|no triangle|no faces"):
        load_mesh(corrupt)
    points = tmp_path / "points.obj"
    points.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\n")
    with pytest.raises(MeshError, match="no faces|no triangle|not a triangle mesh"):
        load_mesh(points)
    nan = tmp_path / "nan.obj"
    nan.write_text("v 0 0 0\nv nan 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(MeshError, match="non-finite|cannot read"):
        load_mesh(nan)
    with pytest.raises(MeshError, match="up axis"):
        load_mesh(nan, up_axis="w")


def test_bundled_objects_load_upright_with_classes():
    objects = bundled_objects()
    assert {"teapot", "mug", "soccer_ball"} <= set(objects)
    for obj in objects.values():
        mesh = obj.load()
        assert mesh.face_count > 500
        assert np.ptp(mesh.vertices, axis=0).max() == pytest.approx(2.0, abs=1e-5)
        assert obj.classes.ids
    teapot = objects["teapot"].load()
    assert np.ptp(teapot.vertices[:, 1]) < np.ptp(teapot.vertices[:, 0])  # upright: wider than tall
    assert objects["soccer_ball"].load().texture is not None


def test_resolve_object_errors(tmp_path):
    with pytest.raises(MeshError, match="unknown object 'kettle'"):
        resolve_object("kettle")
    with pytest.raises(MeshError, match="does not exist"):
        resolve_object(str(tmp_path / "kettle.obj"))


def test_decimation_to_a_triangle_budget(tmp_path):
    from semviewer.core.scene.mesh import decimate

    path = tmp_path / "sphere.ply"
    trimesh.creation.icosphere(subdivisions=5).export(path)              # 20,480 faces
    mesh = load_mesh(path)
    small = decimate(mesh, 2000)
    assert 1500 <= small.face_count <= 2100 and small.sha256 != mesh.sha256
    assert np.isfinite(small.vertices).all() and np.abs(small.vertices).max() == pytest.approx(1.0, abs=1e-5)
    assert decimate(mesh, 10**6) is mesh                                 # under the budget: unchanged
