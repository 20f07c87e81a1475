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

from semviewer.core.axes import AXES, Pose
from semviewer.core.classifier import DEFAULT_MODEL, ENGINES, MODELS, Classifier
from semviewer.core.errors import SemviewerError
from semviewer.core.events import EventGroup
from semviewer.core.imagenet import ClassSet
from semviewer.core.inside import DEFAULT_POINTS_PER_AXIS
from semviewer.core.map_grid import RESOLUTIONS, domain_rows, window_grid
from semviewer.core.mesh import UP_AXES, MeshData
from semviewer.core.objects import DEFAULT_OBJECT, bundled_objects, resolve_object
from semviewer.core.regions import (METHODS, PAPER_1D_FIXED, PAPER_STARTS_1D, PAPER_STARTS_2D, Region,
                                    RegionConfig)
from semviewer.core.render_settings import RenderSettings
from semviewer.core.semantic_map import AGGREGATES, SemanticMap
from semviewer.core.session import Session

PRIMARY, COMPARE = "primary", "compare"
TARGETS = (PRIMARY, COMPARE)
SOURCES = ("map", "live")
ALL_METHODS = "all three"
#: What subscribers can listen to; each event is emitted after the change it names.
#: ``dropped`` says the maps and regions were dropped: every running map and solver job is stale.
EVENT_NAMES = ("dropped", "object", "classes", "model", "compare", "pose", "view", "maps", "starts", "solver",
               "regions", "frame", "title")
_KEEP = object()


