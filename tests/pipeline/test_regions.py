"""Region jobs: which score each map's regions grow on, over which Ω, from which starts."""

from contextlib import nullcontext
from dataclasses import replace

import numpy as np
import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.maps.build import build_map
from semviewer.core.session.document import PRIMARY, Document
from semviewer.pipeline.regions import plan_region_jobs, region_run_record, run_region_jobs, scores_provenance



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


@pytest.fixture
def doc():
    d = Document()
    d.open_object("teapot")
    return d


def test_plan_region_jobs_decides_the_score_domain_and_checks_the_starts(doc):
    with pytest.raises(SemviewerError, match="no start points"):
        jobs_of(doc)
    doc.set_starts([(130.0, 30.0)])
    with pytest.raises(SemviewerError, match="compute the map first"):
        jobs_of(doc)
    doc.set_solver(source="live")
    with pytest.raises(SemviewerError, match="still loading"):
        jobs_of(doc)
    doc.set_solver(source="map")
    doc.set_map(PRIMARY, small_map(doc))
    (job,) = jobs_of(doc)
    assert not job.live and job.axes == ("azimuth", "elevation")
    np.testing.assert_allclose(job.domain, [[0, 360], [-10, 90]])
    doc.set_starts([(160.0, 30.0)])
    request = replace(doc.region_request(), domain=np.array([[100.0, 150.0], [0.0, 50.0]]))   # Ω given (CLI --axes)
    with pytest.raises(SemviewerError, match="outside the domain"):
        plan_region_jobs(request, doc.region_targets())
    doc.view.set(["azimuth", "distance"])
    with pytest.raises(SemviewerError, match="picked on azimuth × elevation"):
        jobs_of(doc)


def test_live_jobs_grow_through_the_score_they_are_handed(doc):
    doc.set_solver(source="live", inside_points=0, settings={**doc.solver.settings, "steps": 200})
    doc.model.classifiers[PRIMARY] = object()      # stands for a loaded classifier: the live score below is given
    doc.set_starts([(130.0, 30.0)])
    (job,) = jobs_of(doc)
    assert job.live and job.classifier is doc.model.classifiers[PRIMARY]
    opened = []
    found = run_region_jobs([job], lambda j: opened.append(j) or nullcontext(bump))
    assert opened == [job] and len(found) == 1 and found[0][1].upper[0] > 190
