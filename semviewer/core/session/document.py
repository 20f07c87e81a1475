"""The document: the state of what the user is looking at, Qt-free, made of parts with change events.

A ``Document`` has six parts (``semviewer.core.session.parts``): ``scene`` (object, mesh, class
set, pose, render settings), ``model`` (primary and compare models, engine, classifiers), ``view``
(map axes, resolution, aggregate), ``maps`` (the map of each target), ``solver`` (start points,
solver settings, regions) and ``failures`` (the last failure search). A part changes what concerns
it alone (``doc.scene.set_pose``,
``doc.view.set``) and says so through its own events (``doc.scene.events.pose.connect(...)``).
Changes that concern several parts are the Document's methods: they validate first, then apply the
rules that keep the state consistent (a new object, class set or model drops the maps, regions and
failures made with the old one; ``events.dropped`` says so).

Long jobs (maps, solvers, failure searches) take a ``ticket(kind)`` when they start and hand it
back with their result; a result whose ticket is no longer current was made for a state that has changed since
and is dropped. The window, the CLI and tests all drive the same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from semviewer.core.errors import SemviewerError, first_line
from semviewer.core.inference.classifier import Classifier
from semviewer.core.maps.grids import PAPER_1D_FIXED, domain_rows
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.models.labels import ClassSet
from semviewer.core.models.sources import get_model_spec
from semviewer.core.regions.config import ALL_METHODS, METHODS, RegionConfig, paper_starts
from semviewer.core.regions.region import Region
from semviewer.core.regions.request import (COMPARE, PRIMARY, SOURCES, TARGETS, RegionRequest, RegionTarget,
                                            check_starts)
from semviewer.core.scene.axes import AXES, Pose, check_continuous
from semviewer.core.scene.mesh import MeshData, check_up_axis
from semviewer.core.scene.objects import resolve_object
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.session.events import EventGroup
from semviewer.core.failures.result import FailureSearch
from semviewer.core.failures.starts import starts_beside
from semviewer.core.session.parts import FailuresPart, MapsPart, ModelPart, ScenePart, SolverPart, ViewPart

__all__ = ["ALL_METHODS", "COMPARE", "PRIMARY", "SOURCES", "TARGETS", "Document", "title"]

PARTS = ("scene", "model", "view", "maps", "solver", "failures")
#: Without a choice, the start points go beside this many of the worst failures.
FAILURE_STARTS = 4


class Document:
    """The state of one semviewer session (see the module docstring)."""

    def __init__(self) -> None:
        self.events = EventGroup(("dropped",))     # the maps and regions went: every running job is stale
        self.scene, self.model, self.view = ScenePart(), ModelPart(), ViewPart()
        self.maps, self.solver, self.failures = MapsPart(), SolverPart(), FailuresPart()
        self._tickets = {PRIMARY: 0, COMPARE: 0, "regions": 0, "failures": 0}

    # -- generations -------------------------------------------------------------------
    def ticket(self, kind: str) -> int:
        """The generation of ``kind`` (primary, compare, regions or failures) for a job starting now."""
        return self._tickets[kind]

    def is_current(self, kind: str, ticket: Optional[int]) -> bool:
        return ticket is None or ticket == self._tickets[kind]

    def _bump(self, *kinds: str) -> None:
        for kind in kinds:
            self._tickets[kind] += 1

    # -- object, classes, models -------------------------------------------------------------
    def open_object(self, name_or_path: str, up_axis: str = "y", resolve=resolve_object) -> None:
        """Open a bundled object by name or a mesh file by path (loaded here by ``resolve``)."""
        choice = resolve(name_or_path, up_axis)
        self.set_object(choice.mesh, name_or_path, up_axis, choice.classes, choice.default_pose)

    def set_object(self, mesh: MeshData, source: str, up_axis: str = "y", classes: Optional[ClassSet] = None,
                   default_pose: Optional[Pose] = None) -> None:
        """Show ``mesh``; its class set when known (else the current one stays). Drops the results."""
        check_up_axis(up_axis)
        scene, labels = self.scene, self.model.labels
        scene.mesh, scene.object_source, scene.up_axis = mesh, source, up_axis
        if classes is not None:        # the object's class, on the model's labels when they name it
            scene.classes = classes.on(labels) or scene.classes or ClassSet((0,), labels)
        elif scene.classes is None:
            scene.classes = ClassSet((0,), labels)
        scene.default_pose = default_pose or Pose()
        scene.pose = scene.default_pose.replace(**{k: v for k, v in scene.pose.as_dict().items()    # the scene's
                                                   if AXES[k].group in ("light", "scene", "corruption")  # look stays
                                                   and k not in ("light_azimuth", "light_elevation", "material")})
        self.maps.unit = self.maps.file = None
        scene.events.object.emit()
        scene.events.classes.emit()
        self.drop_results()
        scene.events.pose.emit(scene.pose)

    def set_classes(self, classes: ClassSet) -> None:
        """The true class set, on the model's labels; the maps and regions of the old one are dropped."""
        if not isinstance(classes, ClassSet):
            raise SemviewerError("the true class set needs at least one class")
        mapped = classes.on(self.model.labels)
        if mapped is None:
            raise SemviewerError(f"{self.model.name} has no class named {str(classes)!r}; choose among its "
                                 f"{len(self.model.labels)} labels")
        self.scene.classes = mapped
        self.scene.events.classes.emit()
        self.drop_results()

    def set_model(self, name: str, weights: Optional[str] = None, classifier: Optional[Classifier] = None,
                  keep_results: bool = False, labels: Optional[str] = None) -> None:
        """The primary model spec (see ``get_model_spec``), its weights and labels files, and its
        classifier once loaded. The maps and regions made with the previous model are dropped unless
        ``keep_results`` (they were made with this one). A class set the new labels do not name
        becomes their first class (``model.classes_reset`` says so)."""
        model, scene = self.model, self.scene
        spec = classifier.spec if classifier is not None else get_model_spec(name, labels)
        model.name, model.weights, model.labels_file, model.spec = name, weights, labels, spec
        model.classifiers[PRIMARY] = classifier
        model.classes_reset = False
        if scene.classes is not None and scene.classes.labels.names != spec.label_set.names:
            mapped = scene.classes.on(spec.label_set)
            model.classes_reset = mapped is None
            scene.classes = mapped or ClassSet((0,), spec.label_set)
            scene.events.classes.emit()
        model.events.model.emit()
        if not keep_results:
            self.drop_results()

    def set_render_settings(self, settings: RenderSettings) -> None:
        """How the object is drawn (its backgrounds, its colour): the maps and regions of the old
        look are dropped; a pose on a background that is gone moves to the first."""
        if not isinstance(settings, RenderSettings):
            raise SemviewerError("render settings are a RenderSettings")
        scene = self.scene
        scene.render_settings = settings
        if scene.pose["background"] >= len(settings.backgrounds):
            scene.pose = scene.pose.replace(background=0)
        scene.events.settings.emit()
        self.drop_results()
        scene.events.pose.emit(scene.pose)

    def set_compare_model(self, name: Optional[str]) -> None:
        """Compare with ``name`` (None: no comparison). Its map and regions, and any running compare
        job, belong to the old name and are dropped."""
        if name is not None:
            get_model_spec(name)
        self.model.compare = name
        self.model.classifiers[COMPARE] = None
        self._bump(COMPARE, "regions")
        self.solver.regions = [(t, r) for t, r in self.solver.regions if t == PRIMARY]
        self.model.events.compare.emit()
        self.maps.store(COMPARE, None)
        self.solver.events.regions.emit()

    def set_compare_classifier(self, classifier: Classifier, ticket: Optional[int] = None) -> None:
        if self.is_current(COMPARE, ticket):
            self.model.classifiers[COMPARE] = classifier

    # -- maps ------------------------------------------------------------------------------
    def grid(self):
        """The grid a map of the current view is computed on: the view's axes at its resolution, a
        categorical axis over every value of the scene."""
        return self.view.grid({name: self.scene.categories(name) for name in self.view.map_axes
                               if AXES[name].categorical})

    def region_domain(self, axes: Optional[Sequence[str]] = None, target: str = PRIMARY) -> np.ndarray:
        """Ω over ``axes``: the map's, else the window grid's ranges."""
        axes = list(axes or self.view.map_axes)
        semantic_map = self.maps[target]
        if semantic_map is not None and set(axes) <= set(semantic_map.axis_names):
            return semantic_map.domain(axes)
        return domain_rows(axes)

    def set_map(self, target: str, semantic_map: Optional[SemanticMap], ticket: Optional[int] = None) -> bool:
        """Store a (partial or complete) map; False, and nothing changes, when ``ticket`` is stale."""
        if target not in TARGETS:
            raise SemviewerError(f"a map is primary or compare, not {target!r}")
        if not self.is_current(target, ticket):
            return False
        self.maps.store(target, semantic_map)
        return True

    def open_map(self, semantic_map: SemanticMap, path: str) -> None:
        """Show a saved map: every running job's result is stale, the regions and starts go."""
        self._bump(PRIMARY, COMPARE, "regions", "failures")
        self.events.dropped.emit()
        self.maps.by_target = {PRIMARY: semantic_map, COMPARE: None}
        self.maps.file, self.maps.unit = str(path), None
        self.solver.regions, self.solver.run = [], {}
        self.view.set(list(semantic_map.axis_names[:2]))
        self.set_starts([])
        self.maps.events.changed.emit(PRIMARY, True)
        self.solver.events.regions.emit()
        self.failures.store(None)

    def drop_results(self) -> None:
        """Forget the maps, regions and failures (the object, classes, model or scene changed);
        running jobs go stale."""
        self._bump(PRIMARY, COMPARE, "regions", "failures")
        self.solver.regions, self.solver.run = [], {}
        self.events.dropped.emit()
        self.maps.store(None, None)
        self.solver.events.regions.emit()
        self.failures.store(None)

    # -- failures ------------------------------------------------------------------------------
    def set_failures(self, search: Optional[FailureSearch], ticket: Optional[int] = None,
                     complete: bool = True, images: Optional[np.ndarray] = None) -> bool:
        """Store a failure search (partial while it runs) and the renders of its failures when
        made; False when ``ticket`` is stale."""
        if not self.is_current("failures", ticket):
            return False
        if search is not None and not isinstance(search, FailureSearch):
            raise SemviewerError("failures are a FailureSearch")
        if search is not None:
            check_continuous(search.axes, "a failure search moves")
        if images is not None and (search is None or len(images) > len(search.failures)):
            raise SemviewerError("there are more failure renders than failures")
        self.failures.store(search, complete, images)
        return True

    def failure_starts(self, indices: Optional[Sequence[int]] = None) -> tuple[list[tuple[float, ...]], str]:
        """Start points next to failures (``indices`` into the list; default the FAILURE_STARTS
        worst), for the robust region beside each: on the map axes, the nearest cell of the computed
        map where the true class ranks first, near the failure (``starts_beside``). Returns them
        and a note for the user."""
        search = self.failures.search
        if search is None or not search.failures:
            raise SemviewerError("no failures yet: run Find failures first")
        indices = list(range(min(FAILURE_STARTS, len(search.failures)))) if not indices else list(indices)
        if any(not 0 <= i < len(search.failures) for i in indices):
            raise SemviewerError(f"there are {len(search.failures)} failures; choose among them")
        chosen = [search.failures[i] for i in indices]
        axes = list(self.view.map_axes)
        semantic_map = self.maps[PRIMARY]
        if semantic_map is None or not set(axes) <= set(semantic_map.axis_names) or semantic_map.top1 is None:
            raise SemviewerError("compute the map of these axes first: a failure's start point is the nearest pose "
                                 "on the map where the network is right")
        if not any(all(a in f.point for a in axes) for f in chosen):
            raise SemviewerError(f"the failures were searched on {' × '.join(search.axes)}: none lies on the axes "
                                 f"shown ({' × '.join(axes)})")
        starts = starts_beside(chosen, semantic_map, axes, self.scene.pose.as_dict())
        if not starts:
            raise SemviewerError("the network is wrong everywhere near the failures on this map: no start point "
                                 "for a robust region beside them")
        self.set_starts(starts, axes)
        skipped = len(chosen) - len(starts)
        note = f"{len(starts)} start point{'s' if len(starts) != 1 else ''} beside the failures"
        return starts, note + (f" ({skipped} failures share a start or have none near them)" if skipped else "")

    # -- start points, solver settings, regions ------------------------------------------------
    def set_starts(self, starts: Sequence[Sequence[float]], axes: Optional[Sequence[str]] = None) -> None:
        """Start points on ``axes`` (default: the map axes); they are used only on those axes."""
        axes = list(axes or self.view.map_axes)
        if not 1 <= len(axes) <= 2 or len(set(axes)) != len(axes) or any(a not in AXES for a in axes):
            raise SemviewerError(f"start points are on one or two different axes of {', '.join(AXES)}")
        self.solver.starts, self.solver.start_axes = check_starts(starts, axes), axes
        self.solver.events.starts.emit()

    def add_start(self, point: Sequence[float]) -> None:
        """Add a start point on the map axes (clipped into Ω); starts picked on other axes go."""
        check_continuous(self.view.map_axes)
        rows = self.region_domain()
        point = tuple(float(np.clip(v, lo, hi)) for v, (lo, hi) in zip(point, rows))
        keep = self.solver.starts if self.starts_shown() else []
        self.set_starts(list(keep) + [point])

    def starts_shown(self) -> bool:
        """Whether the start points belong to the axes on the map now."""
        return self.solver.start_axes == self.view.map_axes

    def use_paper_starts(self) -> str:
        """The paper's start points for the map axes; returns a note for the user ('' if none)."""
        starts = paper_starts(self.view.map_axes)
        if starts is None:
            raise SemviewerError("the paper's start points are for azimuth × elevation (or azimuth alone)")
        self.set_starts(list(starts))
        if len(self.view.map_axes) == 1 and self.scene.pose["elevation"] != PAPER_1D_FIXED["elevation"]:
            self.scene.set_pose(self.scene.pose.replace(**PAPER_1D_FIXED))
            return ("the paper's 1-D starts run at elevation 35°: the pose moved there; "
                    "compute the map again for that curve")
        return ""

    def default_starts(self) -> str:
        """Start points when none were given: the paper's where they apply, else the centre of Ω.
        Returns what was chosen, for the user."""
        if paper_starts(self.view.map_axes) is not None:
            self.use_paper_starts()
            return "no start points given: the paper's starts"
        self.set_starts([tuple(float(v) for v in self.region_domain().mean(axis=1))])
        return "no start points given: the centre of the domain"

    def set_solver(self, methods: Optional[Sequence[str] | str] = None, settings: Optional[dict] = None,
                   source: Optional[str] = None, inside_points: Optional[int] = None) -> None:
        """Solver methods (or "all three"), hyper-parameters (RegionConfig fields), score source
        (map or live) and inside-check lattice; validated (on the map axes) before anything changes."""
        solver = self.solver
        if methods is not None:
            methods = tuple(METHODS) if methods == ALL_METHODS else \
                (methods,) if isinstance(methods, str) else tuple(dict.fromkeys(methods))
            if not methods or any(m not in METHODS for m in methods):
                raise SemviewerError(f"solver methods must be among {', '.join(METHODS)}")
        settings = dict(solver.settings if settings is None else settings)
        settings.pop("method", None)
        try:
            for m in methods or solver.methods:
                RegionConfig(method=m, **settings).check(len(self.view.map_axes))
        except TypeError as exc:
            raise SemviewerError(f"solver: {first_line(exc)}") from None
        if source is not None and source not in SOURCES:
            raise SemviewerError(f"the score source is map or live, not {source!r}")
        if inside_points is not None and (not isinstance(inside_points, int) or inside_points < 0):
            raise SemviewerError("inside_points must be a whole number ≥ 0")
        solver.methods = methods or solver.methods
        solver.settings = settings
        solver.source = source or solver.source
        solver.inside_points = solver.inside_points if inside_points is None else inside_points
        solver.events.settings.emit()

    def set_regions(self, regions: Sequence[tuple[str, Region]], run: Optional[dict] = None,
                    ticket: Optional[int] = None) -> bool:
        """Store regions (with the record of the run that grew them); False when ``ticket`` is stale."""
        if not self.is_current("regions", ticket):
            return False
        if any(t not in TARGETS or not isinstance(r, Region) for t, r in regions):
            raise SemviewerError("regions are (primary or compare, Region) pairs")
        self.solver.regions = list(regions)
        if run is not None:
            self.solver.run = dict(run)
        self.solver.events.regions.emit()
        return True

    def regions_shown(self) -> bool:
        """Whether the regions were grown on the axes on the map now."""
        return not self.solver.regions or list(self.solver.run.get("axes", self.view.map_axes)) == self.view.map_axes

    def region_request(self) -> RegionRequest:
        """The request to grow regions from the document as it stands: the map axes, the start
        points (SemviewerError when they were picked on other axes), the methods and settings, the
        score source and the pose that slices the map's other axes."""
        axes = list(self.view.map_axes)
        if self.solver.starts and self.solver.start_axes != axes:
            raise SemviewerError(f"the start points were picked on {' × '.join(self.solver.start_axes)}, not on the "
                                 f"axes shown ({' × '.join(axes)}); switch back, or clear them and pick again")
        return RegionRequest(tuple(axes), tuple(self.solver.starts), tuple(self.solver.configs()), self.solver.source,
                             None, self.solver.inside_points, self.scene.pose.as_dict())

    def region_targets(self) -> list[RegionTarget]:
        """The primary target, then the compare target when there is a compare model."""
        return [RegionTarget(t, self.model.label(t), self.maps[t], self.model.classifiers[t])
                for t in TARGETS if self.model.label(t) is not None]

    # -- sessions ------------------------------------------------------------------------------
    def restore(self, other: "Document") -> None:
        """Take over ``other``'s parts (a reopened session or study unit), keeping these subscribers.
        Classifiers stay when the same model, weights and engine are asked for; running jobs go stale."""
        mine, theirs = self.model, other.model
        keep = {t: mine.classifiers[t] for t in TARGETS
                if mine.classifiers[t] is not None and theirs.classifiers[t] is None and
                (mine.name, mine.weights, mine.labels_file, mine.engine) ==
                (theirs.name, theirs.weights, theirs.labels_file, theirs.engine)
                and (t == PRIMARY or mine.compare == theirs.compare)}
        self._tickets = {k: v + 1 for k, v in self._tickets.items()}
        for name in PARTS:
            getattr(self, name).take(getattr(other, name).state())
        self.model.classifiers = {**other.model.classifiers, **keep}
        scene, model, solver = self.scene.events, self.model.events, self.solver.events
        self.failures.events.changed.emit()
        for event in (self.events.dropped, scene.object, scene.classes, model.model, model.compare):
            event.emit()
        scene.pose.emit(self.scene.pose)
        self.view.events.changed.emit()
        self.maps.events.changed.emit(None, True)
        for event in (solver.starts, solver.settings, solver.regions):
            event.emit()

    def snapshot(self) -> "Document":
        """A copy to read from another thread (an export), with no subscribers."""
        copy = Document()
        for name in PARTS:
            getattr(copy, name).take(getattr(self, name).state())
        return copy


def title(document: Document) -> str:
    """What a window showing ``document`` is called: the map file, model and class set of an opened
    map, else the object, model and class set."""
    semantic_map = document.maps[PRIMARY]
    if document.maps.file is not None and semantic_map is not None:
        prov = semantic_map.provenance
        classes = " + ".join(prov.get("classes", {}).get("names", [])) or "?"
        return f"semviewer — map {Path(document.maps.file).name} · {prov.get('model', '?')} · p({classes})"
    obj = Path(document.scene.object_source).name if document.scene.mesh is not None else "?"
    return f"semviewer — {obj} · {document.model.name} · p({document.scene.classes})"
