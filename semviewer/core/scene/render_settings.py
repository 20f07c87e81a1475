"""Renderer settings as validated data (the renderer itself lives in semviewer.render)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Mapping

from semviewer.core.errors import SemviewerError

Color = tuple[float, float, float]


def _color(value, name: str) -> Color:
    try:
        rgb = tuple(float(c) for c in value)
    except (TypeError, ValueError):
        raise SemviewerError(f"{name} must be three numbers in [0, 1], got {value!r}") from None
    if len(rgb) != 3 or not all(0.0 <= c <= 1.0 for c in rgb):
        raise SemviewerError(f"{name} must be three numbers in [0, 1], got {value!r}")
    return rgb  # type: ignore[return-value]


@dataclass(frozen=True)
class RenderSettings:
    """How a mesh is drawn. The defaults are the paper's convention (docs/algorithms.md §1).

    Camera distance, field of view, roll and the light direction are semantic axes
    (see ``semviewer.core.scene.axes``) and so belong to the pose, not to these settings.
    """

    width: int = 224
    height: int = 224
    background: Color = (0.0, 0.0, 0.0)
    object_color: Color = (1.0, 1.0, 1.0)
    ambient: float = 0.5
    light_intensity: float = 0.5
    use_mesh_colors: bool = False   # the paper renders untextured; True uses vertex colours / texture
    samples: int = 4                # MSAA samples (0 or 1 disables)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            v = getattr(self, name)
            if not isinstance(v, int) or not 16 <= v <= 4096:
                raise SemviewerError(f"image {name} must be an integer from 16 to 4096, got {v!r}")
        object.__setattr__(self, "background", _color(self.background, "background"))
        object.__setattr__(self, "object_color", _color(self.object_color, "object colour"))
        for name in ("ambient", "light_intensity"):
            v = float(getattr(self, name))
            if not 0.0 <= v <= 4.0:
                raise SemviewerError(f"{name} must be in [0, 4], got {v}")
            object.__setattr__(self, name, v)
        if self.samples not in (0, 1, 2, 4, 8):
            raise SemviewerError(f"samples must be 0, 1, 2, 4 or 8, got {self.samples!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "RenderSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise SemviewerError(f"unknown render setting(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        for key in ("background", "object_color"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

