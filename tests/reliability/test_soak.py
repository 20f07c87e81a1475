"""A short soak of the live view (bench/soak_live_view.py with 1,000 updates, in a subprocess)."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak_live_view.py"


def test_live_view_soak_1000_updates():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(BENCH), "--updates", "1000", "--json"], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["last_pose_classified"] and not result["failures"]
    assert len(result["threads"]) == 1                                   # constant thread count
    assert result["samples"][-1]["frames"] > 100                          # it really rendered, not only queued
