#!/usr/bin/env bash
# Installs the two Grafana frontend runtimes the harness page runs the plugin in, each in its
# own node_modules from its own lock file: tests/runtime-12 (Grafana 12.4, React 18) and
# tests/runtime-13 (Grafana 13.2, React 19). Idempotent: a set whose lock file is older than its
# installed tree is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/runtime-12 tests/runtime-13; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "[setup-runtimes] npm ci in $dir"
    # No install scripts: these packages are bundled into the harness page, nothing runs in Node.
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
done
