import json

import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.session.saved_state import Session


REGION = {"method": "oir_b", "start": [130.0, 30.0], "lower": [100.0, 10.0], "upper": [160.0, 50.0],
          "domain": [[0.0, 360.0], [-10.0, 90.0]], "volume_ratio": 0.07, "evaluations": 10, "steps": 5,
          "stop_reason": "steps", "message": ""}


def test_session_round_trip(tmp_path):
    s = Session(object="mug", classes=[504, 968], pose={"azimuth": 30.0}, starts=[[130.0, 30.0]],
                regions=[{"map": "primary", **REGION}], compare_model="efficientnet-lite2")
    path = s.save(tmp_path / "s.json")
    back = Session.load(path)
    assert back == s
    assert json.loads(path.read_text())["format"] == "semviewer-session"


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read"),
    ('{"format": "other"}', "not a semviewer session"),
    ('{"format": "semviewer-session", "version": 9}', "version 9"),
    ('[1, 2]', "not a semviewer session"),
])
def test_bad_session_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SemviewerError, match=message):
        Session.load(path)
    with pytest.raises(SemviewerError, match="does not exist"):
        Session.load(tmp_path / "missing.json")


@pytest.mark.parametrize("field, value, message", [
    ("regions", [{"map": "primary", "method": "oir_b"}], "lacks its 'start'"),
    ("model", "resnet51", "unknown model"),
    ("pose", {"elevation": 400}, "outside its domain"),
    ("starts", [[1.0]], "one number per map axis"),
    ("solver", {"beta": 7.0, "method": "oir_w"}, "beta must be in"),
    ("classes", [1200], "out of range"),
])
def test_a_malformed_session_is_refused_whole(tmp_path, field, value, message):
    path = Session(**{field: value}).save(tmp_path / "s.json") if field != "pose" else None
    if path is None:
        path = Session().save(tmp_path / "s.json")
        data = json.loads(path.read_text())
        data["pose"] = value
        path.write_text(json.dumps(data))
    with pytest.raises(SemviewerError, match=message):
        Session.load(path)
