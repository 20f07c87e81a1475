"""Opening one finished unit of a study folder as a document."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from semviewer.core.errors import SemviewerError
from semviewer.core.failures.result import FailureSearch
from semviewer.core.scene.backgrounds import Background
from semviewer.core.scene.materials import material_index
from semviewer.core.models.labels import ClassSet
from semviewer.core.maps.semantic_map import SemanticMap
from semviewer.core.regions.region import Region
from semviewer.core.session.document import PRIMARY, Document


def from_study_unit(record: Any, study: str | Path) -> Document:
    """A document showing one finished unit of a study folder: its object, classes, model, map,
    the start points and methods of its regions, the regions and its failures (if searched)."""
    if record.state != "done":
        raise SemviewerError(f"that unit of the study cannot be opened ({record.state})")
    semantic_map = SemanticMap.load(record.map_path)
    regions = [(PRIMARY, Region.from_json(r)) for r in record.regions]
    axes = list(semantic_map.axis_names[:2])
    doc = Document()
    doc.open_object(record.object_source, record.up_axis)
    if record.mesh_sha256 and doc.scene.mesh.sha256 != record.mesh_sha256:
        raise SemviewerError(f"the mesh {record.object_source} changed since this unit was computed; run the study "
                             f"again to see its map of the mesh as it is now")
    doc.set_model(record.model, record.weights, labels=record.labels)
    variant = getattr(record, "variant", None) or {}
    if variant.get("background"):
        doc.set_render_settings(replace(doc.scene.render_settings,
                                        backgrounds=(Background.from_saved(variant["background"]),)))
    if variant.get("material"):
        doc.scene.set_pose(doc.scene.pose.replace(material=material_index(doc.scene.mesh, variant["material"])))
    ids = semantic_map.provenance.get("classes", {}).get("ids") or list(record.classes)
    doc.set_classes(ClassSet(tuple(int(i) for i in ids), doc.model.labels))
    doc.view.set(axes)
    doc.set_map(PRIMARY, semantic_map)
    if regions:
        doc.set_solver(list(dict.fromkeys(r.method for _, r in regions)))
        doc.set_starts(list(dict.fromkeys(tuple(float(v) for v in r.start) for _, r in regions)), axes)
    doc.set_regions(regions, {
        "axes": axes, "domain": regions[0][1].domain if regions else semantic_map.domain(),
        "configs": {r.method: {"method": r.method} for _, r in regions},
        "source": {"kind": "study", "study": str(study)}, "provenance": dict(semantic_map.provenance)})
    if getattr(record, "failures", None):
        doc.set_failures(FailureSearch.from_json(record.failures))
    doc.maps.unit = {"study": str(study), "name": record.name}
    return doc
