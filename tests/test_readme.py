"""The README's scripting examples run as they are written (the map one first: the other reads its map)."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _examples() -> list[str]:
    text = README.read_text()
    start = text.index("**Scripting.**")
    return re.findall(r"```python\n(.*?)```", text[start:start + 4000], re.S)


def test_the_scripting_examples_run(tmp_path):
    document_example, map_example = _examples()[:2]
    for code in (map_example, document_example):
        run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    assert {p.name for p in tmp_path.iterdir()} >= {"mug-lite0.npz", "mug.pdf", "mug-regions.json",
                                                    "mug.semviewer.json"}
