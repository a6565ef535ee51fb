// The risk matrix computed: every configuration of the space placed by the
// real engine under two versions, an outcome for each, and a verdict for the
// pair in the 4.3 cover letter's terms.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { trustedBus, type Bus, type Device } from '../bus.js';
import { InputError } from '../errors.js';
import { parseLspci, type HostFunction } from '../guest/lspci.js';
import { encode, placeMany } from '../place.js';
import type { GuestConfig } from '../guest/config.js';
import { emulatedFunctions } from '../guest/emulated.js';
import { platformParams } from '../guest/libxl.js';
import type { Release } from '../guest/releases.js';
import { VERSIONS, type VersionName } from '../versions.js';
import type { Space } from './space.js';

export type Outcome = 'pv' | 'unavailable' | 'mapped' | 'relocated' | 'dropped' | 'dropped-critical' | 'crash';
export type Verdict = 'unaffected' | 'improvement' | 'no worse' | 'regression' | 'still failing';
export const VERDICTS: readonly Verdict[] = ['regression', 'still failing', 'improvement', 'no worse', 'unaffected'];

export interface Config {
  /** The real devices passed through, when the space sweeps device sets. */
  deviceSet?: string;
  guestType: 'pv' | 'hvm';
  toolstack: Space['toolstack'][number];
  deviceModel: Space['deviceModel'][number];
  stubdomain: boolean;
  ramMiB: number;
  mmio32MiB: number;
  mmio64MiB: number;
  mmioHoleMiB: number;
}

export interface Row extends Config {
  from: Outcome;
  to: Outcome;
  verdict: Verdict;
}

export interface Matrix {
  from: VersionName;
  to: VersionName;
  rows: Row[];
  counts: Record<Verdict, number>;
  seconds: number;
}

// The toolstack side of each modelled version: which libxl it shipped with.
// 4.3-rc predates c74c1f906a, so its libxl wrote no allow-memory-relocate.
const LIBXL_OF: Record<VersionName, Release> = {
  '4.2': { major: 4, minor: 2, patch: 0, text: '4.2.0' },
  '4.3-rc': { major: 4, minor: 2, patch: 0, text: '4.3.0-rc5' },
  '4.3': { major: 4, minor: 3, patch: 0, text: '4.3.0' },
  '4.5': { major: 4, minor: 5, patch: 0, text: '4.5.0' },
  '4.6': { major: 4, minor: 6, patch: 0, text: '4.6.0' },
  '4.19': { major: 4, minor: 19, patch: 0, text: '4.19.0' },
  '4.21': { major: 4, minor: 21, patch: 0, text: '4.21.0' },
};

const MiB = 1n << 20n;

// Device descriptions from scenarios/devices, read once per process.
const deviceCache = new Map<string, HostFunction[]>();
function scenarioDevice(name: string): HostFunction[] {
  let fns = deviceCache.get(name);
  if (!fns) {
    const file = join(packageRoot(), 'scenarios', 'devices', `${name}.lspci`);
    if (!existsSync(file)) {
      const known = readdirSync(dirname(file)).filter((f) => f.endsWith('.lspci')).map((f) => f.replace(/\.lspci$/, ''));
      throw new InputError([{ path: `deviceSets ${name}`, message: `no such device in scenarios/devices; use one of ${known.join(', ')}` }]);
    }
    fns = parseLspci(readFileSync(file, 'utf8'), file);
    deviceCache.set(name, fns);
  }
  return fns;
}

/** MiB of 32-bit-only and 64-bit memory BARs (ROMs count as 32-bit) of a device set. */
function setMmio(names: string[]): [number, number] {
  let m32 = 0n;
  let m64 = 0n;
  for (const n of names) for (const f of scenarioDevice(n)) for (const b of f.bars) {
    if (b.type === 'mem64') m64 += b.size;
    else if (b.type !== 'io') m32 += b.size;
  }
  return [Number(m32 >> 20n), Number(m64 >> 20n)];
}

