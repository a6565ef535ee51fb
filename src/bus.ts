// Validation of a bus description: the contract's shape (zod), then the rules
// it states (powers of two, overlapping registers, ranges) and the buses on
// which hvmloader itself would stop. The result is a Bus: exact bigints,
// devices in scan order, ready for the engine.

import { z } from 'zod';
import { BusError, formatPath, type InputIssue } from './errors.js';
import { hex } from './hex.js';
import { LIMITS, clipLine, quote, stripBom } from './limits.js';
import type { BarType, BusInput } from './contract.js';
import { DEFAULT_VERSION, VERSIONS, VERSION_NAMES, type HvmloaderProfile, type VersionName } from './versions.js';
import { InputError } from './errors.js';
import { hvmloaderOf, parseRelease } from './guest/releases.js';

export interface Bar {
  index: number; // 0..5; 6 is the expansion ROM
  type: BarType;
  prefetchable: boolean;
  size?: bigint; // a power of two
  mask?: number; // the low read-back after writing all-ones
  maskHigh?: number; // the upper register's read-back (mem64 with mask)
}

export interface Device {
  slot: number;
  function: number;
  vendorId: number;
  deviceId: number;
  classCode: number;
  interruptPin: number;
  bars: Bar[]; // by register index, ROM last
}

export interface Bus {
  description?: string; // the file's own note of what it shows, if any
  hvmloader: VersionName;
  /** Placed as this build instead of the version's own (a Xen release with backports). */
  profile?: HvmloaderProfile;
  lowMemEnd: bigint;
  highMemEnd: bigint;
  allowMemoryRelocate?: boolean;
  mmioHoleSize?: bigint;
  xenPlatformBarUc?: boolean;
  physAddrBits: number;
  reserved: { start: bigint; size: bigint }[];
  devices: Device[]; // in devfn order, the order hvmloader scans
}

export const ROM_INDEX = 6;
/** hvmloader's physical address width when the bus does not give one: what cpu_phys_addr() assumes without CPUID leaf 0x80000008. */
export const DEFAULT_PHYS_ADDR_BITS = 36;
const FOUR_GIB = 1n << 32n;
const U64_MAX = (1n << 64n) - 1n;
const PAGE = 4096n;
const MAX_RESERVED = 126; // E820MAX (128) less the two RAM entries
const ISA_DEVFN = 0x08;

// Annotation keys a file may carry beside the contract's fields.
const NOTES = { name: z.string().optional(), description: z.string().optional(), comment: z.string().optional() };

const numberLike = z.union([z.string(), z.number()], {
  error: 'expected a 0x-hex string such as "0x1000" (or a whole decimal number below 2^53)',
});

const barSchema = z.strictObject({
  ...NOTES,
  index: z.union([z.number(), z.literal('rom')], { error: 'expected a register index 0-5, or "rom"' }).optional(),
  type: z.enum(['mem32', 'mem64', 'io', 'rom'], { error: 'expected one of mem32, mem64, io, rom' }),
  prefetchable: z.boolean({ error: 'expected true or false' }).optional(),
  size: numberLike.optional(),
  mask: numberLike.optional(),
  maskHigh: numberLike.optional(),
});

const deviceSchema = z.strictObject({
  ...NOTES,
  slot: z.number({ error: 'expected a slot number 0-31' }),
  function: z.number({ error: 'expected a function number 0-7' }).optional(),
  vendorId: numberLike,
  deviceId: numberLike,
  classCode: numberLike.optional(),
  interruptPin: z.number({ error: 'expected 0 (none) or 1-4 (INTA-INTD)' }).optional(),
  bars: z.array(barSchema, { error: 'expected a list of BARs' }).optional(),
});

const busSchema = z.strictObject({
  ...NOTES,
  $schema: z.string().optional(),
  hvmloader: z.string({ error: `expected one of ${VERSION_NAMES.join(', ')}` }).optional(),
  xen: z.string({ error: 'expected a Xen release such as "4.17.4"' }).optional(),
  lowMemEnd: numberLike,
  highMemEnd: numberLike.optional(),
  allowMemoryRelocate: z.boolean({ error: 'expected true or false (leave it out when the key is not written)' }).optional(),
  mmioHoleSize: numberLike.optional(),
  xenPlatformBarUc: z.boolean({ error: 'expected true or false (leave it out when the key is not written)' }).optional(),
  physAddrBits: z.number({ error: 'expected a whole number 32-52' }).optional(),
  reserved: z
    .array(z.strictObject({ ...NOTES, start: numberLike, size: numberLike }), { error: 'expected a list of {start, size}' })
    .optional(),
  devices: z.array(deviceSchema, { error: 'expected a list of devices' }),
});

