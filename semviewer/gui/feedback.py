"""What the window tells the user: one-line errors, the status bar and the progress bar."""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QSizePolicy

from semviewer.core.errors import SemviewerError, first_line, printable


def one_line(exc: BaseException) -> str:
    """An exception as one line for the user: our messages as they are, others with their type."""
    if isinstance(exc, SemviewerError):
        return printable(str(exc))
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}"
    return f"{type(exc).__name__}: {first_line(exc, 200)}" if str(exc).strip() else type(exc).__name__


class ElidedLabel(QLabel):
    """A one-line label that ends a text too long for it with "…" (the whole text is its tooltip)
    and never widens the window."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setMinimumWidth(1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)


class Feedback(QObject):
    """Errors (a non-blocking message box and the status bar), status messages and a progress bar.
    A QObject, so that errors signalled from the live view's threads are shown in the GUI thread."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.last_error: Optional[str] = None
        self.message_box: Optional[QMessageBox] = None
        self._live_error_shown = False
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        self.status_label = ElidedLabel("")
        self.status_label.setObjectName("statusLabel")
        window.statusBar().addWidget(self.status_label, 1)
        window.statusBar().addPermanentWidget(self.progress)

    def guarded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a user action; any error becomes a one-line message, never a traceback."""
        try:
            return fn(*args)
        except Exception as exc:  # a renderer, GL or library error too: report it, keep the window working
            self.show_error(one_line(exc))
        return None

    def show_error(self, message: str) -> None:
        """Tell the user what went wrong (status bar and a non-blocking message box)."""
        self._live_error_shown = False
        self.last_error = message
        self.status_label.setText(f"⚠ {message}")
        self.status_label.setToolTip(message)
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "semviewer", message, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("errorMessageBox")
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.open()
        self.message_box = box

    def live_failed(self, message: str) -> None:
        """Render/classify errors can come every frame: one message box, then the status bar only."""
        if self.message_box is not None and self.message_box.isVisible() and self._live_error_shown:
            self.last_error = message
            self.status_label.setText(f"⚠ {message}")
            self.status_label.setToolTip(message)
            return
        self.show_error(message)
        self._live_error_shown = True

    def status(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.setToolTip(message)

    def start_progress(self) -> None:
        """A job starts: the bar at 0 (not where the last job left it)."""
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.show()

    def on_progress(self, fraction: float, message: str) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 1000))
        self.status(message)

    def busy(self, message: str) -> None:
        """An indeterminate progress bar while something without a fraction runs."""
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status(message)

    def not_busy(self, jobs) -> None:
        """Back to a fraction bar, hidden unless a long job (a map or the solver) still runs."""
        self.progress.setRange(0, 1000)
        if not jobs.any_running():
            self.progress.hide()
