"""One model spec for every kind of classifier, the same in ``--model``, study manifests,
sessions and the window:

* a registry name (``efficientnet-lite0``, ``resnet50`` ...);
* ``torchvision:NAME``: any classification model torchvision lists, with its default weights'
  preprocessing and categories (weights from torchvision's cache or download, or a file);
* ``timm:NAME`` (``pip install 'semviewer[timm]'``): preprocessing from its pretrained config;
* the path of an ONNX file, run as it is, or of a TorchScript file; a model card beside it
  (``NAME.toml`` or ``model.toml``) says how to feed it, with stated defaults.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

from semviewer.core.errors import ModelError, first_line
from semviewer.core.files.hashing import file_sha256
from semviewer.core.files.reading import MiB, check_regular, model_file_limit, read_text
from semviewer.core.models.labels import Labels, imagenet_labels, read_labels
from semviewer.core.models.registry import MODELS
from semviewer.core.models.spec import IMAGENET_MEAN, IMAGENET_STD, OUTPUTS, ModelSpec

MODEL_FILE_SUFFIXES = (".onnx", ".pt", ".pth", ".ts", ".torchscript")
#: What a model card may say, and what it says when it is silent.
CARD_DEFAULTS = {"size": 224, "layout": "NCHW", "normalisation": "imagenet", "mean": None, "std": None,
                 "output": "logits", "labels": "imagenet", "name": None}
#: A card's mean and std are on [0, 1] pixels: values past these are mistakes, not normalisations.
MAX_CARD_VALUE = 1000.0
MIN_CARD_STD = 1e-6
_NORMALISATIONS = {"imagenet": (IMAGENET_MEAN, IMAGENET_STD), "none": ((0.0,) * 3, (1.0,) * 3),
                   "tflite": ((127.0 / 255.0,) * 3, (128.0 / 255.0,) * 3)}


def is_model_file(text: str) -> bool:
    """Whether a model spec names a model file (by its suffix), not a registry or library model."""
    return Path(str(text).strip()).suffix.lower() in MODEL_FILE_SUFFIXES and not str(text).startswith(("torchvision:",
                                                                                                       "timm:"))


def resolve_model(text: str, labels: Optional[str | Path] = None) -> ModelSpec:
    """The ModelSpec a spec names (see the module docstring); ``labels`` (a labels file) names the
    outputs of a model that is not an ImageNet-1k classifier."""
    text = text.strip()
    if text in MODELS:
        spec = MODELS[text]
    elif text.startswith("torchvision:"):
        spec = _torchvision(text.split(":", 1)[1])
    elif text.startswith("timm:"):
        spec = _timm(text.split(":", 1)[1])
    elif Path(text).suffix.lower() in MODEL_FILE_SUFFIXES or Path(text).expanduser().exists():
        spec = _model_file(Path(text).expanduser(), card_labels_wanted=labels is None)
    else:
        close = difflib.get_close_matches(text, list(MODELS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelError(f"unknown model {text!r}{hint} Name a registry model ({', '.join(MODELS)}), "
                         f"torchvision:NAME, timm:NAME, or an .onnx or TorchScript file")
    if labels is not None:
        spec = dataclasses.replace(spec, labels=read_labels(labels))
    return spec


@lru_cache(maxsize=64)
def _torchvision(name: str) -> ModelSpec:
    import torchvision.models as tvm

    names = tvm.list_models(module=tvm)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        raise ModelError(f"unknown torchvision model {name!r}" + (f"; did you mean {', '.join(close)}?" if close
                                                                  else "; `semviewer models --all` lists them"))
    weights = tvm.get_model_weights(name).DEFAULT
    transforms = weights.transforms()
    categories = tuple(weights.meta.get("categories", ()))
    labels = None if categories == imagenet_labels().names else Labels(categories, f"torchvision:{name}")
    crop = transforms.crop_size[0] if hasattr(transforms, "crop_size") else 224
    return ModelSpec(f"torchvision:{name}", "torchvision", name, int(crop), "card",
                     f"{name} (torchvision {weights})", weights_url=weights.url,
                     mean=tuple(transforms.mean), std=tuple(transforms.std), labels=labels,
                     interpolation=str(getattr(transforms.interpolation, "value", "bilinear")))


@lru_cache(maxsize=64)
def _timm(name: str) -> ModelSpec:
    try:
        import timm
        from timm.models import get_pretrained_cfg
    except ImportError:
        raise ModelError("timm models need timm, which is not installed: pip install 'semviewer[timm]'") from None
    if not timm.is_model(name.split(".")[0]):
        close = difflib.get_close_matches(name, timm.list_models(), n=3)
        raise ModelError(f"unknown timm model {name!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    cfg = get_pretrained_cfg(name)
    size = int(cfg.input_size[-1]) if cfg is not None else 224
    mean = tuple(cfg.mean) if cfg is not None else IMAGENET_MEAN
    std = tuple(cfg.std) if cfg is not None else IMAGENET_STD
    return ModelSpec(f"timm:{name}", "timm", name, size, "card", f"{name} (timm)", mean=mean, std=std,
                     interpolation=str(cfg.interpolation) if cfg is not None else "bicubic")


def read_card(model: Path) -> tuple[dict[str, Any], Optional[Path]]:
    """A model file's card (``MODEL.toml`` or ``model.toml`` beside it) over CARD_DEFAULTS, and
    where it was; every key checked, one line naming the key and the card."""
    card = next((c for c in (model.with_suffix(".toml"), model.parent / "model.toml") if c.is_file()), None)
    values = dict(CARD_DEFAULTS)
    if card is None:
        return values, None
    try:
        given = tomllib.loads(read_text(card, "model card", error=ModelError))
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"model card {card} is not valid TOML: {exc}") from None
    unknown = sorted(set(given) - set(CARD_DEFAULTS))
    if unknown:
        raise ModelError(f"model card {card}: unknown key {unknown[0]!r}; known keys: {', '.join(CARD_DEFAULTS)}")
    values.update(given)
    _check_card(values, card)
    return values, card


def _check_card(values: dict[str, Any], card: Path) -> None:
    def need(ok: bool, key: str, what: str) -> None:
        if not ok:
            raise ModelError(f"model card {card}: {key} must be {what}, got {str(values[key])[:40]!r}")

    size = values["size"]
    need(all(isinstance(v, int) and not isinstance(v, bool) and 16 <= v <= 4096
             for v in (size if isinstance(size, list) and len(size) == 2 else [size])),
         "size", "an image size in pixels from 16 to 4096, or [height, width]")
    need(values["layout"] in ("NCHW", "NHWC"), "layout", "NCHW or NHWC")
    need(values["normalisation"] in _NORMALISATIONS, "normalisation", " or ".join(_NORMALISATIONS))
    need(values["output"] in OUTPUTS, "output", " or ".join(OUTPUTS))
    need(isinstance(values["labels"], str) and bool(values["labels"]), "labels", '"imagenet" or a labels file')
    need(values["name"] is None or isinstance(values["name"], str), "name", "text")
    for key in ("mean", "std"):
        need(values[key] is None or (isinstance(values[key], list) and len(values[key]) == 3 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= MAX_CARD_VALUE
            for v in values[key])), key, f"three finite numbers within ±{MAX_CARD_VALUE:g} (on [0, 1] pixels)")
    need(values["std"] is None or all(v >= MIN_CARD_STD for v in values["std"]), "std",
         f"three numbers of at least {MIN_CARD_STD:g}")


def _is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _stamp(path: Path) -> tuple:
    """What identifies a file's version cheaply (its size and change time), or () when it is missing."""
    try:
        info = path.stat()
    except OSError:
        return ()
    return info.st_size, info.st_mtime_ns


