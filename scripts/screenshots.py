"""Drive the window on a real (virtual) display and save screenshots to docs/.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python scripts/screenshots.py [OUT_DIR]

Steps: start screen, a filled map, regions growing mid-run, finished regions, a comparison
with a second network, and an exported figure.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PIL import ImageGrab
from PySide6.QtWidgets import QApplication

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")


def pump(app: QApplication, seconds: float = 0.0, until=None, timeout: float = 300.0) -> None:
    start = time.monotonic()
    while True:
        app.processEvents()
        elapsed = time.monotonic() - start
        if until is not None and until():
            return
        if until is None and elapsed >= seconds:
            return
        if elapsed > timeout:
            raise TimeoutError("the window did not get there in time")
        time.sleep(0.02)


def shot(app: QApplication, window, name: str) -> None:
    pump(app, 0.5)
    geometry = window.frameGeometry()
    image = ImageGrab.grab(xdisplay=None, bbox=(geometry.x(), geometry.y(), geometry.x() + geometry.width(),
                                                geometry.y() + geometry.height()))
    image.save(OUT / name)
    print("wrote", OUT / name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("semviewer-screenshots")
    app.setApplicationName("semviewer-screenshots")
    from semviewer.gui.main_window import MainWindow

    window = MainWindow()
    window.move(0, 0)
    window.resize(1600, 1000)
    window.show()
    pump(app, until=lambda: window.predictions.true_probability is not None, timeout=120)
    shot(app, window, "01-start.png")
    window.map_settings.set_resolution("medium")
    window.maps_ctl.compute_map()
    pump(app, until=lambda: window.document.maps["primary"] is not None and window.document.maps["primary"].complete
         and not window.jobs.running("map"), timeout=600)
    window.document.scene.set_pose(window.document.scene.pose.replace(azimuth=200.0, elevation=30.0))
    pump(app, until=lambda: window.pose_ctl.predicted_pose == window.document.scene.pose, timeout=60)
    shot(app, window, "02-map.png")
    window.document.set_starts([(160.0, 40.0), (20.0, 50.0)])
    # growing live: every step renders and classifies the corners, so the rectangles grow visibly
    window.solver.source.setCurrentIndex(1)
    window.solver.steps.setValue(800)
    # the paper's seed box (1e-5 of the range) is drawn at a visible size from the first step
    window.solver_ctl.start_solver()
    pump(app, until=lambda: "step 40" in window.solver.status.text(), timeout=600)
    shot(app, window, "03-regions-growing.png")
    window.cancel_jobs()
    window.solver.source.setCurrentIndex(0)
    window.solver.method.setCurrentIndex(3)   # all three methods, on the computed map
    window.solver_ctl.start_solver()
    pump(app, until=lambda: not window.jobs.running("solver") and bool(window.document.solver.regions), timeout=600)
    window.regions_table.selectRow(1)
    shot(app, window, "04-regions-finished.png")
    window.objects.set_compare_model("efficientnet-lite2")
    pump(app, until=lambda: window.document.maps["compare"] is not None and window.document.maps["compare"].complete
         and not window.jobs.running("map-compare"), timeout=900)
    window.solver_ctl.start_solver()
    pump(app, until=lambda: not window.jobs.running("solver"), timeout=600)
    shot(app, window, "05-compare.png")
    window.files.export("figure", str(OUT / "06-exported-figure.png"))
    print("wrote", OUT / "06-exported-figure.png")
    window.close()


if __name__ == "__main__":
    main()
