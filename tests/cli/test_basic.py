import json

import numpy as np
import pytest
from PIL import Image

from semviewer.cli import main


def test_render_writes_a_png(tmp_path, capsys):
    out = tmp_path / "view.png"
    assert main(["render", "--object", "teapot", "--pose", "azimuth=30,elevation=20", "--out", str(out)]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape == (224, 224, 3) and image.max() > 200
    assert "wrote" in capsys.readouterr().out


def test_predict_default_pose_puts_teapot_first(capsys):
    assert main(["predict", "--object", "teapot"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(line for line in lines if "%" in line)
    assert "teapot (849)" in first and first.lstrip().startswith("*")
    assert "true class teapot" in lines[-1] and "rank 1" in lines[-1]


def test_predict_json_and_mesh_file(box_mesh_file, capsys):
    assert main(["predict", "--object", str(box_mesh_file), "--classes", "carton", "--top", "3", "--json",
                 "--pose", "azimuth=45"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["top"]) == 3 and data["true_classes"]["names"] == ["carton"]
    assert 0.0 <= data["true_probability"] <= 1.0 and data["pose"]["azimuth"] == 45.0


def test_listings(capsys):
    assert main(["objects"]) == 0
    out = capsys.readouterr().out
    assert "teapot" in out and "mug" in out and "soccer_ball" in out
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "efficientnet-lite0" in out and "package" in out and "resnet50" in out
    assert main(["classes", "teapot"]) == 0
    assert "849  teapot" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["predict", "--object", "kettle"], "unknown object 'kettle'"),
    (["predict", "--pose", "elevation=120"], "outside its domain"),
    (["predict", "--pose", "tilt=3"], "unknown axis"),
    (["render", "--object", "/nonexistent/thing.obj", "--classes", "teapot", "--out", "x.png"], "does not exist"),
    (["predict", "--object", "{empty}", "--classes", "teapot"], "empty"),
    (["map", "--object", "{box}", "--axes", "azimuth=0:360:90", "--out", "x.npz"], "--classes"),
    (["predict", "--model", "resnet18", "--weights", "{junk}"], "cannot read"),
    (["predict", "--model", "resnet18", "--no-download"], "downloads are off"),
    (["render", "--out", "/nonexistent-dir/x.png"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(argv, message, tmp_path, box_mesh_file, capsys, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    (tmp_path / "empty.obj").write_bytes(b"")
    (tmp_path / "junk.pth").write_bytes(b"junk" * 10)
    argv = [a.format(empty=tmp_path / "empty.obj", box=box_mesh_file, junk=tmp_path / "junk.pth") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_unknown_model_is_one_line(capsys):
    assert main(["predict", "--model", "resnet51"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown model 'resnet51'; did you mean resnet50" in err and len(err.splitlines()) == 1


def test_every_kind_of_model_is_named_and_listed(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert all(kind in out for kind in ("torchvision:NAME", "timm:NAME", "model.onnx", "TorchScript", "--labels"))
    assert main(["models", "--all"]) == 0
    out = capsys.readouterr().out
    assert "torchvision:vit_b_16" in out and "torchvision:convnext_tiny" in out and "torchvision:resnet50" in out


def test_classes_of_a_model_of_ten_classes(tiny_models, capsys):
    assert main(["classes", "--model", str(tiny_models["onnx"])]) == 0
    assert capsys.readouterr().out.split() == [w for i, n in enumerate(tiny_models["names"]) for w in (str(i), n)]
    assert main(["classes", "mug", "--labels", str(tiny_models["labels"])]) == 1
    assert "no class of these labels contains 'mug'" in capsys.readouterr().out


def test_predict_with_an_onnx_model_of_ten_classes(tiny_models, capsys):
    assert main(["predict", "--object", "teapot", "--model", str(tiny_models["onnx"]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["true_classes"]["names"] == ["teapot"] and data["true_classes"]["ids"] == [0]   # on its labels
    assert {t["name"] for t in data["top"]} <= set(tiny_models["names"]) and data["model"]["classes_count"] == 10
    assert main(["predict", "--object", "teapot", "--model", str(tiny_models["onnx"]), "--classes", "coffee mug"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown class of the model's labels 'coffee mug'" in err and len(err.splitlines()) == 1


def test_gui_without_a_display_says_so(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main(["gui"]) == 2
    assert "no display" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["torch", "onnxruntime"])
def test_engine_option(engine, capsys):
    assert main(["predict", "--object", "teapot", "--engine", engine]) == 0
    out = capsys.readouterr().out
    assert f"{engine} engine" in out and "teapot (849)" in out
    assert main(["predict", "--object", "teapot", "--engine", engine, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["engine"] == engine


def test_bf16_refused_on_a_cpu_without_it(monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    assert main(["predict", "--bf16"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no native bf16" in err[0]


def test_unlabelled_meshes_render_and_predict_without_classes(box_mesh_file, tmp_path, capsys):
    out = tmp_path / "box.png"
    assert main(["render", "--object", str(box_mesh_file), "--out", str(out)]) == 0
    assert Image.open(out).size == (224, 224)
    assert main(["predict", "--object", str(box_mesh_file), "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum("%" in line for line in lines) == 3 and not any(line.startswith("true class") for line in lines)
    assert lines[-1].startswith("no true class:") and "has no class of its own" in lines[-1]
    assert main(["predict", "--object", str(box_mesh_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["true_classes"] is None and data["true_probability"] is None and len(data["top"]) == 5
    assert main(["predict", "--object", str(box_mesh_file), "--classes", "carton"]) == 0
    assert "true class carton" in capsys.readouterr().out.splitlines()[-1]
