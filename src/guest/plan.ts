// planGuest(): a guest's configuration and its passed-through devices -> the
// bus hvmloader will see under each device model and Xen release, placed by
// the engine and judged (src/verdict/): per-device outcomes, the case
// outcome (works / degraded / fails) and findings that say what to change.
// Each case is built in named steps: availability -> layout -> bus -> place
// -> judge -> fixes.

import { DEFAULT_PHYS_ADDR_BITS, parseBus, type Bus } from '../bus.js';
import type { BusInput, PlacedBar, PlacementResult } from '../contract.js';
import { InputError, type InputIssue } from '../errors.js';
import { hex } from '../hex.js';
import { place } from '../place.js';
import { finding, worse, type CaseOutcome, type Finding, type FindingCode } from '../verdict/findings.js';
import { isCritical } from '../verdict/functions.js';
import { judgePlacement, verdictOf, type DeviceVerdict, type JudgedFunction } from '../verdict/judge.js';
import { checkGuestConfig, DEVICE_MODELS, type DeviceModel, type GuestConfig } from './config.js';
import { emulatedFunctions, NIC_MODELS, type VirtualFunction } from './emulated.js';
import { guestFixes, type CaseFix } from './fixes.js';
import { budget, type BudgetCase } from '../budget/budget.js';
import { platformParams, type PlatformParams, type Toolstack } from './libxl.js';
import type { HostFunction } from './lspci.js';
import { carries, hvmloaderOf, parseRelease, sinceSeries, type Release } from './releases.js';
import type { HostRmrr } from './rdm.js';
import { rdmFindings, relocationFix, tooEarly, traditionalStdVga, unmodelled } from './checks.js';
import { hostBdf, parseHostBdf } from './bdf.js';
import { quote } from '../limits.js';
import { firmwareFindings, guestFirmware, type GuestFirmware, type OvmfOrigin } from './firmware.js';

export type { Finding, Severity, FindingCode, CaseOutcome } from '../verdict/findings.js';
export type { DeviceVerdict as DeviceReport, DeviceOutcome as Outcome } from '../verdict/judge.js';
export type { CaseFix } from './fixes.js';

export interface PlanCase {
  xen: string;
  deviceModel: DeviceModel;
  toolstack: Toolstack;
  available: boolean; // false when this release has no such device model
  hvmloader?: string;
  /** The case's outcome on one scale, and the finding codes behind it. */
  outcome: CaseOutcome;
  reasons: FindingCode[];
  params?: { lowMemEnd: string; highMemEnd: string; allowMemoryRelocate: boolean | null; mmioHoleSize: string | null; videoramMiB: number; vga: string; reserved: { start: string; size: string }[] };
  bus?: BusInput;
  result?: PlacementResult;
  devices: DeviceVerdict[];
  findings: Finding[];
  /** Changes checked by planning the guest again with each applied; the best first. */
  fixes: CaseFix[];
  /** What building the guest asks of Xen and the host (src/budget/); its findings are among this case's. */
  memory?: BudgetCase;
  /** The firmware hvmloader hands over to, and where each choice came from. */
  firmware?: GuestFirmware;
}

export interface GuestPlan {
  guest: string;
  /** The worst case outcome of the plan. */
  outcome: CaseOutcome;
  cases: PlanCase[];
}

export interface PlanOptions {
  xen?: string[];
  deviceModels?: DeviceModel[];
  toolstack?: Toolstack;
  /** The guest's physical address width as hvmloader reads it from CPUID: the host CPU's (`address sizes` in /proc/cpuinfo). Default DEFAULT_PHYS_ADDR_BITS (36), hvmloader's own. */
  physAddrBits?: number;
  /** The host's RMRRs (Intel VT-d reserved memory), for libxl's reserved device memory handling. */
  rmrrs?: HostRmrr[];
  /**
   * Look for fixes of cases that do not work, each checked by planning again
   * (default true). Off, a case that does not work costs one placement, not a
   * dozen: for sweeps that only want outcomes.
   */
  fixes?: boolean;
  /** Where the OVMF binary comes from (default: the release's own build). */
  ovmf?: OvmfOrigin;
}

const DEFAULT_XEN = ['4.19'];
const worstOutcome = (all: CaseOutcome[]): CaseOutcome => all.reduce(worse, 'works');

/**
 * Host devices keyed by normalised BDF; a multi-function lspci output gives
 * several. A description must be of the device it is given for: lspci's own
 * address (domain when it prints one, bus, device, and the function when
 * the file has one) must match, so a file for another device is refused
 * rather than planned under the wrong address.
 */
