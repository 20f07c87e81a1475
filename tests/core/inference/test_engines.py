"""Inference engines: ONNX Runtime parity with torch, export caching, fallback, bf16 policy, batch tuning."""

import hashlib
import json
import sys

import numpy as np
import pytest
import torch

from semviewer.core.inference.batch_tuning import best_batch, cached_batch_size, tuned_batch_size
from semviewer.core.inference.classifier import load_classifier
from semviewer.core.errors import ModelError


@pytest.fixture(scope="module")
def teapot_batch(teapot_mesh):
    from semviewer.core.scene.axes import Pose
    from semviewer.render import Renderer

    with Renderer(teapot_mesh) as r:
        return r.render([Pose({"azimuth": a, "elevation": e}) for a in range(0, 360, 45) for e in (10, 40)])


def test_auto_is_onnxruntime_on_the_cpu(classifier):
    assert classifier.engine == "onnxruntime" and classifier.device == "cpu"
    assert classifier.describe()["engine"] == "onnxruntime"
    assert classifier.threads >= 1


def test_engines_agree_on_rendered_teapots(classifier, teapot_batch):
    torch_clf = load_classifier("efficientnet-lite0", device="cpu", engine="torch")
    assert torch_clf.engine == "torch"
    ours, ref = classifier.probabilities(teapot_batch), torch_clf.probabilities(teapot_batch)
    assert ours.shape == ref.shape == (16, 1000)
    assert np.abs(ours - ref).max() <= 1e-4
    assert (ref.argmax(1) == 849).sum() >= 8                              # real renders, mostly teapots
    # other sizes and float NCHW input go through the same resize as torch
    small = teapot_batch[:3, ::2, ::2]
    assert np.abs(classifier.probabilities(small) - torch_clf.probabilities(small)).max() <= 1e-4
    floats = torch.from_numpy(teapot_batch[:2]).permute(0, 3, 1, 2).float() / 255
    assert np.abs(classifier.probabilities(floats) - torch_clf.probabilities(floats)).max() <= 1e-4
    assert classifier.probabilities(teapot_batch[:0]).shape == (0, 1000)


def test_raw_preprocessing_and_resizing_on_both_engines(teapot_batch):
    onnx = load_classifier("efficientnet-lite2", preprocessing="raw", device="cpu", engine="onnxruntime")
    ref = load_classifier("efficientnet-lite2", preprocessing="raw", device="cpu", engine="torch")
    assert onnx.engine == "onnxruntime"
    assert np.abs(onnx.probabilities(teapot_batch[:4]) - ref.probabilities(teapot_batch[:4])).max() <= 1e-4


def _perturbed_weights(path, seed):
    from semviewer.core.inference.models import get_model_spec

    state = torch.load(get_model_spec("efficientnet-lite0").packaged_weights(), weights_only=True)
    name = next(k for k, v in state.items() if v.dtype == torch.float32 and v.ndim == 4)
    g = torch.Generator().manual_seed(seed)
    state[name] = state[name] + 0.01 * torch.randn(state[name].shape, generator=g)
    torch.save(state, path)


def test_export_once_per_weights_file(tmp_path, monkeypatch):
    cache = tmp_path / "engines"
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(cache))
    first = tmp_path / "a.pth"
    _perturbed_weights(first, 1)
    a = load_classifier("efficientnet-lite0", weights=first, device="cpu")
    assert a.engine == "onnxruntime" and len(list(cache.glob("*.onnx"))) == 1
    record = json.loads(next(cache.glob("*.json")).read_text())
    assert record["passed"] and record["max_abs_diff"] <= 1e-4 and record["checked_images"] == 6
    assert record["key"]["weights_sha256"] == a.weights_sha256
    exported = next(cache.glob("*.onnx")).stat().st_mtime_ns
    assert load_classifier("efficientnet-lite0", weights=first, device="cpu").engine == "onnxruntime"
    assert next(cache.glob("*.onnx")).stat().st_mtime_ns == exported    # reused, not exported again
    _perturbed_weights(first, 2)                                         # same path, changed weights
    b = load_classifier("efficientnet-lite0", weights=first, device="cpu")
    assert len(list(cache.glob("*.onnx"))) == 2                         # a changed file is a new export
    x = b.check_images()
    assert np.abs(a.probabilities(x) - b.probabilities(x)).max() > 1e-4
    ref = load_classifier("efficientnet-lite0", weights=first, device="cpu", engine="torch")
    assert np.abs(b.probabilities(x) - ref.probabilities(x)).max() <= 1e-4


def test_a_tampered_export_is_not_trusted(tmp_path, monkeypatch):
    cache = tmp_path / "engines"
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(cache))
    load_classifier("efficientnet-lite0", device="cpu")
    onnx = next(cache.glob("*.onnx"))
    onnx.write_bytes(onnx.read_bytes()[:1000])                          # truncated behind our back
    clf = load_classifier("efficientnet-lite0", device="cpu")
    assert clf.engine == "onnxruntime"                                   # exported and checked again
    assert clf.probabilities(clf.check_images()).argmax(1)[0] == 849


