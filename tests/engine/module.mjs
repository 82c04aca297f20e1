// The built engine module (plugin/src/wasm, made by scripts/build-wasm.sh) loaded in Node, as
// the worker loads it in the browser: the wasm-bindgen `web` glue, handed the module's bytes.
import { readFileSync } from 'node:fs';

const WASM = new URL('../../plugin/src/wasm/', import.meta.url);

/** A fresh instance of the engine module: its own memory, its own glue state. */
export async function loadEngine() {
  // A data: URL makes each load a new ES module, so each call gets a new instance (the glue
  // keeps its instance in module scope); the plugin's package is not an ES module package.
  const glue = readFileSync(new URL('foresight_wasm.js', WASM), 'utf8');
  const engine = await import(`data:text/javascript;base64,${Buffer.from(glue).toString('base64')}#${Math.random()}`);
  await engine.default({ module_or_path: readFileSync(new URL('foresight_wasm_bg.wasm', WASM)) });
  return engine;
}