/** Collects issues while checking one bus. Paths are joined only on failure. */
class Checker {
  readonly issues: InputIssue[] = [];

  /** fail(path, message), or fail(base, field, message) joining base.field. */
  fail(base: string, fieldOrMessage: string, message?: string): void {
    if (message === undefined) this.issues.push({ path: base, message: fieldOrMessage });
    else this.issues.push({ path: fieldOrMessage ? (base ? `${base}.${fieldOrMessage}` : fieldOrMessage) : base, message });
  }

  /** A u64 from a hex string or a safe decimal number; undefined after reporting. */
  u64(base: string, field: string, value: string | number): bigint | undefined {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) {
        this.fail(base, field, `${value} is not exact as a JSON number; write it as a hex string, e.g. "0x${Math.max(0, Math.trunc(value)).toString(16)}"`);
        return undefined;
      }
      return BigInt(value);
    }
    if (!HEX_STRING.test(value)) {
      this.fail(base, field, `${quote(value)} is not a 0x-hex number; write it like "0x100000"`);
      return undefined;
    }
    // up to 13 digits fit a double exactly, and parseInt is much cheaper than BigInt(string)
    if (value.length <= 15) return BigInt(parseInt(value.slice(2), 16));
    const v = BigInt(value);
    if (v > U64_MAX) {
      this.fail(base, field, `${value} does not fit in 64 bits`);
      return undefined;
    }
    return v;
  }

  u32(base: string, field: string, value: string | number): number | undefined {
    const v = this.u64(base, field, value);
    if (v === undefined) return undefined;
    if (v > 0xffffffffn) {
      this.fail(base, field, `${hex(v)} is wider than the 32-bit register it describes`);
      return undefined;
    }
    return Number(v);
  }

  u16(base: string, field: string, value: string | number | undefined, fallback?: number): number | undefined {
    if (value === undefined) return fallback;
    const v = this.u64(base, field, value);
    if (v === undefined) return undefined;
    if (v > 0xffffn) {
      this.fail(base, field, `${hex(v)} is not a 16-bit value`);
      return undefined;
    }
    return Number(v);
  }

  int(base: string, field: string, value: number | undefined, lo: number, hi: number, fallback: number, what: string): number {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < lo || value > hi) {
      this.fail(base, field, `${value} is out of range; ${what}`);
      return fallback;
    }
    return value;
  }
}

const HEX_STRING = /^0[xX][0-9a-fA-F]+$/;

const isPowerOfTwo = (v: bigint) => v > 0n && (v & (v - 1n)) === 0n;

// Sizes a `size` may take for each type: what the register can express and
// PCI allows (memory 16 bytes, I/O 4 bytes, ROM 2 KiB at least).
export const SIZE_RANGE: Readonly<Record<BarType, readonly [bigint, bigint]>> = {
  mem32: [16n, 1n << 31n],
  mem64: [16n, 1n << 63n],
  io: [4n, 1n << 31n],
  rom: [2048n, 1n << 31n],
};

