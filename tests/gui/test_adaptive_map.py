"""The window's adaptive maps: the checkbox and tolerance, the map they give, sessions."""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton


def test_the_adaptive_checkbox_computes_an_adaptive_map_and_sessions_keep_it(window, qtbot, tmp_path):
    settings, doc = window.map_settings, window.document
    settings.set_resolution("coarse")
    settings.tolerance.setValue(0.1)
    settings.adaptive.setChecked(True)
    assert doc.view.adaptive == 0.1
    qtbot.mouseClick(window.findChild(QPushButton, "computeMapButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: doc.maps["primary"] is not None and doc.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)
    semantic_map = doc.maps["primary"]
    assert semantic_map.adaptive == 0.1 and semantic_map.computed_fraction < 1
    assert "interpolated" in window.feedback.status_label.text()
    session = window.files.save_session(str(tmp_path / "s.json"))
    assert json.loads(open(session).read())["adaptive"] == 0.1
    settings.adaptive.setChecked(False)
    assert doc.view.adaptive is None
    window.files.open_session(session)
    assert doc.view.adaptive == 0.1 and settings.adaptive.isChecked() and settings.tolerance.value() == 0.1
    # the reopened session's adaptive map comes back from the cache, and exports
    qtbot.waitUntil(lambda: doc.maps["primary"] is not None, timeout=30000)
    assert doc.maps["primary"].adaptive == 0.1
    window.files.export("figure", str(tmp_path / "f.png"))
    assert (tmp_path / "f.png").stat().st_size > 10_000
