"""Dialogs: the true class set, opening any model, and the units of a study."""
