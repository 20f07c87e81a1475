"""Inference engines: ONNX Runtime parity with torch, export caching, fallback, bf16 policy, batch tuning."""

import hashlib
import json
import sys

import numpy as np
import pytest
import torch

from semviewer.pipeline.batch_tuning import BatchTuner, batch_record, cached_batch_size
from semviewer.core.inference.loading import load_classifier
from semviewer.core.errors import ModelError


def test_auto_is_the_fastest_engine_measured_here_unless_the_default_is_close(tmp_path, monkeypatch):
    from semviewer.core.engines.base import installed as _installed

    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(tmp_path))
    notes = []
    clf = load_classifier("efficientnet-lite0", device="cpu", notify=notes.append)
    (entry,) = json.loads((tmp_path / "engine_choice.json").read_text()).values()
    from semviewer.core.engines.choice import MARGIN

    rates = entry["images_per_second"]
    best, default = max(rates, key=rates.get), _installed()[0]         # the default stays within the margin
    assert clf.engine == entry["engine"] == (best if rates[best] >= rates[default] * (1 + MARGIN) else default)
    assert set(entry["images_per_second"]) == set(_installed()) and clf.describe()["engine"] == clf.engine
    assert (len(notes) == 1 and "measured the engines once" in notes[0]) or len(_installed()) == 1
    again = load_classifier("efficientnet-lite0", device="cpu", notify=notes.append)
    assert again.engine == clf.engine and len(notes) <= 1                # kept: not measured twice


def test_openvino_agrees_with_torch_and_bf16_records_its_difference(teapot_batch):
    pytest.importorskip("openvino")
    from semviewer.core.engines.openvino_engine import native_bf16

    ov = load_classifier("efficientnet-lite0", device="cpu", engine="openvino")
    ref = load_classifier("efficientnet-lite0", device="cpu", engine="torch")
    assert ov.engine == "openvino" and np.abs(ov.probabilities(teapot_batch) - ref.probabilities(teapot_batch)).max() <= 1e-4
    if not native_bf16():
        pytest.skip("this CPU has no native bf16")
    low = load_classifier("efficientnet-lite0", device="cpu", precision="bf16")
    assert low.engine == "openvino" and 0 < low.describe()["precision_max_abs_diff"] <= 0.05


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
    from semviewer.core.models import get_model_spec

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
    a = load_classifier("efficientnet-lite0", weights=first, device="cpu", engine="onnxruntime")
    assert a.engine == "onnxruntime" and len(list(cache.glob("*.onnx"))) == 1
    record = json.loads(next(p for p in cache.glob("*.json") if p.name != "engine_choice.json").read_text())
    assert record["passed"] and record["max_abs_diff"] <= 1e-4 and record["checked_images"] == 6
    assert record["key"]["weights_sha256"] == a.weights_sha256
    exported = next(cache.glob("*.onnx")).stat().st_mtime_ns
    assert load_classifier("efficientnet-lite0", weights=first, device="cpu", engine="onnxruntime").engine == "onnxruntime"
    assert next(cache.glob("*.onnx")).stat().st_mtime_ns == exported    # reused, not exported again
    _perturbed_weights(first, 2)                                         # same path, changed weights
    b = load_classifier("efficientnet-lite0", weights=first, device="cpu", engine="onnxruntime")
    assert len(list(cache.glob("*.onnx"))) == 2                         # a changed file is a new export
    x = b.check_images()
    assert np.abs(a.probabilities(x) - b.probabilities(x)).max() > 1e-4
    ref = load_classifier("efficientnet-lite0", weights=first, device="cpu", engine="torch")
    assert np.abs(b.probabilities(x) - ref.probabilities(x)).max() <= 1e-4


def test_a_tampered_export_is_not_trusted(tmp_path, monkeypatch):
    cache = tmp_path / "engines"
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(cache))
    load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")
    onnx = next(cache.glob("*.onnx"))
    onnx.write_bytes(onnx.read_bytes()[:1000])                          # truncated behind our back
    clf = load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")
    assert clf.engine == "onnxruntime"                                   # exported and checked again
    assert clf.probabilities(clf.check_images()).argmax(1)[0] == 849


def test_auto_falls_back_to_torch_without_onnxruntime(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)               # import onnxruntime fails
    clf = load_classifier("efficientnet-lite0", device="cpu")
    assert clf.engine == "torch" and "onnxruntime" in clf.engine_notice
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 1 and "runs on torch" in lines[0] and "pip install onnxruntime" in lines[0]
    with pytest.raises(ModelError, match="onnxruntime engine cannot serve"):
        load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")


def test_a_failed_parity_check_falls_back(monkeypatch, tmp_path):
    import semviewer.core.engines.export as engine

    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "PARITY_TOLERANCE", -1.0)               # no export can pass
    notices = []
    clf = load_classifier("efficientnet-lite0", device="cpu", notify=notices.append)
    assert clf.engine == "torch" and len(notices) == 1 and "differs from torch" in notices[0]
    notices.clear()
    assert load_classifier("efficientnet-lite0", device="cpu", notify=notices.append).engine == "torch"
    assert "differs from torch" in notices[0] and len(list(tmp_path.glob("*.onnx"))) == 1
    monkeypatch.setattr(engine, "PARITY_TOLERANCE", 1e-4)               # a failed check is not kept for good
    assert load_classifier("efficientnet-lite0", device="cpu").engine in ("onnxruntime", "openvino")


