"""The Qt-free document: a whole session driven without a window, events, rules and tickets."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from semviewer.core.session.document import COMPARE, PRIMARY, Document, title
from semviewer.core.errors import SemviewerError
from semviewer.core.models.labels import ClassSet
from semviewer.pipeline.regions import plan_region_jobs, region_run_record, run_region_jobs, scores_provenance
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.maps.build import build_map
from semviewer.core.session.saved_state import Session, from_session, saved_state, to_session



def jobs_of(doc):
    """The region jobs of a document as it stands (its request on its targets)."""
    return plan_region_jobs(doc.region_request(), doc.region_targets())


def record_of(doc, jobs):
    request, targets = doc.region_request(), doc.region_targets()
    return region_run_record(request, jobs, scores_provenance(request, targets, jobs, None))


def bump(points: np.ndarray) -> np.ndarray:
    """A score that peaks at azimuth 145°, elevation 30°."""
    return np.exp(-((points[:, 0] - 145) / 45) ** 2 - ((points[:, 1] - 30) / 30) ** 2)


def small_map(doc: Document) -> SemanticMap:
    return build_map(bump, doc.grid(), {}, {"model": doc.model.name, "classes": doc.scene.classes.to_json()})


SESSION_SCRIPT = textwrap.dedent("""
    import sys, json
    from pathlib import Path
    import numpy as np
    from semviewer.core.session.document import Document, PRIMARY
    from semviewer.core.session.exports import export_figure, export_map, export_map_csv, export_regions
    from semviewer.core.models.labels import ClassSet
    from semviewer.pipeline.regions import grow_regions
    from semviewer.core.maps.build import build_map
    from semviewer.core.session.saved_state import Session, from_session, same_state, to_session

    out = Path(sys.argv[1])
    doc = Document()
    doc.open_object("mug")
    doc.set_model("efficientnet-lite2")
    doc.set_classes(ClassSet((504, 968)))
    f = lambda p: np.exp(-((p[:, 0] - 145) / 45) ** 2 - ((p[:, 1] - 30) / 30) ** 2)
    doc.set_map(PRIMARY, build_map(f, doc.grid(), {}, {"model": doc.model.name}))
    doc.set_starts([(130.0, 30.0), (160.0, 20.0)])
    doc.set_solver("oir_b", {**doc.solver.settings, "steps": 200})
    doc.set_regions(*grow_regions(doc.region_request(), doc.region_targets()))
    to_session(doc).save(out / "s.json")
    for export, name in ((export_figure, "fig.png"), (export_map, "map.npz"), (export_map_csv, "map.csv"),
                         (export_regions, "regions.json")):
        export(doc, out / name)
    again = from_session(Session.load(out / "s.json"), out)
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6"))
    print(json.dumps({"equal": same_state(again, doc), "qt": qt, "regions": len(again.solver.regions),
                      "bounds": [r.lower.tolist() + r.upper.tolist() for _, r in doc.solver.regions]}))
