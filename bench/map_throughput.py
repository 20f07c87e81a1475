"""Map throughput, side by side in one run: fixed batch sizes against the batch tuned inside the map.

For each model spec (EfficientNet-Lite0 by default; networks without offline weights run with
random weights, since speed does not depend on the values), on the default engine and device:
  (a) the classifier alone on pre-rendered images, batch 8 ("before": torch eager fp32, as
      semviewer ran until it had engines; and the default engine);
  (b) the map pipeline as `semviewer map` runs it (render thread + batched classification,
      coarse to fine) at every fixed batch of the tuner's candidates, and tuned inside the map
      (the tuner starts from nothing each repeat, so its measuring chunks count in its time).
Every rate is the median of --repeats interleaved runs. Targets: tuned ≥ 0.95 × the best fixed
batch; (b) tuned / (b) before ≥ 3.

    .venv/bin/python bench/map_throughput.py [--poses 1200] [--repeats 3] [--models efficientnet-lite0 resnet18]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from semviewer.pipeline.batch_tuning import CANDIDATES, BatchTuner
from semviewer.core.inference.devices import resolve_device
from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.maps.build import build_map
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.scene.objects import get_object
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.scorer import Scorer
from semviewer.render import Renderer

from baselines import EagerBefore, default_classifier  # bench/baselines.py


def rate(fn: Callable[[], None], count: int, min_seconds: float = 2.0) -> float:
    """Items per second of fn() (which processes ``count`` items), repeated for at least min_seconds."""
    fn()  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        fn()
        done += count
    return done / (time.perf_counter() - start)


def map_rate(scene: Scene, classifier, axes, batch: int | None, records: Path) -> tuple[float, int]:
    """Poses per second of one map (and the batch it ran at): ``batch`` fixed, or None to tune it."""
    with Scorer(scene, classifier, [a.name for a in axes], batch) as scorer:
        scorer.score(np.zeros((2, len(axes))))            # the render thread and engine warmed up
        tuner = None
        if batch is None:
            fresh = Path(tempfile.mkdtemp(dir=records))
            tuner = BatchTuner(classifier, lambda size: setattr(scorer.score, "batch_size", size), fresh)
        start = time.perf_counter()
        build_map(scorer.score, axes, {}, {}, chunk_size=64, tuner=tuner)
        return int(np.prod([a.size for a in axes])) / (time.perf_counter() - start), scorer.score.batch_size


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poses", type=int, default=1200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["efficientnet-lite0"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    candidates, seconds = CANDIDATES, 2.0
    if args.smoke:
        args.poses, args.repeats, candidates, seconds = 48, 1, (8,), 0.2
    device = resolve_device(args.device)
    teapot = get_object("teapot")
    mesh = teapot.load()
    scene = Scene(mesh, teapot.classes, base=teapot.default_pose)
    axes = (parse_grid_axis(f"azimuth=0:360:{360 * 6 / args.poses:.6g}"), parse_grid_axis("elevation=0:60:10"))
    count = axes[0].size * axes[1].size
    print(f"{describe_cpu()}; torch {torch.__version__}, {torch.get_num_threads()} torch threads; device {device}")
    print(f"map of {count} poses; medians of {args.repeats} interleaved repeats")
    with Renderer(mesh) as r:
        images = r.render([Pose({"azimuth": a, "elevation": 20}) for a in range(0, 360, 45)])
    records = Path(tempfile.mkdtemp(prefix="semviewer-bench-"))
    for name in args.models:
        default = default_classifier(name, device)
        before = EagerBefore(default_classifier(name, device, engine="torch"))
        print(f"\n{name}: engine {default.engine} ({default.threads} threads, {default.precision})")
        alone = {"before": [], "default": []}
        fixed: dict[int, list[float]] = {b: [] for b in candidates}
        tuned, chosen = [], []
        for _ in range(args.repeats):          # interleaved, so drifts hit every row alike
            alone["before"].append(rate(lambda: before.probabilities(images), len(images), seconds))
            alone["default"].append(rate(lambda: default.probabilities(images), len(images), seconds))
            for b in candidates:
                fixed[b].append(map_rate(scene, default, axes, b, records)[0])
            t, b = map_rate(scene, default, axes, None, records)
            tuned.append(t)
            chosen.append(b)
        before_map = map_rate(scene, before, axes, 8, records)[0]
        medians = {b: float(np.median(v)) for b, v in fixed.items()}
        best = max(medians, key=medians.get)
        tuned_rate = float(np.median(tuned))
        print(f"  (a) classifier alone, batch 8, images/s: before {np.median(alone['before']):.1f}, "
              f"default {np.median(alone['default']):.1f}")
        print("  (b) map pipeline, poses/s: " + ", ".join(f"batch {b} {r:.1f}" for b, r in medians.items()))
        print(f"      tuned inside the map {tuned_rate:.1f} (chose {chosen}); before (torch eager, batch 8) "
              f"{before_map:.1f}")
        print(f"  tuned / best fixed (batch {best}) = {tuned_rate / medians[best]:.2f} (target ≥ 0.95); "
              f"tuned / before = {tuned_rate / before_map:.2f} (target ≥ 3)")


if __name__ == "__main__":
    main()
