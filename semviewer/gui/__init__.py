"""The desktop window (PySide6 + pyqtgraph): thin views over ``semviewer.core`` and
``semviewer.render``. ``run_app`` opens it; ``MainWindow`` builds the layout, the controllers
(``controllers/``), the declared actions (``window_actions``) and the menus; widgets and dialogs
never touch the document."""

from semviewer.core.api import lazy_api

_OFFERS = {
    "run_app": ".app",
    "MainWindow": ".main_window",
    "Actions": ".actions",
    "ActionSpec": ".actions",
    "JobRunner": ".workers",
    "Feedback": ".feedback",
}
__all__ = sorted(_OFFERS)
__getattr__, __dir__ = lazy_api(__name__, _OFFERS)
