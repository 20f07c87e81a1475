"""Second round, studies and maps: tampered units are recomputed, folders and flags are checked
up front, Ctrl+C and a full cache keep what they promise, broken networks are refused."""

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from semviewer.cli import main
from semviewer.core.errors import ModelError
from semviewer.core.maps.cache import MapCache, map_key
from semviewer.pipeline.maps import cached_build_map
from semviewer.core.scene.grid import parse_grid_axis
from tests.reliability.conftest import time_limit

MANIFEST = """
[study]
name = "tiny"
models = ["efficientnet-lite0"]
methods = ["naive"]
[grid]
azimuth = "0:360:60"
elevation = "-10:90:50"
[solver]
steps = 5
starts = [[130, 30]]
[[objects]]
name = "teapot"
[[objects]]
name = "mug"
label = "=HYPERLINK(1)"
"""


@pytest.fixture()
def study(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "study.toml").write_text(MANIFEST)
    return tmp_path


def _run(study, capsys, *extra):
    code = main(["study", str(study / "study.toml"), "--out", str(study / "out"), "--workers", "1", "--no-figures",
                 *extra])
    return code, capsys.readouterr().err


def test_tampered_damaged_or_escaping_units_are_recomputed_with_one_line_each(study, capsys):
    assert _run(study, capsys)[0] == 0
    units = study / "out" / "units"
    first = sorted(units.glob("teapot*.json"))[0]
    before = (study / "out" / "report.csv").read_text()
    record = json.loads(first.read_text())
    record["regions"][0]["volume_ratio"] = 0.42
    record["regions"][0]["upper"] = [359.0, 89.0]                   # an edited region
    first.write_text(json.dumps(record))
    mug = next(p for p in units.glob("*.json") if not p.name.startswith("teapot"))
    mug_npz = mug.with_suffix(".npz")
    mug_npz.write_bytes(mug_npz.read_bytes()[:200])                # a corrupt map
    code, err = _run(study, capsys)
    assert code == 0 and "content was changed" in err and "map file was changed" in err
    assert err.count("computing it again") == 2
    assert (study / "out" / "report.csv").read_text() == before    # the report never saw the edit
    record = json.loads(first.read_text())
    record["map_file"] = "../../elsewhere.npz"                     # a path out of units/
    first.write_text(json.dumps(record))
    code, err = _run(study, capsys)
    assert code == 0 and "outside units/" in err


def test_the_report_escapes_formulas_and_labels_must_be_one_line(study, capsys):
    assert _run(study, capsys)[0] == 0
    rows = list(csv.reader((study / "out" / "report.csv").open()))
    assert any(row[0] == "'=HYPERLINK(1)" for row in rows)           # text, not a formula
    (study / "study.toml").write_text(MANIFEST.replace('"=HYPERLINK(1)"', '"two\\nlines"'))
    code, err = _run(study, capsys)
    assert code == 2 and "one line of printable text" in err


def test_stale_units_move_aside_another_study_is_said_and_run_times_add_up(study, capsys):
    assert _run(study, capsys)[0] == 0
    first = json.loads((study / "out" / "study.json").read_text())
    assert first["wall_seconds"] == first["wall_seconds_this_run"] > 0
    assert _run(study, capsys)[0] == 0
    again = json.loads((study / "out" / "study.json").read_text())
    assert again["wall_seconds"] == pytest.approx(first["wall_seconds"] + again["wall_seconds_this_run"])
    (study / "study.toml").write_text(MANIFEST.replace("steps = 5", "steps = 6"))
    code, err = _run(study, capsys)
    assert code == 0 and "held another study" in err and "moved to" in err
    assert len(list((study / "out" / "units" / "stale").glob("*.json"))) == 2
    assert len(list((study / "out" / "units").glob("*.json"))) == 2
    from semviewer.studies.folder import read_study

    listed = read_study(study / "out")
    assert [r.name.split(" × ")[0] for r in listed] == ["teapot", "=HYPERLINK(1)"]    # the study's order
    assert all(r.state == "done" for r in listed)