export function indexDevices(entries: { bdf: string; functions: HostFunction[]; source?: string }[]): Map<string, HostFunction> {
  const map = new Map<string, HostFunction>();
  const issues: InputIssue[] = [];
  const given = new Set<string>();
  for (const e of entries) {
    const key = hostBdf(e.bdf, '--pci');
    const base = key.slice(0, -1);
    const where = `--pci ${e.bdf}${e.source ? `=${e.source}` : ''}`;
    if (given.has(key)) {
      issues.push({ path: where, message: `${key} is given twice; give each device once` });
      continue;
    }
    given.add(key);
    const keys: string[] = [];
    for (const f of e.functions) {
      const own = parseHostBdf(f.bdf);
      if (own === undefined) {
        issues.push({ path: where, message: `${quote(f.bdf)} is not a PCI address` });
        continue;
      }
      // lspci prints the domain only with -D or when the host has several
      const ownHasDomain = /^[0-9a-fA-F]{4,}:[0-9a-fA-F]{1,2}:/.test(f.bdf.trim());
      const sameDevice = own.slice(ownHasDomain ? 0 : 5, -1) === key.slice(ownHasDomain ? 0 : 5, -1);
      const sameFunction = own.slice(-1) === key.slice(-1);
      if (!sameDevice || (e.functions.length === 1 && !sameFunction)) {
        issues.push({ path: where, message: `the file describes ${f.bdf}, not ${e.bdf}; give the output of \`lspci -vv -s ${e.bdf}\` for this device (or the --pci address the file is for)` });
        continue;
      }
      keys.push(base + own.slice(-1));
      map.set(base + own.slice(-1), f);
    }
    if (e.functions.length > 1 && !keys.includes(key) && keys.length === e.functions.length) {
      issues.push({ path: where, message: `the file describes ${e.functions.map((f) => f.bdf).join(', ')} but not ${e.bdf}` });
    }
  }
  if (issues.length) throw new InputError(issues);
  return map;
}

/** A passed-through device the device model cannot put on bus 0. */
interface SlotRefusal {
  code: 'vslot-in-use' | 'device-model-refuses';
  message: string;
  fix: string;
}

const LAST_SLOT = 31; // bus 0 has slots 0-31

function passthroughFunctions(cfg: GuestConfig, devices: Map<string, HostFunction>, firstSlot: number, used: Set<number>, igdSlot?: number, occupants: Map<number, string> = new Map()): { functions: (VirtualFunction & { hostBdf: string })[]; missing: string[]; taken: SlotRefusal[] } {
  const out: (VirtualFunction & { hostBdf: string })[] = [];
  const missing: string[] = [];
  const taken: SlotRefusal[] = [];
  const where = `${cfg.places?.pci ?? cfg.source} pci`;
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
      if (target > LAST_SLOT) {
        taken.push({ code: 'device-model-refuses', message: `${where}: no guest slot is left for ${spec.bdf}: bus 0 has 32 slots and the emulated and earlier passed-through devices take them all; the device model refuses it and the guest does not start`, fix: 'pass fewer devices through, or leave out emulated ones (vif, usb, soundhw)' });
        continue;
      }
    } else if (used.has(target)) {
      // the device model refuses a second device on a taken slot (QEMU: "not available ..., in use by")
      taken.push({ code: 'vslot-in-use', message: `${where}: ${spec.bdf} asks for guest slot ${target.toString(16)}, which the device model already gives to ${occupants.get(target) ?? 'another device'}; it refuses the device and the guest does not start`, fix: 'give the device a free @VSLOT, or leave @VSLOT out' });
      continue;
    }
    used.add(target);
    occupants.set(target, host.name ?? `passed-through ${spec.bdf}`);
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
  return { functions: out, missing, taken };
}

/** The RMRRs libxl puts in the guest's E820 below 4 GiB: what hvmloader keeps BARs out of. */
function reservedRanges(params: PlatformParams): { start: bigint; size: bigint }[] {
  const FOUR_GIB = 1n << 32n;
  return (params.rdm?.exposed ?? []).filter((e) => e.start + e.size <= FOUR_GIB).map((e) => ({ start: e.start, size: e.size }));
}

function toBusInput(params: PlatformParams, functions: VirtualFunction[], physAddrBits: number): BusInput {
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
  if (params.allowMemoryRelocate !== undefined) bus.allowMemoryRelocate = params.allowMemoryRelocate;
  if (params.mmioHoleSize !== undefined) bus.mmioHoleSize = hex(params.mmioHoleSize);
  return bus;
}

type GuestFunction = VirtualFunction & { hostBdf?: string };

