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
import { BusError } from '../errors.js';
import type { EncodedChunk } from './encode.js';

interface EngineExports {
  memory: WebAssembly.Memory;
  prepare(inputWords: number, outputWords: number): number;
  outputAddress(): number;
  placeBatch(count: number, withLog: number): number;
  faultBusIndex(): number;
  faultReason(): number;
  [name: string]: unknown;
}

let wasmModule: WebAssembly.Module | undefined;
let engine: EngineExports | undefined;

// Linear memory never shrinks. Batches come in chunks of at most
// LIMITS.engineChunkBytes, so it stays near that; should anything grow it
// past this (a caller of runBatch with a larger chunk), the instance is
// dropped so the memory goes back to the garbage collector.
const KEEP_MEMORY_BYTES = 48 * 1024 * 1024;

// What the engine's FAULT_* codes mean (assembly/index.ts).
const FAULTS: Record<number, string> = {
  1: "its record's length disagrees with its counts",
  2: 'it has more devices than the 256 functions of bus 0',
  3: 'it has more than 126 reserved ranges',
  4: 'a device has more than 7 BARs, or the BAR counts disagree',
  5: 'a devfn, BAR index or BAR type is out of range',
  6: 'its result would not fit the output prepared',
};

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
    wasmModule ??= new WebAssembly.Module(readFileSync(findWasm()));
    engine = new WebAssembly.Instance(wasmModule, {}).exports as unknown as EngineExports;
  }
  return engine;
}

/**
 * Places every bus of one chunk. Returns the output words (a copy, so later
 * batches cannot change it): one offset per bus, then the result records,
 * which carry log events only `withLog`. A record the engine refuses (its
 * own limit checks) is a BusError naming the bus.
 */
export function runBatch(chunk: EncodedChunk, withLog = true): Uint32Array {
  const e = loadEngine();
  try {
    const inputAt = e.prepare(chunk.words.length, chunk.resultWords);
    if (inputAt === 0) throw new Error(`the engine could not grow its memory for ${chunk.count} buses`);
    // views are made after prepare(): growing memory detaches earlier ones
    new Uint32Array(e.memory.buffer, inputAt, chunk.words.length).set(chunk.words);
    const used = e.placeBatch(chunk.count, withLog ? 1 : 0) >>> 0;
    if (used === 0xffffffff) {
      const i = chunk.first + (e.faultBusIndex() >>> 0);
      throw new BusError([{ path: `buses[${i}]`, message: `refused by the engine: ${FAULTS[e.faultReason()] ?? 'a limit is broken'}; pass buses made by parseBus or encode()` }]);
    }
    const outAt = e.outputAddress();
    return new Uint32Array(e.memory.buffer, outAt, used).slice();
  } finally {
    if (e.memory.buffer.byteLength > KEEP_MEMORY_BYTES) engine = undefined;
  }
}

/** Bytes of linear memory the engine holds now (0 when no instance is loaded). */
export function engineMemoryBytes(): number {
  return engine ? engine.memory.buffer.byteLength : 0;
}

/** A numeric export of the engine (layout constants), for the layout test. */
export function engineConstant(name: string): number | undefined {
  const g = loadEngine()[name];
  return g instanceof WebAssembly.Global ? (g.value as number) >>> 0 : undefined;
}
