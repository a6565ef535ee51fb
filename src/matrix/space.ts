// The configuration space of the risk matrix: named dimensions with values
// that cross the interesting boundaries (the 256 MiB default hole, the
// 3.75 GiB of RAM that fits below it, 2 GiB of MMIO, 512 MiB and 1 GiB BARs).
// A YAML or JSON file (or CLI flags) narrows or widens any dimension.

import { InputError } from '../errors.js';
import { readDocument, type DeviceModel } from '../guest/config.js';
import type { Bios } from '../guest/firmware.js';
import { quote } from '../limits.js';
import { deviceFunctions } from './devices.js';
import type { Toolstack } from '../guest/libxl.js';

export interface Space {
  guestType: ('pv' | 'hvm')[];
  toolstack: Toolstack[];
  deviceModel: DeviceModel[];
  stubdomain: boolean[];
  ramMiB: number[];
  /** Passed-through MMIO in 32-bit-only BARs, MiB. */
  mmio32MiB: number[];
  /** Passed-through MMIO in 64-bit-capable BARs, MiB. */
  mmio64MiB: number[];
  /** mmio_hole in MiB; 0 = not set. */
  mmioHoleMiB: number[];
  /**
   * Real device sets to pass through instead of the synthetic MMIO: each a
   * list of device descriptions from scenarios/devices (e.g. ["a100-80gb",
   * "x710-sriov"]). When given, mmio32MiB/mmio64MiB are not swept.
   */
  deviceSets: string[][];
  /** The guest's bios key; "default" leaves it unset, so libxl picks per device model. */
  bios: ('default' | Bios)[];
}

// 1 to 64 GiB, denser around 2-4 GiB where the hole meets RAM
const RAM = [1024, 1536, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3712, 3840, 3968, 4096, 4608, 5120, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536];

export const DEFAULT_SPACE: Space = {
  guestType: ['pv', 'hvm'],
  toolstack: ['libxl', 'xend', 'other'],
  deviceModel: ['qemu-xen', 'qemu-xen-traditional'],
  stubdomain: [false, true],
  ramMiB: RAM,
  mmio32MiB: [0, 64, 128, 192, 256, 512, 1024, 1536, 2048, 3072],
  mmio64MiB: [0, 128, 256, 512, 768, 1024, 2048, 4096, 16384],
  mmioHoleMiB: [0, 1024, 2048],
  deviceSets: [],
  bios: ['default'],
};

export function spaceSize(s: Space): number {
  const mmio = s.deviceSets.length ? s.deviceSets.length : s.mmio32MiB.length * s.mmio64MiB.length;
  return s.guestType.length * s.toolstack.length * s.deviceModel.length * s.stubdomain.length * s.ramMiB.length * mmio * s.mmioHoleMiB.length * s.bios.length;
}

const CHOICES: Partial<Record<keyof Space, readonly (string | boolean)[]>> = {
  guestType: ['pv', 'hvm'],
  toolstack: ['libxl', 'xend', 'other'],
  deviceModel: ['qemu-xen', 'qemu-xen-traditional'],
  stubdomain: [false, true],
  bios: ['default', 'rombios', 'seabios', 'ovmf'],
};

/**
 * The range of each numeric dimension, in MiB. Every configuration the
 * matrix builds must be a bus hvmloader could be given: RAM from libxl's
 * 32 MiB default up to what keeps RAM below 16 TiB (as xl.cfg's memory);
 * 32-bit MMIO up to the 4 GiB those BARs can address; 64-bit MMIO up to
 * 512 GiB (32 BARs of 16 GiB on 11 functions, which leaves bus 0 room for
 * every emulated device); mmio_hole 0 (unset) or xl's 256-3840.
 */
// hvmloader's high_mem_pgend is a 32-bit page number (hvm_info_table.h,
// RELEASE-4.19.0): RAM must end below 16 TiB. With the largest mmio_hole
// (3840 MiB) above RAM's end, 8 GiB less than 16 TiB keeps every layout in range.
const MAX_RAM_MIB = (1 << 24) - 8192;

