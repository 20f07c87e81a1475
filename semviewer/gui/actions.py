"""Window actions, declared once: an ``ActionSpec`` says an action's id, text, shortcut, tooltip,
handler and, where it has them, its enabled and checked state. ``Actions`` makes one QAction of
each; menus, buttons and shortcuts are views of those QActions, and ``refresh`` brings every
enabled and checked state up to date from the declarations. Errors in a handler become one-line
messages through the window's guard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget


@dataclass(frozen=True)
class ActionSpec:
    """One user action. ``checked`` makes it checkable (its state read from the callable); actions
    of one ``group`` exclude each other."""

    id: str
    text: str
    handler: Callable[[], Any]
    shortcut: Any = None                  # a key sequence text or a QKeySequence.StandardKey
    tooltip: str = ""
    enabled: Optional[Callable[[], bool]] = None
    checked: Optional[Callable[[], bool]] = None
    group: Optional[str] = None


class Actions:
    """The QAction of every declared action, by id (``actions["computeMapAction"]``)."""

    def __init__(self, parent: QWidget, guard: Callable, specs: Iterable[ActionSpec]) -> None:
        self._specs: dict[str, ActionSpec] = {}
        self._actions: dict[str, QAction] = {}
        self._groups: dict[str, QActionGroup] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"the action {spec.id!r} is declared twice")
            self._specs[spec.id] = spec
            self._actions[spec.id] = self._make(parent, guard, spec)
        self.refresh()

    def _make(self, parent: QWidget, guard: Callable, spec: ActionSpec) -> QAction:
        action = QAction(spec.text, parent)
        action.setObjectName(spec.id)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tooltip:
            action.setToolTip(spec.tooltip)
        if spec.checked is not None:
            action.setCheckable(True)
        if spec.group is not None:
            if spec.group not in self._groups:
                self._groups[spec.group] = QActionGroup(parent)
                self._groups[spec.group].setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
            self._groups[spec.group].addAction(action)
        action.triggered.connect(lambda checked=False, handler=spec.handler: self._run(guard, handler))
        return action

    def _run(self, guard: Callable, handler: Callable[[], Any]) -> None:
        guard(handler)
        self.refresh()          # a refused change leaves the checks where the state is

    def __getitem__(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def ids(self, prefix: str = "") -> list[str]:
        """The declared ids (those starting with ``prefix``), in declaration order."""
        return [i for i in self._actions if i.startswith(prefix)]

    def refresh(self) -> None:
        """Every enabled and checked state from its declaration."""
        for action_id, spec in self._specs.items():
            action = self._actions[action_id]
            if spec.enabled is not None:
                action.setEnabled(bool(spec.enabled()))
            if spec.checked is not None:
                action.setChecked(bool(spec.checked()))

    def fill(self, menu: QMenu, ids: Sequence[Optional[str]]) -> QMenu:
        """Put the actions ``ids`` into ``menu`` in order (None: a separator)."""
        for action_id in ids:
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(self[action_id])
        return menu


def add_action(parent, guard: Callable, menu, text: str, slot, shortcut=None, name: Optional[str] = None) -> QAction:
    """An entry of a menu made at run time (recent files, recent models), whose errors become
    one-line messages through ``guard``."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(lambda checked=False: guard(slot))
    menu.addAction(action)
    return action
