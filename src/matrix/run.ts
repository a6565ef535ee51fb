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
import { MatrixAggregate } from './aggregate.js';

/** A side's outcome: the case outcome, or 'pv' (no hvmloader at all). */
export type Outcome = CaseOutcome | 'pv';
export type Verdict = 'regression' | 'still failing' | 'improvement' | 'changed, same outcome' | 'unaffected' | 'pv';
export { VERDICTS } from './aggregate.js';

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
  /** Every row, unless computeMatrix was asked not to keep them (a sweep that streams its rows). */
  rows: Row[];
  /** How many configurations were judged. */
  total: number;
  counts: Record<Verdict, number>;
  /** Configurations of the space left out because a version cannot run them, by reason. */
  skipped: Record<string, number>;
  /** What the reports need, gathered as the rows came. */
  aggregate: MatrixAggregate;
  seconds: number;
}

export interface MatrixOptions {
  onProgress?: (done: number, total: number) => void;
  maxConfigs?: number;
  /** Keep every row in `rows` (default true); off, each row goes only to onRow and the aggregate. */
  keepRows?: boolean;
  onRow?: (row: Row) => void;
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

// libxl's layout and keys for a kind of guest, its RAM and hole: a sweep asks
// for the same few hundred again and again
const paramsKept = new Map<string, ReturnType<typeof platformParams>>();
function guestParams(c: Config, target: Target, cfg: GuestConfig): ReturnType<typeof platformParams> {
  const key = `${target.label}|${c.deviceModel}|${c.toolstack}|${c.stubdomain}|${c.bios}|${c.ramMiB}|${c.mmioHoleMiB}`;
  let params = paramsKept.get(key);
  if (!params) {
    params = platformParams(cfg, c.deviceModel, target.release, c.toolstack);
    if (paramsKept.size >= PARTS_KEPT) paramsKept.clear();
    paramsKept.set(key, params);
  }
  return params;
}

interface Part {
  devices: Device[];
  functions: JudgedFunction[];
  labels: Map<string, string>;
}
const emulatedParts = new Map<string, Part & { nextSlot: number }>();
const passedParts = new Map<string, Part>();
const PARTS_KEPT = 4096; // a sweep's kinds of guest and MMIO splits; past that the caches start again

function emulatedPart(c: Config, target: Target, cfg: GuestConfig, params: ReturnType<typeof platformParams>): Part & { nextSlot: number } {
  const key = `${target.label}|${c.deviceModel}|${c.toolstack}|${c.stubdomain}|${c.bios}|${params.vga}|${params.videoramMiB}`;
  let part = emulatedParts.get(key);
  if (part) return part;
  const layout = emulatedFunctions(cfg, c.deviceModel, target.release, params.vga, params.videoramMiB);
  const devices: Device[] = layout.functions.map((f) => ({
    slot: f.slot, function: f.function, vendorId: f.vendorId, deviceId: f.deviceId, classCode: f.classCode, interruptPin: f.interruptPin,
    bars: f.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable ?? false, ...(b.mask !== undefined ? { mask: Number(b.mask) } : { size: b.size }) })),
  }));
  const labels = new Map(layout.functions.map((f) => [`${f.slot}:${f.function}`, f.label]));
  const functions = devices.filter((d) => d.bars.length > 0).map((d) => ({ slot: d.slot, function: d.function, label: labels.get(`${d.slot}:${d.function}`)!, passthrough: false, critical: isCritical(d) }));
  part = { devices, functions, labels, nextSlot: layout.nextSlot };
  if (emulatedParts.size >= PARTS_KEPT) emulatedParts.clear();
  emulatedParts.set(key, part);
  return part;
}

// passed-through MMIO: 32-bit BARs of up to 256 MiB, 64-bit ones of up to 16 GiB, a
// few per function; or a real device set from scenarios/devices
function passedPart(c: Config, firstSlot: number): Part {
  const key = `${firstSlot}|${c.deviceSet ?? `${c.mmio32MiB}/${c.mmio64MiB}`}`;
  let part = passedParts.get(key);
  if (part) return part;
  const devices: Device[] = [];
  const labels = new Map<string, string>();
  let slot = firstSlot;
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
  const functions = devices.map((d) => ({ slot: d.slot, function: d.function, label: labels.get(`${d.slot}:${d.function}`) ?? 'passed-through MMIO', passthrough: true, critical: isCritical(d) }));
  part = { devices, functions, labels };
  if (passedParts.size >= PARTS_KEPT) passedParts.clear();
  passedParts.set(key, part);
  return part;
}

