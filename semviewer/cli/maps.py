"""`semviewer map`: semantic maps on a grid, cached, with figures and CSV."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from semviewer.cli.common import (Scorer, add_fix_arg, add_object_args, add_weights_args, base_pose, load_model,
                                  load_object, render_settings)
from semviewer.cli.progress_bar import ProgressBar
from semviewer.core.axes import check_unique, parse_grid_axis
from semviewer.core.classifier import DEFAULT_MODEL, MODELS
from semviewer.core.errors import SemviewerError
from semviewer.core.figures import Panel, map_figure, save_figure
from semviewer.core.map_cache import MapCache, cached_build_map, map_key
from semviewer.core.results import check_writable, write_text
from semviewer.core.semantic_map import AGGREGATES, PRESETS, SemanticMap, grid_size, preset_axes

#: Grids beyond these need --yes (time) or are refused (memory).
CONFIRM_POINTS = 1_000_000
CONFIRM_SECONDS = 2 * 3600
MAX_POINTS = 50_000_000


def register(sub) -> None:
    p = sub.add_parser("map", help="compute a semantic map (true-class score on a grid of poses)")
    add_object_args(p, pose=False)
    p.add_argument("--model", default=DEFAULT_MODEL, choices=list(MODELS), metavar="NAME")
    add_weights_args(p)
    p.add_argument("--axes", nargs="+", default=None, metavar="AXIS=LO:HI:STEP",
                   help="grid axes, upper bound excluded (default: the paper preset, "
                        "azimuth=0:360:3 elevation=-10:90:3)")
    p.add_argument("--preset", choices=list(PRESETS), default="paper", help="named grid when --axes is not given")
    add_fix_arg(p)
    p.add_argument("--compare", nargs="+", default=None, metavar="MODEL",
                   help="compute the map for several models and draw them side by side")
    p.add_argument("--out", default=None, help="map file (.npz); with --compare one file per model")
    p.add_argument("--figure", default=None, help="figure file (.png, .svg or .pdf)")
    p.add_argument("--csv", default=None, help="values in long format (.csv)")
    p.add_argument("--show", default=None, help="two axes (or one) to draw, e.g. azimuth,elevation")
    p.add_argument("--aggregate", choices=AGGREGATES, default=None,
                   help="aggregate the axes not drawn (default: slice them at their first grid point)")
    p.add_argument("--force", action="store_true", help="recompute even when the cache has this map")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the map cache")
    p.add_argument("--yes", action="store_true", help="run a grid that would take hours without asking")
    p.set_defaults(handler=cmd_map)


def per_model_path(path: str, model: str, several: bool) -> str:
    if not several:
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}.{model}{p.suffix}"))


def _grid(args: argparse.Namespace):
    if args.axes:
        axes = tuple(parse_grid_axis(spec) for spec in args.axes)
        check_unique(a.name for a in axes)
        return axes, {}
    return preset_axes(args.preset)


def _measure_rate(scorer: Scorer, axes) -> float:
    """Poses per second of this pipeline (one warm-up batch, then one timed batch)."""
    probe = np.array([[a.points[0] for a in axes]] * scorer.score.batch_size)
    scorer.score(probe)
    start = time.perf_counter()
    scorer.score(probe)
    return len(probe) / max(time.perf_counter() - start, 1e-6)


def _check_size(points: int, rate: float, yes: bool) -> None:
    if points > MAX_POINTS:
        raise SemviewerError(f"the grid has {points:,} poses; more than {MAX_POINTS:,} would exhaust memory; "
                             f"use coarser steps")
    seconds = points / rate
    if (seconds > CONFIRM_SECONDS or points > CONFIRM_POINTS) and not yes:
        raise SemviewerError(f"the grid has {points:,} poses: about {seconds / 3600:.1f} hours at {rate:.0f} poses/s "
                             f"here; add --yes to run it anyway, or use coarser steps")


def _csv(maps: list[tuple[str, SemanticMap]]) -> str:
    if len(maps) == 1:
        return maps[0][1].to_csv()
    lines: list[str] = []
    for i, (model, m) in enumerate(maps):
        rows = m.to_csv().splitlines()
        lines.extend((["model," + rows[0]] if i == 0 else []) + [f"{model},{r}" for r in rows[1:]])
    return "\n".join(lines) + "\n"


def cmd_map(args: argparse.Namespace) -> int:
    if not (args.out or args.figure or args.csv):
        raise SemviewerError("say what to write: --out MAP.npz, --figure FIG.svg and/or --csv MAP.csv")
    models = list(dict.fromkeys(args.compare)) if args.compare else [args.model]
    for name in models:
        if name not in MODELS:
            raise SemviewerError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    several = len(models) > 1
    outputs = [per_model_path(args.out, m, several) for m in models] if args.out else []
    for path in outputs + [p for p in (args.figure, args.csv) if p]:
        check_writable(path)
    axes, preset_fixed = _grid(args)
    show = args.show.split(",") if args.show else None
    obj = load_object(args)
    names = [a.name for a in axes]
    base = base_pose(args, obj, names, preset_fixed)
    cache = None if args.no_cache else MapCache()
    settings = render_settings(args)
    results: list[tuple[str, SemanticMap]] = []
    for model_name in models:
        classifier = load_model(args, model_name)
        with Scorer(obj, classifier, names, base, settings, args.batch_size) as scorer:
            points = grid_size(axes)
            _check_size(points, _measure_rate(scorer, axes), args.yes)
            label = f"{obj.mesh.name} · {model_name}"
            partial = cache.get_partial(map_key(scorer.provenance, axes, scorer.fixed)) \
                if cache is not None and not args.force else None
            if partial is not None and partial.axes == tuple(axes):
                done = int(partial.filled.sum())
                print(f"{label}: resuming an interrupted map ({done} of {points} poses already computed)",
                      file=sys.stderr)
            with ProgressBar(points, label) as bar:
                semantic_map, cached = cached_build_map(scorer.score, axes, scorer.fixed, scorer.provenance, bar,
                                                        cache, args.force)
        if cached:
            print(f"{label}: read from the cache ({MapCache().root if cache else ''})", file=sys.stderr)
        results.append((model_name, semantic_map))
        shape = "×".join(str(s) for s in semantic_map.shape)
        print(f"{label}: {shape} map, true-class score mean {np.nanmean(semantic_map.values):.3f}, "
              f"min {np.nanmin(semantic_map.values):.3f}, max {np.nanmax(semantic_map.values):.3f}")
    for path, (_, semantic_map) in zip(outputs, results):
        semantic_map.save(path)
        print(f"wrote {path}")
    if args.figure:
        fig = map_figure([Panel(m) for _, m in results], show=show, aggregate=args.aggregate)
        save_figure(fig, args.figure)
        print(f"wrote {args.figure}")
    if args.csv:
        write_text(args.csv, _csv(results))
        print(f"wrote {args.csv}")
    return 0
