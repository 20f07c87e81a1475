import os
import stat

import pytest

from semviewer.core.errors import OutputError
from semviewer.core.files.atomic import atomic_path, write_json, write_text


def test_atomic_writes_leave_no_partial_file_and_readable_modes(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "hello")
    assert target.read_text() == "hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    os.chmod(target, 0o600)
    write_json(target, {"a": 1})
    assert stat.S_IMODE(target.stat().st_mode) == 0o600       # an existing file keeps its mode
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("failed mid-write")
    assert '"a": 1' in target.read_text()                     # the old content survives
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_unwritable_targets(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_text(tmp_path / "missing" / "x.txt", "x")
    with pytest.raises(OutputError, match="is a folder"):
        write_text(tmp_path, "x")
