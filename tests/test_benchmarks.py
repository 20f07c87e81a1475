"""Every benchmark in bench/ runs in its --smoke mode (seconds, tiny inputs), so that a change that
breaks one fails the suite instead of rotting unnoticed. Each prints the CPU's capability first."""

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "baselines")
QT = {"drag_latency", "ui_stalls", "soak_live_view"}


@pytest.fixture()
def bench_module(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "maps"))

    def load(name: str):
        return importlib.import_module(name)
    return load


def test_every_benchmark_is_run_here():
    assert set(SCRIPTS) == {"cancel_latency", "drag_latency", "engines", "map_progressive", "map_throughput",
                            "models", "region_cost", "scene_cost", "soak_live_view", "study_scaling", "ui_stalls",
                            "failure_search", "map_adaptive", "render_lock"}


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_benchmark_runs_in_its_smoke_mode(name, bench_module, capsys, request):
    if name in QT:
        request.getfixturevalue("qapp")
    bench_module(name).main(["--smoke"])
    out = capsys.readouterr().out
    assert "capability" in out and len(out.strip().splitlines()) >= 2, out
    assert "Traceback" not in out
