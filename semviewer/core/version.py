"""The version of semviewer, defined once (``semviewer.__version__``, which the package metadata
reads too), and in a git checkout the commit it runs from; both go into every provenance."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Optional

from semviewer import __version__


@lru_cache(maxsize=1)
def git_commit() -> Optional[str]:
    """The short commit of the git checkout semviewer runs from (``-dirty`` with uncommitted
    changes to tracked files), or None for an installed package or without git."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or not (root / "pyproject.toml").is_file():
        return None

    def git(*args: str) -> Optional[str]:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short=12", "HEAD")
    if not commit:
        return None
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def version_text() -> str:
    """``semviewer 0.1.0``, with ``(git COMMIT)`` in a checkout: what ``--version`` prints."""
    commit = git_commit()
    return f"semviewer {__version__}" + (f" (git {commit})" if commit else "")


def software() -> dict[str, Optional[str]]:
    """The provenance fields naming this software: ``software`` and ``software_commit``."""
    return {"software": f"semviewer {__version__}", "software_commit": git_commit()}