/** Everything a case needs that does not change between its steps. */
interface CaseInput {
  cfg: GuestConfig;
  devices: Map<string, HostFunction>;
  release: Release;
  dm: DeviceModel;
  toolstack: Toolstack;
  physAddrBits: number;
  /** Whether the user gave the width, or the default is assumed. */
  physAddrBitsGiven: boolean;
  rmrrs: HostRmrr[];
  ovmf?: OvmfOrigin;
}

/** Step 1: whether this release and toolstack have the device model at all. */
function availability(c: CaseInput): Finding[] {
  // 19ab8356ab (4.21) removed qemu-traditional
  if (c.dm === 'qemu-xen-traditional' && carries(c.release, 'no-qemu-traditional')) {
    return [finding('dm-unavailable', `Xen ${c.release.text} has no qemu-xen-traditional (removed in 4.21)`, 'use device_model_version = "qemu-xen"')];
  }
  if (c.toolstack === 'xend' && c.dm === 'qemu-xen') return [finding('dm-unavailable', 'xend drives only qemu-xen-traditional', 'use libxl (xl) to start the guest')];
  return [];
}

/** Step 2: what libxl and the device model make of the config: RAM layout, functions, their findings. */
function layoutStep(c: CaseInput) {
  const findings: Finding[] = [];
  const { cfg, release, dm, toolstack } = c;
  if (dm === 'qemu-xen' && !carries(release, 'qemu-xen-default') && toolstack !== 'libxl') findings.push(finding('dm-old', `qemu-xen was a technology preview before Xen ${sinceSeries('qemu-xen-default')}`));
  const params = platformParams(cfg, dm, release, toolstack, c.rmrrs);
  for (const r of params.refusals) findings.push(finding('toolstack-refuses', r));
  findings.push(...unknownKeys(cfg));
  // no RAM left, or RAM past 16 TiB (refused above): there is no bus to build
  if (params.lowMemEnd < 1n << 20n || params.highMemEnd >= 1n << 44n) return { params, emulated: [], passthrough: [], functions: [], findings, stopped: true };
  for (const r of params.ignored) findings.push(finding('ignored-option', r));
  findings.push(...rdmFindings(cfg, params, c.devices, c.rmrrs, release));

  // populate-on-demand with passthrough (seeds/004): libxl refuses it from 4.4
  if (cfg.pci.length > 0 && cfg.maxmemMiB > cfg.memoryMiB) {
    const refused = toolstack === 'libxl' && carries(release, 'pod-passthrough-refused');
    findings.push(
      finding(
        'pod-with-passthrough',
        refused
          ? `maxmem (${cfg.maxmemMiB}) above memory (${cfg.memoryMiB}) enables populate-on-demand, which libxl refuses with passthrough ("${carries(release, 'pod-passthrough-iommu-message') ? 'IOMMU required for device passthrough but not supported together with PoD' : 'PCI device assignment for HVM guest failed due to PoD enabled'}")`
          : `maxmem (${cfg.maxmemMiB}) above memory (${cfg.memoryMiB}) enables populate-on-demand: a device DMAing into a page not yet populated corrupts memory or crashes the guest`,
        `set maxmem = ${cfg.memoryMiB} (or remove maxmem)`,
      ),
    );
  }

  const layout = emulatedFunctions(cfg, dm, release, params.vga, params.videoramMiB);
  for (const r of layout.usbctrl.refusals) findings.push(finding('toolstack-refuses', r.message, r.fix));
  for (const n of layout.usbctrl.notes) findings.push(finding('usbctrl', n));
  if (layout.sound.refusal) findings.push(finding('device-model-refuses', layout.sound.refusal.message, layout.sound.refusal.fix));
  if (layout.sound.note) findings.push(finding('not-modelled', layout.sound.note));
  for (const n of layout.unknownNics) findings.push(finding('unknown-nic', `${n}: not a model this catalog knows (${NIC_MODELS.join(', ')}); left out of the bus`));
  for (const n of unmodelled(cfg, dm)) findings.push(finding('not-modelled', n));
  for (const n of tooEarly(cfg, dm, release)) findings.push(finding('ignored-option', n));
  const used = new Set(layout.functions.map((f) => f.slot));
  const occupants = new Map<number, string>();
  for (const f of layout.functions) if (!occupants.has(f.slot)) occupants.set(f.slot, f.label);
  const pt = passthroughFunctions(cfg, c.devices, layout.nextSlot, used, layout.igdSlot, occupants);
  if (pt.missing.length) {
    throw new InputError(pt.missing.map((bdf) => ({ path: `pci ${bdf}`, message: `no description of this device; pass --pci ${bdf}=FILE with its \`lspci -vv -s ${bdf}\` output (as root), its sysfs resource file, or JSON BARs` })));
  }
  if (pt.taken.length) {
    findings.push(...pt.taken.map((t) => finding(t.code, t.message, t.fix)));
    return { params, emulated: [], passthrough: [], functions: [], findings, stopped: true };
  }
  const functions: GuestFunction[] = [...layout.functions, ...pt.functions];
  return { params, emulated: layout.functions, passthrough: pt.functions, functions, findings, stopped: false };
}

