"""Property-based fuzzing of every reader of user files (hypothesis).

Contract: a reader either returns something that passes the same checks as a good file, or
raises a SemviewerError whose message is one line. Never another exception, never a hang.
"""

import io
import json
import pickle

import numpy as np
import pytest
import torch
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import EXAMPLES, TRIED, time_limit
from semviewer.core.errors import SemviewerError

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


def one_line_error(exc: BaseException) -> None:
    assert isinstance(exc, SemviewerError), f"{type(exc).__name__}: {exc}"
    assert str(exc) and "\n" not in str(exc), repr(str(exc))


def holds_contract(reader: str, read, check, seconds: float = 10.0) -> None:
    """Count one input for ``reader``; ``read()`` must pass ``check`` or raise one SemviewerError line."""
    TRIED[reader] += 1
    with time_limit(seconds):
        try:
            result = read()
        except Exception as exc:  # noqa: BLE001 (the contract is about the exception's type)
            one_line_error(exc)
        else:
            check(result)


def mutate(data: bytes, draw) -> bytes:
    """Truncate, flip bits, splice random bytes or replace the whole file."""
    kind = draw(st.sampled_from(["truncate", "flip", "splice", "random", "same"]))
    if kind == "truncate":
        return data[:draw(st.integers(0, max(0, len(data) - 1)))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 16))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "splice":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=64)) + data[i + draw(st.integers(0, 64)):]
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=512))
    return data


# -- meshes ------------------------------------------------------------------------------------
def _mesh_files() -> dict[str, bytes]:
    box = trimesh.creation.box(extents=(2.0, 1.0, 0.5))
    files = {}
    for ext in ("obj", "ply", "glb", "stl", "off"):
        buffer = box.export(file_type=ext)
        files[ext] = buffer if isinstance(buffer, bytes) else buffer.encode()
    files["obj-nan"] = b"v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    files["obj-inf"] = b"v 1e400 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    files["obj-degenerate"] = b"v 0 0 0\nv 0 0 0\nv 0 0 0\nf 1 2 3\n"
    files["obj-zero-area"] = b"v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n"
    files["obj-point"] = b"v 0 0 0\n"
    files["obj-bad-index"] = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n"
    return files


MESHES = _mesh_files()


def check_mesh(mesh) -> None:
    assert mesh.face_count >= 1 and mesh.faces.min() >= 0 and mesh.faces.max() < len(mesh.vertices)
    assert np.isfinite(mesh.vertices).all() and np.abs(mesh.vertices).max() <= 1.0 + 1e-5


@FUZZ
@given(st.data())
def test_mesh_files(tmp_path_factory, data):
    from semviewer.core.scene.mesh import load_mesh

    name = data.draw(st.sampled_from(sorted(MESHES)))
    blob = mutate(MESHES[name], data.draw)
    path = tmp_path_factory.mktemp("mesh") / f"fuzz.{name.split('-')[0]}"
    path.write_bytes(blob)
    up = data.draw(st.sampled_from(["x", "y", "z"]))
    holds_contract("mesh files", lambda: load_mesh(path, up_axis=up), check_mesh)


# -- semantic maps ---------------------------------------------------------------------------
def _good_map_bytes() -> tuple[bytes, dict]:
    from semviewer.core.scene.grid import parse_grid_axis
    from semviewer.core.maps.semantic_map import empty_map

    m = empty_map((parse_grid_axis("azimuth=0:360:90"), parse_grid_axis("elevation=-10:90:50")), {"distance": 3.0},
                  {"model": "x"})
    m.values[:] = 0.5
    buffer = io.BytesIO()
    np.savez_compressed(buffer, values=m.values, top1=np.ones(m.shape, np.float32),
                        manifest=np.array(json.dumps(m.manifest())))
    return buffer.getvalue(), m.manifest()


MAP_BYTES, MAP_MANIFEST = _good_map_bytes()
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) |
                           st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                        max_size=4), max_leaves=8)


