// Entry points of the engine. TypeScript writes bus records into the input
// region, calls placeBatch, and reads result records from the output region;
// nothing crosses the boundary but a count and pointers.

import { rd, wr, ensureMemory } from "./memory";
import { placeBus, setScratch, setRecordEvents, SCRATCH_WORDS, MAX_DEVICES } from "./engine";
import {
  BUS_WORDS, BUS_HEADER_WORDS, BUS_N_RESERVED, BUS_N_DEVICES, BUS_N_BARS, RESERVED_WORDS, DEVICE_WORDS, BAR_WORDS,
  DEV_DEVFN, DEV_N_BARS, BAR_INDEX, BAR_TYPE, TYPE_ROM, RES_HEADER_WORDS, PLACED_WORDS, EVENT_WORDS,
} from "./layout";

export * from "./layout";
export { MAX_DEVICES, MAX_ENTRIES } from "./engine";

const scratchBase: usize = (__heap_base + 15) & ~(<usize>15);
const inputBase: usize = scratchBase + <usize>SCRATCH_WORDS * 4;
let outputBase: usize = inputBase;
let inputLimit: u32 = 0; // words of input prepared
let outputLimit: u32 = 0; // words of output prepared

// The engine's own limits, checked on every record before it is placed, so a
// record that breaks them is refused rather than read or written out of bounds.
const MAX_INPUT_WORDS: u32 = 0x10000000; // 1 GiB of input; sizes stay within 32 bits
const MAX_RESERVED: u32 = 126; // hvmloader's E820 map less the two RAM entries
const MAX_BARS_PER_DEVICE: u32 = 7;
const FIXED_EVENTS: u32 = 40;
export const FAULT_NONE: u32 = 0;
export const FAULT_RECORD_SIZE: u32 = 1; // the record's length disagrees with its counts or the input
export const FAULT_DEVICES: u32 = 2; // more devices than MAX_DEVICES
export const FAULT_RESERVED: u32 = 3; // more reserved ranges than MAX_RESERVED
export const FAULT_BARS: u32 = 4; // a device with more than 7 BARs, or BAR counts that disagree
export const FAULT_FIELD: u32 = 5; // a devfn, BAR index or type out of range
export const FAULT_OUTPUT: u32 = 6; // the output prepared is too small for this record's result
export const FAULT_SIZE: u32 = 7; // prepare() asked for more than MAX_INPUT_WORDS
let faultBus: u32 = 0;
let faultCode: u32 = 0;

// Makes room for `inputWords` of bus records and `outputWords` of results.
// Returns the input address, or 0 when memory cannot grow that far or the
// sizes pass the engine's limit.
export function prepare(inputWords: u32, outputWords: u32): usize {
  if (inputWords > MAX_INPUT_WORDS || outputWords > MAX_INPUT_WORDS) return 0;
  outputBase = inputBase + ((<usize>inputWords * 4 + 15) & ~(<usize>15));
  if (!ensureMemory(outputBase + <usize>outputWords * 4)) return 0;
  inputLimit = inputWords;
  outputLimit = outputWords;
  setScratch(scratchBase);
  return inputBase;
}

// Which bus the last placeBatch refused, and why (FAULT_*).
export function faultBusIndex(): u32 {
  return faultBus;
}
export function faultReason(): u32 {
  return faultCode;
}

// Checks one record that starts `at` words into the input: its counts within
// the engine's tables, its length consistent with them and with the input,
// every devfn, BAR index and type in range, and room for its result at
// `outWord`. Returns FAULT_NONE or the first fault.
function checkRecord(at: u32, outWord: u32): u32 {
  if (at + BUS_HEADER_WORDS > inputLimit) return FAULT_RECORD_SIZE;
  const busAt = inputBase + (<usize>at << 2);
  const words = rd(busAt, BUS_WORDS);
  const nReserved = rd(busAt, BUS_N_RESERVED);
  const nDevices = rd(busAt, BUS_N_DEVICES);
  const nBars = rd(busAt, BUS_N_BARS);
  if (nDevices > MAX_DEVICES) return FAULT_DEVICES;
  if (nReserved > MAX_RESERVED) return FAULT_RESERVED;
  if (nBars > MAX_DEVICES * MAX_BARS_PER_DEVICE) return FAULT_BARS;
  const expected: u32 = BUS_HEADER_WORDS + nReserved * RESERVED_WORDS + nDevices * DEVICE_WORDS + nBars * BAR_WORDS;
  if (words != expected || words > inputLimit - at) return FAULT_RECORD_SIZE;
  const devicesAt = busAt + (<usize>(BUS_HEADER_WORDS + nReserved * RESERVED_WORDS) << 2);
  let bars: u32 = 0;
  for (let d: u32 = 0; d < nDevices; d++) {
    const dev = devicesAt + (<usize>(d * DEVICE_WORDS) << 2);
    if (rd(dev, DEV_DEVFN) > 0xff) return FAULT_FIELD;
    const n = rd(dev, DEV_N_BARS);
    if (n > MAX_BARS_PER_DEVICE) return FAULT_BARS;
    bars += n;
  }
  if (bars != nBars) return FAULT_BARS;
  const barsAt = devicesAt + (<usize>(nDevices * DEVICE_WORDS) << 2);
  for (let b: u32 = 0; b < nBars; b++) {
    const bar = barsAt + (<usize>(b * BAR_WORDS) << 2);
    if (rd(bar, BAR_INDEX) > 6 || rd(bar, BAR_TYPE) > TYPE_ROM) return FAULT_FIELD;
  }
  const regs = nDevices * MAX_BARS_PER_DEVICE;
  const bound: u32 = RES_HEADER_WORDS + regs * PLACED_WORDS + (FIXED_EVENTS + nDevices + regs * 2) * EVENT_WORDS;
  if (outWord > outputLimit || bound > outputLimit - outWord) return FAULT_OUTPUT;
  return FAULT_NONE;
}

export function outputAddress(): usize {
  return outputBase;
}

// Places `count` bus records. The output starts with one word per bus: the
// offset, in words from the output start, of that bus's result record.
// Without `withLog` the records carry no log events.
// Returns 0xffffffff, with faultBusIndex() and faultReason() set, when a
// record breaks the engine's limits; nothing after it is placed.
export function placeBatch(count: u32, withLog: bool): u32 {
  setRecordEvents(withLog);
  faultBus = 0;
  faultCode = FAULT_NONE;
  if (count > outputLimit) {
    faultCode = FAULT_OUTPUT;
    return 0xffffffff;
  }
  let at: u32 = 0;
  let outWord: u32 = count;
  for (let i: u32 = 0; i < count; i++) {
    const fault = checkRecord(at, outWord);
    if (fault != FAULT_NONE) {
      faultBus = i;
      faultCode = fault;
      return 0xffffffff;
    }
    const busAt = inputBase + (<usize>at << 2);
    wr(outputBase, i, outWord);
    outWord += placeBus(busAt, outputBase + (<usize>outWord << 2));
    at += rd(busAt, BUS_WORDS);
  }
  return outWord;
}
