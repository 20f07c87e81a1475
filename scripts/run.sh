#!/usr/bin/env bash
# Set everything up, then open semviewer's window on the bundled teapot and EfficientNet-Lite0.
# Extra arguments go to the `semviewer` command instead (e.g. `scripts/run.sh predict --object mug`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
SEMVIEWER="$ROOT/.venv/bin/semviewer"
if [ $# -gt 0 ]; then
  exec "$SEMVIEWER" "$@"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  mkdir -p "$ROOT/out"
  echo "semviewer: this machine has no display, so the window cannot open here."
  echo "To see it: run this command on a desktop, or on a virtual display: xvfb-run -a bash scripts/run.sh"
  echo "Meanwhile, the same pipeline from the command line (bundled teapot, EfficientNet-Lite0):"
  echo
  "$SEMVIEWER" predict --object teapot --out "$ROOT/out/teapot.png"
  echo
  echo "The render the network classified: $ROOT/out/teapot.png. More: $SEMVIEWER --help"
  exit 0
fi
exec "$SEMVIEWER" gui
