"""Pose → prediction latency of the window while the user drags, per inference engine.

Drives the real window offscreen with 60 Hz mouse moves on the viewport for --seconds
(default 2 s), for each engine side by side (torch eager, as semviewer ran before, and the
default engine), repeated --repeats times interleaved. For each run it prints:
  median and p90 latency from the moment a pose was requested (the mouse move handled) to
  its prediction being shown; the share of the poses that got a prediction (latest-wins
  skips poses that were superseded while the classifier was busy); and the time from the
  release of the mouse to the prediction of the final pose.
Targets (default engine): median ≤ 60 ms, p90 ≤ 100 ms, final pose ≤ 100 ms after release.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/drag_latency.py [--seconds 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from semviewer.core.engines.cpu_info import describe_cpu  # noqa: E402


def pump(app: QApplication, until: float) -> None:
    while time.perf_counter() < until:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 2)
        time.sleep(0.0005)


def wait_for(app: QApplication, condition, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise SystemExit("timed out waiting for the window")
        pump(app, time.perf_counter() + 0.01)


def mouse(widget, kind: QEvent.Type, x: float, y: float) -> None:
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(x, y), widget.mapToGlobal(QPointF(x, y)), Qt.MouseButton.LeftButton,
                        buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag_once(app: QApplication, window, seconds: float, rate_hz: float = 60.0) -> dict:
    """One drag: returns latencies (s), predicted share and final-pose latency after release."""
    requested: dict[tuple, float] = {}
    shown: dict[tuple, float] = {}

    def on_request(pose) -> None:
        requested.setdefault(tuple(pose.as_array()), time.perf_counter())

    def on_prediction(probs, pose) -> None:
        shown.setdefault(tuple(pose.as_array()), time.perf_counter())

    window.viewport.pose_edited.connect(on_request)
    window.live.prediction_ready.connect(on_prediction)
    viewport = window.viewport
    cx, cy = viewport.width() / 2, viewport.height() / 2
    pump(app, time.perf_counter() + 0.3)        # let the last prediction of the previous run land
    requested.clear()
    shown.clear()
    mouse(viewport, QEvent.Type.MouseButtonPress, cx, cy)
    moves = int(seconds * rate_hz)
    start = time.perf_counter()
    x = cx
    for i in range(moves):
        pump(app, start + i / rate_hz)
        x += 3.0 if (i // 40) % 2 == 0 else -3.0
        mouse(viewport, QEvent.Type.MouseMove, x, cy + 0.5 * np.sin(i / 7))
    mouse(viewport, QEvent.Type.MouseButtonRelease, x, cy)
    released = time.perf_counter()
    final = tuple(window.viewport.pose.as_array())
    wait_for(app, lambda: final in shown, timeout=30.0)
    window.viewport.pose_edited.disconnect(on_request)
    window.live.prediction_ready.disconnect(on_prediction)
    latencies = [shown[p] - t for p, t in requested.items() if p in shown]
    return {"latencies": latencies, "share": len(latencies) / max(1, len(requested)),
            "final": shown[final] - released, "poses": len(requested)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=["torch", "auto"])
    ap.add_argument("--during-map", action="store_true",
                    help="drag while a paper-grid map computes, with live-first priority on and off "
                         "(default engine only)")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.seconds, args.repeats, args.engines = 0.5, 1, ["auto"]
    import torch

    import pyqtgraph as pg

    from semviewer.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["drag_latency"])
    app.setOrganizationName("semviewer-bench")
    app.setApplicationName("semviewer-bench")
    pg.setConfigOptions(antialias=True)
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    print(f"{describe_cpu()}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{args.seconds:g} s drags at 60 Hz, {args.repeats} interleaved repeats")
    if args.during_map:
        return during_map(app, window, args)
    results: dict[str, list[dict]] = {e: [] for e in args.engines}
    names: dict[str, str] = {}
    for _ in range(args.repeats):
        for engine in args.engines:
            window.objects.set_engine(engine)
            wait_for(app, lambda: window.document.model.classifier is not None and not window.jobs.running("model"))
            names[engine] = window.document.model.classifier.engine
            results[engine].append(drag_once(app, window, args.seconds))
    window.close()
    for engine in args.engines:
        runs = results[engine]
        lat = np.array([v for r in runs for v in r["latencies"]]) * 1000
        final = np.median([r["final"] for r in runs]) * 1000
        share = np.mean([r["share"] for r in runs])
        poses = np.mean([r["poses"] for r in runs])
        print(f"engine {engine:5s} ({names[engine]:11s}): latency median {np.median(lat):6.1f} ms (target ≤ 60), "
              f"p90 {np.percentile(lat, 90):6.1f} ms (target ≤ 100); final pose {final:6.1f} ms after release "
              f"(target ≤ 100); {share:.0%} of {poses:.0f} poses predicted")
    if "torch" in results and "auto" in results:
        t = np.median([v for r in results["torch"] for v in r["latencies"]])
        a = np.median([v for r in results["auto"] for v in r["latencies"]])
        print(f"median latency ratio torch / auto = {t / a:.2f}")


def during_map(app, window, args) -> None:
    """Drag while the window computes a map: live-first priority (the default: the gate, and map
    batches split into single images while the user drags) against the gate alone and none."""
    from semviewer.core.inference.scheduling import PriorityGate

    wait_for(app, lambda: window.document.model.classifier is not None and not window.jobs.running("model"))
    window.map_settings.set_resolution("paper")
    real_wait, real_yield = PriorityGate.wait_turn, PriorityGate.yielding
    results: dict[str, list[dict]] = {"live first": [], "gate only": [], "no priority": []}
    for _ in range(args.repeats):
        for label in results:
            PriorityGate.wait_turn = real_wait if label != "no priority" else (lambda self: False)
            PriorityGate.yielding = real_yield if label == "live first" else (lambda self: False)
            window.maps_ctl.compute_map()
            wait_for(app, lambda: window.jobs.running("map"))
            pump(app, time.perf_counter() + 1.0)
            results[label].append(drag_once(app, window, args.seconds))
            window.cancel_jobs()
            wait_for(app, lambda: not window.jobs.running("map"))
            window.cache.root = window.cache.root / "x"           # the next map is computed, not read back
    PriorityGate.wait_turn, PriorityGate.yielding = real_wait, real_yield
    window.close()
    for label, runs in results.items():
        lat = np.array([v for r in runs for v in r["latencies"]]) * 1000
        print(f"while a map computes, {label:11s}: latency median {np.median(lat):6.1f} ms (target ≤ 60, as idle), "
              f"p90 {np.percentile(lat, 90):6.1f} ms (≤ 100); final pose "
              f"{np.median([r['final'] for r in runs]) * 1000:6.1f} ms after release (≤ 100); "
              f"{np.mean([r['share'] for r in runs]):.0%} of poses predicted")


if __name__ == "__main__":
    main()
