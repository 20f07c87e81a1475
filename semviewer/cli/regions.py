"""`semviewer regions` (grow robust regions, live or on a cached map) and `semviewer evaluate` (SRVR table)."""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from contextlib import nullcontext

import numpy as np

from semviewer import __version__
from semviewer.cli.common import (Scorer, add_fix_arg, add_model_args, add_object_args,
                                  add_weights_args, base_pose, load_model, load_object, render_settings)
from semviewer.cli.progress_bar import ProgressBar
from semviewer.core.axes import AXES, Pose, check_unique, parse_domain_axis
from semviewer.core.classifier import DEFAULT_MODEL, MODELS
from semviewer.core.document import PRIMARY, Document
from semviewer.core.errors import SemviewerError
from semviewer.core.mesh import UP_AXES
from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.map_cache import MapCache, cached_build_map
from semviewer.core.inside import DEFAULT_POINTS_PER_AXIS, TRUSTED_TOP1
from semviewer.core.objects import bundled_objects
from semviewer.core.regions import (METHOD_LABELS, METHODS, PAPER_1D_FIXED, PAPER_STARTS_1D, PAPER_STARTS_2D,
                                    RegionConfig)
from semviewer.core.region_jobs import plan_region_jobs, run_region_jobs
from semviewer.core.region_report import regions_document
from semviewer.core.results import check_writable, write_json, write_text
from semviewer.core.semantic_map import PRESETS, SemanticMap, preset_axes
from semviewer.core.srvr import CONVENTION, VERIFIED_CONVENTION


def _add_solver_args(p: argparse.ArgumentParser, several_methods: bool) -> None:
    d = RegionConfig()
    if several_methods:
        p.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    else:
        p.add_argument("--method", nargs="+", choices=METHODS, default=["oir_b"],
                       help="one or more of naive, oir_b, oir_w (default oir_b)")
    p.add_argument("--steps", type=int, default=d.steps, help=f"gradient steps T (default {d.steps})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"learning rate η (default {d.lr})")
    p.add_argument("--alpha", type=float, default=d.alpha, help=f"OIR outer margin α (default {d.alpha})")
    p.add_argument("--beta", type=float, default=d.beta, help=f"OIR_W boundary weight β (default {d.beta})")
    p.add_argument("--lam", type=float, default=d.lam, help=f"naive size penalty λ (default {d.lam})")
    p.add_argument("--eps", type=float, default=d.eps, help=f"starting half-width (default {d.eps})")
    p.add_argument("--tol", type=float, default=d.tol,
                   help="stop once bounds move less than this for --patience steps (default 0: run all steps)")
    p.add_argument("--patience", type=int, default=d.patience)
    p.add_argument("--max-step", type=float, default=d.max_step,
                   help="opt-in cap on how far a bound moves in one step, as a fraction of the range "
                        "(e.g. 0.005); default 0: the paper's plain gradient descent")


def _config(args: argparse.Namespace, method: str) -> RegionConfig:
    return RegionConfig(method=method, steps=args.steps, lr=args.lr, alpha=args.alpha, beta=args.beta,
                        lam=args.lam, eps=args.eps, tol=args.tol, patience=args.patience, max_step=args.max_step)


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
    _add_solver_args(p, several_methods=False)
    p.add_argument("--out", default=None, help="regions file (.json)")
    p.add_argument("--figure", default=None, help="figure with the regions over the map (.png/.svg/.pdf)")
    p.add_argument("--figure-grid", choices=list(PRESETS), default="coarse",
                   help="grid of the map drawn under live regions when no --map is given (default coarse)")
    p.set_defaults(handler=cmd_regions)

    p = sub.add_parser("evaluate", help="the paper's Table 1: SRVR per network and method over objects")
    p.add_argument("--objects", nargs="+", default=["teapot", "mug", "soccer_ball"],
                   help="bundled object names and/or mesh files (mesh files need --classes)")
    p.add_argument("--classes", default=None, help="true class set of the mesh files (ImageNet names or ids)")
    p.add_argument("--up-axis", choices=UP_AXES, default="y", help="up axis of the mesh files (default y)")
    p.add_argument("--models", nargs="+", default=[DEFAULT_MODEL, "efficientnet-lite2"])
    add_weights_args(p)
    p.add_argument("--grid", choices=[k for k in PRESETS if k != "paper-1d"], default="paper",
                   help="map grid the regions are grown on (default paper: 120 × 34)")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per two physical cores); see `semviewer study`")
    _add_solver_args(p, several_methods=True)
    p.add_argument("--out", required=True, help="table file (.csv); a .json with the full configuration is written beside it")
    p.set_defaults(handler=cmd_evaluate)


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
    if names == ["azimuth", "elevation"]:
        return np.array(PAPER_STARTS_2D)
    if names == ["azimuth"]:
        return np.array(PAPER_STARTS_1D)[:, None]
    raise SemviewerError("give start points with --start (the paper's defaults are for azimuth × elevation)")


