#!/usr/bin/env bash
# `npm test`: set-up, then every check, then one summary. Fails if any step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh || { echo "setup failed"; exit 1; }

passed=(); failed=()
step() {
  local name=$1; shift
  echo; echo "=== $name"
  local t0=$SECONDS
  if "$@"; then passed+=("$name ($((SECONDS - t0)) s)"); else failed+=("$name"); fi
}

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test (workspace)" cargo test --workspace --quiet
step "wasm-pack test --headless --chrome (foresight-wasm)" \
  wasm-pack --log-level warn test --headless --chrome crates/foresight-wasm
step "build (release wasm + wasm-opt, plugin, harness)" bash scripts/build.sh
step "engine module under failing calls (Node, built module)" node --test tests/engine/
step "plugin typecheck" npm run --silent typecheck -w plugin
step "plugin lint" npm run --silent lint -w plugin
step "plugin jest" npm run --silent test:ci -w plugin
step "Playwright e2e (built plugin in Grafana 12.4 and 13.2 dashboard runtimes, real Chromium, real Prometheus)" \
  bash -c 'cd tests && playwright test'

echo; echo "=== summary"
for s in "${passed[@]}"; do echo "  ok    $s"; done
for s in "${failed[@]}"; do echo "  FAIL  $s"; done
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
