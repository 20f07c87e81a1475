"""Where units run: in this process, in local worker processes, or as Ray tasks.

Every executor takes the units' payloads and yields ``(index, result)`` as units finish;
a result is ``compute_unit``'s dict or ``{"error": "..."}``. Executors never write files.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from typing import Any, Iterator, Mapping, Optional, Sequence

from semviewer.core.errors import SemviewerError, first_line
from semviewer.studies.unit import run_unit_safely

EXECUTORS = ("local", "ray")
Results = Iterator[tuple[int, dict[str, Any]]]


def in_process(payloads: Sequence[Mapping[str, Any]], threads: int) -> Results:
    """One unit after the other in this process (what ``--workers 1`` does)."""
    for index, payload in enumerate(payloads):
        yield index, run_unit_safely(payload, threads)


def _die_with_the_driver(driver: int) -> None:
    """A worker ends when its driver does, even when the driver is killed with SIGKILL: Linux's
    parent-death signal where it is available, and a thread that watches the parent anyway."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="driver-watch", daemon=True).start()


def _init_worker(threads: int, driver: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the driver handles Ctrl+C and stops the workers
    _die_with_the_driver(driver)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)


def local_processes(payloads: Sequence[Mapping[str, Any]], workers: int, threads: int) -> Results:
    """``workers`` spawned processes, each with its own GL context and model, ``threads`` each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, os.getpid()))
    finished = False
    try:
        futures = {pool.submit(run_unit_safely, payload, threads): i for i, payload in enumerate(payloads)}
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                result = {"error": "its worker process died (out of memory, or a crash in a native library)"}
            yield futures[future], result
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:   # interrupted: drop the queued units and stop the running ones at once
            running = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in running:
                if process.is_alive():
                    process.terminate()


#: How long a Ray address may take to answer before the study gives up on it.
CONNECT_SECONDS = 10.0


def _reachable(address: Optional[str]) -> None:
    """For a HOST:PORT address: SemviewerError within CONNECT_SECONDS when nothing answers there
    (Ray itself would retry for minutes)."""
    if not address or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise SemviewerError(f"the Ray address {address!r}: give HOST:PORT (e.g. 10.0.0.5:6379) or auto")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        raise SemviewerError(f"cannot connect to the Ray cluster at {address}: nothing answers there "
                             f"({exc.strerror or exc}); check the address, or start Ray there with "
                             f"`ray start --head`") from None


def _cause(exc: BaseException) -> str:
    """An exception's first line with its causes' (Ray wraps the reason, e.g. an authentication failure)."""
    parts, seen = [], exc
    while seen is not None and len(parts) < 3:
        parts.append(first_line(seen))
        seen = seen.__cause__ or seen.__context__
    return "; ".join(dict.fromkeys(parts))


def ray_tasks(payloads: Sequence[Mapping[str, Any]], threads: int, address: Optional[str] = None,
              gpu_fraction: float = 0.25) -> Results:
    """One Ray task per unit; results come back to the driver. Starts a local Ray when no
    ``address`` is given (``auto`` joins the running cluster, HOST:PORT a given one)."""
    try:
        import ray
    except ImportError:
        raise SemviewerError("the ray executor needs Ray, which is not installed: pip install 'semviewer[ray]' "
                             "(or pip install ray), or use the local executor") from None
    started = False
    if not ray.is_initialized():
        _reachable(address)
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(num_cpus=max(threads, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError and its own types
            raise SemviewerError(f"cannot connect to the Ray cluster at {address or 'a new local one'}: "
                                 f"{_cause(exc)}") from None
        started = True
    gpus = float(ray.cluster_resources().get("GPU", 0))
    task = ray.remote(run_unit_safely).options(num_cpus=threads, num_gpus=gpu_fraction if gpus else 0,
                                               max_retries=1)
    refs = {task.remote(dict(payload), threads): i for i, payload in enumerate(payloads)}
    return _ray_results(ray, refs, started)


def _ray_results(ray, refs: dict, started: bool) -> Results:
    """Each task's result as it finishes; the rest are cancelled when the driver stops early."""
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                result = ray.get(done[0])
            except Exception as exc:  # a task whose worker died
                result = {"error": f"the Ray task failed: {first_line(exc)}"}
            yield refs[done[0]], result
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
