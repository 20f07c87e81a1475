"""Plain-Python change events: a subscriber list that a Qt-free model notifies."""

from __future__ import annotations

from typing import Any, Callable


class Event:
    """Callbacks connected to one kind of change; ``emit`` calls them in order of connection."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """Call ``callback`` on every emit (usable as a decorator); returns it."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._callbacks)} subscribers)"


class EventGroup:
    """A namespace of named events (``group.pose.connect(...)``), fixed at construction."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        for name in names:
            setattr(self, name, Event(name))

    def __iter__(self):
        return (getattr(self, name) for name in self.names)
