"""How long a cancelled map takes to stop: checked between chunks only (64 poses, as before)
against checked between the score's batches too (the default in the window).

Builds the paper-grid map of the teapot in a thread, cancels it 2.3 s in, and prints the time
from the cancel to the builder returning, for both, side by side (--repeats times).
Target: ≤ 150 ms with the default.

    .venv/bin/python bench/cancel_latency.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.inference.loading import load_classifier
from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.scene.objects import get_object
from semviewer.core.progress import ListSink
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.pipeline.scoring import ScoreFunction
from semviewer.core.maps.build import build_map
from semviewer.render import open_render_thread


class EventSink(ListSink):
    """Cancelled once ``event`` is set."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self.event = event

    def cancelled(self) -> bool:
        return self.event.is_set()


def stop_time(mesh, obj, classifier, axes, prompt: bool, after: float = 2.3) -> float:
    """Milliseconds from the cancel to build_map returning."""
    with open_render_thread(mesh, RenderSettings()) as thread:
        score = ScoreFunction(thread, classifier, obj.classes, ["azimuth", "elevation"], obj.default_pose, 8)
        event = threading.Event()
        if prompt:
            score.cancelled = event.is_set
        worker = threading.Thread(target=lambda: build_map(score, axes, {}, {}, EventSink(event)))
        worker.start()
        time.sleep(after)
        cancelled_at = time.perf_counter()
        event.set()
        worker.join()
        return 1000 * (time.perf_counter() - cancelled_at)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.repeats = 1
    print(describe_cpu())
    obj = get_object("teapot")
    mesh = obj.load()
    classifier = load_classifier("efficientnet-lite0", allow_download=False)
    axes = (parse_grid_axis("azimuth=0:360:3"), parse_grid_axis("elevation=-10:90:3"))
    results: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeats):
        for prompt in results:
            results[prompt].append(stop_time(mesh, obj, classifier, axes, prompt, 0.5 if args.smoke else 2.3))
    for prompt, label in ((False, "between chunks only (before)"), (True, "between batches (default)")):
        print(f"cancel checked {label:29s}: stops {np.median(results[prompt]):6.0f} ms after the cancel "
              f"(median of {args.repeats})" + ("; target ≤ 150 ms" if prompt else ""))


if __name__ == "__main__":
    main()
