import numpy as np
import pytest
import torch

from semviewer.core.models import MODELS, get_model_spec
from semviewer.core.inference.outputs import class_score, top_k
from semviewer.core.inference.loading import load_classifier
from semviewer.core.errors import ModelError
from semviewer.core.scene.axes import Pose

REQUIRED = ["efficientnet-lite0", "efficientnet-lite2", "resnet50", "vgg11_bn", "alexnet", "inception_v3",
            "resnet18", "mobilenet_v3_large"]


def test_registry_has_the_required_models():
    assert set(REQUIRED) <= set(MODELS)
    assert get_model_spec("inception_v3").input_size == 299
    assert get_model_spec("efficientnet-lite2").input_size == 260
    with pytest.raises(ModelError, match="unknown model 'resnet51'"):
        get_model_spec("resnet51")


def test_default_model_preprocessing(classifier):
    white = np.full((1, 224, 224, 3), 255, np.uint8)
    black = np.zeros((1, 224, 224, 3), np.uint8)
    x = classifier.prepare(np.concatenate([white, black]))
    assert x.shape == (2, 3, 224, 224)
    assert x[0].mean().item() == pytest.approx(1.0, abs=1e-5)          # (255 - 127) / 128
    assert x[1].mean().item() == pytest.approx(-127 / 128, abs=1e-5)
    probs = classifier.probabilities(white)
    assert probs.shape == (1, 1000) and probs.sum() == pytest.approx(1.0, abs=1e-4)


def test_raw_preprocessing_and_resizing():
    lite2 = load_classifier("efficientnet-lite2", preprocessing="raw", allow_download=False)
    x = lite2.prepare(np.full((1, 224, 224, 3), 255, np.uint8))
    assert x.shape == (1, 3, 260, 260)                                  # resized to the model's input
    assert x.mean().item() == pytest.approx(1.0, abs=1e-4)             # raw [0, 1], no normalisation


def _mobilenet_state(path):
    import torchvision.models as tvm

    torch.manual_seed(0)
    torch.save(tvm.mobilenet_v3_large(weights=None).state_dict(), path)


def test_torchvision_weights_from_a_file_and_from_the_hub_cache(tmp_path, monkeypatch):
    weights = tmp_path / "mine.pth"
    _mobilenet_state(weights)
    model = load_classifier("mobilenet_v3_large", weights=weights, device="cpu")
    assert model.weights_path == weights and model.weights_id.startswith("mine.pth:")
    probs = model.probabilities(np.zeros((2, 224, 224, 3), np.uint8))
    assert probs.shape == (2, 1000)

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    spec = get_model_spec("mobilenet_v3_large")
    with pytest.raises(ModelError, match="downloads are off"):
        load_classifier("mobilenet_v3_large", allow_download=False)
    spec.cache_file.parent.mkdir(parents=True)
    weights.rename(spec.cache_file)
    assert "torch hub cache" in spec.weights_origin()
    assert load_classifier("mobilenet_v3_large", allow_download=False).weights_path == spec.cache_file


class Payload:
    pass


def test_bad_checkpoints(tmp_path, classifier):
    with pytest.raises(ModelError, match="does not fit the resnet18"):
        load_classifier("resnet18", weights=classifier.weights_path)
    evil = tmp_path / "evil.pth"
    torch.save({"weight": Payload()}, evil)
    with pytest.raises(ModelError, match="pickled code"):
        load_classifier("resnet18", weights=evil)
    tensor = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), tensor)
    with pytest.raises(ModelError, match="state dict"):
        load_classifier("resnet18", weights=tensor)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelError, match="cannot read|not a plain"):
        load_classifier("resnet18", weights=junk)
    with pytest.raises(ModelError, match="does not exist"):
        load_classifier("resnet18", weights=tmp_path / "nothing.pth")


def test_bf16_autocast_agrees(classifier, teapot_mesh):
    from semviewer.core.engines.cpu_info import native_bf16
    from semviewer.render import Renderer

    if not native_bf16():
        pytest.skip("this CPU has no native bf16 (bf16 is refused here; see test_engines)")
    fast = load_classifier("efficientnet-lite0", precision="bf16", device="cpu")
    with Renderer(teapot_mesh) as r:
        images = r.render([Pose({"azimuth": 0, "elevation": 40, "distance": 2.732})])
    assert abs(fast.probabilities(images)[0, 849] - classifier.probabilities(images)[0, 849]) < 0.1


def test_scores_and_top_k():
    p = np.zeros((2, 1000))
    p[0, [504, 968, 3]] = [0.3, 0.2, 0.5]
    np.testing.assert_allclose(class_score(p, [504, 968]), [0.5, 0.0])
    assert top_k(p[0], 2) == [(3, 0.5), (504, 0.3)]


def test_inception_raw_input_is_not_renormalised(tmp_path):
    import torchvision.models as tvm

    weights = tmp_path / "inception.pth"
    torch.manual_seed(0)
    torch.save(tvm.inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict(), weights)
    raw = load_classifier("inception_v3", weights=weights, preprocessing="raw", device="cpu", engine="torch")
    own = load_classifier("inception_v3", weights=weights, preprocessing="model", device="cpu", engine="torch")
    assert raw.module.transform_input is False and own.module.transform_input is True
    x = raw.prepare(np.full((1, 224, 224, 3), 255, np.uint8))
    assert x.shape == (1, 3, 299, 299) and x.mean().item() == pytest.approx(1.0, abs=1e-4)


def test_a_class_set_of_every_class_stays_a_probability():
    probs = torch.softmax(torch.randn(64, 1000, generator=torch.Generator().manual_seed(0)) * 3, 1).numpy()
    assert probs.sum(axis=1).max() > 1.0                  # float32 rounding: the plain sum leaves [0, 1]
    scores = class_score(probs, range(1000))
    assert scores.max() <= 1.0 and scores.min() >= 0.99


@pytest.mark.parametrize("interpolation", ["bicubic", "bilinear", "nearest"])
def test_renders_of_another_size_are_resized_with_the_models_own_interpolation(classifier, monkeypatch,
                                                                                interpolation):
    import dataclasses

    import torch.nn.functional as F

    monkeypatch.setattr(classifier, "spec", dataclasses.replace(classifier.spec, interpolation=interpolation))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 100, 100, 3), dtype=np.uint8)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    smooth = {"align_corners": False, "antialias": True} if interpolation != "nearest" else {}
    expected = F.interpolate(x, size=(224, 224), mode=interpolation, **smooth).clamp(0, 1)
    assert torch.allclose(classifier._scaled(images, "cpu"), expected, atol=1e-6)
