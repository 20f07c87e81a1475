"""Arguments and loaders shared by the sub-commands."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Optional

from semviewer.core.scene.axes import Pose, parse_pose
from semviewer.core.models import DEFAULT_MODEL, PREPROCESSING_CHOICES
from semviewer.core.engines import ENGINES
from semviewer.core.inference.devices import PRECISIONS
from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.loading import ModelRequest
from semviewer.core.errors import ClassSetError
from semviewer.core.models.labels import Labels, imagenet_labels, parse_class_set
from semviewer.core.scene.mesh import UP_AXES
from semviewer.core.scene.objects import DEFAULT_OBJECT, ObjectChoice, resolve_object
from semviewer.core.scene.backgrounds import Background, parse_colour, resolve_background
from semviewer.pipeline.scene import Scene, make_scene


def add_object_args(p: argparse.ArgumentParser, pose: bool = True) -> None:
    p.add_argument("--object", default=DEFAULT_OBJECT,
                   help=f"bundled object name (see `semviewer objects`) or a mesh file path (default {DEFAULT_OBJECT})")
    p.add_argument("--up-axis", choices=UP_AXES, default="y", help="up axis of a mesh file (default y)")
    p.add_argument("--classes", default=None,
                   help="true class set: class names of the model's labels (ImageNet-1k by default) or ids, "
                        "comma-separated (default: the object's own)")
    if pose:
        p.add_argument("--pose", default=None,
                       help="axis values, e.g. azimuth=30,elevation=20 (default: the object's default pose)")
    p.add_argument("--size", type=int, default=224, help="rendered image size in pixels (default 224)")
    p.add_argument("--textured", action="store_true",
                   help="use the mesh's own colours/texture (the paper renders untextured white); the same as "
                        "--material textured")
    p.add_argument("--material", default=None,
                   help="how the object is coloured: plain (default, the object colour), textured (its own colours "
                        "or texture) or a named material of its file")
    p.add_argument("--object-colour", default=None, metavar="COLOUR",
                   help="the object's colour in the plain material: a name, #rrggbb or r,g,b (default white)")
    p.add_argument("--background", action="append", default=None, metavar="BACKGROUND",
                   help="what is drawn behind the object: a bundled name (black, brick, grass, sky ...), a colour, "
                        "an image file, panorama:FILE (an equirectangular 2:1 image) or a folder of images "
                        "(default black); repeat it for several (the values of the background axis)")


def add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, metavar="SPEC",
                   help=f"classifier: a registry name, torchvision:NAME, timm:NAME, or an .onnx or TorchScript "
                        f"file (see `semviewer models`; default {DEFAULT_MODEL})")
    add_weights_args(p)


def add_weights_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", default=None,
                   help="weights file (a state dict or .safetensors) instead of the model's default weights")
    p.add_argument("--labels", default=None,
                   help="the names of the model's outputs (a text file, one a line, or a JSON list); "
                        "default ImageNet-1k")
    p.add_argument("--preprocessing", choices=PREPROCESSING_CHOICES, default="model",
                   help="model: the network's own normalisation; raw: the paper's unnormalised [0, 1] input")
    p.add_argument("--device", default="auto", help="auto (CUDA when available), cpu or cuda")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="inference engine: auto (the fastest measured here on the CPU, torch on CUDA), onnxruntime, "
                        "openvino (pip install 'semviewer[openvino]') or torch")
    precision = p.add_mutually_exclusive_group()
    precision.add_argument("--precision", choices=PRECISIONS, default=None,
                           help="fp32 (default); bf16 only where the CPU or GPU computes it natively (probabilities "
                                "change by about 1e-2; the change measured is recorded); fp16 on CUDA")
    precision.add_argument("--bf16", action="store_true", help="the same as --precision bf16")
    precision.add_argument("--fp16", action="store_true", help="the same as --precision fp16")
    p.add_argument("--no-download", action="store_true", help="never download weights")
    p.add_argument("--trust-model-code", action="store_true",
                   help="run a model file that is a program (TorchScript): it runs with your rights, so give this "
                        "only for a file whose origin you trust (ONNX files need no trust)")


def load_object(args: argparse.Namespace, labels: Optional[Labels] = None,
                require_classes: bool = True, classes: bool = True) -> ObjectChoice:
    """The object of ``--object`` with its class set on ``labels`` (the model's; default ImageNet):
    ``--classes``, else a bundled object's own. Rendering and plain predictions need no class
    (``require_classes=False``: classes may be None). Without ``classes`` the class set is left
    for ``with_classes`` once the model, and so its labels, are known (``--classes`` names classes
    of the model's labels, never ImageNet's before the model is loaded)."""
    choice = resolve_object(args.object, args.up_axis)
    for note in choice.mesh.notes:
        print(f"semviewer: note: {choice.mesh.name}: {note}", file=sys.stderr)
    return with_classes(args, choice, labels, require_classes) if classes else choice


def with_classes(args: argparse.Namespace, choice: ObjectChoice, labels: Optional[Labels] = None,
                 require_classes: bool = True) -> ObjectChoice:
    """The object with its true class set on ``labels``."""
    labels = labels or imagenet_labels()
    if args.classes:
        classes = parse_class_set(args.classes, labels)
    else:
        classes = choice.classes.on(labels) if choice.classes is not None else None
        if classes is None and require_classes:
            what = f"{args.object} is not a bundled object" if choice.classes is None else \
                f"the class set of {args.object} ({choice.classes}) is not among the model's labels"
            raise ClassSetError(f"{what}: name its true class with --classes (names or ids of the model's "
                                f"labels, e.g. --classes {labels.names[0]!r})")
    return replace(choice, classes=classes)


def pose_of(args: argparse.Namespace, obj: ObjectChoice) -> Pose:
    return parse_pose(args.pose, base=obj.default_pose) if args.pose else obj.default_pose


def precision_of(args: argparse.Namespace) -> str:
    """``--precision``, or what ``--bf16`` / ``--fp16`` stand for (default fp32)."""
    return getattr(args, "precision", None) or ("bf16" if args.bf16 else "fp16" if getattr(args, "fp16", False)
                                                else "fp32")


def model_request(args: argparse.Namespace, name: str | None = None) -> ModelRequest:
    """The classifier the options ask for (``name`` instead of ``--model`` when given)."""
    return ModelRequest(name or args.model, weights=args.weights, labels=getattr(args, "labels", None),
                        preprocessing=args.preprocessing, device=args.device, engine=getattr(args, "engine", "auto"),
                        precision=precision_of(args), trust_code=getattr(args, "trust_model_code", False),
                        allow_download=not args.no_download)


def load_model(args: argparse.Namespace, name: str | None = None) -> Classifier:
    return model_request(args, name).load()


def add_batch_size_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch-size", type=int, default=None,
                   help="poses per render + forward pass (default: the fastest, measured once per engine, "
                        "model and machine, then cached)")


def add_adaptive_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adaptive", type=float, default=None, metavar="TOL",
                   help="compute the finer levels of the map only where the coarser one's neighbours differ by more "
                        "than TOL in the true-class score (or in whether it ranks first), interpolating the rest "
                        "(e.g. 0.05; opt-in: the map records which cells were interpolated)")


def add_fix_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fix", nargs="+", default=[], metavar="AXIS=VALUE",
                   help="values of axes that are not varied (default: the object's default pose)")
    add_batch_size_arg(p)


def base_pose(args: argparse.Namespace, obj: ObjectChoice, varied: list[str],
              preset_fixed: dict | None = None) -> Pose:
    """The pose of the axes that are not varied: object default, then preset, then --fix."""
    from semviewer.core.scene.axes import parse_assignments
    from semviewer.core.errors import AxisError

    pose = obj.default_pose.replace(**(preset_fixed or {}))
    fixed = parse_assignments(args.fix) if args.fix else {}
    clash = sorted(set(fixed) & set(varied))
    if clash:
        raise AxisError(f"axis {clash[0]!r} is given twice (varied and fixed); drop one of them")
    return parse_pose(",".join(f"{k}={v}" for k, v in fixed.items()), base=pose) if fixed else pose


def backgrounds_of(args: argparse.Namespace) -> tuple[Background, ...]:
    """The backgrounds ``--background`` names (each may name several: a folder), in order."""
    return tuple(b for text in (getattr(args, "background", None) or ()) for b in resolve_background(text))


def scene_of(obj: ObjectChoice, args: argparse.Namespace, base: Pose,
             backgrounds: Optional[tuple[Background, ...]] = None) -> Scene:
    """The scene the pipeline scores: the object, its class set, ``--size``, the backgrounds
    (``--background``, or those a map's grid names), the object's colour and material, and ``base``."""
    colour = getattr(args, "object_colour", None)
    return make_scene(obj.mesh, obj.classes, size=args.size, textured=args.textured, base=base,
                      backgrounds=backgrounds_of(args) if backgrounds is None else backgrounds,
                      object_colour=parse_colour(colour) if colour else None, material=getattr(args, "material", None))
