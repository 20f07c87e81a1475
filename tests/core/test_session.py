import json

import pytest

from semviewer.core.errors import SemviewerError
from semviewer.core.session import Session


def test_session_round_trip(tmp_path):
    s = Session(object="mug", classes=[504, 968], pose={"azimuth": 30.0}, starts=[[130.0, 30.0]],
                regions=[{"map": "primary", "method": "oir_b"}], compare_model="efficientnet-lite2")
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
