"""What a package offers, loaded on first use: a package's ``__init__`` names its public API (name →
module) and gets a module ``__getattr__`` that imports the module of a name when it is asked for,
so importing one module of a package never loads the rest (``import semviewer.core.scene.axes``
stays light)."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping


def lazy_api(package: str, offers: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, which offers each name of ``offers`` from the
    module given (relative to the package when it starts with a dot)."""
    def __getattr__(name: str) -> Any:
        if name not in offers:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(offers[name], package), name)

    def __dir__() -> list[str]:
        return sorted(offers)

    return __getattr__, __dir__
