"""Type-to-search for the dialogs' long lists (classes, architectures)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

#: Where a row keeps its place in the unfiltered list.
ORDER_ROLE = Qt.ItemDataRole.UserRole + 7


def match_rank(text: str, needle: str) -> int:
    """How well ``text`` matches ``needle`` (lower is better; 3: not at all): the whole name, a
    word of it that starts with the needle, anywhere in it."""
    text = text.lower()
    if not needle:
        return 0
    if re.sub(r"\s*\(\d+\)$", "", text) == needle:      # a class row reads "cup  (968)"
        return 0
    if any(word.startswith(needle) for word in re.split(r"[\s,;:()_/-]+", text)):
        return 1
    return 2 if needle in text else 3


def filter_list(items: QListWidget, text: str) -> None:
    """Show the rows whose text contains ``text`` (case-insensitive), best matches first (the whole
    name, then a word starting with it: "cup" lists cup before porcupine); empty shows all, in the
    list's own order."""
    needle = text.lower().strip()
    blocked = items.blockSignals(True)           # the choice does not change: no one is told it did
    try:
        current = items.currentItem()
        selected = {id(item) for item in items.selectedItems()}
        rows = [items.takeItem(0) for _ in range(items.count())]
        for position, item in enumerate(rows):
            if item.data(ORDER_ROLE) is None:
                item.setData(ORDER_ROLE, position)
        ranked = sorted(rows, key=lambda item: (match_rank(item.text(), needle), item.data(ORDER_ROLE)))
        for item in ranked:
            items.addItem(item)
            item.setHidden(match_rank(item.text(), needle) == 3)
            item.setSelected(id(item) in selected)
        if current is not None:
            items.setCurrentItem(current, items.selectionModel().SelectionFlag.NoUpdate)
    finally:
        items.blockSignals(blocked)
