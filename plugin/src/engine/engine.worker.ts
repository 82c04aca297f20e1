/// <reference lib="webworker" />
/**
 * The engine worker: loads the WebAssembly engine and schedules work on it, series by
 * series, so results stream back and a newer request supersedes an older one. It only
 * schedules; all analysis is in the engine.
 */
import type { BaselineResult } from '../types';
import type { FromWorker, ToWorker } from './protocol';

declare let __webpack_public_path__: string;
declare const self: DedicatedWorkerGlobalScope;

type Engine = typeof import('../wasm/foresight_wasm');

let engine: Promise<Engine> | undefined;
let latestRequest = 0;

function post(message: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(message, transfer);
}

async function loadEngine(): Promise<Engine> {
  if (typeof WebAssembly !== 'object') {
    throw new Error('WebAssembly is not available in this browser');
  }
  const mod = await import(/* webpackChunkName: "foresight-engine" */ '../wasm/foresight_wasm');
  await mod.default();
  return mod;
}

/** Lets queued messages (a newer request) run between series. */
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

async function analyze(msg: Extract<ToWorker, { type: 'analyze' }>) {
  latestRequest = msg.requestId;
  const wasm = await engine!;
  for (const s of msg.series) {
    if (msg.requestId !== latestRequest) {
      return; // superseded: drop stale work
    }
    try {
      const out: BaselineResult = wasm.rollingBaseline(s.timestamps, s.values, {
        window: msg.options.window,
        bandSigmas: msg.options.bandSigmas,
      });
      post({ type: 'result', requestId: msg.requestId, key: s.key, baseline: out }, [
        out.timestamps.buffer,
        out.expected.buffer,
        out.lower.buffer,
        out.upper.buffer,
      ]);
    } catch (e) {
      post({ type: 'error', requestId: msg.requestId, key: s.key, message: errorMessage(e) });
    }
    await yieldToMessages();
  }
  post({ type: 'done', requestId: msg.requestId });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'init') {
    // Chunks and the .wasm asset are fetched relative to this absolute URL (see HANDBOOK).
    __webpack_public_path__ = msg.publicPath;
    engine = loadEngine();
    engine.then(
      (wasm) => post({ type: 'ready', version: wasm.version() }),
      (e) => post({ type: 'fatal', message: `Could not load the Foresight engine: ${errorMessage(e)}` })
    );
  } else if (msg.type === 'analyze') {
    analyze(msg).catch((e) => post({ type: 'fatal', message: errorMessage(e) }));
  }
};
