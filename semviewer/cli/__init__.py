"""The `semviewer` command line (core + render only; the window is imported lazily)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from semviewer.core.version import version_text
from semviewer.core.errors import SemviewerError, printable
from semviewer.core.models.torchscript import UntrustedModelCode


def build_parser() -> argparse.ArgumentParser:
    from semviewer.cli import basic, desktop, evaluate, failures, gui, maps, regions, study

    parser = argparse.ArgumentParser(
        prog="semviewer",
        description="See where in pose space an image classifier is robust "
                    "(semantic maps and robust regions, Hamdi & Ghanem 2019). "
                    "Without a command, the desktop window opens.")
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (gui, basic, maps, regions, failures, evaluate, study, desktop):
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the `semviewer` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["gui"])
    try:
        return int(args.handler(args) or 0)
    except UntrustedModelCode as exc:
        print(f"semviewer: error: {printable(str(exc))}; if you trust it, add --trust-model-code", file=sys.stderr)
        return 2
    except SemviewerError as exc:
        print(f"semviewer: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semviewer: interrupted; what finished is kept (run the same command again to continue)",
              file=sys.stderr)
        return 130


def gui_main() -> int:
    """Entry point of the `semviewer-gui` launcher (the desktop menu's): the window, with the
    file the desktop passes, if any."""
    return main(["gui", *sys.argv[1:]])
