"""Event-loop stalls of the window, scenario by scenario, side by side in one run.

A heartbeat timer asks to fire every 10 ms; the gap between two beats is how long the GUI
thread was busy (a stall the user feels as a frozen window). For each scenario the longest gap
and the median gap are printed beside the targets (longest ≤ 100 ms, median ≤ 20 ms):

  open model file   Model → Open model file… shown and closed (once the window has read its list)
  export PDF        File → Export → Map figure as a PDF, until written
  live OIR_B        a live-score OIR_B run from two starts, no input, 5 s
  first drag        60 Hz mouse drags on the viewport for 2 s (the first of the session)
  compare with      Model → Compare with efficientnet-lite2 on a computed map, until its map is done
  reopen + compute  reopen a saved session, then Compute map (from the cache)
  all three on map  Naive, OIR_B and OIR_W on the computed map, until done

Start-up is measured first, in fresh processes started as `semviewer` starts the window: cold
(an empty semviewer cache, so the model is exported and checked) and warm (the same cache again):
seconds from the process's start to the window on screen and to the first prediction, the
longest stall in between (the same heartbeat), and how long closing the window takes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_stalls.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from semviewer.core.engines.cpu_info import describe_cpu

TARGET_LONGEST_MS, TARGET_MEDIAN_MS = 100.0, 20.0


class Heartbeat:
    """Gaps between 10 ms timer beats while a scenario runs."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []

    def _beat(self) -> None:
        self.gaps.append(self.clock.nsecsElapsed() / 1e6)
        self.clock.restart()

    def start(self) -> None:
        self.gaps = []
        self.clock.start()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps


