"""Render settings as validated data (the renderer itself lives in semviewer.render): the image
size, the scene's backgrounds, the object colour and the anti-aliasing.

Everything that varies per pose is a semantic axis instead (``semviewer.core.scene.axes``): the
camera, the light's direction and strength, the object's place and size, which background and
material, and the corruptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from semviewer.core.errors import SemviewerError
from semviewer.core.scene.axes import MAX_CATEGORIES
from semviewer.core.scene.backgrounds import DEFAULT_BACKGROUND, Background, parse_colour

Color = tuple[float, float, float]


@dataclass(frozen=True)
class RenderSettings:
    """How a mesh is drawn. The defaults are the paper's convention (docs/algorithms.md §1): 224²,
    a black background, a white object, 4× MSAA. ``backgrounds`` are the scene's backgrounds (the
    ``background`` axis picks one by position)."""

    width: int = 224
    height: int = 224
    backgrounds: tuple[Background, ...] = field(default_factory=lambda: (DEFAULT_BACKGROUND,))
    object_color: Color = (1.0, 1.0, 1.0)
    samples: int = 4                # MSAA samples (0 or 1 disables)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 16 <= v <= 4096:
                raise SemviewerError(f"image {name} must be an integer from 16 to 4096, got {v!r}")
        backgrounds = tuple(self.backgrounds)
        if not backgrounds or len(backgrounds) > MAX_CATEGORIES or \
                not all(isinstance(b, Background) for b in backgrounds):
            raise SemviewerError(f"a scene has from 1 to {MAX_CATEGORIES} backgrounds")
        names = [b.name for b in backgrounds]
        if len(set(names)) != len(names):
            raise SemviewerError(f"two backgrounds are named {next(n for n in names if names.count(n) > 1)!r}; "
                                 f"a background's name says which it is")
        object.__setattr__(self, "backgrounds", backgrounds)
        object.__setattr__(self, "object_color", parse_colour(self.object_color))
        if self.samples not in (0, 1, 2, 4, 8):
            raise SemviewerError(f"samples must be 0, 1, 2, 4 or 8, got {self.samples!r}")

    @property
    def background_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.backgrounds)

    def to_json(self) -> dict:
        """What determines the pixels (provenance, cache keys): images by their SHA-256."""
        return {"width": self.width, "height": self.height, "backgrounds": [b.to_json() for b in self.backgrounds],
                "object_color": list(self.object_color), "samples": self.samples}

    @classmethod
    def from_json(cls, data: Mapping) -> "RenderSettings":
        known = {"width", "height", "object_color", "samples"}
        unknown = set(data) - known - {"backgrounds"}
        if unknown:
            raise SemviewerError(f"unknown render setting(s): {', '.join(sorted(unknown))}")
        values = {k: v for k, v in data.items() if k in known}
        return cls(**values)