def _check_size(path: Path) -> Path:
    """A model file within the size limit (one line naming the limit and how to raise it)."""
    path = check_regular(path, "model file", ModelError)
    limit = model_file_limit()
    size = path.stat().st_size
    if size > limit:
        raise ModelError(f"model file {path} has {size / MiB:,.0f} MiB, more than the limit of {limit / MiB:,.0f} "
                         f"MiB for model files; set SEMVIEWER_MAX_MODEL_MB to a larger number of MiB to allow it")
    return path


def card_labels(value: str, card: Optional[Path], model: Path) -> Path:
    """The labels file a card names: a file in the card's folder (or below it), never elsewhere, so
    that a model file's card cannot make semviewer read any file; labels from elsewhere are given
    with the model by the user."""
    folder = (card.parent if card is not None else model.parent).resolve()
    target = (folder / Path(value).expanduser()).resolve()
    if not target.is_relative_to(folder):
        said = f"model card {card}" if card is not None else str(model)
        raise ModelError(f"{said}: labels = {value[:60]!r} lies outside the card's folder {folder}; a card names "
                         f"labels in its own folder (give labels from elsewhere with the model yourself)")
    return target


def _model_file(path: Path, card_labels_wanted: bool = True) -> ModelSpec:
    """A model file's spec, fed as its card says (its labels too, unless the user gives others)."""
    path = _check_size(path)
    kind = "onnx" if path.suffix.lower() == ".onnx" else "torchscript"
    if kind == "torchscript" and not _is_torchscript(path):
        raise ModelError(f"{path} is not a TorchScript model (a weights file? name its architecture as the model "
                         f"and give this file as its weights)")
    card, card_path = read_card(path)
    mean, std = _NORMALISATIONS[card["normalisation"]]
    labels = None
    if card["labels"] != "imagenet" and card_labels_wanted:
        labels = read_labels(card_labels(card["labels"], card_path, path))
    height, width = card["size"] if isinstance(card["size"], list) else (card["size"], card["size"])
    spec = ModelSpec(str(path.resolve()), kind, path.stem, height, "card", card["name"] or path.name,
                     mean=tuple(card["mean"] or mean), std=tuple(card["std"] or std), labels=labels,
                     file=str(path.resolve()), output=card["output"], layout=card["layout"],
                     card_sha256=file_sha256(card_path) if card_path is not None else "",
                     input_width=width if width != height else 0)
    if kind == "onnx":
        _check_graph(spec, card_path)
    return spec


