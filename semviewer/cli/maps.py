"""`semviewer map`: semantic maps on a grid, cached, with figures and CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from semviewer.cli.common import (add_adaptive_arg, add_fix_arg, add_object_args, add_weights_args, backgrounds_of,
                                  base_pose, load_model, load_object, scene_of, with_classes)
from semviewer.core.maps.adaptive import check_adaptive
from semviewer.cli.progress_bar import ProgressBar
from semviewer.core.scene.axes import check_unique
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.models import DEFAULT_MODEL, get_model_spec
from semviewer.core.inference.classifier import Classifier
from semviewer.core.errors import SemviewerError
from semviewer.core.figures import category_panels, map_figure, save_figure
from semviewer.core.maps.cache import MapCache
from semviewer.core.files.atomic import check_writable, write_text
from semviewer.core.maps.semantic_map import AGGREGATES, SemanticMap
from semviewer.pipeline.maps import cached_map, compute_map, resumable
from semviewer.pipeline.scene import Scene, categorical_grid
from semviewer.pipeline.scorer import Scorer
from semviewer.core.maps.grids import PRESETS, check_grid_size, preset_grid

#: Grids beyond these need --yes (time); beyond MAX_MAP_POINTS they are refused (memory).
CONFIRM_POINTS = 1_000_000
CONFIRM_SECONDS = 2 * 3600


def register(sub) -> None:
    p = sub.add_parser("map", help="compute a semantic map (true-class score on a grid of poses)")
    add_object_args(p, pose=False)
    p.add_argument("--model", default=DEFAULT_MODEL, metavar="SPEC",
                   help="classifier: a registry name, torchvision:NAME, timm:NAME, or a model file (see `semviewer models`)")
    add_weights_args(p)
    p.add_argument("--axes", nargs="+", default=None, metavar="AXIS=LO:HI:STEP",
                   help="grid axes, upper bound excluded (default: the paper preset, azimuth=0:360:3 "
                        "elevation=-10:90:3); a categorical axis by its values' names, e.g. "
                        "background=black,brick,sky or material=plain,textured")
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
    add_adaptive_arg(p)
    p.add_argument("--mark-interpolated", action="store_true",
                   help="veil the cells of an adaptive map that were interpolated, not computed, in the figure")
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
    return preset_grid(args.preset)


def _check_size(points: int, rate: float, yes: bool) -> None:
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


def _one_map(args: argparse.Namespace, scene: Scene, classifier: Classifier, axes, points: int,
             cache: MapCache | None) -> SemanticMap:
    """One model's map through the pipeline, with a progress bar; said when it resumes or is cached.
    The cache is asked first: a cached map needs no render context and no measurement."""
    label = f"{scene.mesh.name} · {classifier.name}"
    semantic_map = None if args.force else cached_map(scene, classifier, axes, cache, args.adaptive)
    if semantic_map is not None:
        exact = " (the exact map serves the adaptive request)" if args.adaptive and semantic_map.adaptive is None else ""
        print(f"{label}: read from the cache ({cache.root}){exact}", file=sys.stderr)
    else:
        semantic_map = _compute(args, scene, classifier, axes, points, cache, label)
    shape = "×".join(str(s) for s in semantic_map.shape)
    adaptive = f"; adaptive (tolerance {semantic_map.adaptive:g}): {semantic_map.computed_fraction:.1%} of the " \
               f"poses computed, the rest interpolated" if semantic_map.adaptive is not None else ""
    print(f"{label}: {shape} map, true-class score mean {np.nanmean(semantic_map.values):.3f}, "
          f"min {np.nanmin(semantic_map.values):.3f}, max {np.nanmax(semantic_map.values):.3f}{adaptive}")
    return semantic_map


def _compute(args: argparse.Namespace, scene: Scene, classifier: Classifier, axes, points: int,
             cache: MapCache | None, label: str) -> SemanticMap:
    with Scorer(scene, classifier, [a.name for a in axes], args.batch_size) as scorer:
        partial = None if args.force else resumable(scorer, axes, cache, args.adaptive)
        _check_size(points, scorer.rate(), args.yes)
        if partial is not None:
            print(f"{label}: resuming an interrupted map ({int(partial.filled.sum())} of {points} poses already "
                  f"computed)", file=sys.stderr)
        with ProgressBar(points, label) as bar:
            return compute_map(scorer, axes, bar, cache, args.force, notify=bar.note, adaptive=args.adaptive)[0]


def cmd_map(args: argparse.Namespace) -> int:
    if not (args.out or args.figure or args.csv):
        raise SemviewerError("say what to write: --out MAP.npz, --figure FIG.svg and/or --csv MAP.csv")
    models = list(dict.fromkeys(args.compare)) if args.compare else [args.model]
    for name in models:
        get_model_spec(name, args.labels)              # a wrong spec is said before anything is computed
    several = len(models) > 1
    outputs = [per_model_path(args.out, m, several) for m in models] if args.out else []
    for path in outputs + [p for p in (args.figure, args.csv) if p]:
        check_writable(path)
    axes, preset_fixed = _grid(args)
    show = args.show.split(",") if args.show else None
    obj = load_object(args, classes=False)          # --classes names the labels of each model, once loaded
    axes, backgrounds = categorical_grid(axes, obj.mesh, backgrounds_of(args))
    names = [a.name for a in axes]
    points = check_grid_size(axes)
    if args.adaptive is not None:
        check_adaptive(axes, args.adaptive)
    base = base_pose(args, obj, names, preset_fixed)
    cache = None if args.no_cache else MapCache()
    results = []
    for name in models:
        classifier = load_model(args, name)
        scene = scene_of(with_classes(args, obj, classifier.labels), args, base, backgrounds)
        results.append((name, _one_map(args, scene, classifier, axes, points, cache)))
    for path, (_, semantic_map) in zip(outputs, results):
        semantic_map.save(path)
        print(f"wrote {path}")
    if args.figure:
        shown = show or list(results[0][1].axis_names[:2])
        fig = map_figure([p for _, m in results for p in category_panels(m, shown)], show=shown,
                         aggregate=args.aggregate, columns=4, mark_interpolated=args.mark_interpolated)
        save_figure(fig, args.figure)
        print(f"wrote {args.figure}")
    if args.csv:
        write_text(args.csv, _csv(results))
        print(f"wrote {args.csv}")
    return 0
