// The fast path from a plain bus object (BusInput, as JSON.parse gives it)
// straight to a bus record: one pass that reads each field once, parses
// 0x-hex digit by digit into 32-bit halves, and writes the record as it goes.
//
// It only ever accepts: whenever anything is wrong or merely unusual (an
// unknown or undefined field, devices or BARs out of order, a
// number it would have to think about) it gives up and the caller takes the
// detailed path (parseBus), which words the refusal or, for a good bus,
// checks and encodes it as before. So the refusals are parseBus's, word for
// word, and a bus this path accepts is one parseBus accepts, encoded to the
// same words (test/fast-encode.test.ts checks both on mutated buses).
//
// Fields are read with for-in, which sees an object's own enumerable string
// keys: everything JSON.parse and object literals make. Only objects whose
// prototype is Object.prototype are taken (class instances, null-prototype
// objects and anything else go the detailed way).

import { DEFAULT_PHYS_ADDR_BITS, ROM_INDEX } from '../bus.js';
import { DEFAULT_VERSION, VERSIONS, VERSION_NAMES, type VersionName } from '../versions.js';
import * as L from './layout.js';

/** What the last successful fastEncodeBus() read besides the record. */
export const fastInfo = { version: DEFAULT_VERSION as VersionName, behaviours: 0, devices: 0 };

/** Words the largest bus the contract allows can take: 126 reserved ranges, 256 functions of 7 BARs. */
export const MAX_BUS_WORDS = L.BUS_HEADER_WORDS + 126 * L.RESERVED_WORDS + 256 * (L.DEVICE_WORDS + 7 * L.BAR_WORDS);

const TWO32 = 4294967296;
const GIVE_UP = -1;

interface VersionFacts {
  name: VersionName;
  behaviours: number;
  // memory_map_setup's reserved area (4.6 on), as numbers: both below 4 GiB
  areaStart: number;
  areaEnd: number;
}
const VERSION_FACTS = new Map<string, VersionFacts>(
  VERSION_NAMES.map((name) => {
    const v = VERSIONS[name];
    const area = v.dynamicReservedArea;
    return [name, { name, behaviours: v.behaviours, areaStart: area ? Number(area.start) : 0, areaEnd: area ? Number(area.end) : 0 }];
  }),
);

// The halves of the last number read by u64(). A typed array, not two
// module variables: a variable holding a value over 2^31 would box it on
// every store.
const HALVES = new Uint32Array(2);

/** Reads a 0x-hex string or a safe non-negative integer into HALVES; false for anything else. */
function u64(v: unknown): boolean {
  if (typeof v === 'string') {
    const n = v.length;
    if (n < 3 || v.charCodeAt(0) !== 48 || (v.charCodeAt(1) | 0x20) !== 120) return false;
    let i = 2;
    while (i < n && v.charCodeAt(i) === 48) i++;
    if (n - i > 16) return false; // wider than 64 bits: the detailed path says so
    const split = n - 8; // digits before it belong to the high half
    let lo = 0;
    let hi = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else {
        const l = c | 0x20;
        if (l < 97 || l > 102) return false;
        d = l - 87;
      }
      if (i < split) hi = hi * 16 + d;
      else lo = lo * 16 + d;
    }
    HALVES[0] = lo;
    HALVES[1] = hi;
    return true;
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return false;
    const lo = v % TWO32;
    HALVES[0] = lo;
    HALVES[1] = (v - lo) / TWO32;
    return true;
  }
  return false;
}

/** A 16-bit id from hex or a number, or -1. */
function u16(v: unknown): number {
  return u64(v) && HALVES[1] === 0 && HALVES[0] <= 0xffff ? HALVES[0] : -1;
}

const isPow2 = (x: number) => x !== 0 && (x & (x - 1)) === 0;

/** A whole number in lo..hi, or -1. */
function int(v: unknown, lo: number, hi: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : -1;
}

