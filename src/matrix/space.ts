// The configuration space of the risk matrix: named dimensions with values
// that cross the interesting boundaries (the 256 MiB default hole, the
// 3.75 GiB of RAM that fits below it, 2 GiB of MMIO, 512 MiB and 1 GiB BARs).
// A YAML or JSON file (or CLI flags) narrows or widens any dimension.

import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import type { DeviceModel } from '../guest/config.js';
import type { Bios } from '../guest/firmware.js';
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

/** Applies overrides (from YAML/JSON or flags) to the default space, checking each value. */
export function makeSpace(overrides: Record<string, unknown>, source = 'space'): Space {
  const space: Space = { ...DEFAULT_SPACE };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_SPACE)) {
      throw new InputError([{ path: `${source} ${key}`, message: `unknown dimension; use ${Object.keys(DEFAULT_SPACE).join(', ')}` }]);
    }
    const list = Array.isArray(value) ? value : [value];
    if (key === 'deviceSets') {
      const sets = list.map((set) => (Array.isArray(set) ? set : String(set).split(/[,+]/)).map((n) => String(n).trim()).filter(Boolean));
      if (sets.some((set) => set.length === 0)) throw new InputError([{ path: `${source} deviceSets`, message: 'each device set names at least one device from scenarios/devices' }]);
      space.deviceSets = sets;
      continue;
    }
    if (list.length === 0) throw new InputError([{ path: `${source} ${key}`, message: 'needs at least one value' }]);
    const choices = CHOICES[key as keyof Space];
    const norm = list.map((v) => (typeof v === 'bigint' ? Number(v) : v));
    for (const v of norm) {
      if (choices ? !choices.includes(v as string | boolean) : !(Number.isInteger(v) && (v as number) >= 0)) {
        throw new InputError([{ path: `${source} ${key}`, message: `${JSON.stringify(v)} is not allowed; use ${choices ? choices.join(', ') : 'whole numbers of MiB'}` }]);
      }
    }
    (space as unknown as Record<string, unknown>)[key] = norm;
  }
  return space;
}

export function readSpaceFile(text: string, source: string): Space {
  const doc = parseDocument(text, { intAsBigInt: true });
  if (doc.errors.length) throw new InputError(doc.errors.map((e) => ({ path: source, message: e.message.split('\n')[0] })));
  const obj = doc.toJS();
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError([{ path: source, message: 'a space file maps dimension names to lists of values' }]);
  return makeSpace(obj as Record<string, unknown>, source);
}
