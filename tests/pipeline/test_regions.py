"""Region jobs: which score each map's regions grow on, over which Ω, from which starts."""

from contextlib import nullcontext

import numpy as np
import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.maps.build import build_map
from semviewer.core.session.document import PRIMARY, Document
from semviewer.pipeline.regions import plan_region_jobs, run_region_jobs


def bump(points: np.ndarray) -> np.ndarray:
    """A score that peaks at azimuth 145°, elevation 30°."""
    return np.exp(-((points[:, 0] - 145) / 45) ** 2 - ((points[:, 1] - 30) / 30) ** 2)


def small_map(doc: Document) -> SemanticMap:
    return build_map(bump, doc.grid(), {}, {"model": doc.model_name, "classes": doc.classes.to_json()})


@pytest.fixture
def doc():
    d = Document()
    d.open_object("teapot")
    return d


def test_plan_region_jobs_decides_the_score_domain_and_checks_the_starts(doc):
    with pytest.raises(SemviewerError, match="no start points"):
        plan_region_jobs(doc)
    doc.set_starts([(130.0, 30.0)])
    with pytest.raises(SemviewerError, match="compute the map first"):
        plan_region_jobs(doc)
    doc.set_solver(source="live")
    with pytest.raises(SemviewerError, match="still loading"):
        plan_region_jobs(doc)
    doc.set_solver(source="map")
    doc.set_map(PRIMARY, small_map(doc))
    (job,) = plan_region_jobs(doc)
    assert not job.live and job.axes == ("azimuth", "elevation")
    np.testing.assert_allclose(job.domain, [[0, 360], [-10, 90]])
    doc.domain = np.array([[100.0, 150.0], [0.0, 50.0]])                   # Ω given explicitly (CLI --axes)
    doc.set_starts([(160.0, 30.0)])
    with pytest.raises(SemviewerError, match="outside the domain"):
        plan_region_jobs(doc)
    doc.domain = None
    doc.set_view(["azimuth", "distance"])
    with pytest.raises(SemviewerError, match="picked on azimuth × elevation"):
        plan_region_jobs(doc)


def test_live_jobs_grow_through_the_score_they_are_handed(doc):
    doc.set_solver(source="live", inside_points=0, settings={**doc.solver_settings, "steps": 200})
    doc.classifiers[PRIMARY] = object()      # stands for a loaded classifier: the live score below is given
    doc.set_starts([(130.0, 30.0)])
    (job,) = plan_region_jobs(doc)
    assert job.live and job.classifier is doc.classifiers[PRIMARY]
    opened = []
    found = run_region_jobs([job], lambda j: opened.append(j) or nullcontext(bump))
    assert opened == [job] and len(found) == 1 and found[0][1].upper[0] > 190