def _map_slice(semantic_map: SemanticMap, names: list[str], fix: list[str]) -> dict[str, float]:
    """Where the hidden axes of an N-D map are sliced: ``--fix`` values, else the map's fixed values."""
    from semviewer.core.axes import Pose, parse_assignments, parse_pose

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
            flag = "" if r.inside["top1_fraction"] >= TRUSTED_TOP1 else \
                "  ⚠ the true class is top-1 on less than half of it"
            print(f"       inside ({r.inside['points']} {r.inside['source']} points): mean p "
                  f"{r.inside['mean_p']:.3f}, min p {r.inside['min_p']:.3f}, top-1 on "
                  f"{r.inside['top1_fraction']:.0%}{flag}")


def _document(args: argparse.Namespace, methods: list[str], names: list[str], domain: np.ndarray,
              source: str) -> Document:
    """The document the regions are grown from: axes, Ω, starts and solver settings of the arguments."""
    doc = Document()
    doc.set_view(names)
    doc.set_domain(domain)
    settings = {k: v for k, v in _config(args, methods[0]).to_json().items() if k != "method"}
    doc.set_solver(methods, settings, source, max(0, args.inside_points))
    doc.set_starts(_starts(args, names))
    return doc


def cmd_regions(args: argparse.Namespace) -> int:
    if not (args.out or args.figure):
        raise SemviewerError("say what to write: --out REGIONS.json and/or --figure FIG.svg")
    for path in (args.out, args.figure):
        if path:
            check_writable(path)
    methods = list(dict.fromkeys(args.method))
    for m in methods:
        _config(args, m).check(2)
    semantic_map = SemanticMap.load(args.map) if args.map else None
    if semantic_map is not None:
        names = list(semantic_map.axis_names[:2]) if not args.axes else _domain(args.axes)[0]
        domain = _domain(args.axes)[1] if args.axes else semantic_map.domain(names)
        at = _map_slice(semantic_map, names, args.fix)
        hidden = {a: float(at.get(a, semantic_map.axis(a).points[0])) for a in semantic_map.axis_names if a not in names}
        doc = _document(args, methods, names, domain, "map")
        doc.set_pose(Pose({**{k: v for k, v in at.items() if k in AXES}, **hidden}))
        doc.set_map(PRIMARY, semantic_map)
        jobs = plan_region_jobs(doc)
        regions = [r for _, r in run_region_jobs(jobs, None, _bars(f"map {Path(args.map).name}"))]
        provenance = dict(semantic_map.provenance)
        source = {"kind": "map", "map": str(args.map), "sliced_at": hidden}
    else:
        names, domain = _domain(args.axes or ["azimuth=0:360", "elevation=-10:90"])
        doc = _document(args, methods, names, domain, "live")
        obj = load_object(args)
        # the paper's 1-D setting is azimuth at elevation 35° (--fix elevation=... overrides it)
        base = base_pose(args, obj, names, PAPER_1D_FIXED if names == ["azimuth"] else None)
        classifier = load_model(args)
        doc.set_object(obj.mesh, args.object, args.up_axis, obj.classes, base)
        doc.set_model(args.model, args.weights, classifier)
        settings = render_settings(args)
        doc.render_settings = settings
        with Scorer(obj, classifier, names, base, settings, args.batch_size) as scorer:
            jobs = plan_region_jobs(doc)
            source = {"kind": "live", "inside_points_per_axis": args.inside_points}
            counted = lambda job, score: source.update(evaluations=score.evaluations,  # noqa: E731 (the solver's)
                                                       forward_passes=score.forward_passes)
            regions = [r for _, r in run_region_jobs(jobs, lambda job: nullcontext(scorer.score),
                                                     _bars(f"{obj.mesh.name} · {classifier.name}"), solved=counted)]
            provenance = scorer.provenance
            if args.figure and len(names) <= 2:
                grid_axes, _ = preset_axes(args.figure_grid)
                grid_axes = tuple(g for g in grid_axes if g.name in names)
                if len(grid_axes) == len(names):
                    with ProgressBar(int(np.prod([g.size for g in grid_axes])), "map for the figure") as bar:
                        semantic_map, _ = cached_build_map(scorer.score, grid_axes, scorer.fixed, provenance, bar,
                                                           MapCache())
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


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _evaluate_manifest(args: argparse.Namespace, methods: list[str]) -> dict:
    """The study manifest that ``evaluate``'s options stand for."""
    specs, fixed = PRESETS[args.grid]
    grid = dict(spec.split("=", 1) for spec in specs)
    if list(grid) != ["azimuth", "elevation"] or fixed:
        raise SemviewerError("evaluate grows regions over azimuth × elevation; choose a 2-D grid preset")
    if args.weights and len(args.models) > 1:
        raise SemviewerError("--weights names one checkpoint: give a single --models with it")
    if args.bf16 or getattr(args, "fp16", False):
        raise SemviewerError("evaluate runs in fp32 (the numbers of a study must not depend on the device); "
                             "drop --bf16/--fp16")
    objects = []
    for name in args.objects:
        if name in bundled_objects():
            objects.append({"name": name, **({"classes": args.classes} if args.classes else {})})
        elif Path(name).suffix or Path(name).exists():
            if not args.classes:
                raise SemviewerError(f"{name} is a mesh file: name its true class with --classes")
            objects.append({"path": str(Path(name).resolve()), "classes": args.classes, "up_axis": args.up_axis})
        else:
            raise SemviewerError(f"unknown object {name!r}; bundled objects: {', '.join(bundled_objects())}, "
                                 f"or give the path of a mesh file with --classes")
    models = [{"name": m, **({"weights": str(Path(args.weights).resolve())} if args.weights else {})}
              for m in args.models]
    solver = {k: v for k, v in _config(args, methods[0]).to_json().items() if k != "method"}
    return {"study": {"name": f"evaluate ({args.grid} grid)", "methods": methods, "score": "map",
                      "engine": args.engine, "preprocessing": args.preprocessing, "size": args.size},
            "models": models, "grid": grid, "solver": {**solver, "starts": [list(s) for s in PAPER_STARTS_2D]},
            "objects": objects}


