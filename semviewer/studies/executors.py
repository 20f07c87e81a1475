"""Where units run: in this process, in local worker processes, or as Ray tasks.

Every executor takes the units' payloads and yields ``(index, result)`` as units finish;
a result is ``compute_unit``'s dict or ``{"error": "..."}``. Executors never write files.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Iterator, Mapping, Optional, Sequence

from semviewer.core.errors import SemviewerError, first_line
from semviewer.studies.unit import run_unit_safely

EXECUTORS = ("local", "ray")
Results = Iterator[tuple[int, dict[str, Any]]]


def in_process(payloads: Sequence[Mapping[str, Any]], threads: int) -> Results:
    """One unit after the other in this process (what ``--workers 1`` does)."""
    for index, payload in enumerate(payloads):
        yield index, run_unit_safely(payload, threads)


def _init_worker(threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the driver handles Ctrl+C and stops the workers
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)


def local_processes(payloads: Sequence[Mapping[str, Any]], workers: int, threads: int) -> Results:
    """``workers`` spawned processes, each with its own GL context and model, ``threads`` each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads,))
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


def ray_tasks(payloads: Sequence[Mapping[str, Any]], threads: int, address: Optional[str] = None,
              gpu_fraction: float = 0.25) -> Results:
    """One Ray task per unit; results come back to the driver. Starts a local Ray when no
    ``address`` is given (``auto`` joins the running cluster, HOST:PORT a given one)."""
    try:
        import ray
    except ImportError:
        raise SemviewerError("--executor ray needs Ray, which is not installed: pip install 'semviewer[ray]' "
                             "(or pip install ray), or use --executor local") from None
    started = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(num_cpus=max(threads, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise SemviewerError(f"cannot connect to the Ray cluster at {address or 'a new local one'}: "
                                 f"{first_line(exc)}") from None
        started = True
    gpus = float(ray.cluster_resources().get("GPU", 0))
    task = ray.remote(run_unit_safely).options(num_cpus=threads, num_gpus=gpu_fraction if gpus else 0,
                                               max_retries=1)
    refs = {task.remote(dict(payload), threads): i for i, payload in enumerate(payloads)}
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
