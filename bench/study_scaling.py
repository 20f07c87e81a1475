"""Study scaling: a 4-object × 1-model coarse study with 1 and 2 local workers, side by side.

Runs the same study (teapot, mug, soccer ball, airliner × EfficientNet-Lite0; azimuth 0:360:15
× elevation -10:90:10; the three methods) with an empty map cache each time:
  in-process   --workers 1 (units one after the other in this process, 2 inference threads);
  1 process    one spawned worker process (what a worker costs to start), 2 threads;
  2 processes  two worker processes, 1 inference thread each.
Target: 2 processes ≥ 1.6× faster than 1. Then it projects the wall time of the paper's full
Table 1 (100 shapes × 4 networks on the paper's 120 × 34 grid) from the measured unit times.

    .venv/bin/python bench/study_scaling.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from semviewer.core.engines.cpu_info import describe_cpu, physical_cores
from semviewer.core.scene.grid import GridAxis
from semviewer.studies.manifest import plan_from_manifest
from semviewer.studies.runner import run_study

MANIFEST = {
    "study": {"name": "scaling", "models": ["efficientnet-lite0"], "methods": ["naive", "oir_b", "oir_w"]},
    "grid": {"azimuth": "0:360:15", "elevation": "-10:90:10"},
    "objects": [{"name": n} for n in ("teapot", "mug", "soccer_ball", "airliner")],
}
PAPER_POSES, TABLE1_UNITS = 120 * 34, 100 * 4


def timed_run(plan, workers: int, processes: bool) -> tuple[float, list[float]]:
    """Wall seconds of a whole run, and each unit's map rate (poses/s), with an empty map cache."""
    kept = os.environ.get("SEMVIEWER_CACHE_DIR")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        os.environ["SEMVIEWER_CACHE_DIR"] = cache       # worker processes inherit it
        try:
            start, cpu = time.perf_counter(), time.process_time()
            outcome = run_study(plan, out, "local", workers=workers, progress=False, figures=False,
                                processes=processes)
            wall = time.perf_counter() - start
        finally:
            os.environ.pop("SEMVIEWER_CACHE_DIR")
            if kept is not None:
                os.environ["SEMVIEWER_CACHE_DIR"] = kept
        if not processes:
            print(f"  in-process run kept {(time.process_time() - cpu) / wall:.2f} of the "
                  f"{physical_cores()} cores busy")
        assert not outcome.failed, outcome.failed
        poses = int(np.prod([GridAxis.from_json(a).size for a in plan.grid]))
        rates = [poses / json.loads(path.read_text())["stats"]["map_seconds"]
                 for path in Path(out, "units").glob("*.json")]
        return wall, rates


SMOKE_MANIFEST = {**MANIFEST, "study": {**MANIFEST["study"], "methods": ["naive"]},
                  "grid": {"azimuth": "0:360:90", "elevation": "0:60:30"}, "objects": [{"name": "teapot"}]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    print(describe_cpu())
    plan = plan_from_manifest(SMOKE_MANIFEST if args.smoke else MANIFEST, Path(tempfile.gettempdir()))
    walls: dict[str, list[float]] = {"in-process": [], "1 process": [], "2 processes": []}
    rates: list[float] = []
    for _ in range(args.repeats):
        wall, unit_rates = timed_run(plan, 1, processes=False)
        walls["in-process"].append(wall)
        rates += unit_rates
        walls["1 process"].append(timed_run(plan, 1, processes=True)[0])
        walls["2 processes"].append(timed_run(plan, 2, processes=True)[0])
    med = {k: float(np.median(v)) for k, v in walls.items()}
    for label, value in med.items():
        print(f"  {label:12s} {value:6.1f} s for {len(plan.units())} units")
    speedup = med['1 process'] / med['2 processes']
    print(f"  speed-up 2 processes vs 1 process: {speedup:.2f}× (target ≥ 1.6); "
          f"vs in-process: {med['in-process'] / med['2 processes']:.2f}×")
    if speedup < 1.6:
        print("  why not: one unit already keeps the cores busy (inference threads = cores, plus the render\n"
              "  thread), so a second worker only adds its start-up (torch import, model, engine check) and\n"
              "  splits the same cores; more workers pay where a machine has more cores than one unit uses,\n"
              "  and across machines (--executor ray).")
    rate = float(np.median(rates))
    unit_seconds = PAPER_POSES / rate
    print(f"  map rate per unit (EfficientNet-Lite0, in-process): {rate:.0f} poses/s")
    print(f"  projected paper Table 1 ({TABLE1_UNITS} units × {PAPER_POSES} poses) on this machine: "
          f"{unit_seconds:.0f} s a unit, {TABLE1_UNITS * unit_seconds / 3600:.1f} h in all with EfficientNet-Lite0-sized "
          f"networks (ResNet-50 / VGG / Inception are 5-20× slower per image on a CPU)")
    try:
        import torch

        if torch.cuda.is_available():
            print(f"  GPU {torch.cuda.get_device_name(0)}: run this benchmark there for a per-GPU projection")
        else:
            print("  per GPU: not measured (no GPU on this machine); run `semviewer study --executor ray` on a GPU "
                  "cluster, where units use torch on CUDA")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
