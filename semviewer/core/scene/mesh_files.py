"""Reading mesh files through trimesh with bounds: the file and every file it names (materials,
textures, buffers) are read as regular files of bounded size without blocking opens; archives
are checked before they unpack; textures have a pixel limit. What is left out is reported in
notes, never dropped silently."""

from __future__ import annotations

import io
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from semviewer.core.errors import MeshError, first_line
from semviewer.core.files.reading import MAX_MESH_BYTES, MAX_UNPACKED_BYTES, check_archive, read_bytes

#: Textures with more pixels than this (8192 × 8192) are left out, with a note.
MAX_TEXTURE_PIXELS = 8192 * 8192
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tga", ".tif", ".tiff", ".gif", ".webp")


def _resolver_class():
    from trimesh.resolvers import FilePathResolver

    class BoundedResolver(FilePathResolver):
        """Serves the files a mesh names from its folder, bounded; records what it leaves out."""

        def __init__(self, source: str) -> None:
            super().__init__(source)
            self.notes: list[str] = []
            self.problems: list[str] = []      # files it refused: the mesh is refused with the first

        def get(self, name: str) -> bytes:
            for candidate in (name.strip(), name.strip().lstrip("/"), os.path.split(name)[-1]):
                try:
                    path = self.absolute(candidate)
                except ValueError:
                    continue
                if os.path.lexists(path):
                    try:
                        data = read_bytes(path, f"the file {name!r} that the mesh names", MAX_MESH_BYTES, MeshError)
                    except MeshError as exc:       # trimesh would swallow it: kept to be raised after the load
                        self.problems.append(str(exc))
                        raise
                    if path.suffix.lower() in _IMAGE_SUFFIXES and not self._small_enough(name, data):
                        raise FileNotFoundError(name)
                    return data
            self.absolute(name)
            raise FileNotFoundError(name)

        def _small_enough(self, name: str, data: bytes) -> bool:
            from PIL import Image

            limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None    # the size is all we read here
            try:
                width, height = Image.open(io.BytesIO(data)).size     # reads the header only
            except Exception:   # not an image PIL knows: trimesh will say so
                return True
            finally:
                Image.MAX_IMAGE_PIXELS = limit
            if width * height > MAX_TEXTURE_PIXELS:
                self.notes.append(f"its texture {name!r} has {width} × {height} pixels, more than the limit of "
                                  f"{MAX_TEXTURE_PIXELS / 1e6:.0f} Mpx: it is drawn without it")
                return False
            return True

    return BoundedResolver


class _LostParts(logging.Handler):
    """What trimesh says it could not load while reading a mesh (images, materials, textures)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(word in message.lower() for word in ("image", "texture", "material")) and \
                any(word in message.lower() for word in ("fail", "unable", "could not", "cannot", "error")):
            self.messages.append(message.splitlines()[0][:120])


@contextmanager
def _listening() -> Iterator[_LostParts]:
    from PIL import Image

    logger, handler = logging.getLogger("trimesh"), _LostParts()
    level, pixels = logger.level, Image.MAX_IMAGE_PIXELS
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    Image.MAX_IMAGE_PIXELS = MAX_TEXTURE_PIXELS        # larger embedded textures fail to decode: reported below
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        Image.MAX_IMAGE_PIXELS = pixels


def read_scene(path: Path) -> tuple[Any, list[str]]:
    """trimesh's reading of a mesh file (a Trimesh or a Scene), and notes on what was left out."""
    import trimesh

    data = read_bytes(path, "mesh file", MAX_MESH_BYTES, MeshError)
    if not data:
        raise MeshError(f"mesh file {path} is empty")
    check_archive(path, "mesh file", MAX_UNPACKED_BYTES, MeshError)
    resolver = _resolver_class()(str(path))
    file_type = path.suffix.lower().lstrip(".") or None
    try:
        with _listening() as lost:
            loaded = trimesh.load(io.BytesIO(data), file_type=file_type, resolver=resolver, process=False)
    except MeshError:
        raise
    except Exception as exc:  # trimesh raises many types for corrupt input
        raise MeshError(f"cannot read mesh file {path}: {first_line(exc, 200)}; is it a valid mesh format?") from None
    if resolver.problems:
        raise MeshError(f"mesh file {path}: {resolver.problems[0]}")
    notes = resolver.notes + [f"trimesh could not load a part of it ({m}): it is drawn without it"
                              for m in dict.fromkeys(lost.messages)]
    return loaded, notes
