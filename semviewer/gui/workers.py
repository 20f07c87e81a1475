"""Background jobs: a QObject worker moved to a QThread, reporting through a progress sink.

One pattern only (docs/architecture.md): signals ``progress``, ``partial``, ``finished``,
``failed``; cancellation through a ``threading.Event`` that the sink reads; starting a
job of a kind cancels the running one of that kind; ``shutdown`` cancels and waits.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from semviewer.core.errors import SemviewerError, printable

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
        """Whether the job was cancelled (a query; it changes nothing)."""
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
        job, self.job = self.job, None          # the closure (models, meshes) is released when the job ends
        try:
            result = job(self.sink)
        except SemviewerError as exc:
            self.failed.emit(printable(str(exc)))
        except Exception as exc:  # a bug: report it in the window rather than killing the UI
            detail = traceback.format_exc(limit=3).strip().splitlines()[-1]
            self.failed.emit(f"{type(exc).__name__}: {exc} ({detail})")
        else:
            self.finished.emit(result)

    def cancel(self) -> None:
        self.sink.event.set()


class _Keeper(QObject):
    """Keeps threads that outlived a shutdown's deadline referenced until they end (a QThread
    destroyed while it runs aborts the process). It lives in the GUI thread, as a child of the
    application, so it outlives any window; each thread's ``finished`` reaches ``_ended`` with the
    keeper as its context object, queued into the GUI thread."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.jobs: list[tuple[QThread, "Worker", "_Receiver"]] = []

    @classmethod
    def of_application(cls) -> "_Keeper":
        app = QCoreApplication.instance()
        keeper = app.findChild(cls, "semviewer-thread-keeper")
        if keeper is None:
            keeper = cls(app)
            keeper.setObjectName("semviewer-thread-keeper")
        return keeper

    def keep(self, job: tuple[QThread, "Worker", "_Receiver"]) -> None:
        self.jobs.append(job)
        job[0].finished.connect(self._ended)

    @Slot()
    def _ended(self) -> None:
        self.jobs = [job for job in self.jobs if job[0].isRunning()]


class _Receiver(QObject):
    """Lives in the GUI thread: the worker's signals reach these slots through queued
    connections, so callbacks always run in the GUI thread (a lambda would run in the worker's)."""

    def __init__(self, runner: "JobRunner", worker: Worker, on_finished, on_failed, on_progress, on_partial) -> None:
        super().__init__(runner)
        self.runner, self.worker = runner, worker
        self.on_finished, self.on_failed = on_finished, on_failed
        self.on_progress, self.on_partial = on_progress, on_partial

    def release(self) -> None:
        """Drop the callbacks (they hold the window's state and the job's results)."""
        self.on_finished = self.on_failed = self.on_progress = self.on_partial = None

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


#: The jobs that show the progress bar while they run (and that Cancel stops).
LONG_JOBS = ("map", "map-compare", "solver", "failures")


class JobRunner(QObject):
    """Starts jobs in QThreads, one running job per kind; callbacks run in the GUI thread.
    ``changed`` is emitted whenever a job starts, ends or is cancelled."""

    changed = Signal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, tuple[QThread, Worker, _Receiver]] = {}
        self._stopping: dict[str, tuple[QThread, Worker, _Receiver]] = {}   # stopped, result still wanted
        self._retired: list[tuple[QThread, Worker, _Receiver]] = []

    def start(self, kind: str, job: Job, on_finished: Callable[[Any], None],
              on_failed: Callable[[str], None], on_progress: Optional[Callable[[float, str], None]] = None,
              on_partial: Optional[Callable[[Any], None]] = None) -> Worker:
        """Run ``job(sink)`` in a new QThread, cancelling the running job of this kind."""
        self.cancel(kind)
        self._drop_stopping(kind)
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
        stopping = self._stopping.get(worker.kind)
        if stopping is not None and stopping[1] is worker:
            self._retired.append(self._stopping.pop(worker.kind))
            if callback is not None:
                callback(payload)
        elif current is not None and current[1] is worker:
            # keep the thread referenced until it has really ended (see _reap)
            self._retired.append(self._jobs.pop(worker.kind))
            if callback is not None:
                callback(payload)
            self.changed.emit()
        self._reap()

    @Slot()
    def _reap(self) -> None:
        """Forget jobs whose threads have ended, releasing their workers, receivers and callbacks."""
        keep = []
        for thread, worker, receiver in self._retired:
            if thread.isRunning():
                keep.append((thread, worker, receiver))
                continue
            receiver.release()
            receiver.deleteLater()
            worker.deleteLater()
            thread.deleteLater()
        self._retired = keep

    def any_running(self, kinds=LONG_JOBS) -> bool:
        return any(self.running(kind) for kind in kinds)

    def running(self, kind: str) -> bool:
        return kind in self._jobs

    def stop(self, kind: str) -> None:
        """Ask the running job of ``kind`` to stop early but still deliver what it has: from now on
        it no longer counts as running, its progress and partial updates end, and its
        ``on_finished`` runs with the partial result, unless a new job of that kind starts first."""
        job = self._jobs.pop(kind, None)
        if job is not None:
            job[1].cancel()
            self._drop_stopping(kind)
            self._stopping[kind] = job
            self.changed.emit()

    def _drop_stopping(self, kind: str) -> None:
        job = self._stopping.pop(kind, None)
        if job is not None:
            self._retired.append(job)

    def cancel(self, kind: str) -> None:
        """Ask the running job of ``kind`` to stop; its results are ignored from now on."""
        self._drop_stopping(kind)
        job = self._jobs.pop(kind, None)
        if job is not None:
            job[1].cancel()
            self._retired.append(job)
            self.changed.emit()

    def shutdown(self, timeout_ms: int = 8000) -> bool:
        """Cancel every job and wait for their threads, all together at most ``timeout_ms``; True
        when all ended. A thread still running then is never destroyed while it runs: it is kept
        (with its worker) until it ends, so closing the window cannot crash the process."""

        for kind in list(self._jobs) + list(self._stopping):
            self.cancel(kind)
        deadline = time.monotonic() + timeout_ms / 1000
        for thread, _, _ in list(self._retired):
            thread.quit()
        ok = True
        for thread, _, _ in list(self._retired):
            left = max(0, int((deadline - time.monotonic()) * 1000))
            ok &= thread.wait(left)
        still = [job for job in self._retired if job[0].isRunning()]
        for job in still:
            job[2].release()
            _Keeper.of_application().keep(job)
        self._retired = [job for job in self._retired if job not in still]
        self._reap()
        return ok

    def threads(self) -> list[QThread]:
        return [job[0] for job in list(self._jobs.values()) + list(self._stopping.values()) + self._retired]
