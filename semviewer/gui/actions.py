"""Menu entries whose errors become one-line messages."""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtGui import QAction, QKeySequence


def add_action(parent, guard: Callable, menu, text: str, slot, shortcut=None, name: Optional[str] = None) -> QAction:
    """A menu entry (with an optional shortcut and objectName) whose errors become one-line
    messages through ``guard``."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(lambda checked=False: guard(slot))
    menu.addAction(action)
    return action
