"""Cancel is prompt: a score stops between its batches, and maps and solvers keep what was complete."""

from concurrent.futures import Future

import numpy as np
import pytest

from semviewer.core.scene.axes import Pose
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.models.labels import ClassSet
from semviewer.core.progress import Cancelled, ListSink
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.solver import find_regions
from semviewer.core.maps.build import build_map


class StopsAfter:
    """A score that raises Cancelled on call number ``calls`` + 1 (as a cancelled ScoreFunction)."""

    def __init__(self, calls: int) -> None:
        self.calls, self.made = calls, 0

    def __call__(self, points: np.ndarray) -> np.ndarray:
        if self.made >= self.calls:
            raise Cancelled("cancelled")
        self.made += 1
        return np.exp(-((points[:, 0] - 180) / 60) ** 2)


def test_a_map_stopped_inside_a_chunk_keeps_the_chunks_done():
    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    sink, checkpoints = ListSink(), []
    m = build_map(StopsAfter(2), axes, {}, {}, sink, chunk_size=10, checkpoint=checkpoints.append)
    assert np.isfinite(m.values).sum() == 20 and not m.complete
    assert sink.partials[-1] is m and checkpoints[-1] is m


def test_a_solver_stopped_inside_a_step_keeps_the_last_complete_step():
    regions = find_regions(StopsAfter(5), np.array([[180.0]]), np.array([[0.0, 360.0]]),
                           RegionConfig(method="oir_b", steps=50))
    (region,) = regions
    assert region.stop_reason == "cancelled" and region.steps == 5 and region.message == "stopped at step 5"
    assert region.history.shape[0] == 5


class CountingRenderer:
    def __init__(self) -> None:
        self.batches = 0

    def submit(self, poses: np.ndarray) -> Future:
        self.batches += 1
        future: Future = Future()
        future.set_result(np.zeros((len(poses), 224, 224, 3), np.uint8))
        return future


def test_a_cancelled_score_function_stops_between_batches(classifier):
    from semviewer.pipeline.scoring import ScoreFunction

    renderer = CountingRenderer()
    score = ScoreFunction(renderer, classifier, ClassSet((849,)), ["azimuth"], Pose(), batch_size=2)
    calls = []
    score.cancelled = lambda: len(calls) > 0 or calls.append(1)          # cancelled after the first batch
    with pytest.raises(Cancelled):
        score(np.linspace(0, 350, 40)[:, None])
    assert score.forward_passes == 1 and renderer.batches <= 2           # not 20 batches
    score.cancelled = None
    assert score(np.array([[10.0], [20.0]])).shape == (2,)
