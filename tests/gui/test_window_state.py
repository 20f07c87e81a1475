"""The window's state under changes made while jobs run (issue: stale results and stuck panels)."""

import numpy as np
import pytest
import trimesh


def test_a_session_with_another_model_keeps_its_regions(window, qtbot, tmp_path):
    from semviewer.core.session.saved_state import Session

    region = {"map": "primary", "method": "oir_b", "start": [130.0, 30.0], "lower": [100.0, 10.0],
              "upper": [160.0, 50.0], "domain": [[0.0, 360.0], [-10.0, 90.0]], "volume_ratio": 0.07,
              "evaluations": 10, "steps": 5, "stop_reason": "steps", "message": ""}
    path = Session(object="mug", model="efficientnet-lite2", classes=[504, 968], starts=[[130.0, 30.0]],
                   regions=[region]).save(tmp_path / "s.json")
    window.files.open_session(str(path))
    qtbot.waitUntil(lambda: window.document.model.name == "efficientnet-lite2" and not window.jobs.running("model"),
                    timeout=60000)
    assert len(window.document.solver.regions) == 1 and window.regions_table.rowCount() == 1


def test_changing_the_compare_model_cancels_its_running_map(window, qtbot):
    window.map_settings.set_resolution("coarse")
    window.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None and window.document.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)
    window.map_settings.set_resolution("paper")
    window.objects.set_compare_model("efficientnet-lite2")
    window.maps_ctl.compute_map(which="compare")
    qtbot.waitUntil(lambda: window.jobs.running("map-compare"), timeout=10000)
    window.objects.set_compare_model(None)
    assert not window.jobs.running("map-compare")
    qtbot.wait(1500)
    assert window.document.maps["compare"] is None


def test_a_late_mesh_does_not_replace_an_object_chosen_since(window, qtbot, tmp_path):
    path = tmp_path / "big.ply"
    trimesh.creation.icosphere(subdivisions=7).export(path)
    window.objects.open_mesh(str(path))
    window.objects.open_object("mug")                                           # chosen while the file is read
    qtbot.wait(3000)
    assert window.document.scene.object_source == "mug" and not window.jobs.running("mesh")


def test_switching_mid_solve_does_not_leave_the_solver_stuck(window, qtbot, start_live_solve):
    start_live_solve(window)
    window.objects.open_object("soccer_ball")
    assert window.solver.start.isEnabled() and not window.solver.stop.isEnabled()
    assert "growing" not in window.solver.status.text() and "step" not in window.solver.status.text()


def test_compare_with_the_same_name_uses_the_default_weights(window, qtbot, tmp_path):
    from semviewer.core.models import get_model_spec

    state = torch_state_with_noise(get_model_spec("efficientnet-lite0").packaged_weights())
    weights = tmp_path / "mine.pth"
    import torch

    torch.save(state, weights)
    window.objects.set_model("efficientnet-lite0", str(weights))
    qtbot.waitUntil(lambda: window.document.model.weights == str(weights) and not window.jobs.running("model"), timeout=60000)
    window.map_settings.set_resolution("coarse")
    window.objects.set_compare_model("efficientnet-lite0")
    window.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: all(window.document.maps[t] is not None and window.document.maps[t].complete for t in ("primary", "compare"))
                    and not window.jobs.running("map") and not window.jobs.running("map-compare"), timeout=180000)
    assert window.document.maps["compare"].provenance["weights_id"] != window.document.maps["primary"].provenance["weights_id"]
    assert not np.allclose(window.document.maps["compare"].values, window.document.maps["primary"].values)


def torch_state_with_noise(path):
    import torch

    state = torch.load(path, weights_only=True)
    name = next(k for k, v in state.items() if v.ndim == 4)
    state[name] = state[name] + 0.05 * torch.randn(state[name].shape, generator=torch.Generator().manual_seed(1))
    return state


def test_a_failing_render_does_not_leave_the_live_view_busy(window, qtbot):
    real = window.live.predictions._renderer

    class Broken:
        def submit(self, poses):
            raise RuntimeError("the GL context is gone")

        def close(self):
            pass

    window.live.predictions._renderer = Broken()
    try:
        window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=33.0))
        qtbot.waitUntil(lambda: "GL context is gone" in (window.feedback.last_error or ""), timeout=5000)
    finally:
        window.live.predictions._renderer = real
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=77.0))
    qtbot.waitUntil(lambda: window.pose_ctl.predicted_pose is not None and window.pose_ctl.predicted_pose["azimuth"] == 77.0,
                    timeout=30000)


