#!/bin/sh
# A longer seeded pass of the engine's property tests than `npm test` runs (256 cases each).
#   scripts/properties.sh [CASES] [SEED]
set -eu
cd "$(dirname "$0")/.."
PROPTEST_CASES=${1:-20000} PROPTEST_RNG_SEED=${2:-20261202} \
  cargo test --release -p foresight-core --test properties
