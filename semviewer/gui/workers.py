"""Background jobs: a QObject worker moved to a QThread, reporting through a progress sink.

One pattern only (ARCHITECTURE.md): signals ``progress``, ``partial``, ``finished``,
``failed``; cancellation through a ``threading.Event`` that the sink reads; starting a
job of a kind cancels the running one of that kind; ``shutdown`` cancels and waits.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot

from semviewer.core.errors import SemviewerError

Job = Callable[["QtSink"], Any]


class QtSink:
    """The progress-sink protocol, forwarded to a worker's signals."""

    def __init__(self, worker: "Worker") -> None:
        self._worker = worker
        self.event = threading.Event()

    def progress(self, fraction: float, message: str = "") -> None:
        self._worker.progress.emit(float(fraction), message)

    def partial(self, result: Any) -> None:
        self._worker.partial.emit(result)

    def cancelled(self) -> bool:
        return self.event.is_set()


class Worker(QObject):
    """Runs one job in its QThread. Emits immutable results only; never touches widgets."""

    progress = Signal(float, str)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, kind: str, job: Job) -> None:
        super().__init__()
        self.kind = kind
        self.job = job
        self.sink = QtSink(self)

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.sink)
        except SemviewerError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: report it in the window rather than killing the UI
            detail = traceback.format_exc(limit=3).strip().splitlines()[-1]
            self.failed.emit(f"{type(exc).__name__}: {exc} ({detail})")
        else:
            self.finished.emit(result)

    def cancel(self) -> None:
        self.sink.event.set()


class _Receiver(QObject):
    """Lives in the GUI thread: the worker's signals reach these slots through queued
    connections, so callbacks always run in the GUI thread (a lambda would run in the worker's)."""

    def __init__(self, runner: "JobRunner", worker: Worker, on_finished, on_failed, on_progress, on_partial) -> None:
        super().__init__(runner)
        self.runner, self.worker = runner, worker
        self.on_finished, self.on_failed = on_finished, on_failed
        self.on_progress, self.on_partial = on_progress, on_partial

    @Slot(object)
    def finished(self, result: Any) -> None:
        self.runner._done(self.worker, result, self.on_finished)

    @Slot(str)
    def failed(self, message: str) -> None:
        self.runner._done(self.worker, message, self.on_failed)

    @Slot(float, str)
    def progress(self, fraction: float, message: str) -> None:
        if self.on_progress is not None and not self.worker.sink.cancelled():
            self.on_progress(fraction, message)

    @Slot(object)
    def partial(self, result: Any) -> None:
        if self.on_partial is not None and not self.worker.sink.cancelled():
            self.on_partial(result)


class JobRunner(QObject):
    """Starts jobs in QThreads, one running job per kind; callbacks run in the GUI thread.
    ``changed`` is emitted whenever a job starts, ends or is cancelled."""

    changed = Signal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, tuple[QThread, Worker, _Receiver]] = {}
        self._retired: list[tuple[QThread, Worker, _Receiver]] = []

    def start(self, kind: str, job: Job, on_finished: Callable[[Any], None],
              on_failed: Callable[[str], None], on_progress: Optional[Callable[[float, str], None]] = None,
              on_partial: Optional[Callable[[Any], None]] = None) -> Worker:
        """Run ``job(sink)`` in a new QThread, cancelling the running job of this kind."""
        self.cancel(kind)
        thread = QThread()
        thread.setObjectName(f"semviewer-{kind}")
        worker = Worker(kind, job)
        worker.moveToThread(thread)
        receiver = _Receiver(self, worker, on_finished, on_failed, on_progress, on_partial)
        thread.started.connect(worker.run)
        worker.progress.connect(receiver.progress)
        worker.partial.connect(receiver.partial)
        worker.finished.connect(receiver.finished)
        worker.failed.connect(receiver.failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(self._reap)
        self._jobs[kind] = (thread, worker, receiver)
        thread.start()
        self.changed.emit()
        return worker

    def _done(self, worker: Worker, payload: Any, callback: Callable[[Any], None]) -> None:
        current = self._jobs.get(worker.kind)
        if current is not None and current[1] is worker:
            # keep the thread referenced until it has really ended (see _reap)
            self._retired.append(self._jobs.pop(worker.kind))
            callback(payload)
            self.changed.emit()

    @Slot()
    def _reap(self) -> None:
        self._retired = [job for job in self._retired if job[0].isRunning()]

    def running(self, kind: str) -> bool:
        return kind in self._jobs

    def cancel(self, kind: str) -> None:
        """Ask the running job of ``kind`` to stop; its results are ignored from now on."""
        job = self._jobs.pop(kind, None)
        if job is not None:
            job[1].cancel()
            self._retired.append(job)
            self.changed.emit()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every job and wait for the threads to end; True when all ended in time."""
        for kind in list(self._jobs):
            self.cancel(kind)
        ok = True
        for thread, _, _ in list(self._retired):
            thread.quit()
            ok &= thread.wait(timeout_ms)
        self._retired.clear()
        return ok

    def threads(self) -> list[QThread]:
        return [job[0] for job in list(self._jobs.values()) + self._retired]
