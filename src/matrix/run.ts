// The risk matrix computed: every configuration of the space placed by the
// real engine under two versions, judged by the one verdict (src/verdict/)
// on each side, and a verdict for the pair: regression (the outcome got
// worse), improvement (better), still failing, changed with the same outcome,
// unaffected (the same placement). PV guests have no hvmloader and are
// counted apart; configurations a version cannot run are not generated.

import { DEFAULT_PHYS_ADDR_BITS, trustedBus, type Bus, type Device } from '../bus.js';
import { badness, type CaseOutcome, type Finding, type FindingCode } from '../verdict/findings.js';
import { isCritical } from '../verdict/functions.js';
import { judgePlacement, verdictOf, type JudgedFunction } from '../verdict/judge.js';
import { InputError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { deviceFunctions } from './devices.js';
import { encode, placeMany, type PlacementSummary } from '../place.js';
import type { GuestConfig } from '../guest/config.js';
import { emulatedFunctions } from '../guest/emulated.js';
import { biosRefusal, firmwareFindings, guestFirmware } from '../guest/firmware.js';
import type { PlacementResult } from '../contract.js';
import { libxlRefusesStubdomain, platformParams } from '../guest/libxl.js';
import { carries, parseTarget, sinceSeries, type Target } from '../guest/releases.js';
import type { VersionName } from '../versions.js';
import { spaceSize, type Space } from './space.js';

/** A side's outcome: the case outcome, or 'pv' (no hvmloader at all). */
export type Outcome = CaseOutcome | 'pv';
export type Verdict = 'regression' | 'still failing' | 'improvement' | 'changed, same outcome' | 'unaffected' | 'pv';
export const VERDICTS: readonly Verdict[] = ['regression', 'still failing', 'improvement', 'changed, same outcome', 'unaffected', 'pv'];

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
  /** The guest's bios key ("default": unset, libxl picks per device model). */
  bios: Space['bios'][number];
}

export interface Row extends Config {
  from: Outcome;
  to: Outcome;
  /** The worst finding code behind each side's outcome, if it is not 'works'. */
  fromWhy: FindingCode | null;
  toWhy: FindingCode | null;
  verdict: Verdict;
}

export interface Matrix {
  /** Each side as named: a version (4.3-rc) or a Xen release (4.17.4). */
  from: string;
  to: string;
  /** The pair for headings: "hvmloader 4.3-rc -> 4.3", "Xen 4.17.3 -> Xen 4.17.4". */
  title: string;
  rows: Row[];
  counts: Record<Verdict, number>;
  /** Configurations of the space left out because a version cannot run them, by reason. */
  skipped: Record<string, number>;
  seconds: number;
}

// Each side is a target (src/guest/releases.ts): a version name brings its .0
// release's libxl and device model (4.3-rc: the 4.3 tree before c74c1f906a,
// whose libxl wrote no allow-memory-relocate); a release brings its own
// libxl keys and layout, QEMU devices and hvmloader build, backports included.
type SideName = VersionName | Target | string;
const asTarget = (side: SideName, where: string): Target => (typeof side === 'string' ? parseTarget(side, where) : side);

const MiB = 1n << 20n;

