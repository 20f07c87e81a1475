"""The window, `semviewer map` and a study unit compute a map through one pipeline: the same
object, model and grid give one cache entry, computed once and read by the other two."""

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from semviewer.cli import main
from semviewer.core.maps.cache import MapCache


def test_the_window_the_cli_and_a_study_unit_share_one_cache_entry(window, qtbot, tmp_path, capsys):
    from semviewer.studies.manifest import plan_from_manifest
    from semviewer.studies.runner import run_study

    cache = Path(os.environ["SEMVIEWER_CACHE_DIR"])
    window.map_settings.set_resolution("coarse")
    qtbot.mouseClick(window.findChild(QPushButton, "computeMapButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.document.maps["primary"] is not None and window.document.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)
    entries = sorted(cache.glob("*.npz"))
    assert len(entries) == 1 and MapCache(cache).get(entries[0].stem) is not None

    capsys.readouterr()
    assert main(["map", "--object", "teapot", "--preset", "coarse", "--out", str(tmp_path / "cli.npz")]) == 0
    assert "read from the cache" in capsys.readouterr().err                      # instant: nothing computed

    manifest = {"study": {"name": "one", "models": ["efficientnet-lite0"], "methods": ["naive"]},
                "grid": {"preset": "coarse"}, "solver": {"steps": 5}, "objects": [{"name": "teapot"}]}
    outcome = run_study(plan_from_manifest(manifest, tmp_path), tmp_path / "study", workers=1, progress=False,
                        figures=False)
    assert outcome.units[0]["stats"]["map_from_cache"] is True                   # instant too
    assert sorted(cache.glob("*.npz")) == entries                                # still the one entry
