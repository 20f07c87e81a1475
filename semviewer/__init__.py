"""semviewer: where in pose space is an image classifier robust?"""

__version__ = "0.1.0"
