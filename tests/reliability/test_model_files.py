"""Reliability, third round: model files that give wrong numbers silently, tracebacks where one line
is promised, unbounded reads, labels, sessions from another folder and the desktop entry. Each case
failed before its fix."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from semviewer.cli import main
from semviewer.core.errors import ClassSetError, ModelError, SemviewerError
from semviewer.core.models.labels import read_labels
from semviewer.core.inference.loading import load_classifier
from semviewer.core.models import get_model_spec
from tests.conftest import TINY_LABELS, _tiny_net


class Wrapped(torch.nn.Module):
    """The tiny net with its output changed by ``how``."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.net, self.how = _tiny_net(), how

    def forward(self, x: torch.Tensor):
        y = self.net(x)
        if self.how == "transposed":
            return y.t()
        if self.how == "split":
            return y.reshape(-1, 2, 5)
        if self.how == "scalar":
            return y.sum()
        if self.how == "pooled":
            return y[:, :, None, None]
        return y


def _onnx(folder: Path, how: str, card: str = "size = 64\nlabels = \"labels.txt\"\n") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.txt").write_text("\n".join(TINY_LABELS) + "\n")
    path = folder / f"{how}.onnx"
    axes = {"x": {0: "n"}} if how in ("scalar", "transposed") else {"x": {0: "n"}, "y": {0: "n"}}
    torch.onnx.export(Wrapped(how).eval(), (torch.zeros(2, 3, 64, 64),), str(path), input_names=["x"],
                      output_names=["y"], dynamic_axes=axes, opset_version=17, dynamo=False)
    (folder / f"{how}.toml").write_text(card)
    return str(path)


@pytest.mark.parametrize("how, shape", [("transposed", r"\[10, 3\]"), ("split", r"\[3, 2, 5\]"),
                                        ("scalar", r"\[\]")])
def test_an_onnx_output_that_is_not_one_row_per_image_is_refused(tmp_path, how, shape):
    with pytest.raises(ModelError, match=rf"gives outputs of shape {shape} for 3 images; a classifier must give "
                                         r"\[N, classes\]") as err:
        load_classifier(_onnx(tmp_path, how), device="cpu")
    assert "\n" not in str(err.value)


def test_an_output_of_n_classes_1_1_is_taken(tmp_path, teapot_batch):
    plain = load_classifier(_onnx(tmp_path / "a", "plain"), device="cpu").probabilities(teapot_batch[:4])
    pooled = load_classifier(_onnx(tmp_path / "b", "pooled"), device="cpu").probabilities(teapot_batch[:4])
    assert pooled.shape == (4, 10) and np.abs(pooled - plain).max() < 1e-6


def test_a_card_that_says_probabilities_on_logits_is_refused(tmp_path):
    path = _onnx(tmp_path, "plain", 'size = 64\nlabels = "labels.txt"\noutput = "probabilities"\n')
    with pytest.raises(ModelError, match=r'its card says output = "probabilities", but on the check renders its '
                                         r'rows sum to .* say output = "logits"'):
        load_classifier(path, device="cpu")


class Misbehaves(torch.nn.Module):
    def __init__(self, how: int) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3, 10))
        self.how = how

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.how == 0:
            raise RuntimeError("this network is broken")
        return (x.mean(dim=(2, 3)) @ self.w).sum()


class ReturnsTuple(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3, 10))

    def forward(self, x: torch.Tensor):
        y = x.mean(dim=(2, 3)) @ self.w
        return y, y


class ReturnsDict(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3, 10))

    def forward(self, x: torch.Tensor):
        return {"logits": x.mean(dim=(2, 3)) @ self.w}


@pytest.mark.parametrize("module, message", [
    (lambda: Misbehaves(0), "failed on a batch of renders: .*this network is broken"),
    (lambda: Misbehaves(1), r"gives outputs of shape \[\] for 3 images"),
    (ReturnsTuple, "returns tuple, not one tensor of class scores"),
    (ReturnsDict, "returns dict, not one tensor of class scores")])
