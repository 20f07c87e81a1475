"""The Qt binding itself: a signal emitted many times must not corrupt Python's reference counts.

PySide6 6.12.0 decremented True's reference count on every Signal.emit(): a live view that
emitted some thousands of frames aborted the process ("bool_dealloc"). pyproject pins it out.
"""

import sys

from PySide6.QtCore import QObject, Signal, Slot


class Emitter(QObject):
    fired = Signal(object, object)


class Receiver(QObject):
    @Slot(object, object)
    def take(self, a, b) -> None:
        self.last = b


def test_emit_keeps_reference_counts(qapp):
    emitter, receiver = Emitter(), Receiver()
    emitter.fired.connect(receiver.take)
    emitter.fired.connect(lambda a, b: None)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        emitter.fired.emit(None, True)
    assert sys.getrefcount(True) - true_before >= -5
    assert sys.getrefcount(None) - none_before >= -5
