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
    from semviewer.core.session.document import Document

    real = Document.from_session.__func__

    def slow(cls, session, base_dir=None):
        time.sleep(seconds)
        return real(cls, session, base_dir)

    monkeypatch.setattr(Document, "from_session", classmethod(slow))


def test_the_window_state_is_the_documents(window):
    doc = window.document
    assert window.maps is doc.maps and window.pose is doc.pose and window.regions is doc.regions
    window.set_pose(window.pose.replace(azimuth=33.0))
    assert doc.pose["azimuth"] == 33.0 and window.viewport.pose["azimuth"] == 33.0
    assert window.controls.boxes["azimuth"].value() == 33.0
    window.map_settings.set_shown_axes(["azimuth", "distance"])
    assert doc.map_axes == ["azimuth", "distance"]
    window.document.set_view(["elevation"], "medium")                # document → widgets
    assert window.map_settings.shown_axes() == ["elevation"]
    assert window.map_settings.resolution.currentData() == "medium"


def test_a_session_opened_from_the_menu_loads_in_the_background(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.session.session_file import Session

    path = Session(object="mug", classes=[504, 968], starts=[[130.0, 30.0]], regions=[REGION]).save(tmp_path / "s.json")
    slow_loads(monkeypatch)
    began = time.perf_counter()
    window.open_session(str(path), background=True)
    assert time.perf_counter() - began < 0.5 and window.jobs.running("open")
    assert window.object_source == "teapot"                              # nothing changed yet
    window.set_pose(window.pose.replace(azimuth=50.0))                   # the window answers meanwhile
    qtbot.waitUntil(lambda: window.object_source == "mug" and not window.jobs.running("open"), timeout=30000)
    assert len(window.regions) == 1 and window.regions_table.rowCount() == 1 and window.starts == [(130.0, 30.0)]
    assert not window.progress.isVisible() or window.jobs.running("model")


def test_an_object_opened_meanwhile_wins_over_a_late_session(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.session.session_file import Session

    path = Session(object="mug", classes=[504, 968]).save(tmp_path / "s.json")
    slow_loads(monkeypatch)
    window.open_session(str(path), background=True)
    window.open_object("soccer_ball")
    assert not window.jobs.running("open")
    qtbot.wait(1500)
    assert window.object_source == "soccer_ball"


def test_a_map_file_opened_from_the_menu_or_recent_files_loads_in_the_background(window, qtbot, tmp_path):
    from semviewer.core.scene.axes import parse_grid_axis
    from semviewer.core.maps.semantic_map import build_map

    axes = (parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=0:90:45"))
    path = build_map(lambda p: np.full(len(p), 0.5), axes, {}, {"model": "m"}).save(tmp_path / "m.npz")
    window.files.opener(str(path))(str(path), background=True)
    qtbot.waitUntil(lambda: window.maps["primary"] is not None and not window.jobs.running("open"), timeout=30000)
    assert window.maps["primary"].shape == (4, 2) and "map m.npz" in window.windowTitle()


def test_an_export_asked_for_from_the_menu_is_written_in_the_background(window, qtbot, tmp_path, monkeypatch):
    from semviewer.core.scene.axes import parse_grid_axis
    from semviewer.core.maps.semantic_map import build_map

    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    window.document.set_map("primary", build_map(lambda p: p[:, 0] / 360, axes, {}, {"model": "m"}))
    target = tmp_path / "fig"
    monkeypatch.setattr(window.files, "ask_path", lambda title, filters, default: str(target) + ".png")
    window.export_figure()
    qtbot.waitUntil(lambda: not window.jobs.running("export-figure"), timeout=60000)
    assert Path(str(target) + ".png").stat().st_size > 10_000 and "wrote" in window.status_label.text()
    window.document.set_map("primary", None)
    window._guarded(window.export_figure)                                # nothing to export: said before asking
    assert "no map to export" in window.last_error


def test_gui_modules_stay_small():
    import semviewer.gui

    folder = Path(semviewer.gui.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert sizes["main_window.py"] < 300
    assert max(sizes.values()) < 400, sizes