""")


def test_a_whole_session_runs_without_qt_and_reopens_to_an_equal_document(tmp_path):
    result = subprocess.run([sys.executable, "-c", SESSION_SCRIPT, str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["qt"] == [] and report["equal"] and report["regions"] == 2
    for lo_az, lo_el, hi_az, hi_el in report["bounds"]:        # the regions grew over the bump
        assert 60 < lo_az < 110 and 190 < hi_az < 240 and hi_el > 60
    assert (tmp_path / "fig.png").stat().st_size > 10_000
    assert SemanticMap.load(tmp_path / "map.npz").shape == (24, 11)
    assert (tmp_path / "map.csv").read_text().startswith("azimuth,elevation,score,top1")
    data = json.loads((tmp_path / "regions.json").read_text())
    assert [r["model"] for r in data["regions"]] == ["efficientnet-lite2"] * 2
    assert data["config"]["oir_b"]["steps"] == 200 and data["source"] == {"kind": "map"}
    session = json.loads((tmp_path / "s.json").read_text())
    assert session["classes"] == [504, 968] and session["object"] == "mug" and len(session["regions"]) == 2


@pytest.fixture
def doc():
    d = Document()
    d.open_object("teapot")
    return d


def test_changes_notify_subscribers_after_they_apply(doc):
    seen = []
    doc.scene.events.pose.connect(lambda pose: seen.append(("pose", pose["azimuth"])))
    doc.maps.events.changed.connect(lambda target, complete: seen.append(("maps", target)))
    doc.scene.set_pose(doc.scene.pose.replace(azimuth=12.0))
    doc.set_map(PRIMARY, small_map(doc))
    assert seen == [("pose", 12.0), ("maps", PRIMARY)]


def test_a_new_object_class_set_or_model_drops_the_results_and_stale_results_are_ignored(doc):
    for change in (lambda: doc.set_classes(ClassSet((504,))), lambda: doc.set_model("efficientnet-lite2"),
                   lambda: doc.open_object("mug")):
        ticket = doc.ticket(PRIMARY)
        doc.set_map(PRIMARY, small_map(doc), ticket)
        doc.set_starts([(130.0, 30.0)])
        jobs = jobs_of(doc)
        regions_ticket = doc.ticket("regions")
        doc.set_regions(run_region_jobs(jobs, None), record_of(doc, jobs), regions_ticket)
        assert doc.solver.regions and doc.maps[PRIMARY] is not None
        change()
        assert doc.maps[PRIMARY] is None and doc.solver.regions == []
        assert not doc.set_map(PRIMARY, small_map(doc), ticket)          # a job started before: dropped
        assert not doc.set_regions([(PRIMARY, r) for _, r in []], None, regions_ticket)
        assert doc.maps[PRIMARY] is None


def test_keep_results_keeps_the_regions_of_a_reopened_model(doc):
    doc.set_map(PRIMARY, small_map(doc))
    doc.set_starts([(130.0, 30.0)])
    jobs = jobs_of(doc)
    doc.set_regions(run_region_jobs(jobs, None), record_of(doc, jobs))
    doc.set_model("efficientnet-lite2", keep_results=True)
    assert len(doc.solver.regions) == 1


def test_changing_the_compare_model_drops_its_map_and_regions_only(doc):
    doc.set_compare_model("efficientnet-lite2")
    ticket = doc.ticket(COMPARE)
    for target in (PRIMARY, COMPARE):
        doc.set_map(target, small_map(doc))
    doc.set_starts([(130.0, 30.0)])
    jobs = jobs_of(doc)
    assert [j.target for j in jobs] == [PRIMARY, COMPARE] and [j.label for j in jobs] == [doc.model.name,
                                                                                          "efficientnet-lite2"]
    doc.set_regions(run_region_jobs(jobs, None), record_of(doc, jobs))
    doc.set_compare_model("efficientnet-lite0")
    assert doc.maps[COMPARE] is None and doc.maps[PRIMARY] is not None
    assert [t for t, _ in doc.solver.regions] == [PRIMARY]
    assert not doc.set_map(COMPARE, small_map(doc), ticket)


def test_default_starts_and_paper_starts(doc):
    assert "paper's" in doc.default_starts() and len(doc.solver.starts) == 4
    doc.view.set(["azimuth"])
    note = doc.use_paper_starts()
    assert len(doc.solver.starts) == 4 and doc.scene.pose["elevation"] == 35.0 and "elevation 35°" in note
    doc.view.set(["distance", "roll"])
    with pytest.raises(SemviewerError, match="paper's start points"):
        doc.use_paper_starts()
    assert "centre" in doc.default_starts() and doc.solver.starts == [(3.75, 0.0)]


def test_open_map_makes_running_jobs_stale_and_clears_regions_and_starts(doc, tmp_path):
    doc.set_starts([(130.0, 30.0)])
    ticket = doc.ticket(PRIMARY)
    path = small_map(doc).save(tmp_path / "m.npz")
    doc.open_map(SemanticMap.load(path), str(path))
    assert doc.solver.starts == [] and not doc.set_map(PRIMARY, None, ticket)
    assert title(doc).startswith("semviewer — map m.npz")


def test_restore_keeps_subscribers_and_a_matching_classifier(doc, tmp_path):
    marker = object()
    doc.model.classifiers[PRIMARY] = marker
    seen = []
    doc.scene.events.object.connect(lambda: seen.append(title(doc)))
    doc.set_starts([(10.0, 20.0)])
    path = to_session(doc).save(tmp_path / "s.json")
    doc.set_starts([])
    ticket = doc.ticket(PRIMARY)
    doc.restore(from_session(Session.load(path), tmp_path))
    assert doc.solver.starts == [(10.0, 20.0)] and doc.model.classifier is marker and seen
    assert not doc.is_current(PRIMARY, ticket)                           # old jobs are stale


def test_bad_changes_are_refused_and_change_nothing(doc):
    before = saved_state(doc)
    for bad in (lambda: doc.set_model("no-such-net"), lambda: doc.view.set(["azimuth", "azimuth"]),
                lambda: doc.view.set(resolution="ultra"), lambda: doc.set_solver("gradient-ascent"),
                lambda: doc.set_solver(settings={"lr": -1.0}), lambda: doc.set_starts([(1.0,)]),
                lambda: doc.model.set_engine("tpu"), lambda: doc.set_compare_model("alexnet-9000")):
        with pytest.raises(SemviewerError):
            bad()
    assert saved_state(doc) == before


def test_a_model_with_its_own_labels_carries_the_class_set_by_name(tiny_models, tmp_path):
    doc = Document()
    doc.open_object("teapot")
    assert doc.scene.classes.ids == (849,) and doc.model.labels.imagenet
    doc.set_model(str(tiny_models["onnx"]))
    assert doc.model.labels.names == tiny_models["names"] and doc.scene.classes.ids == (0,) and not doc.model.classes_reset
    doc.open_object("mug")                         # ImageNet's coffee mug: not among its labels, so kept
    assert str(doc.scene.classes) == "teapot"
    with pytest.raises(SemviewerError, match="has no class named 'coffee mug'"):
        doc.set_classes(ClassSet((504,)))
    doc.set_classes(ClassSet((2,), doc.model.labels))
    session = tmp_path / "s.json"
    to_session(doc).save(session)
    again = from_session(Session.load(session))
    assert str(again.scene.classes) == "bagel" and again.model.name == doc.model.name
    doc.set_model("efficientnet-lite0")            # ImageNet has a bagel: the class set follows by name
    assert doc.scene.classes.ids == (931,) and not doc.model.classes_reset
    doc.set_model("efficientnet-lite0", labels=str(tiny_models["labels"]))
    assert doc.scene.classes.ids == (2,)
    (tmp_path / "other.txt").write_text("\n".join(f"c{i}" for i in range(1000)))
    doc.set_model("efficientnet-lite0", labels=str(tmp_path / "other.txt"))
    assert doc.model.classes_reset and str(doc.scene.classes) == "c0"


def test_an_unknown_or_unreadable_model_is_refused_before_it_applies(tmp_path):
    doc = Document()
    with pytest.raises(SemviewerError, match="unknown model 'resnet5'"):
        doc.set_model("resnet5")
    with pytest.raises(SemviewerError, match="does not exist"):
        doc.set_compare_model(str(tmp_path / "gone.onnx"))
    assert doc.model.name == "efficientnet-lite0" and doc.model.compare is None
    bad = Session(model=str(tmp_path / "gone.onnx"))
    with pytest.raises(SemviewerError, match="does not exist"):
        bad.validate()