def _check_graph(spec: ModelSpec, card: Optional[Path]) -> None:
    """The ONNX graph's input shape agrees with the card's layout and size (one line when not)."""
    dims = _graph_input(spec.file, _stamp(Path(spec.file)))
    said = f"the card {card}" if card is not None else "the defaults (no model card beside it)"
    height, width = spec.input_hw
    want = [None, 3, height, width] if spec.layout == "NCHW" else [None, height, width, 3]
    if len(dims) != 4 or any(d is not None and w is not None and d != w for d, w in zip(dims, want)):
        shape = ["N" if d is None else d for d in dims]
        hint = _card_hint(dims, spec.layout)
        raise ModelError(f"{spec.file}: its input is {shape}, but {said} says {spec.layout} at "
                         f"{height} × {width} (height × width); correct the card{hint}")


def _card_hint(dims: tuple, layout: str) -> str:
    """What a card for a graph with input ``dims`` would say (layout and size), where the graph says it."""
    if len(dims) != 4:
        return " (layout, size)"
    for guess, (c, h, w) in (("NCHW", dims[1:]), ("NHWC", (dims[3], dims[1], dims[2]))):
        if c == 3 and h and w:
            size = str(h) if h == w else f"[{h}, {w}]"
            return f": layout = \"{guess}\", size = {size}"
    return " (layout, size)"


@lru_cache(maxsize=16)
def _graph_input(file: str, stamp: tuple) -> tuple:
    """The first input's dimensions of an ONNX graph (None where symbolic); read once per version
    of the file (the window asks on the GUI thread, the loader again in its job)."""
    import onnx

    try:
        model = onnx.load(file, load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError and more on files that are not ONNX
        raise ModelError(f"{file} is not a readable ONNX model: {first_line(exc)}") from None
    if not model.graph.input or not model.graph.output:
        raise ModelError(f"{file} is not an ONNX model with an input and an output (an empty or damaged file?)")
    return tuple(d.dim_value if d.HasField("dim_value") else None
                 for d in model.graph.input[0].type.tensor_type.shape.dim)


def get_model_spec(name: str, labels: Optional[str | Path] = None) -> ModelSpec:
    """The model a spec names: a registry name, ``torchvision:NAME``, ``timm:NAME`` or the path
    of an ONNX or TorchScript file (see the module docstring); ``labels`` names a labels file for
    models whose outputs are not ImageNet's. ModelError says what is wrong."""
    return resolve_model(str(name), labels)


def list_all() -> dict[str, list[str]]:
    """Every torchvision classification model, and every timm model when timm is installed."""
    import torchvision.models as tvm

    found = {"torchvision": sorted(tvm.list_models(module=tvm))}
    try:
        import timm
    except ImportError:
        return found
    found["timm"] = sorted(timm.list_models())
    return found


def list_all_aside(cancelled: Callable[[], bool] = lambda: False, timeout: float = 120.0) -> dict[str, list[str]]:
    """``list_all`` computed in a child process: importing torchvision's and timm's model lists
    takes a second or two of the interpreter, which a window would feel as a freeze when done in
    one of its threads. Stops (ModelError) when ``cancelled`` says so or after ``timeout`` seconds."""
    import json
    import subprocess
    import sys
    import time

    code = "import json; from semviewer.core.models.sources import list_all; print(json.dumps(list_all()))"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    began = time.monotonic()
    while child.poll() is None:
        if cancelled() or time.monotonic() - began > timeout:
            child.kill()
            child.wait()
            raise ModelError("listing the architectures was stopped")
        time.sleep(0.05)
    out = child.stdout.read() if child.stdout is not None else ""
    try:
        found = json.loads(out)
    except ValueError:
        found = None
    if child.returncode != 0 or not isinstance(found, dict) or not isinstance(found.get("torchvision"), list):
        raise ModelError("listing the architectures in a child process failed")
    return {k: [str(n) for n in v] for k, v in found.items() if isinstance(v, list)}
