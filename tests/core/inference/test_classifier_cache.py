"""Each (model, weights, engine) is loaded once, even when two threads ask at the same time."""

import threading
import time

import pytest

from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.core.errors import ModelError


def test_concurrent_requests_load_once():
    calls = []

    def slow_loader(name, weights=None, engine="auto", notify=None, labels=None, trust_code=False):
        calls.append(name)
        time.sleep(0.3)
        return object()

    cache = ClassifierCache(loader=slow_loader)
    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("m"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["m"] and len(got) == 4 and all(g is got[0] for g in got)
    assert cache.get("m", "w.pth") is not got[0] and calls == ["m", "m"]    # other weights: another model
    assert cache.get("m", labels="ten.txt") is not got[0] and len(calls) == 3   # other labels: another model


def test_failures_are_not_cached_and_old_entries_go():
    attempts = []

    def flaky(name, weights=None, engine="auto", notify=None, labels=None, trust_code=False):
        attempts.append(name)
        if len(attempts) == 1:
            raise ModelError("no weights yet")
        return object()

    cache = ClassifierCache(size=2, loader=flaky)
    with pytest.raises(ModelError):
        cache.get("a")
    first = cache.get("a")
    cache.get("b")
    cache.get("c")                                                       # evicts "a" (least recently used)
    assert cache.get("a") is not first and attempts == ["a", "a", "b", "c", "a"]
