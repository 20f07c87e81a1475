"""`semviewer evaluate`: the paper's Table 1 (SRVR per network and method over objects), run as a
study whose units are kept beside the table, so a rerun resumes."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

import numpy as np

from semviewer.core.version import software
from semviewer.cli.common import add_adaptive_arg, add_weights_args, precision_of
from semviewer.cli.solver_args import add_solver_args, solver_config
from semviewer.core.errors import SemviewerError
from semviewer.core.files.atomic import check_writable, write_json, write_text
from semviewer.core.files.tables import csv_text
from semviewer.core.models import DEFAULT_MODEL, get_model_spec
from semviewer.core.maps.grids import PRESETS
from semviewer.core.regions.config import METHOD_LABELS, PAPER_STARTS_2D
from semviewer.core.regions.srvr import CONVENTION, VERIFIED_CONVENTION
from semviewer.core.scene.mesh import UP_AXES
from semviewer.core.scene.objects import bundled_objects


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="the paper's Table 1: SRVR per network and method over objects")
    p.add_argument("--objects", nargs="+", default=["teapot", "mug", "soccer_ball"],
                   help="bundled object names and/or mesh files (mesh files need --classes)")
    p.add_argument("--classes", default=None, help="true class set of the mesh files (class names or ids)")
    p.add_argument("--up-axis", choices=UP_AXES, default="y", help="up axis of the mesh files (default y)")
    p.add_argument("--models", nargs="+", default=[DEFAULT_MODEL, "efficientnet-lite2"])
    add_weights_args(p)
    p.add_argument("--grid", choices=[k for k, (axes, _, _) in PRESETS.items() if len(axes) == 2], default="paper",
                   help="map grid the regions are grown on (default paper: 120 × 34)")
    p.add_argument("--size", type=int, default=224)
    add_adaptive_arg(p)
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per two physical cores); see `semviewer study`")
    add_solver_args(p, several_methods=True)
    p.add_argument("--out", required=True, help="table file (.csv); a .json with the full configuration is written beside it")
    p.set_defaults(handler=cmd_evaluate)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _evaluate_manifest(args: argparse.Namespace, methods: list[str]) -> dict:
    """The study manifest that ``evaluate``'s options stand for."""
    if args.weights and len(args.models) > 1:
        raise SemviewerError("--weights names one checkpoint: give a single --models with it")
    if precision_of(args) != "fp32":
        raise SemviewerError("evaluate runs in fp32 (the numbers of a study must not depend on the device); "
                             "drop --precision, --bf16 or --fp16")
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
    solver = {k: v for k, v in solver_config(args, methods[0]).to_json().items() if k != "method"}
    return {"study": {"name": f"evaluate ({args.grid} grid)", "methods": methods, "score": "map",
                      "engine": args.engine, "preprocessing": args.preprocessing, "size": args.size,
                      **({"adaptive": args.adaptive} if args.adaptive is not None else {})},
            "models": models, "grid": {"preset": args.grid}, "solver": {**solver, "starts": [list(s) for s in PAPER_STARTS_2D]},
            "objects": objects}


def _table(outcome, labels: list[str], methods: list[str]) -> tuple[list[str], list[list]]:
    """The CSV header and one row per model: SRVR and verified SRVR per method and on average,
    mean p(true class) and the top-1 share over the maps."""
    from semviewer.studies.report import model_table

    table = model_table(outcome.units, labels, methods)
    columns = [*methods, "average"]
    header = ["model", *[f"srvr_{c}" for c in columns], *[f"verified_srvr_{c}" for c in columns], "mean_score",
              "map_top1_share"]
    rows = []
    for label in labels:
        mine = [u["stats"] for u in outcome.units if u["model"] == label]
        rows.append([label, *[table[label][c][0] for c in columns], *[table[label][c][1] for c in columns],
                     float(np.mean([s["mean_p"] for s in mine])), float(np.mean([s["map_top1_share"] for s in mine]))])
    return header, rows


def _print_table(rows: list[list], methods: list[str], title: str) -> None:
    columns = [*methods, "average"]
    print(title)
    print(f"{'model':20s} " + " ".join(f"{METHOD_LABELS.get(c, c):>16s}" for c in columns) + "  mean p  map top-1")
    n = len(columns)
    for r in rows:
        cells = " ".join(f"{p:7.2%} ({v:6.2%})" for p, v in zip(r[1:1 + n], r[1 + n:1 + 2 * n]))
        print(f"{r[0]:20s} {cells}  {r[-2]:.3f}  {r[-1]:.1%}")
    print(CONVENTION)
    print(VERIFIED_CONVENTION)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """The paper's Table 1 through the study machinery (units kept in OUT.study/, so a rerun resumes)."""
    from semviewer.studies.manifest import plan_from_manifest
    from semviewer.studies.runner import run_study

    check_writable(args.out)
    json_path = str(Path(args.out).with_suffix(".json"))
    check_writable(json_path)
    for name in args.models:
        get_model_spec(name, args.labels)
    methods = list(dict.fromkeys(args.methods))
    for m in methods:
        solver_config(args, m).check(2)
    plan = plan_from_manifest(_evaluate_manifest(args, methods), Path.cwd())
    study_dir = Path(args.out).with_suffix(".study")
    outcome = run_study(plan, study_dir, "local", args.workers, figures=False)
    if outcome.failed:
        raise SemviewerError("units failed: " + "; ".join(f"{k}: {v}" for k, v in outcome.failed.items()))
    labels = [m.label for m in plan.models]
    header, rows = _table(outcome, labels, methods)
    _print_table(rows, methods, f"SRVR (and verified SRVR) over {', '.join(o.label for o in plan.objects)} × "
                                f"{len(plan.starts)} starts ({args.grid} grid)")
    write_text(args.out, csv_text(header, rows))
    write_json(json_path, {
        **software(), "date": _now(), "objects": [o.label for o in plan.objects],
        "models": labels, "grid": args.grid, "starts": [list(s) for s in plan.starts],
        "preprocessing": args.preprocessing, "study_dir": str(study_dir),
        "config": {m: solver_config(args, m).to_json() for m in methods}, "srvr_convention": CONVENTION,
        "verified_srvr_convention": VERIFIED_CONVENTION, "table": [dict(zip(header, r)) for r in rows],
        "regions": [{"model": rec["model"], "object": rec["object"], **region}
                    for rec in outcome.units for region in rec["regions"]],
    })
    print(f"wrote {args.out} and {json_path} (units in {study_dir}; a rerun reuses them)")
    return 0