def test_a_torchscript_file_that_fails_or_returns_no_tensor_is_one_line(tmp_path, capsys, module, message):
    (tmp_path / "labels.txt").write_text("\n".join(TINY_LABELS) + "\n")
    (tmp_path / "model.toml").write_text('size = 64\nlabels = "labels.txt"\n')
    path = tmp_path / "odd.pt"
    torch.jit.save(torch.jit.script(module()), str(path))
    assert main(["predict", "--object", "teapot", "--model", str(path), "--classes", "teapot", "--engine", "torch",
                 "--trust-model-code"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("semviewer: error: ")
    import re
    assert re.search(message, err), err


def test_an_empty_onnx_file_is_one_line(tmp_path):
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="is not an ONNX model with an input and an output"):
        get_model_spec(str(tmp_path / "empty.onnx"))


def test_a_study_finds_a_bad_model_file_before_any_unit_runs(tmp_path):
    from semviewer.studies.manifest import plan_from_manifest
    from semviewer.studies.plan import StudyError

    path = _onnx(tmp_path, "transposed")
    manifest = {"study": {"methods": ["naive"]}, "grid": {"preset": "coarse"},
                "objects": [{"name": "teapot", "classes": ["teapot"]}], "models": [{"name": path}]}
    with pytest.raises(StudyError, match=r"\[\[models\]\] #1: .* gives outputs of shape \[10, 3\]"):
        plan_from_manifest(manifest, tmp_path)


def test_a_unit_key_changes_with_the_card(tmp_path):
    from semviewer.studies.manifest import plan_from_manifest

    path = _onnx(tmp_path, "plain")
    manifest = {"study": {"methods": ["naive"]}, "grid": {"preset": "coarse"},
                "objects": [{"name": "teapot", "classes": ["teapot"]}], "models": [{"name": path}]}
    first = plan_from_manifest(manifest, tmp_path).units()[0].key()
    (tmp_path / "plain.toml").write_text('size = 64\nlabels = "labels.txt"\nmean = [0.5, 0.5, 0.5]\n')
    second = plan_from_manifest(manifest, tmp_path).units()[0].key()
    (tmp_path / "plain.toml").write_text('size = 64\nlabels = "labels.txt"\nmean = [0.5, 0.5, 0.5]\nname = "x"\n')
    third = plan_from_manifest(manifest, tmp_path).units()[0].key()
    assert len({first, second, third}) == 3


def _squeezenet_weights(tmp_path, dtype):
    from safetensors.torch import save_file

    spec = get_model_spec("torchvision:squeezenet1_1")
    state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in spec.build().state_dict().items()}
    save_file(state, str(tmp_path / "w.safetensors"))
    return tmp_path / "w.safetensors"


def test_integer_weights_are_refused_and_half_weights_cast_with_a_note(tmp_path):
    with pytest.raises(ModelError, match=r"holds '[\w.]+' as int32 where the torchvision:squeezenet1_1 "
                                         r"network has float32"):
        load_classifier("torchvision:squeezenet1_1", weights=_squeezenet_weights(tmp_path, torch.int32),
                        device="cpu", engine="torch")
    notes = []
    load_classifier("torchvision:squeezenet1_1", weights=_squeezenet_weights(tmp_path, torch.float16),
                    device="cpu", engine="torch", notify=notes.append)
    assert notes == ["weights file w.safetensors: 52 tensors stored as float16 cast to the network's float32"]


def test_a_huge_model_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.onnx"
    with open(path, "wb") as fh:
        fh.truncate(3 << 30)                     # 3 GiB, sparse: nothing is read, or the test would take minutes
    with pytest.raises(ModelError, match=r"has 3,072 MiB, more than the limit of 2,048 MiB .* SEMVIEWER_MAX_MODEL_MB"):
        get_model_spec(str(path))
    monkeypatch.setenv("SEMVIEWER_MAX_MODEL_MB", "4096")
    with pytest.raises(ModelError, match="is not a readable ONNX model|not an ONNX model"):
        get_model_spec(str(path))


