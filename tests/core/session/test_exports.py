"""Exports of a document: each needs its content, writes its file, and reads back what was shown."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from semviewer.core.errors import SemviewerError
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.maps.build import build_map
from semviewer.core.session.document import PRIMARY, Document
from semviewer.core.session.exports import export_figure, export_map, export_map_csv, export_regions, export_render
from semviewer.pipeline.regions import plan_region_jobs, region_run_record, run_region_jobs, scores_provenance



def jobs_of(doc):
    """The region jobs of a document as it stands (its request on its targets)."""
    return plan_region_jobs(doc.region_request(), doc.region_targets())


def record_of(doc, jobs):
    request, targets = doc.region_request(), doc.region_targets()
    return region_run_record(request, jobs, scores_provenance(request, targets, jobs, None))


def bump(points):
    return np.exp(-((points[:, 0] - 145) / 45) ** 2 - ((points[:, 1] - 30) / 30) ** 2)


@pytest.fixture
def doc():
    d = Document()
    d.open_object("teapot")
    return d


def test_each_export_says_what_is_missing(doc, tmp_path):
    for export, message in ((export_figure, "no map to export"), (export_map, "no map to export"),
                            (export_map_csv, "no map to export"), (export_regions, "no regions"),
                            (export_render, "nothing has been rendered")):
        with pytest.raises(SemviewerError, match=message):
            export(None if export is export_render else doc, tmp_path / "out")    # the render: the window's
    assert not list(tmp_path.iterdir())


def test_map_figure_csv_regions_and_render_are_written_from_the_document(doc, tmp_path):
    doc.set_map(PRIMARY, build_map(bump, doc.grid(), {}, {"model": doc.model.name, "classes": doc.scene.classes.to_json()}))
    doc.set_starts([(130.0, 30.0)])
    jobs = jobs_of(doc)
    doc.set_regions(run_region_jobs(jobs, None), record_of(doc, jobs))
    frame = np.full((16, 16, 3), 200, np.uint8)                          # the render a window shows
    back = SemanticMap.load(export_map(doc, tmp_path / "m.npz"))
    np.testing.assert_array_equal(back.values, doc.maps[PRIMARY].values)
    rows = list(csv.DictReader(export_map_csv(doc, tmp_path / "m.csv").open()))
    assert len(rows) == doc.maps[PRIMARY].values.size and set(rows[0]) == {"azimuth", "elevation", "score", "top1"}
    regions = json.loads(export_regions(doc, tmp_path / "r.json").read_text())
    assert regions["axes"] == ["azimuth", "elevation"] and regions["domain"] == [[0.0, 360.0], [-10.0, 90.0]]
    assert regions["regions"][0]["model"] == doc.model.name and "inside" in regions["regions"][0]
    assert regions["config"]["oir_b"]["steps"] == 800 and regions["classes"]["names"] == ["teapot"]
    assert Image.open(export_figure(doc, tmp_path / "f.png")).size[0] > 500
    assert np.asarray(Image.open(export_render(frame, tmp_path / "r.png")))[0, 0].tolist() == [200, 200, 200]


def test_a_figure_drawn_aside_in_a_child_process_is_the_same_figure(doc, tmp_path):
    doc.set_map(PRIMARY, build_map(bump, doc.grid(), {}, {"model": doc.model.name, "classes": doc.scene.classes.to_json()}))
    doc.set_starts([(130.0, 30.0)])
    jobs = jobs_of(doc)
    doc.set_regions(run_region_jobs(jobs, None), record_of(doc, jobs))
    here = np.asarray(Image.open(export_figure(doc, tmp_path / "here.png", dpi=60)))
    aside = np.asarray(Image.open(export_figure(doc, tmp_path / "aside.png", dpi=60, aside=True)))
    np.testing.assert_array_equal(here, aside)
    with pytest.raises(SemviewerError, match="no map"):                 # its errors come back as they are
        export_figure(Document(), tmp_path / "none.png", aside=True)
