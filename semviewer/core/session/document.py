"""The document: the state of what the user is looking at, Qt-free, with change events.

A ``Document`` holds the object (source, up axis, mesh, class set), the primary and compare
models (name, weights, engine and, once loaded, their classifiers), the pose, the render
settings, the map axes and resolution, the maps per target, the start points, the solver
settings, the regions and the study unit shown, if any. Every change goes through a method that
validates it, applies the rules that keep the state consistent (a new object, class set or model
drops the maps and regions made with the old one) and then notifies subscribers through
``document.events.<name>.connect(callback)``.

Long jobs (maps, solvers) take a ``ticket(kind)`` when they start and hand it back with their
result; a result whose ticket is no longer current was made for a state that has changed since
and is dropped. The window, the CLI and tests all drive the same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from semviewer.core.scene.axes import AXES, Pose
from semviewer.core.inference.models import DEFAULT_MODEL, MODELS, ModelSpec, get_model_spec
from semviewer.core.inference.engines import ENGINES
from semviewer.core.inference.classifier import Classifier
from semviewer.core.errors import SemviewerError
from semviewer.core.session.events import EventGroup
from semviewer.core.inference.labels import ClassSet, Labels
from semviewer.core.regions.inside import DEFAULT_POINTS_PER_AXIS
from semviewer.core.maps.grids import RESOLUTIONS, domain_rows, named_grid
from semviewer.core.scene.mesh import MeshData, check_up_axis
from semviewer.core.scene.objects import DEFAULT_OBJECT, resolve_object
from semviewer.core.regions.config import RegionConfig
from semviewer.core.regions.region import Region
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.maps.semantic_map import AGGREGATES, SemanticMap
from semviewer.core.session.solver_state import ALL_METHODS, COMPARE, PRIMARY, SOURCES, TARGETS, SolverState

__all__ = ["ALL_METHODS", "COMPARE", "PRIMARY", "SOURCES", "TARGETS", "Document"]

#: What subscribers can listen to; each event is emitted after the change it names.
#: ``dropped`` says the maps and regions were dropped: every running map and solver job is stale.
EVENT_NAMES = ("dropped", "object", "classes", "model", "compare", "pose", "view", "maps", "starts", "solver",
               "regions", "frame", "title")
_KEEP = object()


class Document(SolverState):
    """The state of one semviewer session (see the module docstring)."""

    def __init__(self) -> None:
        self.events = EventGroup(EVENT_NAMES)
        self.object_source = DEFAULT_OBJECT
        self.up_axis = "y"
        self.mesh: Optional[MeshData] = None
        self.classes: Optional[ClassSet] = None
        self.default_pose = Pose()
        self.model_name = DEFAULT_MODEL
        self.weights: Optional[str] = None
        self.model_labels: Optional[str] = None          # a labels file for the model's outputs (None: its own)
        self.model_spec: ModelSpec = MODELS[DEFAULT_MODEL]
        self.classes_reset = False                       # the last model change reset the class set
        self.engine = "auto"
        self.compare_model: Optional[str] = None
        self.classifiers: dict[str, Optional[Classifier]] = {PRIMARY: None, COMPARE: None}
        self.pose = Pose()
        self.render_settings = RenderSettings()
        self.map_axes: list[str] = ["azimuth", "elevation"]
        self.resolution = "coarse"
        self.aggregate: Optional[str] = None
        self.domain: Optional[np.ndarray] = None       # Ω given explicitly (CLI --axes); None: the map's or the grid's
        self.maps: dict[str, Optional[SemanticMap]] = {PRIMARY: None, COMPARE: None}
        self.map_file: Optional[str] = None            # the .npz the primary map was opened from
        self.unit: Optional[dict[str, Any]] = None     # the study unit shown: {"study", "name"}
        self.starts: list[tuple[float, ...]] = []
        self.start_axes: list[str] = list(self.map_axes)
        self.solver_methods: tuple[str, ...] = ("oir_b",)
        self.solver_settings: dict[str, Any] = {k: v for k, v in RegionConfig().to_json().items() if k != "method"}
        self.solver_source = "map"
        self.inside_points = DEFAULT_POINTS_PER_AXIS
        self.regions: list[tuple[str, Region]] = []
        self.region_run: dict[str, Any] = {}           # axes, domain, configs, source and provenance of the regions
        self.frame: Optional[np.ndarray] = None        # the last render shown, and its pose
        self.frame_pose: Optional[Pose] = None
        self._tickets = {PRIMARY: 0, COMPARE: 0, "regions": 0}

    # -- generations -------------------------------------------------------------------
    def ticket(self, kind: str) -> int:
        """The generation of ``kind`` (primary, compare or regions) for a job starting now."""
        return self._tickets[kind]

    def is_current(self, kind: str, ticket: Optional[int]) -> bool:
        return ticket is None or ticket == self._tickets[kind]

    def _bump(self, *kinds: str) -> None:
        for kind in kinds:
            self._tickets[kind] += 1

    @property
    def classifier(self) -> Optional[Classifier]:
        return self.classifiers[PRIMARY]

    def model_label(self, target: str) -> Optional[str]:
        return self.model_name if target == PRIMARY else self.compare_model

    # -- object, classes, models -------------------------------------------------------------
    def open_object(self, name_or_path: str, up_axis: str = "y", resolve=resolve_object) -> None:
        """Open a bundled object by name or a mesh file by path (loaded here by ``resolve``)."""
        choice = resolve(name_or_path, up_axis)
        self.set_object(choice.mesh, name_or_path, up_axis, choice.classes, choice.default_pose)

    def set_object(self, mesh: MeshData, source: str, up_axis: str = "y", classes: Optional[ClassSet] = None,
                   default_pose: Optional[Pose] = None) -> None:
        """Show ``mesh``; its class set when known (else the current one stays). Drops the results."""
        check_up_axis(up_axis)
        self.mesh, self.object_source, self.up_axis = mesh, source, up_axis
        if classes is not None:        # the object's class, on the model's labels when they name it
            self.classes = classes.on(self.labels) or self.classes or ClassSet((0,), self.labels)
        elif self.classes is None:
            self.classes = ClassSet((0,), self.labels)
        self.default_pose = default_pose or Pose()
        self.pose = self.default_pose
        self.unit = None
        self.map_file = None
        self.events.object.emit()
        self.events.classes.emit()
        self.drop_results()
        self.events.pose.emit()
        self.events.title.emit()

    @property
    def labels(self) -> Labels:
        """The names of the primary model's outputs (what class sets are made of)."""
        return self.model_spec.label_set

    def set_classes(self, classes: ClassSet) -> None:
        """The true class set, on the model's labels; the maps and regions of the old one are dropped."""
        if not isinstance(classes, ClassSet):
            raise SemviewerError("the true class set needs at least one class")
        mapped = classes.on(self.labels)
        if mapped is None:
            raise SemviewerError(f"{self.model_name} has no class named {str(classes)!r}; choose among its "
                                 f"{len(self.labels)} labels")
        self.classes = mapped
        self.events.classes.emit()
        self.drop_results()
        self.events.title.emit()

    def set_model(self, name: str, weights: Optional[str] = None, classifier: Optional[Classifier] = None,
                  keep_results: bool = False, labels: Optional[str] = None) -> None:
        """The primary model spec (see ``get_model_spec``), its weights and labels files, and its
        classifier once loaded. The maps and regions made with the previous model are dropped unless
        ``keep_results`` (they were made with this one). A class set the new labels do not name
        becomes their first class (``classes_reset`` says so)."""
        spec = classifier.spec if classifier is not None else get_model_spec(name, labels)
        self.model_name, self.weights, self.model_labels, self.model_spec = name, weights, labels, spec
        self.classifiers[PRIMARY] = classifier
        self.classes_reset = False
        if self.classes is not None and self.classes.labels.names != spec.label_set.names:
            mapped = self.classes.on(spec.label_set)
            self.classes_reset = mapped is None
            self.classes = mapped or ClassSet((0,), spec.label_set)
            self.events.classes.emit()
        self.events.model.emit()
        if not keep_results:
            self.drop_results()
        self.events.title.emit()

    def set_engine(self, engine: str) -> None:
        """Run the classifiers on ``engine``; both have to be loaded again."""
        if engine not in ENGINES:
            raise SemviewerError(f"unknown engine {engine!r}; choose {', '.join(ENGINES)}")
        self.engine = engine
        self.classifiers = {PRIMARY: None, COMPARE: None}
        self.events.model.emit()

    def set_compare_model(self, name: Optional[str]) -> None:
        """Compare with ``name`` (None: no comparison). Its map and regions, and any running compare
        job, belong to the old name and are dropped."""
        if name is not None:
            get_model_spec(name)
        self.compare_model = name
        self.classifiers[COMPARE] = None
        self.maps[COMPARE] = None
        self._bump(COMPARE, "regions")
        self.regions = [(t, r) for t, r in self.regions if t == PRIMARY]
        self.events.compare.emit()
        self.events.maps.emit(COMPARE)
        self.events.regions.emit()

    def set_compare_classifier(self, classifier: Classifier, ticket: Optional[int] = None) -> None:
        if self.is_current(COMPARE, ticket):
            self.classifiers[COMPARE] = classifier

    # -- pose and view ----------------------------------------------------------------------
    def set_pose(self, pose: Pose) -> None:
        self.pose = pose
        self.events.pose.emit()

    def reset_pose(self) -> None:
        """Back to the object's default pose."""
        self.set_pose(self.default_pose)

    def pose_at(self, values: dict[str, float]) -> Pose:
        """The current pose with some axes moved (clamped into their domains)."""
        return self.pose.replace(**{name: AXES[name].clamp(v) for name, v in values.items()})

    def set_view(self, axes: Optional[Sequence[str]] = None, resolution: Optional[str] = None,
                 aggregate: Any = _KEEP) -> None:
        """The map axes (one or two), the grid resolution and how hidden axes are aggregated."""
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
            self.events.view.emit()

    def set_domain(self, rows: Optional[np.ndarray]) -> None:
        """Ω given explicitly, one [lower, upper] row per map axis (CLI ``--axes``, a study's grid);
        None: the map's, else the window grid's ranges."""
        if rows is not None:
            rows = np.asarray(rows, dtype=np.float64)
            if rows.shape != (len(self.map_axes), 2) or not np.isfinite(rows).all() or \
                    not (rows[:, 0] < rows[:, 1]).all():
                raise SemviewerError(f"the domain needs one [lower, upper] row with lower < upper per map axis "
                                     f"({', '.join(self.map_axes)})")
        self.domain = rows

    def grid(self):
        """The grid a map of the current view is computed on."""
        return named_grid(self.map_axes, self.resolution)

    def region_domain(self, axes: Optional[Sequence[str]] = None, target: str = PRIMARY) -> np.ndarray:
        """Ω over ``axes``: the one given explicitly, else the map's, else the window grid's ranges."""
        axes = list(axes or self.map_axes)
        if self.domain is not None:
            return np.asarray(self.domain, dtype=np.float64)
        semantic_map = self.maps[target]
        if semantic_map is not None and set(axes) <= set(semantic_map.axis_names):
            return semantic_map.domain(axes)
        return domain_rows(axes)

    # -- maps ------------------------------------------------------------------------------
    def set_map(self, target: str, semantic_map: Optional[SemanticMap], ticket: Optional[int] = None) -> bool:
        """Store a (partial or complete) map; False, and nothing changes, when ``ticket`` is stale."""
        if target not in TARGETS:
            raise SemviewerError(f"a map is primary or compare, not {target!r}")
        if not self.is_current(target, ticket):
            return False
        self.maps[target] = semantic_map
        self.events.maps.emit(target)
        return True

    def open_map(self, semantic_map: SemanticMap, path: str) -> None:
        """Show a saved map: every running job's result is stale, the regions and starts go."""
        self._bump(PRIMARY, COMPARE, "regions")
        self.events.dropped.emit()
        self.maps = {PRIMARY: semantic_map, COMPARE: None}
        self.map_file = str(path)
        self.unit = None
        self.regions, self.region_run = [], {}
        self.set_view(list(semantic_map.axis_names[:2]))
        self.set_starts([])
        self.events.maps.emit(PRIMARY)
        self.events.regions.emit()
        self.events.title.emit()

    def drop_results(self) -> None:
        """Forget the maps and regions (the object, classes or model changed); running jobs go stale."""
        self._bump(PRIMARY, COMPARE, "regions")
        self.maps = {PRIMARY: None, COMPARE: None}
        self.regions, self.region_run = [], {}
        self.events.dropped.emit()
        self.events.maps.emit(None)
        self.events.regions.emit()

    # -- what the window shows -----------------------------------------------------------------
    def set_frame(self, image: np.ndarray, pose: Pose) -> None:
        """The last render shown (what *Export → Current render* writes)."""
        self.frame, self.frame_pose = image, pose
        self.events.frame.emit()

    def title(self) -> str:
        if self.map_file is not None and self.maps[PRIMARY] is not None:
            prov = self.maps[PRIMARY].provenance
            classes = " + ".join(prov.get("classes", {}).get("names", [])) or "?"
            return f"semviewer — map {Path(self.map_file).name} · {prov.get('model', '?')} · p({classes})"
        obj = Path(self.object_source).name if self.mesh is not None else "?"
        return f"semviewer — {obj} · {self.model_name} · p({self.classes})"

    # -- sessions ------------------------------------------------------------------------------
    def restore(self, other: "Document") -> None:
        """Take over ``other``'s state (a reopened session or study unit), keeping these subscribers.
        Classifiers stay when the same model, weights and engine are asked for; running jobs go stale."""
        keep = {t: self.classifiers[t] for t in TARGETS
                if self.classifiers[t] is not None and other.classifiers[t] is None and
                (self.model_name, self.weights, self.model_labels, self.engine) ==
                (other.model_name, other.weights, other.model_labels, other.engine)
                and (t == PRIMARY or self.compare_model == other.compare_model)}
        events = self.events
        tickets = {k: v + 1 for k, v in self._tickets.items()}
        kept = ("events", "_tickets", "frame", "frame_pose")     # the render shown stays until the next one
        self.__dict__.update({k: v for k, v in other.__dict__.items() if k not in kept})
        self.classifiers = {**other.classifiers, **keep}
        self.events, self._tickets = events, tickets
        for event in self.events:
            if event.name == "maps":
                event.emit(None)
            elif event.name != "frame":
                event.emit()

    def snapshot(self) -> "Document":
        """A copy to read from another thread (an export), with no subscribers."""
        copy = Document()
        copy.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("events", "_tickets")})
        copy.maps, copy.regions, copy.starts = dict(self.maps), list(self.regions), list(self.starts)
        copy.classifiers, copy.region_run = dict(self.classifiers), dict(self.region_run)
        return copy