def test_a_card_cannot_name_labels_outside_its_folder(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("\n".join(TINY_LABELS))
    for value in (str(outside), "../secret.txt"):
        path = _onnx(tmp_path / "m", "plain", f'size = 64\nlabels = "{value}"\n')
        with pytest.raises(ModelError, match="lies outside the card's folder"):
            get_model_spec(path)
    spec = get_model_spec(path, labels=str(outside))            # labels the user gives, from anywhere
    assert spec.label_set.names == TINY_LABELS


@pytest.mark.parametrize("text, message", [
    ('["teapot", "cup\\nbogus line"]', "holds a line break"),
    ("teapot\ncup\nteapot\n", "names 'teapot' twice"),
    ('["a", "b\\u2028c"]', "holds a line break")])
def test_labels_with_line_breaks_or_repeats_are_refused(tmp_path, text, message):
    path = tmp_path / ("labels.json" if text.startswith("[") else "labels.txt")
    path.write_text(text)
    with pytest.raises(ClassSetError, match=message):
        read_labels(path)


def test_a_byte_order_mark_is_not_part_of_a_label(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_bytes("\ufeffteapot\ncup\n".encode())
    assert read_labels(path).names == ("teapot", "cup")


@pytest.mark.parametrize("card, message", [("mean = [1e308, 0, 0]", "mean must be three finite numbers"),
                                           ("mean = [nan, nan, nan]", "mean must be three finite numbers"),
                                           ("std = [1e-9, 1, 1]", "std must be three numbers of at least")])
def test_card_values_that_are_not_normalisations_are_refused_quietly(tmp_path, card, message):
    code = ("from semviewer.core.models import get_model_spec\n"
            f"get_model_spec({_onnx(tmp_path, 'plain', 'size = 64' + chr(10) + card + chr(10))!r})")
    run = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True)
    assert run.returncode == 1 and message in run.stderr and "RuntimeWarning" not in run.stderr


def test_a_path_with_a_line_break_is_one_line(tmp_path, capsys):
    assert main(["predict", "--object", "teapot", "--model", str(tmp_path / "a\nb.onnx")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "a\\nb.onnx" in err


def test_a_session_opens_from_another_folder_and_checks_its_weights(tmp_path, monkeypatch, tiny_models):
    from semviewer.core.session.document import Document
    from semviewer.core.session.saved_state import Session, from_session, to_session

    work = tmp_path / "work"
    work.mkdir()
    for name in ("tiny.onnx", "tiny.toml", "labels.txt"):
        (work / name).write_bytes((tiny_models["folder"] / name).read_bytes())
    monkeypatch.chdir(work)
    doc = Document()
    doc.open_object("teapot")
    doc.set_model("tiny.onnx")                                 # as typed, relative to the working folder
    to_session(doc).save(work / "s.json")
    assert json.loads((work / "s.json").read_text())["model"] == str(work / "tiny.onnx")
    monkeypatch.chdir(tmp_path)
    assert from_session(Session.load(work / "s.json"), work).model.spec.file == str(work / "tiny.onnx")
    data = json.loads((work / "s.json").read_text())
    data.update(model="tiny.onnx", labels="labels.txt")        # written by hand: relative to the session
    (work / "s.json").write_text(json.dumps(data))
    assert from_session(Session.load(work / "s.json"), work).model.labels.names == TINY_LABELS
    bad = tmp_path / "bad.pth"
    torch.save({"x": torch.zeros(3)}, bad)
    data.update(model="efficientnet-lite0", labels=None, weights=str(bad))
    (work / "s.json").write_text(json.dumps(data))
    with pytest.raises(SemviewerError, match="does not fit the efficientnet-lite0 architecture"):
        from_session(Session.load(work / "s.json"), work)


def test_timm_offline_is_one_quick_line(monkeypatch):
    pytest.importorskip("timm")
    from semviewer.core.models import builders

    monkeypatch.setattr(builders, "reachable", lambda *a, **k: False)
    with pytest.raises(ModelError, match="huggingface.co, where timm fetches them, cannot be reached"):
        builders.timm_pretrained("resnet10t")


# -- the desktop entry ---------------------------------------------------------------------------------

def _entry(tmp_path):
    return tmp_path / "data" / "applications" / "semviewer.desktop"


def test_install_leaves_a_users_own_entry_a_symlink_and_a_folder_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    entry = _entry(tmp_path)
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=my own launcher\n")
    assert main(["desktop-install"]) == 2
    assert "was not written by semviewer desktop-install" in capsys.readouterr().err
    assert entry.read_text() == "[Desktop Entry]\nName=my own launcher\n"
    assert main(["desktop-uninstall"]) == 0 and entry.exists()            # not ours: left alone
    precious = tmp_path / "precious.conf"
    precious.write_text("keep me\n")
    entry.unlink()
    entry.symlink_to(precious)
    assert main(["desktop-install"]) == 2 and "is a symbolic link" in capsys.readouterr().err
    assert precious.read_text() == "keep me\n" and entry.is_symlink()
    assert main(["desktop-uninstall"]) == 0 and entry.is_symlink() and precious.exists()
    assert "is a symbolic link; left alone" in capsys.readouterr().err
    entry.unlink()
    entry.mkdir()
    assert main(["desktop-install"]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and len(err.strip().splitlines()) == 1
    assert main(["desktop-uninstall"]) == 0 and entry.is_dir()
    entry.rmdir()
    assert main(["desktop-install"]) == 0 and "X-Semviewer-Written-By" in entry.read_text()
    assert main(["desktop-install"]) == 0                                  # ours: replaced
    assert main(["desktop-uninstall"]) == 0 and not entry.exists()
