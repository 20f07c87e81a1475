#!/usr/bin/env bash
# Set everything up, then launch semviewer on the bundled default object and model.
# Extra arguments go to `semviewer` (e.g. `scripts/run.sh predict --object mug`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/semviewer" "$@"