/** MiB of 32-bit-only and 64-bit memory BARs (ROMs count as 32-bit) of a device set. */
function setMmio(names: string[]): [number, number] {
  let m32 = 0n;
  let m64 = 0n;
  for (const n of names) for (const f of deviceFunctions(n)) for (const b of f.bars) {
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
              for (const mmioHoleMiB of s.mmioHoleMiB)
                for (const bios of s.bios) {
                  const c: Config = { guestType, toolstack, deviceModel, stubdomain, ramMiB, mmio32MiB, mmio64MiB, mmioHoleMiB, bios };
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
    mmioHoleMiB: c.mmioHoleMiB || undefined, bios: c.bios === 'default' ? undefined : c.bios, hap: true, pci: [], vifs: [], disks: [], usb: false, usbdevice: [], usbctrl: [], xenPlatformPci: true, spiceVdagent: false, gfxPassthru: false, otherKeys: [],
  };
}

/** Why a version or release cannot run this configuration at all, if it cannot. */
export function unavailable(c: Config, side: SideName): string | undefined {
  if (c.guestType === 'pv') return undefined;
  const release = asTarget(side, 'version').release;
  if (c.toolstack === 'xend' && c.deviceModel === 'qemu-xen') return 'xend drives only qemu-xen-traditional';
  if (c.toolstack === 'xend' && carries(release, 'no-xend')) return `xend is gone from Xen ${sinceSeries('no-xend')}`;
  if (c.deviceModel === 'qemu-xen-traditional' && carries(release, 'no-qemu-traditional')) return `qemu-xen-traditional is gone from Xen ${sinceSeries('no-qemu-traditional')}`;
  if (c.toolstack === 'libxl' && libxlRefusesStubdomain(c.deviceModel, c.stubdomain, release)) return `libxl runs qemu-xen in a stub domain only from Xen ${sinceSeries('qemu-xen-stubdomain')}`;
  if (c.bios !== 'default' && biosRefusal(c.bios, c.deviceModel, c.toolstack)) return `libxl refuses bios = "${c.bios}" with ${c.deviceModel}`;
  return undefined;
}

/** The bus of one configuration under one version or release, with the functions the verdict reports on. */
export function configBus(c: Config, side: SideName): { bus: Bus; functions: JudgedFunction[]; firmware?: (result: PlacementResult) => Finding[] } | 'pv' | { unavailable: string } {
  if (c.guestType === 'pv') return 'pv';
  const target = asTarget(side, 'version');
  const gone = unavailable(c, target);
  if (gone) return { unavailable: gone };
  const release = target.release;
  const cfg = guestConfig(c);
  const params = platformParams(cfg, c.deviceModel, release, c.toolstack);
  const layout = emulatedFunctions(cfg, c.deviceModel, release, params.vga, params.videoramMiB);
  const devices: Device[] = layout.functions.map((f) => ({
    slot: f.slot, function: f.function, vendorId: f.vendorId, deviceId: f.deviceId, classCode: f.classCode, interruptPin: f.interruptPin,
    bars: f.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable ?? false, ...(b.mask !== undefined ? { mask: Number(b.mask) } : { size: b.size }) })),
  }));
  const labels = new Map(layout.functions.map((f) => [`${f.slot}:${f.function}`, f.label]));
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
      for (const f of deviceFunctions(name)) {
        labels.set(`${slot}:0`, f.name ?? name);
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
    hvmloader: target.profile.hvmloader,
    lowMemEnd: params.lowMemEnd,
    highMemEnd: params.highMemEnd,
    physAddrBits: DEFAULT_PHYS_ADDR_BITS,
    reserved: [],
    devices,
  };
  if (params.allowMemoryRelocate !== undefined) bus.allowMemoryRelocate = params.allowMemoryRelocate;
  if (params.mmioHoleSize !== undefined) bus.mmioHoleSize = params.mmioHoleSize;
  if (target.xen) bus.profile = target.profile;
  const functions: JudgedFunction[] = devices
    .filter((d) => d.bars.length > 0 || d.slot >= layout.nextSlot)
    .map((d) => ({ slot: d.slot, function: d.function, label: labels.get(`${d.slot}:${d.function}`) ?? 'passed-through MMIO', passthrough: d.slot >= layout.nextSlot, critical: isCritical(d) }));
  // the firmware's own findings (src/guest/firmware.ts): only a guest asking for OVMF
  // can get a firmware that does more than keep hvmloader's placement
  const fw = cfg.bios === 'ovmf' ? guestFirmware(cfg.bios, c.deviceModel, c.toolstack, release) : undefined;
  if (fw?.bios !== 'ovmf') return { bus: trustedBus(bus), functions };
  const fwFunctions = devices.map((d) => ({ ...d, label: labels.get(`${d.slot}:${d.function}`) ?? 'passed-through MMIO', hostBdf: d.slot >= layout.nextSlot ? 'passed through' : undefined }));
  const firmware = (result: PlacementResult) =>
    firmwareFindings({ release, deviceModel: c.deviceModel, toolstack: c.toolstack, firmware: fw, highMemEnd: params.highMemEnd, physAddrBits: bus.physAddrBits, functions: fwFunctions, vga: params.vga }, result);
  return { bus: trustedBus(bus), functions, firmware };
}

