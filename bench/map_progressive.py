"""How long a person waits to see the whole map: coarse to fine against row order, side by side.

The paper grid (azimuth 0:360:3 × elevation -10:90:3, 4,080 poses) of the teapot with the default
model and engine, computed as the window computes it (render thread, batched classification),
at one fixed batch size so that only the order differs. For each order it prints:
  * the time until the whole domain is shown (coarse to fine: every 4th point on each axis
    computed, the rest filled in as a preview; row order: the whole map);
  * the time to the final map.
Targets: preview ≤ 1/12 of the final time; final (coarse to fine) ≤ 1.05 × final (row order);
the two final maps agree to 1e-6.

    .venv/bin/python bench/map_progressive.py [--repeats 2] [--model efficientnet-lite0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from semviewer.pipeline.batch_tuning import cached_batch_size
from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.maps.build import build_map
from semviewer.core.maps.grids import preset_grid
from semviewer.core.maps.progressive import point_levels
from semviewer.core.progress import NullSink
from semviewer.core.scene.objects import get_object
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorer

from baselines import default_classifier  # bench/baselines.py


class Clock(NullSink):
    """Notes when the first level is complete (the preview covers the domain)."""

    def __init__(self, first_level: int, total: int) -> None:
        self.began, self.first_level, self.total = time.perf_counter(), first_level, total
        self.preview_at = None

    def progress(self, fraction: float, message: str = "") -> None:
        if self.preview_at is None and fraction * self.total >= self.first_level:
            self.preview_at = time.perf_counter() - self.began


def one_map(scorer: Scorer, axes, order: str):
    clock = Clock(int((point_levels(tuple(a.size for a in axes)) == 0).sum()), int(np.prod([a.size for a in axes])))
    result = build_map(scorer.score, axes, {}, {}, clock, chunk_size=64, order=order)
    final = time.perf_counter() - clock.began
    return (clock.preview_at if order == "coarse-to-fine" else final), final, result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", default="efficientnet-lite0")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    teapot = get_object("teapot")
    axes, _ = preset_grid("coarse" if args.smoke else "paper")
    if args.smoke:
        args.repeats = 1
    classifier = default_classifier(args.model, "cpu")
    batch = cached_batch_size(classifier)
    print(f"{describe_cpu()}; torch {torch.__version__}; {args.model} on {classifier.engine}, batch {batch}; "
          f"paper grid, {args.repeats} interleaved repeats")
    times = {"coarse-to-fine": [], "rows": []}
    maps = {}
    with Scorer(Scene(teapot.load(), teapot.classes, base=teapot.default_pose), classifier,
                [a.name for a in axes], batch) as scorer:
        scorer.score(np.zeros((batch, 2)))
        for _ in range(args.repeats):
            for order in times:
                preview, final, maps[order] = one_map(scorer, axes, order)
                times[order].append((preview, final))
    med = {order: np.median(np.array(values), axis=0) for order, values in times.items()}
    (pre_c, fin_c), (_, fin_r) = med["coarse-to-fine"], med["rows"]
    diff = float(np.nanmax(np.abs(maps["coarse-to-fine"].values - maps["rows"].values)))
    print(f"  whole domain shown after: coarse to fine {pre_c:.2f} s, row order {fin_r:.2f} s")
    print(f"  final map after:          coarse to fine {fin_c:.2f} s, row order {fin_r:.2f} s")
    print(f"  preview / final = {pre_c / fin_c:.3f} (target ≤ {1 / 12:.3f}); final coarse / rows = "
          f"{fin_c / fin_r:.3f} (target ≤ 1.05); max |Δ| between the final maps {diff:.1e} (target ≤ 1e-6)")


if __name__ == "__main__":
    main()
