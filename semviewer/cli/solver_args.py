"""The region solver's options, shared by `semviewer regions` and `semviewer evaluate`."""

from __future__ import annotations

import argparse

from semviewer.core.regions.config import METHODS, RegionConfig


def add_solver_args(p: argparse.ArgumentParser, several_methods: bool) -> None:
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
    p.add_argument("--wrap", action="store_true",
                   help="let regions cross 0°/360° on a periodic axis whose domain is a full turn (at most one "
                        "turn wide); default: the paper's clipped domain")


def solver_config(args: argparse.Namespace, method: str) -> RegionConfig:
    return RegionConfig(method=method, steps=args.steps, lr=args.lr, alpha=args.alpha, beta=args.beta,
                        lam=args.lam, eps=args.eps, tol=args.tol, patience=args.patience, max_step=args.max_step,
                        wrap=args.wrap)
