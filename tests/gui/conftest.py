"""GUI test fixtures: offscreen Qt, private settings and cache, and a check for leaked threads."""

import gc
import threading
import warnings

import pytest
from PySide6.QtCore import QSettings, QThread


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qapp.setOrganizationName("semviewer-tests")
    qapp.setApplicationName("semviewer-tests")
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def no_unanswered_questions(monkeypatch):
    """A modal question nobody answers would hang the suite: a test that expects one answers it
    (monkeypatching QMessageBox.question); any other fails at once, naming the question."""
    from PySide6.QtWidgets import QMessageBox

    def unexpected(parent, title, text, *args, **kwargs):
        raise AssertionError(f"the window asked an unexpected question: {title!r}: {text[:120]!r}")
    monkeypatch.setattr(QMessageBox, "question", unexpected)


@pytest.fixture(autouse=True)
def no_threads_left(qapp):
    """Fail any test that leaves a QThread or a render/classify thread running."""
    yield
    qapp.processEvents()
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        running = [t for t in gc.get_objects() if isinstance(t, QThread) and t.isRunning()
                   and t is not qapp.thread()]
    assert not running, f"QThreads still running: {[t.objectName() for t in running]}"
    alive = [t.name for t in threading.enumerate() if t.name.startswith("semviewer-")]
    assert not alive, f"threads still running: {alive}"


@pytest.fixture()
def window(qtbot):
    """The main window on the defaults, with the model loaded; closed after the test."""
    from semviewer.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitUntil(lambda: win.document.model.classifier is not None, timeout=60000)
    qtbot.waitUntil(lambda: win.predictions.true_probability is not None, timeout=30000)
    yield win
    win.close()


@pytest.fixture()
def start_live_solve(qtbot):
    """Start a long live OIR_B solve from the given starts and wait until it is stepping."""
    def start(window, starts=((130.0, 30.0),), steps=400):
        window.document.set_starts(list(starts))
        window.solver.source.setCurrentIndex(window.solver.source.findData("live"))
        window.solver.steps.setValue(steps)
        window.solver_ctl.start_solver()
        qtbot.waitUntil(lambda: window.solver.status.text().startswith("OIR_B: step"), timeout=60000)
    return start
