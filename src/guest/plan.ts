// planGuest(): a guest's configuration and its passed-through devices -> the
// bus hvmloader will see under each device model and Xen release, placed by
// the engine, with per-device outcomes and the findings that stop a start
// before it fails. Findings say what to change.

import { parseBus, withVersion, type Bus } from '../bus.js';
import type { BusInput, PlacedBar, PlacementResult } from '../contract.js';
import { InputError } from '../errors.js';
import { hex, humanSize } from '../hex.js';
import { place } from '../place.js';
import { computeFixes } from '../advisor/fixes.js';
import { addressWidth, mtrrExhaustion, sharedPages, superpageAlignment } from '../advisor/hazards.js';
import { DEVICE_MODELS, type DeviceModel, type GuestConfig } from './config.js';
import { emulatedFunctions, NIC_MODELS, type VirtualFunction } from './emulated.js';
import { platformParams, type PlatformParams, type Toolstack } from './libxl.js';
import type { HostFunction } from './lspci.js';
import { hvmloaderOf, parseRelease, type Release } from './releases.js';
import type { HostRmrr } from './rdm.js';
import { barName, isCritical, rdmFindings, relocationFix, tooEarly, traditionalStdVga, unmodelled, type Finding } from './checks.js';
import { hostBdf } from './bdf.js';

export type Outcome = 'mapped' | 'relocated' | 'dropped';
export type { Finding, Severity } from './checks.js';

export interface DeviceReport {
  slot: number;
  function: number;
  label: string;
  hostBdf?: string;
  passthrough: boolean;
  outcome: Outcome;
  relocatedBars: string[];
  droppedBars: string[];
}

export interface PlanCase {
  xen: string;
  deviceModel: DeviceModel;
  toolstack: Toolstack;
  available: boolean; // false when this release has no such device model
  hvmloader?: string;
  params?: { lowMemEnd: string; highMemEnd: string; allowMemoryRelocate: boolean | null; mmioHoleSize: string | null; videoramMiB: number; vga: string; reserved: { start: string; size: string }[] };
  bus?: BusInput;
  result?: PlacementResult;
  devices: DeviceReport[];
  findings: Finding[];
}

export interface GuestPlan {
  guest: string;
  cases: PlanCase[];
}

export interface PlanOptions {
  xen?: string[];
  deviceModels?: DeviceModel[];
  toolstack?: Toolstack;
  /** Physical address bits hvmloader reads from CPUID (default 46, a common server value). */
  physAddrBits?: number;
  /** The host's RMRRs (Intel VT-d reserved memory), for libxl's reserved device memory handling. */
  rmrrs?: HostRmrr[];
}

const DEFAULT_XEN = ['4.19'];

/** Host devices keyed by normalised BDF; a multi-function lspci output gives several. */
export function indexDevices(entries: { bdf: string; functions: HostFunction[] }[]): Map<string, HostFunction> {
  const map = new Map<string, HostFunction>();
  for (const e of entries) {
    const key = hostBdf(e.bdf, '--pci');
    const base = key.slice(0, -1);
    for (const f of e.functions) {
      // lspci's own address names the function; a lone function takes the given one
      let k = key;
      try {
        const own = hostBdf(f.bdf, '--pci');
        if (e.functions.length > 1 || own.slice(-1) !== key.slice(-1)) k = base + own.slice(-1);
      } catch {
        k = key;
      }
      map.set(k, f);
    }
  }
  return map;
}

function passthroughFunctions(cfg: GuestConfig, devices: Map<string, HostFunction>, firstSlot: number, used: Set<number>, igdSlot?: number): { functions: (VirtualFunction & { hostBdf: string })[]; missing: string[] } {
  const out: (VirtualFunction & { hostBdf: string })[] = [];
  const missing: string[] = [];
  let slot = firstSlot;
  for (const spec of cfg.pci) {
    const host = devices.get(spec.bdf);
    if (!host) {
      missing.push(spec.bdf);
      continue;
    }
    let target = spec.vslot;
    // QT@xen-4.8.0 hw/pass-through.c __insert_to_pci_devfn: the host IGD
    // (00:02.x) keeps its own slot; find_free_vslot skips that slot for others
    if (igdSlot !== undefined && /^0000:00:02\.\d$/.test(spec.bdf)) target = igdSlot;
    if (target === undefined) {
      while (used.has(slot) || slot === igdSlot) slot++;
      target = slot++;
    }
    used.add(target);
    out.push({
      slot: target,
      function: 0,
      vendorId: host.vendorId ?? 0x0000,
      deviceId: host.deviceId ?? 0x0000,
      classCode: host.classCode ?? 0x0000,
      interruptPin: host.interruptPin,
      bars: host.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size })),
      label: host.name ?? `passed-through ${spec.bdf}`,
      hostBdf: spec.bdf,
    });
  }
  return { functions: out, missing };
}

