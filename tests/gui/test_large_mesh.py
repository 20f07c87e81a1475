"""A mesh above the triangle budget: read in the background, offered decimation, rendered right."""

import numpy as np
import pytest
import trimesh


@pytest.fixture()
def sphere_file(tmp_path):
    path = tmp_path / "sphere.ply"
    trimesh.creation.icosphere(subdivisions=6).export(path)              # 81,920 faces
    return path


@pytest.mark.parametrize("decimate", [True, False])
def test_a_mesh_above_the_budget_is_offered_decimation(window, qtbot, sphere_file, decimate):
    window.objects.set_triangle_budget(20_000)
    window.objects.open_mesh(str(sphere_file), decimate=decimate)
    assert window.feedback.progress.isVisible() and window.feedback.progress.maximum() == 0     # busy while reading
    qtbot.waitUntil(lambda: not window.jobs.running("mesh") and window.document.scene.object_source == str(sphere_file),
                    timeout=60000)
    if decimate:
        assert 15_000 <= window.document.scene.mesh.face_count <= 21_000
        assert "decimated from 81,920" in window.feedback.status_label.text()
    else:
        assert window.document.scene.mesh.face_count == 81_920 and "above the triangle budget" in window.feedback.status_label.text()
    window.live.wait_for_mesh()
    qtbot.waitUntil(lambda: window.viewport.frame is not None and window.viewport.frame.max() > 100, timeout=30000)
    frame = window.viewport.frame
    lit = frame.max(axis=2) > 20
    ys, xs = np.nonzero(lit)
    assert abs(xs.mean() - frame.shape[1] / 2) < 8 and abs(ys.mean() - frame.shape[0] / 2) < 8   # a centred sphere
    assert not window.feedback.progress.isVisible()
