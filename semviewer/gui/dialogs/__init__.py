"""Dialogs: the true class set and the units of a study."""
