"""`semviewer evaluate`: the paper's Table 1 through a study, resumable."""

import csv
import json

import numpy as np
import pytest

from semviewer.cli import main


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_evaluate_writes_the_srvr_table(tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert main(["evaluate", "--objects", "teapot", "--models", "efficientnet-lite0", "--grid", "coarse",
                 "--methods", "naive", "oir_b", "--steps", "100", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["model"] == "efficientnet-lite0"
    for key in ("srvr_naive", "srvr_oir_b", "srvr_average", "mean_score", "map_top1_share"):
        assert 0.0 <= float(rows[0][key]) <= 1.0
    assert float(rows[0]["srvr_average"]) == pytest.approx(
        (float(rows[0]["srvr_naive"]) + float(rows[0]["srvr_oir_b"])) / 2, abs=1e-6)
    full = json.loads((tmp_path / "table.json").read_text())
    assert full["config"]["oir_b"]["steps"] == 100 and len(full["regions"]) == 8
    assert "SRVR" in capsys.readouterr().out
    for method in ("naive", "oir_b", "average"):                        # verified SRVR ≤ SRVR
        assert 0.0 <= float(rows[0][f"verified_srvr_{method}"]) <= float(rows[0][f"srvr_{method}"]) + 1e-9
    assert all(r["inside"]["source"] == "map" for r in full["regions"])
    expected = np.mean([r["volume_ratio"] * r["inside"]["top1_fraction"] for r in full["regions"]
                        if r["method"] == "oir_b"])
    assert float(rows[0]["verified_srvr_oir_b"]) == pytest.approx(expected, abs=1e-6)
    assert "verified SRVR" in full["verified_srvr_convention"]

def test_evaluate_takes_mesh_files_and_resumes(tmp_path, box_mesh_file, capsys):
    out = tmp_path / "t.csv"
    argv = ["evaluate", "--objects", "teapot", str(box_mesh_file), "--classes", "carton", "--models",
            "efficientnet-lite0", "--grid", "coarse", "--methods", "oir_b", "--steps", "20", "--out", str(out)]
    assert main(argv) == 0
    full = json.loads((tmp_path / "t.json").read_text())
    assert full["objects"] == ["teapot", "ell"] and len(full["regions"]) == 2 * 4
    assert len(list((tmp_path / "t.study" / "units").glob("*.json"))) == 2
    first = out.read_text()
    capsys.readouterr()
    assert main(argv) == 0 and out.read_text() == first
    assert "0 units computed" not in capsys.readouterr().out                # evaluate prints its own table
    assert main(["evaluate", "--objects", str(box_mesh_file), "--grid", "coarse", "--out", str(out)]) == 2
