"""Type-to-search for the dialogs' long lists (classes, architectures)."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget


def filter_list(items: QListWidget, text: str) -> None:
    """Hide the rows whose text does not contain ``text`` (case-insensitive); empty shows all."""
    needle = text.lower().strip()
    for row in range(items.count()):
        item = items.item(row)
        item.setHidden(bool(needle) and needle not in item.text().lower())
