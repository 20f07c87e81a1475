"""The solvers on analytic functions with known answers (docs/algorithms.md §3-6)."""

import numpy as np
import pytest

from semviewer.core.progress import ListSink
from semviewer.core.regions.config import METHODS, RegionConfig, RegionError
from semviewer.core.regions.gradients import corner_matrix, naive_gradients, oir_b_gradients, oir_w_gradients
from semviewer.core.regions.solver import find_region, find_regions
from semviewer.core.regions.region import Region, volume_ratio


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


class CountingScore:
    """f with a call log: how many points each call asked for."""

    def __init__(self, f):
        self.f = f
        self.calls = []

    def __call__(self, points):
        self.calls.append(len(points))
        return self.f(points)


def plateau_1d(p):                        # ≈ 1 on [30, 70], edges 1 unit wide
    x = p[:, 0]
    return sig(x - 30) * sig(70 - x)


def plateau_2d(p):                        # ≈ 1 on [100, 250] × [10, 60]
    x, y = p[:, 0], p[:, 1]
    return sig((x - 100) / 3) * sig((250 - x) / 3) * sig((y - 10) / 3) * sig((60 - y) / 3)


def plateau_3d(p):                        # ≈ 1 on [30, 70]^3
    return np.prod(sig(p - 30) * sig(70 - p), axis=1)


DOM1 = np.array([[0.0, 100.0]])
DOM2 = np.array([[0.0, 360.0], [-10.0, 90.0]])
DOM3 = np.array([[0.0, 100.0]] * 3)


def test_corner_matrix_is_binary_with_the_first_dimension_most_significant():
    np.testing.assert_array_equal(corner_matrix(1), [[0, 1]])
    np.testing.assert_array_equal(corner_matrix(2), [[0, 0, 1, 1], [0, 1, 0, 1]])
    assert corner_matrix(3).shape == (3, 8)


def test_updates_match_a_hand_computation():
    # 1-D, a = 2, b = 6 (r = 4): f(a) = 0.8, f(b) = 0.5; outer A = a - αr/2, B = b + αr/2
    r = np.array([[4.0]])
    f_d = np.array([[0.8, 0.5]])
    ga, gb = naive_gradients(f_d, r, lam=0.1)
    assert (ga.item(), gb.item()) == pytest.approx((0.8 - 0.4, -0.5 + 0.4))
    alpha, f_q = 0.05, np.array([[0.3, 0.1]])
    ga, gb = oir_b_gradients(f_d, f_q, r, alpha)
    assert ga.item() == pytest.approx(2 * 0.8 - (1 + alpha / 2) * 0.3 - (alpha / 2) * 0.1)
    assert gb.item() == pytest.approx((1 + alpha / 2) * 0.1 + (alpha / 2) * 0.3 - 2 * 0.5)
    beta, g = 0.0009, np.array([[[0.2], [-0.3]]])
    ga, gb = oir_w_gradients(f_d, g, r, beta)
    assert ga.item() == pytest.approx(beta / 2 * (4 * 0.2 - 0.5) + (1 - beta / 2) * 0.8)
    assert gb.item() == pytest.approx(beta / 2 * (4 * -0.3 + 0.8) - (1 - beta / 2) * 0.5)


def test_2d_naive_gradient_by_hand():
    # D = [0, 2] × [0, 4]: Δ = 8 / 4 = 2; corners (0,0) (0,4) (2,0) (2,4)
    f_d = np.array([[0.1, 0.2, 0.3, 0.4]])
    r = np.array([[2.0, 4.0]])
    ga, gb = naive_gradients(f_d, r, lam=0.5)
    np.testing.assert_allclose(ga, [[2 * 2 / 2 * (0.1 + 0.2) - 0.5 * 2, 2 * 2 / 4 * (0.1 + 0.3) - 0.5 * 4]])
    np.testing.assert_allclose(gb, [[-2 * 2 / 2 * (0.3 + 0.4) + 0.5 * 2, -2 * 2 / 4 * (0.2 + 0.4) + 0.5 * 4]])


