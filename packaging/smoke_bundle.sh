#!/usr/bin/env bash
# Start the bundled semviewer headless from an empty folder: its version, a render of the
# teapot (the PNG checked) and a prediction (the top class checked), with the time each took.
set -euo pipefail
BUNDLE="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist/bundle/semviewer}"
EXE="$BUNDLE/semviewer"
HERE="$(mktemp -d)"
trap 'rm -rf "$HERE"' EXIT
cd "$HERE"
export SEMVIEWER_CACHE_DIR="$HERE/cache" SEMVIEWER_ENGINE_CACHE_DIR="$HERE/engines"
timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "  ($(echo "$e - $s" | bc) s: ${*:2})" >&2; }
timed "$EXE" --version
timed "$EXE" render --object teapot --out teapot.png
python3 - <<'PY'
import struct, zlib
data = open("teapot.png", "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (224, 224), (w, h)
print("  teapot.png: a 224 x 224 PNG")
PY
timed "$EXE" predict --object teapot --json > predict.json
python3 -c "import json; top = json.load(open('predict.json'))['top'][0]; assert top['name'] == 'teapot', top; print('  top class:', top['name'], round(top['probability'], 3))"
echo "semviewer: the bundle works"
