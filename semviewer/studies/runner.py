"""The study driver: skip finished units, run the rest on an executor, write units and the report.

Only the driver writes files: each finished unit as ``units/STEM.npz`` (its map) and then
``units/STEM.json`` (its regions, statistics and provenance; its presence marks the unit
done), both atomically; a unit that failed as ``units/STEM.error.json``. A killed study,
run again, computes only the units without a JSON of the same key.
"""

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
from semviewer.core.axes import GridAxis
from semviewer.core.cpu_info import describe_cpu, physical_cores
from semviewer.core.errors import SemviewerError
from semviewer.core.results import check_writable, write_json
from semviewer.core.semantic_map import SemanticMap
from semviewer.core.study import StudyPlan, UnitSpec
from semviewer.core.study_report import write_report
from semviewer.studies.executors import EXECUTORS, in_process, local_processes, ray_tasks


@dataclass
class StudyOutcome:
    """What a run did: units computed now, already there, failed (with their errors), and the report rows."""

    out_dir: Path
    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False


def default_workers() -> int:
    """Worker processes on this machine: one per two physical cores (inference threads divided among them)."""
    return max(1, physical_cores() // 2)


def _paths(out_dir: Path, unit: UnitSpec) -> tuple[Path, Path, Path]:
    stem = unit.file_stem()
    units = out_dir / "units"
    return units / f"{stem}.npz", units / f"{stem}.json", units / f"{stem}.error.json"


def finished_record(out_dir: Path, unit: UnitSpec) -> Optional[dict[str, Any]]:
    """The unit's record when it was computed before with the same key (and its map is there)."""
    npz, record_path, _ = _paths(out_dir, unit)
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != unit.key() or not npz.is_file():
        return None
    return record


def _store(out_dir: Path, unit: UnitSpec, result: dict[str, Any]) -> dict[str, Any]:
    npz, record_path, error_path = _paths(out_dir, unit)
    m = result["map"]
    manifest = m["manifest"]
    semantic_map = SemanticMap(m["values"], tuple(GridAxis.from_json(a) for a in manifest["axes"]),
                               manifest.get("fixed", {}), manifest.get("provenance", {}), m["top1"])
    semantic_map.save(npz)
    record = {"key": unit.key(), "stem": unit.file_stem(), "object": unit.object.label, "model": unit.model.label,
              "unit": unit.payload(), "map_file": npz.name, "provenance": dict(semantic_map.provenance),
              "stats": result["stats"], "regions": result["regions"], "software": f"semviewer {__version__}",
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    write_json(record_path, record)
    error_path.unlink(missing_ok=True)
    return record


def _versions(executor: str) -> dict[str, str]:
    import onnxruntime
    import torch

    versions = {"semviewer": __version__, "python": platform.python_version(), "numpy": np.__version__,
                "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    if executor == "ray":
        import ray

        versions["ray"] = ray.__version__
    return versions


def run_study(plan: StudyPlan, out_dir: str | Path, executor: str = "local", workers: Optional[int] = None,
              address: Optional[str] = None, threads: Optional[int] = None, gpu_fraction: float = 0.25,
              progress: bool = True, figures: bool = True, processes: Optional[bool] = None) -> StudyOutcome:
    """Run every unfinished unit of ``plan`` and write the report in ``out_dir``. Local units run in
    worker processes (``processes``; by default only when ``workers`` > 1, else in this process)."""
    if executor not in EXECUTORS:
        raise SemviewerError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    workers = workers or default_workers()
    if workers < 1:
        raise SemviewerError("--workers must be at least 1")
    threads = threads or max(1, physical_cores() // workers)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "units").mkdir(exist_ok=True)
    check_writable(out_dir / "study.json")
    began = time.perf_counter()
    outcome = StudyOutcome(out_dir)
    units = plan.units()
    records: dict[int, dict[str, Any]] = {}
    for i, unit in enumerate(units):
        found = finished_record(out_dir, unit)
        if found is not None:
            records[i] = found
            outcome.skipped.append(unit.name)
    todo = [i for i in range(len(units)) if i not in records]
    payloads = [units[i].payload() for i in todo]
    if executor == "ray":
        results = ray_tasks(payloads, threads, address, gpu_fraction)
    elif not (processes if processes is not None else workers > 1):
        results = in_process(payloads, threads)
    else:
        results = local_processes(payloads, workers, threads)
    from tqdm import tqdm

    bar = tqdm(total=len(units), initial=len(records), desc=plan.name, unit="unit", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)
    try:
        for j, result in results:
            unit = units[todo[j]]
            if "error" in result:
                outcome.failed[unit.name] = result["error"]
                write_json(_paths(out_dir, unit)[2], {"key": unit.key(), "unit": unit.name, "error": result["error"]})
                bar.write(f"semviewer: unit {unit.name} failed: {result['error']}")
            else:
                records[todo[j]] = _store(out_dir, unit, result)
                outcome.computed.append(unit.name)
            bar.update(1)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        bar.close()
        close = getattr(results, "close", None)
        if close is not None:
            close()
    outcome.seconds = time.perf_counter() - began
    done = [records[i] for i in sorted(records)]
    maps = {r["stem"]: SemanticMap.load(out_dir / "units" / r["map_file"]) for r in done}
    if done:
        outcome.rows = write_report(out_dir, plan.name, done, maps, [m.label for m in plan.models], plan.methods,
                                    figures=figures)
    write_json(out_dir / "study.json", {
        "software": f"semviewer {__version__}", "versions": _versions(executor), "machine": describe_cpu(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "manifest": dict(plan.manifest), "plan": plan.to_json(),
        "executor": {"kind": executor, "workers": workers, "threads_per_unit": threads, "address": address},
        "units": [{"unit": u.name, "key": u.key(), "stem": u.file_stem(),
                   "state": "failed" if u.name in outcome.failed else "done" if i in records else "not run",
                   "seconds": records[i]["stats"]["seconds"] if i in records else None}
                  for i, u in enumerate(units)],
        "wall_seconds": outcome.seconds, "interrupted": outcome.interrupted,
    })
    if outcome.interrupted:
        raise KeyboardInterrupt
    return outcome