/** The functions the judgement reports on: those with BARs, and every passed-through one. */
function judgedFunctions(functions: GuestFunction[]): JudgedFunction[] {
  return functions
    .filter((f) => f.bars.length > 0 || f.hostBdf)
    .map((f) => ({
      slot: f.slot,
      function: f.function,
      label: f.label,
      ...(f.hostBdf ? { hostBdf: f.hostBdf } : {}),
      passthrough: f.hostBdf !== undefined,
      critical: isCritical(f),
      realSizes: new Map(f.bars.map((b) => [b.type === 'rom' ? 6 : b.index, b.size] as [number, bigint])),
    }));
}

/** One case without its fixes: what `fixes` compares candidate changes by. */
function judgedCase(c: CaseInput): PlanCase {
  const base = { xen: c.release.text, deviceModel: c.dm, toolstack: c.toolstack, available: true, devices: [], fixes: [] };
  const unavailable = availability(c);
  if (unavailable.length) return { ...base, available: false, ...verdictOf([], unavailable) };

  const layout = layoutStep(c);
  const findings = layout.findings;
  // the memory budget of the same guest; plan itself decides refusals and availability
  const memory = budget(c.cfg, { xen: [c.release.text], deviceModels: [c.dm] }).cases[0];
  findings.push(...memory.findings.filter((f) => f.code !== 'toolstack-refuses' && f.code !== 'dm-unavailable'));
  if (layout.stopped) return { ...base, memory, ...verdictOf([], findings) };

  // step 3: the bus hvmloader scans, under this release's hvmloader build
  const profile = hvmloaderOf(c.release);
  const input = toBusInput(layout.params, layout.functions, c.physAddrBits);
  let bus: Bus;
  try {
    // named by release, so hvmloader's stop checks use the release's own build (its reserved area)
    bus = parseBus({ ...input, xen: c.release.text });
  } catch (e) {
    if (e instanceof InputError) return { ...base, memory, ...verdictOf([], [...findings, finding('hvmloader-stops', e.message)]) };
    throw e;
  }

  // step 4: place
  const result = place(bus);

  // step 5: judge
  const ptSlots = new Map(layout.passthrough.map((f) => [`${f.slot}:${f.function}`, f]));
  const hostAddress = (b: PlacedBar) => {
    const f = ptSlots.get(`${b.slot}:${b.function}`);
    const index = b.index === 'rom' ? 6 : b.index;
    return f ? c.devices.get(f.hostBdf)?.bars.find((x) => x.index === index)?.hostAddress : undefined;
  };
  const judged = judgePlacement(result, { deviceModel: c.dm, functions: judgedFunctions(layout.functions), hvmloader: profile.hvmloader, hostAddress, hap: c.cfg.hap });
  const relocation = relocationFix(c.release, c.toolstack);
  for (const f of judged.findings) if (f.code === 'ram-relocated-qemu-xen' && relocation) f.fix = relocation;
  findings.push(...judged.findings, ...traditionalStdVga(c.dm, layout.params, layout.emulated, result));
  // above 4 GiB the width decides what fits; say when it was assumed
  if (!c.physAddrBitsGiven && result.bars.some((b) => b.placement === 'high' || (b.placement === 'unplaced' && b.type === 'mem64'))) {
    findings.push(finding('phys-addr-bits-assumed', `64-bit BARs were placed for ${c.physAddrBits} physical address bits, hvmloader's fallback; the guest sees the host CPU's width`, 'pass --phys-addr-bits with the host\'s (`address sizes` in /proc/cpuinfo)'));
  }
  // what the guest's firmware does with the placement (src/guest/firmware.ts)
  const firmware = guestFirmware(c.cfg.bios, c.dm, c.toolstack, c.release, c.ovmf);
  findings.push(...firmwareFindings({ release: c.release, deviceModel: c.dm, toolstack: c.toolstack, firmware, highMemEnd: layout.params.highMemEnd, physAddrBits: c.physAddrBits, functions: layout.functions, vga: layout.params.vga, biosPathOverride: c.cfg.otherKeys.includes('bios_path_override') }, result));

  return {
    ...base,
    hvmloader: profile.label,
    firmware,
    params: {
      lowMemEnd: hex(layout.params.lowMemEnd),
      highMemEnd: hex(layout.params.highMemEnd),
      allowMemoryRelocate: layout.params.allowMemoryRelocate ?? null,
      mmioHoleSize: layout.params.mmioHoleSize !== undefined ? hex(layout.params.mmioHoleSize) : null,
      videoramMiB: layout.params.videoramMiB,
      vga: layout.params.vga,
      reserved: reservedRanges(layout.params).map((r) => ({ start: hex(r.start), size: hex(r.size) })),
    },
    bus: input,
    result,
    memory,
    ...verdictOf(judged.devices, findings),
  };
}