def _mutated_manifest(draw) -> dict:
    manifest = json.loads(json.dumps(MAP_MANIFEST))
    target = draw(st.sampled_from(["drop", "replace", "axis", "points", "nothing"]))
    key = draw(st.sampled_from(sorted(manifest)))
    if target == "drop":
        manifest.pop(key)
    elif target == "replace":
        manifest[key] = draw(JSON_VALUES)
    elif target == "axis":
        axis = manifest["axes"][draw(st.integers(0, 1))]
        axis[draw(st.sampled_from(["name", "unit", "points", "upper"]))] = draw(JSON_VALUES)
    elif target == "points":
        manifest["axes"][0]["points"] = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6))
    return manifest


def check_map(m) -> None:
    values = np.asarray(m.values)
    finite = values[np.isfinite(values)]
    assert not np.isinf(values).any() and (finite.size == 0 or (finite.min() >= 0 and finite.max() <= 1))
    assert values.shape == tuple(a.size for a in m.axes)
    for a in m.axes:
        assert a.size >= 1 and np.isfinite(a.points).all() and (np.diff(a.points) > 0).all()
    if m.top1 is not None:
        t = np.asarray(m.top1)
        assert np.isin(t[np.isfinite(t)], (0.0, 1.0)).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@FUZZ
@given(st.data())
def test_map_files(tmp_path_factory, data):
    from semviewer.core.maps.semantic_map import SemanticMap

    kind = data.draw(st.sampled_from(["bytes", "manifest", "arrays"]))
    if kind == "bytes":
        blob = mutate(MAP_BYTES, data.draw)
    else:
        manifest = _mutated_manifest(data.draw) if kind == "manifest" else MAP_MANIFEST
        shape = data.draw(st.sampled_from([(4, 2), (2, 4), (4,), (4, 2, 1), (0,)]))
        fill = data.draw(st.sampled_from([0.5, np.nan, 1e30, -3.0, np.inf]))
        arrays = {"values": np.full(shape, fill, np.float32), "manifest": np.array(json.dumps(manifest))}
        if data.draw(st.booleans()):
            arrays["top1"] = np.full(shape, data.draw(st.sampled_from([0.0, 1.0, 7.0, np.nan])), np.float32)
        if data.draw(st.booleans()):
            arrays["values"] = arrays["values"].astype(data.draw(st.sampled_from(["int8", "<U3", "complex64"])))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        blob = buffer.getvalue()
    path = tmp_path_factory.mktemp("map") / "fuzz.npz"
    path.write_bytes(blob)
    holds_contract("map .npz", lambda: SemanticMap.load(path), check_map)


# -- regions JSON and sessions -----------------------------------------------------------------
GOOD_REGION = {"method": "oir_b", "start": [130.0, 30.0], "lower": [100.0, 10.0], "upper": [160.0, 50.0],
               "domain": [[0.0, 360.0], [-10.0, 90.0]], "volume_ratio": 0.07, "evaluations": 10, "steps": 5,
               "stop_reason": "steps", "message": "",
               "inside": {"mean_p": 0.5, "min_p": 0.1, "top1_fraction": 0.6, "points": 9, "source": "map"}}


def _mutated(draw, good: dict) -> dict:
    out = json.loads(json.dumps(good))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(out) + ["extra"]))
        action = draw(st.sampled_from(["drop", "replace", "nothing"]))
        if action == "drop":
            out.pop(key, None)
        elif action == "replace":
            out[key] = draw(JSON_VALUES | st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3))
    return out


def check_region(r) -> None:
    assert r.method in ("naive", "oir_b", "oir_w")
    n = len(r.start)
    assert n >= 1 and r.lower.shape == r.upper.shape == (n,) and r.domain.shape == (n, 2)
    for arr in (r.start, r.lower, r.upper, r.domain):
        assert np.isfinite(arr).all()
    assert (r.lower <= r.upper).all() and (r.domain[:, 0] < r.domain[:, 1]).all()
    assert 0.0 <= r.volume_ratio <= 1.0 and r.evaluations >= 0 and r.steps >= 0


@FUZZ
@given(st.data())
def test_regions_json(data):
    from semviewer.core.regions.region import Region

    record = _mutated(data.draw, GOOD_REGION)
    holds_contract("regions JSON", lambda: Region.from_json(record), check_region)


