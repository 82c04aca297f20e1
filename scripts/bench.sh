#!/usr/bin/env bash
# `npm run bench`: set-up, build, then the benchmarks (browser, and Python prophet natively
# when it can be installed); rewrites the measured sections of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
npx webpack -c tests/bench/webpack.config.cjs

# Python prophet in its own venv (benchmark only; nothing else needs it).
venv=node_modules/.cache/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import prophet' 2>/dev/null; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q prophet || echo "[bench] python prophet unavailable"
fi
if "$venv/bin/python" -c 'import prophet' 2>/dev/null; then
  export FORESIGHT_BENCH_PYTHON="$PWD/$venv/bin/python"
fi
node tests/bench/run.mjs
node tests/bench/panel-scale.mjs