class Document:
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
        if up_axis not in UP_AXES:
            raise SemviewerError(f"up axis must be one of {', '.join(UP_AXES)}, got {up_axis!r}")
        self.mesh, self.object_source, self.up_axis = mesh, source, up_axis
        if classes is not None:
            self.classes = classes
        elif self.classes is None:
            self.classes = ClassSet((0,))
        self.default_pose = default_pose or Pose()
        self.pose = self.default_pose
        self.unit = None
        self.map_file = None
        self.events.object.emit()
        self.events.classes.emit()
        self.drop_results()
        self.events.pose.emit()
        self.events.title.emit()

    def set_classes(self, classes: ClassSet) -> None:
        """The true class set; the maps and regions of the old one are dropped."""
        if not isinstance(classes, ClassSet):
            raise SemviewerError("the true class set needs at least one ImageNet class")
        self.classes = classes
        self.events.classes.emit()
        self.drop_results()
        self.events.title.emit()

    def set_model(self, name: str, weights: Optional[str] = None, classifier: Optional[Classifier] = None,
                  keep_results: bool = False) -> None:
        """The primary model (and its classifier once loaded). The maps and regions made with the
        previous model are dropped unless ``keep_results`` (they were made with this one)."""
        if name not in MODELS:
            raise SemviewerError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
        self.model_name, self.weights = name, weights
        self.classifiers[PRIMARY] = classifier
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
        if name is not None and name not in MODELS:
            raise SemviewerError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
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
        return window_grid(self.map_axes, self.resolution)

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

    # -- starts, solver, regions ------------------------------------------------------------------
    def set_starts(self, starts: Sequence[Sequence[float]], axes: Optional[Sequence[str]] = None) -> None:
        """Start points on ``axes`` (default: the map axes); they are used only on those axes."""
        axes = list(axes or self.map_axes)
        points = [tuple(float(v) for v in s) for s in starts]
        if any(len(p) != len(axes) for p in points):
            raise SemviewerError(f"each start point needs {len(axes)} values ({', '.join(axes)})")
        if any(not np.isfinite(p).all() for p in points):
            raise SemviewerError("start points must be finite numbers")
        self.starts, self.start_axes = points, axes
        self.events.starts.emit()

    def add_start(self, point: Sequence[float]) -> None:
        """Add a start point on the map axes (clipped into Ω); starts picked on other axes go."""
        rows = self.region_domain()
        point = tuple(float(np.clip(v, lo, hi)) for v, (lo, hi) in zip(point, rows))
        keep = self.starts if self.start_axes == self.map_axes else []
        self.set_starts(list(keep) + [point])

    def starts_shown(self) -> bool:
        """Whether the start points belong to the axes on the map now."""
        return self.start_axes == self.map_axes

    def use_paper_starts(self) -> str:
        """The paper's start points for the map axes; returns a note for the user ('' if none)."""
        if self.map_axes == ["azimuth", "elevation"]:
            self.set_starts(list(PAPER_STARTS_2D))
        elif self.map_axes == ["azimuth"]:
            self.set_starts([(a,) for a in PAPER_STARTS_1D])
            if self.pose["elevation"] != PAPER_1D_FIXED["elevation"]:
                self.set_pose(self.pose.replace(**PAPER_1D_FIXED))
                return ("the paper's 1-D starts run at elevation 35°: the pose moved there; "
                        "compute the map again for that curve")
        else:
            raise SemviewerError("the paper's start points are for azimuth × elevation (or azimuth alone)")
        return ""

    def default_starts(self) -> str:
        """Start points when none were given: the paper's where they apply, else the centre of Ω.
        Returns what was chosen, for the user."""
        if self.map_axes in (["azimuth", "elevation"], ["azimuth"]):
            self.use_paper_starts()
            return "no start points given: the paper's starts"
        self.set_starts([tuple(float(v) for v in self.region_domain().mean(axis=1))])
        return "no start points given: the centre of the domain"

    def set_solver(self, methods: Optional[Sequence[str] | str] = None, settings: Optional[dict] = None,
                   source: Optional[str] = None, inside_points: Optional[int] = None) -> None:
        """Solver methods (or "all three"), hyper-parameters (RegionConfig fields), score source
        (map or live) and inside-check lattice; validated before anything changes."""
        if methods is not None:
            methods = tuple(METHODS) if methods == ALL_METHODS else \
                (methods,) if isinstance(methods, str) else tuple(dict.fromkeys(methods))
            if not methods or any(m not in METHODS for m in methods):
                raise SemviewerError(f"solver methods must be among {', '.join(METHODS)}")
        settings = dict(self.solver_settings if settings is None else settings)
        settings.pop("method", None)
        try:
            for m in methods or self.solver_methods:
                RegionConfig(method=m, **settings).check(len(self.map_axes))
        except TypeError as exc:
            raise SemviewerError(f"solver: {str(exc).splitlines()[0]}") from None
        if source is not None and source not in SOURCES:
            raise SemviewerError(f"the score source is map or live, not {source!r}")
        if inside_points is not None and (not isinstance(inside_points, int) or inside_points < 0):
            raise SemviewerError("inside_points must be a whole number ≥ 0")
        self.solver_methods = methods or self.solver_methods
        self.solver_settings = settings
        self.solver_source = source or self.solver_source
        self.inside_points = self.inside_points if inside_points is None else inside_points
        self.events.solver.emit()

    def solver_configs(self) -> list[RegionConfig]:
        return [RegionConfig(method=m, **self.solver_settings) for m in self.solver_methods]

    def set_regions(self, regions: Sequence[tuple[str, Region]], run: Optional[dict] = None,
                    ticket: Optional[int] = None) -> bool:
        """Store regions (with the record of the run that grew them); False when ``ticket`` is stale."""
        if not self.is_current("regions", ticket):
            return False
        if any(t not in TARGETS or not isinstance(r, Region) for t, r in regions):
            raise SemviewerError("regions are (primary or compare, Region) pairs")
        self.regions = list(regions)
        if run is not None:
            self.region_run = dict(run)
        self.events.regions.emit()
        return True

    def regions_shown(self) -> bool:
        """Whether the regions were grown on the axes on the map now."""
        return not self.regions or list(self.region_run.get("axes", self.map_axes)) == self.map_axes

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
    def to_session(self) -> Session:
        """The session file's content: everything needed to reopen this document."""
        source = self.object_source if self.object_source in bundled_objects() \
            else str(Path(self.object_source).expanduser().resolve())
        methods = ALL_METHODS if set(self.solver_methods) == set(METHODS) and len(self.solver_methods) > 1 \
            else self.solver_methods[0] if len(self.solver_methods) == 1 else list(self.solver_methods)
        return Session(object=source, up_axis=self.up_axis, model=self.model_name, weights=self.weights,
                       classes=list(self.classes.ids) if self.classes else [], pose=self.pose.as_dict(),
                       map_axes=list(self.map_axes), resolution=self.resolution, aggregate=self.aggregate,
                       compare_model=self.compare_model,
                       solver={"method": methods, **self.solver_settings, "source": self.solver_source},
                       starts=[list(s) for s in self.starts], start_axes=list(self.start_axes),
                       regions=[{"map": t, **r.to_json()} for t, r in self.regions],
                       region_run=_json_run(self.region_run), engine=self.engine)

    @classmethod
    def from_session(cls, session: Session, base_dir: Optional[str | Path] = None) -> "Document":
        """A document from a (validated) session; its mesh is loaded here. A relative mesh path is
        relative to ``base_dir`` (the session file's folder)."""
        session.validate()
        source = session.object
        if source not in bundled_objects() and not Path(source).expanduser().is_absolute() and base_dir is not None:
            source = str((Path(base_dir).resolve() / source).resolve())
        doc = cls()
        doc.engine = session.engine
        doc.open_object(source, session.up_axis)
        if session.classes:
            doc.set_classes(ClassSet(tuple(session.classes)))
        doc.model_name, doc.weights, doc.compare_model = session.model, session.weights, session.compare_model
        doc.set_view(list(session.map_axes), session.resolution, session.aggregate)
        solver = dict(session.solver)
        method, source_kind = solver.pop("method", None), solver.pop("source", None)
        doc.set_solver(method, {**doc.solver_settings, **solver}, source_kind)
        doc.set_pose(Pose(session.pose))
        doc.set_starts(session.starts, session.start_axes or list(session.map_axes))
        regions = [(d.get("map", PRIMARY), Region.from_json(d)) for d in session.regions]
        run = dict(session.region_run) if session.region_run else {}
        if regions and not run:       # sessions written before the run was recorded
            run = {"axes": list(session.map_axes), "source": {"kind": "session"}, "provenance": {},
                   "configs": {r.method: {**doc.solver_settings, "method": r.method} for _, r in regions}}
        if regions:
            run["domain"] = np.asarray(run.get("domain", regions[0][1].domain), dtype=np.float64)
        doc.set_regions(regions, run)
        return doc

    def restore(self, other: "Document") -> None:
        """Take over ``other``'s state (a reopened session or study unit), keeping these subscribers.
        Classifiers stay when the same model, weights and engine are asked for; running jobs go stale."""
        keep = {t: self.classifiers[t] for t in TARGETS
                if self.classifiers[t] is not None and other.classifiers[t] is None and
                (self.model_name, self.weights, self.engine) == (other.model_name, other.weights, other.engine)
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

    def state(self) -> dict[str, Any]:
        """What a saved session keeps, plus the mesh as loaded (used for equality)."""
        data = self.to_session().__dict__.copy()
        data["mesh_sha256"] = self.mesh.sha256 if self.mesh is not None else None
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return _same(self.state(), other.state())

    __hash__ = None  # type: ignore[assignment]   (documents are mutable)

    @classmethod
    def from_study_unit(cls, record: Any, study: str | Path) -> "Document":
        """A document showing one finished unit of a study folder: its object, classes, model,
        map and regions."""
        if record.state != "done":
            raise SemviewerError("that unit of the study has no results (it failed or has not run)")
        semantic_map = SemanticMap.load(record.map_path)
        regions = [(PRIMARY, Region.from_json(r)) for r in record.regions]
        doc = cls()
        doc.open_object(record.object_source, record.up_axis)
        doc.set_classes(ClassSet(tuple(record.classes)))
        doc.model_name, doc.weights = record.model, record.weights
        doc.set_view(list(semantic_map.axis_names[:2]))
        doc.set_map(PRIMARY, semantic_map)
        doc.set_regions(regions, {
            "axes": list(semantic_map.axis_names[:2]),
            "domain": regions[0][1].domain if regions else semantic_map.domain(),
            "configs": {r.method: {"method": r.method} for _, r in regions},
            "source": {"kind": "study", "study": str(study)}, "provenance": dict(semantic_map.provenance)})
        doc.unit = {"study": str(study), "name": record.name}
        return doc


def _json_run(run: dict[str, Any]) -> dict[str, Any]:
    """The region run record as JSON values (the domain as nested lists)."""
    out = dict(run)
    if "domain" in out:
        out["domain"] = np.asarray(out["domain"], dtype=float).tolist()
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b
