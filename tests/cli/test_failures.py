"""`semviewer failures` and a study's [failures] table, end to end on the bundled teapot."""

import csv
import json

import numpy as np
import pytest

from semviewer.cli import main


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_failures_writes_the_search_and_the_grid_of_renders(tmp_path, capsys):
    out, figure = tmp_path / "f.json", tmp_path / "f.png"
    assert main(["failures", "--object", "teapot", "--axes", "azimuth=0:360", "elevation=-10:90", "distance=2:4",
                 "--budget", "120", "--seed", "2", "--out", str(out), "--figure", str(figure)]) == 0
    data = json.loads(out.read_text())
    assert data["axes"] == ["azimuth", "elevation", "distance"] and data["evaluations"] <= 120
    assert data["failure_rate"]["sample"] == 30
    assert data["provenance"]["model"] == "efficientnet-lite0" and "fixed" in data["provenance"]
    for failure in data["failures"]:
        assert 2 <= failure["point"]["distance"] <= 4 and -10 <= failure["point"]["elevation"] <= 90
        assert failure["p_true"] < 0.5 or failure["label_name"] != "teapot"
    assert figure.stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "distinct failure" in printed and "uniform sample of 30" in printed
    # the same seed gives the same search
    assert main(["failures", "--object", "teapot", "--axes", "azimuth=0:360", "elevation=-10:90", "distance=2:4",
                 "--budget", "120", "--seed", "2", "--out", str(tmp_path / "g.json")]) == 0
    again = json.loads((tmp_path / "g.json").read_text())
    assert again["failures"] == data["failures"]


@pytest.mark.parametrize("args, message", [
    (["--axes", "azimuth=0:360"], "2 to 10 axes"),
    (["--axes", "azimuth=0:360", "azimuth=0:90"], "given twice"),
    (["--axes", "azimuth=0:360", "background"], "categorical"),
    (["--axes", "azimuth=0:360", "wobble=0:1"], "unknown axis"),
    (["--axes", "azimuth=0:360", "elevation=50:10"], "empty or reversed"),
    (["--budget", "0"], "budget"),
    (["--budget", "100000000"], "budget"),
    (["--budget", "100", "--sample", "200"], "part of the budget"),
])
def test_bad_searches_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["failures", "--out", str(tmp_path / "f.json"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "f.json").exists()


def test_a_study_with_a_failures_table_reports_each_units_failure_rate(tmp_path):
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "failing"\nmodels = ["efficientnet-lite0"]\nmethods = ["naive"]\n'
        '[grid]\nazimuth = "0:360:90"\nelevation = "0:60:30"\n[solver]\nsteps = 10\nstarts = [[90, 30]]\n'
        '[failures]\naxes = ["azimuth=0:360", "elevation=-10:90"]\nbudget = 80\n'
        '[[objects]]\nname = "teapot"\n[[objects]]\nname = "mug"\n')
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--no-figures"]) == 0
    rows = list(csv.DictReader((tmp_path / "out" / "report.csv").open()))
    assert len(rows) == 2
    for row in rows:
        assert float(row["failure_rate_low"]) <= float(row["failure_rate"]) <= float(row["failure_rate_high"])
        assert int(row["failure_modes"]) >= 0 and 0 <= float(row["worst_p"]) <= 1
    table = (tmp_path / "out" / "table.md").read_text()
    assert "## Failures" in table and "failure rate (95 % interval)" in table
    from semviewer.core.session.study_unit import from_study_unit
    from semviewer.studies.folder import read_study

    units = read_study(tmp_path / "out")
    doc = from_study_unit(units[0], tmp_path / "out")
    assert doc.failures.search is not None and doc.failures.search.budget == 80
    # a bad [failures] table is named before any work
    (tmp_path / "study.toml").write_text((tmp_path / "study.toml").read_text().replace("budget = 80", "budget = 0"))
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out2")]) == 2
    assert not (tmp_path / "out2").exists()


def test_the_probe_reads_the_pipelines_probabilities():
    from semviewer.core.inference.loading import load_classifier
    from semviewer.core.scene.objects import get_object
    from semviewer.pipeline.failures import failure_probe
    from semviewer.pipeline.scene import make_scene
    from semviewer.pipeline.scorer import Scorer

    obj = get_object("teapot")
    classifier = load_classifier("efficientnet-lite0", device="cpu")
    scene = make_scene(obj.load(), obj.classes.on(classifier.labels), base=obj.default_pose)
    with Scorer(scene, classifier, ["azimuth", "elevation"], batch_size=4) as scorer:
        points = np.array([[0.0, 40.0], [90.0, 0.0], [200.0, 30.0], [270.0, -10.0]])
        batch = failure_probe(scorer.score)(points)
        probs = scorer.score.evaluate(points, probabilities=True).probabilities
    teapot = classifier.labels.names.index("teapot")
    assert np.allclose(batch.p_true, probs[:, teapot], atol=1e-6)
    assert (batch.failed == (probs.argmax(axis=1) != teapot)).all()
    assert np.allclose(batch.label_p, probs.max(axis=1))
    others = np.delete(probs, teapot, axis=1)
    assert np.allclose(batch.best_wrong, others.max(axis=1))
