"""A study's [failures] table: the failure search every unit runs (docs/algorithms.md §8),
checked whole before any work."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from semviewer.core.errors import SemviewerError
from semviewer.core.scene.grid import GridAxis
from semviewer.studies.plan import StudyError

FAILURE_KEYS = {"axes", "budget", "sample", "method", "objective", "seed", "merge_distance"}


def failure_settings(table: Any, grid: Sequence[GridAxis]) -> Optional[dict[str, Any]]:
    """[failures]: a failure search in every unit (docs/algorithms.md §8), checked whole; None
    without the table. Its axes default to the grid's continuous axes (azimuth × elevation when
    fewer than two)."""
    if table is None:
        return None
    from semviewer.core.failures.search import DEFAULT_BUDGET, DEFAULT_MERGE_DISTANCE, check_search
    from semviewer.pipeline.failures import failure_domain

    if not isinstance(table, Mapping):
        raise StudyError("[failures] must be a table")
    unknown = sorted(set(table) - FAILURE_KEYS)
    if unknown:
        raise StudyError(f"[failures]: unknown key {unknown[0]!r}; known: {', '.join(sorted(FAILURE_KEYS))}")
    table = dict(table)
    names = [a.name for a in grid if not a.axis.categorical]
    specs = table.get("axes", [f"{a.name}={a.extent()[0]:g}:{a.extent()[1]:g}" for a in grid
                               if not a.axis.categorical] if len(names) >= 2 else ["azimuth=0:360", "elevation=-10:90"])
    if not isinstance(specs, list) or not all(isinstance(a, str) for a in specs):
        raise StudyError('[failures] axes: must be a list like ["azimuth=0:360", "elevation=-10:90", "distance=2:6"]')
    try:
        axes, domain = failure_domain(specs)
        budget = table.get("budget", DEFAULT_BUDGET)
        sample = table.get("sample", budget // 4 if isinstance(budget, int) else None)
        settings = {"axes": axes, "domain": domain.tolist(), "budget": budget, "sample": sample,
                    "method": table.get("method", "cma-es"), "objective": table.get("objective", "probability"),
                    "seed": table.get("seed", 0), "merge_distance": table.get("merge_distance", DEFAULT_MERGE_DISTANCE)}
        check_search(axes, domain, budget, sample, settings["method"], settings["objective"],
                     settings["merge_distance"])
    except SemviewerError as exc:
        raise StudyError(f"[failures]: {exc}") from None
    if isinstance(settings["seed"], bool) or not isinstance(settings["seed"], int):
        raise StudyError(f"[failures] seed: must be a whole number, got {settings['seed']!r}")
    return settings
