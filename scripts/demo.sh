#!/usr/bin/env bash
# `npm run demo [-- --prometheus URL --query 'PROMQL']`: set-up, build, then serve the panel
# in the harness page on 127.0.0.1 (see scripts/demo.mjs for all flags).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/demo.mjs "$@"
