"""The scene a score renders: the mesh, the true class set, how it is drawn and the pose that holds
the axes a score does not vary. Made in one place, ``make_scene``, whether from the window's
document (``Scene.of``), the command line's arguments or a study unit's payload."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.inference.classifier import Classifier
from semviewer.core.models.labels import ClassSet
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.backgrounds import DEFAULT_BACKGROUND, Background, resolve_background
from semviewer.core.scene.grid import GridAxis
from semviewer.core.scene.materials import TEXTURED, material_index
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings


@dataclass(frozen=True)
class Scene:
    """What is rendered and scored: the mesh, the true class set, how it is drawn, and the pose
    that holds the axes a score does not vary."""

    mesh: MeshData
    classes: ClassSet
    settings: RenderSettings = field(default_factory=RenderSettings)
    base: Pose = field(default_factory=Pose)

    @classmethod
    def of(cls, document: Any) -> "Scene":
        """The scene of a document as it stands now (its mesh, classes, render settings and pose)."""
        scene = document.scene
        if scene.mesh is None or scene.classes is None:
            raise SemviewerError("no object is open yet")
        return make_scene(scene.mesh, scene.classes, settings=scene.render_settings, base=scene.pose)

    def fitted(self, classifier: Classifier) -> "Scene":
        """This scene rendered at the aspect of the classifier's input (see ``fitted_settings``)."""
        settings = fitted_settings(self.settings, classifier.spec.input_hw)
        return self if settings == self.settings else replace(self, settings=settings)

    def fixed(self, axes: Sequence[str]) -> dict[str, float]:
        """The values of the axes that are not varied."""
        return {k: v for k, v in self.base.as_dict().items() if k not in axes}


def fitted_settings(settings: RenderSettings, input_hw: tuple[int, int]) -> RenderSettings:
    """Render settings at the aspect of a network input of (height, width): a rectangular input (a
    model card's ``size = [height, width]``) gets renders of its aspect whose long side is the
    settings' long side, the camera's vertical field of view unchanged (docs/algorithms.md §1); a
    square input keeps the settings as they are."""
    height, width = input_hw
    if height == width or height * settings.width == width * settings.height:
        return settings
    long = max(settings.width, settings.height)
    if width >= height:
        return replace(settings, width=long, height=max(16, round(long * height / width)))
    return replace(settings, height=long, width=max(16, round(long * width / height)))


def make_scene(mesh: MeshData, classes: ClassSet, *, size: int = 224, textured: bool = False,
               settings: Optional[RenderSettings] = None, base: Optional[Pose] = None,
               backgrounds: Sequence[Background] = (), object_colour=None, material: Optional[str] = None) -> Scene:
    """The one way a Scene is made: the render settings given (the window's), or the paper's at
    ``size`` pixels with ``backgrounds`` (default black) and ``object_colour`` (default white); the
    object in ``material`` (by name), or in its own colours when ``textured``."""
    if settings is None:
        settings = RenderSettings(width=size, height=size, backgrounds=tuple(backgrounds) or (DEFAULT_BACKGROUND,),
                                  object_color=object_colour if object_colour is not None else (1.0, 1.0, 1.0))
    base = base if base is not None else Pose()
    if material is not None or textured:
        base = base.replace(material=material_index(mesh, material or TEXTURED.name))
    return Scene(mesh, classes, settings, base)


def categorical_grid(grid: Sequence[GridAxis], mesh: MeshData,
                     backgrounds: Sequence[Background] = ()) -> tuple[tuple[GridAxis, ...], tuple[Background, ...]]:
    """A grid whose categorical axes name their values, made concrete for ``mesh``: its
    ``background`` values resolved (a folder gives several) and become the scene's backgrounds,
    its ``material`` values placed at their positions among the mesh's materials. Returns the grid
    and the scene's backgrounds (``backgrounds`` when the grid has no background axis)."""
    concrete = []
    chosen = tuple(backgrounds)
    for axis in grid:
        if axis.name == "background":
            chosen = tuple(b for label in axis.labels for b in resolve_background(label))
            axis = GridAxis.categories(axis.axis, [b.name for b in chosen])
        elif axis.name == "material":
            points = [material_index(mesh, name) for name in axis.labels]
            order = np.argsort(points)
            axis = GridAxis.categories(axis.axis, [axis.labels[i] for i in order], [points[i] for i in order])
        concrete.append(axis)
    return tuple(concrete), chosen


def classes_for(classes: ClassSet, classifier: Classifier) -> ClassSet:
    """The true class set on the classifier's own labels (the same names there); one line when the
    model has no output of that name."""
    mapped = classes.on(classifier.labels)
    if mapped is None:
        missing = next((n for n in classes.names if n not in classifier.labels.names), str(classes))
        raise SemviewerError(f"{classifier.name} has no class {missing!r} among its {len(classifier.labels)} "
                             f"labels; choose a true class of that model")
    return mapped