/** One side of a pair: its outcome and the worst finding behind it. */
export type Side = { outcome: Outcome; why: FindingCode | null };

export function verdict(from: Side, to: Side, samePlacement: boolean): Verdict {
  if (from.outcome === 'pv' || to.outcome === 'pv') return 'pv';
  const a = badness(from.outcome, from.why);
  const b = badness(to.outcome, to.why);
  if (b > a) return 'regression';
  if (b < a) return 'improvement';
  if (from.outcome === 'fails') return 'still failing';
  return samePlacement ? 'unaffected' : 'changed, same outcome';
}

interface Placed {
  outcome: Outcome;
  why: FindingCode | null;
  fingerprint: string;
}

type Built = ReturnType<typeof configBus>;

const hasSubPage = (bus: Bus, f: JudgedFunction) =>
  bus.devices.some((d) => d.slot === f.slot && d.function === f.function && d.bars.some((b) => b.type !== 'io' && (b.size ?? 0n) < 0x1000n));

/**
 * The verdict judgePlacement() would give, read from the engine's summary
 * without decoding the result, where the summary settles it: nothing dropped
 * and no passed-through BAR under a page (so no shared page) leaves RAM moved
 * under qemu-xen (fails), BARs above 4 GiB (degraded) or nothing (works).
 * Anything else is judged in full. test/matrix.test.ts checks the two agree.
 */
export function judgeFromSummary(s: PlacementSummary, c: Config, passthrough: { subPage: boolean }[]): { outcome: CaseOutcome; why: FindingCode | null } | undefined {
  if (s.unplaced > 0) return undefined;
  if (s.relocatedBytes > 0n && c.deviceModel === 'qemu-xen') return { outcome: 'fails', why: 'ram-relocated-qemu-xen' };
  if (passthrough.some((f) => f.subPage)) return undefined;
  return s.high > 0 ? { outcome: 'degraded', why: 'device-relocated' } : { outcome: 'works', why: null };
}

function placeAll(list: Config[], built: (c: Config) => Built, onProgress?: (n: number) => void): Placed[] {
  const out: Placed[] = new Array(list.length);
  const BATCH = 4096;
  for (let start = 0; start < list.length; start += BATCH) {
    const slice = list.slice(start, start + BATCH);
    const buses: Bus[] = [];
    const where: { i: number; functions: JudgedFunction[]; firmware?: (result: PlacementResult) => Finding[] }[] = [];
    slice.forEach((c, i) => {
      const b = built(c);
      if (b === 'pv') out[start + i] = { outcome: 'pv', why: null, fingerprint: 'pv' };
      else if ('unavailable' in b) throw new Error(`configuration not generated for this version: ${b.unavailable}`);
      else {
        where.push({ i, functions: b.functions, firmware: b.firmware });
        buses.push(b.bus);
      }
    });
    if (buses.length) {
      const placed = placeMany(encode(buses));
      where.forEach(({ i, functions, firmware }, k) => {
        const c = slice[i];
        const s = placed.summary(k);
        // an OVMF guest is judged in full, its firmware's findings with the placement's
        let judged = firmware ? undefined : judgeFromSummary(s, c, functions.filter((f) => f.passthrough).map((f) => ({ subPage: hasSubPage(buses[k], f) })));
        if (!judged) {
          const result = placed.result(k);
          const j = judgePlacement(result, { deviceModel: c.deviceModel, functions, hvmloader: buses[k].hvmloader });
          const v = verdictOf(j.devices, [...j.findings, ...(firmware?.(result) ?? [])]);
          judged = { outcome: v.outcome, why: v.reasons[0] ?? null };
        }
        out[start + i] = { ...judged, fingerprint: `${judged.outcome}/${s.relocatedBytes}/${s.high}/${s.unplaced}/${s.lowHoleStart}` };
      });
    }
    onProgress?.(Math.min(start + BATCH, list.length));
  }
  return out;
}

