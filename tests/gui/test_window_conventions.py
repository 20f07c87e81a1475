"""The window's conventions (#22): Start during a map queues, messages agree with the table,
pose fields parse as people type, one axis is never shown twice, help and shortcuts."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from semviewer.core.session.document import PRIMARY


def test_start_while_the_map_computes_queues_the_regions_until_it_is_done(window, qtbot):
    doc, solver = window.document, window.solver_ctl
    doc.view.set(resolution="coarse")
    solver.panel.source.setCurrentIndex(solver.panel.source.findData("map"))
    window.maps_ctl.compute_map()
    assert window.maps_ctl.running()
    solver.start_solver()
    assert solver.queued and doc.solver.starts == [] and not window.solver.start.isEnabled()    # no side effects yet
    assert window.solver.status.text().startswith("regions will grow when the map is done:")
    qtbot.waitUntil(lambda: bool(doc.solver.regions), timeout=120000)
    assert doc.maps[PRIMARY].complete and not solver.queued and len(doc.solver.starts) == 4         # the paper's, then
    assert "checked from the inside" in window.feedback.status_label.text()


def test_stopping_or_cancelling_drops_the_queued_regions(window, qtbot):
    doc, solver = window.document, window.solver_ctl
    doc.view.set(resolution="paper")
    window.maps_ctl.compute_map()
    solver.start_solver()
    assert solver.queued
    solver.stop_solver()
    assert not solver.queued and window.solver.status.text() == "the queued regions were cancelled"
    assert window.solver.start.isEnabled()
    solver.start_solver()
    window.cancel_jobs()                                                   # the map's Cancel
    qtbot.waitUntil(lambda: not window.maps_ctl.running(), timeout=30000)
    qtbot.wait(50)
    assert not solver.queued and not doc.solver.regions and doc.solver.starts == []


def test_a_refused_start_changes_nothing(window):
    doc, solver = window.document, window.solver_ctl
    solver.panel.source.setCurrentIndex(solver.panel.source.findData("map"))
    window.feedback.guarded(solver.start_solver)                            # no map, none computing
    assert "compute the map first" in window.feedback.last_error and doc.solver.starts == []


def test_pose_fields_wrap_periodic_axes_and_read_decimal_commas(window, qtbot):
    box = window.controls.boxes["azimuth"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "370")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == 10.0 and window.document.scene.pose["azimuth"] == 10.0
    elevation = window.controls.boxes["elevation"]
    elevation.lineEdit().selectAll()
    qtbot.keyClicks(elevation.lineEdit(), "12,5")
    qtbot.keyClick(elevation.lineEdit(), Qt.Key.Key_Return)
    assert elevation.value() == 12.5 and window.document.scene.pose["elevation"] == 12.5
    elevation.lineEdit().selectAll()
    qtbot.keyClicks(elevation.lineEdit(), "120")                            # not periodic: clipped to its domain
    qtbot.keyClick(elevation.lineEdit(), Qt.Key.Key_Return)
    assert elevation.value() == 90.0


def test_choosing_the_other_axis_swaps_them(window):
    settings = window.map_settings
    settings.y_axis.setCurrentIndex(settings.y_axis.findData("azimuth"))   # the horizontal axis's
    assert window.document.view.map_axes == ["elevation", "azimuth"]
    assert settings.x_axis.currentData() == "elevation"


def test_help_and_the_run_menu_shortcuts(window, qtbot):
    names = {a.objectName(): a for a in window.findChildren(QAction)}
    assert names["computeMapAction"].shortcut().toString() == "Ctrl+R"
    assert names["startRegionsAction"].shortcut().toString() == "Ctrl+Return"
    assert names["cancelAllAction"].shortcut().toString() == "Esc"
    names["howToReadAction"].trigger()
    box = window.findChild(QMessageBox, "howToReadBox")
    assert "SRVR" in box.text() and "inside check" in box.text()
    names["aboutAction"].trigger()
    about = window.findChild(QMessageBox, "aboutBox")
    assert "semviewer" in about.text() and "1904.04621" in about.text()


def test_a_reopened_session_gets_its_map_back_from_the_cache(window, qtbot, tmp_path):
    doc = window.document
    doc.view.set(resolution="coarse")
    window.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: doc.maps[PRIMARY] is not None and doc.maps[PRIMARY].complete, timeout=120000)
    values = doc.maps[PRIMARY].values.copy()
    window.files.save_session(str(tmp_path / "s.json"))
    window.objects.open_object("mug")
    assert doc.maps[PRIMARY] is None
    window.files.open_session(str(tmp_path / "s.json"), background=False)
    qtbot.waitUntil(lambda: doc.maps[PRIMARY] is not None, timeout=10000)        # once the document is drawn
    assert not window.maps_ctl.running()                                          # no map computed
    assert (doc.maps[PRIMARY].values == values).all()
    assert "came back from the cache" in window.feedback.status_label.text()


def test_up_axis_in_the_window_reopens_the_mesh_standing_up(window, qtbot, box_mesh_file):
    window.objects.open_mesh(str(box_mesh_file))
    qtbot.waitUntil(lambda: window.document.scene.object_source == str(box_mesh_file), timeout=30000)
    before = window.document.scene.mesh.sha256
    action = window.actions["upAxis-z"]
    action.trigger()
    qtbot.waitUntil(lambda: window.document.scene.up_axis == "z", timeout=30000)
    assert window.document.scene.mesh.sha256 != before and action.isChecked()


def test_after_a_stopped_live_run_the_messages_agree_with_the_table(window, qtbot, start_live_solve):
    start_live_solve(window, starts=((130.0, 30.0), (200.0, 15.0)), steps=2000)
    window.solver_ctl.stop_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    regions = [r for _, r in window.document.solver.regions]
    checked = sum(r.inside is not None for r in regions)
    status = window.feedback.status_label.text()
    assert status.startswith(f"{len(regions)} regions grown, ")
    if checked == 0:
        assert "not checked from the inside" in status
    assert window.solver.status.text().startswith("stopped at step")
    assert window.map_view.legend.isVisible() and "OIR_B" in window.map_view.legend.text()   # above the plot
    summary = window.solver.status.text()
    window.document.view.set(["distance", "elevation"])
    assert window.solver.status.text().endswith("hidden on these axes")
    window.document.view.set(["azimuth", "elevation"])
    assert window.solver.status.text() == summary                        # the hint goes with the reason for it


def test_moving_a_light_that_stands_straight_above_says_why_nothing_changes(window):
    pose = window.document.scene.pose.replace(light_elevation=90.0)
    window.document.scene.set_pose(pose)
    window.viewport.pose_edited.emit(pose.replace(light_azimuth=40.0))       # what a Ctrl+drag sends
    assert "the light is straight above" in window.feedback.status_label.text()
    assert window.feedback.status_label.toolTip() == window.feedback.status_label.text()