def test_auto_falls_back_to_torch_without_onnxruntime(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)               # import onnxruntime fails
    clf = load_classifier("efficientnet-lite0", device="cpu")
    assert clf.engine == "torch" and "onnxruntime" in clf.engine_notice
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 1 and "runs on torch" in lines[0] and "pip install onnxruntime" in lines[0]
    with pytest.raises(ModelError, match="onnxruntime engine cannot serve.*--engine torch"):
        load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")


def test_a_failed_parity_check_falls_back(monkeypatch, tmp_path):
    import semviewer.core.inference.onnx_engine as engine

    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "PARITY_TOLERANCE", -1.0)               # no export can pass
    notices = []
    clf = load_classifier("efficientnet-lite0", device="cpu", notify=notices.append)
    assert clf.engine == "torch" and len(notices) == 1 and "differs from torch" in notices[0]
    notices.clear()
    assert load_classifier("efficientnet-lite0", device="cpu", notify=notices.append).engine == "torch"
    assert "differs from torch" in notices[0] and len(list(tmp_path.glob("*.onnx"))) == 1
    monkeypatch.setattr(engine, "PARITY_TOLERANCE", 1e-4)               # a failed check is not kept for good
    assert load_classifier("efficientnet-lite0", device="cpu").engine == "onnxruntime"


def test_an_export_swapped_with_its_sidecar_updated_is_checked_again(tmp_path, monkeypatch):
    cache, other = tmp_path / "engines", tmp_path / "other"
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(other))
    _perturbed_weights(tmp_path / "p.pth", 3)
    load_classifier("efficientnet-lite0", weights=tmp_path / "p.pth", device="cpu")     # another network's export
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(cache))
    load_classifier("efficientnet-lite0", device="cpu")
    onnx, sidecar = next(cache.glob("*.onnx")), next(cache.glob("*.json"))
    onnx.write_bytes(next(other.glob("*.onnx")).read_bytes())          # swapped behind our back...
    record = json.loads(sidecar.read_text())
    record.update(onnx_sha256=hashlib.sha256(onnx.read_bytes()).hexdigest(), max_abs_diff="x")  # ...and "signed"
    sidecar.write_text(json.dumps(record))
    clf = load_classifier("efficientnet-lite0", device="cpu")
    ref = load_classifier("efficientnet-lite0", device="cpu", engine="torch")
    x = clf.check_images()
    assert clf.engine == "onnxruntime" and np.abs(clf.probabilities(x) - ref.probabilities(x)).max() <= 1e-4
    assert json.loads(sidecar.read_text())["max_abs_diff"] <= 1e-4       # exported again and checked


def test_bf16_is_refused_without_native_bf16(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    with pytest.raises(ModelError, match="no native bf16.*10x slower"):
        load_classifier("efficientnet-lite0", device="cpu", precision="bf16")
    with pytest.raises(ModelError, match="fp16 is for CUDA"):
        load_classifier("efficientnet-lite0", device="cpu", precision="fp16")
    with pytest.raises(ModelError, match="unknown engine"):
        load_classifier("efficientnet-lite0", device="cpu", engine="tensorrt")


def test_gradients_come_from_torch(classifier):
    x = classifier.prepare(classifier.check_images()[:1]).requires_grad_(True)
    classifier.logits_from_input(x)[0, 849].backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_batch_size_is_measured_once_and_cached(classifier, tmp_path):
    assert cached_batch_size(classifier, tmp_path) is None
    calls = []
    batch = tuned_batch_size(classifier, tmp_path, candidates=(1, 4), notify=calls.append)
    assert batch in (1, 4) and len(calls) == 1 and "measuring" in calls[0]
    assert cached_batch_size(classifier, tmp_path) == batch
    assert tuned_batch_size(classifier, tmp_path, candidates=(1, 4), notify=calls.append) == batch
    assert len(calls) == 1                                               # no second measurement
    data = json.loads((tmp_path / "batch_sizes.json").read_text())
    (key, entry), = data.items()
    assert "onnxruntime|efficientnet-lite0" in key and set(entry["images_per_second"]) == {"1", "4"}
    assert key.endswith("|classifier")


def test_the_pipeline_batch_is_measured_separately(classifier, teapot_mesh, tmp_path):
    from semviewer.core.inference.imagenet import ClassSet
    from semviewer.core.inference.scoring import ScoreFunction
    from semviewer.render import open_render_thread

    with open_render_thread(teapot_mesh) as thread:
        score = ScoreFunction(thread, classifier, ClassSet((849,)), ["azimuth"], batch_size=5)
        assert score.probe(2) == 4 and score.batch_size == 5 and score.evaluations == 0
        batch = tuned_batch_size(classifier, tmp_path, candidates=(2, 8), pipeline=score.probe)
    assert batch in (2, 8) and cached_batch_size(classifier, tmp_path, "pipeline") == batch
    assert cached_batch_size(classifier, tmp_path) is None


def test_best_batch_prefers_small_batches_within_noise():
    assert best_batch({1: 100.0, 8: 103.0, 64: 90.0}) == 1
    assert best_batch({1: 20.0, 8: 40.0, 16: 41.0}) == 8
