"""The study driver: skip finished units, run the rest on an executor, store each unit as it
finishes (``semviewer.studies.folder``), then write the report. Only the driver writes files;
a killed study, run again, computes only the units without a record of the same key."""

from __future__ import annotations

import datetime
import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from semviewer import __version__
from semviewer.core.version import software
from semviewer.core.engines.cpu_info import describe_cpu, physical_cores
from semviewer.core.errors import SemviewerError
from semviewer.core.files.atomic import write_json
from semviewer.core.files.reading import read_text
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.studies.plan import StudyPlan, UnitSpec
from semviewer.studies.report import write_report
from semviewer.studies.executors import EXECUTORS, in_process, local_processes, ray_tasks
from semviewer.studies.folder import finished_record, move_stale, prepare_folder, store_error, store_unit


@dataclass
class StudyOutcome:
    """What a run did: units computed now, already there, failed (with their errors), and the report rows."""

    out_dir: Path
    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)     # the finished units' records, in plan order
    seconds: float = 0.0           # this run
    total_seconds: float = 0.0     # over every run of the same units (resumes add up)
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)   # said to the user: units recomputed, stale units moved


def default_workers() -> int:
    """Worker processes on this machine: one per two physical cores (inference threads divided among them)."""
    return max(1, physical_cores() // 2)


def _versions(executor: str) -> dict[str, str]:
    import onnxruntime
    import torch

    versions = {"semviewer": __version__, "python": platform.python_version(), "numpy": np.__version__,
                "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    if executor == "ray":
        import ray

        versions["ray"] = ray.__version__
    return versions


def _executor(executor: str, payloads: list, workers: int, threads: int, address: Optional[str],
              gpu_fraction: float, processes: Optional[bool]):
    """The results of the payloads as they finish, from the executor asked for."""
    if executor == "ray":
        return ray_tasks(payloads, threads, address, gpu_fraction)
    if not (processes if processes is not None else workers > 1):
        return in_process(payloads, threads)
    return local_processes(payloads, workers, threads)


def _collect(results, units: list[UnitSpec], todo: list[int], out_dir: Path, records: dict[int, dict],
             outcome: StudyOutcome, progress: bool, title: str) -> None:
    """Store each unit as it finishes (or its error); Ctrl+C stops the rest and keeps what is done."""
    from tqdm import tqdm

    bar = tqdm(total=len(units), initial=len(records), desc=title, unit="unit", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)
    try:
        for j, result in results:
            unit = units[todo[j]]
            if "error" in result:
                outcome.failed[unit.name] = result["error"]
                store_error(out_dir, unit, result["error"])
                bar.write(f"semviewer: unit {unit.name} failed: {result['error']}", file=sys.stderr)
            else:
                records[todo[j]] = store_unit(out_dir, unit, result)
                outcome.computed.append(unit.name)
                for note in result["stats"].get("notes", []):
                    bar.write(f"semviewer: unit {unit.name}: {note}", file=sys.stderr)
            bar.update(1)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        bar.close()
        close = getattr(results, "close", None)
        if close is not None:
            close()


def _summary(plan: StudyPlan, executor: dict[str, Any], units: list[UnitSpec], records: dict[int, dict],
             outcome: StudyOutcome) -> dict[str, Any]:
    """study.json: the manifest as run, versions, machine, executor, every unit's state and times."""
    return {
        **software(), "versions": _versions(executor["kind"]), "machine": describe_cpu(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "manifest": dict(plan.manifest), "plan": plan.to_json(), "executor": executor,
        "units": [{"unit": u.name, "key": u.key(), "stem": u.file_stem(),
                   "state": "failed" if u.name in outcome.failed else "done" if i in records else "not run",
                   "seconds": records[i]["stats"]["seconds"] if i in records else None}
                  for i, u in enumerate(units)],
        "wall_seconds": outcome.total_seconds, "wall_seconds_this_run": outcome.seconds,
        "interrupted": outcome.interrupted,
    }


def _earlier_run(out_dir: Path, units: list[UnitSpec], outcome: StudyOutcome) -> float:
    """The wall time of earlier runs of these same units (0 for a new study); a folder that held
    another study is said so (its report is replaced, its units moved to units/stale/)."""
    try:
        earlier = json.loads(read_text(out_dir / "study.json", "study summary"))
        keys = [u["key"] for u in earlier["units"]]
        seconds = float(earlier.get("wall_seconds", 0.0))
    except (SemviewerError, ValueError, KeyError, TypeError):
        return 0.0
    if sorted(keys) == sorted(u.key() for u in units):
        return seconds if seconds == seconds and seconds >= 0 else 0.0
    name = earlier.get("manifest", {}).get("study", {}).get("name", "?") if isinstance(earlier.get("manifest"), dict) \
        else "?"
    outcome.notes.append(f"{out_dir} held another study ({name}, or these objects and models with other "
                         f"settings): its report is replaced and its units are moved to units/stale/")
    return 0.0


def _finished(out_dir: Path, units: list[UnitSpec], outcome: StudyOutcome) -> dict[int, dict]:
    """The units already done; a record that fails its checks is said so and computed again."""
    records = {}
    for i, unit in enumerate(units):
        found, problem = finished_record(out_dir, unit)
        if found is not None:
            records[i] = found
            outcome.skipped.append(unit.name)
        elif problem:
            outcome.notes.append(f"unit {unit.name}: {problem}; computing it again")
    return records


def check_run_settings(executor: str, workers: Optional[int], gpu_fraction: float) -> None:
    """SemviewerError for an executor, worker count or GPU share that cannot run."""
    if executor not in EXECUTORS:
        raise SemviewerError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SemviewerError(f"the number of workers must be a whole number of at least 1, got {workers!r}")
    if not 0.0 <= gpu_fraction <= 1.0:
        raise SemviewerError(f"the GPU fraction must be a share of one GPU, from 0 to 1, got {gpu_fraction:g}")


def run_study(plan: StudyPlan, out_dir: str | Path, executor: str = "local", workers: Optional[int] = None,
              address: Optional[str] = None, threads: Optional[int] = None, gpu_fraction: float = 0.25,
              progress: bool = True, figures: bool = True, processes: Optional[bool] = None) -> StudyOutcome:
    """Run every unfinished unit of ``plan`` and write the report in ``out_dir``. Local units run in
    worker processes (``processes``; by default only when ``workers`` > 1, else in this process)."""
    check_run_settings(executor, workers, gpu_fraction)
    workers = workers or default_workers()
    threads = threads or max(1, physical_cores() // workers)
    out_dir = Path(out_dir)
    prepare_folder(out_dir)
    began = time.perf_counter()
    outcome = StudyOutcome(out_dir)
    units = plan.units()
    earlier = _earlier_run(out_dir, units, outcome)
    records = _finished(out_dir, units, outcome)
    for note in outcome.notes:
        print(f"semviewer: {note}", file=sys.stderr)
    todo = [i for i in range(len(units)) if i not in records]
    results = _executor(executor, [units[i].payload() for i in todo], workers, threads, address, gpu_fraction,
                        processes)
    _collect(results, units, todo, out_dir, records, outcome, progress, plan.name)
    outcome.seconds = time.perf_counter() - began
    outcome.total_seconds = earlier + outcome.seconds
    stale = move_stale(out_dir, {u.file_stem() for u in units})
    if stale:
        outcome.notes.append(f"{len(stale)} units of earlier inputs moved to {out_dir / 'units' / 'stale'}")
        print(f"semviewer: {outcome.notes[-1]}", file=sys.stderr)
    outcome.units = [records[i] for i in sorted(records)]
    if outcome.units:
        maps = {r["stem"]: SemanticMap.load(out_dir / "units" / r["map_file"]) for r in outcome.units}
        outcome.rows = write_report(out_dir, plan.name, outcome.units, maps, [m.label for m in plan.models],
                                    plan.methods, figures=figures)
    write_json(out_dir / "study.json", _summary(plan, {"kind": executor, "workers": workers, "threads_per_unit": threads,
                                                       "address": address}, units, records, outcome))
    if outcome.interrupted:
        raise KeyboardInterrupt
    return outcome
