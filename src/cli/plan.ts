// mmio-planner plan: a guest config and its devices -> a report per device model and release.

import { InputError } from '../errors.js';
import type { CaseOutcome } from '../verdict/findings.js';
import { parseDeviceModels, parsePhysAddrBits, readGuest } from '../guest/config.js';
import type { OvmfOrigin } from '../guest/firmware.js';
import type { Toolstack } from '../guest/libxl.js';
import { readHostDevice } from '../guest/host-device.js';
import { indexDevices, planGuest } from '../guest/plan.js';
import { hostBdf } from '../guest/bdf.js';
import { parseRmrrSpec, parseXenDmesgRmrrs, type HostRmrr } from '../guest/rdm.js';
import { planBudgetSection } from '../report/budget.js';
import { planCaseSvg, planReport } from '../report/plan.js';
import { readInput, writeOutput, type Io } from './io.js';

export interface PlanFlags {
  pci: string[];
  rmrr?: string[];
  rmrrLog?: string;
  ovmf?: OvmfOrigin;
  xen?: string;
  deviceModel?: string;
  toolstack?: string;
  json?: boolean;
  svg?: string;
  log?: boolean;
  physAddrBits?: string;
}

export function makePlan(file: string, flags: PlanFlags, io: Io, text = readInput(file, io)) {
  const source = file === '-' ? 'stdin' : file;
  const config = readGuest(text, source);
  const entries = flags.pci.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new InputError([{ path: '--pci', message: `${JSON.stringify(spec)}: write BDF=FILE, e.g. --pci 0b:00.0=gpu.lspci` }]);
    const bdf = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    return { bdf, source: file, functions: readHostDevice(bdf, readInput(file, io), file) };
  });
  const devices = indexDevices(entries);
  // a description of a device the guest does not pass through would be ignored: say so
  const listed = new Set(config.pci.map((p) => p.bdf));
  const unlisted = entries.filter((e) => !listed.has(hostBdf(e.bdf, '--pci')));
  if (unlisted.length) {
    const list = config.pci.length ? `it lists ${config.pci.map((p) => p.bdf).join(', ')}` : 'it has no pci key';
    throw new InputError(unlisted.map((e) => ({ path: `--pci ${e.bdf}`, message: `${source}'s pci = [...] does not pass this device through (${list}); add it to pci in ${source}, or drop this --pci` })));
  }
  const xen = flags.xen ? flags.xen.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const deviceModels = flags.deviceModel ? parseDeviceModels(flags.deviceModel) : undefined;
  const toolstack = flags.toolstack as Toolstack | undefined;
  const rmrrs: HostRmrr[] = (flags.rmrr ?? []).map((spec) => parseRmrrSpec(spec));
  if (flags.rmrrLog) rmrrs.push(...parseXenDmesgRmrrs(readInput(flags.rmrrLog, io), flags.rmrrLog));
  return planGuest(config, devices, { xen, deviceModels, toolstack, rmrrs, physAddrBits: flags.physAddrBits === undefined ? undefined : parsePhysAddrBits(flags.physAddrBits), ovmf: flags.ovmf });
}

/** Prints the plan; returns its worst case outcome, for the exit status. */
export function runPlan(file: string, flags: PlanFlags, io: Io): CaseOutcome {
  const source = file === '-' ? 'stdin' : file;
  const text = readInput(file, io);
  const plan = makePlan(file, flags, io, text);
  if (flags.svg) {
    const first = plan.cases.find((c) => c.result);
    if (!first?.result) throw new InputError([{ path: '--svg', message: 'no case was placed, so there is no map to draw' }]);
    writeOutput(flags.svg, planCaseSvg(first, `${source}: Xen ${first.xen}, ${first.deviceModel}`)!, '--svg');
  }
  if (flags.json) io.out(JSON.stringify(plan, null, 2) + '\n');
  else {
    io.out(planReport(plan, { log: flags.log ?? true }));
    io.out(planBudgetSection(plan.cases.flatMap((c) => (c.memory ? [c.memory] : []))));
  }
  return plan.outcome;
}
