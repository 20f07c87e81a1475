"""What is drawn behind the object: a solid colour (the paper's black), an image filling the frame
(its aspect kept by cropping), or a panorama (an equirectangular 2:1 image sampled by the view
direction, so that it turns with the camera as an environment does). A folder of images gives one
background per image. Bundled backgrounds come by name (``bundled_backgrounds``); images of one's
own are equal to them.

A scene has a list of backgrounds; the ``background`` axis says which one a pose draws, so that a
map or a study can put backgrounds beside each other. The object is not lit by a panorama: its
light is the scene's own (ambient + one directional light).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.files.hashing import file_sha256
from semviewer.core.files.reading import MAX_MESH_BYTES, check_regular, read_bytes

KINDS = ("colour", "image", "panorama")
#: Image files a background may be (PNG and JPEG; an animated image is refused).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: A background image may have at most this many pixels on a side (the renderer's texture limit).
MAX_SIDE = 8192
#: Colours by name; any other colour is written #rrggbb or r,g,b (0-1 or 0-255).
COLOURS = {"black": (0.0, 0.0, 0.0), "white": (1.0, 1.0, 1.0), "grey": (0.5, 0.5, 0.5), "gray": (0.5, 0.5, 0.5),
           "red": (1.0, 0.0, 0.0), "green": (0.0, 0.5, 0.0), "blue": (0.0, 0.0, 1.0), "sky": (0.53, 0.81, 0.92)}


class BackgroundError(SemviewerError):
    """A background that cannot be used: the message names the file or value and what to do."""


@dataclass(frozen=True)
class Background:
    """One background: its name (how maps and reports label it), kind, and colour or image file."""

    name: str
    kind: str = "colour"
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)
    file: str = ""
    sha256: str = ""

    def to_json(self) -> dict:
        """What determines its pixels (provenance and cache keys): the image by its SHA-256, not by
        where the file lies."""
        if self.kind == "colour":
            return {"name": self.name, "kind": "colour", "colour": list(self.colour)}
        return {"name": self.name, "kind": self.kind, "image": Path(self.file).name, "sha256": self.sha256}

    def to_saved(self) -> dict:
        """How a session finds it again: a bundled name, a colour, or the image's absolute path."""
        if bundled_backgrounds().get(self.name) == self:
            return {"bundled": self.name}
        if self.kind == "colour":
            return {"name": self.name, "colour": list(self.colour)}
        return {"name": self.name, "kind": self.kind, "file": self.file}

    @classmethod
    def from_saved(cls, data: dict) -> "Background":
        """A background as ``to_saved`` wrote it (an image is read and checked again)."""
        if not isinstance(data, dict):
            raise BackgroundError(f"a background must be a table, got {type(data).__name__}")
        if "bundled" in data:
            if data["bundled"] not in bundled_backgrounds():
                raise BackgroundError(f"unknown bundled background {str(data['bundled'])[:40]!r}")
            return bundled_backgrounds()[data["bundled"]]
        if not isinstance(data.get("name"), str) or not data["name"]:
            raise BackgroundError("a background needs a name")
        if "colour" in data:
            return cls(data["name"], "colour", parse_colour(data["colour"]))
        if data.get("kind") not in ("image", "panorama") or not isinstance(data.get("file"), str):
            raise BackgroundError(f"background {data['name']!r} needs a colour, or a kind (image or panorama) and a "
                                  f"file")
        return image_background(data["file"], panorama=data["kind"] == "panorama", name=data["name"])

    def pixels(self) -> Optional[np.ndarray]:
        """The image (uint8 (H, W, 3), rows top-down); None for a colour."""
        if self.kind == "colour":
            return None
        return _pixels(self.file, self.sha256)


DEFAULT_BACKGROUND = Background("black")


