"""Soak: 10,000 pose updates through the live view (render + classify, latest wins), offscreen.

Sends --updates pose requests, 2 ms apart (the event loop runs between them, as while a
user drags, only faster), records the resident memory and the number of live threads every 1,000, and
checks that the last pose is the one classified in the end. Targets: memory growth ≤ 20 MB
after the first 1,000 updates, a constant thread count, the last pose classified.
Prints a table and, with --json, one JSON line (the test suite runs 1,000 updates that way).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/soak_live_view.py [--updates 10000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def resident_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=10000)
    ap.add_argument("--interval-ms", type=float, default=2.0,
                    help="event-loop time between updates (default 2 ms: 500 updates/s, faster than any drag)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.updates = 200
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from semviewer.core.scene.axes import Pose
    from semviewer.core.inference.loading import load_classifier
    from semviewer.core.engines.cpu_info import describe_cpu
    from semviewer.core.scene.objects import get_object
    from semviewer.gui.live_view import LiveView

    app = QApplication.instance() or QApplication(["soak"])
    live = LiveView()
    live.set_mesh(get_object("teapot").load())
    live.set_classifier(load_classifier(notify=lambda m: None))
    predicted: list = []
    frames = [0]
    failures: list[str] = []
    live.prediction_ready.connect(lambda probs, pose: predicted.append(pose))
    live.frame_ready.connect(lambda image, pose: frames.__setitem__(0, frames[0] + 1))
    live.failed.connect(failures.append)
    samples = []
    start = time.perf_counter()
    pose = Pose()
    for i in range(1, args.updates + 1):
        pose = Pose({"azimuth": (i * 0.7) % 360, "elevation": 10 + (i % 60)})
        live.request(pose)
        until = time.perf_counter() + args.interval_ms / 1000
        while True:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)
            if time.perf_counter() >= until:
                break
        if i % 1000 == 0:
            samples.append({"updates": i, "rss_mb": round(resident_mb(), 1), "threads": threading.active_count(),
                            "predictions": len(predicted), "frames": frames[0]})
            predicted[:] = predicted[-1:]          # keep only what is needed: the last one
    deadline = time.perf_counter() + 30
    while (not predicted or predicted[-1] != pose) and time.perf_counter() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    last_classified = bool(predicted) and predicted[-1] == pose
    seconds = time.perf_counter() - start
    live.close()
    growth = samples[-1]["rss_mb"] - samples[0]["rss_mb"] if samples else 0.0
    threads = sorted({s["threads"] for s in samples})
    result = {"updates": args.updates, "seconds": round(seconds, 1), "rss_growth_mb": round(growth, 1),
              "threads": threads, "last_pose_classified": last_classified, "failures": failures[:3],
              "samples": samples}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{describe_cpu()}; {args.updates} updates in {seconds:.1f} s")
    print(f"{'updates':>8s} {'RSS MB':>8s} {'threads':>8s} {'frames':>8s}")
    for s in samples:
        print(f"{s['updates']:8d} {s['rss_mb']:8.1f} {s['threads']:8d} {s['frames']:8d}")
    print(f"memory growth after the first 1,000: {growth:.1f} MB (target ≤ 20); threads {threads} "
          f"(target: constant); last pose classified: {last_classified}; failures: {len(failures)}")


if __name__ == "__main__":
    main()
