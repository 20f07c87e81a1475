"""`semviewer study`: run a manifest of objects × models, resumably, on this machine or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("study", help="run a study (objects × models) from a TOML manifest: maps, regions, report")
    p.add_argument("manifest", help="the study manifest (.toml); see the README's 'Run a study'")
    p.add_argument("--out", default=None, help="output folder (default: the manifest's name without .toml)")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local: worker processes on this machine (default); ray: one Ray task per unit")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: one per two physical cores); inference threads are "
                        "divided among them")
    p.add_argument("--address", default=None,
                   help="Ray cluster to use: auto (the running one) or HOST:PORT (default: start a local Ray)")
    p.add_argument("--gpu-fraction", type=float, default=0.25,
                   help="GPU share each Ray task asks for when the cluster has GPUs (default 0.25)")
    p.add_argument("--no-figures", action="store_true", help="skip figures/<model>.png/.pdf")
    p.set_defaults(handler=cmd_study)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def cmd_study(args: argparse.Namespace) -> int:
    from semviewer.studies.manifest import load_study
    from semviewer.studies.runner import run_study

    from semviewer.studies.runner import check_run_settings

    check_run_settings(args.executor, args.workers, args.gpu_fraction)
    plan = load_study(args.manifest)
    out = Path(args.out) if args.out else Path(args.manifest).with_suffix("")
    units = plan.units()
    variants = len(plan.variants) if plan.variants[0].label else 0
    counts = " × ".join(_count(n, what) for n, what in ((len(plan.objects), "object"), (len(plan.models), "model"),
                                                        (variants, "scene")) if n)
    print(f"study {plan.name}: {counts} = {_count(len(units), 'unit')}; methods {', '.join(plan.methods)}; regions "
          f"on the {plan.score}; output {out}", file=sys.stderr)
    outcome = run_study(plan, out, args.executor, args.workers, args.address, gpu_fraction=args.gpu_fraction,
                        figures=not args.no_figures)
    print(f"{len(outcome.computed)} units computed, {len(outcome.skipped)} already done, "
          f"{len(outcome.failed)} failed, in {outcome.seconds:.0f} s")
    if outcome.rows:
        print(f"wrote {out / 'report.csv'}, {out / 'table.md'}, {out / 'table.html'}, {out / 'study.json'}"
              + ("" if args.no_figures else f" and {out / 'figures'}"))
        text = (out / "table.md").read_text()
        print(text[text.index("\n|") + 1 if "\n## " not in text else text.index("\n## ") + 1:
                   text.index("\n\nSRVR = ")])
    if outcome.failed:            # each failure was said when it happened
        print(f"semviewer: {len(outcome.failed)} units failed: {', '.join(outcome.failed)}", file=sys.stderr)
        return 1
    return 0