def test_first_step_matches_the_formula():
    score = lambda p: np.full(len(p), 0.5)  # noqa: E731
    cfg = RegionConfig(method="naive", steps=1, lr=0.1, lam=0.1, eps=1.0)
    region = find_region(score, [50.0], DOM1, cfg)
    # a0 = 49, b0 = 51, r = 2: ∂L/∂a = f(a) - λr = 0.5 - 0.2 = 0.3 -> a = 49 - 0.03
    assert region.lower.item() == pytest.approx(49 - 0.1 * 0.3)
    assert region.upper.item() == pytest.approx(51 + 0.1 * 0.3)
    assert region.history.shape == (1, 2, 1)


def test_naive_width_on_a_constant_converges_to_one_over_lambda():
    region = find_region(lambda p: np.ones(len(p)), [50.0], DOM1, RegionConfig(method="naive", steps=3000, lam=0.1))
    assert (region.upper - region.lower).item() == pytest.approx(10.0, abs=1e-3)
    assert region.stop_reason == "steps" and region.steps == 3000


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_oir_1d_grows_to_the_plateau_edges(method):
    region = find_region(plateau_1d, [50.0], DOM1, RegionConfig(method=method))
    assert 23 < region.lower.item() < 30 and 70 < region.upper.item() < 77
    naive = find_region(plateau_1d, [50.0], DOM1, RegionConfig(method="naive"))
    assert (naive.upper - naive.lower).item() < (region.upper - region.lower).item() / 3


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_oir_1d_bounds_agree_from_different_starts(method):
    regions = find_regions(plateau_1d, np.array([[35.0], [50.0], [65.0]]), DOM1, RegionConfig(method=method))
    lowers = [r.lower.item() for r in regions]
    uppers = [r.upper.item() for r in regions]
    assert np.ptp(lowers) < 1.0 and np.ptp(uppers) < 1.0


def sharp_plateau_2d(p):                  # ≈ 1 on [100, 250] × [10, 60], edges 0.5 units wide
    x, y = p[:, 0], p[:, 1]
    return sig((x - 100) / 0.5) * sig((250 - x) / 0.5) * sig((y - 10) / 0.5) * sig((60 - y) / 0.5)


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_plain_descent_jumps_over_a_sharp_edge_and_the_opt_in_cap_does_not(method):
    """The README's case: the Δ-scaled 2-D steps grow with the box, so the paper's plain gradient
    descent carries the elevation bounds over the sharp edges at 10° and 60°; with every corner
    then at f ≈ 0 the box stops growing, a third as wide as the plateau. The cap keeps it growing."""
    start = [175.0, 35.0]
    plain = find_region(sharp_plateau_2d, start, DOM2, RegionConfig(method=method))
    capped = find_region(sharp_plateau_2d, start, DOM2, RegionConfig(method=method, max_step=0.005))
    assert plain.lower[1] < 10 and plain.upper[1] > 60                     # over both elevation edges
    assert sharp_plateau_2d(np.array([plain.lower, plain.upper])).max() < 1e-3
    assert plain.upper[0] - plain.lower[0] < 70                            # stuck, far short of 150
    assert capped.lower[0] < 100 and capped.upper[0] > 250                  # encloses the plateau
    assert 0 < capped.lower[1] < 10 and 60 < capped.upper[1] < 70


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_oir_2d_with_the_cap_encloses_the_plateau_and_stops_near_its_edge(method):
    starts = np.array([[130.0, 30.0], [200.0, 15.0], [175.0, 35.0]])
    regions = find_regions(plateau_2d, starts, DOM2, RegionConfig(method=method, max_step=0.005))
    naive = find_regions(plateau_2d, starts, DOM2, RegionConfig(method="naive"))
    for region, small in zip(regions, naive):
        assert 80 < region.lower[0] < 110 and 240 < region.upper[0] < 270
        assert -10 <= region.lower[1] <= 10 and 60 <= region.upper[1] < 86
        assert small.volume_ratio < region.volume_ratio
    lowers = np.array([r.lower for r in regions])
    assert np.ptp(lowers[:, 0]) < 0.05 * 360


