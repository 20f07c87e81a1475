"""The parts of a Document: the scene, the models, the view, the maps, the solver and the failures. Each holds its
own state, the changes that concern it alone, and its own events, which say what changed. Changes
that concern several parts (a new object drops the maps and regions) are the Document's.

``FIELDS`` of each part name what a snapshot copies and a reopened session restores.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError
from semviewer.core.failures.result import FailureSearch
from semviewer.core.inference.classifier import Classifier
from semviewer.core.maps.grids import RESOLUTIONS, named_grid
from semviewer.core.maps.semantic_map import AGGREGATES, SemanticMap
from semviewer.core.models import DEFAULT_MODEL, MODELS, ModelSpec
from semviewer.core.models.labels import ClassSet, Labels
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS
from semviewer.core.regions.region import Region
from semviewer.core.regions.request import COMPARE, PRIMARY, TARGETS
from semviewer.core.scene.axes import AXES, Pose
from semviewer.core.scene.materials import materials_of
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.objects import DEFAULT_OBJECT
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.session.events import EventGroup

_KEEP = object()


class Part:
    """State with events; ``FIELDS`` are the attributes that make it up."""

    FIELDS: tuple[str, ...] = ()
    EVENTS: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.events = EventGroup(self.EVENTS)

    def state(self) -> dict[str, Any]:
        """The fields, by name (shallow copies of containers)."""
        return {name: _copy(getattr(self, name)) for name in self.FIELDS}

    def take(self, state: dict[str, Any]) -> None:
        """Set the fields from ``state`` (no events: the caller says what changed)."""
        for name in self.FIELDS:
            setattr(self, name, _copy(state[name]))


def _copy(value: Any) -> Any:
    return type(value)(value) if isinstance(value, (dict, list)) else value


class ScenePart(Part):
    """The object (its source, up axis, mesh, true class set and default pose), the pose and how it
    is drawn (the backgrounds, the object colour). ``pose`` carries the new pose; ``settings`` says
    how it is drawn changed."""

    FIELDS = ("object_source", "up_axis", "mesh", "classes", "default_pose", "pose", "render_settings")
    EVENTS = ("object", "classes", "pose", "settings")

    def __init__(self) -> None:
        super().__init__()
        self.object_source = DEFAULT_OBJECT
        self.up_axis = "y"
        self.mesh: Optional[MeshData] = None
        self.classes: Optional[ClassSet] = None
        self.default_pose = Pose()
        self.pose = Pose()
        self.render_settings = RenderSettings()

    def set_pose(self, pose: Pose) -> None:
        self.pose = pose
        self.events.pose.emit(pose)

    def reset_pose(self) -> None:
        """Back to the object's default pose."""
        self.set_pose(self.default_pose)

    def pose_at(self, values: dict[str, float]) -> Pose:
        """The current pose with some axes moved (clamped into their domains)."""
        return self.pose.replace(**{name: AXES[name].clamp(v) for name, v in values.items()})

    def categories(self, axis: str) -> tuple[str, ...]:
        """The values of a categorical axis here, by name (its positions 0, 1, ...)."""
        if axis == "background":
            return self.render_settings.background_names
        if axis == "material":
            return tuple(m.name for m in materials_of(self.mesh)) if self.mesh is not None else ("plain",)
        raise SemviewerError(f"{axis} is not categorical")


class ModelPart(Part):
    """The primary model (its spec as given, weights and labels files, the loaded classifier), the
    engine, and the compare model. ``model`` says the primary model or the engine changed,
    ``compare`` the compare model."""

    FIELDS = ("name", "weights", "labels_file", "spec", "classes_reset", "engine", "compare", "classifiers")
    EVENTS = ("model", "compare")

    def __init__(self) -> None:
        super().__init__()
        self.name = DEFAULT_MODEL
        self.weights: Optional[str] = None
        self.labels_file: Optional[str] = None          # a labels file for the model's outputs (None: its own)
        self.spec: ModelSpec = MODELS[DEFAULT_MODEL]
        self.classes_reset = False                      # the last model change reset the class set
        self.engine = "auto"
        self.compare: Optional[str] = None
        self.classifiers: dict[str, Optional[Classifier]] = {PRIMARY: None, COMPARE: None}

    @property
    def classifier(self) -> Optional[Classifier]:
        """The primary model's classifier, once loaded."""
        return self.classifiers[PRIMARY]

    @property
    def labels(self) -> Labels:
        """The names of the primary model's outputs (what class sets are made of)."""
        return self.spec.label_set

    def label(self, target: str) -> Optional[str]:
        """The model of a target, as the user named it (None: no compare model)."""
        return self.name if target == PRIMARY else self.compare

    def set_engine(self, engine: str) -> None:
        """Run the classifiers on ``engine``; both have to be loaded again."""
        from semviewer.core.engines import ENGINES

        if engine not in ENGINES:
            raise SemviewerError(f"unknown engine {engine!r}; choose {', '.join(ENGINES)}")
        self.engine = engine
        self.classifiers = {PRIMARY: None, COMPARE: None}
        self.events.model.emit()


