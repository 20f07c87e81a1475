"""Any classifier, side by side in one run: how fast semviewer maps with each kind of network.

For each model spec (registry names, torchvision:NAME, timm:NAME, model files), on the engine
``--engine auto`` picks by measurement (networks without offline weights run with random
weights, which does not change their speed):
  (a) the classifier alone on pre-rendered teapot images, batch 8, images/s;
  (b) the map pipeline as `semviewer map` runs it (render thread, batch tuned inside the map),
      poses/s over a small azimuth × elevation map;
and (b) / (a), the share of the classifier's rate the whole pipeline keeps.

With ``--files ARCH`` the same network (random weights) is also written as each kind of model
file and measured beside it: an ONNX file with a dynamic batch, an ONNX file of a fixed batch of 1
(fed one render at a time), and a TorchScript file (trusted here; exported to the fast engines).

    .venv/bin/python bench/models.py [--models alexnet torchvision:vit_b_16 ...] [--files resnet18] [--poses 96]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import torch
from baselines import default_classifier  # bench/baselines.py
from map_throughput import map_rate, rate

from semviewer.core.engines.cpu_info import describe_cpu
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.scene.objects import get_object
from semviewer.pipeline.scene import Scene
from semviewer.render import Renderer

DEFAULT_MODELS = ["efficientnet-lite0", "alexnet", "torchvision:vgg11", "resnet50", "inception_v3",
                  "torchvision:vit_b_16", "torchvision:convnext_tiny"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    ap.add_argument("--poses", type=int, default=96)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--files", metavar="ARCH", default=None,
                    help="also measure this torchvision architecture written as each kind of model file")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny inputs (a test runs it, so that the benchmark cannot rot)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.models, args.poses, args.seconds = ["efficientnet-lite0"], 24, 0.2
        args.files = "tiny"
    teapot = get_object("teapot")
    mesh = teapot.load()
    scene = Scene(mesh, teapot.classes, base=teapot.default_pose)
    axes = (parse_grid_axis(f"azimuth=0:360:{360 * 4 / args.poses:.6g}"), parse_grid_axis("elevation=0:60:20"))
    print(f"{describe_cpu()}; torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}, "
          f"{torch.get_num_threads()} torch threads")
    print(f"map of {axes[0].size * axes[1].size} poses; engine chosen by auto\n")
    with Renderer(mesh) as r:
        images = r.render([Pose({"azimuth": a, "elevation": 20}) for a in range(0, 360, 45)])
    records = Path("/tmp/semviewer-bench-models")
    records.mkdir(exist_ok=True)
    print(f"{'model':28s} {'input':>5s} {'engine':>11s} {'load s':>7s} {'(a) img/s':>10s} {'(b) poses/s':>12s} "
          f"{'(b)/(a)':>8s}")
    files = model_files(args.files, records) if args.files else []
    for name in args.models + [str(f) for f in files]:
        start = time.perf_counter()
        clf = default_classifier(name, "cpu", notify=lambda message: None, trust_code=name.endswith(".pt"))
        loaded = time.perf_counter() - start
        alone = rate(lambda: clf.probabilities(images), len(images), args.seconds)
        piped, _ = map_rate(scene, clf, axes, None, records)
        batch = getattr(getattr(clf.runtime, "session", None), "fixed_batch", None)
        label = Path(name).name if name in map(str, files) else name
        print(f"{label:28s} {clf.spec.input_size:5d} {clf.engine + (f' b{batch}' if batch else ''):>11s} "
              f"{loaded:7.1f} {alone:10.1f} {piped:12.1f} {piped / alone:8.2f}", flush=True)


def model_files(arch: str, folder: Path) -> list[Path]:
    """``arch`` (a torchvision architecture with random weights; ``tiny``: a small net of our own, for
    the smoke run) as an ONNX file, a fixed-batch ONNX file and a TorchScript file, each with a card."""
    from semviewer.core.models import get_model_spec

    torch.manual_seed(0)
    if arch == "tiny":
        net, size = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.ReLU(),
                                        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                        torch.nn.Linear(8, 1000)).eval(), 64
    else:
        net, size = get_model_spec(f"torchvision:{arch}").build().eval(), 224
    dummy = torch.zeros(1, 3, size, size)
    out = folder / f"files-{arch}"
    out.mkdir(exist_ok=True)
    paths = [out / f"{arch}.onnx", out / f"{arch}-batch1.onnx", out / f"{arch}.pt"]
    torch.onnx.export(net, (dummy,), str(paths[0]), input_names=["x"], output_names=["y"], opset_version=17,
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, dynamo=False)
    torch.onnx.export(net, (dummy,), str(paths[1]), input_names=["x"], output_names=["y"], opset_version=17,
                      dynamo=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)          # torch.jit's deprecation notice
        torch.jit.trace(net, dummy).save(str(paths[2]))
    for path in paths:
        path.with_suffix(".toml").write_text(f"size = {size}\n")
    return paths


if __name__ == "__main__":
    main()
