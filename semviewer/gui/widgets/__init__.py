"""Widgets: what the window shows; they emit signals and never touch the document."""
