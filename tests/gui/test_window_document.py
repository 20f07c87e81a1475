"""The window over the document: its state is the document's, slow file work runs in the
background, and the gui modules stay small (issue 12)."""

import time
from pathlib import Path

import numpy as np

REGION = {"map": "primary", "method": "oir_b", "start": [130.0, 30.0], "lower": [100.0, 10.0],
          "upper": [160.0, 50.0], "domain": [[0.0, 360.0], [-10.0, 90.0]], "volume_ratio": 0.07,
          "steps": 10, "evaluations": 40, "stop_reason": "steps", "message": ""}


def slow_loads(monkeypatch, seconds=1.0):
    """Make every session load take ``seconds`` (as reading a large mesh would)."""
    import semviewer.gui.controllers.files as files

    real = files.from_session

    def slow(session, base_dir=None):
        time.sleep(seconds)
        return real(session, base_dir)

    monkeypatch.setattr(files, "from_session", slow)


def test_the_window_state_is_the_documents(window):
    doc = window.document
    assert not any(hasattr(window, name) for name in ("maps", "pose", "regions", "compute_map", "start_solver"))
    doc.scene.set_pose(doc.scene.pose.replace(azimuth=33.0))                     # document → widgets
    assert doc.scene.pose["azimuth"] == 33.0 and window.viewport.pose["azimuth"] == 33.0
    assert window.controls.boxes["azimuth"].value() == 33.0
    window.map_settings.set_shown_axes(["azimuth", "distance"])    # widgets → document
    assert doc.view.map_axes == ["azimuth", "distance"]
    doc.view.set(["elevation"], "medium")                            # document → widgets
    assert window.map_settings.shown_axes() == ["elevation"]
    assert window.map_settings.resolution.currentData() == "medium"


def test_a_session_opened_from_the_menu_loads_in_the_background(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.session.saved_state import Session

    path = Session(object="mug", classes=[504, 968], starts=[[130.0, 30.0]], regions=[REGION]).save(tmp_path / "s.json")
    slow_loads(monkeypatch)
    began = time.perf_counter()
    window.files.open_session(str(path), background=True)
    assert time.perf_counter() - began < 0.5 and window.jobs.running("open")
    assert window.document.scene.object_source == "teapot"                              # nothing changed yet
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=50.0))                   # the window answers meanwhile
    qtbot.waitUntil(lambda: window.document.scene.object_source == "mug" and not window.jobs.running("open"), timeout=30000)
    assert len(window.document.solver.regions) == 1 and window.regions_table.rowCount() == 1 and window.document.solver.starts == [(130.0, 30.0)]
    assert not window.feedback.progress.isVisible() or window.jobs.running("model")


def test_an_object_opened_meanwhile_wins_over_a_late_session(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.session.saved_state import Session

    path = Session(object="mug", classes=[504, 968]).save(tmp_path / "s.json")
    slow_loads(monkeypatch)
    window.files.open_session(str(path), background=True)
    window.objects.open_object("soccer_ball")
    assert not window.jobs.running("open")
    qtbot.wait(1500)
    assert window.document.scene.object_source == "soccer_ball"


def test_a_map_file_opened_from_the_menu_or_recent_files_loads_in_the_background(window, qtbot, tmp_path):
    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.maps.build import build_map

    axes = (parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=0:90:45"))
    path = build_map(lambda p: np.full(len(p), 0.5), axes, {}, {"model": "m"}).save(tmp_path / "m.npz")
    window.files.opener(str(path))(str(path), background=True)
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None and not window.jobs.running("open"), timeout=30000)
    assert window.document.maps["primary"].shape == (4, 2) and "map m.npz" in window.windowTitle()


def test_an_export_asked_for_from_the_menu_is_written_in_the_background(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.maps.build import build_map

    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    window.document.set_map("primary", build_map(lambda p: p[:, 0] / 360, axes, {}, {"model": "m"}))
    target = tmp_path / "fig"
    monkeypatch.setattr(window.files, "ask_path", lambda title, filters, default: str(target) + ".png")
    window.files.export("figure")
    qtbot.waitUntil(lambda: not window.jobs.running("export-figure"), timeout=60000)
    assert Path(str(target) + ".png").stat().st_size > 10_000 and "wrote" in window.feedback.status_label.text()
    window.document.set_map("primary", None)
    window.feedback.guarded(window.files.export, "figure")              # nothing to export: said before asking
    assert "no map to export" in window.feedback.last_error


def test_the_window_only_builds_and_wires():
    import semviewer.gui

    folder = Path(semviewer.gui.__file__).parent
    assert len((folder / "main_window.py").read_text().splitlines()) < 300
    for path in (folder / "controllers").glob("*.py"):           # controllers take the document and widgets
        assert "main_window" not in path.read_text(), f"{path.name} reaches into the window"


def test_no_code_writes_attributes_onto_another_object():
    """Menus, actions and controllers get what they need as arguments; none sets attributes on the
    window, a controller or a widget it was given (``w.model_menu = ...`` made menus order-dependent)."""
    import re

    import semviewer.gui

    folder = Path(semviewer.gui.__file__).parent
    foreign = re.compile(r"^\s*(?!self\b)(w|window|objects|files|maps|panel|settings|parent|doc|document)\.[a-z_]+"
                         r"(\.[a-z_]+)*\s*=(?!=)", re.M)
    for path in folder.rglob("*.py"):
        found = foreign.findall(path.read_text())
        assert not found, f"{path.relative_to(folder)} writes onto another object: {found}"
