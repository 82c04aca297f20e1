#!/bin/sh
# Builds the CLI, runs the causal detector over the NAB development subset kept in the
# repository and scores it (NAB's rules, plus the leave-one-category-out score), then counts
# the batch-mode incidents the panel would list.
#   scripts/nab.sh [DATA_ROOT] [OUT_DIR]
# DATA_ROOT (default tests/data/nab) holds data/ and windows.json; OUT_DIR defaults to
# target/nab. Experiment knobs pass through FORESIGHT_NAB (see crates/foresight-cli/src/nab.rs).
set -eu
cd "$(dirname "$0")/.."
root=${1:-tests/data/nab}
out=${2:-target/nab}
cargo build --release -p foresight-cli
rm -rf "$out"
# --cv: the plain dev score beside the leave-one-category-out score of the settings and of a
# small grid around them (settings and threshold chosen without the category scored).
./target/release/foresight nab --data "$root/data" --out "$out" --cv
./target/release/foresight nab-score --data "$root/data" --windows "$root/windows.json" --results "$out" --cv
# The panel's view: batch mode at default options, incidents per file (docs/evaluation.md).
./target/release/foresight incidents --data "$root/data" --windows "$root/windows.json" | tail -1
