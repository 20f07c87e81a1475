"""One place that loads classifiers: each (model, weights, engine) once, even when asked twice at once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Callable, Optional

from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.loading import load_classifier

Key = tuple[str, Optional[str], str, Optional[str], bool]


class ClassifierCache:
    """Thread-safe: the first caller of a key loads it, later callers (in any thread) wait for that
    load; the ``size`` most recently used classifiers are kept."""

    def __init__(self, size: int = 3, loader: Callable[..., Classifier] = load_classifier) -> None:
        self._size = size
        self._loader = loader
        self._lock = threading.Lock()
        self._entries: "OrderedDict[Key, Future]" = OrderedDict()
        self.loads = 0

    def get(self, name: str, weights: Optional[str] = None, engine: str = "auto",
            notify: Optional[Callable[[str], None]] = None, labels: Optional[str] = None,
            trust_code: bool = False) -> Classifier:
        """The classifier of a model spec with these weights, labels and engine (loaded once);
        ``trust_code`` lets a model file that is a program run (see ``load_classifier``)."""
        key = (name, weights, engine, labels, trust_code)
        with self._lock:
            future = self._entries.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._entries[key] = future
                self.loads += 1
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        if owner:
            try:
                future.set_result(self._loader(name, weights=weights, engine=engine, notify=notify, labels=labels,
                                               trust_code=trust_code))
            except BaseException as exc:
                with self._lock:            # a failed load is not cached: the next call tries again
                    if self._entries.get(key) is future:
                        del self._entries[key]
                future.set_exception(exc)
        return future.result()