function checkBar(c: Checker, path: string, raw: z.infer<typeof barSchema>, used: Map<number, string>): Bar | undefined {
  const type = raw.type;
  let index: number;
  if (type === 'rom') {
    if (raw.index !== undefined && raw.index !== 'rom') {
      c.fail(`${path}.index`, `a ROM BAR has index "rom" (register 0x30); got ${JSON.stringify(raw.index)}`);
      return undefined;
    }
    index = ROM_INDEX;
  } else {
    if (raw.index === undefined || raw.index === 'rom') {
      c.fail(`${path}.index`, `a ${type} BAR needs its register index 0-5${raw.index === 'rom' ? ' ("rom" is for type "rom")' : ''}`);
      return undefined;
    }
    if (!Number.isInteger(raw.index) || raw.index < 0 || raw.index > 5) {
      c.fail(`${path}.index`, `${raw.index} is not a BAR register index; use 0-5 (0x10-0x24), or type "rom" for 0x30`);
      return undefined;
    }
    index = raw.index;
    if (type === 'mem64' && index === 5) {
      c.fail(`${path}.index`, 'a 64-bit BAR at index 5 would need register 0x28 for its upper half; use index 0-4 or type mem32');
      return undefined;
    }
  }
  const regs = type === 'mem64' ? [index, index + 1] : [index];
  for (const r of regs) {
    const other = used.get(r);
    if (other !== undefined) {
      const what = r === ROM_INDEX ? 'the ROM register 0x30' : `register 0x${(0x10 + 4 * r).toString(16)}`;
      c.fail(`${path}.index`, `${what} is already used by ${other}; each register holds one BAR (a mem64 BAR takes its index and the next)`);
      return undefined;
    }
  }
  regs.forEach((r) => used.set(r, path));

  const prefetchable = raw.prefetchable ?? false;
  if (prefetchable && (type === 'io' || type === 'rom')) {
    c.fail(`${path}.prefetchable`, `only memory BARs are prefetchable; remove it from this ${type} BAR`);
  }
  const bar: Bar = { index, type, prefetchable };
  if ((raw.size === undefined) === (raw.mask === undefined)) {
    c.fail(path, 'give either "size" (a power of two) or "mask" (the raw read-back after writing all-ones), not both or neither');
    return undefined;
  }
  if (raw.size !== undefined) {
    const size = c.u64(path, 'size', raw.size);
    if (size === undefined) return undefined;
    if (!isPowerOfTwo(size)) {
      c.fail(`${path}.size`, `${hex(size)} is not a power of two; BAR sizes are powers of two (give the raw read-back as "mask" to size it as hvmloader would)`);
      return undefined;
    }
    const [lo, hi] = SIZE_RANGE[type];
    if (size < lo || size > hi) {
      c.fail(`${path}.size`, `${hex(size)} is out of range for a ${type} BAR; use ${hex(lo)}-${hex(hi)}`);
      return undefined;
    }
    bar.size = size;
    if (raw.maskHigh !== undefined) c.fail(`${path}.maskHigh`, 'maskHigh goes with mask, not with size');
  } else {
    const mask = c.u32(path, 'mask', raw.mask!);
    if (mask === undefined) return undefined;
    bar.mask = mask;
    if (raw.maskHigh !== undefined) {
      if (type !== 'mem64') c.fail(`${path}.maskHigh`, `only a mem64 BAR has an upper register; remove maskHigh from this ${type} BAR`);
      const maskHigh = c.u32(path, 'maskHigh', raw.maskHigh);
      if (maskHigh !== undefined) bar.maskHigh = maskHigh;
    }
  }
  return bar;
}

function checkDevice(c: Checker, path: string, raw: z.infer<typeof deviceSchema>): Device | undefined {
  const before = c.issues.length;
  const slot = c.int(path, 'slot', raw.slot, 0, 31, 0, 'bus 0 has slots 0-31');
  const fn = c.int(path, 'function', raw.function, 0, 7, 0, 'a slot has functions 0-7');
  const vendorId = c.u16(path, 'vendorId', raw.vendorId);
  const deviceId = c.u16(path, 'deviceId', raw.deviceId);
  const classCode = c.u16(path, 'classCode', raw.classCode, 0);
  const interruptPin = c.int(path, 'interruptPin', raw.interruptPin, 0, 4, 0, 'use 0 (none) or 1-4 (INTA-INTD)');
  const used = new Map<number, string>();
  const bars: Bar[] = [];
  (raw.bars ?? []).forEach((b, i) => {
    const bar = checkBar(c, `${path}.bars[${i}]`, b, used);
    if (bar) bars.push(bar);
  });
  if (c.issues.length > before || vendorId === undefined || deviceId === undefined || classCode === undefined) return undefined;
  bars.sort((a, b) => a.index - b.index);
  return { slot, function: fn, vendorId, deviceId, classCode, interruptPin, bars };
}

const id = (v: number) => v.toString(16).padStart(4, '0');

