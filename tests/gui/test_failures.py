"""Run → Find failures in the window: the search, the list, the crosses, sessions, exports, starts."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from semviewer.gui.dialogs.failure_dialog import FailureDialog, FailureSettings

DOMAIN = np.array([[0.0, 360.0], [-10.0, 90.0]])


def search(window, qtbot, budget=96, seed=0):
    window.failures_ctl.find_failures(FailureSettings(("azimuth", "elevation"), DOMAIN, budget=budget, seed=seed))
    qtbot.waitUntil(lambda: not window.jobs.running("failures") and window.document.failures.search is not None
                    and window.document.failures.complete, timeout=120000)
    return window.document.failures.search


def test_a_search_lists_the_failures_marks_them_and_moves_the_pose_to_one(window, qtbot, tmp_path):
    found = search(window, qtbot)
    doc = window.document
    assert found.evaluations <= 96 and found.sample_size == 24
    assert found.failures, "the teapot fails somewhere in azimuth × elevation"
    assert found.provenance["model"] == "efficientnet-lite0"
    # every failure is listed with its render, the worst first
    assert window.failures_panel.list.count() == len(found.failures)
    assert doc.failures.images is not None and doc.failures.images.shape[1:] == (224, 224, 3)
    assert not window.failures_panel.list.item(0).icon().isNull()
    assert "distinct failure" in window.failures_panel.summary.text()
    # a cross on the map at each failure (the map axes are the searched ones)
    crosses = window.map_view.failure_points()
    expected = np.array([[f.point["azimuth"], f.point["elevation"]] for f in found.failures])
    assert np.allclose(np.sort(crosses, axis=0), np.sort(expected, axis=0))
    # a click moves the pose there, and the network is wrong at that pose
    last = len(found.failures) - 1
    item = window.failures_panel.list.item(last)
    window.failures_panel.list.scrollToItem(item)
    rect = window.failures_panel.list.visualItemRect(item)
    qtbot.mouseClick(window.failures_panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert doc.scene.pose["azimuth"] == pytest.approx(found.failures[last].point["azimuth"])
    assert doc.scene.pose["elevation"] == pytest.approx(found.failures[last].point["elevation"])
    qtbot.waitUntil(lambda: window.predictions.true_probability is not None
                    and window.viewport.pose["azimuth"] == pytest.approx(doc.scene.pose["azimuth"]), timeout=30000)
    qtbot.waitUntil(lambda: window.predictions.true_probability == pytest.approx(found.failures[last].p_true,
                                                                                 abs=2e-3), timeout=30000)
    # exports: the JSON and the grid of renders
    window.files.export("failures", str(tmp_path / "f.json"))
    data = json.loads((tmp_path / "f.json").read_text())
    assert data["format"] == "semviewer-failures" and len(data["failures"]) == len(found.failures)
    assert data["failure_rate"]["interval"][0] <= data["failure_rate"]["rate"] <= data["failure_rate"]["interval"][1]
    window.files.export("failure_figure", str(tmp_path / "f.png"))
    assert (tmp_path / "f.png").stat().st_size > 10_000
    # a new object drops them (they were the teapot's)
    window.objects.open_object("mug")
    assert doc.failures.search is None and window.failures_panel.list.count() == 0
    assert len(window.map_view.failure_points()) == 0


def test_failures_come_back_with_a_session_and_give_start_points_beside_them(window, qtbot, tmp_path):
    from tests.gui.test_main_window import compute_small_map

    found = search(window, qtbot, budget=64, seed=1)
    session = window.files.save_session(str(tmp_path / "s.json"))
    assert json.loads(open(session).read())["failures"]["evaluations"] == found.evaluations
    window.objects.open_object("mug")
    window.files.open_session(session)
    again = window.document.failures.search
    assert again is not None and again.to_json() == found.to_json()
    # the renders are made again in the background
    qtbot.waitUntil(lambda: window.document.failures.images is not None, timeout=60000)
    assert window.failures_panel.list.count() == len(found.failures)
    # start points beside the failures need the map: first said, then given
    window.feedback.guarded(window.actions["failureStartsAction"].trigger)
    assert "compute the map" in window.feedback.last_error
    compute_small_map(window, qtbot)
    window.actions["failureStartsAction"].trigger()
    starts = window.document.solver.starts
    assert starts
    semantic_map = window.document.maps["primary"]
    view = semantic_map.view(["azimuth", "elevation"], at=window.document.scene.pose.as_dict(),
                             values=semantic_map.top1)
    xs, ys = (list(a.points) for a in view.axes)
    for start in starts:       # each start is a map cell where the network is right
        assert view.values[xs.index(start[0]), ys.index(start[1])] >= 0.5


def test_cancelling_a_search_keeps_what_it_found(window, qtbot):
    window.failures_ctl.find_failures(FailureSettings(("azimuth", "elevation"), DOMAIN, budget=20000))
    qtbot.waitUntil(lambda: window.document.failures.search is not None, timeout=60000)
    window.actions["cancelAllAction"].trigger()
    qtbot.waitUntil(lambda: not window.jobs.running("failures") and window.document.failures.complete, timeout=60000)
    found = window.document.failures.search
    assert found.cancelled and found.evaluations < 20000
    assert "cancelled" in window.failures_panel.summary.text()
    assert window.findChild(QPushButton, "findFailuresButton").isEnabled()


def test_the_dialog_refuses_unsound_settings_with_the_reason(qtbot):
    dialog = FailureDialog(FailureSettings(("azimuth", "elevation"), DOMAIN))
    qtbot.addWidget(dialog)
    assert dialog.settings().axes == ("azimuth", "elevation")
    assert np.allclose(dialog.settings().domain, DOMAIN)
    dialog.set_axes({"azimuth": (0.0, 360.0)})
    dialog.accept()
    assert "2 to 10 axes" in dialog.error.text() and dialog.result() == 0
    dialog.set_axes({"azimuth": (0.0, 360.0), "distance": (4.0, 2.0)})
    dialog.accept()
    assert "lower < upper" in dialog.error.text()
    dialog.set_axes({"azimuth": (0.0, 360.0), "distance": (2.0, 4.0), "noise": (0.0, 3.0)})
    dialog.accept()
    assert dialog.result() == 1
    assert dialog.settings().axes == ("azimuth", "distance", "noise")
