"""Any classifier, second round (issue 30): class names on the model's own labels, fixed-batch ONNX files,
TorchScript on the exported engines, the model's own interpolation."""

import pytest

from semviewer.cli import main
from semviewer.core.errors import ClassSetError
from semviewer.core.models.labels import Labels, parse_class_set


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def test_map_names_a_class_of_the_models_labels_not_imagenets(tiny_models, tmp_path, capsys):
    # "house" is no ImageNet class: before, map looked it up in ImageNet and refused it
    assert main(["map", "--object", "airliner", "--model", str(tiny_models["onnx"]), "--classes", "house",
                 "--axes", "azimuth=0:360:90", "elevation=0:60:30", "--out", str(tmp_path / "m.npz")]) == 0
    from semviewer.core.maps.semantic_map import SemanticMap

    assert SemanticMap.load(tmp_path / "m.npz").provenance["classes"]["names"] == ["house"]
    # without --classes, the suggestion it prints is a name that then works
    assert main(["map", "--object", "airliner", "--model", str(tiny_models["onnx"]),
                 "--axes", "azimuth=0:360:90", "elevation=0:60:30", "--out", str(tmp_path / "n.npz")]) == 2
    assert "--classes 'teapot'" in capsys.readouterr().err


def test_labels_that_are_numbers_are_names_first():
    labels = Labels(("0", "180"), "numbers.txt", "")
    assert parse_class_set("180", labels).ids == (1,)
    assert parse_class_set("#1", labels).ids == (1,)
    assert parse_class_set("#0,180", labels).ids == (0, 1)
    imagenet = parse_class_set("504")                     # no label is called "504": an id
    assert imagenet.ids == (504,)
    with pytest.raises(ClassSetError, match="out of range"):
        parse_class_set("#7", labels)


def test_predict_says_why_it_shows_no_true_class(tiny_models, capsys):
    assert main(["predict", "--object", "airliner", "--model", str(tiny_models["onnx"])]) == 0
    out = capsys.readouterr().out
    assert "no true class: airliner's class" in out and "--classes" in out
    assert main(["predict", "--object", "teapot", "--model", str(tiny_models["onnx"])]) == 0
    assert "true class teapot: p =" in capsys.readouterr().out


def test_an_onnx_file_of_a_fixed_batch_runs_predict_maps_and_regions(tiny_models, tmp_path, capsys):
    import shutil

    import torch

    from tests.conftest import _tiny_net

    folder = tmp_path / "fixed"
    folder.mkdir()
    torch.onnx.export(_tiny_net(), (torch.zeros(1, 3, 64, 64),), str(folder / "fixed.onnx"), input_names=["x"],
                      output_names=["y"], opset_version=17, dynamo=False)       # no dynamic axes: batch 1
    shutil.copy(tiny_models["labels"], folder / "labels.txt")
    (folder / "fixed.toml").write_text('size = 64\nlabels = "labels.txt"\n')
    model = str(folder / "fixed.onnx")
    assert main(["predict", "--object", "teapot", "--model", model]) == 0
    captured = capsys.readouterr()
    assert "takes batches of exactly 1 image" in captured.err and "true class teapot" in captured.out
    assert main(["map", "--object", "teapot", "--model", model, "--axes", "azimuth=0:360:45", "elevation=0:60:30",
                 "--batch-size", "8", "--out", str(tmp_path / "m.npz")]) == 0
    from semviewer.core.maps.semantic_map import SemanticMap

    fixed = SemanticMap.load(tmp_path / "m.npz")
    assert main(["map", "--object", "teapot", "--model", str(tiny_models["onnx"]), "--axes", "azimuth=0:360:45",
                 "elevation=0:60:30", "--batch-size", "8", "--out", str(tmp_path / "d.npz")]) == 0
    import numpy as np

    assert np.allclose(fixed.values, SemanticMap.load(tmp_path / "d.npz").values, atol=1e-5)
    assert main(["regions", "--object", "teapot", "--model", model, "--method", "oir_b", "--steps", "5",
                 "--start", "90,30", "--inside-points", "2", "--out", str(tmp_path / "r.json")]) == 0


def test_a_torchscript_file_runs_on_an_exported_engine_and_agrees_with_torch(tiny_models, tmp_path):
    import numpy as np

    from semviewer.core.inference.loading import load_classifier
    from semviewer.core.scene.axes import Pose
    from semviewer.core.scene.objects import get_object
    from semviewer.render import Renderer
    from tests.conftest import tiny_reference

    notes = []
    classifier = load_classifier(str(tiny_models["torchscript"]), device="cpu", trust_code=True,
                                 engine="onnxruntime", notify=notes.append)
    assert classifier.engine == "onnxruntime" and not notes
    with Renderer(get_object("teapot").load()) as renderer:
        images = renderer.render([Pose({"azimuth": a, "elevation": 30}) for a in (0, 90, 200)])
    assert np.allclose(classifier.probabilities(images), tiny_reference(tiny_models["net"], images), atol=1e-4)


