"""Any classifier, offline: model files with cards, TorchScript, torchvision and timm names with
weights files or a hub cache, safetensors, labels of one's own; every problem one line."""

import sys

import numpy as np
import pytest
import torch

from semviewer.core.errors import ModelError, SemviewerError
from semviewer.core.models.labels import parse_class_set
from semviewer.core.inference.loading import load_classifier
from semviewer.core.models import get_model_spec
from tests.conftest import tiny_reference


def test_an_onnx_file_runs_as_its_card_says(tiny_models, teapot_batch):
    spec = get_model_spec(str(tiny_models["onnx"]))
    assert (spec.family, spec.input_size, spec.output, spec.description) == ("onnx", 64, "logits", "tiny ten-class net")
    assert spec.label_set.names == tiny_models["names"] and len(spec.label_set.sha256) == 64
    clf = load_classifier(str(tiny_models["onnx"]), device="cpu")
    assert clf.engine == "onnxruntime" and clf.module is None and clf.num_classes == 10
    probs = clf.probabilities(teapot_batch[:4])
    assert probs.shape == (4, 10) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.abs(probs - tiny_reference(tiny_models["net"], teapot_batch[:4])).max() <= 1e-5
    described = clf.describe()
    assert described["labels"] == str(tiny_models["labels"].resolve()) and described["classes_count"] == 10
    assert described["weights_sha256"] and described["normalisation"]["mean"] == [0.485, 0.456, 0.406]


def test_an_onnx_file_that_outputs_probabilities_is_not_softmaxed_twice(tiny_models, tmp_path, teapot_batch):
    net = torch.nn.Sequential(tiny_models["net"], torch.nn.Softmax(dim=1)).eval()
    path = tmp_path / "probs.onnx"
    torch.onnx.export(net, (torch.zeros(1, 3, 64, 64),), str(path), input_names=["x"],
                      dynamic_axes={"x": {0: "n"}}, opset_version=17, dynamo=False)
    (tmp_path / "labels.txt").write_bytes(tiny_models["labels"].read_bytes())      # a card's labels: beside it
    (tmp_path / "probs.toml").write_text('size = 64\noutput = "probabilities"\nlabels = "labels.txt"\n')
    probs = load_classifier(str(path), device="cpu").probabilities(teapot_batch[:2])
    assert np.abs(probs - tiny_reference(tiny_models["net"], teapot_batch[:2])).max() <= 1e-5


