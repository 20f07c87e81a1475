"""`semviewer render`, `predict`, `objects`, `models` and `classes`."""

from __future__ import annotations

import argparse
import json

from semviewer.cli.common import add_model_args, add_object_args, load_model, load_object, pose_of, scene_of
from semviewer.core.models import MODELS
from semviewer.core.inference.outputs import top_k
from semviewer.core.models.labels import search_classes
from semviewer.core.scene.objects import bundled_objects, get_object
from semviewer.core.errors import SemviewerError
from semviewer.core.files.atomic import check_writable, write_png


def register(sub) -> None:
    p = sub.add_parser("render", help="render an object at a pose to a PNG")
    add_object_args(p)
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(handler=cmd_render)

    p = sub.add_parser("predict", help="classify an object rendered at a pose")
    add_object_args(p)
    add_model_args(p)
    p.add_argument("--top", type=int, default=5, help="how many classes to list (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--out", default=None, help="also write the render that was classified (PNG)")
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser("objects", help="list the bundled objects")
    p.set_defaults(handler=cmd_objects)

    p = sub.add_parser("models", help="list the classifiers and how to name any other")
    p.add_argument("--all", action="store_true", help="also list every torchvision (and timm, when installed) "
                                                      "classification model")
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("classes", help="search class names (ImageNet's, or a model's own)")
    p.add_argument("text", nargs="?", default="", help="part of a class name")
    p.add_argument("--model", default=None, metavar="SPEC", help="search this model's labels (default ImageNet-1k)")
    p.add_argument("--labels", default=None, help="search this labels file")
    p.set_defaults(handler=cmd_classes)


def cmd_render(args: argparse.Namespace) -> int:
    from semviewer.pipeline.predict import render

    check_writable(args.out)
    obj = load_object(args, classes=False)          # a render needs no class
    pose = pose_of(args, obj)
    image = render(scene_of(obj, args, pose), pose)
    write_png(args.out, image)
    print(f"wrote {args.out} ({image.shape[1]}×{image.shape[0]}, {obj.mesh.name} at {pose})")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise SemviewerError(f"--top must be at least 1, got {args.top}")
    if args.out:
        check_writable(args.out)
    from semviewer.pipeline.predict import predict

    classifier = load_model(args)
    obj = load_object(args, classifier.labels, require_classes=False)
    pose = pose_of(args, obj)
    labelled = obj.classes is not None
    found = predict(scene_of(obj, args, pose), classifier, pose, labelled)
    image, probs, true_p, rank = found.image, found.probabilities, found.true_probability, found.true_rank
    names = classifier.labels.names
    top = top_k(probs, args.top)
    true_ids = list(obj.classes.ids) if labelled else []
    if args.out:
        write_png(args.out, image)
    if args.json:
        print(json.dumps({
            "object": obj.mesh.name, "pose": pose.as_dict(), "model": classifier.describe(),
            "true_classes": obj.classes.to_json() if labelled else None, "true_probability": true_p,
            "true_rank": rank, "top": [{"id": i, "name": names[i], "probability": p} for i, p in top],
        }, indent=2))
        return 0
    print(f"{obj.mesh.name} at {pose}")
    print(f"model {classifier.name} ({classifier.preprocessing} preprocessing, {classifier.device}, "
          f"{classifier.engine} engine, {classifier.precision}" +
          (f", max |Δp| {classifier.precision_diff:.3f} against fp32 on the check renders"
           if classifier.precision_diff is not None else "") + ")")
    for i, p in top:
        mark = "*" if i in true_ids else " "
        print(f" {mark} {p:6.1%}  {names[i]} ({i})")
    if labelled:
        print(f"true class {obj.classes}: p = {true_p:.3f} (rank {rank})")
    elif not args.classes:
        own = get_object(args.object).classes if args.object in bundled_objects() else None
        why = f"{args.object}'s class ({own}) is not among {classifier.name}'s {len(names)} labels" if own else \
            f"{args.object} has no class of its own"
        print(f"no true class: {why}; name one of the model's labels with --classes to see its probability")
    return 0


def cmd_objects(args: argparse.Namespace) -> int:
    for obj in bundled_objects().values():
        print(f"{obj.name:12s} class {obj.classes}; default pose {obj.default_pose['azimuth']:g}° azimuth, "
              f"{obj.default_pose['elevation']:g}° elevation")
        print(f"{'':12s} {obj.description}")
    return 0


MODEL_KINDS = """Any other classifier is named the same way in --model, a study's [[models]] name, a session
and the window (Model → Open model file…):
  torchvision:NAME     any torchvision classification model (semviewer models --all), default weights
  timm:NAME            any timm model (pip install 'semviewer[timm]'), its pretrained config
  path/to/model.onnx   an ONNX model, run as it is; a card beside it (model.toml) says how to feed it
  path/to/model.pt     a TorchScript model (torch.jit.save), with a card like an ONNX model's; it is a
                       program, run only with --trust-model-code
Weights of your own: --weights FILE (a state dict or .safetensors); outputs other than ImageNet-1k:
--labels FILE (one name a line, or a JSON list)."""


def cmd_models(args: argparse.Namespace) -> int:
    for spec in MODELS.values():
        print(f"{spec.name:20s} {spec.description}")
        print(f"{'':20s} input {spec.input_size}, weights: {spec.weights_origin()}")
    print()
    print(MODEL_KINDS)
    if args.all:
        from semviewer.core.models.sources import list_all

        found = list_all()
        for family, names in found.items():
            print(f"\n{family} ({len(names)}):")
            print("\n".join(f"  {family}:{n}" for n in names))
        if "timm" not in found:
            print("\ntimm is not installed: pip install 'semviewer[timm]' to list and use its models")
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    from semviewer.core.models import get_model_spec

    labels = get_model_spec(args.model or "efficientnet-lite0", args.labels).label_set
    matches = search_classes(args.text, limit=len(labels), labels=labels)
    for i, name in matches:
        print(f"{i:4d}  {name}")
    if not matches:
        kind = "ImageNet class" if labels.imagenet else "class of these labels"
        print(f"no {kind} contains {args.text!r}")
        return 1
    return 0
