"""`semviewer regions`: grow robust regions around start poses, live or on a cached map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

import numpy as np

from semviewer.cli.common import (add_fix_arg, add_model_args, add_object_args, base_pose, load_model, load_object,
                                  scene_of)
from semviewer.cli.progress_bar import ProgressBar
from semviewer.cli.solver_args import add_solver_args, solver_config
from semviewer.core.errors import SemviewerError
from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.files.atomic import check_writable, write_json
from semviewer.core.maps.cache import MapCache
from semviewer.core.maps.grids import PAPER_1D_FIXED, PRESETS, preset_grid
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.regions.config import METHOD_LABELS, paper_starts
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS
from semviewer.core.regions.report import regions_document
from semviewer.core.regions.srvr import VERIFIED_CONVENTION
from semviewer.core.scene.axes import AXES, Pose, check_unique
from semviewer.core.scene.grid import parse_domain_axis
from semviewer.core.regions.request import PRIMARY, RegionRequest, RegionTarget
from semviewer.pipeline.maps import compute_map
from semviewer.pipeline.regions import plan_region_jobs, run_region_jobs
from semviewer.pipeline.scorer import Scorers


def register(sub) -> None:
    p = sub.add_parser("regions", help="grow robust regions around start poses (live, or on a cached map)")
    add_object_args(p, pose=False)
    add_model_args(p)
    p.add_argument("--axes", nargs="+", default=None, metavar="AXIS=LO:HI",
                   help="the search domain (default azimuth=0:360 elevation=-10:90, or the --map's axes)")
    p.add_argument("--start", action="append", default=None, metavar="V1,V2",
                   help="a start point, one value per axis; repeat for more (default: the paper's 4 starts)")
    p.add_argument("--map", default=None, help="grow regions on this cached map (.npz) instead of rendering")
    add_fix_arg(p)
    p.add_argument("--inside-points", type=int, default=DEFAULT_POINTS_PER_AXIS, metavar="K",
                   help=f"check live regions from the inside on a lattice of K points per axis, rendered "
                        f"(default {DEFAULT_POINTS_PER_AXIS}; 0 skips; regions on a map use its cells)")
    add_solver_args(p, several_methods=False)
    p.add_argument("--out", default=None, help="regions file (.json)")
    p.add_argument("--figure", default=None, help="figure with the regions over the map (.png/.svg/.pdf)")
    p.add_argument("--figure-grid", choices=list(PRESETS), default="coarse",
                   help="grid of the map drawn under live regions when no --map is given (default coarse)")
    p.set_defaults(handler=cmd_regions)

def _domain(specs: list[str]) -> tuple[list[str], np.ndarray]:
    parsed = [parse_domain_axis(s) for s in specs]
    names = [a.name for a, _, _ in parsed]
    check_unique(names)
    return names, np.array([[lo, hi] for _, lo, hi in parsed])


def _starts(args: argparse.Namespace, names: list[str]) -> np.ndarray:
    if args.start:
        try:
            starts = np.array([[float(v) for v in s.split(",")] for s in args.start])
        except ValueError:
            raise SemviewerError("--start takes numbers separated by commas, e.g. --start 130,30") from None
        if starts.shape[1] != len(names):
            raise SemviewerError(f"each --start needs {len(names)} values ({', '.join(names)})")
        return starts
    found = paper_starts(names)
    if found is None:
        raise SemviewerError("give start points with --start (the paper's defaults are for azimuth × elevation)")
    return np.array(found)


def _map_slice(semantic_map: SemanticMap, names: list[str], fix: list[str]) -> dict[str, float]:
    """Where the hidden axes of an N-D map are sliced: ``--fix`` values, else the map's fixed values."""
    from semviewer.core.scene.axes import Pose, parse_assignments, parse_pose

    given = parse_assignments(fix) if fix else {}
    pose = parse_pose(fix, base=Pose()) if fix else Pose()       # checks the values and their domains
    fixed = {name: pose[name] for name in given}
    varied = sorted(set(fixed) & set(names))
    if varied:
        raise SemviewerError(f"axis {varied[0]!r} is given twice (grown over and fixed); drop the --fix")
    unknown = sorted(set(fixed) - set(semantic_map.axis_names))
    if unknown:
        raise SemviewerError(f"--fix {unknown[0]}: the map has no axis {unknown[0]!r} to slice "
                             f"(its axes: {', '.join(semantic_map.axis_names)})")
    return {**semantic_map.fixed, **fixed}


def _bars(label: str):
    """One progress bar per method (``run_region_jobs``'s sink factory)."""
    return lambda job, config: ProgressBar(config.steps, f"{label} · {METHOD_LABELS[config.method]}", unit="step")


