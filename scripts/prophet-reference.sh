#!/usr/bin/env bash
# Regenerates the Python Prophet reference outputs (tests/data/prophet/cases, see its README).
# Makes a venv under target/ with Python Prophet from PyPI on first use (scripts/prophet-venv.sh).
# Arguments: case names (default: every case).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prophet-venv.sh
exec "$PROPHET_PY" tests/data/prophet/generate.py "$@"
