// What a placement means for the guest: per device mapped / relocated /
// dropped, and the placement's consequences as findings (RAM moved under
// qemu-xen, a device dropped, BARs above 4 GiB, hazards the boot log does not
// show). Guest-level findings (libxl refusals, RMRR conflicts) come from the
// guest layer; verdictOf() adds them up on the one scale of findings.ts.

import type { PlacedBar, PlacementResult } from '../contract.js';
import { humanSize } from '../hex.js';
import { ADDRESS_LIMITS, addressWidth, mtrrExhaustion, sharedPages, superpageAlignment } from '../advisor/hazards.js';
import type { VersionName } from '../versions.js';
import { finding, outcomeOf, type CaseOutcome, type Finding, type FindingCode } from './findings.js';

export type DeviceOutcome = 'mapped' | 'relocated' | 'dropped';
export type DeviceModelName = 'qemu-xen' | 'qemu-xen-traditional';

/** A function the judgement reports on. */
export interface JudgedFunction {
  slot: number;
  function: number;
  label: string;
  hostBdf?: string;
  passthrough: boolean;
  /** The guest does not boot without it (its display, its disks, the platform device). */
  critical: boolean;
  /** BAR sizes as the device really has them, by index (6 = ROM), when hvmloader may misread them. */
  realSizes?: ReadonlyMap<number, bigint>;
}

export interface DeviceVerdict extends Omit<JudgedFunction, 'realSizes'> {
  outcome: DeviceOutcome;
  relocatedBars: string[];
  droppedBars: string[];
}

export interface PlacementContext {
  /** Undefined when not known (a bare bus without `deviceModel`). */
  deviceModel?: DeviceModelName;
  functions: JudgedFunction[];
  hvmloader: VersionName;
  /** Host addresses of passed-through BARs, for the superpage check. */
  hostAddress?: (b: PlacedBar) => bigint | undefined;
  /** The guest's own address width, when known; else the common limits are checked. */
  guestAddressBits?: number;
  /** Whether the guest uses hardware-assisted paging (xl's hap, on by default); unknown for a bare bus. */
  hap?: boolean;
  /** Only what can change the outcome: leaves out the hazards that never do (MTRRs, superpages), for sweeps. */
  outcomeOnly?: boolean;
}

export interface Verdict {
  outcome: CaseOutcome;
  /** The codes of the findings that made the outcome what it is, worst first. */
  reasons: FindingCode[];
  devices: DeviceVerdict[];
  findings: Finding[];
}

export const functionName = (f: { slot: number; function: number }) => `${f.slot.toString(16).padStart(2, '0')}:${f.function}`;

function barSize(b: PlacedBar, fn: JudgedFunction | undefined): bigint {
  const size = BigInt(b.size);
  if (size > 0n || !fn?.realSizes) return size;
  return fn.realSizes.get(b.index === 'rom' ? 6 : b.index) ?? size;
}
const barLabel = (b: PlacedBar, fn: JudgedFunction | undefined) => `bar ${b.reg.slice(2)} (${humanSize(barSize(b, fn))})`;

/** Each reported function's outcome, from where its BARs went. */
export function deviceVerdicts(result: PlacementResult, functions: JudgedFunction[]): DeviceVerdict[] {
  const bars = new Map<string, PlacedBar[]>();
  for (const b of result.bars) {
    const k = functionName(b);
    bars.set(k, [...(bars.get(k) ?? []), b]);
  }
  return functions.map((f) => {
    const own = bars.get(functionName(f)) ?? [];
    const dropped = own.filter((b) => b.placement === 'unplaced');
    const high = own.filter((b) => b.placement === 'high');
    return {
      slot: f.slot,
      function: f.function,
      label: f.label,
      ...(f.hostBdf ? { hostBdf: f.hostBdf } : {}),
      passthrough: f.passthrough,
      critical: f.critical,
      outcome: dropped.length ? 'dropped' : high.length ? 'relocated' : 'mapped',
      relocatedBars: high.map((b) => barLabel(b, f)),
      droppedBars: dropped.map((b) => barLabel(b, f)),
    };
  });
}

