"""Convert the bundled meshes once from the PyPI packages that ship them (a build-time tool).

Usage (needs network access to PyPI, trimesh and pillow; not needed at run time):

    pip download --no-deps -d /tmp/wheels pybullet==3.2.7 pyvista==0.49.1 panda3d==1.10.16
    python scripts/convert_meshes.py /tmp/wheels

It reads the files straight out of the wheels (no need to install the 50-100 MB
packages), rotates the Z-up sources to Y-up, normalises them (bounding box centred,
largest extent 2) and writes small binary PLY / GLB files to resources/meshes/.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "resources" / "meshes"
Z_UP_TO_Y_UP = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, -1.0, 0, 0], [0, 0, 0, 1.0]])


def _wheel(wheels: Path, prefix: str) -> zipfile.ZipFile:
    matches = sorted(wheels.glob(f"{prefix}-*.whl"))
    if not matches:
        sys.exit(f"no {prefix} wheel in {wheels}; run the pip download line in this script's docstring")
    return zipfile.ZipFile(matches[-1])


def _normalised(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    lo, hi = mesh.bounds
    mesh.apply_translation(-(lo + hi) / 2)
    mesh.apply_scale(2.0 / float((hi - lo).max()))
    return mesh


def parse_egg(text: str) -> trimesh.Trimesh:
    """Triangulate the polygons of a Panda3D .egg file (vertex pools + polygons, no transforms)."""
    pools: dict[str, list[list[float]]] = {}
    pool_re = re.compile(r"<VertexPool>\s+(\S+)\s*\{")
    vert_re = re.compile(r"<Vertex>\s+(\d+)\s*\{\s*([-\deE.+]+)\s+([-\deE.+]+)\s+([-\deE.+]+)")
    for match in pool_re.finditer(text):
        start = match.end()
        end = text.find("<VertexPool>", start)
        poly = text.find("<Polygon>", start)
        end = min(e for e in (end, poly, len(text)) if e >= 0)
        pools[match.group(1)] = [[float(v.group(i)) for i in (2, 3, 4)]
                                 for v in vert_re.finditer(text, start, end)]
    offsets, vertices = {}, []
    for name, verts in pools.items():
        offsets[name] = len(vertices)
        vertices.extend(verts)
    faces = []
    for ref in re.finditer(r"<VertexRef>\s*\{([\d\s]+)<Ref>\s*\{\s*(\S+)\s*\}", text):
        idx = [int(i) + offsets[ref.group(2)] for i in ref.group(1).split()]
        faces.extend([idx[0], idx[i], idx[i + 1]] for i in range(1, len(idx) - 1))
    return trimesh.Trimesh(np.array(vertices), np.array(faces), process=True)


def teapot(wheels: Path) -> trimesh.Trimesh:
    egg = zlib.decompress(_wheel(wheels, "panda3d").read("panda3d/models/teapot.egg.pz")).decode()
    mesh = parse_egg(egg)  # the egg is Y-up (its header says so and the geometry agrees)
    return _normalised(mesh)


def _obj_from_wheel(zf: zipfile.ZipFile, path: str, texture: str | None = None) -> trimesh.Trimesh:
    mesh = trimesh.load(io.BytesIO(zf.read(path)), file_type="obj", process=False, force="mesh",
                        skip_materials=True)
    if texture is not None:
        image = Image.open(io.BytesIO(zf.read(texture))).convert("RGB")
        uv = mesh.visual.uv if hasattr(mesh.visual, "uv") and mesh.visual.uv is not None else None
        if uv is not None:
            mesh.visual = trimesh.visual.TextureVisuals(uv=uv, image=image)
    return mesh


def mug(wheels: Path) -> trimesh.Trimesh:
    mesh = _obj_from_wheel(_wheel(wheels, "pybullet"), "pybullet_data/objects/mug.obj")
    mesh.apply_transform(Z_UP_TO_Y_UP)
    return _normalised(mesh)


def soccer_ball(wheels: Path) -> trimesh.Trimesh:
    mesh = _obj_from_wheel(_wheel(wheels, "pybullet"), "pybullet_data/soccerball.obj",
                           texture="pybullet_data/colors16.png")
    mesh.apply_transform(Z_UP_TO_Y_UP)
    return _normalised(mesh)


def airliner(wheels: Path) -> trimesh.Trimesh:
    data = _wheel(wheels, "pyvista").read("pyvista/examples/airplane.ply")
    mesh = trimesh.load(io.BytesIO(data), file_type="ply", process=True, force="mesh")
    mesh.apply_transform(Z_UP_TO_Y_UP)
    return _normalised(mesh)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheels = Path(sys.argv[1])
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build, ext in (("teapot", teapot, "ply"), ("mug", mug, "ply"),
                             ("soccer_ball", soccer_ball, "glb"), ("airliner", airliner, "ply")):
        mesh = build(wheels)
        target = OUT / f"{name}.{ext}"
        mesh.export(target)
        print(f"{target.name}: {len(mesh.faces)} faces, {target.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