/** The RMRRs libxl puts in the guest's E820 below 4 GiB: what hvmloader keeps BARs out of. */
function reservedRanges(params: PlatformParams): { start: bigint; size: bigint }[] {
  const FOUR_GIB = 1n << 32n;
  return (params.rdm?.exposed ?? []).filter((e) => e.start + e.size <= FOUR_GIB).map((e) => ({ start: e.start, size: e.size }));
}

function toBusInput(version: string, params: PlatformParams, functions: VirtualFunction[], physAddrBits: number): BusInput {
  const reserved = reservedRanges(params);
  const bus: BusInput = {
    lowMemEnd: hex(params.lowMemEnd),
    highMemEnd: hex(params.highMemEnd),
    physAddrBits,
    ...(reserved.length ? { reserved: reserved.map((r) => ({ start: hex(r.start), size: hex(r.size) })) } : {}),
    devices: functions.map((f) => ({
      slot: f.slot,
      function: f.function,
      vendorId: hex(f.vendorId),
      deviceId: hex(f.deviceId),
      classCode: hex(f.classCode),
      interruptPin: f.interruptPin,
      bars: f.bars.map((b) => {
        const sizing = b.mask !== undefined ? { mask: hex(b.mask) } : { size: hex(b.size) };
        return b.type === 'rom' ? { type: 'rom' as const, ...sizing } : { index: b.index, type: b.type, ...(b.prefetchable ? { prefetchable: true } : {}), ...sizing };
      }),
    })),
  };
  void version;
  if (params.allowMemoryRelocate !== undefined) bus.allowMemoryRelocate = params.allowMemoryRelocate;
  if (params.mmioHoleSize !== undefined) bus.mmioHoleSize = hex(params.mmioHoleSize);
  return bus;
}

function outcomes(result: PlacementResult, functions: (VirtualFunction & { hostBdf?: string })[]): DeviceReport[] {
  return functions
    .filter((f) => f.bars.length > 0 || f.hostBdf)
    .map((f) => {
      const bars = result.bars.filter((b) => b.slot === f.slot && b.function === f.function && b.type !== 'io');
      const dropped = bars.filter((b) => b.placement === 'unplaced');
      const high = bars.filter((b) => b.placement === 'high');
      const ioDropped = result.bars.filter((b) => b.slot === f.slot && b.function === f.function && b.type === 'io' && b.placement === 'unplaced');
      const all = [...dropped, ...ioDropped];
      return {
        slot: f.slot,
        function: f.function,
        label: f.label,
        hostBdf: f.hostBdf,
        passthrough: f.hostBdf !== undefined,
        outcome: all.length ? 'dropped' : high.length ? 'relocated' : 'mapped',
        relocatedBars: high.map(barName),
        droppedBars: all.map(barName),
      } satisfies DeviceReport;
    });
}