/** A whole case: judged, then (unless it works) the changes that make it better, each checked. */
function caseFor(c: CaseInput, lookForFixes: boolean): PlanCase {
  const judged = judgedCase(c);
  if (judged.outcome === 'works' || !judged.available || !lookForFixes) return judged;
  // step 6: fixes, each verified by planning the changed guest again
  const fixes = guestFixes(judged, c.cfg, (cfg) => judgedCase({ ...c, cfg }), (release) => judgedCase({ ...c, release }));
  return { ...judged, fixes, findings: withFixes(judged.findings, fixes) };
}

// The placement consequences a checked change cures get its words as their fix.
const CURED_BY_CHANGE: ReadonlySet<FindingCode> = new Set(['ram-relocated-qemu-xen', 'critical-device-dropped', 'device-dropped', 'device-relocated', 'type-not-read']);
function withFixes(findings: Finding[], fixes: CaseFix[]): Finding[] {
  return findings.map((f) => {
    if (!CURED_BY_CHANGE.has(f.code)) return f;
    const cures = fixes.filter((x) => !x.remaining.includes(f.code)).map((x) => x.change);
    if (!cures.length) return f;
    const text = cures.slice(0, 4).join(', or ');
    return { ...f, fix: f.fix ? `${text}; or ${f.fix}` : text };
  });
}

// xl ignores keys it does not read: most often a misspelling, worth a note
function unknownKeys(cfg: GuestConfig): Finding[] {
  return (cfg.unknownKeys ?? []).map((u) =>
    finding('unknown-key', `${u.where} ${u.key}: unknown key${u.suggestion ? `; did you mean ${u.suggestion}?` : ''} (xl ignores it)`, u.suggestion ? `rename ${u.key} to ${u.suggestion}` : undefined),
  );
}

/**
 * Plans a guest: for each Xen release and device model, the bus hvmloader
 * will scan, where every BAR goes, and what that means.
 */
export function planGuest(config: GuestConfig, devices: Map<string, HostFunction>, options: PlanOptions = {}): GuestPlan {
  checkGuestConfig(config);
  if (!(devices instanceof Map)) throw new InputError([{ path: 'devices', message: 'expected the Map indexDevices returns' }]);
  const toolstack = options.toolstack ?? 'libxl';
  if (config.type !== 'hvm') {
    // no hvmloader and no emulated bus; what building it asks of Xen still counts
    const note = finding('not-hvm', `a ${config.type.toUpperCase()} guest has no hvmloader and no emulated PCI bus: unaffected`);
    const memory = budget(config, { xen: options.xen ?? DEFAULT_XEN }).cases;
    const cases: PlanCase[] = memory.map((m) => ({ xen: m.xen, deviceModel: 'qemu-xen', toolstack, available: false, fixes: [], memory: m, ...verdictOf([], [note, ...m.findings, ...unknownKeys(config)]) }));
    return { guest: config.source, outcome: worstOutcome(cases.map((c) => c.outcome)), cases };
  }
  const releases = (options.xen ?? DEFAULT_XEN).map((x) => parseRelease(x));
  const models = options.deviceModels ?? (config.deviceModel ? [config.deviceModel] : [...DEVICE_MODELS]);
  const cases: PlanCase[] = [];
  for (const release of releases) {
    for (const dm of models) cases.push(caseFor({ cfg: config, devices, release, dm, toolstack, physAddrBits: options.physAddrBits ?? DEFAULT_PHYS_ADDR_BITS, physAddrBitsGiven: options.physAddrBits !== undefined, rmrrs: options.rmrrs ?? [], ovmf: options.ovmf }, options.fixes ?? true));
  }
  return { guest: config.source, outcome: worstOutcome(cases.map((c) => c.outcome)), cases };
}
