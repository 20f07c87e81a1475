"""A validated study as plain data: its objects, models and settings, split into units.

A unit is one (object, model): its semantic map plus the regions grown on it (or live) from
every start point by every method. Everything that determines a unit's numbers goes into
its key, so a finished unit is never computed twice and a changed input is never reused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional

from semviewer.core.errors import SemviewerError
from semviewer.core.regions.config import RegionConfig

SCORES = ("map", "live")


class StudyError(SemviewerError):
    """A study manifest that cannot be run: the message names the key or [[objects]] entry."""


@dataclass(frozen=True)
class StudyObject:
    """One object of a study: a bundled name or a mesh path, with its class set and up axis."""

    label: str
    source: str                 # bundled name, or an absolute mesh path
    bundled: bool
    classes: tuple[int, ...]
    up_axis: str
    mesh_sha256: str            # of the loaded, normalised mesh (what is rendered)
    class_names: tuple[str, ...] = ()   # the classes by name (matched on each model's labels)


@dataclass(frozen=True)
class StudyModel:
    """One network of a study: a model spec, its weights file and its labels file."""

    label: str
    name: str
    weights: Optional[str]      # a file the user named, or None for the model's own weights
    weights_sha256: str
    labels: Optional[str] = None  # a labels file for its outputs (absolute), or None for the model's own
    labels_sha256: str = ""
    trust_code: bool = False      # a model file that is a program (TorchScript) may run: the manifest says so
    feeding: Mapping[str, Any] = field(default_factory=dict)    # ModelSpec.feeding(): input, card, labels


@dataclass(frozen=True)
class StudyVariant:
    """One value of a study's scene dimensions, beside objects and models: a background and a
    material (None: the paper's black and plain)."""

    background: Optional[Mapping[str, Any]] = None      # Background.to_saved(): how a unit finds it
    background_key: Optional[Mapping[str, Any]] = None  # Background.to_json(): what decides its pixels
    background_name: str = ""
    material: Optional[str] = None

    @property
    def label(self) -> str:
        return " · ".join(p for p in (self.background_name, self.material or "") if p)


@dataclass(frozen=True)
class StudyPlan:
    """A validated study: everything needed to compute and report it."""

    name: str
    objects: tuple[StudyObject, ...]
    models: tuple[StudyModel, ...]
    methods: tuple[str, ...]
    score: str
    grid: tuple[Mapping[str, Any], ...]         # the map axes, as GridAxis.to_json()
    solver: Mapping[str, Any]                   # RegionConfig fields (without method)
    starts: tuple[tuple[float, ...], ...]
    engine: str = "auto"
    preprocessing: str = "model"
    size: int = 224
    inside_points: int = 5
    manifest: Mapping[str, Any] = field(default_factory=dict)   # as read, for study.json
    base_dir: str = "."
    variants: tuple[StudyVariant, ...] = (StudyVariant(),)     # backgrounds × materials: one block each
    failures: Optional[Mapping[str, Any]] = None   # [failures]: a failure search in every unit (its settings)
    adaptive: Optional[float] = None               # [study] adaptive: the maps' tolerance (None: exact maps)

    def configs(self) -> list[RegionConfig]:
        return [RegionConfig(method=m, **self.solver) for m in self.methods]

    def units(self) -> list["UnitSpec"]:
        return [UnitSpec(self, obj, model, variant) for obj in self.objects for model in self.models
                for variant in self.variants]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["manifest"] = dict(self.manifest)
        return data


@dataclass(frozen=True)
class UnitSpec:
    """One (object, model) of a plan."""

    plan: StudyPlan
    object: StudyObject
    model: StudyModel
    variant: StudyVariant = StudyVariant()

    @property
    def name(self) -> str:
        return f"{self.object.label} × {self.model.label}" + (f" × {self.variant.label}" if self.variant.label else "")

    def payload(self) -> dict[str, Any]:
        """Plain data for whoever computes the unit (a process or a Ray task)."""
        p = self.plan
        data = {"object": asdict(self.object), "model": asdict(self.model), "methods": list(p.methods),
                "score": p.score, "grid": [dict(a) for a in p.grid], "solver": dict(p.solver),
                "starts": [list(s) for s in p.starts], "engine": p.engine, "preprocessing": p.preprocessing,
                "size": p.size, "inside_points": p.inside_points}
        if p.adaptive is not None:              # exact maps add nothing (the keys of earlier units stay)
            data["adaptive"] = p.adaptive
        if p.failures is not None:              # without [failures] nothing is added (the keys of earlier units stay)
            data["failures"] = dict(p.failures)
        if self.variant.label:                  # the paper's scene adds nothing (the keys of earlier units stay)
            data["variant"] = {"background": self.variant.background, "material": self.variant.material,
                               "label": self.variant.label}
        return data

    def key(self) -> str:
        """A hash of everything that determines the unit's numbers."""
        data = self.payload()
        data["object"] = {k: v for k, v in data["object"].items() if k not in ("label", "source")}
        data["model"] = {k: v for k, v in data["model"].items() if k not in ("label", "weights", "trust_code")}
        if "variant" in data:
            data["variant"] = {"background": self.variant.background_key, "material": self.variant.material}
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def file_stem(self) -> str:
        name = f"{self.object.label}__{self.model.label}" + (f"__{self.variant.label}" if self.variant.label else "")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return f"{safe}__{self.key()[:12]}"