class ViewPart(Part):
    """How maps are looked at: the map axes (one or two), the grid resolution, how the other axes
    of an N-D map are aggregated and whether maps are computed adaptively. ``changed`` says any of
    them changed."""

    FIELDS = ("map_axes", "resolution", "aggregate", "adaptive")
    EVENTS = ("changed",)

    def __init__(self) -> None:
        super().__init__()
        self.map_axes: list[str] = ["azimuth", "elevation"]
        self.resolution = "coarse"
        self.aggregate: Optional[str] = None
        self.adaptive: Optional[float] = None     # the tolerance of adaptive maps (None: exact maps)

    def set_adaptive(self, tolerance: Optional[float]) -> None:
        """Compute maps adaptively with ``tolerance`` (None: exactly); the range is checked here, the
        grid when a map is computed."""
        if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
                                      or not 0 < tolerance < 1):
            raise SemviewerError(f"the adaptive tolerance is a difference of probabilities in (0, 1), not {tolerance!r}")
        if tolerance != self.adaptive:
            self.adaptive = None if tolerance is None else float(tolerance)
            self.events.changed.emit()

    def set(self, axes: Optional[Sequence[str]] = None, resolution: Optional[str] = None,
            aggregate: Any = _KEEP) -> None:
        """The map axes, the grid resolution and the aggregate (each kept when not given)."""
        if axes is not None:
            axes = list(axes)
            if not axes or len(set(axes)) != len(axes) or any(a not in AXES for a in axes):
                raise SemviewerError(f"map axes must be different axes of {', '.join(AXES)}")
        if resolution is not None and resolution not in RESOLUTIONS:
            raise SemviewerError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        if aggregate is not _KEEP and aggregate is not None and aggregate not in AGGREGATES:
            raise SemviewerError(f"aggregate must be one of {', '.join(AGGREGATES)}")
        changed = (axes is not None and axes != self.map_axes) or \
            (resolution is not None and resolution != self.resolution) or \
            (aggregate is not _KEEP and aggregate != self.aggregate)
        self.map_axes = axes if axes is not None else self.map_axes
        self.resolution = resolution or self.resolution
        self.aggregate = self.aggregate if aggregate is _KEEP else aggregate
        if changed:
            self.events.changed.emit()

    def grid(self, categories=None):
        """The grid a map of the current view is computed on (a categorical axis over
        ``categories[name]``, the scene's values)."""
        return named_grid(self.map_axes, self.resolution, categories or {})


class MapsPart(Part):
    """The map of each target (``maps[PRIMARY]``), the file the primary map was opened from and the
    study unit shown. ``changed(target, complete)`` says which map changed (None: both) and whether
    it is whole now: a map still computing redraws only itself."""

    FIELDS = ("by_target", "file", "unit")
    EVENTS = ("changed",)

    def __init__(self) -> None:
        super().__init__()
        self.by_target: dict[str, Optional[SemanticMap]] = {PRIMARY: None, COMPARE: None}
        self.file: Optional[str] = None              # the .npz the primary map was opened from
        self.unit: Optional[dict[str, Any]] = None   # the study unit shown: {"study", "name"}

    def __getitem__(self, target: str) -> Optional[SemanticMap]:
        return self.by_target[target]

    def store(self, target: Optional[str], semantic_map: Optional[SemanticMap]) -> None:
        """Keep ``semantic_map`` as ``target``'s (None: forget both) and say so."""
        if target is None:
            self.by_target = {PRIMARY: None, COMPARE: None}
        else:
            if target not in TARGETS:
                raise SemviewerError(f"a map is primary or compare, not {target!r}")
            self.by_target[target] = semantic_map
        self.events.changed.emit(target, semantic_map is None or semantic_map.complete)


class SolverPart(Part):
    """The start points (on the axes they were picked on), the methods, their settings, the score
    source and the inside-check lattice, and the regions with the record of the run that grew them."""

    FIELDS = ("starts", "start_axes", "methods", "settings", "source", "inside_points", "regions", "run")
    EVENTS = ("starts", "settings", "regions")

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[float, ...]] = []
        self.start_axes: list[str] = ["azimuth", "elevation"]
        self.methods: tuple[str, ...] = ("oir_b",)
        self.settings: dict[str, Any] = {k: v for k, v in RegionConfig().to_json().items() if k != "method"}
        self.source = "map"
        self.inside_points = DEFAULT_POINTS_PER_AXIS
        self.regions: list[tuple[str, Region]] = []
        self.run: dict[str, Any] = {}       # axes, domain, configs, source and provenance of the regions

    def configs(self) -> list[RegionConfig]:
        """One RegionConfig per method, with the settings."""
        return [RegionConfig(method=m, **self.settings) for m in self.methods]


class FailuresPart(Part):
    """The last failure search of the primary model (None: none yet), with the settings it ran
    with (axes, domain, budget, method, objective), and the renders of its failures once made. ``changed`` says the search changed (a partial
    result while it runs, or the whole)."""

    FIELDS = ("search", "complete", "images")
    EVENTS = ("changed",)

    def __init__(self) -> None:
        super().__init__()
        self.search: Optional[FailureSearch] = None
        self.complete = True                # False while a search runs and reports what it found so far
        self.images: Optional[np.ndarray] = None    # the renders of the failures, in their order (None: not yet)

    def store(self, search: Optional[FailureSearch], complete: bool = True,
              images: Optional[np.ndarray] = None) -> None:
        self.search, self.complete, self.images = search, complete, images
        self.events.changed.emit()