def test_an_export_swapped_with_its_sidecar_updated_is_checked_again(tmp_path, monkeypatch):
    cache, other = tmp_path / "engines", tmp_path / "other"
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(other))
    _perturbed_weights(tmp_path / "p.pth", 3)
    load_classifier("efficientnet-lite0", weights=tmp_path / "p.pth", device="cpu", engine="onnxruntime")     # another network's export
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(cache))
    load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")
    onnx, sidecar = next(cache.glob("*.onnx")), next(cache.glob("*.json"))
    onnx.write_bytes(next(other.glob("*.onnx")).read_bytes())          # swapped behind our back...
    record = json.loads(sidecar.read_text())
    record.update(onnx_sha256=hashlib.sha256(onnx.read_bytes()).hexdigest(), max_abs_diff="x")  # ...and "signed"
    sidecar.write_text(json.dumps(record))
    clf = load_classifier("efficientnet-lite0", device="cpu", engine="onnxruntime")
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


class _Timed:
    """A score whose chunks take a time that depends on the batch size (16 is the fastest)."""

    def __init__(self):
        self.batch_size = 8
        self.sizes = []

    def seconds(self, poses):
        self.sizes.append(self.batch_size)
        return poses / {2: 50, 4: 80, 8: 100, 16: 130, 32: 90}[self.batch_size]


def _tune(classifier, tmp_path, slow=1.0, steady_poses=2000):
    score = _Timed()
    tuner = BatchTuner(classifier, lambda size: setattr(score, "batch_size", size), tmp_path)
    measured = tuner.measuring
    while tuner.measuring:
        poses = tuner.next_chunk(64)
        tuner.observe(poses, score.seconds(poses))
    for _ in range(steady_poses // 64):
        tuner.observe(64, score.seconds(64) * slow)
    tuner.finish()
    return score, measured


def test_the_batch_size_is_tuned_inside_the_first_chunks_and_kept(classifier, tmp_path):
    assert cached_batch_size(classifier, tmp_path) == 8 and batch_record(classifier, tmp_path) is None
    score, measured = _tune(classifier, tmp_path)
    assert measured and score.sizes[:6] == [8, 8, 16, 16, 32, 32]    # warm-up and timed: up while faster
    assert set(score.sizes[6:]) == {16} and cached_batch_size(classifier, tmp_path) == 16
    record = batch_record(classifier, tmp_path)
    assert record["poses_per_second"] == pytest.approx(130, rel=0.01) and set(record["tried"]) == {"8", "16", "32"}
    assert f"{classifier.engine}|efficientnet-lite0" in next(iter(json.loads((tmp_path / "batch_sizes.json").read_text())))
    score, measured = _tune(classifier, tmp_path)
    assert not measured and set(score.sizes) == {16}                        # a kept choice: no measuring


def test_a_map_too_short_to_try_every_size_keeps_what_it_measured_for_the_next(classifier, tmp_path):
    score = _Timed()
    tuner = BatchTuner(classifier, lambda size: setattr(score, "batch_size", size), tmp_path)
    for _ in range(4):                                                    # 8 and 16 tried, then the map ends
        poses = tuner.next_chunk(64)
        tuner.observe(poses, score.seconds(poses))
    tuner.finish()
    assert set(batch_record(classifier, tmp_path)["tried"]) == {"8", "16"}
    score = _Timed()
    tuner = BatchTuner(classifier, lambda size: setattr(score, "batch_size", size), tmp_path)
    assert tuner.plan == [(32, False), (32, True)]                       # the next map goes on from there


def test_a_map_much_slower_than_the_record_has_its_batch_tried_again(classifier, tmp_path):
    _tune(classifier, tmp_path)
    _tune(classifier, tmp_path, slow=1.1)                                 # 10 % slower: kept
    assert not batch_record(classifier, tmp_path).get("recheck")
    _tune(classifier, tmp_path, slow=1.5)                                 # measured under load
    assert batch_record(classifier, tmp_path)["recheck"] is True
    _, measured = _tune(classifier, tmp_path)
    assert measured and not batch_record(classifier, tmp_path).get("recheck")


def test_attention_exports_without_the_fused_kernel_and_a_failed_export_prints_no_graph(tmp_path, capfd):
    import onnxruntime

    from semviewer.core.engines.export import export_onnx

    class Attention(torch.nn.Module):            # what a ViT does: eval-mode attention takes the fused fast path
        def __init__(self):
            super().__init__()
            self.patch = torch.nn.Conv2d(3, 16, 8, stride=8)
            self.layer = torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
            self.head = torch.nn.Linear(16, 5)

        def forward(self, x):
            tokens = self.patch(x).flatten(2).transpose(1, 2)
            return self.head(self.layer(tokens).mean(1))

    torch.manual_seed(0)
    net = Attention().eval()
    one, zero = torch.ones(3), torch.zeros(3)
    export_onnx(net, one, zero, 32, tmp_path / "a.onnx")
    x = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)
    ours = onnxruntime.InferenceSession(str(tmp_path / "a.onnx")).run(None, {"images": x})[0]
    with torch.inference_mode():
        ref = torch.softmax(net(torch.from_numpy(x).permute(0, 3, 1, 2)), 1).numpy()
    assert np.abs(ours - ref).max() <= 1e-5
    assert torch.backends.mha.get_fastpath_enabled()                     # put back as it was

    class Unexportable(torch.nn.Module):
        def forward(self, x):
            return torch.linalg.svd(x.flatten(1)[:, :4].reshape(-1, 2, 2))[1].flatten(1)

    capfd.readouterr()
    with pytest.raises(Exception):
        export_onnx(Unexportable(), one, zero, 8, tmp_path / "b.onnx", softmax=False)
    assert "graph" not in capfd.readouterr().out.lower()
