"""Map pipeline throughput against the classifier alone and against one-pose-at-a-time.

Prints, for the default model and one torchvision architecture (random weights: speed does
not depend on the weight values), on the same device and batch size:
  (a) the classifier alone on pre-rendered image batches,
  (b) the map pipeline (render thread + batched classification, as `semviewer map` runs),
  (c) render + classify one pose at a time (how the earlier tools work),
and the ratios b/a (target ≥ 0.9) and b/c (target ≥ 1.5).

    .venv/bin/python bench/map_throughput.py [--poses 240] [--repeats 3] [--batch-size 8] [--models efficientnet-lite0 resnet18]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from semviewer.core.axes import Pose, parse_grid_axis
from semviewer.core.classifier import Classifier, get_model_spec, load_classifier, resolve_device
from semviewer.core.objects import get_object
from semviewer.core.scoring import ScoreFunction
from semviewer.core.semantic_map import build_map
from semviewer.render import Renderer, open_render_thread


def classifier_for(name: str, device: str, bf16: bool = False) -> Classifier:
    spec = get_model_spec(name)
    if spec.weights_package:
        return load_classifier(name, device=device, bf16=bf16)
    torch.manual_seed(0)
    return Classifier(spec, spec.build(), None, "random-init", device=device, bf16=bf16)


def rate(fn, count: int, min_seconds: float = 3.0) -> float:
    """Items per second of fn() (which processes ``count`` items), repeated for at least min_seconds."""
    fn()  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        fn()
        done += count
    return done / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poses", type=int, default=240)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--models", nargs="+", default=["efficientnet-lite0", "resnet18"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--precisions", nargs="+", choices=["fp32", "bf16"], default=["fp32", "bf16"],
                    help="(a) and (b) run at each precision; (c) is always fp32, as the earlier tools ran")
    args = ap.parse_args()
    device = resolve_device(args.device)
    teapot = get_object("teapot")
    mesh = teapot.load()
    azimuth_step = 360 * 6 / args.poses
    axes = (parse_grid_axis(f"azimuth=0:360:{azimuth_step:.6g}"), parse_grid_axis("elevation=0:60:10"))
    count = axes[0].size * axes[1].size
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {device}; batch {args.batch_size}; map of {count} poses")
    with Renderer(mesh) as r:
        images = r.render([Pose({"azimuth": a, "elevation": 20}) for a in range(0, 360, 360 // args.batch_size)][:args.batch_size])
    for name in args.models:
        baseline = classifier_for(name, device)
        poses = [Pose({"azimuth": az, "elevation": 20}) for az in np.linspace(0, 360, 48, endpoint=False)]
        with Renderer(mesh) as r:
            def one_by_one():
                for p in poses:
                    baseline.probabilities(r.render([p]))
            c = rate(one_by_one, len(poses))
        for precision in args.precisions:
            clf = classifier_for(name, device, bf16=precision == "bf16")
            a_runs, b_runs = [], []
            with open_render_thread(mesh) as thread:
                score = ScoreFunction(thread, clf, teapot.classes, ["azimuth", "elevation"], batch_size=args.batch_size)
                score(np.zeros((args.batch_size, 2)))   # warm-up
                for _ in range(args.repeats):          # interleaved, so drifts hit (a) and (b) alike
                    a_runs.append(rate(lambda: clf.probabilities(images), len(images)))
                    start = time.perf_counter()
                    build_map(score, axes, {}, {}, chunk_size=4 * args.batch_size)
                    b_runs.append(count / (time.perf_counter() - start))
            a, b = float(np.median(a_runs)), float(np.median(b_runs))
            print(f"{name:18s} {precision}  (a) classifier alone {a:6.1f}/s  (b) map pipeline {b:6.1f}/s  "
                  f"(c) one pose at a time, fp32 {c:6.1f}/s   b/a = {b / a:.2f}   b/c = {b / c:.2f}   "
                  f"(medians of {args.repeats})")


if __name__ == "__main__":
    main()
