"""The pipeline's scorer: one provenance for everyone, bounded batches, scores opened once per job."""

import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.models.labels import ClassSet
from semviewer.core.scene.axes import Pose
from semviewer.pipeline.scorer import MAX_BATCH_SIZE, Scorer, Scorers
from semviewer.pipeline.scene import Scene


@pytest.fixture(scope="module")
def scene(teapot_mesh):
    return Scene(teapot_mesh, ClassSet((849,)), base=Pose({"elevation": 40.0}))


@pytest.mark.parametrize("size", [0, MAX_BATCH_SIZE + 1, 100_000, 2.5, True])
def test_a_batch_size_out_of_bounds_is_refused_before_anything_renders(scene, classifier, size):
    with pytest.raises(SemviewerError, match=f"from 1 to {MAX_BATCH_SIZE}"):
        Scorer(scene, classifier, ["azimuth"], batch_size=size)


def test_provenance_records_the_fixed_axes_and_a_rate_probe_costs_no_evaluations(scene, classifier):
    with Scorer(scene, classifier, ["azimuth"], batch_size=4) as scorer:
        assert scorer.provenance["fixed"]["elevation"] == 40.0 and "azimuth" not in scorer.provenance["fixed"]
        assert scorer.provenance["model"] == classifier.name and scorer.fixed == scene.fixed(["azimuth"])
        assert scorer.rate() > 0 and scorer.score.evaluations == 0


def test_scorers_open_one_score_per_classifier_and_axes_and_close_them_all(scene, classifier):
    with Scorers(scene, batch_size=2) as scorers:
        first = scorers.get(classifier, ["azimuth"])
        assert scorers.get(classifier, ["azimuth"]) is first
        assert scorers.get(classifier, ["azimuth", "elevation"]) is not first
    assert first.thread._executor is None                     # closed with the others