const where = (d: DeviceVerdict) => `${d.label} (${functionName(d)}${d.hostBdf ? `, host ${d.hostBdf}` : ''})`;

/** The placement's consequences for the guest, as findings. */
export function placementFindings(result: PlacementResult, devices: DeviceVerdict[], ctx: PlacementContext): Finding[] {
  const out: Finding[] = [];
  const moved = BigInt(result.ram.relocated);
  if (moved > 0n) {
    const what = `hvmloader moves ${humanSize(moved)} of RAM above 4 GiB to grow the hole`;
    if (ctx.deviceModel === 'qemu-xen') out.push(finding('ram-relocated-qemu-xen', `${what}; qemu-xen cannot follow and crashes minutes after boot`));
    else if (ctx.deviceModel === 'qemu-xen-traditional') out.push(finding('ram-relocated', `${what} (qemu-xen-traditional copes)`));
    else out.push(finding('ram-relocated-device-model-unknown', `${what}: qemu-xen cannot follow and crashes minutes after boot (qemu-xen-traditional copes; say which with --device-model, or deviceModel in advise())`));
  }
  for (const d of devices) {
    if (d.outcome === 'dropped') {
      out.push(
        d.critical
          ? finding('critical-device-dropped', `${where(d)} gets no space for ${d.droppedBars.join(', ')}: the guest will not boot`)
          : finding('device-dropped', `${where(d)} gets no space for ${d.droppedBars.join(', ')}: it will be invisible to the guest`),
      );
    } else if (d.outcome === 'relocated') {
      out.push(finding('device-relocated', `${where(d)} has ${d.relocatedBars.join(', ')} above 4 GiB: its driver must handle 64-bit BARs`));
    }
  }
  // hazards a boot log does not show
  const passthrough = new Set(ctx.functions.filter((f) => f.passthrough).map(functionName));
  for (const h of sharedPages(result, (b) => passthrough.has(functionName(b)))) {
    out.push(finding('shared-page', h.message, 'give the devices guest slots whose BARs do not share a page, or pass one of them through to another guest'));
  }
  // shadow paging's limit applies only without HAP; a 32-bit PAE kernel's only to such guests, which a plan cannot tell
  const limits = ADDRESS_LIMITS.filter((l) => l.bits !== 44 || ctx.hap === false);
  for (const h of addressWidth(result, ctx.guestAddressBits, limits)) {
    if (h.bits === 36 && !ctx.guestAddressBits) out.push(finding('address-width-pae', h.message, 'a 64-bit guest kernel reaches it; a 32-bit one needs the BAR below 64 GiB'));
    else out.push(finding('address-width', h.message, 'keep the BAR below the limit: a smaller device, or less RAM above 4 GiB'));
  }
  if (ctx.outcomeOnly) return out;
  for (const h of mtrrExhaustion(result, ctx.hvmloader)) out.push(finding('mtrr-exhausted', h.message, 'use an mmio_hole that is a power of two'));
  if (ctx.hostAddress) for (const h of superpageAlignment(result, ctx.hostAddress)) out.push(finding('superpage-misaligned', h.message));
  return out;
}

/** Devices and findings of a placement under its context. */
export function judgePlacement(result: PlacementResult, ctx: PlacementContext): { devices: DeviceVerdict[]; findings: Finding[] } {
  const devices = deviceVerdicts(result, ctx.functions);
  return { devices, findings: placementFindings(result, devices, ctx) };
}

/** The verdict of a case: its findings (guest-level and placement) added up. */
export function verdictOf(devices: DeviceVerdict[], findings: Finding[]): Verdict {
  const { outcome, reasons } = outcomeOf(findings);
  return { outcome, reasons, devices, findings };
}
