"""The window, third round (issue 31): the first click after launch, what a reopened session brings
back, and text that tells the truth."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from semviewer.core.errors import SemviewerError


def test_compute_map_right_after_launch_is_queued_until_the_model_is_ready(qtbot):
    from semviewer.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.map_settings.set_resolution("coarse")
    assert win.document.model.classifier is None and win.jobs.running("model")
    qtbot.mouseClick(win.findChild(QPushButton, "computeMapButton"), Qt.MouseButton.LeftButton)
    assert win.feedback.last_error is None
    assert "starts when the model is ready" in win.feedback.status_label.text()
    qtbot.waitUntil(lambda: win.document.maps["primary"] is not None and win.document.maps["primary"].complete
                    and not win.jobs.running("map"), timeout=120000)
    assert win.document.maps["primary"].provenance["model"] == "efficientnet-lite0"
    win.close()


def test_texts_say_what_is_true(window):
    from semviewer.gui.help_texts import HOW_TO_READ
    from semviewer.gui.window_actions import serving_engine

    assert "penalty" in HOW_TO_READ and "reward" not in HOW_TO_READ
    assert serving_engine(window.document) == window.document.model.classifier.engine != "auto"


def test_a_reopened_session_brings_back_the_comparison_map_from_the_cache(window, qtbot, tmp_path):
    from tests.gui.test_main_window import compute_small_map

    window.objects.set_compare_model("efficientnet-lite2")
    compute_small_map(window, qtbot)
    doc = window.document
    qtbot.waitUntil(lambda: doc.maps["compare"] is not None and doc.maps["compare"].complete, timeout=120000)
    compare = doc.maps["compare"].values.copy()
    session = window.files.save_session(str(tmp_path / "s.json"))
    window.objects.open_object("mug")
    assert doc.maps["compare"] is None
    window.files.open_session(session)
    qtbot.waitUntil(lambda: doc.maps["compare"] is not None and doc.maps["compare"].complete
                    and not window.jobs.running("map-compare"), timeout=120000)
    assert (doc.maps["compare"].values == compare).all() and doc.model.compare == "efficientnet-lite2"
    assert window.compare_view.isVisible()


def test_the_regions_table_explains_its_columns_and_shows_seam_regions_as_arcs(qtbot):
    from semviewer.gui.widgets.regions_table import COLUMNS, RegionsTable, bound_text

    table = RegionsTable()
    qtbot.addWidget(table)
    assert all(table.horizontalHeaderItem(i).toolTip() for i in range(len(COLUMNS)))
    assert bound_text("azimuth", -37.9, 50.1, (0.0, 360.0)) == "azimuth 322.1° → 50.1°"
    assert bound_text("azimuth", 310.0, 410.1, (0.0, 360.0)) == "azimuth 310.0° → 50.1°"
    assert bound_text("elevation", -10.0, 40.0, (-10.0, 90.0)) == "elevation [-10.0, 40.0]"


def test_the_class_chooser_lists_the_best_match_first_and_keeps_the_choice(qtbot):
    from semviewer.core.models.labels import parse_class_set
    from semviewer.gui.dialogs.class_dialog import ClassSetDialog

    dialog = ClassSetDialog(parse_class_set("coffee mug"))
    qtbot.addWidget(dialog)
    dialog.search.setText("cup")
    visible = [dialog.list.item(i).text() for i in range(dialog.list.count()) if not dialog.list.item(i).isHidden()]
    assert visible[0].startswith("cup ") and "porcupine  (334)" in visible and visible.index("porcupine  (334)") > 0
    assert str(dialog.class_set()) == "coffee mug"          # the choice survived the filter
    dialog.search.setText("")
    assert dialog.list.item(0).text().startswith("tench") and str(dialog.class_set()) == "coffee mug"


def test_a_model_files_card_name_is_what_the_window_calls_it(window, qtbot, tiny_models):
    window.objects.set_model(str(tiny_models["onnx"]))
    qtbot.waitUntil(lambda: window.document.model.classifier is not None
                    and bool(window.document.model.classifier.spec.file), timeout=60000)
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=33.0))
    qtbot.waitUntil(lambda: window.predictions.header.text().startswith("tiny ten-class net"), timeout=30000)


def test_a_live_run_says_how_long_it_has_left(window, qtbot, start_live_solve):
    import re

    start_live_solve(window, steps=400)
    qtbot.waitUntil(lambda: "left at" in window.solver.status.text(), timeout=60000)
    text = window.solver.status.text()
    assert re.search(r"step \d+/400, about \d+ (s|min|h \d+ min) left at \d+\.\d\d s a step", text), text
    window.solver_ctl.stop_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver"), timeout=60000)


def test_save_session_and_open_session_start_in_the_same_folder(window, tmp_path, monkeypatch):
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    asked = []
    target = tmp_path / "sessions" / "mine.semviewer.json"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: (asked.append(start), (str(target), filters))[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start, filters: (asked.append(start), ("", ""))[1])
    assert window.files.save_session() == str(target) and target.is_file()
    window.files.open_session()
    assert Path(asked[-1]) == target.parent


def test_the_model_dialog_remembers_a_typed_folder_and_return_after_browse_opens(qtbot, tmp_path, tiny_models,
                                                                                 monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QLineEdit

    from semviewer.gui.dialogs.model_dialog import ModelFileDialog

    dialog = ModelFileDialog(names=lambda: ["efficientnet-lite0"])
    qtbot.addWidget(dialog)
    dialog.file_edit.setText(str(tiny_models["onnx"]))
    dialog.accept()
    assert dialog.result() == 1 and dialog.folder == str(tiny_models["onnx"].resolve().parent)

    dialog = ModelFileDialog(names=lambda: ["efficientnet-lite0"])
    qtbot.addWidget(dialog)
    dialog.show()
    browse = [b for b in dialog.findChildren(QPushButton) if b.text() == "Browse…"]
    assert browse and not any(b.autoDefault() for b in browse)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(tiny_models["onnx"]), ""))
    qtbot.mouseClick(browse[0], Qt.MouseButton.LeftButton)
    assert dialog.findChild(QLineEdit, "modelFileEdit").text() == str(tiny_models["onnx"])
    qtbot.keyClick(dialog.findChild(QLineEdit, "modelFileEdit"), Qt.Key.Key_Return)
    assert dialog.result() == 1 and not dialog.isVisible()


def test_the_regions_table_shows_eight_rows_at_the_default_size(qtbot):
    from semviewer.gui.main_window import MainWindow

    win = MainWindow(load_model=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.resize(1500, 950)              # the default size (the offscreen screen is smaller than a real one)
    table = win.regions_table
    qtbot.waitUntil(lambda: table.viewport().height() >= 8 * table.verticalHeader().defaultSectionSize(), timeout=5000)
    win.close()


def test_a_live_run_asks_before_it_replaces_regions_grown_on_the_map(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.gui.test_main_window import compute_small_map

    compute_small_map(window, qtbot)
    window.document.set_starts([(130.0, 30.0)])
    window.solver.steps.setValue(50)
    window.solver_ctl.start_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    grown = list(window.document.solver.regions)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]), QMessageBox.StandardButton.No)[1])
    window.solver.source.setCurrentIndex(window.solver.source.findData("live"))
    window.solver_ctl.start_solver()
    assert asked and "grown on the computed map" in asked[0]
    kept = window.document.solver.regions
    assert not window.jobs.running("solver") and len(kept) == len(grown) and all(a[1] is b[1] for a, b in zip(kept, grown))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.solver_ctl.start_solver()
    assert window.jobs.running("solver") and window.document.solver.regions == []
    window.solver_ctl.stop_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver"), timeout=60000)


def test_a_seed_box_is_drawn_at_a_visible_size_from_the_first_step(window, qtbot, start_live_solve):
    from tests.gui.test_main_window import compute_small_map

    compute_small_map(window, qtbot)
    start_live_solve(window, steps=400)
    rects = [item.rect() for item in window.map_view.region_items]
    assert rects and all(r.width() >= 0.01 * 360 and r.height() >= 0.01 * 100 for r in rects)
    assert abs(rects[0].center().x() - 130.0) < 2.0 and abs(rects[0].center().y() - 30.0) < 2.0
    window.solver_ctl.stop_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver"), timeout=60000)


def test_the_viewport_shows_a_rectangular_models_input_at_its_aspect(window, qtbot, tiny_models, tmp_path):
    from tests.cli.test_any_classifier import _rectangular

    _, path = _rectangular(tmp_path, tiny_models, "onnx")
    window.objects.set_model(str(path))
    qtbot.waitUntil(lambda: window.viewport.frame is not None and window.viewport.frame.shape == (56, 224, 3)
                    and window.predictions.true_probability is not None, timeout=60000)
    assert window.viewport.size_text(1.0) == "render 224 × 56 → network input 192 × 48, ×1"
    window.objects.set_model("efficientnet-lite0")
    qtbot.waitUntil(lambda: window.viewport.frame.shape == (224, 224, 3), timeout=60000)


def test_the_model_dialogs_list_is_read_aside_once_a_model_is_ready(window, qtbot):
    from semviewer.core.models.sources import list_all, list_all_aside
    from semviewer.gui.dialogs.model_dialog import architecture_names

    qtbot.waitUntil(lambda: window.objects.architectures is not None, timeout=60000)
    assert window.objects.architectures == architecture_names(list_all())     # the same list as read here
    assert "torchvision:resnet50" in window.objects.architectures
    with pytest.raises(SemviewerError, match="stopped"):
        list_all_aside(cancelled=lambda: True)


def test_the_application_shows_its_window_before_the_object_is_read(qtbot):
    from semviewer.gui.main_window import MainWindow

    win = MainWindow(background=True)
    qtbot.addWidget(win)
    assert win.document.scene.mesh is None and not win.jobs.running("mesh")    # reading starts once shown
    win.show()
    qtbot.waitUntil(lambda: win.jobs.running("mesh") or win.document.scene.mesh is not None, timeout=5000)
    qtbot.waitUntil(lambda: win.document.scene.mesh is not None and win.document.scene.object_source == "teapot",
                    timeout=60000)
    qtbot.waitUntil(lambda: win.predictions.true_probability is not None, timeout=120000)
    win.close()


def test_a_first_object_that_cannot_be_read_falls_back_to_the_default(qtbot, tmp_path):
    from semviewer.gui.main_window import MainWindow

    broken = tmp_path / "broken.ply"
    broken.write_text("not a mesh")
    win = MainWindow(object_name=str(broken), load_model=False, background=True)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.document.scene.mesh is not None, timeout=60000)
    assert win.document.scene.object_source == "teapot" and "broken.ply" in (win.feedback.last_error or "")
    win.close()