def test_errors_every_frame_open_one_box(window, qtbot):
    window.live.failed.emit("rendering failed: frame 0")
    qtbot.wait(100)
    first = window.feedback.message_box
    for i in range(1, 5):
        window.live.failed.emit(f"rendering failed: frame {i}")
    qtbot.wait(200)
    assert window.feedback.message_box is first and first.isVisible()              # no new box per frame
    assert "frame 4" in window.feedback.status_label.text()


def test_stop_keeps_the_regions_grown_so_far(window, qtbot, start_live_solve):
    start_live_solve(window, [(130.0, 30.0), (200.0, 15.0)])
    qtbot.wait(500)
    window.solver.stop.click()
    assert not window.jobs.running("solver") and window.solver.start.isEnabled()    # at once
    qtbot.waitUntil(lambda: len(window.document.solver.regions) == 2, timeout=30000)                 # then what was grown
    assert len(window.document.solver.regions) == 2 and all(r.stop_reason == "cancelled" and r.steps >= 1 for _, r in window.document.solver.regions)
    assert window.document.solver.regions[0][1].message.startswith("stopped at step")
    assert window.solver.status.text().startswith("stopped at step") and window.solver.start.isEnabled()
    assert window.regions_table.item(0, 6).text().startswith("stopped at step")
    assert window.maps_ctl.live_shapes == {"primary": [], "compare": []}          # no dashed live rectangles left
    assert len(window.map_view.region_items) == 2


def test_any_error_in_a_user_action_is_one_message(window, monkeypatch):
    import semviewer.gui.controllers.objects as objects

    def broken(*args, **kwargs):
        raise RuntimeError("moderngl.Error: cannot create framebuffer\nmore lines of detail")

    monkeypatch.setattr(objects, "resolve_object", broken)
    window.feedback.guarded(window.objects.open_object, "mug")
    assert window.feedback.last_error == "RuntimeError: moderngl.Error: cannot create framebuffer"
    assert window.document.scene.object_source == "teapot"                             # the current object stays


def test_the_window_starts_on_the_default_when_the_object_cannot_open(qtbot, monkeypatch):
    import semviewer.gui.controllers.objects as objects
    import semviewer.gui.main_window as mw

    real = objects.resolve_object

    def picky(name, up_axis="y"):
        if name == "mug":
            raise ValueError("a library bug while reading")
        return real(name, up_axis)

    monkeypatch.setattr(objects, "resolve_object", picky)
    win = mw.MainWindow(object_name="mug", load_model=False)
    qtbot.addWidget(win)
    assert win.document.scene.object_source == "teapot" and "a library bug" in win.feedback.last_error
    win.close()


def test_a_finished_job_releases_what_its_closure_held(qtbot):
    import gc
    import weakref

    from semviewer.gui.workers import JobRunner

    class Heavy:
        pass

    runner = JobRunner()
    heavy = Heavy()
    alive = weakref.ref(heavy)
    results = []
    runner.start("x", lambda sink, h=heavy: 42, results.append, results.append)
    del heavy
    qtbot.waitUntil(lambda: results == [42] and not runner.threads(), timeout=10000)
    for _ in range(3):
        qtbot.wait(50)
        gc.collect()
    assert alive() is None                                              # the model/mesh of a job is not pinned
    runner.shutdown()


def test_opening_a_map_file_stops_jobs_and_clears_regions(window, qtbot, tmp_path):
    from semviewer.cli import main
    from semviewer.core.maps.semantic_map import SemanticMap

    path = tmp_path / "mug.npz"
    assert main(["map", "--object", "mug", "--axes", "azimuth=0:360:90", "elevation=0:90:45", "--out", str(path)]) == 0
    window.map_settings.set_resolution("paper")
    window.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None, timeout=60000)
    window.document.set_regions([("primary", r) for r in []])
    window.files.open_map_file(str(path))
    assert not window.jobs.running("map") and window.document.solver.regions == [] and window.document.solver.starts == []
    qtbot.wait(1500)
    assert window.document.maps["primary"].shape == SemanticMap.load(path).shape == (4, 2)
    assert "p(coffee mug + cup)" in window.windowTitle()                 # the map's class set, not the window's


