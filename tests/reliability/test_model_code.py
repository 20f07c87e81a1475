"""Model files that are programs (TorchScript): they run only when trusted, and never when their
code reaches outside the computation (files, sockets, C++ objects), trusted or not."""

from typing import Tuple

import pytest
import torch

from semviewer.cli import main
from semviewer.core.errors import ModelError
from semviewer.core.inference.loading import load_classifier
from semviewer.core.models.torchscript import UntrustedModelCode, code_operators, graph_operators, refused


class WritesOnRun(torch.nn.Module):
    """A classifier whose forward writes into a file (the issue's attack), 1000 ImageNet outputs."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3, 1000))
        self.target = target

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.from_file(self.target, True, 8, dtype=torch.uint8)
        t.fill_(65)
        return x.mean(dim=(2, 3)) @ self.w + t.float().sum() * 0


class WritesOnLoad(torch.nn.Module):
    """A module whose ``__setstate__`` (run by torch.jit.load itself) writes into a file."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3, 1000))
        self.target = target
        self.count = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)) @ self.w

    @torch.jit.export
    def __getstate__(self) -> Tuple[str, bool]:
        return (self.target, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[str, bool]) -> None:
        self.target = state[0]
        self.training = state[1]
        t = torch.from_file(self.target, True, 4, dtype=torch.uint8)
        t.fill_(66)
        self.count = int(t.sum())


class Plain(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.linspace(-1, 1, 3000).reshape(3, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)) @ self.w


def _save(module: torch.nn.Module, path) -> str:
    torch.jit.save(torch.jit.script(module), str(path))
    return str(path)


@pytest.fixture()
def victim(tmp_path):
    """A file of the user's that an attack would overwrite, and a path it would create."""
    existing = tmp_path / "notes.txt"
    existing.write_text("my notes, not to be touched\n")
    return existing, tmp_path / "created-by-model"


def _untouched(victim) -> bool:
    existing, created = victim
    return existing.read_text() == "my notes, not to be touched\n" and not created.exists()


def test_a_torchscript_file_is_refused_without_trust_and_touches_nothing(tmp_path, victim, capsys):
    model = _save(WritesOnRun(str(victim[0])), tmp_path / "evil.pt")
    assert main(["predict", "--object", "teapot", "--model", model, "--engine", "torch"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is a TorchScript file: a program" in err
    assert "--trust-model-code" in err and "ONNX" in err
    assert _untouched(victim)
    with pytest.raises(UntrustedModelCode):
        load_classifier(model, device="cpu", engine="torch")


@pytest.mark.parametrize("attack", [WritesOnRun, WritesOnLoad])
def test_trusted_or_not_a_file_whose_code_reaches_files_never_runs(tmp_path, victim, capsys, attack):
    existing, created = victim
    for target in (existing, created):
        model = _save(attack(str(target)), tmp_path / f"{attack.__name__}.pt")
        assert main(["predict", "--object", "teapot", "--model", model, "--engine", "torch",
                     "--trust-model-code"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "calls aten::from_file" in err and "trusted or not" in err
    assert _untouched(victim)


def test_the_loaded_graph_is_checked_too():
    """The second layer: operators found in the compiled graphs (functions inlined), not only in the code."""
    found = graph_operators(torch.jit.script(WritesOnRun("/nonexistent")))
    assert "aten::from_file" in found and refused(found) == ["aten::from_file"]
    assert refused(graph_operators(torch.jit.script(Plain()))) == []
    assert refused({"image::read_file", "c10d::broadcast_", "aten::add", "prim::Print", "torch.classes.dist_c10d",
                    "torch.classes.quantized"}) == ["c10d::broadcast_", "image::read_file", "torch.classes.dist_c10d"]


def test_a_trusted_plain_torchscript_file_runs(tmp_path, capsys):
    model = _save(Plain(), tmp_path / "plain.pt")
    assert refused(code_operators(model)) == []
    assert main(["predict", "--object", "teapot", "--model", model, "--engine", "torch", "--trust-model-code"]) == 0
    assert "teapot at" in capsys.readouterr().out
    clf = load_classifier(model, device="cpu", engine="torch", trust_code=True)
    assert clf.spec.family == "torchscript" and clf.num_classes == 1000


def test_a_study_says_which_model_needs_trust(tmp_path):
    from semviewer.studies.manifest import plan_from_manifest
    from semviewer.studies.plan import StudyError

    model = _save(Plain(), tmp_path / "plain.pt")
    manifest = {"study": {"methods": ["naive"]}, "grid": {"preset": "coarse"}, "objects": [{"name": "teapot"}],
                "models": [{"name": model}]}
    with pytest.raises(StudyError, match=r"\[\[models\]\] #1: .* a program .* add trust_code = true to this entry"):
        plan_from_manifest(manifest, tmp_path)
    manifest["models"][0]["trust_code"] = True
    plan = plan_from_manifest(manifest, tmp_path)
    assert plan.models[0].trust_code
    manifest["models"][0]["trust_code"] = "yes"
    with pytest.raises(StudyError, match="trust_code must be true or false"):
        plan_from_manifest(manifest, tmp_path)


def test_a_file_that_is_not_torchscript_code_is_one_line(tmp_path):
    import zipfile

    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bad/code/__torch__.py", "def forward(self:\n")
        archive.writestr("bad/constants.pkl", b"")
    with pytest.raises(ModelError, match="cannot read the code of the TorchScript file") as err:
        load_classifier(str(path), device="cpu", engine="torch", trust_code=True)
    assert "\n" not in str(err.value)