export function* configs(s: Space): Generator<Config> {
  const mmio: [number, number, string | undefined][] = s.deviceSets.length
    ? s.deviceSets.map((set) => [...setMmio(set), set.join('+')])
    : s.mmio32MiB.flatMap((a) => s.mmio64MiB.map((b) => [a, b, undefined] as [number, number, undefined]));
  for (const guestType of s.guestType)
    for (const toolstack of s.toolstack)
      for (const deviceModel of s.deviceModel)
        for (const stubdomain of s.stubdomain)
          for (const ramMiB of s.ramMiB)
            for (const [mmio32MiB, mmio64MiB, deviceSet] of mmio)
              for (const mmioHoleMiB of s.mmioHoleMiB) {
                const c: Config = { guestType, toolstack, deviceModel, stubdomain, ramMiB, mmio32MiB, mmio64MiB, mmioHoleMiB };
                if (deviceSet) c.deviceSet = deviceSet;
                yield c;
              }
}

/** Power-of-two pieces of `mib` MiB, largest first, none above `maxMiB`. */
function pieces(mib: number, maxMiB: number): bigint[] {
  const out: bigint[] = [];
  let left = BigInt(mib) * MiB;
  const cap = BigInt(maxMiB) * MiB;
  while (left > 0n) {
    let p = cap;
    while (p > left) p >>= 1n;
    out.push(p);
    left -= p;
  }
  return out;
}

function guestConfig(c: Config): GuestConfig {
  return {
    source: 'matrix', type: 'hvm', memoryMiB: c.ramMiB, maxmemMiB: c.ramMiB, deviceModel: c.deviceModel, stubdomain: c.stubdomain,
    mmioHoleMiB: c.mmioHoleMiB || undefined, hap: true, pci: [], vifs: [], disks: [], usb: false, usbdevice: [], usbctrl: [], xenPlatformPci: true, spiceVdagent: false, gfxPassthru: false, otherKeys: [],
  };
}

/** The bus of one configuration under one version, and the first passed-through slot. */
export function configBus(c: Config, version: VersionName): { bus: Bus; firstPassthrough: number } | Outcome {
  if (c.guestType === 'pv') return 'pv';
  if (c.toolstack === 'xend' && c.deviceModel === 'qemu-xen') return 'unavailable'; // xend drives only qemu-traditional
  if (c.deviceModel === 'qemu-xen-traditional' && version === '4.21') return 'unavailable'; // removed in 4.21
  const cfg = guestConfig(c);
  const params = platformParams(cfg, c.deviceModel, LIBXL_OF[version], c.toolstack);
  const layout = emulatedFunctions(cfg, c.deviceModel, LIBXL_OF[version], params.vga, params.videoramMiB);
  const devices: Device[] = layout.functions.map((f) => ({
    slot: f.slot, function: f.function, vendorId: f.vendorId, deviceId: f.deviceId, classCode: f.classCode, interruptPin: f.interruptPin,
    bars: f.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable ?? false, ...(b.mask !== undefined ? { mask: Number(b.mask) } : { size: b.size }) })),
  }));
  // passed-through MMIO: 32-bit BARs of up to 256 MiB, 64-bit ones of up to 16 GiB, a few per function
  let slot = layout.nextSlot;
  const add = (sizes: bigint[], type: 'mem32' | 'mem64', perDevice: number) => {
    for (let i = 0; i < sizes.length; i += perDevice) {
      const chunk = sizes.slice(i, i + perDevice);
      devices.push({
        slot: slot++, function: 0, vendorId: 0x10de, deviceId: 0x1000 + slot, classCode: 0x0302, interruptPin: 1,
        bars: chunk.map((size, k) => ({ index: type === 'mem64' ? k * 2 : k, type, prefetchable: type === 'mem64', size })),
      });
    }
  };
  if (c.deviceSet) {
    for (const name of c.deviceSet.split('+')) {
      for (const f of scenarioDevice(name)) {
        devices.push({
          slot: slot++, function: 0, vendorId: f.vendorId ?? 0, deviceId: f.deviceId ?? 0, classCode: f.classCode ?? 0, interruptPin: f.interruptPin,
          bars: f.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size })),
        });
      }
    }
  } else {
    add(pieces(c.mmio32MiB, 256), 'mem32', 6);
    add(pieces(c.mmio64MiB, 16384), 'mem64', 3);
  }
  const bus: Bus = {
    hvmloader: version,
    lowMemEnd: params.lowMemEnd,
    highMemEnd: params.highMemEnd,
    physAddrBits: 46,
    reserved: [],
    devices,
  };
  if (params.allowMemoryRelocate !== undefined) bus.allowMemoryRelocate = params.allowMemoryRelocate;
  if (params.mmioHoleSize !== undefined) bus.mmioHoleSize = params.mmioHoleSize;
  return { bus: trustedBus(bus), firstPassthrough: layout.nextSlot };
}

