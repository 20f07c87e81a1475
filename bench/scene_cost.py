"""What a scene costs, side by side in one run: the render per image on black (the paper's), over a
background image and over a panorama, and each corruption per image, against the classifier's time
per image (the default engine, batch 8); and the map pipeline's poses per second (render thread and
classifier overlapping, batch 8) on each background. The target: a background costs at most 15 %
of the pipeline's time (its poses per second at least 1 / 1.15 of black's).

    .venv/bin/python bench/scene_cost.py [--poses 96] [--repeats 3] [--model efficientnet-lite0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.backgrounds import bundled_backgrounds
from semviewer.core.scene.corruptions import CORRUPTIONS
from semviewer.core.scene.objects import get_object
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.render import Renderer

from baselines import default_classifier  # bench/baselines.py

TARGET = 0.15


def per_image_ms(fn, count: int, repeats: int) -> float:
    """Median milliseconds per image of ``fn()`` (which handles ``count`` images), after a warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) / count * 1000)
    return float(np.median(times))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poses", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="efficientnet-lite0")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.poses, args.repeats = 8, 1
    b = bundled_backgrounds()
    settings = RenderSettings(backgrounds=(b["black"], b["brick"], b["sky"]))
    poses = [Pose({"azimuth": a, "elevation": 20}) for a in np.linspace(0, 360, args.poses, endpoint=False)]
    print(f"{describe_cpu()}; torch {torch.__version__}; {args.poses} renders of the teapot at 224², "
          f"medians of {args.repeats}")
    classifier = default_classifier(args.model, "cpu", notify=lambda message: None)
    with Renderer(get_object("teapot").load(), settings) as renderer:
        images = renderer.render(poses[:8])
        classify = per_image_ms(lambda: classifier.probabilities(images), len(images), args.repeats)
        render = {name: per_image_ms(lambda i=i: renderer.render([p.replace(background=i) for p in poses]),
                                     len(poses), args.repeats)
                  for i, name in enumerate(("black (the paper's)", "image (brick)", "panorama (sky)"))}
        corrupted = {name: per_image_ms(lambda n=name: renderer.render([p.replace(**{n: 3.0}) for p in poses]),
                                        len(poses), args.repeats) - render["black (the paper's)"]
                     for name in CORRUPTIONS}
    rates = pipeline_rates(settings, classifier, args.poses, args.repeats)
    print(f"classifier ({args.model}, {classifier.engine}, batch 8): {classify:.2f} ms an image")
    black = rates["black (the paper's)"]
    for name, ms in render.items():
        cost = black / rates[name] - 1
        print(f"render on {name:20s}: {ms:6.2f} ms an image; map pipeline {rates[name]:6.1f} poses/s, "
              f"+{cost:6.1%} time" + ("" if name.startswith("black") else
                                     f" (target ≤ {TARGET:.0%}: {'ok' if cost <= TARGET else 'MISSED'})"))
    for name, ms in corrupted.items():
        print(f"corruption {name:10s} (severity 3): +{ms:6.2f} ms an image in the render thread "
              f"({ms / classify:.0%} of the classifier's time)")


def pipeline_rates(settings: RenderSettings, classifier, poses: int, repeats: int) -> dict[str, float]:
    """Poses per second of the map pipeline (render thread + classifier, batch 8) on each background."""
    from semviewer.pipeline import Scorer, make_scene

    teapot = get_object("teapot")
    scene = make_scene(teapot.load(), teapot.classes, settings=settings)
    points = np.stack([np.linspace(0, 360, poses, endpoint=False), np.full(poses, 20.0)], axis=1)
    rates = {}
    with Scorer(scene, classifier, ["azimuth", "elevation", "background"], 8) as scorer:
        for i, name in enumerate(("black (the paper's)", "image (brick)", "panorama (sky)")):
            batch = np.column_stack([points, np.full(poses, float(i))])
            rates[name] = 1000 / per_image_ms(lambda b=batch: scorer.score(b), poses, repeats)
    return rates


if __name__ == "__main__":
    main()