def parse_colour(value) -> tuple[float, float, float]:
    """A colour by name, ``#rrggbb``, ``r,g,b`` (0-1 or 0-255) or a list of three numbers."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in COLOURS:
            return COLOURS[text]
        if text.startswith("#") and len(text) == 7:
            try:
                return tuple(int(text[i:i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]
            except ValueError:
                pass
        value = text.split(",")
    try:
        rgb = [float(v) for v in value]
    except (TypeError, ValueError):
        rgb = []
    if len(rgb) == 3 and all(np.isfinite(rgb)) and all(0 <= v <= 255 for v in rgb):
        scale = 255.0 if max(rgb) > 1 else 1.0
        return tuple(v / scale for v in rgb)  # type: ignore[return-value]
    raise BackgroundError(f"unknown colour {str(value)[:40]!r}; give a name ({', '.join(sorted(COLOURS))}), "
                          f"#rrggbb or r,g,b")


@lru_cache(maxsize=1)
def bundled_backgrounds() -> dict[str, Background]:
    """The bundled backgrounds by name: the colours, then the images and panoramas in resources."""
    found = {name: Background(name, "colour", rgb) for name, rgb in COLOURS.items() if name not in ("gray", "sky")}
    folder = resources.files("semviewer.resources").joinpath("backgrounds")
    listing = json.loads(folder.joinpath("backgrounds.json").read_text(encoding="utf-8"))
    for name, entry in listing.items():
        with resources.as_file(folder.joinpath(entry["file"])) as path:
            found[name] = image_background(str(path), panorama=entry["kind"] == "panorama", name=name)
    return found


def image_background(path: str | Path, panorama: bool = False, name: Optional[str] = None) -> Background:
    """A background of an image file (a panorama: an equirectangular 2:1 image), checked now."""
    path = check_regular(Path(path).expanduser(), "background image", BackgroundError, MAX_MESH_BYTES)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise BackgroundError(f"background image {path} is not a PNG or JPEG file; convert it to one")
    sha = file_sha256(path)
    image = _pixels(str(path.resolve()), sha)
    if panorama and abs(image.shape[1] / image.shape[0] - 2.0) > 0.02:
        raise BackgroundError(f"panorama {path} is {image.shape[1]} × {image.shape[0]}, not 2:1; a panorama is an "
                              f"equirectangular image twice as wide as it is high")
    return Background(name or path.stem, "panorama" if panorama else "image", file=str(path.resolve()), sha256=sha)


@lru_cache(maxsize=32)
def _pixels(file: str, sha256: str) -> np.ndarray:
    """The RGB pixels of an image file, bounded and checked (one version per hash)."""
    from PIL import Image, UnidentifiedImageError

    data = read_bytes(file, "background image", MAX_MESH_BYTES, BackgroundError)
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise BackgroundError(f"background image {file} changed since it was chosen; choose it again")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if getattr(image, "is_animated", False) and getattr(image, "n_frames", 1) > 1:
                raise BackgroundError(f"background image {file} is animated; give a still PNG or JPEG")
            if max(image.size) > MAX_SIDE:
                raise BackgroundError(f"background image {file} is {image.size[0]} × {image.size[1]}, larger than "
                                      f"{MAX_SIDE} pixels on a side; scale it down")
            return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BackgroundError(f"background image {file} is not a readable image ({exc}); give a PNG or JPEG") from None


def resolve_background(text: str) -> list[Background]:
    """The backgrounds ``text`` names: a bundled name, a colour, ``panorama:FILE``, an image file, or a
    folder of images (one background each, by file name). One line when it names none."""
    text = str(text).strip()
    if text in bundled_backgrounds():
        return [bundled_backgrounds()[text]]
    if text.lower().startswith("panorama:"):
        return [image_background(text.split(":", 1)[1], panorama=True)]
    path = Path(text).expanduser()
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not images:
            raise BackgroundError(f"the folder {path} holds no PNG or JPEG image to use as backgrounds")
        return [image_background(p) for p in images]
    if path.suffix.lower() in IMAGE_SUFFIXES or path.exists():
        return [image_background(path)]
    try:
        return [Background(text, "colour", parse_colour(text))]
    except BackgroundError:
        raise BackgroundError(f"unknown background {text[:60]!r}: give a bundled name ({', '.join(bundled_backgrounds())}), "
                              f"a colour, an image file, a folder of images or panorama:FILE") from None
