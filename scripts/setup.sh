#!/usr/bin/env bash
# Set up everything semviewer needs, idempotently and quickly when nothing changed:
# Debian packages (Mesa EGL/GL, Qt runtime libraries, Xvfb) and a virtual environment in .venv.
# Sourced by scripts/run.sh and scripts/test.sh; also runnable on its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

SYSTEM_PACKAGES=(
  libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0
  libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3
  xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1
)

missing_packages() {
  local pkg
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { echo "semviewer: not a Debian system; install Mesa EGL/GL, Qt's X11 libraries and Xvfb yourself" >&2; return 0; }
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "${missing// }" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "semviewer: installing system packages: $missing"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "semviewer: missing system packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
    exit 1
  fi
}

ensure_venv() {
  local stamp="$VENV/.semviewer-stamp" want
  want=$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/setup.sh" | sha256sum | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "semviewer: setting up the virtual environment in $VENV (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # torch/torchvision first, pinned: on these machines they come from local disk.
  "$VENV/bin/python" -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
  "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"
  echo "$want" > "$stamp"
}

ensure_system_packages
ensure_venv
