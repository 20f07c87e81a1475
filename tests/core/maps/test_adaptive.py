"""Adaptive maps: computed only where the coarser level's corners disagree, interpolated elsewhere."""

import numpy as np
import pytest

from semviewer.core.errors import AxisError
from semviewer.core.maps.adaptive import check_adaptive, refine, wraps
from semviewer.core.maps.build import build_map
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.progress import ListSink
from semviewer.core.scene.axes import AXES
from semviewer.core.scene.grid import GridAxis

AZ = GridAxis.regular(AXES["azimuth"], 0.0, 3.0, 120, 360.0)
EL = GridAxis.regular(AXES["elevation"], -10.0, 3.0, 34, 90.0)


class Counting:
    """A smooth score (and, with ``plateau``, a step in its top-1 flag) that counts its evaluations."""

    def __init__(self, plateau: bool = False) -> None:
        self.calls, self.plateau = 0, plateau

    def values(self, p: np.ndarray) -> np.ndarray:
        return 0.5 + 0.4 * np.sin(np.radians(p[:, 0])) * np.cos(np.radians(2 * p[:, 1]))

    def __call__(self, p: np.ndarray) -> np.ndarray:
        self.calls += len(p)
        return self.values(p)


def test_a_smooth_map_is_mostly_interpolated_and_close_to_exact():
    exact = build_map(Counting().values, (AZ, EL), {}, {})
    score = Counting()
    adaptive = build_map(score, (AZ, EL), {}, {}, adaptive=0.1)
    assert adaptive.complete and adaptive.adaptive == 0.1
    assert score.calls == int(adaptive.computed.sum()) < 0.5 * exact.values.size
    assert adaptive.computed_fraction == pytest.approx(score.calls / exact.values.size)
    assert np.abs(adaptive.values - exact.values).max() < 0.02
    assert (adaptive.values[adaptive.computed] == exact.values[adaptive.computed]).all()
    # a tighter tolerance computes more
    tight = Counting()
    build_map(tight, (AZ, EL), {}, {}, adaptive=0.01)
    assert tight.calls > score.calls


def test_refine_computes_disagreeing_blocks_and_the_points_outside_every_block():
    shape = (9, 9)
    values = np.full(shape, np.nan)
    top1 = np.full(shape, np.nan)
    values[::4, ::4], top1[::4, ::4] = 0.5, 1.0
    values[8, 8] = 0.9                                     # the block [4:8, 4:8] disagrees
    compute, interpolate, v, t = refine(values, top1, 1, 0.05, [False, False])
    computed = {tuple(int(c) for c in np.unravel_index(i, shape)) for i in compute}
    assert computed == {(6, 6), (6, 8), (8, 6)}
    assert np.allclose(v, 0.5) and (t == 1).all()
    top1[4, 0] = 0.0                                       # a change of top-1 disagrees at any tolerance
    compute, *_ = refine(values, top1, 1, 0.5, [False, False])
    assert {tuple(int(c) for c in np.unravel_index(i, shape)) for i in compute} >= {(2, 0), (6, 0), (2, 2), (6, 2)}
    short = np.full((6,), np.nan)
    short[[0, 4]] = 0.5
    compute, interpolate, _, _ = refine(short, np.full(6, 1.0), 1, 0.05, [False])
    assert list(interpolate) == [2] and list(compute) == []   # index 5 is level 2: not this level


def test_a_whole_turn_wraps_its_last_block_onto_its_first_point():
    assert wraps(AZ) and not wraps(EL)
    values = np.full((8,), np.nan)
    values[[0, 4]] = [0.2, 0.6]
    compute, interpolate, v, _ = refine(values, np.full(8, np.nan), 1, 0.5, [True])
    assert list(interpolate) == [2, 6] and np.allclose(v, [0.4, 0.4]) and not len(compute)
    compute, interpolate, _, _ = refine(values, np.full(8, np.nan), 1, 0.5, [False])
    assert list(compute) == [6]


@pytest.mark.parametrize("tolerance", [0, 1, -0.1, float("nan"), float("inf"), True, "0.05"])
def test_bad_tolerances_are_refused(tolerance):
    with pytest.raises(AxisError, match="tolerance"):
        check_adaptive((AZ, EL), tolerance)


def test_grids_without_a_coarser_level_and_categorical_axes_are_refused():
    few = GridAxis.regular(AXES["distance"], 2.0, 1.0, 3, 5.0)
    with pytest.raises(AxisError, match="at least 5"):
        check_adaptive((AZ, few), 0.05)
    with pytest.raises(AxisError, match="categorical"):
        check_adaptive((AZ, GridAxis.categories(AXES["background"], ["black", "sky"])), 0.05)


def test_an_adaptive_map_round_trips_and_resumes_to_the_same_values(tmp_path):
    whole = build_map(Counting(), (AZ, EL), {}, {}, adaptive=0.05)
    whole.save(tmp_path / "m.npz")
    again = SemanticMap.load(tmp_path / "m.npz")
    assert again.adaptive == 0.05 and (again.computed == whole.computed).all()
    assert again.manifest()["adaptive"]["computed_fraction"] == pytest.approx(whole.computed_fraction)
    partial = build_map(Counting(), (AZ, EL), {}, {}, adaptive=0.05, sink=ListSink(cancel_after=1), chunk_size=16)
    assert not partial.complete
    rest = Counting()
    resumed = build_map(rest, (AZ, EL), {}, {}, adaptive=0.05, resume=partial)
    assert np.array_equal(resumed.values, whole.values) and np.array_equal(resumed.computed, whole.computed)
    assert rest.calls == int(whole.computed.sum()) - int((partial.computed & partial.filled).sum())
