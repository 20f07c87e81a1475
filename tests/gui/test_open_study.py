"""File → Open study: a unit's object, map and regions open in the window."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    from semviewer.studies.manifest import plan_from_manifest
    from semviewer.studies.runner import run_study

    folder = tmp_path_factory.mktemp("study")
    manifest = {"study": {"name": "gui", "models": ["efficientnet-lite0"], "methods": ["oir_b"]},
                "grid": {"azimuth": "0:360:45", "elevation": "-10:90:25"},
                "solver": {"steps": 30, "starts": [[130, 30], [200, 15]]},
                "objects": [{"name": "mug"}]}
    run_study(plan_from_manifest(manifest, folder), folder / "out", workers=1, progress=False, figures=False)
    return folder / "out"


def test_open_a_study_unit(window, qtbot, small_study):
    from semviewer.studies.folder import read_study

    units = read_study(small_study)
    assert [u.name for u in units] == ["mug × efficientnet-lite0"]
    window.files.open_study(str(small_study), unit=0)
    assert window.document.scene.object_source == "mug" and window.document.scene.classes.ids == (504, 968)
    shown = window.document.maps["primary"]
    assert shown is not None and shown.shape == (8, 4)
    assert np.allclose(shown.values, np.load(units[0].map_path)["values"])
    assert len(window.document.solver.regions) == 2 and window.regions_table.rowCount() == 2
    assert all(r.inside is not None for _, r in window.document.solver.regions)
    assert window.map_settings.resolution.currentText() == "as loaded (45° × 25°)"      # the unit's grid, not coarse
    assert window.solver.starts_label.text().startswith("start points: (")
    qtbot.wait(300)
    assert window.document.maps["primary"] is shown and len(window.document.solver.regions) == 2     # nothing wiped them since
    window.feedback.guarded(window.files.open_study, str(small_study / "units"))          # a wrong folder: one clear error
    assert "not a study folder" in window.feedback.last_error
