"""`semviewer gui` (also bare `semviewer`): the desktop window, imported only when asked for."""

from __future__ import annotations

import argparse

from semviewer.core.models import DEFAULT_MODEL
from semviewer.core.scene.objects import DEFAULT_OBJECT


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop window (the default command)")
    p.add_argument("--object", default=DEFAULT_OBJECT, help="bundled object or mesh file to open")
    p.add_argument("--model", default=DEFAULT_MODEL, metavar="SPEC",
                   help="classifier: a registry name, torchvision:NAME, timm:NAME, or a model file")
    p.add_argument("--session", default=None, help="a session file (JSON) to reopen")
    p.add_argument("file", nargs="?", default=None,
                   help="a mesh or session file to open (what a desktop menu or file manager passes)")
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from semviewer.gui.app import run_app  # Qt is imported here only

    session, obj = args.session, args.object
    if args.file:
        if args.file.lower().endswith(".json"):
            session = session or args.file
        else:
            obj = args.file
    return run_app(object_name=obj, model_name=args.model, session=session)