def test_shutdown_waits_for_all_jobs_together_and_never_drops_a_running_thread(qtbot):
    import time

    from semviewer.gui import workers
    from semviewer.gui.workers import JobRunner

    def stubborn(sink):          # ignores cancellation for a while, like a long native call
        time.sleep(1.5)
        return 1

    runner = JobRunner()
    for kind in ("a", "b", "c"):
        runner.start(kind, stubborn, lambda r: None, lambda m: None)
    start = time.monotonic()
    assert runner.shutdown(timeout_ms=5000)
    assert time.monotonic() - start < 2.5                                # together, not 3 × 1.5 s
    runner.start("d", lambda sink: time.sleep(1.0), lambda r: None, lambda m: None)
    start = time.monotonic()
    assert not runner.shutdown(timeout_ms=100)                           # the deadline passes first...
    assert time.monotonic() - start < 0.5
    kept = workers._Keeper.of_application()
    assert any(job[0].isRunning() for job in kept.jobs)                  # ...and the thread is kept, not destroyed
    qtbot.waitUntil(lambda: not kept.jobs, timeout=5000)


def test_a_stopped_solve_does_not_land_after_a_new_one_starts(window, qtbot, start_live_solve):
    start_live_solve(window)
    window.solver_ctl.stop_solver()
    window.solver.steps.setValue(3)
    window.solver_ctl.start_solver()                                              # before the stopped one delivered
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    qtbot.wait(500)
    assert [r.stop_reason for _, r in window.document.solver.regions] == ["steps"] and window.document.solver.regions[0][1].steps == 3


def test_small_defects(window, qtbot, tmp_path, box_mesh_file):
    import shutil

    from semviewer.core.session.saved_state import Session
    from semviewer.gui.controllers.files import with_filter_suffix

    # the export dialog's chosen filter gives a typed name its suffix
    assert with_filter_suffix("/tmp/fig", "PDF (*.pdf)") == "/tmp/fig.pdf"
    assert with_filter_suffix("/tmp/fig.svg", "PNG (*.png)") == "/tmp/fig.svg"
    # a relative mesh path in a session is relative to the session file, not the working directory
    folder = tmp_path / "project"
    (folder / "meshes").mkdir(parents=True)
    shutil.copy(box_mesh_file, folder / "meshes" / "ell.obj")
    path = Session(object="meshes/ell.obj", classes=[849], aggregate="max",
                   map_axes=["azimuth", "elevation"]).save(folder / "s.json")
    window.objects.set_compare_model("efficientnet-lite2")
    window.files.open_session(str(path))
    assert window.document.scene.object_source == str((folder / "meshes" / "ell.obj").resolve())
    assert window.map_settings.aggregate.currentData() == "max"           # aggregation restored
    assert not window.compare_view.isVisibleTo(window)                    # no compare model: view hidden
    # the viewport's overlay names the pose of the frame it shows
    window.live.wait_for_mesh()
    qtbot.waitUntil(lambda: window.viewport.frame_pose is not None, timeout=30000)
    shown = window.viewport.frame_pose
    window.viewport.pose = shown.replace(azimuth=123.0)                   # requested, not rendered yet
    assert window.viewport.frame_pose == shown


def test_dropping_a_map_file_opens_it_as_a_map(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.maps.semantic_map import empty_map

    m = empty_map((parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=0:90:45")), {}, {})
    m.values[:] = 0.5
    path = m.save(tmp_path / "dropped.npz")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.document.maps["primary"] is not None and window.document.maps["primary"].shape == (4, 2)
    assert window.document.scene.object_source == "teapot"


def test_a_prediction_of_a_replaced_model_is_not_shown(window, qtbot):
    seen = []
    window.live.prediction_ready.connect(lambda probs, pose: seen.append(window.live.predictions._classifier))
    old = window.document.model.classifier
    window.objects.set_model("efficientnet-lite2")
    qtbot.waitUntil(lambda: window.document.model.classifier is not old, timeout=60000)
    seen.clear()
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=21.0))
    qtbot.waitUntil(lambda: window.pose_ctl.predicted_pose is not None and window.pose_ctl.predicted_pose["azimuth"] == 21.0,
                    timeout=30000)
    assert seen and all(c is window.document.model.classifier for c in seen)


def test_regions_and_starts_stay_on_their_axes(window, qtbot):
    from semviewer.core.errors import SemviewerError

    window.map_settings.set_resolution("coarse")
    window.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None and window.document.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)
    window.feedback.guarded(window.solver_ctl.use_paper_starts)
    window.solver.steps.setValue(50)
    window.solver_ctl.start_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    assert len(window.map_view.region_items) == 4
    window.map_settings.set_shown_axes(["azimuth", "distance"])           # same dimension, other axes
    assert window.map_view.region_items == [] and "hidden on these axes" in window.solver.status.text()
    assert "hidden here" in window.solver.starts_label.text()
    with pytest.raises(SemviewerError, match="picked on azimuth × elevation"):
        window.solver_ctl.start_solver()
    window.map_settings.set_shown_axes(["azimuth", "elevation"])
    assert len(window.map_view.region_items) == 4