def _rectangular(tmp_path, tiny_models, kind: str):
    """The tiny net as a model file of a fixed 48 × 192 input (height × width) with a card that says so."""
    import shutil

    import torch

    from tests.conftest import _tiny_net

    folder = tmp_path / f"wide-{kind}"
    folder.mkdir()
    net = _tiny_net()
    if kind == "onnx":
        path = folder / "wide.onnx"
        torch.onnx.export(net, (torch.zeros(1, 3, 48, 192),), str(path), input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
    else:
        path = folder / "wide.pt"
        torch.jit.trace(net, torch.zeros(1, 3, 48, 192)).save(str(path))
    shutil.copy(tiny_models["labels"], folder / "labels.txt")
    (folder / "wide.toml").write_text('size = [48, 192]\nlabels = "labels.txt"\n')
    return net, path


def test_a_rectangular_input_is_rendered_at_its_aspect_and_fed_whole(tiny_models, tmp_path, capsys):
    import numpy as np
    import torch

    from semviewer.core.inference.loading import load_classifier
    from semviewer.core.maps.semantic_map import SemanticMap
    from semviewer.core.models import get_model_spec
    from semviewer.core.scene.axes import Pose
    from semviewer.core.scene.objects import get_object
    from semviewer.pipeline.predict import predict
    from semviewer.pipeline.scene import make_scene

    net, path = _rectangular(tmp_path, tiny_models, "onnx")
    spec = get_model_spec(str(path))
    assert spec.input_hw == (48, 192) and spec.feeding()["input_size"] == [48, 192]
    classifier = load_classifier(str(path), device="cpu")
    obj = get_object("teapot")
    found = predict(make_scene(obj.load(), obj.classes, size=224), classifier, Pose({"azimuth": 40.0}), labelled=False)
    assert found.image.shape == (56, 224, 3)               # the input's aspect, the long side the scene's size
    x = torch.from_numpy(found.image[None].astype(np.float32)).permute(0, 3, 1, 2) / 255.0
    x = torch.nn.functional.interpolate(x, size=(48, 192), mode="bilinear", align_corners=False, antialias=True)
    mean, std = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1), torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1)
    with torch.no_grad():
        want = torch.softmax(net((x - mean) / std), 1).numpy()[0]
    assert np.allclose(found.probabilities, want, atol=1e-5)
    assert main(["predict", "--object", "teapot", "--model", str(path)]) == 0
    assert "true class teapot" in capsys.readouterr().out
    assert main(["map", "--object", "teapot", "--model", str(path), "--axes", "azimuth=0:360:90", "elevation=0:60:30",
                 "--out", str(tmp_path / "m.npz")]) == 0
    semantic_map = SemanticMap.load(tmp_path / "m.npz")
    assert semantic_map.provenance["render_settings"]["width"] == 224
    assert semantic_map.provenance["render_settings"]["height"] == 56
    assert main(["regions", "--object", "teapot", "--model", str(path), "--method", "oir_b", "--steps", "5",
                 "--start", "90,30", "--inside-points", "2", "--out", str(tmp_path / "r.json")]) == 0


def test_a_rectangular_torchscript_file_runs_on_an_exported_engine(tiny_models, tmp_path):
    import numpy as np

    from semviewer.core.inference.loading import load_classifier

    _, path = _rectangular(tmp_path, tiny_models, "torchscript")
    notes = []
    fast = load_classifier(str(path), device="cpu", trust_code=True, engine="onnxruntime", notify=notes.append)
    torch_run = load_classifier(str(path), device="cpu", trust_code=True, engine="torch")
    assert fast.engine == "onnxruntime" and not notes
    images = np.random.default_rng(0).integers(0, 255, (3, 56, 224, 3), dtype=np.uint8)
    assert np.allclose(fast.probabilities(images), torch_run.probabilities(images), atol=1e-4)


def test_a_graph_of_another_shape_than_its_card_gets_the_card_it_needs(tiny_models, tmp_path):
    from semviewer.core.errors import ModelError
    from semviewer.core.models import get_model_spec

    _, path = _rectangular(tmp_path, tiny_models, "onnx")
    path.with_suffix(".toml").write_text('size = 64\nlabels = "labels.txt"\n')
    with pytest.raises(ModelError, match=r'layout = "NCHW", size = \[48, 192\]'):
        get_model_spec(str(path))


def test_a_trusted_torchscript_file_runs_predict_maps_and_regions(tiny_models, tmp_path, capsys):
    model = str(tiny_models["torchscript"])
    assert main(["predict", "--object", "teapot", "--model", model, "--trust-model-code"]) == 0
    assert "true class teapot" in capsys.readouterr().out
    assert main(["map", "--object", "teapot", "--model", model, "--trust-model-code", "--axes", "azimuth=0:360:90",
                 "elevation=0:60:30", "--out", str(tmp_path / "m.npz")]) == 0
    from semviewer.core.maps.semantic_map import SemanticMap

    assert SemanticMap.load(tmp_path / "m.npz").provenance["engine"] == "onnxruntime"
    assert main(["regions", "--object", "teapot", "--model", model, "--trust-model-code", "--method", "oir_b",
                 "--steps", "5", "--start", "90,30", "--inside-points", "2", "--out", str(tmp_path / "r.json")]) == 0