def _print_regions(regions, names: list[str]) -> None:
    for r in regions:
        bounds = ", ".join(f"{n} [{lo:.1f}, {hi:.1f}]" for n, lo, hi in zip(names, r.lower, r.upper))
        print(f"{METHOD_LABELS[r.method]:6s} start {tuple(round(float(s), 2) for s in r.start)}: {bounds}; "
              f"volume ratio {r.volume_ratio:.2%}; {r.evaluations} evaluations; {r.steps} steps ({r.stop_reason})")
        if r.inside is not None:
            flag = "" if r.inside.trusted else \
                "  ⚠ the true class is top-1 on less than half of it"
            print(f"       inside ({r.inside.points} {r.inside.source} points): mean p "
                  f"{r.inside.mean_p:.3f}, min p {r.inside.min_p:.3f}, top-1 on "
                  f"{r.inside.top1_fraction:.0%}{flag}")


def _request(args: argparse.Namespace, methods: list[str], names: list[str], domain: np.ndarray, source: str,
             at: Optional[dict] = None) -> RegionRequest:
    """What the arguments ask for: axes, Ω, starts, methods with their settings, the score source."""
    return RegionRequest(tuple(names), tuple(map(tuple, _starts(args, names))),
                         tuple(solver_config(args, m) for m in methods), source, domain, max(0, args.inside_points),
                         at or {})


def _on_map(args: argparse.Namespace, methods: list[str]):
    """Regions grown on ``--map`` (instant): the regions, axes, Ω, jobs, provenance, source, map."""
    semantic_map = SemanticMap.load(args.map)
    names = list(semantic_map.axis_names[:2]) if not args.axes else _domain(args.axes)[0]
    domain = _domain(args.axes)[1] if args.axes else semantic_map.domain(names)
    at = _map_slice(semantic_map, names, args.fix)
    hidden = {a: float(at.get(a, semantic_map.axis(a).points[0])) for a in semantic_map.axis_names if a not in names}
    pose = Pose({**{k: v for k, v in at.items() if k in AXES}, **hidden})
    request = _request(args, methods, names, domain, "map", pose.as_dict())
    jobs = plan_region_jobs(request, [RegionTarget(PRIMARY, Path(args.map).name, semantic_map)])
    regions = [r for _, r in run_region_jobs(jobs, None, _bars(f"map {Path(args.map).name}"))]
    source = {"kind": "map", "map": str(args.map), "sliced_at": hidden}
    return regions, names, domain, jobs, dict(semantic_map.provenance), source, semantic_map


def _live(args: argparse.Namespace, methods: list[str]):
    """Regions grown live (every step renders and classifies), and the figure's map when asked."""
    names, domain = _domain(args.axes or ["azimuth=0:360", "elevation=-10:90"])
    request = _request(args, methods, names, domain, "live")
    classifier = load_model(args)
    obj = load_object(args, classifier.labels)
    # the paper's 1-D setting is azimuth at elevation 35° (--fix elevation=... overrides it)
    base = base_pose(args, obj, names, PAPER_1D_FIXED if names == ["azimuth"] else None)
    scene = scene_of(obj, args, base)
    jobs = plan_region_jobs(request, [RegionTarget(PRIMARY, args.model, classifier=classifier)])
    source = {"kind": "live", "inside_points_per_axis": args.inside_points}
    with Scorers(scene, args.batch_size) as live:
        scorer = live.get(classifier, names)
        counted = lambda job, score: source.update(evaluations=score.evaluations,  # noqa: E731 (the solver's)
                                                   forward_passes=score.forward_passes)
        regions = [r for _, r in run_region_jobs(jobs, live.for_job, _bars(f"{obj.mesh.name} · {classifier.name}"),
                                                 solved=counted)]
        semantic_map = _figure_map(args, scorer, names) if args.figure else None
    return regions, names, domain, jobs, scorer.provenance, source, semantic_map


def _figure_map(args: argparse.Namespace, scorer, names: list[str]):
    """The map drawn under live regions: the --figure-grid preset on the regions' axes (cached)."""
    grid = tuple(g for g in preset_grid(args.figure_grid)[0] if g.name in names)
    if len(grid) != len(names) or len(names) > 2:
        return None
    with ProgressBar(int(np.prod([g.size for g in grid])), "map for the figure") as bar:
        return compute_map(scorer, grid, bar, MapCache())[0]


def cmd_regions(args: argparse.Namespace) -> int:
    if not (args.out or args.figure):
        raise SemviewerError("say what to write: --out REGIONS.json and/or --figure FIG.svg")
    for path in (args.out, args.figure):
        if path:
            check_writable(path)
    methods = list(dict.fromkeys(args.method))
    for m in methods:
        solver_config(args, m).check(2)
    grow = _on_map if args.map else _live
    regions, names, domain, jobs, provenance, source, semantic_map = grow(args, methods)
    _print_regions(regions, names)
    if args.out:
        write_json(args.out, regions_document(names, domain, source, {c.method: c.to_json() for c in jobs[0].configs},
                                              provenance, [r.to_json() for r in regions],
                                              verified_srvr_convention=VERIFIED_CONVENTION))
        print(f"wrote {args.out}")
    if args.figure:
        if semantic_map is None:
            raise SemviewerError("no map to draw the regions on: use --map, or axes of the --figure-grid preset")
        save_figure(map_figure([Panel(semantic_map, regions)], show=names), args.figure)
        print(f"wrote {args.figure}")
    return 0
