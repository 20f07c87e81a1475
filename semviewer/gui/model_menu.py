"""The Model menu: the registry (the current model checked, those that need a download marked),
any model file or architecture, recent models, weights, engines and the compare model."""

from __future__ import annotations

import json
from typing import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from semviewer.core.inference.engines import ENGINES
from semviewer.core.inference.models import MODELS, ModelSpec
from semviewer.core.session.document import Document
from semviewer.gui.dialogs.model_dialog import ModelChoice

MAX_RECENT_MODELS = 8


def needs_download(spec: ModelSpec) -> bool:
    """Whether loading this registry model fetches its weights (not packaged, not in the hub cache)."""
    if spec.weights_package:
        return False
    cache = spec.cache_file
    return cache is not None and not cache.exists()


def menu_text(spec: ModelSpec) -> str:
    return f"{spec.name}   (downloads its weights)" if needs_download(spec) else spec.name


class RecentModels:
    """The models opened last (spec, weights, labels), newest first, kept in the settings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def all(self) -> list[ModelChoice]:
        stored = self.settings.value("recentModels", []) or []
        found = []
        for text in [stored] if isinstance(stored, str) else list(stored):
            try:
                data = json.loads(text)
                found.append(ModelChoice(str(data["spec"]), data.get("weights"), data.get("labels")))
            except (ValueError, KeyError, TypeError):
                continue                      # a damaged entry is forgotten
        return found

    def add(self, choice: ModelChoice) -> None:
        kept = [c for c in self.all() if c != choice]
        self.settings.setValue("recentModels", [json.dumps(c.__dict__) for c in [choice] + kept][:MAX_RECENT_MODELS])


def describe_choice(choice: ModelChoice) -> str:
    from pathlib import Path

    text = Path(choice.spec).name if "/" in choice.spec else choice.spec
    if choice.weights:
        text += f" + {Path(choice.weights).name}"
    if choice.labels:
        text += f" ({Path(choice.labels).name})"
    return text


class ModelMenu(QObject):
    """Builds the Model menu over the object controller and keeps its checks current."""

    def __init__(self, window: QMainWindow, menu: QMenu, add: Callable, objects, doc: Document,
                 recent: RecentModels) -> None:
        super().__init__(window)
        self.doc, self.objects, self.recent, self.add = doc, objects, recent, add
        self.models = QActionGroup(window)
        self.models.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for name, spec in MODELS.items():
            action = add(menu, menu_text(spec), lambda n=name: objects.set_model(n), None, f"model-{name}")
            action.setCheckable(True)
            self.models.addAction(action)
        menu.aboutToShow.connect(self.refresh)
        menu.addSeparator()
        add(menu, "Open model &file…", objects.open_model_file, "Ctrl+Shift+M", "openModelAction")
        self.recent_menu = menu.addMenu("&Recent models")
        self.recent_menu.setObjectName("recentModelsMenu")
        add(menu, "Load &weights file…", objects.load_weights, None, "loadWeightsAction")
        self._engines(window, menu.addMenu("Inference &engine"))
        compare = menu.addMenu("&Compare with")
        for name in MODELS:
            add(compare, name, lambda n=name: objects.set_compare_model(n))
        add(compare, "(no comparison)", lambda: objects.set_compare_model(None))
        doc.events.model.connect(self.refresh)
        objects.model_opened.connect(self._opened)
        self.refresh()

    def _engines(self, window: QMainWindow, menu: QMenu) -> None:
        window.engine_actions = QActionGroup(window)
        for name in ENGINES:
            label = {"auto": "auto (the fastest installed engine, measured once)"}.get(name, name)
            action = self.add(menu, label, lambda n=name: self.objects.set_engine(n), None, f"engine-{name}")
            action.setCheckable(True)
            window.engine_actions.addAction(action)

    def _opened(self, spec: str, weights, labels) -> None:
        if spec not in MODELS or weights is not None or labels is not None:   # the registry is listed above
            self.recent.add(ModelChoice(spec, weights, labels))
        self.refresh()

    def refresh(self) -> None:
        """The current model checked (a registry model with its own weights); download marks and
        the recent models brought up to date."""
        current = self.doc.model_name if self.doc.weights is None and self.doc.model_labels is None else None
        for action in self.models.actions():
            name = action.objectName().removeprefix("model-")
            action.setChecked(name == current)
            action.setText(menu_text(MODELS[name]))
        self.recent_menu.clear()
        for choice in self.recent.all():
            action = self.add(self.recent_menu, describe_choice(choice),
                              lambda c=choice: self.objects.set_model(c.spec, c.weights, labels=c.labels))
            action.setToolTip(choice.spec)
        self.recent_menu.setEnabled(bool(self.recent.all()))