@pytest.mark.parametrize("method", METHODS)
def test_3d_region_grows_inside_the_cube_plateau(method):
    # from the paper's 1e-5 seed a 3-D box grows like r², i.e. not at all: seed 1 % of the range
    # (with the opt-in step cap: plain OIR_W descent jumps over the edges to the whole domain)
    region = find_region(plateau_3d, [50.0, 45.0, 55.0], DOM3,
                         RegionConfig(method=method, steps=600, eps=1.0, max_step=0.005))
    assert np.all(region.lower < 45) and np.all(region.upper > 55)
    assert np.all(region.lower > 10) and np.all(region.upper < 90)


@pytest.mark.parametrize("method", METHODS)
def test_a_start_where_f_is_zero_gives_a_degenerate_region(method):
    region = find_region(plateau_1d, [90.0], DOM1, RegionConfig(method=method, steps=300))
    assert (region.upper - region.lower).item() < 0.01


@pytest.mark.parametrize("method", METHODS)
def test_projection_keeps_the_box_in_the_domain_and_around_the_start(method):
    score = lambda p: np.ones(len(p))  # noqa: E731  (wants to grow without limit)
    start = np.array([5.0, 85.0])
    dom = np.array([[0.0, 100.0], [0.0, 90.0]])
    region = find_region(score, start, dom, RegionConfig(method=method, steps=400, lam=0.0001))
    for lower, upper in region.history:
        assert np.all(lower >= dom[:, 0]) and np.all(upper <= dom[:, 1])
        assert np.all(lower <= start) and np.all(start <= upper)


@pytest.mark.parametrize("method, n, per_step", [("naive", 1, 2), ("naive", 2, 4), ("oir_b", 1, 4), ("oir_b", 2, 8),
                                                 ("oir_w", 2, 4 * 5), ("oir_b", 3, 16)])
def test_evaluations_per_step_and_one_batched_call_per_step(method, n, per_step):
    score = CountingScore(lambda p: np.full(len(p), 0.9))
    starts = np.full((3, n), 50.0)
    regions = find_regions(score, starts, np.array([[0.0, 100.0]] * n), RegionConfig(method=method, steps=7))
    assert score.calls == [3 * per_step] * 7
    assert all(r.evaluations == 7 * per_step for r in regions)


def test_oir_w_uses_the_score_gradient_when_it_has_one():
    class WithGradient:
        def __init__(self):
            self.gradient_calls = 0

        def __call__(self, p):
            return plateau_1d(p)

        def gradient(self, p):
            self.gradient_calls += 1
            x = p[:, 0]
            s1, s2 = sig(x - 30), sig(70 - x)
            return (s1 * (1 - s1) * s2 - s1 * s2 * (1 - s2))[:, None]

    score = WithGradient()
    region = find_region(score, [50.0], DOM1, RegionConfig(method="oir_w", steps=800))
    assert score.gradient_calls == 800 and region.evaluations == 800 * 2
    fd = find_region(plateau_1d, [50.0], DOM1, RegionConfig(method="oir_w", steps=800))
    assert region.lower.item() == pytest.approx(fd.lower.item(), abs=0.5)


def test_early_stopping_and_cancellation():
    cfg = RegionConfig(method="oir_b", steps=5000, tol=2e-3, patience=5)
    region = find_region(plateau_1d, [50.0], DOM1, cfg)
    assert region.stop_reason == "converged" and region.steps < 5000

    class CancelAt(ListSink):
        def __init__(self, at):
            super().__init__()
            self.asked, self.at = 0, at

        def cancelled(self):
            self.asked += 1
            return self.asked >= self.at

    slow = RegionConfig(method="oir_b", steps=5000)
    cancelled = find_regions(plateau_1d, np.array([[50.0], [40.0]]), DOM1, slow, CancelAt(8))
    assert all(r.stop_reason == "cancelled" for r in cancelled)
    assert [r.steps for r in cancelled] == [7, 7]   # the request is honoured before the next step


def test_progress_sink_gets_snapshots():
    sink = ListSink()
    find_regions(plateau_1d, np.array([[50.0]]), DOM1, RegionConfig(steps=50), sink)
    assert sink.partials and sink.fractions[-1] == 1.0
    last = sink.partials[-1]
    assert last.lower.shape == (1, 1) and not last.active.any()