// the same emulated and passed-through parts give the same device list: one array,
// so the bus check (trustedBus) sees a list it has checked before
const joinedParts = new Map<Part, Map<Part, Device[]>>();
function joined(a: Part, b: Part): Device[] {
  let byB = joinedParts.get(a);
  if (!byB) joinedParts.set(a, (byB = new Map()));
  let devices = byB.get(b);
  if (!devices) byB.set(b, (devices = [...a.devices, ...b.devices]));
  if (joinedParts.size >= PARTS_KEPT) joinedParts.clear();
  return devices;
}

/** The bus of one configuration under one version or release, with the functions the verdict reports on. */
export function configBus(c: Config, side: SideName): { bus: Bus; functions: JudgedFunction[]; firmware?: (result: PlacementResult) => Finding[] } | 'pv' | { unavailable: string } {
  if (c.guestType === 'pv') return 'pv';
  const target = asTarget(side, 'version');
  const gone = unavailable(c, target);
  if (gone) return { unavailable: gone };
  const release = target.release;
  const cfg = guestConfig(c);
  const params = guestParams(c, target, cfg);
  // the emulated functions and the passed-through ones do not depend on RAM or the
  // hole: built once per kind of guest and per MMIO split, and shared by the buses
  const emulated = emulatedPart(c, target, cfg, params);
  const passed = passedPart(c, emulated.nextSlot);
  const devices = joined(emulated, passed);
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
  const functions = [...emulated.functions, ...passed.functions];
  const labels = new Map([...emulated.labels, ...passed.labels]);
  const layout = { nextSlot: emulated.nextSlot };
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
  /** What "the same placement" compares: RAM moved, BARs high and dropped, the hole's start. */
  placement?: { relocated: bigint; high: number; unplaced: number; holeStart: number };
}

type Built = ReturnType<typeof configBus>;

const hasSubPage = (bus: Bus, f: JudgedFunction) =>
  bus.devices.some((d) => d.slot === f.slot && d.function === f.function && d.bars.some((b) => b.type !== 'io' && (b.size ?? 0n) < 0x1000n));

/**
 * The verdict judgePlacement() would give, read from the engine's summary
 * without decoding the result, where the summary settles it: RAM moved under
 * qemu-xen fails first; with no passed-through BAR under a page (so no shared
 * page), a dropped critical function fails, another dropped one degrades, BARs
 * above 4 GiB degrade, and nothing else changes the outcome. Anything else is
 * judged in full. test/matrix.test.ts checks the two agree.
 */
export function judgeFromSummary(s: PlacementSummary, c: Config, functions: JudgedFunction[], subPagePassthrough: boolean): { outcome: CaseOutcome; why: FindingCode | null } | undefined {
  if (s.relocatedBytes > 0n && c.deviceModel === 'qemu-xen') return { outcome: 'fails', why: 'ram-relocated-qemu-xen' };
  if (subPagePassthrough) return undefined;
  if (s.unplaced > 0) {
    const lost = new Set(s.unplacedDevfns);
    const dropped = functions.filter((f) => lost.has((f.slot << 3) | f.function));
    if (dropped.length === 0) return undefined;
    return dropped.some((f) => f.critical) ? { outcome: 'fails', why: 'critical-device-dropped' } : { outcome: 'degraded', why: 'device-dropped' };
  }
  return s.high > 0 ? { outcome: 'degraded', why: 'device-relocated' } : { outcome: 'works', why: null };
}

const samePlacement = (a: Placed, b: Placed) =>
  a.outcome === b.outcome &&
  (a.placement === b.placement ||
    (a.placement !== undefined && b.placement !== undefined && a.placement.relocated === b.placement.relocated && a.placement.high === b.placement.high && a.placement.unplaced === b.placement.unplaced && a.placement.holeStart === b.placement.holeStart));

