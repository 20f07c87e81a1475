"""Faults mid-work: killed map runs, unwritable outputs, a full disk. Nothing is left half-written."""

import errno
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from semviewer.cli import main


def test_a_killed_map_leaves_no_output_and_resumes(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    env = {**os.environ, "SEMVIEWER_CACHE_DIR": str(cache)}
    out = tmp_path / "m.npz"
    argv = ["map", "--axes", "azimuth=0:360:2", "elevation=-10:90:10", "--out", str(out)]
    process = subprocess.Popen([sys.executable, "-m", "semviewer", *argv], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and not list(cache.glob("*.partial.npz")) and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the map finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()                                               # no partial output file
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m.npz")]
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(cache))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "resuming an interrupted map" in err
    from semviewer.core.maps.semantic_map import SemanticMap

    m = SemanticMap.load(out)
    assert m.complete and m.shape == (180, 10)


def test_an_unwritable_output_is_one_clear_line(capsys):
    # /proc refuses new files even to root: the write itself fails, after all the work
    assert main(["render", "--out", "/proc/semviewer-test.png"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write /proc/semviewer-test.png" in err[0]


@pytest.mark.parametrize("writer", ["map", "json", "png"])
def test_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch, writer):
    """Disk full, simulated by a write that stores half its bytes and then fails with ENOSPC."""
    import builtins

    from semviewer.core.errors import OutputError

    real_open = builtins.open

    class FullDisk:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def full_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return FullDisk(fh) if "w" in mode and str(tmp_path) in str(path) else fh

    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.files.atomic import write_json, write_png
    from semviewer.core.maps.semantic_map import empty_map

    target = tmp_path / {"map": "m.npz", "json": "r.json", "png": "v.png"}[writer]
    monkeypatch.setattr(builtins, "open", full_open)
    monkeypatch.setattr("pathlib.Path.write_bytes", lambda self, data: full_open(self, "wb").write(data))
    with pytest.raises(OutputError, match="No space left on device"):
        if writer == "map":
            empty_map((parse_grid_axis("azimuth=0:360:90"),), {}, {}).save(target)
        elif writer == "json":
            write_json(target, {"regions": list(range(1000))})
        else:
            write_png(target, np.zeros((64, 64, 3), np.uint8))
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []                                # neither the file nor a temporary one
