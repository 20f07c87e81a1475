"""Second round, files: outputs never replace devices or FIFOs, no read blocks on a pipe, archives
and textures have limits, extreme coordinates are refused, and what is left out is said."""

import os
import stat
import zipfile

import numpy as np
import pytest
import trimesh

from semviewer.cli import main
from semviewer.core.errors import MeshError, OutputError
from semviewer.core.files.atomic import write_text
from semviewer.core.scene.mesh import load_mesh
from tests.reliability.conftest import time_limit


def _one_line_exit_2(argv, capsys, text):
    with time_limit(60):
        assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and text in err[-1] and "Traceback" not in "\n".join(err)


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_an_output_onto_a_device_or_a_fifo_is_refused_and_left_as_it_was(tmp_path, capsys, special):
    target = tmp_path / "out.png"
    if special == "fifo":
        os.mkfifo(target)
        kind = "FIFO"
    else:                        # a device of our own (never the system's /dev/null: a regression would replace it)
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
        kind = "character device"
    _one_line_exit_2(["render", "--object", "teapot", "--out", str(target)], capsys, kind)
    mode = os.stat(target).st_mode
    assert stat.S_ISFIFO(mode) if special == "fifo" else stat.S_ISCHR(mode)


def test_a_symlink_output_is_written_through_to_its_target(tmp_path):
    target, link = tmp_path / "real.png", tmp_path / "link.png"
    target.write_text("old")
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    with pytest.raises(OutputError, match="does not take new files|not writable|does not exist"):
        write_text("/proc/semviewer-out.txt", "x")           # checked by creating a file, not by permissions


def _obj_with_material(tmp_path, fifo):
    box = trimesh.creation.box()
    box.visual = trimesh.visual.TextureVisuals(uv=np.random.default_rng(0).random((len(box.vertices), 2)),
                                               image=__import__("PIL.Image").Image.new("RGB", (8, 8), (200, 0, 0)))
    box.export(tmp_path / "box.obj")
    named = {"mtl": tmp_path / "material.mtl", "texture": tmp_path / "material_0.png"}[fifo]
    named.unlink()
    os.mkfifo(named)
    return tmp_path / "box.obj"


@pytest.mark.parametrize("fifo", ["mtl", "texture"])
def test_a_mesh_that_names_a_fifo_is_refused_without_blocking(tmp_path, fifo):
    path = _obj_with_material(tmp_path, fifo)
    with time_limit(20), pytest.raises(MeshError, match="FIFO"):
        load_mesh(path)


def test_a_mesh_file_or_weights_file_that_is_a_fifo_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.obj")
    with time_limit(20), pytest.raises(MeshError, match="FIFO"):
        load_mesh(tmp_path / "pipe.obj")
    os.mkfifo(tmp_path / "w.pth")
    _one_line_exit_2(["predict", "--object", "teapot", "--weights", str(tmp_path / "w.pth")], capsys, "FIFO")
    (tmp_path / "folder.pth").mkdir()
    _one_line_exit_2(["predict", "--object", "teapot", "--weights", str(tmp_path / "folder.pth")], capsys,
                     "is a folder")


def test_an_archive_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    import semviewer.core.scene.mesh_files as mesh_files

    trimesh.creation.box().export(tmp_path / "box.obj")
    with zipfile.ZipFile(tmp_path / "box.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "box.obj", "box.obj")
        archive.writestr("padding.bin", b"\0" * 4_000_000)             # 4 MB of zeros in a few kB
    assert (tmp_path / "box.zip").stat().st_size < 100_000
    monkeypatch.setattr(mesh_files, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(MeshError, match="would unpack to .* more than the limit"):
        load_mesh(tmp_path / "box.zip")


@pytest.mark.parametrize("scale", [1e308, 1e-310])
def test_coordinates_too_large_or_too_small_to_normalise_are_refused(tmp_path, scale):
    box = trimesh.creation.box()
    path = tmp_path / "extreme.obj"
    path.write_text("".join(f"v {float(x) * scale!r} {float(y) * scale!r} {float(z) * scale!r}\n" for x, y, z in box.vertices) +
                    "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in box.faces))
    with pytest.raises(MeshError, match="span .* outside what can be scaled"):
        load_mesh(path)


def test_a_texture_above_the_pixel_limit_is_left_out_with_a_note(tmp_path, monkeypatch):
    import semviewer.core.scene.mesh_files as mesh_files

    box = trimesh.creation.box()
    image = __import__("PIL.Image").Image.new("RGB", (64, 64), (0, 200, 0))
    box.visual = trimesh.visual.TextureVisuals(uv=np.random.default_rng(0).random((len(box.vertices), 2)),
                                               image=image)
    box.export(tmp_path / "box.obj")
    assert load_mesh(tmp_path / "box.obj").texture is not None and not load_mesh(tmp_path / "box.obj").notes
    monkeypatch.setattr(mesh_files, "MAX_TEXTURE_PIXELS", 1000)
    mesh = load_mesh(tmp_path / "box.obj")
    assert mesh.texture is None and "64 × 64 pixels, more than the limit" in mesh.notes[0]


def test_the_parts_of_a_multi_material_scene_keep_their_colours(tmp_path):
    red, blue = trimesh.creation.box(), trimesh.creation.box()
    blue.apply_translation((2.0, 0, 0))
    for mesh, colour in ((red, [255, 0, 0, 255]), (blue, [0, 0, 255, 255])):
        mesh.visual = trimesh.visual.TextureVisuals(material=trimesh.visual.material.PBRMaterial(
            baseColorFactor=colour))
    trimesh.Scene([red, blue]).export(tmp_path / "two.glb")
    mesh = load_mesh(tmp_path / "two.glb")
    assert mesh.colors is not None
    left = mesh.vertices[:, 0] < 0                       # the first box, after normalising
    assert np.allclose(mesh.colors[left], [1, 0, 0]) and np.allclose(mesh.colors[~left], [0, 0, 1])


def test_a_zip64_record_that_spans_disks_is_a_damaged_archive_not_a_traceback(tmp_path):
    import struct

    from semviewer.core.errors import ModelError
    from semviewer.core.models.weights import read_state_dict

    path = tmp_path / "w.pth"                 # a ZIP64 locator naming 2 disks, then an end record
    path.write_bytes(b"junk" * 8 + struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 2) + b"PK\x05\x06" + bytes(18))
    with pytest.raises(ModelError, match="is a damaged archive"):
        read_state_dict(path)
