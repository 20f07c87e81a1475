"""Cost of growing robust regions: semviewer's batching + stopping rule vs the original code's way.

For OIR_B and OIR_W on the default object (teapot) and model (EfficientNet-Lite0), in the
paper's 1-D setting (azimuth at elevation 35°) from two of its 1-D starts, grown together:
  reference  the regions after a fixed T = 800 steps (paper defaults);
  original   T = 800 steps, every point rendered and classified on its own, one start after
             the other (forward passes counted exactly; wall time measured on --probe-steps
             steps and scaled to 800, since the full run takes many minutes);
  semviewer  every point of a step, for all starts, in one batched forward pass, stopping a
             region once its bounds move less than --tol degrees for --patience steps.
The semviewer run is the reference run itself (same points, batched): its regions at the
step where the stopping rule fires are compared with the T = 800 regions by IoU.
Target: IoU ≥ 0.95 with ≥ 5× fewer forward passes.

    .venv/bin/python bench/region_cost.py [--tol 0.001 0.01] [--patience 10] [--starts 120 290]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from semviewer.core.axes import Pose
from semviewer.core.classifier import load_classifier
from semviewer.core.objects import get_object
from semviewer.core.regions import RegionConfig, evaluations_per_step, find_regions
from semviewer.core.scoring import ScoreFunction
from semviewer.render import open_render_thread

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tol", type=float, nargs="+", default=[0.001, 0.01],
                    help="stopping tolerances in degrees per step (each is reported)")
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--starts", type=float, nargs="+", default=[120.0, 290.0])
    ap.add_argument("--probe-steps", type=int, default=20)
    args = ap.parse_args()
    teapot = get_object("teapot")
    classifier = load_classifier()
    starts = np.array(args.starts)[:, None]
    with open_render_thread(teapot.load()) as thread:
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


if __name__ == "__main__":
    main()