/**
 * Places every configuration under both sides (versions or releases) and judges each pair.
 * A space of more than `maxConfigs` configurations is refused before any is
 * built (each costs memory for its row and two placements).
 */
export function computeMatrix(space: Space, fromSide: SideName, toSide: SideName, onProgress?: (done: number, total: number) => void, maxConfigs: number = LIMITS.matrixConfigs): Matrix {
  const size = spaceSize(space);
  if (size > maxConfigs) {
    const dims = (Object.keys(space) as (keyof Space)[]).filter((k) => k !== 'mmio32MiB' && k !== 'mmio64MiB' && k !== 'deviceSets');
    const factors = [...dims.map((k) => `${space[k].length} ${k}`), space.deviceSets.length ? `${space.deviceSets.length} deviceSets` : `${space.mmio32MiB.length} mmio32MiB x ${space.mmio64MiB.length} mmio64MiB`];
    throw new InputError([{ path: '--max-configs', message: `the space has ${size.toLocaleString('en-US')} configurations (${factors.join(' x ')}), more than the ${maxConfigs.toLocaleString('en-US')} allowed; narrow it with --set or --space, or raise --max-configs` }]);
  }
  const t0 = performance.now();
  const from = asTarget(fromSide, '--from');
  const to = asTarget(toSide, '--to');
  // configurations a version cannot run (xend after 4.4, traditional from 4.21) are left out, counted by reason
  const skipped: Record<string, number> = {};
  const list: Config[] = [];
  for (const c of configs(space)) {
    const gone = unavailable(c, from) ?? unavailable(c, to);
    if (gone) skipped[gone] = (skipped[gone] ?? 0) + 1;
    else list.push(c);
  }
  const total = list.length * 2;
  const a = placeAll(list, (c) => configBus(c, from), (n) => onProgress?.(n, total));
  const b = placeAll(list, (c) => configBus(c, to), (n) => onProgress?.(list.length + n, total));
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const rows: Row[] = list.map((c, i) => {
    const v = verdict(a[i], b[i], a[i].fingerprint === b[i].fingerprint);
    counts[v]++;
    return { ...c, from: a[i].outcome, to: b[i].outcome, fromWhy: a[i].why, toWhy: b[i].why, verdict: v };
  });
  const title = !from.xen && !to.xen ? `hvmloader ${from.label} -> ${to.label}` : [from, to].map((t) => (t.xen ? `Xen ${t.label}` : `hvmloader ${t.label}`)).join(' -> ');
  return { from: from.label, to: to.label, title, rows, counts, skipped, seconds: (performance.now() - t0) / 1000 };
}

/** The smallest configuration showing each kind of regression (by RAM, then MMIO). */
export function smallestRegressions(m: Matrix): Row[] {
  const byKind = new Map<string, Row>();
  const size = (r: Row) => r.ramMiB * 1e6 + r.mmio32MiB + r.mmio64MiB;
  for (const r of m.rows) {
    if (r.verdict !== 'regression') continue;
    const key = `${r.toolstack}/${r.deviceModel}/${r.stubdomain}/${r.bios}/${r.from}:${r.fromWhy}->${r.to}:${r.toWhy}`;
    const best = byKind.get(key);
    if (!best || size(r) < size(best)) byKind.set(key, r);
  }
  return [...byKind.values()];
}
