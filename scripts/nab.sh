#!/bin/sh
# Builds the CLI, runs the causal detector over the NAB subset and scores it, then counts
# the batch-mode incidents the panel would list.
#   scripts/nab.sh [DATA_ROOT] [OUT_DIR]
# DATA_ROOT defaults to data/nab in the shared data ($FORESIGHT_SHARED, else ../shared, else
# /work/shared), holding data/ and windows.json; OUT_DIR to
# target/nab. Experiment knobs pass through FORESIGHT_NAB (see crates/foresight-cli/src/nab.rs).
set -eu
cd "$(dirname "$0")/.."
shared=${FORESIGHT_SHARED:-}
for dir in "$shared" ../shared /work/shared; do
  if [ -n "$dir" ] && [ -d "$dir/data/nab" ]; then shared=$dir; break; fi
done
root=${1:-$shared/data/nab}
out=${2:-target/nab}
scorer=${NAB_SCORER:-$root/../../eval/nab_score.py}
cargo build --release -p foresight-cli
rm -rf "$out"
./target/release/foresight nab --data "$root/data" --out "$out"
python3 "$scorer" --data "$root/data" --windows "$root/windows.json" --results "$out"
# The panel's view: batch mode at default options, incidents per file (docs/evaluation.md).
./target/release/foresight incidents --data "$root/data" --windows "$root/windows.json" | tail -1
