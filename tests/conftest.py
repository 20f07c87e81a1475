"""Test configuration: no display needed; heavy objects are shared per session."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SEMVIEWER_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "maps"))
os.environ.setdefault("SEMVIEWER_ENGINE_CACHE_DIR",
                      os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "engines"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def classifier():
    """The default model (EfficientNet-Lite0), loaded once."""
    from semviewer.core.inference.loading import load_classifier

    return load_classifier("efficientnet-lite0", device="cpu", allow_download=False)


@pytest.fixture(scope="session")
def teapot_mesh():
    from semviewer.core.scene.objects import get_object

    return get_object("teapot").load()


@pytest.fixture(scope="session")
def teapot_batch(teapot_mesh):
    """16 renders of the teapot around it (NHWC uint8, 224 × 224)."""
    from semviewer.core.scene.axes import Pose
    from semviewer.render import Renderer

    with Renderer(teapot_mesh) as r:
        return r.render([Pose({"azimuth": a, "elevation": e}) for a in range(0, 360, 45) for e in (10, 40)])


@pytest.fixture()
def box_mesh_file(tmp_path):
    """A small asymmetric mesh file (an L-shaped pair of boxes), as OBJ."""
    import trimesh

    a = trimesh.creation.box(extents=(2.0, 1.0, 1.0))
    b = trimesh.creation.box(extents=(0.5, 1.0, 0.5))
    b.apply_translation((0.75, 1.0, 0.0))
    path = tmp_path / "ell.obj"
    trimesh.util.concatenate([a, b]).export(path)
    return path


@pytest.fixture()
def rng():
    return np.random.default_rng(0)


TINY_LABELS = ("teapot", "cup", "bagel", "cat", "dog", "car", "ship", "tree", "house", "lamp")


def _tiny_net():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                               torch.nn.Flatten(), torch.nn.Linear(8, len(TINY_LABELS))).eval()


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """A 10-class network of our own (input 64 × 64, ImageNet normalisation, logits out) as an ONNX
    file and a TorchScript file, each with a model card and a labels file beside it; ``net`` is the
    torch module they were made from."""
    import torch

    folder = tmp_path_factory.mktemp("tiny_models")
    net = _tiny_net()
    (folder / "labels.txt").write_text("\n".join(TINY_LABELS) + "\n")
    card = 'size = 64\nlabels = "labels.txt"\nname = "tiny ten-class net"\n'
    onnx_path, script_path = folder / "tiny.onnx", folder / "tiny.pt"
    torch.onnx.export(net, (torch.zeros(1, 3, 64, 64),), str(onnx_path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
    torch.jit.save(torch.jit.script(net), str(script_path))
    (folder / "tiny.toml").write_text(card)
    return {"folder": folder, "onnx": onnx_path, "torchscript": script_path, "net": net,
            "labels": folder / "labels.txt", "names": TINY_LABELS}


def tiny_reference(net, images, size: int = 64):
    """What the tiny net says about renders (NHWC uint8), fed as its card says (bilinear resize,
    ImageNet normalisation, softmax of the logits)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2) / 255.0
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    mean = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1)
    std = torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1)
    with torch.no_grad():
        return torch.softmax(net((x - mean) / std), 1).numpy()
