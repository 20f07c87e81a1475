import numpy as np
import pytest

from semviewer.core.scene.axes import AXES, AXIS_NAMES, Pose, check_unique, parse_pose
from semviewer.core.scene.grid import parse_domain_axis, parse_grid_axis, poses_from_points
from semviewer.core.errors import AxisError


def test_every_required_axis_exists_with_unit_and_domain():
    for name in ("azimuth", "elevation", "distance", "roll", "light_azimuth", "light_elevation", "fov"):
        axis = AXES[name]
        assert axis.lower < axis.upper and axis.lower <= axis.default <= axis.upper
        assert axis.unit


def test_pose_defaults_are_the_paper_convention():
    pose = Pose()
    assert pose["distance"] == pytest.approx(2.732, abs=1e-3)
    assert pose["fov"] == 60.0
    assert pose["light_elevation"] == 90.0
    assert set(pose.values) == set(AXIS_NAMES)


def test_parse_pose_and_replace():
    pose = parse_pose("azimuth=30, elevation=20")
    assert (pose["azimuth"], pose["elevation"], pose["roll"]) == (30.0, 20.0, 0.0)
    assert pose.replace(roll=10)["roll"] == 10.0
    assert parse_pose(["azimuth=370"])["azimuth"] == pytest.approx(10.0)  # periodic axes wrap


@pytest.mark.parametrize("text, message", [
    ("elevation=100", "outside its domain"),
    ("tilt=3", "unknown axis"),
    ("azimuth=abc", "not a number"),
    ("azimuth", "name=value"),
    ("azimuth=1,azimuth=2", "twice"),
    ("azimuth=nan", "finite"),
])
def test_bad_poses_name_the_problem(text, message):
    with pytest.raises(AxisError, match=message):
        parse_pose(text)


def test_grid_axis_matches_the_paper_grid():
    az = parse_grid_axis("azimuth=0:360:3")
    el = parse_grid_axis("elevation=-10:90:3")
    assert (az.size, el.size) == (120, 34)
    assert az.points[0] == 0 and az.points[-1] == 357
    assert el.points[-1] == 89


@pytest.mark.parametrize("spec, message", [
    ("azimuth=10:10:1", "empty or reversed"),
    ("azimuth=20:10:1", "empty or reversed"),
    ("elevation=-100:0:5", "domain"),
    ("azimuth=0:360:0", "step must be positive"),
    ("azimuth=0:360:-3", "step must be positive"),
    ("azimuth=0:360", "lower:upper:step"),
])
def test_bad_grids_are_rejected(spec, message):
    with pytest.raises(AxisError, match=message):
        parse_grid_axis(spec)


def test_domain_axis_and_duplicates():
    axis, lo, hi = parse_domain_axis("elevation=-10:90")
    assert (axis.name, lo, hi) == ("elevation", -10.0, 90.0)
    with pytest.raises(AxisError, match="twice"):
        check_unique(["azimuth", "elevation", "azimuth"])


def test_poses_from_points_fills_fixed_axes():
    base = Pose({"distance": 3.0})
    full = poses_from_points(np.array([[10.0, 5.0], [20.0, 6.0]]), ["azimuth", "elevation"], base)
    assert full.shape == (2, len(AXIS_NAMES))
    assert full[1, AXIS_NAMES.index("azimuth")] == 20.0
    assert np.all(full[:, AXIS_NAMES.index("distance")] == 3.0)