def test_nan_mid_run_stops_with_invalid_score_and_keeps_bounds():
    calls = {"n": 0}

    def flaky(p):
        calls["n"] += 1
        return np.full(len(p), np.nan) if calls["n"] > 10 else np.ones(len(p))

    region = find_region(flaky, [50.0], DOM1, RegionConfig(method="naive", steps=100))
    assert region.stop_reason == "invalid score" and region.steps == 10 and "NaN" in region.message
    np.testing.assert_array_equal(region.history[-1], np.stack([region.lower, region.upper]))


@pytest.mark.parametrize("kwargs, start, domain, message", [
    ({}, [150.0], DOM1, "outside the domain"),
    ({}, [50.0], np.array([[10.0, 5.0]]), "lower < upper"),
    ({}, [50.0, 20.0], DOM1, "2 coordinates but the domain has 1"),
    ({"method": "oir_w", "beta": 0.7}, [50.0, 20.0], DOM2, "beta must be in"),
    ({"alpha": 0.0}, [50.0], DOM1, "alpha must be positive"),
    ({"lr": -1.0}, [50.0], DOM1, "learning rate"),
    ({"method": "newton"}, [50.0], DOM1, "unknown method"),
])
def test_bad_input_is_named(kwargs, start, domain, message):
    with pytest.raises(RegionError, match=message):
        find_region(plateau_1d if len(start) == 1 else plateau_2d, start, domain, RegionConfig(**kwargs))


def test_bad_score_output_is_named():
    with pytest.raises(RegionError, match="outside \\[0, 1\\]"):
        find_region(lambda p: np.full(len(p), 3.0), [50.0], DOM1)
    with pytest.raises(RegionError, match="shape"):
        find_region(lambda p: np.ones((len(p), 2)), [50.0], DOM1)


def test_volume_ratio_clips_to_the_domain():
    assert volume_ratio(np.array([-10.0, 0.0]), np.array([50.0, 45.0]), DOM2) == pytest.approx(50 * 45 / (360 * 100))


class RecordingScore:
    """f with every point it was asked for, optionally declaring periodic axes."""

    def __init__(self, f, periodic=None):
        self.f, self.points = f, []
        if periodic is not None:
            self.periodic = periodic

    def __call__(self, points):
        self.points.append(np.array(points))
        return self.f(points)


def seam_plateau(p):                      # ≈ 1 on azimuth [300, 380] ≡ [300, 360] ∪ [0, 20]
    x = np.mod(p[:, 0], 360.0)
    return np.where(x < 180, sig(20 - x), sig(x - 300))


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_periodic_axes_wrap_outside_the_domain(method):
    """Near 360° the outer box (and finite differences) must read f(361) = f(1), not f(360)."""
    config = RegionConfig(method=method, steps=40, eps=2.0)
    wrapped = RecordingScore(seam_plateau, periodic=(True,))
    find_region(wrapped, [355.0], np.array([[0.0, 360.0]]), config)
    asked = np.concatenate(wrapped.points)[:, 0]
    assert asked.max() > 360.0                                   # handed to the score, which wraps
    clipped = RecordingScore(seam_plateau)                        # no periodic axes: clipped to Ω
    find_region(clipped, [355.0], np.array([[0.0, 360.0]]), config)
    assert np.concatenate(clipped.points)[:, 0].max() <= 360.0
    explicit = RecordingScore(seam_plateau)
    find_region(explicit, [355.0], np.array([[0.0, 360.0]]), config, periodic=[True])
    assert np.concatenate(explicit.points)[:, 0].max() > 360.0


def test_non_periodic_axes_clip_to_the_domain():
    """The documented rule: outside Ω on a non-periodic axis, f takes its value at the boundary."""
    score = RecordingScore(lambda p: np.ones(len(p)), periodic=(True, False))
    find_regions(score, np.array([[180.0, 85.0]]), np.array([[0.0, 360.0], [-10.0, 90.0]]),
                 RegionConfig(method="oir_b", steps=30, eps=1.0))
    asked = np.concatenate(score.points)
    assert asked[:, 1].max() <= 90.0 and asked[:, 1].min() >= -10.0
    with pytest.raises(RegionError, match="one flag per axis"):
        find_regions(score, np.array([[180.0, 85.0]]), np.array([[0.0, 360.0], [-10.0, 90.0]]),
                     RegionConfig(steps=1), periodic=[True])


