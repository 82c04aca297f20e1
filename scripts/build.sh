#!/usr/bin/env bash
# Builds everything the demo and the browser tests load: the release engine package, the
# plugin (dist/) and the harness page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh
npm run --silent build -w plugin
npx webpack -c tests/harness/webpack.config.cjs
