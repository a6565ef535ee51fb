// Loads the compiled engine (build/engine.wasm) and runs batches through it.
//
// Neither @assemblyscript/loader nor asc's generated bindings are used: the
// boundary is a count and two pointers into exported memory, so there is
// nothing for them to lift, and plain `new WebAssembly.Instance` loads the
// module synchronously, which keeps place() an ordinary synchronous call
// (the generated bindings only offer an async instantiate; the loader is
// deprecated and reads u64 as signed).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { EncodedBuses } from './encode.js';

interface EngineExports {
  memory: WebAssembly.Memory;
  prepare(inputWords: number, outputWords: number): number;
  outputAddress(): number;
  placeBatch(count: number, withLog: number): number;
  [name: string]: unknown;
}

let engine: EngineExports | undefined;

function findWasm(): string {
  const file = join(packageRoot(), 'build', 'engine.wasm');
  if (!existsSync(file)) throw new Error('build/engine.wasm not found: run `npm run build:wasm` first');
  return file;
}

/**
 * Uses an engine module compiled elsewhere: the web page fetches the wasm
 * itself, since a browser has no file to read. Node never calls this and
 * loadEngine() reads build/engine.wasm on first use.
 */
export function installEngine(module: WebAssembly.Module): void {
  engine = new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
}

export function loadEngine(): EngineExports {
  if (!engine) {
    const module = new WebAssembly.Module(readFileSync(findWasm()));
    engine = new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
  }
  return engine;
}

/**
 * Places every bus of the batch. Returns the output words (a copy, so later
 * batches cannot change it): one offset per bus, then the result records,
 * which carry log events only `withLog`.
 */
export function runBatch(batch: EncodedBuses, withLog = true): Uint32Array {
  const e = loadEngine();
  const inputAt = e.prepare(batch.words.length, batch.resultWords);
  if (inputAt === 0) throw new Error(`the engine could not grow its memory for ${batch.count} buses`);
  // views are made after prepare(): growing memory detaches earlier ones
  new Uint32Array(e.memory.buffer, inputAt, batch.words.length).set(batch.words);
  const used = e.placeBatch(batch.count, withLog ? 1 : 0);
  const outAt = e.outputAddress();
  return new Uint32Array(e.memory.buffer, outAt, used).slice();
}

/** A numeric export of the engine (layout constants), for the layout test. */
export function engineConstant(name: string): number | undefined {
  const g = loadEngine()[name];
  return g instanceof WebAssembly.Global ? (g.value as number) >>> 0 : undefined;
}
