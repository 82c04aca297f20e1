#!/bin/sh
# A longer seeded pass of the engine's property tests than `npm test` runs: proptest over the
# engine's API (256 cases each in npm test) and fast-check over the built module in Node
# (about 3,000 cases in npm test; here FC_RUNS times as many, default 10).
#   scripts/properties.sh [CASES] [SEED] [FC_RUNS]
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
PROPTEST_CASES=${1:-20000} PROPTEST_RNG_SEED=${2:-20261202} \
  cargo test --release -p foresight-core --test properties
bash scripts/build-wasm.sh
FC_RUNS=${3:-10} FC_SEED=${2:-20261202} node --test tests/engine/properties.test.mjs
