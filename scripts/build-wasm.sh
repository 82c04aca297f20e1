#!/usr/bin/env bash
# Builds the engine's release WebAssembly package into plugin/src/wasm (generated, ignored by
# git), then shrinks it with wasm-opt from the npm `binaryen` package (Debian's binaryen 108
# produces modules that fail to load).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=plugin/src/wasm
# simd128 (every current browser): the fit's dot products run two lanes wide, same results
# (no reassociation), and the module is no larger (docs/prophet.md, "Speed").
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" wasm-pack --log-level warn build crates/foresight-wasm --target web --profile wasm-release \
  --out-dir "../../$out" --out-name foresight_wasm --no-pack
rm -f "$out/.gitignore"
wasm-opt -Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue --enable-simd \
  "$out/foresight_wasm_bg.wasm" -o "$out/foresight_wasm_bg.wasm"
raw=$(stat -c %s "$out/foresight_wasm_bg.wasm")
gz=$(gzip -9c "$out/foresight_wasm_bg.wasm" | wc -c)
echo "[build-wasm] $out/foresight_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip"
