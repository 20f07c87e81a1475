"""`semviewer failures`: search any continuous axes for failure poses (docs/algorithms.md §8)."""

from __future__ import annotations

import argparse

from semviewer.cli.common import add_fix_arg, add_model_args, add_object_args, base_pose, load_model, load_object, \
    scene_of
from semviewer.cli.progress_bar import ProgressBar
from semviewer.core.errors import SemviewerError
from semviewer.core.failures.figure import MAX_FIGURE_FAILURES, failure_figure, pose_text
from semviewer.core.failures.search import DEFAULT_BUDGET, DEFAULT_MERGE_DISTANCE, METHODS, OBJECTIVES, \
    check_search
from semviewer.core.figures import save_figure
from semviewer.core.files.atomic import check_writable, write_json
from semviewer.pipeline.failures import failure_domain, failure_renders, search_failures
from semviewer.pipeline.scorer import Scorer

DEFAULT_AXES = ("azimuth=0:360", "elevation=-10:90")
#: Failures printed on the terminal (all are in --out).
PRINTED = 10


def register(sub) -> None:
    p = sub.add_parser("failures", help="search chosen axes for poses where the network fails (CMA-ES or random)")
    add_object_args(p, pose=False)
    add_model_args(p)
    p.add_argument("--axes", nargs="+", default=list(DEFAULT_AXES), metavar="AXIS=LO:HI",
                   help="2 to 10 continuous axes to search, each with its range or by name for its whole domain "
                        "(default azimuth=0:360 elevation=-10:90)")
    add_fix_arg(p)
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                   help=f"evaluations (renders + classifications) in all (default {DEFAULT_BUDGET})")
    p.add_argument("--sample", type=int, default=None,
                   help="of the budget, the uniform sample the failure rate is measured on (default a quarter)")
    p.add_argument("--method", choices=METHODS, default="cma-es",
                   help="cma-es (restarts from spread seeds) or random (the baseline); default cma-es")
    p.add_argument("--objective", choices=OBJECTIVES, default="probability",
                   help="minimise the true class's probability (default) or its margin over the best other class")
    p.add_argument("--merge-distance", type=float, default=DEFAULT_MERGE_DISTANCE, metavar="D",
                   help=f"failures closer than D (a share of each axis's range) to a worse one are one failure "
                        f"mode (default {DEFAULT_MERGE_DISTANCE})")
    p.add_argument("--seed", type=int, default=0, help="the search's random seed (the same seed, the same search)")
    p.add_argument("--out", default=None, help="failures file (.json)")
    p.add_argument("--figure", default=None, help="grid of the failure renders with their labels (.png/.svg/.pdf)")
    p.add_argument("--figure-count", type=int, default=12, metavar="N",
                   help=f"the worst N failures in the figure (1 to {MAX_FIGURE_FAILURES}, default 12)")
    p.set_defaults(handler=cmd_failures)


def cmd_failures(args: argparse.Namespace) -> int:
    if not (args.out or args.figure):
        raise SemviewerError("say what to write: --out FAILURES.json and/or --figure FAILURES.png")
    for path in (args.out, args.figure):
        if path:
            check_writable(path)
    if not 1 <= args.figure_count <= MAX_FIGURE_FAILURES:
        raise SemviewerError(f"--figure-count is from 1 to {MAX_FIGURE_FAILURES}, not {args.figure_count}")
    names, domain = failure_domain(args.axes)
    sample = args.budget // 4 if args.sample is None else args.sample
    check_search(names, domain, args.budget, sample, args.method, args.objective, args.merge_distance)
    classifier = load_model(args)
    obj = load_object(args, classifier.labels)
    scene = scene_of(obj, args, base_pose(args, obj, names))
    label = f"{obj.mesh.name} · {classifier.name}"
    with Scorer(scene, classifier, names, args.batch_size) as scorer:
        with ProgressBar(args.budget, f"{label} · {args.method}", unit="eval", interruptible=True) as bar:
            result = search_failures(scorer, domain, budget=args.budget, sample=sample, method=args.method,
                                     objective=args.objective, merge_distance=args.merge_distance, seed=args.seed,
                                     sink=bar)
        images = failure_renders(scene, result, args.figure_count, thread=scorer.thread) \
            if args.figure else None
    print(f"{label}: {result.describe()}")
    for failure in result.failures[:PRINTED]:
        print(f"  p(true) {failure.p_true:.3f}  top-1 {failure.label_name} ({failure.label_p:.0%})  at "
              f"{pose_text(failure)}")
    if len(result.failures) > PRINTED:
        print(f"  ... and {len(result.failures) - PRINTED} more" + (f" (all in {args.out})" if args.out else ""))
    if args.out:
        write_json(args.out, result.to_json())
        print(f"wrote {args.out}")
    if args.figure:
        save_figure(failure_figure(result, images, title=label, count=args.figure_count), args.figure)
        print(f"wrote {args.figure}")
    return 130 if result.cancelled else 0
