"""Studies: manifests validated before any work, units resumable, executors agreeing, the report."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from semviewer.cli import main

MANIFEST = """
[study]
name = "coarse"
models = ["efficientnet-lite0"]
methods = ["naive", "oir_b", "oir_w"]
score = "map"

[grid]
azimuth = "0:360:45"
elevation = "-10:90:25"

[solver]
steps = 60
starts = [[130, 30], [200, 15]]

[[objects]]
name = "teapot"

[[objects]]
path = "meshes/ball.obj"
classes = ["soccer ball"]

[[objects]]
path = "meshes/can.stl"
classes = ["beer bottle", "pop bottle"]
up_axis = "z"
"""


@pytest.fixture()
def study_dir(tmp_path):
    import trimesh

    (tmp_path / "meshes").mkdir()
    trimesh.creation.icosphere(subdivisions=2).export(tmp_path / "meshes" / "ball.obj")
    trimesh.creation.cylinder(radius=0.3, height=2.0).export(tmp_path / "meshes" / "can.stl")
    (tmp_path / "study.toml").write_text(MANIFEST)
    return tmp_path


def _report(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def test_local_study_writes_units_and_report_then_skips_them(study_dir, capsys):
    out = study_dir / "out"
    assert main(["study", str(study_dir / "study.toml"), "--out", str(out), "--workers", "1"]) == 0
    rows = _report(out / "report.csv")
    assert len(rows) == 3 * 3 and {r["object"] for r in rows} == {"teapot", "ball", "can"}
    for r in rows:
        assert 0 <= float(r["verified_srvr"]) <= float(r["srvr"]) + 1e-9 <= 1
        assert 0 <= float(r["mean_p"]) <= 1 and int(r["regions"]) == 2
    units = sorted((out / "units").glob("*.json"))
    assert len(units) == 3 and len(list((out / "units").glob("*.npz"))) == 3
    record = json.loads(units[0].read_text())
    assert {"key", "unit", "provenance", "regions", "stats"} <= set(record)
    assert record["provenance"]["engine"] and "mesh_sha256" in record["provenance"]
    assert "| efficientnet-lite0 |" in (out / "table.md").read_text()
    assert "<table>" in (out / "table.html").read_text()
    assert (out / "figures" / "efficientnet-lite0.png").stat().st_size > 1000
    assert (out / "figures" / "efficientnet-lite0.pdf").read_bytes()[:4] == b"%PDF"
    study = json.loads((out / "study.json").read_text())
    assert study["executor"]["kind"] == "local" and len(study["units"]) == 3
    assert study["versions"]["onnxruntime"] and study["manifest"]["study"]["name"] == "coarse"
    capsys.readouterr()
    assert main(["study", str(study_dir / "study.toml"), "--out", str(out), "--workers", "1"]) == 0
    assert "0 units computed, 3 already done" in capsys.readouterr().out
    assert _report(out / "report.csv") == rows


def test_ray_executor_gives_the_same_numbers(study_dir):
    ray = pytest.importorskip("ray")
    from semviewer.studies.manifest import load_study
    from semviewer.studies.runner import run_study

    plan = load_study(study_dir / "study.toml")
    local = run_study(plan, study_dir / "local", "local", workers=1, threads=2, progress=False, figures=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_study(plan, study_dir / "ray", "ray", workers=1, threads=2, progress=False, figures=False)
    finally:
        ray.shutdown()
    assert not local.failed and not remote.failed and len(remote.computed) == 3
    assert (study_dir / "ray" / "report.csv").read_text() == (study_dir / "local" / "report.csv").read_text()
    assert json.loads((study_dir / "ray" / "study.json").read_text())["executor"]["kind"] == "ray"


def test_a_killed_study_resumes_with_the_units_left(study_dir):
    out = study_dir / "killed"
    command = [sys.executable, "-m", "semviewer", "study", str(study_dir / "study.toml"), "--out", str(out),
               "--workers", "1", "--no-figures"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and not list((out / "units").glob("*.json")) and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list((out / "units").glob("*.json")))
    assert 1 <= finished < 3, "the study should have been killed after its first unit"
    assert not list((out / "units").glob("*.part*"))                    # nothing half-written
    from semviewer.studies.manifest import load_study
    from semviewer.studies.runner import run_study

    plan = load_study(study_dir / "study.toml")
    again = run_study(plan, out, workers=1, progress=False, figures=False)
    assert len(again.skipped) == finished and len(again.computed) == 3 - finished
    whole = run_study(plan, study_dir / "whole", workers=1, progress=False, figures=False)
    assert (out / "report.csv").read_text() == (study_dir / "whole" / "report.csv").read_text()
    assert len(whole.computed) == 3


def test_a_failing_unit_is_recorded_and_the_rest_go_on(study_dir, monkeypatch, capsys):
    from semviewer.studies import unit as unit_module

    real = unit_module.compute_unit

    def flaky(payload, threads=0):
        if payload["object"]["label"] == "ball":
            raise RuntimeError("simulated renderer failure")
        return real(payload, threads)

    monkeypatch.setattr(unit_module, "compute_unit", flaky)
    out = study_dir / "flaky"
    assert main(["study", str(study_dir / "study.toml"), "--out", str(out), "--workers", "1", "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert "unit ball × efficientnet-lite0 failed: RuntimeError: simulated renderer failure" in err
    assert len(_report(out / "report.csv")) == 2 * 3
    assert json.loads(next((out / "units").glob("*.error.json")).read_text())["error"].startswith("RuntimeError")
    monkeypatch.setattr(unit_module, "compute_unit", real)
    assert main(["study", str(study_dir / "study.toml"), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    assert not list((out / "units").glob("*.error.json")) and len(_report(out / "report.csv")) == 9


@pytest.mark.parametrize("change, message", [
    (("meshes/ball.obj", "meshes/none.obj"), "[[objects]] #2 (meshes/none.obj): mesh file"),
    (("path = \"meshes/can.stl\"", "path = \"meshes/junk.obj\""), "[[objects]] #3 (meshes/junk.obj): mesh file"),
    (("classes = [\"soccer ball\"]", "classes = [\"football helmet x\"]"), "[[objects]] #2 (meshes/ball.obj): unknown ImageNet class"),
    (("models = [\"efficientnet-lite0\"]", "models = [\"efficientnet-lite9\"]"), "[study] models: unknown model"),
    (("score = \"map\"", "score = \"map\"\nspeed = 3"), "[study]: unknown key 'speed'"),
    (("elevation = \"-10:90:25\"", "elevation = \"-10:120:25\""), "[grid] elevation:"),
    (("steps = 60", "steps = 60\nbeta = 5.0"), "[solver]: beta must be in"),
    (("starts = [[130, 30], [200, 15]]", "starts = [[130, 30, 2]]"), "[solver] starts: each start needs 2 values"),
    (("name = \"teapot\"", "name = \"kettle\""), "[[objects]] #1: unknown bundled object 'kettle'"),
    (("[grid]", "[grids]"), "the manifest: unknown key 'grids'"),
    (("up_axis = \"z\"", "up_axis = \"w\""), "[[objects]] #3: up_axis must be one of"),
    (("score = \"map\"", "score = \"map\"\n[[[oops"), "is not valid TOML"),
])
def test_bad_manifests_exit_2_naming_the_entry(study_dir, change, message, capsys):
    (study_dir / "meshes" / "junk.obj").write_bytes(b"\x00\x01 not a mesh \xff" * 20)
    text = MANIFEST.replace(*change)
    assert text != MANIFEST
    (study_dir / "bad.toml").write_text(text)
    assert main(["study", str(study_dir / "bad.toml"), "--out", str(study_dir / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (study_dir / "o").exists()                               # validated before any work


def test_ray_missing_says_how_to_install(study_dir, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["study", str(study_dir / "study.toml"), "--out", str(study_dir / "o"), "--executor", "ray"]) == 2
    assert "pip install 'semviewer[ray]'" in capsys.readouterr().err


def test_worker_processes_give_the_same_numbers(study_dir):
    from semviewer.studies.manifest import load_study
    from semviewer.studies.runner import run_study

    plan = load_study(study_dir / "study.toml")
    one = run_study(plan, study_dir / "one", workers=1, threads=2, progress=False, figures=False)
    two = run_study(plan, study_dir / "two", workers=2, threads=2, progress=False, figures=False)
    assert not one.failed and not two.failed and len(two.computed) == 3
    assert (study_dir / "two" / "report.csv").read_text() == (study_dir / "one" / "report.csv").read_text()


def test_a_study_of_an_onnx_model_with_its_own_labels_beside_a_registry_model(tiny_models, tmp_path, capsys):
    import shutil

    from semviewer.core.session.study_unit import from_study_unit
    from semviewer.studies.folder import read_study

    for name in ("tiny.onnx", "tiny.toml", "labels.txt"):
        shutil.copy(tiny_models["folder"] / name, tmp_path / name)
    manifest = ('[study]\nname = "mine"\nmodels = ["efficientnet-lite0"]\nmethods = ["naive"]\nsize = 64\n'
                '[grid]\nazimuth = "0:360:90"\nelevation = "0:60:30"\n[solver]\nsteps = 5\nstarts = [[90, 30]]\n'
                '[[models]]\nname = "tiny.onnx"\n[[objects]]\nname = "teapot"\n')
    (tmp_path / "study.toml").write_text(manifest)
    out = tmp_path / "out"
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(out), "--workers", "1"]) == 0
    rows = _report(out / "report.csv")
    assert {r["model"] for r in rows} == {"efficientnet-lite0", "tiny.onnx"}
    records = {r.model: r for r in read_study(out)}
    tiny = records[str((tmp_path / "tiny.onnx").resolve())]
    unit = json.loads(next(p for p in (out / "units").glob("*.json") if "tiny" in p.name).read_text())
    assert unit["provenance"]["classes"] == {"ids": [0], "names": ["teapot"], "labels": str(
        (tmp_path / "labels.txt").resolve()), "labels_sha256": unit["provenance"]["labels_sha256"]}
    doc = from_study_unit(tiny, out)
    assert doc.model.labels.names == tiny_models["names"] and doc.scene.classes.ids == (0,)
    (tmp_path / "study.toml").write_text(manifest.replace('name = "teapot"', 'name = "mug"'))
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "[[objects]] #1" in err and "the model 'tiny.onnx' has no class 'coffee mug + cup'" in err
