"""The desktop window (PySide6 + pyqtgraph): thin views over semviewer.core and semviewer.render."""
