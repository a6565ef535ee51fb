// mmio-planner plan: a guest config and its devices -> a report per device model and release.

import { parseBus } from '../bus.js';
import type { PlacedBar } from '../contract.js';
import { InputError } from '../errors.js';
import type { CaseOutcome } from '../verdict/findings.js';
import { DEVICE_MODELS, readGuest, type DeviceModel } from '../guest/config.js';
import type { Toolstack } from '../guest/libxl.js';
import { parseLspci, parseSysfsResource, type HostFunction } from '../guest/lspci.js';
import { indexDevices, planGuest } from '../guest/plan.js';
import { parseRmrrSpec, parseXenDmesgRmrrs, type HostRmrr } from '../guest/rdm.js';
import { planBudgetSection } from '../report/budget.js';
import { planReport } from '../report/plan.js';
import { placementSvg } from '../report/svg.js';
import { readInput, writeOutput, type Io } from './io.js';

export interface PlanFlags {
  pci: string[];
  rmrr?: string[];
  rmrrLog?: string;
  xen?: string;
  deviceModel?: string;
  toolstack?: string;
  json?: boolean;
  svg?: string;
  log?: boolean;
  physAddrBits?: string;
}

/** A host device description: lspci -vv text, a sysfs resource file, or JSON BARs. */
function readHostDevice(bdf: string, file: string, io: Io): HostFunction[] {
  const text = readInput(file, io);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError([{ path: file, message: `not JSON: ${(e as Error).message}` }]);
    }
    const device = Array.isArray(value) ? { slot: 0, vendorId: '0x0', deviceId: '0x0', bars: value } : { slot: 0, ...(value as object) };
    const bus = parseBus({ lowMemEnd: '0x100000', devices: [device] }, file);
    const d = bus.devices[0];
    return [{ bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size ?? 0n })) }];
  }
  if (/^\s*0x[0-9a-fA-F]+\s+0x/.test(trimmed)) return [parseSysfsResource(text, bdf, file)];
  return parseLspci(text, file);
}

export function makePlan(file: string, flags: PlanFlags, io: Io, text = readInput(file, io)) {
  const source = file === '-' ? 'stdin' : file;
  const config = readGuest(text, source);
  const entries = flags.pci.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new InputError([{ path: '--pci', message: `${JSON.stringify(spec)}: write BDF=FILE, e.g. --pci 0b:00.0=gpu.lspci` }]);
    const bdf = spec.slice(0, eq);
    return { bdf, functions: readHostDevice(bdf, spec.slice(eq + 1), io) };
  });
  const devices = indexDevices(entries);
  const xen = flags.xen ? flags.xen.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const deviceModels = flags.deviceModel ? parseDeviceModels(flags.deviceModel) : undefined;
  const toolstack = flags.toolstack as Toolstack | undefined;
  const rmrrs: HostRmrr[] = (flags.rmrr ?? []).map((spec) => parseRmrrSpec(spec));
  if (flags.rmrrLog) rmrrs.push(...parseXenDmesgRmrrs(readInput(flags.rmrrLog, io), flags.rmrrLog));
  return planGuest(config, devices, { xen, deviceModels, toolstack, rmrrs, physAddrBits: parsePhysAddrBits(flags.physAddrBits) });
}

/** Prints the plan; returns its worst case outcome, for the exit status. */
export function runPlan(file: string, flags: PlanFlags, io: Io): CaseOutcome {
  const source = file === '-' ? 'stdin' : file;
  const text = readInput(file, io);
  const plan = makePlan(file, flags, io, text);
  if (flags.svg) {
    const first = plan.cases.find((c) => c.result);
    if (!first?.result) throw new InputError([{ path: '--svg', message: 'no case was placed, so there is no map to draw' }]);
    // a short name: the product in lspci's [brackets] if any, else the label
    const short = (label: string) => /\[([^\]]+)\]/.exec(label)?.[1] ?? label.replace(/ \(vif \d+\)$/, '');
    const names = new Map(first.devices.map((d) => [`${d.slot}:${d.function}`, `${short(d.label)} ${d.slot.toString(16).padStart(2, '0')}:${d.function}`]));
    const reserved = (first.bus?.reserved ?? []).map((r) => ({ start: BigInt(r.start), size: BigInt(r.size) }));
    const label = (b: PlacedBar) => names.get(`${b.slot}:${b.function}`) ?? `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
    writeOutput(flags.svg, placementSvg(first.result, `${source}: Xen ${first.xen}, ${first.deviceModel}`, label, reserved), '--svg');
  }
  if (flags.json) io.out(JSON.stringify(plan, null, 2) + '\n');
  else {
    io.out(planReport(plan, { log: flags.log ?? true }));
    io.out(planBudgetSection(plan.cases.flatMap((c) => (c.memory ? [c.memory] : []))));
  }
  return plan.outcome;
}

function parsePhysAddrBits(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bits = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(bits >= 32 && bits <= 52)) throw new InputError([{ path: '--phys-addr-bits', message: `${JSON.stringify(value)}: a physical address width is a whole number of bits from 32 to 52 (see \`address sizes\` in /proc/cpuinfo)` }]);
  return bits;
}

export function parseDeviceModels(value: string): DeviceModel[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(DEVICE_MODELS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) {
    throw new InputError([{ path: '--device-model', message: `${bad.length ? `unknown device model ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'none given'}; use qemu-xen, qemu-xen-traditional or both, comma-separated` }]);
  }
  return names as DeviceModel[];
}

