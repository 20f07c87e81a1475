"""`python -m semviewer` runs the command-line interface."""

from semviewer.cli import main

raise SystemExit(main())