GOOD_SESSION = {"format": "semviewer-session", "version": 1, "object": "teapot", "up_axis": "y",
                "model": "efficientnet-lite0", "weights": None, "classes": [849], "pose": {"azimuth": 30.0},
                "map_axes": ["azimuth", "elevation"], "resolution": "coarse", "aggregate": None,
                "compare_model": None, "solver": {"method": "oir_b", "steps": 100}, "starts": [[130.0, 30.0]],
                "regions": [GOOD_REGION]}


@FUZZ
@given(st.data())
def test_session_files(tmp_path_factory, data):
    from semviewer.core.session.saved_state import Session

    kind = data.draw(st.sampled_from(["fields", "bytes"]))
    text = json.dumps(_mutated(data.draw, GOOD_SESSION), allow_nan=True).encode()
    if kind == "bytes":
        text = mutate(json.dumps(GOOD_SESSION).encode(), data.draw)
    path = tmp_path_factory.mktemp("session") / "s.json"
    path.write_bytes(text)
    # a loaded session is a valid one: validating it again passes
    holds_contract("session JSON", lambda: Session.load(path), lambda session: session.validate())


# -- study manifests -----------------------------------------------------------------------------
GOOD_STUDY = """[study]
name = "fuzz"
models = ["efficientnet-lite0"]
methods = ["oir_b"]
score = "map"

[grid]
azimuth = "0:360:90"
elevation = "-10:90:50"

[solver]
steps = 10
starts = [[130, 30]]

[[objects]]
name = "teapot"
"""
TOML_VALUES = st.sampled_from(['"x"', "3", "-1", "1e400", "nan", "inf", "[]", "[1, 2]", "{a = 1}", "true",
                               '"0:360:0"', '"90:0:3"', '["teapot"]', '"efficientnet-lite9"', "[[1, 2, 3]]"])


@FUZZ
@given(st.data())
def test_study_manifests(tmp_path_factory, data):
    from semviewer.studies.manifest import load_study

    lines = GOOD_STUDY.splitlines()
    kind = data.draw(st.sampled_from(["value", "drop", "bytes", "key"]))
    assignments = [i for i, line in enumerate(lines) if " = " in line]
    i = data.draw(st.sampled_from(assignments))
    if kind == "value":
        lines[i] = lines[i].split(" = ")[0] + " = " + data.draw(TOML_VALUES)
    elif kind == "drop":
        lines.pop(i)
    elif kind == "key":
        lines[i] = data.draw(st.sampled_from(["colour", "steps", "name", "path", "classes"])) + " = " + \
            lines[i].split(" = ", 1)[1]
    text = "\n".join(lines).encode()
    if kind == "bytes":
        text = mutate(GOOD_STUDY.encode(), data.draw)
    path = tmp_path_factory.mktemp("study") / "s.toml"
    path.write_bytes(text)
    holds_contract("study TOML", lambda: load_study(path), check_plan, seconds=30)


def check_plan(plan) -> None:
    assert plan.objects and plan.models and plan.methods and plan.units()


def check_state_dict(state) -> None:
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())


# -- checkpoints -------------------------------------------------------------------------------
class Payload:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def _checkpoints() -> dict[str, bytes]:
    import torchvision.models as tvm

    def saved(obj) -> bytes:
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        return buffer.getvalue()

    torch.manual_seed(0)
    small = {k: v for k, v in list(tvm.resnet18(weights=None).state_dict().items())[:6]}
    return {"other-arch": saved(small), "code": saved({"weight": Payload()}), "tensor": saved(torch.zeros(3)),
            "pickle": pickle.dumps({"a": 1}), "zip": b"PK\x03\x04" + b"\x00" * 40}


CHECKPOINTS = _checkpoints()


@FUZZ
@given(st.data())
def test_checkpoints(tmp_path_factory, data):
    from semviewer.core.models.weights import read_state_dict

    name = data.draw(st.sampled_from(sorted(CHECKPOINTS)))
    blob = mutate(CHECKPOINTS[name], data.draw)
    path = tmp_path_factory.mktemp("ckpt") / "w.pth"
    path.write_bytes(blob)
    holds_contract("checkpoints", lambda: read_state_dict(path), check_state_dict)


