"""The score function f(u) through the real renderer and the default model."""

import threading

import numpy as np
import pytest

from semviewer.core.scene.axes import Pose
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.errors import AxisError
from semviewer.core.scene.objects import get_object
from semviewer.pipeline.scoring import ScoreFunction
from semviewer.core.maps.build import build_map
from semviewer.render import Renderer, open_render_thread


@pytest.fixture(scope="module")
def teapot_thread():
    with open_render_thread(get_object("teapot").load()) as thread:
        yield thread


def test_renderer_lives_in_its_own_thread(teapot_thread):
    owner = teapot_thread.call(lambda r: r._thread)
    assert owner != threading.get_ident()


def test_score_matches_render_and_classify_one_by_one(teapot_thread, classifier, teapot_mesh):
    teapot = get_object("teapot")
    score = ScoreFunction(teapot_thread, classifier, teapot.classes, ["azimuth", "elevation"], batch_size=3)
    points = np.array([[0, 40], [90, 40], [180, 20], [30, 0], [300, 60.0]])
    result = score.evaluate(points, probabilities=True, images=True)
    assert score.forward_passes == 2 and score.evaluations == 5
    with Renderer(teapot_mesh) as r:
        for i, (az, el) in enumerate(points):
            image = r.render([Pose({"azimuth": az, "elevation": el})])
            np.testing.assert_array_equal(image[0], result.images[i])
            p = classifier.probabilities(image)[0]
            assert result.scores[i] == pytest.approx(p[849], abs=1e-4)
            assert result.top1[i] == float(p.argmax() == 849)
    assert result.probabilities.shape == (5, 1000)
    assert result.scores[0] > 0.5 and result.scores[1] < 0.05   # side view vs spout-on view


def test_a_2d_map_equals_f_point_by_point(teapot_thread, classifier):
    teapot = get_object("teapot")
    score = ScoreFunction(teapot_thread, classifier, teapot.classes, ["azimuth", "elevation"], batch_size=4)
    axes = (parse_grid_axis("azimuth=0:360:60"), parse_grid_axis("elevation=0:60:30"))
    m = build_map(score, axes, {}, {}, chunk_size=5)
    direct = score(m.points())
    np.testing.assert_allclose(m.values.reshape(-1), direct, atol=1e-5)
    assert np.nanstd(m.values) > 0.1        # a structured map, not a constant


def test_fixed_axes_and_bad_points(teapot_thread, classifier):
    teapot = get_object("teapot")
    near = ScoreFunction(teapot_thread, classifier, teapot.classes, ["azimuth"], Pose({"elevation": 40, "distance": 2.0}))
    far = ScoreFunction(teapot_thread, classifier, teapot.classes, ["azimuth"], Pose({"elevation": 40, "distance": 8.0}))
    assert near(np.array([[0.0]]))[0] != pytest.approx(far(np.array([[0.0]]))[0], abs=1e-3)
    with pytest.raises(AxisError, match="shape"):
        near(np.zeros((2, 2)))
    score2 = ScoreFunction(teapot_thread, classifier, teapot.classes, ["elevation"])
    with pytest.raises(AxisError, match="elevation values must lie"):
        score2(np.array([[95.0]]))
    assert near(np.array([[360.0 + 10]]))[0] == pytest.approx(near(np.array([[10.0]]))[0], abs=1e-5)


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _ShortRenderer:
    """Returns one image too few for every batch."""

    def submit(self, poses):
        return _Done(np.zeros((max(len(poses) - 1, 0), 8, 8, 3), np.uint8))


class _FullRenderer:
    def submit(self, poses):
        return _Done(np.zeros((len(poses), 8, 8, 3), np.uint8))


class _ShortClassifier:
    device = "cpu"

    def submit(self, images):
        return _Done(np.full((len(images) + 1, 1000), 1e-3, np.float32))


def test_row_counts_are_checked(classifier):
    from semviewer.core.errors import SemviewerError
    from semviewer.core.models.labels import ClassSet

    points = np.array([[0.0], [90.0], [180.0]])
    short_render = ScoreFunction(_ShortRenderer(), classifier, ClassSet((849,)), ["azimuth"], batch_size=2)
    with pytest.raises(SemviewerError, match="renderer returned 1 images for 2 poses"):
        short_render(points)
    extra_rows = ScoreFunction(_FullRenderer(), _ShortClassifier(), ClassSet((849,)), ["azimuth"], batch_size=2)
    with pytest.raises(SemviewerError, match="classifier returned 3 rows of probabilities for 2 images"):
        extra_rows(points)
