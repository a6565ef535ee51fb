// Entry points of the engine. TypeScript writes bus records into the input
// region, calls placeBatch, and reads result records from the output region;
// nothing crosses the boundary but a count and pointers.

import { rd, wr, ensureMemory } from "./memory";
import { placeBus, setScratch, setRecordEvents, SCRATCH_WORDS } from "./engine";
import { BUS_WORDS } from "./layout";

export * from "./layout";
export { MAX_DEVICES, MAX_ENTRIES } from "./engine";

const scratchBase: usize = (__heap_base + 15) & ~(<usize>15);
const inputBase: usize = scratchBase + <usize>SCRATCH_WORDS * 4;
let outputBase: usize = inputBase;

// Makes room for `inputWords` of bus records and `outputWords` of results.
// Returns the input address, or 0 when memory cannot grow that far.
export function prepare(inputWords: u32, outputWords: u32): usize {
  outputBase = inputBase + ((<usize>inputWords * 4 + 15) & ~(<usize>15));
  if (!ensureMemory(outputBase + <usize>outputWords * 4)) return 0;
  setScratch(scratchBase);
  return inputBase;
}

export function outputAddress(): usize {
  return outputBase;
}

// Places `count` bus records. The output starts with one word per bus: the
// offset, in words from the output start, of that bus's result record.
// Without `withLog` the records carry no log events.
export function placeBatch(count: u32, withLog: bool): u32 {
  setRecordEvents(withLog);
  let busAt = inputBase;
  let outWord: u32 = count;
  for (let i: u32 = 0; i < count; i++) {
    wr(outputBase, i, outWord);
    outWord += placeBus(busAt, outputBase + (<usize>outWord << 2));
    busAt += (<usize>rd(busAt, BUS_WORDS)) << 2;
  }
  return outWord;
}
