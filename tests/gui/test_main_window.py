"""The window end to end, offscreen: drag, predictions, map, regions, compare, export, errors."""

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QPushButton

from semviewer.core.maps.semantic_map import SemanticMap

NAMES = ["mainWindow", "viewport", "predictionsPanel", "semanticMapView", "computeMapButton", "cancelButton",
         "solverMethodCombo", "startSolverButton", "regionsTable", "exportFigureAction", "exportMapAction",
         "exportRegionsAction", "openMeshAction"]


def compute_small_map(window, qtbot, resolution="coarse"):
    window.map_settings.set_resolution(resolution)
    qtbot.mouseClick(window.findChild(QPushButton, "computeMapButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None and window.document.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)


def test_stable_object_names(window):
    from PySide6.QtCore import QObject

    for name in NAMES:
        found = window if name == "mainWindow" else window.findChild(QObject, name)
        assert found is not None, name


def test_dragging_the_viewport_changes_pose_and_predictions(window, qtbot):
    before_pose = window.document.scene.pose
    before_p = window.predictions.true_probability
    viewport = window.viewport
    center = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=center)
    for step in range(1, 11):
        qtbot.mouseMove(viewport, center + QPoint(18 * step, 0))
        qtbot.wait(15)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=center + QPoint(180, 0))
    assert window.document.scene.pose["azimuth"] != before_pose["azimuth"]
    assert window.controls.boxes["azimuth"].value() == pytest.approx(window.document.scene.pose["azimuth"], abs=0.01)
    qtbot.waitUntil(lambda: window.predictions.true_probability != before_p, timeout=30000)
    # latest request wins: the last prediction is for the final pose of the drag
    final = window.document.scene.pose
    qtbot.waitUntil(lambda: window.pose_ctl.predicted_pose == final, timeout=30000)
    assert window.viewport.pose == final


def test_wheel_and_spin_boxes_stay_in_sync(window, qtbot):
    window.controls.boxes["elevation"].setValue(55.0)
    assert window.document.scene.pose["elevation"] == 55.0
    window.controls.boxes["distance"].setValue(3.5)
    assert window.viewport.pose["distance"] == 3.5


