"""Bundled ImageNet objects (package data) and resolving ``--object`` names or paths."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping

from semviewer.core.scene.axes import Pose
from semviewer.core.errors import MeshError
from semviewer.core.models.labels import ClassSet
from semviewer.core.scene.mesh import MeshData, load_mesh

DEFAULT_OBJECT = "teapot"


@dataclass(frozen=True)
class BundledObject:
    """A mesh that ships with semviewer, its ImageNet class set and its default pose."""

    name: str
    file: str
    classes: ClassSet
    default_pose: Pose
    description: str
    license: str

    def path(self) -> Path:
        """Filesystem path of the mesh (copied out of a zip install when needed)."""
        ref = resources.files("semviewer.resources").joinpath(self.file)
        if isinstance(ref, Path):
            return ref
        target = Path(tempfile.gettempdir()) / "semviewer-meshes" / Path(self.file).name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(ref.read_bytes())
        return target

    def load(self) -> MeshData:
        return load_mesh(self.path(), up_axis="y", name=self.name)


@lru_cache(maxsize=1)
def bundled_objects() -> Mapping[str, BundledObject]:
    """All bundled objects by name (read from package data)."""
    text = resources.files("semviewer.resources").joinpath("objects.json").read_text(encoding="utf-8")
    return {
        name: BundledObject(name, d["file"], ClassSet(tuple(d["classes"])), Pose(d["default_pose"]),
                            d["description"], d["license"])
        for name, d in json.loads(text).items()
    }


def get_object(name: str) -> BundledObject:
    try:
        return bundled_objects()[name]
    except KeyError:
        raise MeshError(f"unknown object {name!r}; bundled objects: {', '.join(bundled_objects())}, "
                        f"or give the path of a mesh file") from None


@dataclass(frozen=True)
class ObjectChoice:
    """What ``--object`` resolved to: the mesh, its class set (if known) and default pose."""

    mesh: MeshData
    classes: ClassSet | None
    default_pose: Pose
    source: str


def resolve_object(name_or_path: str, up_axis: str = "y") -> ObjectChoice:
    """A bundled object by name, or a mesh file by path (its class set must come from the user)."""
    if name_or_path in bundled_objects():
        obj = bundled_objects()[name_or_path]
        return ObjectChoice(obj.load(), obj.classes, obj.default_pose, f"bundled:{obj.name}")
    path = Path(name_or_path).expanduser()
    looks_like_path = path.suffix != "" or "/" in name_or_path or path.exists()
    if not looks_like_path:
        get_object(name_or_path)  # raises the "unknown object" message
    return ObjectChoice(load_mesh(path, up_axis=up_axis), None, Pose(), str(path.resolve()))