def cmd_evaluate(args: argparse.Namespace) -> int:
    """The paper's Table 1 through the study machinery (units kept in OUT.study/, so a rerun resumes)."""
    from semviewer.core.study import plan_from_manifest
    from semviewer.core.study_report import model_table
    from semviewer.studies.runner import run_study

    check_writable(args.out)
    json_path = str(Path(args.out).with_suffix(".json"))
    check_writable(json_path)
    for name in args.models:
        if name not in MODELS:
            raise SemviewerError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    methods = list(dict.fromkeys(args.methods))
    for m in methods:
        _config(args, m).check(2)
    plan = plan_from_manifest(_evaluate_manifest(args, methods), Path.cwd())
    study_dir = Path(args.out).with_suffix(".study")
    outcome = run_study(plan, study_dir, "local", args.workers, figures=False)
    if outcome.failed:
        raise SemviewerError("units failed: " + "; ".join(f"{k}: {v}" for k, v in outcome.failed.items()))
    labels = [m.label for m in plan.models]
    table = model_table(outcome.rows, labels, methods)
    columns = [*methods, "average"]
    header = ["model", *[f"srvr_{c}" for c in columns], *[f"verified_srvr_{c}" for c in columns], "mean_score",
              "map_top1_share"]
    rows = []
    for label in labels:
        mine = [r for r in outcome.rows if r["model"] == label and r["method"] == methods[0]]
        rows.append([label, *[table[label][c][0] for c in columns], *[table[label][c][1] for c in columns],
                     float(np.mean([r["mean_p"] for r in mine])), float(np.mean([r["map_top1_share"] for r in mine]))])
    print(f"SRVR (and verified SRVR) over {', '.join(o.label for o in plan.objects)} × {len(plan.starts)} starts "
          f"({args.grid} grid)")
    print(f"{'model':20s} " + " ".join(f"{METHOD_LABELS.get(c, c):>16s}" for c in columns) + "  mean p  map top-1")
    n = len(columns)
    for r in rows:
        cells = " ".join(f"{p:7.2%} ({v:6.2%})" for p, v in zip(r[1:1 + n], r[1 + n:1 + 2 * n]))
        print(f"{r[0]:20s} {cells}  {r[-2]:.3f}  {r[-1]:.1%}")
    print(CONVENTION)
    print(VERIFIED_CONVENTION)
    csv = [",".join(header)] + [",".join([r[0]] + [f"{v:.6f}" for v in r[1:]]) for r in rows]
    write_text(args.out, "\n".join(csv) + "\n")
    keys = {u.key() for u in plan.units()}
    records = [json.loads(p.read_text()) for p in sorted((study_dir / "units").glob("*.json"))
               if not p.name.endswith(".error.json")]
    write_json(json_path, {
        "software": f"semviewer {__version__}", "date": _now(), "objects": [o.label for o in plan.objects],
        "models": labels, "grid": args.grid, "starts": [list(s) for s in plan.starts],
        "preprocessing": args.preprocessing, "study_dir": str(study_dir),
        "config": {m: _config(args, m).to_json() for m in methods}, "srvr_convention": CONVENTION,
        "verified_srvr_convention": VERIFIED_CONVENTION, "table": [dict(zip(header, r)) for r in rows],
        "regions": [{"model": rec["model"], "object": rec["object"], **region}
                    for rec in records for region in rec["regions"] if rec["key"] in keys],
    })
    print(f"wrote {args.out} and {json_path} (units in {study_dir}; a rerun reuses them)")
    return 0
