"""The failure search on synthetic scores with known minima and a known failure share (no rendering)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.failures import FailureBatch, FailureSearch, find_failures
from semviewer.core.failures.result import periodic_distance
from semviewer.core.progress import ListSink

DOMAIN = np.array([[0.0, 360.0], [-10.0, 90.0]])
PERIODIC = (True, False)
#: Three wells (azimuth, elevation): one across the seam, two far apart; the middle one shallowest.
WELLS = np.array([[2.0, 30.0], [120.0, 70.0], [250.0, 0.0]])
DEPTHS = np.array([0.95, 0.7, 0.9])
WIDTH = 0.06            # on normalised axes


def _normalised(points: np.ndarray) -> np.ndarray:
    return (points - DOMAIN[:, 0]) / (DOMAIN[:, 1] - DOMAIN[:, 0])


def wells(points: np.ndarray) -> FailureBatch:
    """p(true) = 1 - the wells' depths, each Gaussian in normalised distance; fails below 0.5."""
    x = _normalised(np.asarray(points, float))
    p = np.ones(len(x))
    for centre, depth in zip(_normalised(WELLS), DEPTHS):
        d = periodic_distance(x, centre, PERIODIC)
        p -= depth * np.exp(-0.5 * (d / WIDTH) ** 2)
    failed = p < 0.5
    return FailureBatch(p, failed, np.where(failed, 7, 1), np.where(failed, 1 - p, p), 1 - p)


def share(points: np.ndarray) -> FailureBatch:
    """Fails on exactly 30 % of the domain: azimuth below 108°."""
    failed = np.asarray(points)[:, 0] < 108.0
    p = np.where(failed, 0.1, 0.9)
    return FailureBatch(p, failed, failed.astype(int), 1 - p, 1 - p)


def _search(probe=wells, **kwargs) -> FailureSearch:
    settings = dict(budget=1500, sample=256, seed=3)
    settings.update(kwargs)
    return find_failures(probe, ["azimuth", "elevation"], DOMAIN, PERIODIC, **settings)


def _found(result: FailureSearch) -> np.ndarray:
    return np.array([[f.point["azimuth"], f.point["elevation"]] for f in result.failures])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cma_es_finds_every_well_within_a_stated_distance(seed):
    result = _search(seed=seed)
    found = _normalised(_found(result))
    for centre in _normalised(WELLS):
        nearest = periodic_distance(found, centre, PERIODIC).min()
        assert nearest < 0.02, f"no failure within 0.02 of the well at {centre}"
    assert result.evaluations <= 1500
    assert result.best_p_true == pytest.approx(1 - DEPTHS.max(), abs=0.02)


def test_distinct_failures_are_apart_and_worst_first():
    result = _search()
    points = _normalised(_found(result))
    for i in range(len(points)):
        for j in range(i):
            assert periodic_distance(points[i], points[j], PERIODIC) >= result.merge_distance
    p = [f.p_true for f in result.failures]
    assert p == sorted(p)
    # the restarts, not the uniform sample alone, reached the wells' bottoms
    assert {f.restart for f in result.failures[:3]} - {-1}


def test_the_same_seed_gives_the_same_result():
    a, b = _search(seed=5), _search(seed=5)
    assert json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
    assert _search(seed=6).to_json()["failures"] != a.to_json()["failures"]


def test_failure_rate_interval_holds_the_known_share():
    result = _search(share, sample=512, budget=544)
    lo, hi = result.failure_rate_interval
    assert lo <= 0.3 <= hi
    assert hi - lo < 0.1
    assert result.failure_rate == pytest.approx(0.3, abs=0.05)
    assert "uniform sample of 512" in result.describe()


def test_random_search_spends_the_budget_and_finds_less_deep():
    cma = _search(seed=0, budget=600)
    random = _search(seed=0, budget=600, method="random")
    assert random.evaluations == 600 and cma.evaluations <= 600
    assert random.method == "random"
    assert cma.best_p_true <= random.best_p_true + 1e-9


def test_cancel_keeps_what_was_found_and_says_so():
    sink = ListSink(cancel_after=1)
    result = _search(sink=sink, sample=64, budget=5000)
    assert result.cancelled
    assert result.evaluations < 5000
    assert "cancelled" in result.describe()
    assert sink.fractions[-1] == 1.0
    assert sink.partials[-1] is result


def test_json_round_trip():
    result = _search(budget=300)
    result.provenance = {"model": "m"}
    again = FailureSearch.from_json(json.loads(json.dumps(result.to_json())))
    assert again.to_json() == result.to_json()
    with pytest.raises(SemviewerError, match="not a semviewer failures file"):
        FailureSearch.from_json({"format": "other"})
    broken = result.to_json()
    del broken["failures"][0]["p_true"]
    with pytest.raises(SemviewerError, match="incomplete"):
        FailureSearch.from_json(broken)


@pytest.mark.parametrize("change, message", [
    (dict(budget=0), "budget"),
    (dict(budget=10**9), "budget"),
    (dict(budget=True), "budget"),
    (dict(sample=-1), "uniform sample"),
    (dict(sample=2000), "part of the budget"),
    (dict(merge_distance=2.0), "merge distance"),
    (dict(method="annealing"), "unknown search method"),
    (dict(objective="loss"), "unknown objective"),
])
def test_bad_settings_are_named(change, message):
    with pytest.raises(SemviewerError, match=message):
        _search(**change)


def test_bad_axes_and_domains_are_named():
    with pytest.raises(SemviewerError, match="2 to 10 axes"):
        find_failures(wells, ["azimuth"], DOMAIN[:1], PERIODIC[:1])
    with pytest.raises(SemviewerError, match="named twice"):
        find_failures(wells, ["azimuth", "azimuth"], DOMAIN, PERIODIC)
    with pytest.raises(SemviewerError, match="lower < upper"):
        find_failures(wells, ["azimuth", "elevation"], np.array([[0.0, 360.0], [90.0, -10.0]]), PERIODIC)
