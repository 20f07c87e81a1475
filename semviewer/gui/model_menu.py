"""The Model menu: the registry (the current model checked, those that need a download marked),
any model file or architecture, recent models, weights, engines and the compare model. Its entries
are declared actions (``window_actions``); this keeps the parts that change at run time (download
marks, recent models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMenu, QWidget

from semviewer.core.models import MODELS, ModelSpec
from semviewer.gui.actions import Actions, add_action
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
    text = Path(choice.spec).name if "/" in choice.spec else choice.spec
    if choice.weights:
        text += f" + {Path(choice.weights).name}"
    if choice.labels:
        text += f" ({Path(choice.labels).name})"
    return text


class ModelMenu(QObject):
    """The Model menu over the declared actions; ``refresh`` brings the download marks and the recent
    models up to date (on showing the menu, and when a model loads)."""

    def __init__(self, parent: QWidget, actions: Actions, guard: Callable, objects, recent: RecentModels) -> None:
        super().__init__(parent)
        self.parent_widget, self.actions, self.guard, self.objects, self.recent = parent, actions, guard, objects, recent
        self.recent_menu = QMenu("&Recent models", parent)
        self.recent_menu.setObjectName("recentModelsMenu")
        objects.model_opened.connect(self._opened)

    def build(self, menu: QMenu) -> None:
        """Fill ``menu``: the registry, model files, recent models, weights, engines, compare."""
        self.actions.fill(menu, self.actions.ids("model-") + [None, "openModelAction"])
        menu.addMenu(self.recent_menu)
        self.actions.fill(menu, ["loadWeightsAction"])
        self.actions.fill(menu.addMenu("Inference &engine"), self.actions.ids("engine-"))
        self.actions.fill(menu.addMenu("&Compare with"), self.actions.ids("compare-"))
        menu.aboutToShow.connect(self.refresh)
        self.refresh()

    def _opened(self, spec: str, weights, labels) -> None:
        if spec not in MODELS or weights is not None or labels is not None:   # the registry is listed above
            self.recent.add(ModelChoice(spec, weights, labels))
        self.refresh()

    def refresh(self) -> None:
        """Download marks and the recent models brought up to date (the checks are the actions')."""
        for name, spec in MODELS.items():
            self.actions[f"model-{name}"].setText(menu_text(spec))
        self.actions.refresh()
        self.recent_menu.clear()
        for choice in self.recent.all():
            action = add_action(self.parent_widget, self.guard, self.recent_menu, describe_choice(choice),
                                lambda c=choice: self.objects.set_model(c.spec, c.weights, labels=c.labels))
            action.setToolTip(choice.spec)
        self.recent_menu.setEnabled(bool(self.recent.all()))
