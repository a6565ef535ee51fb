// Bus -> bus record (see layout.ts). A batch is the records back to back in
// one Uint32Array, built once and copied into the engine with a single set().

import { isBus, profileOf, type Bus } from '../bus.js';
import { fastEncodeBus, fastInfo, MAX_BUS_WORDS } from './fast.js';
import * as L from './layout.js';
import { LIMITS } from '../limits.js';

const TYPE_CODE = { mem32: L.TYPE_MEM32, mem64: L.TYPE_MEM64, io: L.TYPE_IO, rom: L.TYPE_ROM } as const;

/** The behaviour bits a bus is placed with. */
export function behavioursOf(bus: Bus): number {
  return profileOf(bus).behaviours;
}

/** Words one bus takes as a record. */
export function busWords(bus: Bus): number {
  let bars = 0;
  for (const d of bus.devices) bars += d.bars.length;
  return L.BUS_HEADER_WORDS + bus.reserved.length * L.RESERVED_WORDS + bus.devices.length * L.DEVICE_WORDS + bars * L.BAR_WORDS;
}

// Events a bus can produce at most: the fixed lines (settings, links, hole,
// up to 17 relocation chunks, high base) plus per function its INTx line and,
// per register, a platform message and a BAR line.
const FIXED_EVENTS = 40;

/** Words the engine may write for this bus's result, at most. */
export function resultWordsBound(bus: Bus): number {
  return resultWordsFor(bus.devices.length);
}

function resultWordsFor(devices: number): number {
  const regs = devices * 7;
  return L.RES_HEADER_WORDS + regs * L.PLACED_WORDS + (FIXED_EVENTS + devices + regs * 2) * L.EVENT_WORDS;
}

function put64(words: Uint32Array, at: number, value: bigint): void {
  if (value <= 0xffffffffn) {
    words[at] = Number(value);
    words[at + 1] = 0;
  } else {
    words[at] = Number(value & 0xffffffffn);
    words[at + 1] = Number(value >> 32n);
  }
}

/** Writes one bus record at `at`; returns the word after it. */
export function encodeBus(bus: Bus, words: Uint32Array, at: number): number {
  const start = at;
  let flags = 0;
  if (bus.allowMemoryRelocate !== undefined) flags |= L.FLAG_ALLOW_RELOCATE_SET | (bus.allowMemoryRelocate ? L.FLAG_ALLOW_RELOCATE : 0);
  if (bus.mmioHoleSize !== undefined) flags |= L.FLAG_MMIO_HOLE_SET;
  if (bus.xenPlatformBarUc !== undefined) flags |= L.FLAG_PLATFORM_UC_SET | (bus.xenPlatformBarUc ? L.FLAG_PLATFORM_UC : 0);
  let nBars = 0;
  for (const d of bus.devices) nBars += d.bars.length;

  words[at + L.BUS_BEHAVIOURS] = behavioursOf(bus);
  words[at + L.BUS_FLAGS] = flags;
  put64(words, at + L.BUS_LOW_MEM_END, bus.lowMemEnd);
  put64(words, at + L.BUS_HIGH_MEM_END, bus.highMemEnd);
  put64(words, at + L.BUS_MMIO_HOLE_SIZE, bus.mmioHoleSize ?? 0n);
  words[at + L.BUS_PHYS_ADDR_BITS] = bus.physAddrBits;
  words[at + L.BUS_N_RESERVED] = bus.reserved.length;
  words[at + L.BUS_N_DEVICES] = bus.devices.length;
  words[at + L.BUS_N_BARS] = nBars;
  at += L.BUS_HEADER_WORDS;

  for (const r of bus.reserved) {
    put64(words, at, r.start);
    put64(words, at + 2, r.size);
    at += L.RESERVED_WORDS;
  }
  for (const d of bus.devices) {
    words[at + L.DEV_DEVFN] = (d.slot << 3) | d.function;
    words[at + L.DEV_VENDOR] = d.vendorId;
    words[at + L.DEV_DEVICE] = d.deviceId;
    words[at + L.DEV_CLASS] = d.classCode;
    words[at + L.DEV_PIN] = d.interruptPin;
    words[at + L.DEV_N_BARS] = d.bars.length;
    at += L.DEVICE_WORDS;
  }
  for (const d of bus.devices) {
    for (const b of d.bars) {
      let bflags = b.prefetchable ? L.BARF_PREFETCH : 0;
      words[at + L.BAR_INDEX] = b.index;
      words[at + L.BAR_TYPE] = TYPE_CODE[b.type];
      if (b.mask !== undefined) {
        bflags |= L.BARF_HAS_MASK;
        words[at + L.BAR_VALUE] = b.mask;
        words[at + L.BAR_VALUE + 1] = 0;
        if (b.maskHigh !== undefined) {
          bflags |= L.BARF_HAS_MASK_HIGH;
          words[at + L.BAR_MASK_HIGH] = b.maskHigh;
        } else {
          words[at + L.BAR_MASK_HIGH] = 0;
        }
      } else {
        put64(words, at + L.BAR_VALUE, b.size!);
        words[at + L.BAR_MASK_HIGH] = 0;
      }
      words[at + L.BAR_FLAGS] = bflags;
      at += L.BAR_WORDS;
    }
  }
  words[start + L.BUS_WORDS] = at - start;
  return at;
}

