"""Computing one study unit (object × model) from plain data, returning plain data.

``compute_unit`` is what every executor runs, in a worker process or a Ray task: it loads
the mesh and the model, builds the semantic map (through the map cache, so an interrupted
unit resumes), grows the regions of every method from every start (on the map or live),
checks them from the inside and returns arrays and JSON-ready dicts. It writes no files:
the driver alone does.
"""

from __future__ import annotations

import time
import traceback
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from semviewer.core.errors import first_line


@lru_cache(maxsize=4)
def _classifier(request):
    """One model per ModelRequest in each worker process, loaded on first use."""
    return request.load(notify=lambda message: None)


def _mesh(obj: Mapping[str, Any]):
    from semviewer.core.scene.mesh import load_mesh
    from semviewer.core.scene.objects import get_object

    if obj["bundled"]:
        mesh = get_object(obj["source"]).load()
        return mesh, get_object(obj["source"]).default_pose
    from semviewer.core.scene.axes import Pose

    return load_mesh(obj["source"], up_axis=obj["up_axis"], name=obj["label"]), Pose()


def _request(payload: Mapping[str, Any], semantic_map, base):
    """The regions a unit grows: every method from every start, on its map's domain."""
    from semviewer.core.regions.config import RegionConfig
    from semviewer.core.regions.request import RegionRequest

    configs = tuple(RegionConfig(method=m, **dict(payload["solver"])) for m in payload["methods"])
    return RegionRequest(tuple(a.name for a in semantic_map.axes), tuple(map(tuple, payload["starts"])), configs,
                         payload["score"], semantic_map.domain(), max(0, payload["inside_points"]), base.as_dict())


def _failures(payload: Mapping[str, Any], live, classifier):
    """The unit's failure search ([failures]), through the unit's own scores; None without one."""
    settings = payload.get("failures")
    if not settings:
        return None
    from semviewer.pipeline.failures import search_failures

    scorer = live.get(classifier, list(settings["axes"]))
    return search_failures(scorer, np.asarray(settings["domain"], dtype=np.float64), budget=settings["budget"],
                           sample=settings["sample"], method=settings["method"], objective=settings["objective"],
                           merge_distance=settings["merge_distance"], seed=settings["seed"])


def compute_unit(payload: Mapping[str, Any], threads: int = 0) -> dict[str, Any]:
    """Compute a unit; returns {"map": {values, top1, manifest}, "regions": [...], "stats": {...}}
    and, with a [failures] table, "failures" (the search's JSON; its rate and worst p in "stats").

    ``threads`` (0: all physical cores) is the inference threads this unit may use.
    """
    from semviewer.core.engines.cpu_info import physical_cores
    from semviewer.core.inference.loading import ModelRequest
    from semviewer.core.maps.cache import MapCache
    from semviewer.core.models.labels import parse_class_set
    from semviewer.core.regions.request import PRIMARY, RegionTarget
    from semviewer.core.scene.grid import GridAxis
    from semviewer.pipeline.maps import compute_map
    from semviewer.pipeline.regions import plan_region_jobs, run_region_jobs
    from semviewer.core.scene.backgrounds import Background
    from semviewer.pipeline.scene import make_scene
    from semviewer.pipeline.scorer import Scorers

    began = time.perf_counter()
    threads = threads or physical_cores()
    obj, model = payload["object"], payload["model"]
    mesh, base = _mesh(obj)
    if mesh.sha256 != obj["mesh_sha256"]:
        raise RuntimeError(f"the mesh {obj['source']} changed since the study was validated; run it again")
    classifier = _classifier(ModelRequest(model["name"], model["weights"], model.get("labels"),
                                          payload["preprocessing"], engine=payload["engine"], threads=threads,
                                          trust_code=bool(model.get("trust_code", False)), allow_download=False))
    classes = parse_class_set(list(obj.get("class_names") or obj["classes"]), classifier.labels)
    axes = tuple(GridAxis.from_json(a) for a in payload["grid"])
    variant = payload.get("variant") or {}
    backgrounds = (Background.from_saved(variant["background"]),) if variant.get("background") else ()
    scene = make_scene(mesh, classes, size=payload["size"], base=base, backgrounds=backgrounds,
                       material=variant.get("material"))
    with Scorers(scene) as live:
        scorer = live.get(classifier, [a.name for a in axes])
        notes: list[str] = []
        semantic_map, cached = compute_map(scorer, axes, cache=MapCache(), notify=notes.append,
                                           adaptive=payload.get("adaptive"))
        map_seconds = time.perf_counter() - began
        jobs = plan_region_jobs(_request(payload, semantic_map, base),
                                [RegionTarget(PRIMARY, model["name"], semantic_map, classifier)])
        regions = [r for _, r in run_region_jobs(jobs, live.for_job)]
        evaluations = scorer.score.evaluations
        failures = _failures(payload, live, classifier)
    values = np.asarray(semantic_map.values)
    top1 = semantic_map.top1
    return {
        **({"failures": failures.to_json()} if failures is not None else {}),
        "map": {"values": values, "top1": top1, "manifest": semantic_map.manifest(),
                **({"computed": semantic_map.computed} if semantic_map.computed is not None else {})},
        "regions": [r.to_json() for r in regions],
        "stats": {"mean_p": float(np.nanmean(values)),
                  "map_top1_share": float(np.nanmean(top1)) if top1 is not None else float("nan"),
                  "live_evaluations": int(evaluations), "map_from_cache": bool(cached),
                  "engine": classifier.engine, "batch_size": scorer.score.batch_size, "threads": threads,
                  "map_seconds": map_seconds, "seconds": time.perf_counter() - began, "notes": notes,
                  "map_computed_share": semantic_map.computed_fraction, **_failure_stats(failures)},
    }


def _failure_stats(failures) -> dict[str, Any]:
    """A unit's failure search in its statistics: the rate with its interval, the modes, the worst p."""
    if failures is None:
        return {}
    low, high = failures.failure_rate_interval
    return {"failure_rate": failures.failure_rate, "failure_rate_low": low, "failure_rate_high": high,
            "failure_modes": len(failures.failures), "worst_p": failures.best_p_true,
            "failure_evaluations": failures.evaluations}


def run_unit_safely(payload: Mapping[str, Any], threads: int = 0) -> dict[str, Any]:
    """``compute_unit`` that never raises: a failure comes back as {"error": one line}."""
    from semviewer.core.errors import SemviewerError, printable

    try:
        return compute_unit(payload, threads)
    except KeyboardInterrupt:
        raise
    except SemviewerError as exc:  # the user's input (a model file, a mesh): its one line, as the CLI says it
        return {"error": printable(str(exc))}
    except Exception as exc:  # a bug: recorded with the unit and where it happened; the study goes on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return {"error": f"{type(exc).__name__}: {first_line(exc)} ({where.filename.rsplit('/', 1)[-1]}:"
                         f"{where.lineno})"}
