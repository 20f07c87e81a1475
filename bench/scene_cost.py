"""What a scene costs, side by side in one run: the render per image on black (the paper's), over a
background image and over a panorama, and each corruption per image, against the classifier's time
per image (the default engine, batch 8); and the map pipeline's poses per second (render thread and
classifier overlapping, batch 8) on each background. The target: a background costs at most 15 %
of the pipeline's time (its poses per second at least 1 / 1.15 of black's).

    .venv/bin/python bench/scene_cost.py [--poses 96] [--repeats 5] [--model efficientnet-lite0]
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
BACKGROUNDS = ("black (the paper's)", "image (brick)", "panorama (sky)")


def interleaved_ms(fns: dict, count: int, repeats: int) -> dict[str, float]:
    """Median milliseconds per image of each ``fns[name]()`` (which handles ``count`` images): one
    warm-up each, then ``repeats`` rounds that time every one in turn, so that a slow moment of the
    machine falls on all of them alike."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) / count * 1000)
    return {name: float(np.median(t)) for name, t in times.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poses", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=5)
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
          f"medians of {args.repeats} interleaved rounds")
    classifier = default_classifier(args.model, "cpu", notify=lambda message: None)
    with Renderer(get_object("teapot").load(), settings) as renderer:
        images = renderer.render(poses[:8])
        classify = interleaved_ms({"classify": lambda: classifier.probabilities(images)}, len(images),
                                  args.repeats)["classify"]
        jobs = {name: (lambda i=i: renderer.render([p.replace(background=i) for p in poses])) for i, name in
                enumerate(BACKGROUNDS)}
        jobs.update({name: (lambda n=name: renderer.render([p.replace(**{n: 3.0}) for p in poses]))
                     for name in CORRUPTIONS})
        measured = interleaved_ms(jobs, len(poses), args.repeats)
        render = {name: measured[name] for name in BACKGROUNDS}
        corrupted = {name: measured[name] - render[BACKGROUNDS[0]] for name in CORRUPTIONS}
    rates = pipeline_rates(settings, classifier, args.poses, args.repeats)
    print(f"classifier ({args.model}, {classifier.engine}, batch 8): {classify:.2f} ms an image")
    black = rates[BACKGROUNDS[0]]
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
    with Scorer(scene, classifier, ["azimuth", "elevation", "background"], 8) as scorer:
        jobs = {name: (lambda b=np.column_stack([points, np.full(poses, float(i))]): scorer.score(b))
                for i, name in enumerate(BACKGROUNDS)}
        return {name: 1000 / ms for name, ms in interleaved_ms(jobs, poses, repeats).items()}


if __name__ == "__main__":
    main()
