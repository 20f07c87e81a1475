"""A study's report: rows per object × model × method and Table 1's cells, from unit records."""

import csv

import numpy as np
import pytest

from semviewer.core.regions.region import InsideCheck, Region
from semviewer.studies.report import model_table, report_rows, write_report

OMEGA = np.array([[0.0, 100.0], [0.0, 100.0]])


def _region(method, side, top1):
    return Region(method, np.array([50.0, 50.0]), np.array([50.0 - side / 2] * 2), np.array([50.0 + side / 2] * 2),
                  OMEGA, np.zeros((0, 2, 2)), 8, 1, "steps", inside=InsideCheck(0.9, 0.5, top1, 9, "map")).to_json()


def _unit(obj, model, sides):
    return {"object": obj, "model": model, "stem": f"{obj}-{model}", "stats": {"mean_p": 0.5, "map_top1_share": 0.7},
            "regions": [_region("naive", sides[0], 1.0), _region("oir_b", sides[1], 0.5)]}


UNITS = [_unit("cup", "a", (10, 50)), _unit("pot", "a", (20, 30)), _unit("cup", "b", (10, 10))]


def test_rows_and_table_are_srvr_and_verified_srvr():
    rows = report_rows(UNITS, ["naive", "oir_b"])
    assert [(r["object"], r["model"], r["method"]) for r in rows][:2] == [("cup", "a", "naive"), ("cup", "a", "oir_b")]
    assert rows[1]["srvr"] == pytest.approx(0.25) and rows[1]["verified_srvr"] == pytest.approx(0.125)
    table = model_table(UNITS, ["a", "b", "c"], ["naive", "oir_b"])
    assert table["a"]["naive"] == pytest.approx(((0.01 + 0.04) / 2, (0.01 + 0.04) / 2))
    assert table["a"]["oir_b"][0] == pytest.approx((0.25 + 0.09) / 2)
    assert table["a"]["average"][0] == pytest.approx(((0.01 + 0.04) / 2 + (0.25 + 0.09) / 2) / 2)
    assert all(v != v for v in table["c"]["naive"])                       # a model without units: n/a


def test_the_report_files(tmp_path):
    rows = write_report(tmp_path, "t", UNITS, {}, ["a", "b"], ["naive", "oir_b"], figures=False)
    written = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert len(written) == len(rows) == 6 and float(written[1]["srvr"]) == pytest.approx(0.25)
    table = (tmp_path / "table.md").read_text()
    assert "| a | 2.50% (2.50%) | 17.00% (8.50%) | 9.75% (5.50%) |" in table
    assert "<table>" in (tmp_path / "table.html").read_text()