def test_map_fills_click_moves_pose_and_regions_grow(window, qtbot):
    partials = []
    window.map_view.image.sigImageChanged.connect(lambda: partials.append(1))
    compute_small_map(window, qtbot)
    m = window.document.maps["primary"]
    assert m.shape == (24, 11) and np.nanstd(m.values) > 0.05        # elevation −10…90 (issue 10)
    assert window.map_view.image.image is not None and len(partials) >= 2
    # click on the map: the pose jumps there
    point = window.map_view.view_to_widget(200.0, 30.0)
    qtbot.mouseClick(window.map_view.plot.viewport(), Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert window.document.scene.pose["azimuth"] == pytest.approx(200.0, abs=3.0)
    assert window.document.scene.pose["elevation"] == pytest.approx(30.0, abs=3.0)
    # two clicked starts, OIR_B on the map: rectangles grow over several partial updates
    for x, y in ((160.0, 30.0), (20.0, 40.0)):
        p = window.map_view.view_to_widget(x, y)
        qtbot.mouseClick(window.map_view.plot.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier, p.toPoint())
    assert len(window.document.solver.starts) == 2
    window.solver.steps.setValue(2000)
    sizes = []
    original = window.solver_ctl.solver_partial

    def spy(item):
        original(item)
        _, snap = item
        sizes.append(float(np.prod(snap.upper[0] - snap.lower[0])))

    window.solver_ctl.solver_partial = spy
    qtbot.mouseClick(window.findChild(QPushButton, "startSolverButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.jobs.running("solver"), timeout=60000)
    assert len(sizes) >= 3 and sizes[-1] > sizes[0]
    assert len(window.document.solver.regions) == 2 and window.regions_table.rowCount() == 2
    assert len(window.map_view.region_items) == 2
    assert window.regions_table.item(0, 6).text().endswith("steps")
    window.regions_table.selectRow(1)
    assert window.map_view._highlight == 1


def test_solver_cancel_and_live_source(window, qtbot):
    window.map_settings.set_shown_axes(["azimuth"])
    window.document.set_starts([(140.0,)])
    window.solver.source.setCurrentIndex(1)      # live renders
    window.solver.steps.setValue(100000)
    qtbot.mouseClick(window.findChild(QPushButton, "startSolverButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.solver.status.text().startswith("OIR_B: step"), timeout=60000)
    qtbot.mouseClick(window.findChild(QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    assert not window.jobs.running("solver") and window.solver.start.isEnabled()


def test_exports_and_session_round_trip(window, qtbot, tmp_path):
    compute_small_map(window, qtbot)
    window.feedback.guarded(window.solver_ctl.use_paper_starts)
    window.solver.steps.setValue(200)
    window.solver_ctl.start_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    fig = window.files.export("figure", str(tmp_path / "fig.png"))
    assert Image.open(fig).size[0] > 500
    window.files.export("figure", str(tmp_path / "fig.svg"))
    assert "<svg" in (tmp_path / "fig.svg").read_text()[:500]
    render = window.files.export("render", str(tmp_path / "render.png"))
    assert np.asarray(Image.open(render)).shape == (224, 224, 3)
    m = SemanticMap.load(window.files.export("map", str(tmp_path / "map.npz")))
    assert m.shape == window.document.maps["primary"].shape
    assert window.files.export("map_csv", str(tmp_path / "map.csv"))
    assert (tmp_path / "map.csv").read_text().startswith("azimuth,elevation,score,top1")
    window.files.export("regions", str(tmp_path / "regions.json"))
    data = json.loads((tmp_path / "regions.json").read_text())
    assert len(data["regions"]) == 4 and data["axes"] == ["azimuth", "elevation"]
    session = window.files.save_session(str(tmp_path / "s.json"))
    # a failed export says why and leaves the window working
    window.feedback.guarded((lambda *a: window.files.export("figure", *a)), str(tmp_path / "missing-dir" / "fig.png"))
    assert "does not exist" in window.feedback.last_error
    # reopen: object, pose, starts and regions come back
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=10.0))
    window.files.open_session(session)
    assert len(window.document.solver.regions) == 4 and len(window.document.solver.starts) == 4
    assert window.regions_table.rowCount() == 4


def test_compare_shows_a_second_map(window, qtbot):
    window.objects.set_compare_model("efficientnet-lite2")
    assert window.compare_view.isVisible()
    compute_small_map(window, qtbot)
    qtbot.waitUntil(lambda: window.document.maps["compare"] is not None and window.document.maps["compare"].complete, timeout=120000)
    assert window.document.maps["compare"].provenance["model"] == "efficientnet-lite2"
    assert window.document.maps["compare"].shape == window.document.maps["primary"].shape


def test_corrupt_mesh_shows_an_error_and_the_window_keeps_working(window, qtbot, tmp_path):
    bad = tmp_path / "broken.obj"
    bad.write_text("v 0 0 0\nv nan 0 0\nf 1 2 3\n")
    mesh_before = window.document.scene.mesh
    window.feedback.guarded(window.objects.open_mesh, str(bad))
    qtbot.waitUntil(lambda: window.feedback.last_error is not None, timeout=10000)
    assert "broken.obj" in window.feedback.last_error
    assert window.document.scene.mesh is mesh_before
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=45.0))
    qtbot.waitUntil(lambda: window.viewport.pose["azimuth"] == 45.0, timeout=5000)
    window.feedback.guarded(window.files.open_session, str(bad))
    assert "session" in window.feedback.last_error


def test_open_a_mesh_file_and_choose_classes(window, qtbot, box_mesh_file):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from semviewer.core.models.labels import parse_class_set

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(box_mesh_file))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.document.scene.mesh.name == "ell", timeout=10000)
    assert str(box_mesh_file) in window.settings.value("recentFiles")
    window.objects.choose_classes(parse_class_set("carton"))
    assert "carton" in window.windowTitle()
    qtbot.waitUntil(lambda: "carton" in window.predictions.true_label.text(), timeout=30000)


def test_closing_with_a_running_job_ends_all_threads(qtbot):
    from semviewer.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.document.model.classifier is not None, timeout=60000)
    win.map_settings.set_resolution("paper")
    win.maps_ctl.compute_map()
    qtbot.waitUntil(lambda: win.feedback.progress.value() > 0, timeout=60000)
    win.close()                      # the fixture then checks that no thread is left


def test_window_grab_is_not_blank(window, qtbot):
    compute_small_map(window, qtbot)
    qtbot.wait(200)
    viewport = window.viewport.grab().toImage()
    heat = window.map_view.plot.grab().toImage()

    def spread(image):
        arr = np.array([[image.pixelColor(x, y).value() for x in range(0, image.width(), 7)]
                        for y in range(0, image.height(), 7)])
        return arr.std()

    assert spread(viewport) > 20 and spread(heat) > 20
    bar = window.map_view.colorbar
    assert bar.isVisible() and bar.geometry().right() <= window.map_view.plot.width() + 1   # on screen
    whole = window.grab()
    assert whole.width() > 800


def test_map_axes_choice_and_1d_mode(window, qtbot):
    combo = window.findChild(QComboBox, "mapYAxisCombo")
    combo.setCurrentIndex(combo.count() - 1)     # (none: 1-D curve)
    assert window.map_settings.shown_axes() == ["azimuth"]
    compute_small_map(window, qtbot)
    assert window.document.maps["primary"].shape == (24,)
    assert window.map_view.curve.isVisible()
