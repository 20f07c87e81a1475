"""Cost of growing robust regions live (render + classify every corner, every step).

1. Engines: live OIR_B in the paper's 1-D setting (azimuth at elevation 35°, its four 1-D
   starts grown together) for --steps steps on the teapot and EfficientNet-Lite0, "before"
   (torch eager fp32, batch 8, as semviewer ran until it had engines) against the default
   engine at its measured fastest pipeline batch; medians of --repeats interleaved runs.
   Target: the default engine ≥ 3× faster in wall time.
2. With --stopping: semviewer's batching + stopping rule against the original code's way
   (T = 800 steps, one render and one forward pass per point), for OIR_B and OIR_W from two
   1-D starts: IoU of the stopped regions with the T = 800 ones and the forward passes saved.
   Target: IoU ≥ 0.95 with ≥ 5× fewer forward passes.

    .venv/bin/python bench/region_cost.py [--steps 60] [--repeats 3] [--stopping]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from semviewer.core.scene.axes import Pose
from semviewer.pipeline.batch_tuning import cached_batch_size
from semviewer.core.inference.loading import load_classifier
from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.scene.objects import get_object
from semviewer.core.regions.config import PAPER_STARTS_1D, RegionConfig
from semviewer.core.regions.solver import evaluations_per_step, find_regions
from semviewer.pipeline.scoring import ScoreFunction
from semviewer.render import open_render_thread

from baselines import EagerBefore  # bench/baselines.py

DOMAIN = np.array([[0.0, 360.0]])
STEPS = 800


class OneAtATime:
    """The original code's evaluation: one render and one forward pass per point."""

    def __init__(self, score: ScoreFunction) -> None:
        self.score = score

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.array([self.score(p[None])[0] for p in points])


def stop_step(history: np.ndarray, tol: float, patience: int) -> int:
    """The number of steps after which the stopping rule ends a run (len(history) if never)."""
    moves = np.abs(np.diff(np.concatenate([history[:1], history]), axis=0)).max(axis=(1, 2))
    quiet = 0
    for step, move in enumerate(moves, start=1):
        quiet = quiet + 1 if move < tol else 0
        if quiet >= patience:
            return step
    return len(history)


def iou_1d(lo_a, hi_a, lo_b, hi_b) -> float:
    inter = max(0.0, min(hi_a, hi_b) - max(lo_a, lo_b))
    union = max(hi_a, hi_b) - min(lo_a, lo_b)
    return inter / union if union > 0 else 1.0


def engines(thread, teapot, steps: int, repeats: int) -> None:
    default = load_classifier()
    before = EagerBefore(load_classifier(engine="torch"))
    starts = np.array(PAPER_STARTS_1D, dtype=float)[:, None]
    base = Pose({"elevation": 35})
    best = cached_batch_size(default)             # the size maps tuned and kept here (8 before any map)
    config = RegionConfig(method="oir_b", steps=steps)
    runs: dict[str, list[float]] = {"before": [], "default": []}
    results = {}
    for _ in range(repeats):
        for label, clf, batch in (("before", before, 8), ("default", default, best)):
            score = ScoreFunction(thread, clf, teapot.classes, ["azimuth"], base, batch_size=batch)
            score(starts)   # warm-up
            begin = time.perf_counter()
            results[label] = find_regions(score, starts, DOMAIN, config)
            runs[label].append(time.perf_counter() - begin)
    t_before, t_default = np.median(runs["before"]), np.median(runs["default"])
    agree = max(np.abs(a.lower - b.lower).max() + np.abs(a.upper - b.upper).max()
                for a, b in zip(results["before"], results["default"]))
    print(f"live OIR_B 1-D, {len(starts)} starts × {steps} steps ({evaluations_per_step('oir_b', 1) * len(starts)} "
          f"renders a step): before (torch eager, batch 8) {t_before:.1f} s; default engine "
          f"({default.engine}, batch {best}) {t_default:.1f} s; {t_before / t_default:.2f}× faster (target ≥ 3); "
          f"bounds differ by ≤ {agree:.3g}°")


def stopping(thread, teapot, args) -> None:
    classifier = load_classifier()
    starts = np.array(args.starts)[:, None]
    for method in ("oir_b", "oir_w"):
        per_step = evaluations_per_step(method, 1) * len(starts)

        def fresh(batch: int) -> ScoreFunction:
            return ScoreFunction(thread, classifier, teapot.classes, ["azimuth"], Pose({"elevation": 35}),
                                 batch_size=batch)
        one = OneAtATime(fresh(1))
        one(np.array([[0.0]]))
        begin = time.perf_counter()
        for s in starts:
            find_regions(one, s[None], DOMAIN, RegionConfig(method=method, steps=args.probe_steps))
        original_time = (time.perf_counter() - begin) * STEPS / args.probe_steps
        original_passes = STEPS * per_step
        ours = fresh(per_step)
        begin = time.perf_counter()
        regions = find_regions(ours, starts, DOMAIN, RegionConfig(method=method, steps=STEPS))
        full_time = time.perf_counter() - begin
        print(f"{method.upper()}: {len(starts)} starts, {per_step} points per step; original: "
              f"{original_passes} forward passes, ≈{original_time:.0f} s")
        for tol in args.tol:
            stops = [stop_step(r.history, tol, args.patience) for r in regions]
            last = max(stops)
            ours_passes = last * (ours.forward_passes // STEPS)
            ours_time = full_time * last / STEPS
            ious = []
            for r, s in zip(regions, stops):
                lo, hi = r.history[s - 1, :, 0]
                ious.append(iou_1d(lo, hi, r.lower[0], r.upper[0]))
            details = ", ".join(f"start {r.start[0]:.0f}°: {s} steps, IoU {iou:.3f}"
                                for r, s, iou in zip(regions, stops, ious))
            print(f"  tol {tol:g}°: {details}; forward passes {ours_passes} → "
                  f"{original_passes / ours_passes:.1f}× fewer; wall ≈{ours_time:.0f} s → "
                  f"{original_time / ours_time:.1f}× faster; min IoU {min(ious):.3f}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=60, help="steps of the engine comparison")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stopping", action="store_true", help="also run the stopping-rule comparison (minutes)")
    ap.add_argument("--tol", type=float, nargs="+", default=[0.001, 0.01],
                    help="stopping tolerances in degrees per step (each is reported)")
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--starts", type=float, nargs="+", default=[120.0, 290.0])
    ap.add_argument("--probe-steps", type=int, default=20)
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.steps, args.repeats = 3, 1
    print(f"{describe_cpu()}; torch {torch.__version__}")
    teapot = get_object("teapot")
    with open_render_thread(teapot.load()) as thread:
        engines(thread, teapot, args.steps, args.repeats)
        if args.stopping:
            stopping(thread, teapot, args)


if __name__ == "__main__":
    main()
