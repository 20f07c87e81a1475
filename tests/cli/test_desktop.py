"""`semviewer desktop-install` / `desktop-uninstall` in a temporary XDG_DATA_HOME."""

import configparser
import sys
from pathlib import Path

from semviewer.cli import main
from semviewer.cli.desktop import exec_line


def test_install_writes_an_entry_that_runs_this_launcher_and_uninstall_removes_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["desktop-install"]) == 0
    entry = tmp_path / "data" / "applications" / "semviewer.desktop"
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "semviewer.svg"
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read_string(entry.read_text())
    desktop = parsed["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Icon"] == "semviewer" and desktop["Terminal"] == "false"
    program = desktop["Exec"].split('"')[1]
    assert Path(program).is_absolute() and Path(program).exists()       # this installation's launcher
    assert Path(program).name == "semviewer-gui" and Path(program).parent == Path(sys.executable).absolute().parent
    assert desktop["Exec"].endswith("%f") and "model/obj" in desktop["MimeType"]
    assert icon.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    assert main(["desktop-install"]) == 0                                 # again: replaced, not doubled
    assert len(list((tmp_path / "data" / "applications").iterdir())) == 1
    assert main(["desktop-uninstall"]) == 0
    assert not entry.exists() and not icon.exists()
    assert main(["desktop-uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_exec_lines_for_each_launcher(tmp_path):
    assert exec_line(Path("/opt/sv/bin/semviewer-gui")) == '"/opt/sv/bin/semviewer-gui" %f'
    assert exec_line(Path("/opt/sv/bin/semviewer")) == '"/opt/sv/bin/semviewer" gui %f'
    assert exec_line(Path("/usr/bin/python3")) == '"/usr/bin/python3" -m semviewer gui %f'


def test_an_unwritable_data_folder_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "file"))
    assert main(["desktop-install"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot create the folder" in err and len(err.splitlines()) == 1


def test_the_version_names_the_commit_in_a_checkout(capsys):
    import pytest

    from semviewer import __version__
    from semviewer.core.version import git_commit, software

    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"semviewer {__version__}")
    if (Path(__file__).resolve().parents[2] / ".git").exists():
        assert git_commit() and f"(git {git_commit()})" in out and software()["software_commit"] == git_commit()
