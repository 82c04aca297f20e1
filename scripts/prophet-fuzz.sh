#!/usr/bin/env bash
# Regenerates the parity fuzzer's problems and Python Prophet's answers
# (tests/data/prophet/fuzz/*.json, read by crates/foresight-core/tests/prophet_fuzz.rs).
# Makes a venv under target/ with Python Prophet from PyPI on first use (scripts/prophet-venv.sh).
# Arguments go to tests/data/prophet/fuzz.py: --seed N --count N --jobs N, or problem numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prophet-venv.sh
exec "$PROPHET_PY" tests/data/prophet/fuzz.py "$@"
