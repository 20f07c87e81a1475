"""Faults in the window: switching what is shown while jobs run, and closing during every kind of job."""

import time

import pytest


def _wait_running(window, qtbot, kind):
    qtbot.waitUntil(lambda: window.jobs.running(kind), timeout=10000)


@pytest.mark.parametrize("switch", ["object", "model", "classes", "mesh"])
def test_switching_mid_map_cancels_it_and_its_results_never_land(window, qtbot, switch, box_mesh_file):
    from semviewer.core.models.labels import ClassSet

    window.map_settings.set_resolution("paper")
    window.maps_ctl.compute_map()
    _wait_running(window, qtbot, "map")
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None, timeout=30000)   # partial results arrive
    if switch == "object":
        window.objects.open_object("mug")
    elif switch == "model":
        window.objects.set_model("efficientnet-lite0")
        qtbot.waitUntil(lambda: not window.jobs.running("model"), timeout=60000)
    elif switch == "mesh":
        window.objects.open_mesh(str(box_mesh_file))
        qtbot.waitUntil(lambda: not window.jobs.running("mesh"), timeout=60000)
    else:
        window.objects.choose_classes(ClassSet((504,)))
    assert not window.jobs.running("map") and window.document.maps["primary"] is None
    qtbot.wait(1500)                                                      # long enough for a late chunk
    assert window.document.maps["primary"] is None


def test_switching_mid_solve_cancels_it(window, qtbot, start_live_solve):
    start_live_solve(window)
    window.objects.open_object("soccer_ball")
    assert not window.jobs.running("solver")
    qtbot.wait(1500)
    assert window.document.solver.regions == []


@pytest.mark.parametrize("job", ["map", "solver", "model", "mesh", "compare"])
def test_closing_during_a_job_is_quick_and_leaves_no_thread(qtbot, tmp_path, job):
    import trimesh

    from semviewer.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.document.model.classifier is not None, timeout=60000)
    if job == "map":
        win.map_settings.set_resolution("paper")
        win.maps_ctl.compute_map()
        kind = "map"
    elif job == "solver":
        win.document.set_starts([(130.0, 30.0), (200.0, 15.0)])
        win.solver.source.setCurrentIndex(win.solver.source.findData("live"))
        win.solver.method.setCurrentIndex(win.solver.method.findData("oir_w"))
        win.solver_ctl.start_solver()
        kind = "solver"
    elif job == "model":
        win.objects.set_model("efficientnet-lite2")
        kind = "model"
    elif job == "mesh":
        path = tmp_path / "big.ply"
        trimesh.creation.icosphere(subdivisions=7).export(path)          # 330k faces: a slow read
        win.objects.open_mesh(str(path))
        kind = "mesh"
    else:
        win.map_settings.set_resolution("paper")
        win.objects.set_compare_model("efficientnet-lite2")
        win.maps_ctl.compute_map()
        kind = "map-compare"
    _wait_running(win, qtbot, kind)
    qtbot.wait(300)
    start = time.monotonic()
    win.close()
    assert time.monotonic() - start < 5.0
    # the conftest fixture then asserts that no QThread and no semviewer thread is left running