def test_a_checkpoint_for_another_architecture_is_refused(tmp_path):
    from semviewer.core.inference.loading import load_classifier
    from semviewer.core.errors import ModelError

    path = tmp_path / "r.pth"
    path.write_bytes(CHECKPOINTS["other-arch"])
    with pytest.raises(ModelError, match="does not fit the efficientnet-lite0"):
        load_classifier("efficientnet-lite0", weights=path, engine="torch")


def _tiny_onnx() -> bytes:
    from tests.conftest import _tiny_net

    buffer = io.BytesIO()
    torch.onnx.export(_tiny_net(), (torch.zeros(1, 3, 64, 64),), buffer, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
    return buffer.getvalue()


TINY_ONNX = _tiny_onnx()
LABELS_TEXT = "\n".join(("teapot", "cup", "bagel", "cat", "dog", "car", "ship", "tree", "house", "lamp")) + "\n"
CARD = 'size = 64\nlayout = "NCHW"\nnormalisation = "imagenet"\noutput = "logits"\nlabels = "labels.txt"\n' \
       'mean = [0.5, 0.5, 0.5]\nname = "tiny"\n'


def check_labels(labels) -> None:
    assert labels.names and len(set(labels.names)) == len(labels.names)
    import unicodedata

    assert all(n and n == n.strip() and not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in n)
               for n in labels.names)


@FUZZ
@given(st.data())
def test_labels_files(tmp_path_factory, data):
    from semviewer.core.models.labels import read_labels

    folder = tmp_path_factory.mktemp("labels")
    suffix = data.draw(st.sampled_from([".txt", ".json"]))
    good = LABELS_TEXT.encode() if suffix == ".txt" else json.dumps(LABELS_TEXT.split()).encode()
    path = folder / f"labels{suffix}"
    path.write_bytes(mutate(good, data.draw) if data.draw(st.booleans()) else
                     "\n".join(data.draw(st.lists(st.text(max_size=12), max_size=12))).encode())
    holds_contract("labels files", lambda: read_labels(path), check_labels)


def _model_folder(tmp_path_factory, onnx: bytes, card: bytes):
    folder = tmp_path_factory.mktemp("model")
    (folder / "tiny.onnx").write_bytes(onnx)
    (folder / "tiny.toml").write_bytes(card)
    (folder / "labels.txt").write_text(LABELS_TEXT)
    return folder / "tiny.onnx"


def _load_model(path):
    from semviewer.core.inference.loading import load_classifier

    return load_classifier(str(path), device="cpu", engine="onnxruntime", threads=1, notify=lambda m: None)


def check_classifier(classifier) -> None:
    probs = classifier.probabilities(classifier.check_images()[:2])
    assert probs.shape == (2, classifier.num_classes) and np.isfinite(probs).all()


@FUZZ
@given(st.data())
def test_model_cards(tmp_path_factory, data):
    path = _model_folder(tmp_path_factory, TINY_ONNX, mutate(CARD.encode(), data.draw))
    holds_contract("model cards", lambda: _load_model(path), check_classifier)


@FUZZ
@given(st.data())
def test_onnx_model_files(tmp_path_factory, data):
    path = _model_folder(tmp_path_factory, mutate(TINY_ONNX, data.draw), CARD.encode())
    holds_contract("ONNX files", lambda: _load_model(path), check_classifier)


def test_zz_summary_of_inputs_tried(capsys):
    """Runs last in this module: the count of inputs tried per reader (≥ 300 each)."""
    with capsys.disabled():
        print("\nfuzzed inputs per reader: " + ", ".join(f"{k} {v}" for k, v in sorted(TRIED.items())))
    readers = {"mesh files", "map .npz", "regions JSON", "session JSON", "study TOML", "checkpoints", "labels files",
               "model cards", "ONNX files"}
    if readers <= set(TRIED):
        assert all(TRIED[r] >= 300 for r in readers)