@pytest.mark.parametrize("out", ["/proc", "/sys/kernel", "{device}", "{file}"])
def test_a_study_output_that_cannot_be_a_folder_is_one_line(study, capsys, out):
    (study / "a-file").write_text("x")
    if out == "{device}":
        try:
            os.mknod(study / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    target = out.replace("{file}", str(study / "a-file")).replace("{device}", str(study / "null"))
    with time_limit(120):
        code = main(["study", str(study / "study.toml"), "--out", target, "--workers", "1", "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.strip().splitlines()[-1].startswith("semviewer: error:")


def test_evaluate_into_proc_and_bad_run_settings_are_refused_up_front(study, capsys):
    for argv, text in ((["evaluate", "--objects", "teapot", "--models", "efficientnet-lite0", "--grid", "coarse",
                         "--out", "/proc/ev.csv"], "/proc"),
                       (["study", str(study / "study.toml"), "--workers", "0"], "number of workers must be"),
                       (["study", str(study / "study.toml"), "--gpu-fraction", "-1"], "GPU fraction must be"),
                       (["predict", "--object", "teapot", "--top", "0"], "--top must be at least 1")):
        with time_limit(60):
            assert main(argv) == 2
        err = capsys.readouterr().err
        assert text in err and "Traceback" not in err


def test_a_study_grid_too_large_for_memory_is_refused_at_validation(study, capsys):
    (study / "study.toml").write_text(MANIFEST.replace('azimuth = "0:360:60"', 'azimuth = "0:360:0.001"')
                                      .replace('elevation = "-10:90:50"', 'elevation = "-10:90:0.001"'))
    with time_limit(20):
        code, err = _run(study, capsys)
    assert code == 2 and "[grid]" in err and ("exhaust memory" in err or "larger step" in err)


def test_garbage_or_non_finite_weights_are_refused_naming_the_problem(study, tmp_path, capsys):
    (tmp_path / "garbage.pth").write_bytes(os.urandom(4096))
    manifest = MANIFEST + f'[[models]]\nname = "efficientnet-lite0"\nweights = "{tmp_path / "garbage.pth"}"\n'
    (study / "study.toml").write_text(manifest)
    code, err = _run(study, capsys)
    assert code == 2 and "[[models]] #1" in err and "garbage.pth" in err
    from semviewer.core.models import get_model_spec

    state = torch.load(get_model_spec("efficientnet-lite0").packaged_weights(), weights_only=True)
    name = next(k for k, v in state.items() if v.is_floating_point())
    state[name][0] = float("nan")
    torch.save(state, tmp_path / "nan.pth")
    assert main(["predict", "--object", "teapot", "--weights", str(tmp_path / "nan.pth")]) == 2
    assert f"non-finite values (NaN or infinity) in {name!r}" in capsys.readouterr().err


def test_non_finite_probabilities_are_refused():
    from semviewer.core.inference.outputs import check_probabilities

    with pytest.raises(ModelError, match="non-finite probabilities"):
        check_probabilities(np.array([[0.5, np.nan]]), "net")


class _Interrupting:
    """A score that is interrupted (Ctrl+C) in its third chunk."""

    def __init__(self):
        self.calls = 0

    def evaluate(self, points):
        self.calls += 1
        if self.calls == 3:
            raise KeyboardInterrupt
        return SimpleNamespace(scores=np.full(len(points), 0.5), top1=np.ones(len(points)))


def test_ctrl_c_keeps_every_finished_chunk_in_the_cache(tmp_path):
    axes = (parse_grid_axis("azimuth=0:360:1"),)
    cache = MapCache(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        cached_build_map(_Interrupting(), axes, {}, {"model": "m"}, cache=cache, chunk_size=64)
    partial = cache.get_partial(map_key({"model": "m"}, axes, {}))
    assert partial is not None and int(partial.filled.sum()) == 128


def test_a_full_cache_disk_is_said_once_and_the_map_still_finishes(tmp_path, monkeypatch):
    import errno

    def full(self, key, semantic_map):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(MapCache, "put", full)
    notes = []
    score = lambda p: np.full(len(p), 0.25)  # noqa: E731
    result, cached = cached_build_map(score, (parse_grid_axis("azimuth=0:360:1"),), {}, {}, cache=MapCache(tmp_path),
                                      chunk_size=16, notify=notes.append)
    assert result.complete and not cached and len(notes) == 1 and "No space left on device" in notes[0]


def test_a_killed_driver_takes_its_workers_with_it(study):
    command = [sys.executable, "-m", "semviewer", "study", str(study / "study.toml"), "--out", str(study / "k"),
               "--workers", "2", "--no-figures"]
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    workers = []
    deadline = time.time() + 120
    while time.time() < deadline and len(workers) < 2 and driver.poll() is None:
        time.sleep(0.2)
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(driver.pid)], capture_output=True,
                                                  text=True).stdout.split()]
    assert workers, "the study never started its worker processes"
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_ray_address_where_nothing_listens_fails_fast(study, capsys):
    pytest.importorskip("ray")
    began = time.monotonic()
    code = main(["study", str(study / "study.toml"), "--out", str(study / "r"), "--executor", "ray",
                 "--address", "127.0.0.1:1"])
    assert code == 2 and time.monotonic() - began < 30
    assert "nothing answers there" in capsys.readouterr().err


def test_a_regions_map_whose_manifest_is_a_list_is_one_line(tmp_path, capsys):
    np.savez(tmp_path / "m.npz", values=np.zeros((2, 2), np.float32), manifest=np.array(json.dumps([1, 2])))
    assert main(["regions", "--map", str(tmp_path / "m.npz"), "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert "manifest is a JSON list" in err and "Traceback" not in err


def test_stray_or_incomplete_unit_files_are_listed_as_damaged_not_a_traceback(study, capsys):
    from semviewer.core.errors import SemviewerError
    from semviewer.core.session.study_unit import from_study_unit
    from semviewer.studies.folder import read_study

    assert _run(study, capsys)[0] == 0
    units = study / "out" / "units"
    (units / "stray.json").write_text('{"a": 1}')
    record = json.loads(next(units.glob("teapot*.json")).read_text())
    del record["stats"]
    (units / "incomplete.json").write_text(json.dumps(record))
    listed = {r.name: r for r in read_study(study / "out")}
    assert listed["stray"].state.startswith("damaged:") and "lacks its 'stats'" in listed["incomplete"].state
    with pytest.raises(SemviewerError, match="cannot be opened \\(damaged"):
        from_study_unit(listed["stray"], study / "out")


def test_a_unit_failure_is_said_once(study, capsys, monkeypatch):
    from semviewer.studies import unit as unit_module

    monkeypatch.setattr(unit_module, "compute_unit", lambda payload, threads=0: 1 / 0)
    code, err = _run(study, capsys)
    assert code == 1 and err.count("ZeroDivisionError") == 2          # one line for each of the two units


def test_a_read_only_engine_cache_still_keeps_exports_and_measurements(tmp_path, monkeypatch):
    from semviewer.core.engines.export import engine_cache_dir

    read_only = tmp_path / "ro"
    read_only.mkdir()
    monkeypatch.setenv("SEMVIEWER_ENGINE_CACHE_DIR", str(read_only))
    monkeypatch.setattr(os, "access", lambda path, mode: str(path) != str(read_only))
    fallback = engine_cache_dir()
    assert fallback != read_only and f"semviewer-{os.getuid()}" in str(fallback)