function placeAll(list: Config[], built: (c: Config) => Built): Placed[] {
  const out: Placed[] = new Array(list.length);
  const buses: Bus[] = [];
  const where: { i: number; functions: JudgedFunction[]; firmware?: (result: PlacementResult) => Finding[] }[] = [];
  list.forEach((c, i) => {
    const b = built(c);
    if (b === 'pv') out[i] = { outcome: 'pv', why: null };
    else if ('unavailable' in b) throw new Error(`configuration not generated for this version: ${b.unavailable}`);
    else {
      where.push({ i, functions: b.functions, firmware: b.firmware });
      buses.push(b.bus);
    }
  });
  if (!buses.length) return out;
  const placed = placeMany(encode(buses));
  where.forEach(({ i, functions, firmware }, k) => {
    const c = list[i];
    const s = placed.summary(k);
    // an OVMF guest is judged in full, its firmware's findings with the placement's
    let judged = firmware ? undefined : judgeFromSummary(s, c, functions, functions.some((f) => f.passthrough && hasSubPage(buses[k], f)));
    if (!judged) {
      const result = placed.result(k);
      const j = judgePlacement(result, { deviceModel: c.deviceModel, functions, hvmloader: buses[k].hvmloader, outcomeOnly: true });
      const v = verdictOf(j.devices, [...j.findings, ...(firmware?.(result) ?? [])]);
      judged = { outcome: v.outcome, why: v.reasons[0] ?? null };
    }
    out[i] = { ...judged, placement: { relocated: s.relocatedBytes, high: s.high, unplaced: s.unplaced, holeStart: s.lowHoleStart } };
  });
  return out;
}

// configurations are generated, placed under both sides and judged a chunk at a
// time, so memory stays bounded by the chunk and the aggregate, not the space
const CHUNK = 4096;

/** Places every configuration under both versions and judges each pair. */
export function computeMatrix(space: Space, fromSide: SideName, toSide: SideName, options: MatrixOptions | MatrixOptions['onProgress'] = {}, maxConfigsArg?: number): Matrix {
  const o: MatrixOptions = typeof options === 'function' ? { onProgress: options } : options;
  const maxConfigs = maxConfigsArg ?? o.maxConfigs ?? LIMITS.matrixConfigs;
  const size = spaceSize(space);
  if (size > maxConfigs) {
    const dims = (Object.keys(space) as (keyof Space)[]).filter((k) => k !== 'mmio32MiB' && k !== 'mmio64MiB' && k !== 'deviceSets');
    const factors = [...dims.map((k) => `${space[k].length} ${k}`), space.deviceSets.length ? `${space.deviceSets.length} deviceSets` : `${space.mmio32MiB.length} mmio32MiB x ${space.mmio64MiB.length} mmio64MiB`];
    throw new InputError([{ path: '--max-configs', message: `the space has ${size.toLocaleString('en-US')} configurations (${factors.join(' x ')}), more than the ${maxConfigs.toLocaleString('en-US')} allowed; narrow it with --set or --space, or raise --max-configs` }]);
  }
  const t0 = performance.now();
  const from = asTarget(fromSide, '--from');
  const to = asTarget(toSide, '--to');
  const keep = o.keepRows ?? true;
  const rows: Row[] = [];
  const aggregate = new MatrixAggregate();
  // configurations a version cannot run (xend after 4.4, traditional from 4.21) are left out, counted by reason
  const skipped: Record<string, number> = {};
  let seen = 0;
  let chunk: Config[] = [];
  const judge = () => {
    const a = placeAll(chunk, (c) => configBus(c, from));
    const b = placeAll(chunk, (c) => configBus(c, to));
    chunk.forEach((c, i) => {
      const row: Row = { ...c, from: a[i].outcome, to: b[i].outcome, fromWhy: a[i].why, toWhy: b[i].why, verdict: verdict(a[i], b[i], samePlacement(a[i], b[i])) };
      aggregate.add(row);
      if (keep) rows.push(row);
      o.onRow?.(row);
    });
    chunk = [];
    o.onProgress?.(seen, size);
  };
  for (const c of configs(space)) {
    seen++;
    const gone = unavailable(c, from) ?? unavailable(c, to);
    if (gone) skipped[gone] = (skipped[gone] ?? 0) + 1;
    else chunk.push(c);
    if (chunk.length === CHUNK) judge();
  }
  judge();
  const title = !from.xen && !to.xen ? `hvmloader ${from.label} -> ${to.label}` : [from, to].map((t) => (t.xen ? `Xen ${t.label}` : `hvmloader ${t.label}`)).join(' -> ');
  return { from: from.label, to: to.label, title, rows, total: aggregate.total, counts: aggregate.counts, skipped, aggregate, seconds: (performance.now() - t0) / 1000 };
}

/** The smallest configuration showing each kind of regression (by RAM, then MMIO). */
export const smallestRegressions = (m: Matrix): Row[] => m.aggregate.regressions();
