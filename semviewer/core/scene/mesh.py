"""Meshes as data: loading any format trimesh reads, flattening scenes, normalising."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from semviewer.core.errors import MeshError
from semviewer.core.files.hashing import file_sha256

if TYPE_CHECKING:
    import trimesh

#: Rotations that bring a mesh of the given up axis to semviewer's Y-up convention.
_UP_ROTATIONS = {
    "y": np.eye(3),
    "z": np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]]),   # (x, y, z) -> (x, z, -y)
    "x": np.array([[0, -1.0, 0], [1.0, 0, 0], [0, 0, 1.0]]),   # (x, y, z) -> (-y, x, z): +x becomes +y
}
UP_AXES = tuple(_UP_ROTATIONS)
#: A mesh's largest extent must lie in this range to be scaled to [-1, 1] in float32.
MIN_EXTENT, MAX_EXTENT = 1e-30, 1e30


@dataclass(frozen=True, eq=False)
class MeshData:
    """A triangle mesh normalised to semviewer's convention (Y-up, box centred, spans [-1, 1]).

    ``colors`` (per-vertex RGB in [0, 1]) and ``uvs`` + ``texture`` (RGB uint8 image)
    are present only when the source mesh has them.
    """

    vertices: np.ndarray            # (V, 3) float32
    faces: np.ndarray               # (F, 3) int32
    name: str
    sha256: str                     # of the loaded, rotated, normalised data (what is rendered)
    colors: Optional[np.ndarray] = None    # (V, 3) float32
    uvs: Optional[np.ndarray] = None       # (V, 2) float32
    texture: Optional[np.ndarray] = None   # (H, W, 3) uint8
    file_sha256: str = ""                  # of the source file, for provenance
    notes: tuple[str, ...] = ()            # what was left out while reading it (a texture too large...)
    materials: tuple[tuple[str, tuple[float, float, float]], ...] = ()   # the file's named materials, by colour

    @property
    def face_count(self) -> int:
        return int(self.faces.shape[0])


def content_sha256(vertices: np.ndarray, faces: np.ndarray, colors: Optional[np.ndarray] = None,
                   uvs: Optional[np.ndarray] = None, texture: Optional[np.ndarray] = None) -> str:
    """A hash of a mesh as it is rendered: the same file loaded with another up axis differs."""
    digest = hashlib.sha256()
    for label, array in (("v", vertices.astype(np.float32)), ("f", faces.astype(np.int32)), ("c", colors),
                         ("uv", uvs), ("tex", texture)):
        digest.update(label.encode())
        if array is not None:
            array = np.ascontiguousarray(array)
            digest.update(str((array.dtype.str, array.shape)).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()




def _flatten(loaded) -> "trimesh.Trimesh":
    """One triangle mesh from a file's geometry. A scene of several parts keeps each part's colour
    (its texture sampled, or its material's colour) as vertex colours."""
    import trimesh

    if isinstance(loaded, trimesh.Trimesh):
        return loaded
    if not isinstance(loaded, trimesh.Scene):
        raise MeshError(f"holds a {type(loaded).__name__}, not a triangle mesh")
    geometries = [g for g in loaded.dump() if isinstance(g, trimesh.Trimesh)]
    if not geometries:
        raise MeshError("contains no triangle geometry")
    if len(geometries) == 1:
        return geometries[0]
    coloured = [_with_vertex_colours(g) for g in geometries]
    if any(c is not None for c in coloured):
        for g, colours in zip(geometries, coloured):
            g.visual = trimesh.visual.ColorVisuals(g, vertex_colors=colours if colours is not None
                                                   else np.full((len(g.vertices), 4), 255, np.uint8))
    return trimesh.util.concatenate(geometries)


def _with_vertex_colours(mesh) -> Optional[np.ndarray]:
    """A part's colour as RGBA uint8 vertex colours: its vertex colours, its texture sampled at
    its UVs, or its material's colour; None for a part without colour."""
    colors, uvs, texture = _appearance(mesh)
    if colors is not None:
        rgb = colors
    elif texture is not None:
        h, w = texture.shape[:2]
        x = np.clip((uvs[:, 0] % 1.0) * (w - 1), 0, w - 1).astype(int)
        y = np.clip((1.0 - uvs[:, 1] % 1.0) * (h - 1), 0, h - 1).astype(int)
        rgb = texture[y, x].astype(np.float32) / 255.0
    else:
        main = _material_colour(mesh)
        if main is None:
            return None
        rgb = np.tile(main, (len(mesh.vertices), 1))
    rgba = np.concatenate([rgb, np.ones((len(rgb), 1), np.float32)], axis=1)
    return (np.clip(rgba, 0, 1) * 255).astype(np.uint8)


def _named_materials(loaded) -> tuple[tuple[str, tuple[float, float, float]], ...]:
    """The named materials of a file's parts, each by its colour (a texture's mean colour, or its
    base or diffuse colour), in the order they first appear; () when they are not named."""
    import trimesh

    parts = loaded.dump() if isinstance(loaded, trimesh.Scene) else [loaded]
    found: dict[str, tuple[float, float, float]] = {}
    for part in parts:
        material = getattr(getattr(part, "visual", None), "material", None)
        name = str(getattr(material, "name", "") or "").strip()
        if not name or name in found or not name.isprintable() or len(name) > 60:
            continue
        colours, _, texture = _appearance(part)
        rgb = texture.reshape(-1, 3).mean(axis=0) / 255.0 if texture is not None else \
            colours.mean(axis=0) if colours is not None else _material_colour(part)
        if rgb is not None:
            found[name] = tuple(float(np.clip(c, 0, 1)) for c in rgb)  # type: ignore[assignment]
    return tuple(found.items())


def _material_colour(mesh) -> Optional[np.ndarray]:
    """The colour of an untextured material (a PBR base colour, a diffuse colour), RGB in [0, 1]."""
    material = getattr(mesh.visual, "material", None)
    for name in ("baseColorFactor", "diffuse"):
        value = getattr(material, name, None) if material is not None else None
        if value is not None:
            rgb = np.asarray(value, dtype=np.float32).reshape(-1)[:3]
            return rgb / 255.0 if rgb.max() > 1.0 else rgb
    return None


def _appearance(mesh) -> tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
    """Vertex colours, or UVs + texture image, when the mesh carries them."""
    visual = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        uv = getattr(visual, "uv", None)
        material = getattr(visual, "material", None)
        image = getattr(material, "image", None) if material is not None else None
        if image is None and material is not None:
            image = getattr(material, "baseColorTexture", None)
        if uv is not None and image is not None and len(uv) == len(mesh.vertices):
            tex = np.asarray(image.convert("RGB"), dtype=np.uint8)
            return None, np.asarray(uv, dtype=np.float32), tex
        return None, None, None
    if kind == "vertex":
        colors = np.asarray(visual.vertex_colors, dtype=np.float32)[:, :3] / 255.0
        if len(colors) == len(mesh.vertices) and np.ptp(colors) > 0:
            return colors, None, None
    return None, None, None


def normalise_vertices(vertices: np.ndarray) -> np.ndarray:
    """Centre the bounding box at the origin and scale its largest extent to [-1, 1]."""
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        extent = float((hi - lo).max())
        if not extent > 0:
            raise MeshError("has zero size (all vertices coincide)")
        scale = 2.0 / extent
        normalised = (vertices - (lo / 2.0 + hi / 2.0)) * scale
    if not (np.isfinite(extent) and np.isfinite(scale) and MIN_EXTENT <= extent <= MAX_EXTENT) \
            or not np.isfinite(normalised).all():
        raise MeshError(f"has coordinates that span {extent:.3g} units, outside what can be scaled to [-1, 1] "
                        f"({MIN_EXTENT:g} to {MAX_EXTENT:g}); rescale the file")
    return normalised


def check_up_axis(up_axis: object) -> None:
    """MeshError unless ``up_axis`` is one of UP_AXES."""
    if not isinstance(up_axis, str) or up_axis not in _UP_ROTATIONS:
        raise MeshError(f"unknown up axis {str(up_axis)[:20]!r}; choose one of {', '.join(UP_AXES)}")


def load_mesh(path: str | Path, up_axis: str = "y", name: Optional[str] = None) -> MeshData:
    """Load a mesh file (OBJ, GLB/glTF, PLY, STL, OFF, ...) and normalise it.

    ``up_axis`` names the file's up axis ("y", "z" or "x"); it is rotated to +y.
    Raises MeshError with a one-line reason for missing, empty, corrupt or degenerate files; what
    was left out (a texture above the pixel limit) is in the mesh's ``notes``.
    """
    from semviewer.core.scene.mesh_files import read_scene

    path = Path(path)
    check_up_axis(up_axis)
    loaded, notes = read_scene(path)
    materials = _named_materials(loaded)
    try:
        mesh = _flatten(loaded)
    except MeshError as exc:
        raise MeshError(f"mesh file {path} {exc}") from None
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise MeshError(f"mesh file {path} has vertices with {vertices.shape[-1] if vertices.ndim else 0} "
                        f"coordinates; a 3-D mesh needs x, y and z")
    if faces.ndim != 2 or len(faces) == 0 or faces.shape[1] != 3:
        raise MeshError(f"mesh file {path} has no faces (a point cloud or empty mesh cannot be rendered)")
    if not np.isfinite(vertices).all():
        raise MeshError(f"mesh file {path} has non-finite (NaN or infinite) vertex coordinates")
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise MeshError(f"mesh file {path} has faces that refer to missing vertices")
    colors, uvs, texture = _appearance(mesh)
    vertices = vertices @ _UP_ROTATIONS[up_axis].T
    try:
        vertices = normalise_vertices(vertices)
    except MeshError as exc:
        raise MeshError(f"mesh file {path} {exc}") from None
    vertices32, faces32 = vertices.astype(np.float32), faces.astype(np.int32)
    return MeshData(
        vertices=vertices32,
        faces=faces32,
        name=name or path.stem,
        sha256=content_sha256(vertices32, faces32, colors, uvs, texture),
        colors=colors,
        uvs=uvs,
        texture=texture,
        file_sha256=file_sha256(path),
        notes=tuple(notes),
        materials=materials,
    )


def decimate(mesh: MeshData, target_faces: int) -> MeshData:
    """The mesh simplified to about ``target_faces`` triangles (quadric decimation, via the
    fast-simplification package), normalised again. Vertex colours and textures are dropped
    (the simplified vertices no longer match them); the paper's renders are untextured."""
    if target_faces < 4:
        raise MeshError("a mesh cannot be decimated below 4 triangles")
    if mesh.face_count <= target_faces:
        return mesh
    try:
        import fast_simplification
    except ImportError:
        raise MeshError("decimation needs the fast-simplification package (pip install fast-simplification)") from None
    reduction = 1.0 - target_faces / mesh.face_count
    vertices, faces = fast_simplification.simplify(mesh.vertices.astype(np.float64), mesh.faces.astype(np.int64),
                                                   target_reduction=reduction)
    if len(faces) == 0:
        raise MeshError(f"decimating {mesh.name} left no triangles; choose a larger triangle budget")
    vertices32 = normalise_vertices(np.asarray(vertices, np.float64)).astype(np.float32)
    faces32 = np.asarray(faces, np.int32)
    return MeshData(vertices=vertices32, faces=faces32, name=mesh.name,
                    sha256=content_sha256(vertices32, faces32), file_sha256=mesh.file_sha256)
