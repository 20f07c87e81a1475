"""How the object is coloured: a choice among its materials, the ``material`` axis's values.

``plain`` is the paper's: the object colour (white by default), untextured. ``textured`` is the
mesh's own vertex colours or texture (white where it has none). A mesh file whose parts carry named
materials offers each of them too, painting the whole object in that material's colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from semviewer.core.errors import SemviewerError
from semviewer.core.scene.mesh import MeshData

KINDS = ("plain", "own", "colour")


@dataclass(frozen=True)
class Material:
    """One way to colour the object: ``plain`` (the object colour), ``own`` (the mesh's colours or
    texture) or ``colour`` (one colour, a named material's)."""

    name: str
    kind: str = "plain"
    colour: tuple[float, float, float] = (1.0, 1.0, 1.0)

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, **({"colour": list(self.colour)} if self.kind == "colour" else {})}


PLAIN = Material("plain")
TEXTURED = Material("textured", "own")


def materials_of(mesh: MeshData) -> tuple[Material, ...]:
    """The materials the object can be shown in: plain, its own colours or texture, and the named
    materials of its file (positions 0, 1, 2, ...: the values of the ``material`` axis)."""
    return (PLAIN, TEXTURED, *(Material(name, "colour", rgb) for name, rgb in mesh.materials
                               if name not in ("plain", "textured")))


def material_index(mesh: MeshData, name: str) -> int:
    """The position of material ``name`` among the mesh's (the value of the ``material`` axis)."""
    names = [m.name for m in materials_of(mesh)]
    if name not in names:
        raise SemviewerError(f"{mesh.name} has no material {name!r}; its materials: {', '.join(names)}")
    return names.index(name)