function plain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Sizes the contract allows per type, as halves: mem32/io/rom below 4 GiB, mem64 up to 2^63. */
function sizeFits(type: number): boolean {
  if (HALVES[1] === 0) {
    if (!isPow2(HALVES[0])) return false;
    const min = type === L.TYPE_IO ? 4 : type === L.TYPE_ROM ? 2048 : 16;
    return HALVES[0] >= min && HALVES[0] <= 0x80000000;
  }
  return type === L.TYPE_MEM64 && HALVES[0] === 0 && isPow2(HALVES[1]) && HALVES[1] <= 0x80000000;
}

/**
 * Writes the record of a plain bus object at `at` (room for MAX_BUS_WORDS
 * must be there) and returns the word after it, filling fastInfo; or
 * returns -1 when the bus needs the detailed path.
 */
export function fastEncodeBus(input: unknown, words: Uint32Array, at: number): number {
  if (!plain(input)) return GIVE_UP;
  let facts = VERSION_FACTS.get(DEFAULT_VERSION)!;
  let lowLo = 0;
  let lowHi = 0;
  let haveLow = false;
  let highLo = 0;
  let highHi = 0;
  let holeLo = 0;
  let holeHi = 0;
  let flags = 0;
  let physAddrBits = DEFAULT_PHYS_ADDR_BITS;
  let reserved: unknown[] | undefined;
  let devices: unknown[] | undefined;
  for (const key in input) {
    const v = input[key];
    switch (key) {
      case 'name':
      case 'description':
      case 'comment':
      case '$schema':
        if (typeof v !== 'string') return GIVE_UP;
        break;
      case 'hvmloader': {
        const f = typeof v === 'string' ? VERSION_FACTS.get(v) : undefined;
        if (!f) return GIVE_UP;
        facts = f;
        break;
      }
      case 'lowMemEnd':
        // a multiple of 4096 from 1 MiB to 4 GiB
        if (!u64(v) || (HALVES[0] & 0xfff) !== 0 || !(HALVES[1] === 0 ? HALVES[0] >= 0x100000 : HALVES[1] === 1 && HALVES[0] === 0)) return GIVE_UP;
        lowLo = HALVES[0];
        lowHi = HALVES[1];
        haveLow = true;
        break;
      case 'highMemEnd':
        // 0, or a multiple of 4096 from 4 GiB to below 2^44
        if (!u64(v) || (HALVES[0] & 0xfff) !== 0 || (HALVES[1] === 0 ? HALVES[0] !== 0 : HALVES[1] >= 0x1000)) return GIVE_UP;
        highLo = HALVES[0];
        highHi = HALVES[1];
        break;
      case 'allowMemoryRelocate':
        if (typeof v !== 'boolean') return GIVE_UP;
        flags |= L.FLAG_ALLOW_RELOCATE_SET | (v ? L.FLAG_ALLOW_RELOCATE : 0);
        break;
      case 'mmioHoleSize':
        if (!u64(v)) return GIVE_UP;
        holeLo = HALVES[0];
        holeHi = HALVES[1];
        flags |= L.FLAG_MMIO_HOLE_SET;
        break;
      case 'xenPlatformBarUc':
        if (typeof v !== 'boolean') return GIVE_UP;
        flags |= L.FLAG_PLATFORM_UC_SET | (v ? L.FLAG_PLATFORM_UC : 0);
        break;
      case 'physAddrBits':
        physAddrBits = int(v, 32, 52);
        if (physAddrBits < 0) return GIVE_UP;
        break;
      case 'reserved':
        if (!Array.isArray(v) || v.length > 126) return GIVE_UP;
        reserved = v;
        break;
      case 'devices':
        if (!Array.isArray(v) || v.length > 256) return GIVE_UP;
        devices = v;
        break;
      default:
        return GIVE_UP;
    }
  }
  if (!haveLow || devices === undefined) return GIVE_UP;

  const start = at;
  const nReserved = reserved === undefined ? 0 : reserved.length;
  const nDevices = devices.length;
  words[at + L.BUS_BEHAVIOURS] = facts.behaviours;
  words[at + L.BUS_FLAGS] = flags;
  words[at + L.BUS_LOW_MEM_END] = lowLo;
  words[at + L.BUS_LOW_MEM_END + 1] = lowHi;
  words[at + L.BUS_HIGH_MEM_END] = highLo;
  words[at + L.BUS_HIGH_MEM_END + 1] = highHi;
  words[at + L.BUS_MMIO_HOLE_SIZE] = holeLo;
  words[at + L.BUS_MMIO_HOLE_SIZE + 1] = holeHi;
  words[at + L.BUS_PHYS_ADDR_BITS] = physAddrBits;
  words[at + L.BUS_N_RESERVED] = nReserved;
  words[at + L.BUS_N_DEVICES] = nDevices;
  at += L.BUS_HEADER_WORDS;

  for (let i = 0; i < nReserved; i++) {
    const r = reserved![i];
    if (!plain(r)) return GIVE_UP;
    let haveStart = false;
    let haveSize = false;
    let s = 0;
    let z = 0;
    for (const key in r) {
      const v = r[key];
      switch (key) {
        case 'name':
        case 'description':
        case 'comment':
          if (typeof v !== 'string') return GIVE_UP;
          break;
        case 'start':
          // both halves below 4 GiB, so the end below is exact
          if (!u64(v) || HALVES[1] !== 0) return GIVE_UP;
          s = HALVES[0];
          haveStart = true;
          break;
        case 'size':
          if (!u64(v) || HALVES[1] !== 0 || HALVES[0] === 0) return GIVE_UP;
          z = HALVES[0];
          haveSize = true;
          break;
        default:
          return GIVE_UP;
      }
    }
    // below 4 GiB, and clear of the area memory_map_setup BUGs on (bus.ts checkHvmloaderStops)
    if (!haveStart || !haveSize || s + z > TWO32) return GIVE_UP;
    if (facts.areaEnd !== 0 && s + z > facts.areaStart && s < facts.areaEnd) return GIVE_UP;
    words[at] = s;
    words[at + 1] = 0;
    words[at + 2] = z;
    words[at + 3] = 0;
    at += L.RESERVED_WORDS;
  }

  let barAt = at + nDevices * L.DEVICE_WORDS;
  let lastDevfn = -1;
  for (let i = 0; i < nDevices; i++) {
    const d = devices[i];
    if (!plain(d)) return GIVE_UP;
    let slot = -1;
    let fn = 0;
    let vendor = -1;
    let device = -1;
    let cls = 0;
    let pin = 0;
    let bars: unknown[] | undefined;
    for (const key in d) {
      const v = d[key];
      switch (key) {
        case 'slot':
          slot = int(v, 0, 31);
          if (slot < 0) return GIVE_UP;
          break;
        case 'function':
          fn = int(v, 0, 7);
          if (fn < 0) return GIVE_UP;
          break;
        case 'vendorId':
          vendor = u16(v);
          if (vendor < 0) return GIVE_UP;
          break;
        case 'deviceId':
          device = u16(v);
          if (device < 0) return GIVE_UP;
          break;
        case 'classCode':
          cls = u16(v);
          if (cls < 0) return GIVE_UP;
          break;
        case 'interruptPin':
          pin = int(v, 0, 4);
          if (pin < 0) return GIVE_UP;
          break;
        case 'bars':
          if (!Array.isArray(v) || v.length > 7) return GIVE_UP;
          bars = v;
          break;
        case 'name':
        case 'description':
        case 'comment':
          if (typeof v !== 'string') return GIVE_UP;
          break;
        default:
          return GIVE_UP;
      }
    }
    if (slot < 0 || vendor < 0 || device < 0) return GIVE_UP;
    // in scan order, one device per devfn: otherwise the detailed path sorts or refuses
    const devfn = (slot << 3) | fn;
    if (devfn <= lastDevfn) return GIVE_UP;
    lastDevfn = devfn;
    // hvmloader's ASSERTs on 00:01.0 and class 0x0680 (bus.ts checkHvmloaderStops)
    if (!(vendor === 0xffff && device === 0xffff)) {
      if (devfn === 0x08 && !(vendor === 0x8086 && device === 0x7000)) return GIVE_UP;
      if (cls === 0x0680 && !(vendor === 0x8086 && device === 0x7113)) return GIVE_UP;
    }
    const nBars = bars === undefined ? 0 : bars.length;
    words[at + L.DEV_DEVFN] = devfn;
    words[at + L.DEV_VENDOR] = vendor;
    words[at + L.DEV_DEVICE] = device;
    words[at + L.DEV_CLASS] = cls;
    words[at + L.DEV_PIN] = pin;
    words[at + L.DEV_N_BARS] = nBars;
    at += L.DEVICE_WORDS;

    let nextReg = 0; // registers below it are taken: BARs in index order, none overlapping
    for (let j = 0; j < nBars; j++) {
      const b = bars![j];
      if (!plain(b)) return GIVE_UP;
      let index: unknown;
      let type = -1;
      let prefetch = false;
      let haveSize = false;
      let size: unknown;
      let mask: unknown;
      let maskHigh: unknown;
      for (const key in b) {
        const v = b[key];
        switch (key) {
          case 'index':
            if (v === undefined) return GIVE_UP;
            index = v;
            break;
          case 'type': {
            type = v === 'mem32' ? L.TYPE_MEM32 : v === 'mem64' ? L.TYPE_MEM64 : v === 'io' ? L.TYPE_IO : v === 'rom' ? L.TYPE_ROM : -1;
            if (type < 0) return GIVE_UP;
            break;
          }
          case 'prefetchable':
            if (typeof v !== 'boolean') return GIVE_UP;
            prefetch = v;
            break;
          case 'size':
            if (v === undefined) return GIVE_UP;
            size = v;
            haveSize = true;
            break;
          case 'mask':
            if (v === undefined) return GIVE_UP;
            mask = v;
            break;
          case 'maskHigh':
            if (v === undefined) return GIVE_UP;
            maskHigh = v;
            break;
          case 'name':
          case 'description':
          case 'comment':
            if (typeof v !== 'string') return GIVE_UP;
            break;
          default:
            return GIVE_UP;
        }
      }
      // a size or a raw read-back (mask), not both; maskHigh only with a mem64 mask
      if (type < 0 || haveSize === (mask !== undefined)) return GIVE_UP;
      if (maskHigh !== undefined && (haveSize || type !== L.TYPE_MEM64)) return GIVE_UP;
      let reg: number;
      if (type === L.TYPE_ROM) {
        if (index !== undefined && index !== 'rom') return GIVE_UP;
        reg = ROM_INDEX;
      } else {
        reg = int(index, 0, type === L.TYPE_MEM64 ? 4 : 5);
        if (reg < 0) return GIVE_UP;
      }
      if (reg < nextReg) return GIVE_UP;
      nextReg = reg + (type === L.TYPE_MEM64 ? 2 : 1);
      if (prefetch && (type === L.TYPE_IO || type === L.TYPE_ROM)) return GIVE_UP;
      let bflags = prefetch ? L.BARF_PREFETCH : 0;
      if (haveSize) {
        if (!u64(size) || !sizeFits(type)) return GIVE_UP;
        words[barAt + L.BAR_VALUE] = HALVES[0];
        words[barAt + L.BAR_VALUE + 1] = HALVES[1];
        words[barAt + L.BAR_MASK_HIGH] = 0;
      } else {
        // the read-back of a 32-bit register
        if (!u64(mask) || HALVES[1] !== 0) return GIVE_UP;
        bflags |= L.BARF_HAS_MASK;
        words[barAt + L.BAR_VALUE] = HALVES[0];
        words[barAt + L.BAR_VALUE + 1] = 0;
        words[barAt + L.BAR_MASK_HIGH] = 0;
        if (maskHigh !== undefined) {
          if (!u64(maskHigh) || HALVES[1] !== 0) return GIVE_UP;
          bflags |= L.BARF_HAS_MASK_HIGH;
          words[barAt + L.BAR_MASK_HIGH] = HALVES[0];
        }
      }
      words[barAt + L.BAR_INDEX] = reg;
      words[barAt + L.BAR_TYPE] = type;
      words[barAt + L.BAR_FLAGS] = bflags;
      barAt += L.BAR_WORDS;
    }
  }
  const barsWritten = (barAt - at) / L.BAR_WORDS;
  words[start + L.BUS_N_BARS] = barsWritten;
  words[start + L.BUS_WORDS] = barAt - start;
  fastInfo.version = facts.name;
  fastInfo.behaviours = facts.behaviours;
  fastInfo.devices = nDevices;
  return barAt;
}