def pump(app: QApplication, until, timeout: float = 300.0, at_least: float = 0.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        app.processEvents()
        if time.monotonic() - start >= at_least and until():
            return
        time.sleep(0.002)
    raise TimeoutError("the scenario did not finish in time")


def drag(app: QApplication, viewport, seconds: float) -> None:
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    press = QMouseEvent(QMouseEvent.Type.MouseButtonPress, centre, centre, Qt.MouseButton.LeftButton,
                        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    viewport.mousePressEvent(press)
    start, x = time.monotonic(), centre.x()
    while time.monotonic() - start < seconds:
        x += 2.0
        pos = QPointF(x, centre.y())
        viewport.mouseMoveEvent(QMouseEvent(QMouseEvent.Type.MouseMove, pos, pos, Qt.MouseButton.NoButton,
                                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
        end = time.monotonic() + 1 / 60
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
    viewport.mouseReleaseEvent(press)


def since_process_start() -> float:
    """Seconds since this process started (Linux: /proc)."""
    with open("/proc/self/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) - ticks / os.sysconf("SC_CLK_TCK")


def startup_child() -> None:
    """One start of the window as the application starts it; prints its numbers as JSON."""
    sys.setswitchinterval(0.001)                      # as semviewer.gui.app does
    app = QApplication([])
    app.setOrganizationName("semviewer-bench-startup")
    from semviewer.gui.main_window import MainWindow

    window = MainWindow(background=True)
    window.show()
    app.processEvents()
    shown = since_process_start()
    beat = Heartbeat()                                # stalls of the window on screen
    beat.start()
    pump(app, lambda: window.predictions.true_probability is not None, timeout=300)
    first = since_process_start()
    gaps = beat.stop()
    began = time.perf_counter()
    window.close()
    print(json.dumps({"shown": shown, "first_prediction": first, "longest_ms": max(gaps),
                      "over_100": sum(g > 100 for g in gaps), "quit": time.perf_counter() - began}))


def startup(runs: list[str]) -> None:
    """Cold and warm starts, each in a fresh process."""
    cache = tempfile.mkdtemp(prefix="semviewer-startup-")
    env = {**os.environ, "SEMVIEWER_CACHE_DIR": cache, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM",
                                                                                        "offscreen")}
    print(f"\n{'start-up':10s} {'on screen s':>12s} {'1st prediction s':>17s} {'longest stall ms':>17s} "
          f"{'stalls > 100 ms':>16s} {'quit s':>7s}   targets: on screen ≤ 2 s, no stall > 100 ms, quit ≤ 1 s")
    for name in runs:
        out = subprocess.run([sys.executable, __file__, "--startup-child"], env=env, capture_output=True, text=True,
                             timeout=600)
        line = next((t for t in reversed(out.stdout.splitlines()) if t.startswith("{")), None)
        if line is None:
            raise RuntimeError(f"the start-up run failed: {out.stderr.strip()[-400:]}")
        r = json.loads(line)
        print(f"{name:10s} {r['shown']:12.2f} {r['first_prediction']:17.2f} {r['longest_ms']:17.0f} "
              f"{r['over_100']:16d} {r['quit']:7.2f}", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="the first two scenarios, briefly (a test runs it, so that the benchmark cannot rot)")
    ap.add_argument("--startup-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.startup_child:
        return startup_child()
    import torch                    # not before a start-up child: the window imports it when it needs it
    print(f"{describe_cpu()}; torch capability {torch.backends.cpu.get_cpu_capability()}; offscreen Qt")
    startup(["warm"] if args.smoke else ["cold", "warm", "warm"])
    os.environ.setdefault("SEMVIEWER_CACHE_DIR", tempfile.mkdtemp(prefix="semviewer-stalls-"))   # maps computed
    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("semviewer-bench")
    app.setApplicationName("semviewer-ui-stalls")
    from semviewer.gui.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    doc, beat = window.document, Heartbeat()
    pump(app, lambda: window.predictions.true_probability is not None)
    results: dict[str, list[float]] = {}

    def run(name: str, action, until, at_least: float = 0.0) -> None:
        beat.start()
        action()
        try:
            pump(app, until, timeout=180, at_least=at_least)
        except TimeoutError:
            raise TimeoutError(f"{name} did not finish: solver says {window.solver.status.text()!r}, status "
                               f"{window.feedback.status_label.text()!r}, last error {window.feedback.last_error!r}")
        results[name] = beat.stop()

    run("first drag", lambda: drag(app, window.viewport, 0.3 if args.smoke else 2.0), lambda: True)
    doc.view.set(resolution="coarse")
    run("compute map", window.maps_ctl.compute_map, lambda: not window.maps_ctl.running() and
        doc.maps["primary"] is not None and doc.maps["primary"].complete)
    if not args.smoke:
        more_scenarios(app, window, run)
    window.close()
    report(results)


def more_scenarios(app: QApplication, window, run) -> None:
    """Live regions, compare, reopening a session, all three methods on the map."""
    doc = window.document

    def live() -> None:
        doc.set_starts([(130.0, 30.0), (200.0, 15.0)])
        window.solver.source.setCurrentIndex(window.solver.source.findData("live"))
        window.solver.steps.setValue(100000)
        window.solver_ctl.start_solver()

    def open_model_file() -> None:
        from semviewer.gui.dialogs.model_dialog import ModelFileDialog, architecture_names

        dialog = ModelFileDialog(window, "", lambda: window.objects.architectures or architecture_names())
        dialog.show()
        app.processEvents()
        dialog.close()

    pump(app, lambda: not window.jobs.running("architectures"))      # read aside once a model is ready
    run("open model file", open_model_file, lambda: True, at_least=0.3)
    figure = Path(tempfile.mkdtemp()) / "map.pdf"
    window.files.ask_path = lambda *args, **kwargs: str(figure)
    run("export PDF", lambda: window.files.export("figure"), lambda: figure.exists() and
        not window.jobs.running("export-figure"))
    run("live OIR_B", live, lambda: True, at_least=5.0)
    window.solver_ctl.stop_solver()
    pump(app, lambda: not window.jobs.running("solver"))
    run("compare with", lambda: window.objects.set_compare_model("efficientnet-lite2"),
        lambda: doc.maps["compare"] is not None and doc.maps["compare"].complete)
    window.objects.set_compare_model(None)
    session = Path(tempfile.mkdtemp()) / "s.json"
    window.files.save_session(str(session))

    window.objects.open_object("mug")                   # something else first, so that the reopen shows
    pump(app, lambda: window.predictions.true_probability is not None)

    def reopen() -> None:
        window.files.open_session(str(session), background=True)

    def reopened() -> bool:
        if doc.scene.object_source != "teapot" or doc.maps["primary"] is None or window.jobs.any_running():
            return False
        if not reopened.computed:                        # then Compute map, as the user would
            reopened.computed = True
            window.maps_ctl.compute_map()
            return False
        return not window.maps_ctl.running()
    reopened.computed = False

    run("reopen + compute", reopen, reopened)

    def all_three() -> None:
        window.solver.source.setCurrentIndex(window.solver.source.findData("map"))
        window.solver.method.setCurrentIndex(window.solver.method.findData("all three"))
        window.solver.steps.setValue(800)
        window.solver_ctl.start_solver()

    run("all three on map", all_three, lambda: not window.jobs.running("solver") and bool(doc.solver.regions))


def report(results: dict[str, list[float]]) -> None:
    print(f"\n{'scenario':18s} {'beats':>6s} {'longest ms':>11s} {'median ms':>10s}   targets: longest ≤ "
          f"{TARGET_LONGEST_MS:.0f}, median ≤ {TARGET_MEDIAN_MS:.0f}")
    for name, gaps in results.items():
        longest, median = (max(gaps), statistics.median(gaps)) if gaps else (float("nan"),) * 2
        ok = "ok" if longest <= TARGET_LONGEST_MS and median <= TARGET_MEDIAN_MS else "MISSED"
        print(f"{name:18s} {len(gaps):6d} {longest:11.0f} {median:10.1f}   {ok}")


if __name__ == "__main__":
    main()