const RANK: Record<Outcome, number> = { pv: -1, unavailable: 5, mapped: 0, relocated: 1, dropped: 2, 'dropped-critical': 3, crash: 4 };
const works = (o: Outcome) => o === 'mapped' || o === 'relocated';

export function verdict(from: Outcome, to: Outcome, samePlacement: boolean): Verdict {
  if (from === 'pv' || (from === to && (samePlacement || from === 'unavailable'))) return 'unaffected';
  if (works(from) && works(to)) return RANK[to] < RANK[from] ? 'improvement' : 'no worse';
  if (works(from)) return 'regression';
  if (works(to)) return 'improvement';
  return RANK[to] < RANK[from] ? 'improvement' : 'still failing';
}

interface Placed {
  outcome: Outcome;
  fingerprint: string;
}

function placeAll(list: Config[], version: VersionName, onProgress?: (n: number) => void): Placed[] {
  const out: Placed[] = new Array(list.length);
  const BATCH = 4096;
  for (let start = 0; start < list.length; start += BATCH) {
    const slice = list.slice(start, start + BATCH);
    const built = slice.map((c) => configBus(c, version));
    const buses: Bus[] = [];
    const where: number[] = [];
    built.forEach((b, i) => {
      if (typeof b === 'string') out[start + i] = { outcome: b, fingerprint: b };
      else {
        where.push(i);
        buses.push(b.bus);
      }
    });
    if (buses.length) {
      const placed = placeMany(encode(buses));
      where.forEach((i, k) => {
        const c = slice[i];
        const b = built[i] as { firstPassthrough: number };
        const s = placed.summary(k);
        let outcome: Outcome = s.high > 0 ? 'relocated' : 'mapped';
        if (s.unplaced > 0) {
          const critical = placed.result(k).bars.some((bar) => bar.placement === 'unplaced' && bar.slot < b.firstPassthrough);
          outcome = critical ? 'dropped-critical' : 'dropped';
        }
        if (s.relocatedBytes > 0n && c.deviceModel === 'qemu-xen') outcome = 'crash';
        out[start + i] = { outcome, fingerprint: `${outcome}/${s.relocatedBytes}/${s.high}/${s.unplaced}/${s.lowHoleStart}` };
      });
    }
    onProgress?.(Math.min(start + BATCH, list.length));
  }
  return out;
}

/** Places every configuration under both versions and judges each pair. */
export function computeMatrix(space: Space, from: VersionName, to: VersionName, onProgress?: (done: number, total: number) => void): Matrix {
  const t0 = performance.now();
  const list = [...configs(space)];
  const total = list.length * 2;
  const a = placeAll(list, from, (n) => onProgress?.(n, total));
  const b = placeAll(list, to, (n) => onProgress?.(list.length + n, total));
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const rows: Row[] = list.map((c, i) => {
    const v = verdict(a[i].outcome, b[i].outcome, a[i].fingerprint === b[i].fingerprint);
    counts[v]++;
    return { ...c, from: a[i].outcome, to: b[i].outcome, verdict: v };
  });
  void VERSIONS;
  return { from, to, rows, counts, seconds: (performance.now() - t0) / 1000 };
}

/** The smallest configuration showing each kind of regression (by RAM, then MMIO). */
export function smallestRegressions(m: Matrix): Row[] {
  const byKind = new Map<string, Row>();
  const size = (r: Row) => r.ramMiB * 1e6 + r.mmio32MiB + r.mmio64MiB;
  for (const r of m.rows) {
    if (r.verdict !== 'regression') continue;
    const key = `${r.toolstack}/${r.deviceModel}/${r.stubdomain}/${r.from}->${r.to}`;
    const best = byKind.get(key);
    if (!best || size(r) < size(best)) byKind.set(key, r);
  }
  return [...byKind.values()];
}