def test_an_nhwc_onnx_file(tiny_models, tmp_path, teapot_batch):
    class Nhwc(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = tiny_models["net"]

        def forward(self, x):
            return self.net(x.permute(0, 3, 1, 2))

    path = tmp_path / "nhwc.onnx"
    torch.onnx.export(Nhwc().eval(), (torch.zeros(1, 64, 64, 3),), str(path), input_names=["x"],
                      dynamic_axes={"x": {0: "n"}}, opset_version=17, dynamo=False)
    (tmp_path / "labels.txt").write_bytes(tiny_models["labels"].read_bytes())
    (tmp_path / "model.toml").write_text('size = 64\nlayout = "NHWC"\nlabels = "labels.txt"\n')
    probs = load_classifier(str(path), device="cpu").probabilities(teapot_batch[:2])
    assert np.abs(probs - tiny_reference(tiny_models["net"], teapot_batch[:2])).max() <= 1e-5


@pytest.mark.parametrize("card, message", [
    ("size = 224\nlabels = 'labels.txt'\n", r"its input is \['N', 3, 64, 64\], but the card .* says NCHW at 224"),
    ("size = 64\nlayout = 'NHWC'\nlabels = 'labels.txt'\n", "says NHWC"),
    ("size = 64\ncolour = 'red'\n", "unknown key 'colour'"),
    ("size = 'big'\n", "size must be an image size"),
    ("size = 64\noutput = 'scores'\n", "output must be logits or probabilities"),
    ("size = 64\nlabels = 'missing.txt'\n", "missing.txt"),
    ("size = = 64\n", "is not valid TOML"),
])
def test_a_bad_card_is_one_line(tiny_models, tmp_path, card, message):
    model = tmp_path / "m.onnx"
    model.write_bytes(tiny_models["onnx"].read_bytes())
    (tmp_path / "labels.txt").write_text("\n".join(tiny_models["names"]))
    (tmp_path / "m.toml").write_text(card)
    with pytest.raises(SemviewerError, match=message) as err:
        get_model_spec(str(model))
    assert "\n" not in str(err.value)


def test_labels_that_do_not_count_the_outputs_are_refused(tiny_models, tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(tiny_models["onnx"].read_bytes())
    (tmp_path / "five.txt").write_text("a\nb\nc\nd\ne\n")
    (tmp_path / "m.toml").write_text("size = 64\nlabels = 'five.txt'\n")
    with pytest.raises(ModelError, match="outputs 10 classes but its labels name 5"):
        load_classifier(str(model), device="cpu")
    (tmp_path / "m.toml").write_text("size = 64\n")                   # ImageNet's 1000 labels by default
    with pytest.raises(ModelError, match="outputs 10 classes but its labels name 1000"):
        load_classifier(str(model), device="cpu")


def test_files_that_are_not_models(tmp_path):
    (tmp_path / "x.onnx").write_bytes(b"not a graph")
    with pytest.raises(ModelError, match="is not a readable ONNX model"):
        get_model_spec(str(tmp_path / "x.onnx"))
    torch.save({"w": torch.zeros(2)}, tmp_path / "weights.pt")
    with pytest.raises(ModelError, match="not a TorchScript model .a weights file"):
        get_model_spec(str(tmp_path / "weights.pt"))
    with pytest.raises(ModelError, match="unknown model 'resnet5'; did you mean resnet50"):
        get_model_spec("resnet5")


def test_a_torchscript_file(tiny_models, teapot_batch):
    clf = load_classifier(str(tiny_models["torchscript"]), device="cpu", engine="torch", trust_code=True)
    assert clf.spec.family == "torchscript" and clf.num_classes == 10
    assert np.abs(clf.probabilities(teapot_batch[:3]) - tiny_reference(tiny_models["net"], teapot_batch[:3])).max() \
        <= 1e-5
    with pytest.raises(ModelError, match="carries its own weights"):
        load_classifier(str(tiny_models["torchscript"]), weights=tiny_models["onnx"], device="cpu", trust_code=True)


def test_a_torchvision_model_from_a_weights_file_and_from_the_hub_cache(tmp_path, monkeypatch, teapot_batch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    spec = get_model_spec("torchvision:squeezenet1_1")
    assert spec.family == "torchvision" and spec.input_size == 224 and spec.labels is None    # ImageNet's
    with pytest.raises(ModelError, match="downloads are off; copy the checkpoint there or give a weights file"):
        load_classifier("torchvision:squeezenet1_1", device="cpu", allow_download=False)
    torch.manual_seed(0)
    state = spec.build().state_dict()
    weights = tmp_path / "squeeze.pth"
    torch.save(state, weights)
    a = load_classifier("torchvision:squeezenet1_1", weights=weights, device="cpu", engine="torch")
    spec.cache_file.parent.mkdir(parents=True)
    spec.cache_file.write_bytes(weights.read_bytes())                   # as torchvision would have cached it
    b = load_classifier("torchvision:squeezenet1_1", device="cpu", engine="torch", allow_download=False)
    assert np.array_equal(a.probabilities(teapot_batch[:2]), b.probabilities(teapot_batch[:2]))
    assert b.describe()["weights_sha256"] == a.describe()["weights_sha256"]


def test_safetensors_and_mismatched_weights(tmp_path, teapot_batch, classifier):
    from safetensors.torch import save_file

    state = torch.load(get_model_spec("efficientnet-lite0").packaged_weights(), weights_only=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "lite0.safetensors"))
    own = load_classifier("efficientnet-lite0", weights=tmp_path / "lite0.safetensors", device="cpu", engine="torch")
    ref = load_classifier("efficientnet-lite0", device="cpu", engine="torch")
    assert np.array_equal(own.probabilities(teapot_batch[:2]), ref.probabilities(teapot_batch[:2]))
    torch.save(get_model_spec("resnet18").build().state_dict(), tmp_path / "r18.pth")
    with pytest.raises(ModelError, match=r"does not fit the efficientnet-lite0 architecture: 296 missing \(_conv_stem.weight") as err:
        load_classifier("efficientnet-lite0", weights=tmp_path / "r18.pth", device="cpu")
    assert "unexpected (conv1.weight" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "bad.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="is it a .safetensors file"):
        load_classifier("efficientnet-lite0", weights=tmp_path / "bad.safetensors", device="cpu")


def test_a_timm_model_with_its_pretrained_config_and_a_weights_file(tmp_path, teapot_batch):
    pytest.importorskip("timm")
    spec = get_model_spec("timm:resnet10t")
    assert spec.family == "timm" and spec.input_size in (176, 224) and spec.interpolation == "bicubic"
    torch.manual_seed(0)
    torch.save(spec.build().state_dict(), tmp_path / "r10.pth")
    clf = load_classifier("timm:resnet10t", weights=tmp_path / "r10.pth", device="cpu", engine="torch")
    assert clf.probabilities(teapot_batch[:2]).shape == (2, 1000)
    with pytest.raises(ModelError, match="unknown timm model 'resnet10tt'; did you mean"):
        get_model_spec("timm:resnet10tt")


def test_without_timm_one_line_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)
    from semviewer.core.models import sources

    sources._timm.cache_clear()
    with pytest.raises(ModelError, match=r"pip install 'semviewer\[timm\]'"):
        get_model_spec("timm:resnet18")
    sources._timm.cache_clear()


def test_a_registry_model_with_labels_of_its_own(tmp_path, teapot_batch):
    names = [f"class {i}" for i in range(999)] + ["teapot"]
    (tmp_path / "mine.json").write_text(__import__("json").dumps(names))
    clf = load_classifier("efficientnet-lite0", device="cpu", labels=tmp_path / "mine.json", engine="torch")
    assert clf.labels.names[-1] == "teapot" and clf.labels.source.endswith("mine.json")
    assert parse_class_set("teapot", clf.labels).ids == (999,)
    from semviewer.pipeline.scene import classes_for

    assert classes_for(parse_class_set("teapot"), clf).ids == (999,)          # ImageNet's teapot, by name
    with pytest.raises(SemviewerError, match="has no class 'coffee mug' among its 1000 labels"):
        classes_for(parse_class_set("coffee mug"), clf)