export const DIMENSION_RANGES: Record<'ramMiB' | 'mmio32MiB' | 'mmio64MiB' | 'mmioHoleMiB', { min: number; max: number; zero?: boolean; what: string }> = {
  ramMiB: { min: 32, max: MAX_RAM_MIB, what: 'MiB of guest RAM' },
  mmio32MiB: { min: 0, max: 4096, what: 'MiB of 32-bit BARs' },
  mmio64MiB: { min: 0, max: 512 * 1024, what: 'MiB of 64-bit BARs' },
  mmioHoleMiB: { min: 256, max: 3840, zero: true, what: 'MiB of mmio_hole (0 leaves it unset)' },
};

/** Functions one device set may pass through: bus 0 keeps room for the emulated devices. */
export const MAX_SET_FUNCTIONS = 20;

function numericValue(v: unknown, key: keyof typeof DIMENSION_RANGES, where: string): number {
  const r = DIMENSION_RANGES[key];
  const range = `${r.zero ? '0 or ' : ''}${r.min}-${r.max} ${r.what}`;
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^\d+$/.test(v.trim())) n = BigInt(v.trim());
  if (n === undefined) throw new InputError([{ path: where, message: `${quote(String(v))} is not a whole number; use ${range}` }]);
  if (!(r.zero && n === 0n) && (n < BigInt(r.min) || n > BigInt(r.max))) {
    throw new InputError([{ path: where, message: `${n} is out of range; use ${range}` }]);
  }
  return Number(n);
}

/**
 * Applies overrides (from YAML/JSON or flags) to the default space, checking
 * each value where it was given. Only the space's own dimension names are
 * taken (never inherited ones such as constructor or __proto__).
 */
export function makeSpace(overrides: Record<string, unknown> | Map<string, unknown>, source = 'space'): Space {
  const space: Space = { ...DEFAULT_SPACE };
  const entries = overrides instanceof Map ? [...overrides] : Object.entries(overrides);
  for (const [key, value] of entries) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_SPACE, key)) {
      throw new InputError([{ path: `${source} ${quote(key).slice(1, -1)}`, message: `unknown dimension; use ${Object.keys(DEFAULT_SPACE).join(', ')}` }]);
    }
    const dim = key as keyof Space;
    const where = `${source} ${dim}`;
    const list = Array.isArray(value) ? value : [value];
    if (dim === 'deviceSets') {
      space.deviceSets = list.map((set, i) => {
        const names = (Array.isArray(set) ? set : String(set).split(/[,+]/)).map((n) => String(n).trim()).filter(Boolean);
        if (names.length === 0) throw new InputError([{ path: `${where}[${i}]`, message: 'each device set names at least one device from scenarios/devices (or an lspci -vv file)' }]);
        let functions = 0;
        for (const n of names) functions += deviceFunctions(n, `${where} ${quote(n).slice(1, -1)}`).length;
        if (functions > MAX_SET_FUNCTIONS) {
          throw new InputError([{ path: `${where}[${i}]`, message: `passes through ${functions} functions; at most ${MAX_SET_FUNCTIONS} fit beside the emulated devices on bus 0 (32 slots)` }]);
        }
        return names;
      });
      continue;
    }
    if (list.length === 0) throw new InputError([{ path: where, message: 'needs at least one value' }]);
    const choices = CHOICES[dim];
    if (choices) {
      for (const v of list) {
        if (!choices.includes(v as string | boolean)) throw new InputError([{ path: where, message: `${quote(String(v))} is not allowed; use ${choices.join(', ')}` }]);
      }
      (space as unknown as Record<string, unknown>)[dim] = [...list];
    } else {
      (space as unknown as Record<string, unknown>)[dim] = list.map((v) => numericValue(v, dim as keyof typeof DIMENSION_RANGES, where));
    }
  }
  return space;
}

export function readSpaceFile(text: string, source: string): Space {
  const obj = readDocument(text, source);
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError([{ path: source, message: 'a space file maps dimension names to lists of values' }]);
  return makeSpace(obj as Record<string, unknown>, source);
}
