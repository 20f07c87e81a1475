"""Does rendering let the window run? Side by side in one run, interleaved: each frame finished
through a foreign call that releases the interpreter lock (the default) against moderngl's own
finish, which holds it while Mesa rasterises (as semviewer did before).

For each mode:
  (a) a render thread drawing batches of 16 teapot poses for --seconds while the main thread
      sleeps 1 ms at a time, like an idle event loop: the gaps between its wake-ups (longest,
      99th percentile, mean) and the render rate;
  (b) the map pipeline (render thread + classifier, batch tuned inside the map), poses/s.
Target: the longest gap ≤ 100 ms and the p99 ≤ 20 ms with the lock released, the map rate
within 5 % of the one with the lock held.

    .venv/bin/python bench/render_lock.py [--seconds 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from baselines import default_classifier  # bench/baselines.py
from map_throughput import map_rate

import semviewer.render.renderer as renderer_module
from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.scene.objects import get_object
from semviewer.pipeline.scene import Scene
from semviewer.render import Renderer

RELEASED = renderer_module._foreign_finish
MODES = {"lock released (default)": RELEASED, "lock held (moderngl finish)": lambda: None}


def gaps_while_rendering(mesh, seconds: float) -> tuple[list[float], float]:
    """Main-thread wake-up gaps (ms) while another thread renders; and its renders per second."""
    result = {}

    def work() -> None:
        with Renderer(mesh) as renderer:
            poses = [Pose({"azimuth": a, "elevation": 20}) for a in range(0, 352, 22)]
            renderer.render(poses)
            began, done = time.perf_counter(), 0
            while time.perf_counter() - began < seconds:
                renderer.render(poses)
                done += len(poses)
            result["rate"] = done / (time.perf_counter() - began)

    thread = threading.Thread(target=work)
    thread.start()
    gaps, last = [], time.perf_counter()
    while thread.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now
    thread.join()
    return gaps, result["rate"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--poses", type=int, default=600)
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.seconds, args.repeats, args.poses = 0.3, 1, 48
    print(f"{describe_cpu()}; torch capability {torch.backends.cpu.get_cpu_capability()}; "
          f"foreign glFinish {'found' if RELEASED() is not None else 'NOT found (both rows hold the lock)'}")
    teapot = get_object("teapot")
    mesh = teapot.load()
    scene = Scene(mesh, teapot.classes, base=teapot.default_pose)
    axes = (parse_grid_axis(f"azimuth=0:360:{360 * 6 / args.poses:.6g}"), parse_grid_axis("elevation=0:60:10"))
    classifier = default_classifier("efficientnet-lite0", "cpu")
    records = Path(tempfile.mkdtemp(prefix="semviewer-bench-"))
    rows = {name: {"gaps": [], "renders": [], "map": []} for name in MODES}
    for _ in range(args.repeats):                       # interleaved, so drifts hit both modes alike
        for name, finish in MODES.items():
            renderer_module._foreign_finish = finish
            try:
                gaps, renders = gaps_while_rendering(mesh, args.seconds)
                rows[name]["gaps"] += gaps
                rows[name]["renders"].append(renders)
                rows[name]["map"].append(map_rate(scene, classifier, axes, None, records)[0])
            finally:
                renderer_module._foreign_finish = RELEASED
    print(f"\n{'mode':30s} {'longest gap ms':>15s} {'p99 ms':>7s} {'mean ms':>8s} {'renders/s':>10s} "
          f"{'map poses/s':>12s}")
    for name, r in rows.items():
        gaps = np.array(r["gaps"])
        print(f"{name:30s} {gaps.max():15.0f} {np.percentile(gaps, 99):7.1f} {gaps.mean():8.2f} "
              f"{np.median(r['renders']):10.1f} {np.median(r['map']):12.1f}")
    held, free = (np.median(rows[n]["map"]) for n in reversed(list(MODES)))
    print(f"\nmap rate, lock released / lock held = {free / held:.2f} (target ≥ 0.95)")


if __name__ == "__main__":
    main()
