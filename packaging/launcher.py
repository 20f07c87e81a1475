"""The bundle's entry point: the `semviewer` command (with no arguments, the window)."""

import sys

from semviewer.cli import main

if __name__ == "__main__":
    sys.exit(main())
