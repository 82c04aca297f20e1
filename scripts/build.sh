#!/usr/bin/env bash
# Builds everything the demo and the browser tests load: the release engine package, the
# plugin (dist/) and the harness page, once per Grafana runtime (tests/runtime-12, -13).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh
npm run --silent build -w plugin
bash scripts/setup-runtimes.sh
for runtime in 12 13; do
  npx webpack -c tests/harness/webpack.config.cjs --env runtime=$runtime
done
