#!/usr/bin/env bash
# Builds the engine's release WebAssembly packages into plugin/src/wasm (generated, ignored by
# git), then shrinks them with wasm-opt from the npm `binaryen` package (Debian's binaryen 108
# produces modules that fail to load). Two packages from one crate: `foresight_wasm`, the whole
# engine, and `foresight_detect`, built without the `prophet` feature (detection, root causes,
# alert rules; no Prophet code), which the panel's worker loads first so that bands do not wait
# for Prophet (docs/architecture.md, "WebAssembly in the plugin").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=plugin/src/wasm
build() {
  local name=$1
  shift
  # simd128 (every current browser): the fit's dot products run two lanes wide, same results
  # (no reassociation), and the module is no larger (docs/prophet.md, "Speed").
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" wasm-pack --log-level warn build crates/foresight-wasm --target web --profile wasm-release \
    --out-dir "../../$out" --out-name "$name" --no-pack -- "$@"
  rm -f "$out/.gitignore"
  wasm-opt -Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue --enable-simd \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  local raw gz
  raw=$(stat -c %s "$out/${name}_bg.wasm")
  gz=$(gzip -9c "$out/${name}_bg.wasm" | wc -c)
  echo "[build-wasm] $out/${name}_bg.wasm: $raw bytes raw, $gz bytes gzip"
}
build foresight_wasm
build foresight_detect --no-default-features