def test_score_functions_declare_their_periodic_axes():
    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.maps.map_score import MapScore
    from semviewer.core.maps.semantic_map import empty_map

    axes = (parse_grid_axis("azimuth=0:360:30"), parse_grid_axis("elevation=-10:90:20"))
    m = empty_map(axes, {}, {})
    m.values[:] = 0.5
    m.filled[:] = True
    score = MapScore(m)
    assert score.periodic == (True, False)
    assert score(np.array([[361.0, 0.0]]))[0] == pytest.approx(score(np.array([[1.0, 0.0]]))[0])


def smooth_plateau_2d(p):                 # ≈ 1 on azimuth [100, 160] × elevation [10, 50], edges 2 units wide
    return sig((p[:, 0] - 100) / 2) * sig((160 - p[:, 0]) / 2) * sig((p[:, 1] - 10) / 2) * sig((50 - p[:, 1]) / 2)


def test_the_default_is_the_papers_solver():
    """Plain gradient descent, no step cap: the fixed point docs/algorithms.md's formulas give."""
    assert RegionConfig().max_step == 0.0
    domain = np.array([[0.0, 360.0], [-10.0, 90.0]])
    r = find_region(smooth_plateau_2d, [130.0, 30.0], domain, RegionConfig(method="oir_b"))
    np.testing.assert_allclose(r.lower, [96.28, -3.72], atol=0.01)
    np.testing.assert_allclose(r.upper, [163.72, 63.72], atol=0.01)
    capped = find_region(smooth_plateau_2d, [130.0, 30.0], domain, RegionConfig(method="oir_b", max_step=0.005))
    assert abs(capped.lower[0] - r.lower[0]) > 1.0                  # the opt-in cap is a different method


def band_across_the_seam(p):
    """f ≈ 1 on azimuth [300, 360) ∪ [0, 60] (a band that crosses 0°), at any elevation."""
    az = np.mod(p[:, 0], 360.0)
    near = np.minimum(np.abs(az - 0.0), 360.0 - az)                     # distance from 0° around the circle
    return 1.0 / (1.0 + np.exp((near - 60.0) / 1.5))


class Periodic:
    periodic = (True, False)

    def __call__(self, points):
        return band_across_the_seam(points)


@pytest.mark.parametrize("method", ["oir_b", "oir_w"])
def test_a_band_across_the_seam_grows_into_one_region_with_wrap(method):
    domain = np.array([[0.0, 360.0], [-10.0, 90.0]])
    config = dict(method=method, steps=1500, eps=1.0, max_step=0.005)
    clipped = find_region(Periodic(), [10.0, 40.0], domain, RegionConfig(**config))
    assert clipped.lower[0] == 0.0 and 55.0 < clipped.upper[0] < 75.0          # stopped at the seam
    crossing = find_region(Periodic(), [10.0, 40.0], domain, RegionConfig(**config, wrap=True))
    assert -75.0 < crossing.lower[0] < -55.0 and 55.0 < crossing.upper[0] < 75.0   # one band: 300° … 60°
    r = crossing.upper - crossing.lower
    assert crossing.volume_ratio == pytest.approx(r[0] / 360 * r[1] / 100)           # the arc counts whole
    again = Region.from_json(crossing.to_json())
    assert again.wrap == (True, False) and again.volume_ratio == pytest.approx(crossing.volume_ratio)


def test_a_wrapping_region_is_at_most_one_turn_wide():
    domain = np.array([[0.0, 360.0]])
    everywhere = type("Ones", (), {"periodic": (True,), "__call__": lambda self, p: np.ones(len(p))})()
    r = find_region(everywhere, [100.0], domain, RegionConfig(method="oir_b", steps=400, eps=5.0, wrap=True))
    assert r.upper[0] - r.lower[0] <= 360.0 + 1e-9 and r.lower[0] <= 100.0 <= r.upper[0]
    assert r.volume_ratio <= 1.0 + 1e-12
