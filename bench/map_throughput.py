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

from semviewer.core.axes import Pose, parse_grid_axis
from semviewer.core.batch_tuning import tuned_batch_size
from semviewer.core.classifier import Classifier, PendingProbabilities, get_model_spec, load_classifier, \
    resolve_device
from semviewer.core.cpu_info import describe_cpu, physical_cores
from semviewer.core.objects import get_object
from semviewer.core.scoring import ScoreFunction
from semviewer.core.semantic_map import build_map
from semviewer.render import Renderer, open_render_thread


class EagerBefore:
    """The classifier as semviewer ran it before engines: torch eager, fp32, NCHW, synchronous."""

    def __init__(self, clf: Classifier) -> None:
        self.clf, self.device, self.name = clf, clf.device, clf.name

    def probabilities(self, images) -> np.ndarray:
        with torch.inference_mode():
            x = self.clf._scaled(images, self.device)
            x = ((x - self.clf._mean) / self.clf._std).contiguous()
            return torch.softmax(self.clf.module.to(memory_format=torch.contiguous_format)(x), 1).cpu().numpy()

    def submit(self, images) -> PendingProbabilities:
        return PendingProbabilities(self.probabilities(images))


def default_classifier(name: str, device: str, **kw) -> Classifier:
    spec = get_model_spec(name)
    if spec.weights_package:
        return load_classifier(name, device=device, **kw)
    weights = f"/tmp/semviewer-bench-{name}.pth"     # random weights, saved once so the engine can key its export
    torch.manual_seed(0)
    torch.save(spec.build().state_dict(), weights)
    return load_classifier(name, weights=weights, device=device, **kw)


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
            sleeping = default_classifier(name, device)
            sleeping.use_onnxruntime(threads=cores, spinning=False)
            variants[f"default, {cores} threads, no spinning"] = sleeping
            if cores > 1:
                variants[f"default, {cores - 1} threads"] = default_classifier(name, device, threads=cores - 1)
        print(f"\n{name}: default engine {default.engine} ({default.threads} threads, {default.precision}), "
              f"fastest batch {best}")
        alone: dict[str, list[float]] = {}
        pipeline: dict[str, list[float]] = {}
        poses = [Pose({"azimuth": az, "elevation": 20}) for az in np.linspace(0, 360, 48, endpoint=False)]
        one_at_a_time = []
        with open_render_thread(mesh) as thread, Renderer(mesh) as single:
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
                    pipeline.setdefault(f"{label}, batch {best}", []).append(run_map(clf, best))

                def one_by_one():
                    for p in poses:
                        before.probabilities(single.render([p]))
                one_at_a_time.append(rate(one_by_one, len(poses)))
        med = {k: float(np.median(v)) for k, v in {**alone, **pipeline}.items()}
        a_before8, a_default8 = med["before, batch 8"], med["default, batch 8"]
        a_best = med[f"default, batch {best}"]
        b_default = np.median(pipeline[f"default, batch {best}"])
        b_before = np.median(pipeline["before, batch 8"])
        c = float(np.median(one_at_a_time))
        print("  (a) classifier alone, images/s:")
        for label, values in alone.items():
            print(f"      {label:38s} {np.median(values):7.1f}")
        print("  (b) map pipeline, poses/s:")
        for label, values in pipeline.items():
            print(f"      {label:38s} {np.median(values):7.1f}")
        print(f"  (c) one pose at a time, before:           {c:7.1f}")
        print(f"  ratios: (a) default / before at batch 8 = {a_default8 / a_before8:.2f} (target ≥ 3.5); "
              f"(b) default / (a) default at batch {best} = {b_default / a_best:.2f} (target ≥ 0.85); "
              f"(b) default / (b) before = {b_default / b_before:.2f} (target ≥ 3); "
              f"(b) default / (c) = {b_default / c:.2f}")


if __name__ == "__main__":
    main()