/** One engine call's worth of bus records: input and output fit LIMITS.engineChunkBytes. */
export interface EncodedChunk {
  readonly words: Uint32Array; // the records back to back
  readonly count: number;
  readonly first: number; // index of its first bus in the batch
  readonly resultWords: number; // output bound, offset table included
}

/** Buses encoded once, to place again and again (benchmarks, sweeps). Made only by encodeBuses. */
export interface EncodedBuses {
  readonly count: number;
  readonly versions: readonly Bus['hvmloader'][];
  readonly behaviours: readonly number[];
  /** The Xen release each bus named (its `xen`), if any. */
  readonly releases: readonly (string | undefined)[];
  readonly chunks: readonly EncodedChunk[];
}

const made = new WeakSet<object>();

/** True for a batch encodeBuses made (a look-alike object would feed the engine unchecked words). */
export function isEncodedBuses(value: unknown): value is EncodedBuses {
  return typeof value === 'object' && value !== null && made.has(value);
}

/**
 * Encodes checked buses into chunks of at most LIMITS.engineChunkBytes of
 * input and output each, so a batch of any size is placed in bounded engine
 * memory and no size is computed past 32 bits.
 */
export function encodeBuses(buses: readonly Bus[], chunkBytes: number = LIMITS.engineChunkBytes): EncodedBuses {
  return encodeInputs(buses, undefined, chunkBytes);
}

// The buffer records are written into, kept between calls (taken while in use).
let scratch: Uint32Array | undefined;

/**
 * Encodes buses given as plain objects (BusInput) or checked Bus objects.
 * With `check`, a plain object is written by the fast path (engine/fast.ts)
 * and, when that gives up, checked by `check` (parseBus: it throws the
 * refusal) and encoded from the Bus. Without it every item is a Bus.
 */
export function encodeInputs(
  buses: readonly unknown[],
  check: ((input: unknown, i: number) => Bus) | undefined,
  chunkBytes: number = LIMITS.engineChunkBytes,
): EncodedBuses {
  const maxWords = Math.floor(Math.min(chunkBytes, LIMITS.engineChunkBytes) / 4);
  const chunks: EncodedChunk[] = [];
  const versions: Bus['hvmloader'][] = new Array(buses.length);
  const behaviours: number[] = new Array(buses.length);
  const releases: (string | undefined)[] = new Array(buses.length); // the fast path takes no `xen`
  let buf = scratch ?? new Uint32Array(4 * MAX_BUS_WORDS);
  scratch = undefined;
  let at = 0; // words of the current chunk in buf
  let resultWords = 0;
  let first = 0;
  for (let i = 0; i < buses.length; i++) {
    if (buf.length < at + MAX_BUS_WORDS) {
      const bigger = new Uint32Array(Math.max(buf.length * 2, at + MAX_BUS_WORDS));
      bigger.set(buf.subarray(0, at));
      buf = bigger;
    }
    const input = buses[i];
    let end = check && !isBus(input) ? fastEncodeBus(input, buf, at) : -1;
    let devices: number;
    if (end >= 0) {
      versions[i] = fastInfo.version;
      behaviours[i] = fastInfo.behaviours;
      devices = fastInfo.devices;
    } else {
      const bus = check && !isBus(input) ? check(input, i) : (input as Bus);
      end = encodeBus(bus, buf, at);
      versions[i] = bus.hvmloader;
      behaviours[i] = behavioursOf(bus);
      releases[i] = bus.profile?.release;
      devices = bus.devices.length;
    }
    const r = resultWordsFor(devices) + 1;
    if (i > first && end + resultWords + r > maxWords) {
      // this bus starts the next chunk
      chunks.push({ words: buf.slice(0, at), count: i - first, first, resultWords });
      buf.copyWithin(0, at, end);
      end -= at;
      first = i;
      resultWords = 0;
    }
    at = end;
    resultWords += r;
  }
  if (first < buses.length) chunks.push({ words: buf.slice(0, at), count: buses.length - first, first, resultWords });
  scratch = buf.length <= 64 * MAX_BUS_WORDS ? buf : undefined;
  const batch: EncodedBuses = Object.freeze({ count: buses.length, versions: Object.freeze(versions), behaviours: Object.freeze(behaviours), releases: Object.freeze(releases), chunks: Object.freeze(chunks) });
  made.add(batch);
  return batch;
}