function caseFor(cfg: GuestConfig, devices: Map<string, HostFunction>, release: Release, dm: DeviceModel, toolstack: Toolstack, physAddrBits: number, rmrrs: HostRmrr[]): PlanCase {
  const base: PlanCase = { xen: release.text, deviceModel: dm, toolstack, available: true, devices: [], findings: [] };
  const findings = base.findings;
  // 19ab8356ab (4.21) removed qemu-traditional
  if (dm === 'qemu-xen-traditional' && release.minor >= 21) {
    return { ...base, available: false, findings: [{ severity: 'fatal', code: 'dm-unavailable', message: `Xen ${release.text} has no qemu-xen-traditional (removed in 4.21)`, fix: 'use device_model_version = "qemu-xen"' }] };
  }
  if (dm === 'qemu-xen' && release.minor < 3 && toolstack !== 'libxl') {
    findings.push({ severity: 'note', code: 'dm-old', message: 'qemu-xen was a technology preview before Xen 4.3' });
  }
  if (toolstack === 'xend' && dm === 'qemu-xen') {
    return { ...base, available: false, findings: [{ severity: 'fatal', code: 'dm-unavailable', message: 'xend drives only qemu-xen-traditional' }] };
  }

  const params = platformParams(cfg, dm, release, toolstack, rmrrs);
  for (const r of params.refusals) findings.push({ severity: 'fatal', code: 'toolstack-refuses', message: r });
  for (const r of params.ignored) findings.push({ severity: 'warning', code: 'ignored-option', message: r });
  findings.push(...rdmFindings(cfg, params, devices, rmrrs, release));

  // populate-on-demand with passthrough (seeds/004): libxl refuses it from 4.4
  if (cfg.pci.length > 0 && cfg.maxmemMiB > cfg.memoryMiB) {
    const refused = toolstack === 'libxl' && release.minor >= 4;
    findings.push({
      severity: refused ? 'fatal' : 'error',
      code: 'pod-with-passthrough',
      message: refused
        ? `maxmem (${cfg.maxmemMiB}) above memory (${cfg.memoryMiB}) enables populate-on-demand, which libxl refuses with passthrough ("${release.minor >= 17 || (release.minor === 16 && release.patch >= 1) || (release.minor === 15 && release.patch >= 3) || (release.minor === 14 && release.patch >= 5) ? 'IOMMU required for device passthrough but not supported together with PoD' : 'PCI device assignment for HVM guest failed due to PoD enabled'}")`
        : `maxmem (${cfg.maxmemMiB}) above memory (${cfg.memoryMiB}) enables populate-on-demand: a device DMAing into a page not yet populated corrupts memory or crashes the guest`,
      fix: `set maxmem = ${cfg.memoryMiB} (or remove maxmem)`,
    });
  }

  const layout = emulatedFunctions(cfg, dm, release, params.vga, params.videoramMiB);
  for (const r of layout.usbctrl.refusals) findings.push({ severity: 'fatal', code: 'toolstack-refuses', ...r });
  for (const n of layout.usbctrl.notes) findings.push({ severity: 'note', code: 'usbctrl', message: n });
  if (layout.sound.refusal) findings.push({ severity: 'fatal', code: 'device-model-refuses', ...layout.sound.refusal });
  if (layout.sound.note) findings.push({ severity: 'note', code: 'not-modelled', message: layout.sound.note });
  for (const n of layout.unknownNics) findings.push({ severity: 'warning', code: 'unknown-nic', message: `${n}: not a model this catalog knows (${NIC_MODELS.join(', ')}); left out of the bus` });
  for (const n of unmodelled(cfg, dm)) findings.push({ severity: 'note', code: 'not-modelled', message: n });
  for (const n of tooEarly(cfg, dm, release)) findings.push({ severity: 'warning', code: 'ignored-option', message: n });
  const used = new Set(layout.functions.map((f) => f.slot));
  const pt = passthroughFunctions(cfg, devices, layout.nextSlot, used, layout.igdSlot);
  if (pt.missing.length) {
    throw new InputError(pt.missing.map((bdf) => ({ path: `pci ${bdf}`, message: `no description of this device; pass --pci ${bdf}=FILE with its \`lspci -vv -s ${bdf}\` output (as root), its sysfs resource file, or JSON BARs` })));
  }
  const functions: (VirtualFunction & { hostBdf?: string })[] = [...layout.functions, ...pt.functions];
  const profile = hvmloaderOf(release);
  const input = toBusInput(profile.hvmloader, params, functions, physAddrBits);
  let bus: Bus;
  try {
    bus = withVersion(parseBus({ ...input, hvmloader: profile.hvmloader }), profile);
  } catch (e) {
    if (e instanceof InputError) {
      return { ...base, findings: [...findings, { severity: 'fatal', code: 'hvmloader-stops', message: e.message }] };
    }
    throw e;
  }
  const result = place(bus);
  const devicesOut = outcomes(result, functions);

  // consequences (seeds/002)
  const moved = BigInt(result.ram.relocated);
  if (moved > 0n && dm === 'qemu-xen') {
    findings.push({
      severity: 'fatal',
      code: 'ram-relocated-qemu-xen',
      message: `hvmloader moves ${humanSize(moved)} of RAM above 4 GiB to grow the hole; qemu-xen cannot follow and crashes minutes after boot`,
      fix: relocationFix(cfg, release, toolstack),
    });
  } else if (moved > 0n) {
    findings.push({ severity: 'note', code: 'ram-relocated', message: `hvmloader moves ${humanSize(moved)} of RAM above 4 GiB to grow the hole (qemu-xen-traditional copes)` });
  }
  let holeFix: number | undefined;
  for (const d of devicesOut) {
    const fn = functions.find((f) => f.slot === d.slot && f.function === d.function);
    if (d.outcome === 'dropped') {
      holeFix ??= computeFixes(bus).smallestHole?.holeMiB;
      const critical = isCritical(fn);
      findings.push({
        severity: critical ? 'fatal' : 'error',
        code: critical ? 'critical-device-dropped' : 'device-dropped',
        message: `${d.label} (${d.slot.toString(16).padStart(2, '0')}:${d.function}${d.hostBdf ? `, host ${d.hostBdf}` : ''}) gets no space for ${d.droppedBars.join(', ')}: ${critical ? 'the guest will not boot' : 'it will be invisible to the guest'}`,
        fix: holeFix !== undefined ? `set mmio_hole = ${holeFix} (see mmio-planner explain)` : 'see mmio-planner explain for what fits',
      });
    } else if (d.outcome === 'relocated') {
      findings.push({
        severity: 'warning',
        code: 'device-relocated',
        message: `${d.label} (${d.slot.toString(16).padStart(2, '0')}:${d.function}) has ${d.relocatedBars.join(', ')} above 4 GiB: its driver must handle 64-bit BARs`,
      });
    }
  }
  findings.push(...traditionalStdVga(dm, params, layout.functions, result));
  // hazards a boot log does not show (mmio-planner explain has the details)
  const ptSlots = new Map(pt.functions.map((f) => [`${f.slot}:${f.function}`, f]));
  const isPt = (b: PlacedBar) => ptSlots.has(`${b.slot}:${b.function}`);
  for (const h of sharedPages(result, isPt)) findings.push({ severity: 'fatal', code: 'shared-page', message: h.message, fix: 'give the devices guest slots whose BARs do not share a page, or pass one of them through to another guest (see mmio-planner explain)' });
  for (const h of mtrrExhaustion(result, profile.hvmloader)) findings.push({ severity: 'warning', code: 'mtrr-exhausted', message: h.message, fix: 'use an mmio_hole that is a power of two (see mmio-planner explain)' });
  const hostAddress = (b: PlacedBar) => {
    const f = ptSlots.get(`${b.slot}:${b.function}`);
    const index = b.index === 'rom' ? 6 : b.index;
    return f ? devices.get(f.hostBdf)?.bars.find((x) => x.index === index)?.hostAddress : undefined;
  };
  for (const h of superpageAlignment(result, hostAddress)) findings.push({ severity: 'note', code: 'superpage-misaligned', message: h.message });
  for (const h of addressWidth(result)) {
    findings.push({ severity: 'warning', code: 'address-width', message: h.message, fix: 'keep the BAR below 2^44 with shadow paging or below 2^36 for 32-bit PAE guests (a smaller device, or less RAM above 4 GiB)' });
  }
  return {
    ...base,
    hvmloader: profile.label,
    params: {
      lowMemEnd: hex(params.lowMemEnd),
      highMemEnd: hex(params.highMemEnd),
      allowMemoryRelocate: params.allowMemoryRelocate ?? null,
      mmioHoleSize: params.mmioHoleSize !== undefined ? hex(params.mmioHoleSize) : null,
      videoramMiB: params.videoramMiB,
      vga: params.vga,
      reserved: reservedRanges(params).map((r) => ({ start: hex(r.start), size: hex(r.size) })),
    },
    bus: input,
    result,
    devices: devicesOut,
    findings,
  };
}

/**
 * Plans a guest: for each Xen release and device model, the bus hvmloader
 * will scan, where every BAR goes, and what that means.
 */
export function planGuest(config: GuestConfig, devices: Map<string, HostFunction>, options: PlanOptions = {}): GuestPlan {
  if (config.type !== 'hvm') {
    return {
      guest: config.source,
      cases: [{ xen: '-', deviceModel: 'qemu-xen', toolstack: options.toolstack ?? 'libxl', available: false, devices: [], findings: [{ severity: 'note', code: 'not-hvm', message: `a ${config.type.toUpperCase()} guest has no hvmloader and no emulated PCI bus: unaffected` }] }],
    };
  }
  const releases = (options.xen ?? DEFAULT_XEN).map((x) => parseRelease(x));
  const models = options.deviceModels ?? (config.deviceModel ? [config.deviceModel] : [...DEVICE_MODELS]);
  const cases: PlanCase[] = [];
  for (const r of releases) for (const dm of models) cases.push(caseFor(config, devices, r, dm, options.toolstack ?? 'libxl', options.physAddrBits ?? 46, options.rmrrs ?? []));
  return { guest: config.source, cases };
}