// pci_setup's ASSERTs and memory_map_setup's BUG: buses hvmloader stops on.
function checkHvmloaderStops(c: Checker, bus: Bus, devicePaths: Map<Device, string>): void {
  for (const d of bus.devices) {
    const path = devicePaths.get(d)!;
    if (d.vendorId === 0xffff && d.deviceId === 0xffff) continue; // reads as an empty slot
    const devfn = (d.slot << 3) | d.function;
    if (devfn === ISA_DEVFN && !(d.vendorId === 0x8086 && d.deviceId === 0x7000)) {
      c.fail(path, `00:01.0 is ${id(d.vendorId)}:${id(d.deviceId)}, but hvmloader ASSERTs that it is the PIIX3 ISA bridge 8086:7000 and would stop before placing anything; put another device in a different slot`);
    }
    if (d.classCode === 0x0680 && !(d.vendorId === 0x8086 && d.deviceId === 0x7113)) {
      c.fail(path, `a class 0x0680 function must be the PIIX4 ACPI PM 8086:7113 (hvmloader ASSERTs it and would stop); this one is ${id(d.vendorId)}:${id(d.deviceId)} — give it another class code`);
    }
  }
  const area = profileOf(bus).dynamicReservedArea;
  const label = profileOf(bus).label;
  if (area) {
    bus.reserved.forEach((r, i) => {
      if (r.start + r.size > area.start && r.start < area.end) {
        c.fail(`reserved[${i}]`, `${hex(r.start)}+${hex(r.size)} overlaps hvmloader ${label}'s own reserved area ${hex(area.start)}-${hex(area.end)}; it would BUG while building the memory map ("Fail to setup memory map due to conflict on dynamic reserved memory range")`);
      }
    });
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const BRAND = Symbol('mmio-planner.bus');

/** True for a Bus that parseBus produced (and so needs no second check). */
export function isBus(value: unknown): value is Bus {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Checks a bus description against the contract and returns it as a Bus.
 * Throws a BusError naming every field at fault.
 */
export function parseBus(input: unknown, source?: string): Bus {
  if (isBus(input)) return input;
  refuseOversized(input, source);
  const shape = busSchema.safeParse(input);
  if (!shape.success) {
    const issues = shape.error.issues.map((i) => {
      const path = formatPath(i.path);
      if (i.code === 'unrecognized_keys') {
        return { path, message: `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.slice(0, 5).map((k) => quote(k)).join(', ')}${i.keys.length > 5 ? ` and ${i.keys.length - 5} more` : ''}; the contract's fields are listed in bus-format.md` };
      }
      if (valueAt(input, i.path) === undefined) return { path, message: 'is required' };
      return { path, message: i.message };
    });
    if (shape.error.issues.some((i) => i.path.length === 0 && i.code === 'invalid_type')) {
      throw new BusError([{ path: '', message: 'a bus description is a JSON object with lowMemEnd and devices' }], source);
    }
    throw new BusError(issues, source);
  }
  const raw = shape.data;
  const c = new Checker();

  let version = (raw.hvmloader ?? DEFAULT_VERSION) as VersionName;
  if (!(VERSION_NAMES as readonly string[]).includes(version)) {
    c.fail('hvmloader', `unknown version ${JSON.stringify(raw.hvmloader)}; use one of ${VERSION_NAMES.join(', ')}`);
  }
  // `xen` names a release: its own hvmloader build, applied before any check that depends on the build
  const profile = raw.xen === undefined ? undefined : releaseProfile(c, raw.xen);
  if (raw.xen !== undefined && raw.hvmloader !== undefined) {
    c.fail('xen', 'give either "hvmloader" (a version) or "xen" (a release), not both');
  }
  if (profile) version = profile.hvmloader;

  const lowMemEnd = c.u64('', 'lowMemEnd', raw.lowMemEnd);
  if (lowMemEnd !== undefined && (lowMemEnd % PAGE !== 0n || lowMemEnd < 0x100000n || lowMemEnd > FOUR_GIB)) {
    c.fail('lowMemEnd', `${hex(lowMemEnd)} must be a multiple of 4096 between 0x100000 (1 MiB) and 0x100000000 (4 GiB)`);
  }
  const highMemEnd = raw.highMemEnd === undefined ? 0n : c.u64('', 'highMemEnd', raw.highMemEnd);
  if (highMemEnd !== undefined && highMemEnd !== 0n && (highMemEnd % PAGE !== 0n || highMemEnd < FOUR_GIB || highMemEnd >= 1n << 44n)) {
    c.fail('highMemEnd', `${hex(highMemEnd)} must be 0x0 (no RAM above 4 GiB) or a multiple of 4096 from 0x100000000 up to below 2^44 (hvm_info keeps a 32-bit page number)`);
  }
  const mmioHoleSize = raw.mmioHoleSize === undefined ? undefined : c.u64('', 'mmioHoleSize', raw.mmioHoleSize);
  const physAddrBits = c.int('', 'physAddrBits', raw.physAddrBits, 32, 52, DEFAULT_PHYS_ADDR_BITS, 'the physical address width is 32-52 bits');

  const reserved: Bus['reserved'] = [];
  const rawReserved = raw.reserved ?? [];
  if (rawReserved.length > MAX_RESERVED) {
    c.fail('reserved', `${rawReserved.length} ranges; hvmloader's E820 map holds at most ${MAX_RESERVED} beside RAM`);
  }
  rawReserved.forEach((r, i) => {
    const start = c.u64(`reserved[${i}]`, 'start', r.start);
    const size = c.u64(`reserved[${i}]`, 'size', r.size);
    if (start === undefined || size === undefined) return;
    if (size === 0n) {
      c.fail(`reserved[${i}].size`, 'is 0; a reserved range has a size');
      return;
    }
    if (start + size > FOUR_GIB) {
      c.fail(`reserved[${i}]`, `${hex(start)}+${hex(size)} ends above 4 GiB; list only the reserved ranges below 4 GiB`);
      return;
    }
    reserved.push({ start, size });
  });

  const devices: Device[] = [];
  const devicePaths = new Map<Device, string>();
  const seen = new Map<number, string>();
  if (raw.devices.length > 256) c.fail('devices', `${raw.devices.length} functions; bus 0 has at most 256 (32 slots x 8 functions)`);
  raw.devices.forEach((d, i) => {
    const path = `devices[${i}]`;
    const dev = checkDevice(c, path, d);
    if (!dev) return;
    const devfn = (dev.slot << 3) | dev.function;
    const other = seen.get(devfn);
    if (other !== undefined) {
      c.fail(path, `slot ${dev.slot} function ${dev.function} is already ${other}; one device per (slot, function)`);
      return;
    }
    seen.set(devfn, path);
    devices.push(dev);
    devicePaths.set(dev, path);
  });

  if (c.issues.length > 0) throw new BusError(c.issues, source);
  devices.sort((a, b) => ((a.slot << 3) | a.function) - ((b.slot << 3) | b.function));
  const bus: Bus = {
    hvmloader: version,
    lowMemEnd: lowMemEnd!,
    highMemEnd: highMemEnd!,
    physAddrBits,
    reserved,
    devices,
  };
  if (profile) bus.profile = profile;
  if (raw.description !== undefined) bus.description = raw.description;
  if (raw.allowMemoryRelocate !== undefined) bus.allowMemoryRelocate = raw.allowMemoryRelocate;
  if (mmioHoleSize !== undefined) bus.mmioHoleSize = mmioHoleSize;
  if (raw.xenPlatformBarUc !== undefined) bus.xenPlatformBarUc = raw.xenPlatformBarUc;
  checkHvmloaderStops(c, bus, devicePaths);
  if (c.issues.length > 0) throw new BusError(c.issues, source);
  return seal(bus);
}

/**
 * Refuses, before any field is checked, a bus larger than hvmloader's can
 * be: more functions than bus 0 has, more registers than a function has,
 * more reserved ranges than its E820 map holds. A huge file is then one
 * short error, not one per device.
 */
function refuseOversized(input: unknown, source?: string): void {
  if (typeof input !== 'object' || input === null) return;
  const { devices, reserved } = input as { devices?: unknown; reserved?: unknown };
  const issues: InputIssue[] = [];
  if (Array.isArray(devices) && devices.length > LIMITS.busFunctions) {
    issues.push({ path: 'devices', message: `${devices.length} functions; bus 0 has at most ${LIMITS.busFunctions} (32 slots x 8 functions)` });
  } else if (Array.isArray(devices)) {
    devices.forEach((d, i) => {
      const bars = typeof d === 'object' && d !== null ? (d as { bars?: unknown }).bars : undefined;
      if (Array.isArray(bars) && bars.length > LIMITS.barsPerFunction) {
        issues.push({ path: `devices[${i}].bars`, message: `${bars.length} BARs; a function has at most ${LIMITS.barsPerFunction} (six registers and the ROM)` });
      }
    });
  }
  if (Array.isArray(reserved) && reserved.length > MAX_RESERVED) {
    issues.push({ path: 'reserved', message: `${reserved.length} ranges; hvmloader's E820 map holds at most ${MAX_RESERVED} beside RAM` });
  }
  if (issues.length) throw new BusError(issues, source);
}

/**
 * Brands a checked bus and freezes it, deep: a Bus cannot be changed after
 * it was checked (a changed copy goes through parseBus or deriveBus again).
 */
function seal(bus: Bus): Bus {
  Object.defineProperty(bus, BRAND, { value: true, enumerable: false });
  for (const d of bus.devices) {
    for (const b of d.bars) Object.freeze(b);
    Object.freeze(d.bars);
    Object.freeze(d);
  }
  Object.freeze(bus.devices);
  for (const r of bus.reserved) Object.freeze(r);
  Object.freeze(bus.reserved);
  return Object.freeze(bus);
}

function releaseProfile(c: Checker, text: string): HvmloaderProfile | undefined {
  try {
    return hvmloaderOf(parseRelease(text, 'xen'));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    e.issues.forEach((i) => c.fail(i.path, i.message));
    return undefined;
  }
}

/** The build a bus is placed as: its own profile, or its version's. */
export function profileOf(bus: Bus): HvmloaderProfile {
  return bus.profile ?? VERSIONS[bus.hvmloader];
}

/**
 * The same bus for another hvmloader version, or another build (a Xen
 * release's profile). Rechecks what depends on the version (the reserved area
 * 4.6 and later BUG on); throws BusError.
 */
export function withVersion(bus: Bus, version: VersionName | HvmloaderProfile, source?: string): Bus {
  const profile = typeof version === 'string' ? undefined : version;
  const name = typeof version === 'string' ? version : version.hvmloader;
  if (bus.hvmloader === name && bus.profile === profile) return bus;
  const copy: Bus = { ...bus, hvmloader: name };
  if (profile === undefined) delete copy.profile;
  else copy.profile = profile;
  const c = new Checker();
  const paths = new Map(bus.devices.map((d, i) => [d, `devices[${i}]`]));
  checkHvmloaderStops(c, copy, paths);
  if (c.issues.length > 0) throw new BusError(c.issues, source);
  return seal(copy);
}

/**
 * Brands a bus built in code (the risk matrix builds hundreds of thousands)
 * after a cheap check of what the engine relies on: counts within its
 * tables, slots and functions in range and distinct, register indexes,
 * sizes and RAM ends the contract allows. Cheaper than parseBus (no JSON
 * shape, no hvmloader stops); a failure is a fault of the caller, not bad
 * input, so it throws a plain Error. test/matrix.test.ts checks that such
 * buses pass parseBus unchanged.
 */
export function trustedBus(bus: Bus): Bus {
  const fault = trustedFault(bus);
  if (fault) throw new Error(`a bus built in code is out of range: ${fault}`);
  Object.defineProperty(bus, BRAND, { value: true, enumerable: false });
  return bus;
}

function trustedFault(bus: Bus): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(VERSIONS, bus.hvmloader)) return `hvmloader ${quote(bus.hvmloader)}`;
  if (bus.lowMemEnd % PAGE !== 0n || bus.lowMemEnd < 0x100000n || bus.lowMemEnd > FOUR_GIB) return `lowMemEnd ${hex(bus.lowMemEnd)}`;
  if (bus.highMemEnd !== 0n && (bus.highMemEnd % PAGE !== 0n || bus.highMemEnd < FOUR_GIB || bus.highMemEnd >= 1n << 44n)) return `highMemEnd ${hex(bus.highMemEnd)}`;
  if (bus.reserved.length > MAX_RESERVED) return `${bus.reserved.length} reserved ranges`;
  if (bus.devices.length > LIMITS.busFunctions) return `${bus.devices.length} devices`;
  // a device list checked before, and frozen since, need not be checked again (a sweep shares them)
  if (CHECKED_DEVICES.has(bus.devices)) return undefined;
  const seen = new Set<number>();
  let last = -1;
  for (const d of bus.devices) {
    if (!Number.isInteger(d.slot) || d.slot < 0 || d.slot > 31 || !Number.isInteger(d.function) || d.function < 0 || d.function > 7) return `slot ${d.slot} function ${d.function}`;
    const devfn = (d.slot << 3) | d.function;
    if (seen.has(devfn)) return `two devices at slot ${d.slot} function ${d.function}`;
    seen.add(devfn);
    if (devfn < last) return 'devices not in scan order';
    last = devfn;
    if (d.bars.length > LIMITS.barsPerFunction) return `${d.bars.length} BARs at slot ${d.slot}`;
    for (const b of d.bars) {
      if (!Number.isInteger(b.index) || b.index < 0 || b.index > ROM_INDEX) return `BAR index ${b.index} at slot ${d.slot}`;
      if (b.size !== undefined) {
        const [lo, hi] = SIZE_RANGE[b.type];
        if (!isPowerOfTwo(b.size) || b.size < lo || b.size > hi) return `BAR size ${hex(b.size)} at slot ${d.slot}`;
      } else if (b.mask === undefined || !Number.isInteger(b.mask) || b.mask < 0 || b.mask > 0xffffffff) return `BAR without size or mask at slot ${d.slot}`;
    }
  }
  for (const d of bus.devices) {
    for (const b of d.bars) Object.freeze(b);
    Object.freeze(d.bars);
    Object.freeze(d);
  }
  CHECKED_DEVICES.add(Object.freeze(bus.devices));
  return undefined;
}
const CHECKED_DEVICES = new WeakSet<readonly Device[]>();

/** A changed copy of a checked bus, checked again as a whole (profile kept). */
export function deriveBus(bus: Bus, changes: Partial<Bus>): Bus {
  const next = parseBus(busToInput({ ...bus, ...changes }));
  const profile = 'profile' in changes ? changes.profile : bus.profile;
  return profile ? withVersion(next, profile) : next;
}

/** Parses JSON text into a Bus, refusing text that is not JSON. */
export function parseBusJson(text: string, source?: string): Bus {
  if (typeof text !== 'string') throw new BusError([{ path: '', message: 'expected JSON text' }], source);
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (e) {
    throw new BusError([{ path: '', message: `not JSON: ${clipLine((e as Error).message)}` }], source);
  }
  return parseBus(value, source);
}

/** The bus back in contract form (hex strings), e.g. to write a scenario file. */
export function busToInput(bus: Bus): BusInput {
  const out: BusInput = {
    ...(bus.profile?.release ? { xen: bus.profile.release } : { hvmloader: bus.hvmloader }),
    lowMemEnd: hex(bus.lowMemEnd),
    highMemEnd: hex(bus.highMemEnd),
    physAddrBits: bus.physAddrBits,
    reserved: bus.reserved.map((r) => ({ start: hex(r.start), size: hex(r.size) })),
    devices: bus.devices.map((d) => ({
      slot: d.slot,
      function: d.function,
      vendorId: hex(d.vendorId),
      deviceId: hex(d.deviceId),
      classCode: hex(d.classCode),
      interruptPin: d.interruptPin,
      bars: d.bars.map((b) => ({
        ...(b.type === 'rom' ? { index: 'rom' as const } : { index: b.index }),
        type: b.type,
        ...(b.type === 'mem32' || b.type === 'mem64' ? { prefetchable: b.prefetchable } : {}),
        ...(b.size !== undefined ? { size: hex(b.size) } : {}),
        ...(b.mask !== undefined ? { mask: hex(b.mask) } : {}),
        ...(b.maskHigh !== undefined ? { maskHigh: hex(b.maskHigh) } : {}),
      })),
    })),
  };
  if (bus.allowMemoryRelocate !== undefined) out.allowMemoryRelocate = bus.allowMemoryRelocate;
  if (bus.mmioHoleSize !== undefined) out.mmioHoleSize = hex(bus.mmioHoleSize);
  if (bus.xenPlatformBarUc !== undefined) out.xenPlatformBarUc = bus.xenPlatformBarUc;
  return out;
}
