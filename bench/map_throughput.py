"""Map throughput per inference engine, side by side in one run.

For each model (EfficientNet-Lite0 by default; torchvision models run with random weights,
since speed does not depend on the weight values), on the default device:
  (a) the classifier alone on pre-rendered batches: "before" (torch eager fp32 NCHW, as
      semviewer ran until it had engines) at batch 1 and 8, and the default engine at
      batch 1, 8 and its measured fastest batch;
  (b) the map pipeline (render thread + batched classification, as `semviewer map` runs):
      before (torch eager, batch 8) and the default engine at its fastest batch, with the
      inference threads = physical cores (spinning and sleeping) and = cores - 1, so that the
      render thread's share of the cores is measured, not guessed;
  (c) render + classify one pose at a time (how the earlier tools work), before.
Every rate is the median of --repeats interleaved runs. Targets, on the 2-core machine:
  (a) default / before at batch 8 ≥ 3.5;  (b) default / (a) default ≥ 0.85;
  (b) default / (b) before ≥ 3.

    .venv/bin/python bench/map_throughput.py [--poses 240] [--repeats 3] [--models efficientnet-lite0 resnet18]
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np
import torch

from semviewer.core.scene.axes import Pose, parse_grid_axis
from semviewer.core.inference.batch_tuning import tuned_batch_size
from semviewer.core.inference.classifier import resolve_device
from semviewer.core.inference.cpu_info import describe_cpu, physical_cores
from semviewer.core.scene.objects import get_object
from semviewer.core.inference.scoring import ScoreFunction
from semviewer.core.maps.semantic_map import build_map
from semviewer.render import Renderer, open_render_thread

from baselines import EagerBefore, default_classifier  # bench/baselines.py


def cpu_ms_per_item(fn: Callable[[], int], seconds: float = 1.5) -> float:
    """Process CPU time (all threads, all cores) per item of fn(), which returns its item count."""
    fn()
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        done += fn()
    return 1000 * (time.process_time() - cpu) / done


_RENDERERS: dict = {}


def single_renderer_batch(mesh, size: int) -> int:
    """Render ``size`` poses with a renderer kept for this (main) thread; returns the count."""
    renderer = _RENDERERS.get(id(mesh)) or _RENDERERS.setdefault(id(mesh), Renderer(mesh))
    renderer.render([Pose({"azimuth": 7.0 * i, "elevation": 20}) for i in range(size)])
    return size


def rate(fn: Callable[[], None], count: int, min_seconds: float = 2.0) -> float:
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
    ap.add_argument("--models", nargs="+", default=["efficientnet-lite0"])
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = resolve_device(args.device)
    teapot = get_object("teapot")
    mesh = teapot.load()
    azimuth_step = 360 * 6 / args.poses
    axes = (parse_grid_axis(f"azimuth=0:360:{azimuth_step:.6g}"), parse_grid_axis("elevation=0:60:10"))
    count = axes[0].size * axes[1].size
    cores = physical_cores()
    print(f"{describe_cpu()}; torch {torch.__version__}, {torch.get_num_threads()} torch threads; device {device}")
    if device.startswith("cuda"):
        print(f"GPU {torch.cuda.get_device_name(0)}")
    print(f"map of {count} poses; medians of {args.repeats} interleaved repeats")
    with Renderer(mesh) as r:
        images = r.render([Pose({"azimuth": a, "elevation": 20}) for a in range(0, 360, 5)])
    for name in args.models:
        default = default_classifier(name, device)
        before = EagerBefore(default_classifier(name, device, engine="torch"))
        best = tuned_batch_size(default)
        variants = {"default": default}
        if default.engine == "onnxruntime":
            spinning = default_classifier(name, device)
            spinning.use_onnxruntime(threads=cores, spinning=True)
            variants["default but spinning threads"] = spinning
            if cores > 1:
                variants[f"default, {cores - 1} threads"] = default_classifier(name, device, threads=cores - 1)
        print(f"\n{name}: default engine {default.engine} ({default.threads} threads, {default.precision}), "
              f"fastest batch of the classifier alone {best}")
        alone: dict[str, list[float]] = {}
        pipeline: dict[str, list[float]] = {}
        poses = [Pose({"azimuth": az, "elevation": 20}) for az in np.linspace(0, 360, 48, endpoint=False)]
        one_at_a_time = []
        with open_render_thread(mesh) as thread, Renderer(mesh) as single:
            probe = ScoreFunction(thread, default, teapot.classes, ["azimuth", "elevation"])
            best_b = tuned_batch_size(default, pipeline=probe.probe)
            print(f"  fastest pipeline batch {best_b}")

            def run_map(clf, batch: int) -> float:
                score = ScoreFunction(thread, clf, teapot.classes, ["azimuth", "elevation"], batch_size=batch)
                score(np.zeros((batch, 2)))   # warm-up
                start = time.perf_counter()
                build_map(score, axes, {}, {}, chunk_size=max(64, 4 * batch))
                return count / (time.perf_counter() - start)

            for _ in range(args.repeats):          # interleaved, so drifts hit every row alike
                for b in (1, 8):
                    alone.setdefault(f"before, batch {b}", []).append(
                        rate(lambda: before.probabilities(images[:b]), b))
                for b in sorted({1, 8, best}):
                    alone.setdefault(f"default, batch {b}", []).append(
                        rate(lambda: default.probabilities(images[:b]), b))
                pipeline.setdefault("before, batch 8", []).append(run_map(before, 8))
                for label, clf in variants.items():
                    pipeline.setdefault(f"{label}, batch {best_b}", []).append(run_map(clf, best_b))
                for b in sorted({1, 8, 16} - {best_b}):
                    pipeline.setdefault(f"default, batch {b}", []).append(run_map(default, b))

                def one_by_one():
                    for p in poses:
                        before.probabilities(single.render([p]))
                one_at_a_time.append(rate(one_by_one, len(poses)))
        a_med = {k: float(np.median(v)) for k, v in alone.items()}
        a_before8, a_default8 = a_med["before, batch 8"], a_med["default, batch 8"]
        a_best = a_med[f"default, batch {best}"]
        b_default = np.median(pipeline[f"default, batch {best_b}"])
        b_before = np.median(pipeline["before, batch 8"])
        c = float(np.median(one_at_a_time))
        render_ms = cpu_ms_per_item(lambda: single_renderer_batch(mesh, best_b))
        infer_ms = cpu_ms_per_item(lambda: (default.probabilities(images[:best_b]), best_b)[1])
        print(f"  CPU time per image: rendering {render_ms:.1f} core-ms, inference {infer_ms:.1f} core-ms; "
              f"with both on the same {cores} cores, (b) / (a) ≤ {infer_ms / (infer_ms + render_ms):.2f}")
        print("  (a) classifier alone, images/s:")
        for label, values in alone.items():
            print(f"      {label:38s} {np.median(values):7.1f}")
        print("  (b) map pipeline, poses/s:")
        for label, values in pipeline.items():
            print(f"      {label:38s} {np.median(values):7.1f}")
        print(f"  (c) one pose at a time, before:           {c:7.1f}")
        print(f"  ratios: (a) default / before at batch 8 = {a_default8 / a_before8:.2f} (target ≥ 3.5); "
              f"(b) default at batch {best_b} / (a) default at batch {best} = {b_default / a_best:.2f} "
              f"(target ≥ 0.85); "
              f"(b) default / (b) before = {b_default / b_before:.2f} (target ≥ 3); "
              f"(b) default / (c) = {b_default / c:.2f}")


if __name__ == "__main__":
    main()
