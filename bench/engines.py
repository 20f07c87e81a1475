"""Every inference engine and precision, side by side, for the paper's four networks and
EfficientNet-Lite0: the classifier alone on the shipped check renders at batch 8, images/s,
the median of --repeats interleaved runs, with each engine's largest difference from torch fp32.
Networks without offline weights run with random weights (speed does not depend on the values).

    .venv/bin/python bench/engines.py [--repeats 3] [--models alexnet vgg11_bn resnet50 inception_v3 efficientnet-lite0]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from semviewer.core.errors import SemviewerError
from semviewer.core.engines.cpu_info import describe_cpu, native_bf16
from semviewer.core.engines.base import installed as _installed
from semviewer.core.engines import measure

from baselines import default_classifier  # bench/baselines.py


def variants() -> list[tuple[str, str]]:
    """(engine, precision) pairs that can run here."""
    pairs = [(engine, "fp32") for engine in (*_installed(), "torch")]
    if native_bf16():
        pairs += [("openvino", "bf16")] if "openvino" in _installed() else []
        pairs += [("torch", "bf16")]
    return pairs


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+",
                    default=["alexnet", "vgg11_bn", "resnet50", "inception_v3", "efficientnet-lite0"])
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    seconds = 1.0
    if args.smoke:
        args.repeats, args.models, seconds = 1, ["efficientnet-lite0"], 0.2
    print(f"{describe_cpu()}; torch {torch.__version__}, {torch.get_num_threads()} threads; batch 8, "
          f"medians of {args.repeats} interleaved runs")
    pairs = variants()
    print(f"{'model':20s} " + " ".join(f"{e + ' ' + p:>18s}" for e, p in pairs))
    for name in args.models:
        loaded = {}
        for engine, precision in pairs:
            try:
                loaded[(engine, precision)] = default_classifier(name, "cpu", engine=engine, precision=precision)
            except SemviewerError as exc:
                print(f"  {name}: {engine} {precision} cannot run: {exc}")
        reference = loaded[("torch", "fp32")].probabilities(loaded[("torch", "fp32")].check_images())
        rates = {pair: [] for pair in loaded}
        for _ in range(args.repeats):
            for pair, clf in loaded.items():
                rates[pair].append(measure(clf, seconds=seconds))
        cells = []
        for pair in pairs:
            if pair not in loaded:
                cells.append(f"{'—':>18s}")
                continue
            clf = loaded[pair]
            diff = float(np.abs(clf.probabilities(clf.check_images()) - reference).max())
            cells.append(f"{np.median(rates[pair]):8.1f} (Δ {diff:.0e})")
        print(f"{name:20s} " + " ".join(cells))


if __name__ == "__main__":
    main()
