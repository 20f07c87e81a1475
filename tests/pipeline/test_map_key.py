"""The map cache key changes with every input that changes a map's values (and only with those)."""

import dataclasses

import pytest

from semviewer.core.scene.grid import parse_grid_axis
from semviewer.core.inference.classifier import Classifier
from semviewer.core.engines.onnxruntime_engine import OnnxRuntimeEngine
from semviewer.core.models.labels import ClassSet
from semviewer.core.maps.cache import map_key
from semviewer.core.scene.mesh import load_mesh
from semviewer.core.scene.backgrounds import Background
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.pipeline.scene import Scene
from semviewer.pipeline.keys import score_provenance

AXES = (parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=0:90:45"))


def _classifier(base, **changes):
    kw = dict(preprocessing=base.preprocessing, device="cpu", precision=base.precision,
              weights_sha256=base.weights_sha256)
    kw.update({k: v for k, v in changes.items() if k in kw})
    clf = Classifier(base.spec, base.module, base.weights_path, changes.get("weights_id", base.weights_id), **kw)
    if changes.get("engine", base.engine) == "onnxruntime" and kw["precision"] == "fp32":
        clf.use(OnnxRuntimeEngine.open(clf, 2))
    return clf


def _key(classifier, mesh, settings=RenderSettings(), classes=ClassSet((849,)), fixed=None, axes=AXES):
    provenance = score_provenance(Scene(mesh, classes, settings), classifier, [a.name for a in axes])
    return map_key(provenance, axes, fixed or {"distance": 2.732})


def test_every_input_changes_the_key(classifier, box_mesh_file):
    mesh_y = load_mesh(box_mesh_file, up_axis="y")
    base = _key(classifier, mesh_y)
    assert _key(classifier, load_mesh(box_mesh_file, up_axis="y")) == base          # stable
    variants = {
        "up axis": _key(classifier, load_mesh(box_mesh_file, up_axis="z")),
        "bf16": _key(_classifier(classifier, precision="bf16"), mesh_y),
        "engine": _key(_classifier(classifier, engine="torch"), mesh_y),
        "preprocessing": _key(_classifier(classifier, preprocessing="raw"), mesh_y),
        "weights": _key(_classifier(classifier, weights_id="other.pth:0123"), mesh_y),
        "classes": _key(classifier, mesh_y, classes=ClassSet((849, 505))),
        "fixed": _key(classifier, mesh_y, fixed={"distance": 3.0}),
        "scene axis": _key(classifier, mesh_y, fixed={"distance": 2.732, "noise": 1.0}),
        "grid": _key(classifier, mesh_y, axes=(AXES[0], parse_grid_axis("elevation=0:90:30"))),
    }
    changed = {"width": 256, "height": 256, "backgrounds": (Background("dim", "colour", (0.1, 0.1, 0.1)),),
               "object_color": (0.9, 0.8, 0.7), "samples": 0}
    assert set(changed) == {f.name for f in dataclasses.fields(RenderSettings)}, "a new render setting needs a case"
    for name, value in changed.items():
        variants[f"render {name}"] = _key(classifier, mesh_y, settings=RenderSettings(**{name: value}))
    same = [name for name, key in variants.items() if key == base]
    assert not same, f"the map key ignores: {same}"
    assert len(set(variants.values())) == len(variants)


@pytest.mark.parametrize("volatile", ["date"])
def test_volatile_fields_do_not(classifier, box_mesh_file, volatile):
    mesh = load_mesh(box_mesh_file)
    provenance = score_provenance(Scene(mesh, ClassSet((849,))), classifier, ["azimuth"])
    assert map_key(provenance, AXES[:1], {}) == map_key({**provenance, volatile: "another day"}, AXES[:1], {})
