"""Start the application: QApplication, the main window, and a clean exit."""

from __future__ import annotations

import os
import sys
from typing import Optional

from semviewer.core.errors import SemviewerError


def run_app(object_name: Optional[str] = None, model_name: Optional[str] = None,
            session: Optional[str] = None) -> int:
    """Open the window and run the event loop; returns the exit code."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux"):
        raise SemviewerError("no display: run semviewer on a desktop, or under a virtual one "
                             "(xvfb-run -a semviewer), or use the command-line tools (semviewer --help)")
    from importlib import resources

    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    import pyqtgraph as pg

    sys.setswitchinterval(0.001)      # the GUI thread gets the interpreter sooner from busy worker threads
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("semviewer")
    app.setApplicationName("semviewer")
    app.setDesktopFileName("semviewer")          # the desktop entry `semviewer desktop-install` writes
    app.setWindowIcon(QIcon(str(resources.files("semviewer.resources").joinpath("icons", "semviewer.svg"))))
    pg.setConfigOptions(antialias=True)
    from semviewer.gui.main_window import MainWindow

    window = MainWindow(object_name=object_name, model_name=model_name, background=not session)
    if session:
        window.feedback.guarded(window.files.open_session, session)
    window.show()
    return app.exec()
