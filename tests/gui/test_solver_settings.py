"""Solver settings in the window: the paper's defaults, the opt-in cap, and what the regions file records."""

import json

import numpy as np
import pytest
from PySide6.QtWidgets import QDoubleSpinBox

from tests.gui.test_main_window import compute_small_map


def test_regions_export_records_the_solver_configuration(window, qtbot, tmp_path):
    cap = window.findChild(QDoubleSpinBox, "maxStepSpin")
    assert cap is not None and cap.value() == 0.0                      # the paper's solver by default
    compute_small_map(window, qtbot)
    window.feedback.guarded(window.solver_ctl.use_paper_starts)
    window.solver.steps.setValue(50)
    cap.setValue(0.005)
    window.solver_ctl.start_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    path = window.files.export("regions", str(tmp_path / "regions.json"))
    data = json.loads(open(path).read())
    config = data["config"]["oir_b"]
    assert config["max_step"] == 0.005 and config["steps"] == 50
    assert config["lr"] == pytest.approx(0.1) and config["alpha"] == pytest.approx(0.05)
    assert {"beta", "lam", "eps", "tol"} <= set(config)
    np.testing.assert_allclose(data["domain"], [[0, 360], [-10, 90]])
    assert data["units"] == ["°", "°"] and data["source"]["kind"] == "map"
    assert data["provenance"]["engine"] == window.document.model.classifier.engine and "SRVR" in data["srvr_convention"]
    session = window.files.save_session(str(tmp_path / "s.json"))
    cap.setValue(0.0)
    window.files.open_session(session)
    assert cap.value() == 0.005


def test_regions_are_checked_from_the_inside_in_the_window(window, qtbot, tmp_path):
    compute_small_map(window, qtbot)
    window.feedback.guarded(window.solver_ctl.use_paper_starts)
    window.solver.steps.setValue(100)
    window.solver_ctl.start_solver()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    assert all(r.inside is not None and r.inside.source == "map" for _, r in window.document.solver.regions)
    header = [window.regions_table.horizontalHeaderItem(j).text() for j in range(window.regions_table.columnCount())]
    column = header.index("inside: mean p / min p / top-1")
    first = window.document.solver.regions[0][1]
    assert window.regions_table.item(0, column).text().startswith(f"{first.inside.mean_p:.2f} / ")
    assert window.regions_table.item(0, header.index("domain Ω")).text() == "azimuth [0, 360]; elevation [-10, 90]"
    data = json.loads(open(window.files.export("regions", str(tmp_path / "r.json"))).read())
    assert all("inside" in r for r in data["regions"])


def test_start_without_starts_uses_the_papers_and_says_so(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    compute_small_map(window, qtbot)
    assert not window.document.solver.starts
    window.solver.steps.setValue(20)
    window.solver_ctl.start_solver()
    assert len(window.document.solver.starts) == 4 and "paper's starts" in window.solver.status.text()
    qtbot.waitUntil(lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=60000)
    assert window.solver.status.text().startswith("no start points given: the paper's starts")
    window.document.set_starts([])
    window.map_settings.set_shown_axes(["azimuth", "distance"])
    window.solver.source.setCurrentIndex(window.solver.source.findData("live"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)  # replace them
    window.solver_ctl.start_solver()
    assert window.document.solver.starts == [(180.0, 3.75)] and "centre of the domain" in window.solver.status.text()
    window.cancel_jobs()
    qtbot.waitUntil(lambda: not window.jobs.running("solver"), timeout=30000)


def test_cancel_is_enabled_only_while_something_runs(window, qtbot):
    from PySide6.QtWidgets import QPushButton

    cancel = window.findChild(QPushButton, "cancelButton")
    assert not cancel.isEnabled()
    window.map_settings.set_resolution("medium")
    window.maps_ctl.compute_map()
    assert cancel.isEnabled()
    qtbot.waitUntil(lambda: not window.jobs.running("map"), timeout=120000)
    assert not cancel.isEnabled()
