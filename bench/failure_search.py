"""The failure search against the map it saves, side by side in one run (docs/algorithms.md §8).

1. The teapot on the paper grid (azimuth × elevation, 3°): the map is computed once (its poses per
   second measured), then CMA-ES and random search each get a tenth of the map's evaluations. The
   target: the worst pose CMA-ES finds lies in the map's worst 1 % of cells (its nearest cell is
   one of them), for every seed. Random search at the same budget is the baseline.
2. A 4-axis search (azimuth, elevation, distance, light elevation): its evaluations per second
   against the map pipeline's poses per second (the target: at least 80 %: each generation is one
   batch of the same pipeline).

    .venv/bin/python bench/failure_search.py [--grid paper] [--seeds 3] [--budget-4d 600]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.maps.grids import preset_grid
from semviewer.core.scene.objects import get_object
from semviewer.pipeline import Scorer, compute_map, make_scene
from semviewer.pipeline.failures import search_batch, search_failures

from baselines import default_classifier  # bench/baselines.py

WORST_SHARE = 0.01
RATE_TARGET = 0.8
AXES_4D = ("azimuth", "elevation", "distance", "light_elevation")
DOMAIN_4D = np.array([[0.0, 360.0], [-10.0, 90.0], [2.0, 5.0], [-30.0, 90.0]])


def nearest_cell_rank(semantic_map, point: dict) -> float:
    """The share of the map's cells whose value is below that of the cell nearest ``point``."""
    index = tuple(int(np.argmin(np.abs(a.points - point[a.name]))) for a in semantic_map.axes)
    values = semantic_map.values.reshape(-1)
    return float((values < semantic_map.values[index]).mean())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", default="paper", help="the map preset (paper, medium or coarse)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget-4d", type=int, default=600)
    ap.add_argument("--model", default="efficientnet-lite0")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.grid, args.seeds, args.budget_4d = "coarse", 1, 48
    print(f"{describe_cpu()}; torch {torch.__version__}")
    classifier = default_classifier(args.model, "cpu", notify=lambda message: None)
    teapot = get_object("teapot")
    scene = make_scene(teapot.load(), teapot.classes.on(classifier.labels), base=teapot.default_pose)
    grid, _ = preset_grid(args.grid)
    with Scorer(scene, classifier, [a.name for a in grid]) as scorer:
        scorer.score(np.array([[0.0, 40.0]] * 8))                       # warm-up: the engine, the context
        began = time.perf_counter()
        semantic_map, _ = compute_map(scorer, grid, cache=None)
        map_seconds = time.perf_counter() - began
        cells = semantic_map.values.size
        map_rate = cells / map_seconds
        budget = max(16, cells // 10)
        print(f"map ({args.grid} grid): {cells} poses in {map_seconds:.1f} s, {map_rate:.1f} poses/s; "
              f"its worst {WORST_SHARE:.0%} of cells have p(teapot) ≤ "
              f"{np.quantile(semantic_map.values, WORST_SHARE):.2e}")
        print(f"searches with {budget} evaluations each (a tenth of the map's):")
        domain = semantic_map.domain()
        hits = {}
        for method in ("cma-es", "random"):
            for seed in range(args.seeds):
                began = time.perf_counter()
                found = search_failures(scorer, domain, budget=budget, method=method, seed=seed)
                seconds = time.perf_counter() - began
                worst = min(found.failures, key=lambda f: f.p_true) if found.failures else None
                rank = nearest_cell_rank(semantic_map, worst.point) if worst else 1.0
                hits.setdefault(method, []).append(rank <= WORST_SHARE)
                where = ", ".join(f"{k} {v:.1f}" for k, v in worst.point.items()) if worst else "no failure"
                print(f"  {method:7s} seed {seed}: worst p {found.best_p_true:.2e} at {where}; its nearest cell "
                      f"ranks {rank:.2%} from the bottom ({'in' if rank <= WORST_SHARE else 'NOT in'} the worst "
                      f"{WORST_SHARE:.0%}); {len(found.failures)} distinct failures; failure rate "
                      f"{found.failure_rate:.1%}; {found.evaluations / seconds:.1f} evaluations/s")
        for method, flags in hits.items():
            print(f"{method}: worst pose in the map's worst {WORST_SHARE:.0%} for {sum(flags)} of {len(flags)} seeds"
                  + (f" (target: all: {'ok' if all(flags) else 'MISSED'})" if method == "cma-es" else " (baseline)"))
    with Scorer(scene, classifier, list(AXES_4D)) as scorer:
        scorer.score(np.array([DOMAIN_4D.mean(axis=1)] * 8))
        began = time.perf_counter()
        found = search_failures(scorer, DOMAIN_4D, budget=args.budget_4d, seed=0)
        rate = found.evaluations / (time.perf_counter() - began)
        batch = search_batch(scorer)
    ratio = rate / map_rate
    print(f"4-axis search ({' × '.join(AXES_4D)}), {found.evaluations} evaluations in batches of {batch}: "
          f"{rate:.1f} evaluations/s, "
          f"{ratio:.2f}× the map pipeline's {map_rate:.1f} poses/s (target ≥ {RATE_TARGET:.0%}: "
          f"{'ok' if ratio >= RATE_TARGET else 'MISSED'}); {found.describe()}")


if __name__ == "__main__":
    main()
