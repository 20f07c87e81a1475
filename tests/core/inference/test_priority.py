"""Live predictions first: background inference waits while an urgent call runs."""

import threading
import time

import numpy as np

from semviewer.core.inference.scheduling import PriorityGate, Scheduled


def test_background_work_waits_for_urgent_work():
    gate = PriorityGate(patience=5.0)
    order = []
    inside = threading.Event()
    release = threading.Event()

    def live():
        with gate.urgent():
            inside.set()
            release.wait(5)
            order.append("live done")

    def background():
        inside.wait(5)
        waited = gate.wait_turn()
        order.append(f"background runs (waited {waited})")

    threads = [threading.Thread(target=live), threading.Thread(target=background)]
    for t in threads:
        t.start()
    inside.wait(5)
    time.sleep(0.2)
    assert order == [] and gate.busy                                     # background is held back
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["live done", "background runs (waited True)"]
    assert gate.wait_turn() is False                                     # nothing urgent: no wait


def test_patience_bounds_the_wait():
    gate = PriorityGate(patience=0.2)
    with gate.urgent():
        start = time.monotonic()
        assert gate.wait_turn() is True
        assert time.monotonic() - start < 1.0                            # background always progresses


def test_the_classifier_uses_its_gate(classifier):
    scheduled = Scheduled(classifier)                                    # the classifier seen through a gate
    image = classifier.check_images()[:1]
    urgent = scheduled.probabilities(image, urgent=True)
    assert np.allclose(urgent, scheduled.probabilities(image)) and not scheduled.gate.busy


def test_background_work_yields_for_a_while_after_urgent_work():
    gate = PriorityGate(yield_seconds=0.3)
    assert not gate.yielding()
    with gate.urgent():
        assert gate.yielding()
    assert gate.yielding()                                               # the user is still dragging
    time.sleep(0.4)
    assert not gate.yielding()


def test_while_yielding_background_batches_go_one_image_at_a_time(classifier, monkeypatch):
    scheduled = Scheduled(classifier)
    images = np.repeat(classifier.check_images()[:1], 4, axis=0)
    whole = scheduled.probabilities(images)
    sizes = []
    real = classifier.probabilities
    monkeypatch.setattr(classifier, "probabilities", lambda batch: sizes.append(len(batch)) or real(batch))
    scheduled.probabilities(images[:1], urgent=True)                     # a live prediction just ran
    split = scheduled.probabilities(images)
    assert sizes == [1, 1, 1, 1, 1] and np.allclose(split, whole, atol=1e-5)
    monkeypatch.setattr(scheduled.gate, "yield_seconds", 0.0)
    scheduled.probabilities(images)
    assert sizes[-1] == 4                                                # idle: one batch again
