// The page's input -> the guest plan, through the same functions the CLI's
// `plan` command calls (src/cli/plan.ts makePlan), one field at a time so
// that each InputError is shown beside the field it concerns.

import { InputError } from '../src/errors.js';
import { parseDeviceModels, parsePhysAddrBits, readGuest, type DeviceModel, type GuestConfig } from '../src/guest/config.js';
import { hostBdf } from '../src/guest/bdf.js';
import { TOOLSTACKS, type Toolstack } from '../src/guest/libxl.js';
import { readHostDevice } from '../src/guest/host-device.js';
import type { HostFunction } from '../src/guest/lspci.js';
import { indexDevices, planGuest, type GuestPlan } from '../src/guest/plan.js';
import { parseRmrrSpec, parseXenDmesgRmrrs, type HostRmrr } from '../src/guest/rdm.js';
import { planBudgetSection } from '../src/report/budget.js';
import type { PageInput } from './fragment.js';

/** Where an error belongs on the page. */
export type Field = 'config' | 'devices' | { device: number } | 'rmrr' | 'dmesg' | 'xen' | 'dm' | 'toolstack' | 'bits' | 'page';

export interface FieldError {
  field: Field;
  /** The message as the CLI prints it (after "mmio-planner: "). */
  message: string;
  /** The 1-based line (and column) in the field's text, when the error names one. */
  line?: number;
  col?: number;
  /** A BDF the config passes through that has no device description yet. */
  missingBdf?: string;
}

/** What the errors call each text, as the CLI calls a file by its name. */
export const CONFIG_SOURCE = 'xl.cfg';
export const DMESG_SOURCE = 'xl dmesg';
export const deviceSource = (bdf: string) => `device ${bdf.trim() || '(no BDF)'}`;
export const RMRR_WHERE = (i: number) => `RMRR line ${i + 1}`;

// "SOURCE:LINE:COL ..." or "SOURCE:LINE ..." at the start of an issue's path
function located(path: string, source: string): { line?: number; col?: number } {
  if (!path.startsWith(source + ':')) return {};
  const m = /^(\d+)(?::(\d+))?/.exec(path.slice(source.length + 1));
  if (!m || m[1] === '0') return {};
  return { line: Number(m[1]), col: m[2] ? Number(m[2]) : undefined };
}

function errorsOf(e: unknown, field: Field, source?: string): FieldError[] {
  if (!(e instanceof InputError)) throw e;
  return e.issues.map((i) => ({
    field,
    message: `${i.path ? i.path + ': ' : ''}${i.message}`,
    ...(source ? located(i.path, source) : {}),
  }));
}

export interface PagePlan {
  plan?: GuestPlan;
  /** The memory budget section `plan` prints after the report. */
  budget?: string;
  errors: FieldError[];
}

export function planInput(input: PageInput): PagePlan {
  const errors: FieldError[] = [];
  let config: GuestConfig | undefined;
  if (!input.config.trim()) errors.push({ field: 'config', message: 'paste an xl.cfg (or a JSON/YAML guest file) to plan' });
  else {
    try {
      config = readGuest(input.config, CONFIG_SOURCE);
    } catch (e) {
      errors.push(...errorsOf(e, 'config', CONFIG_SOURCE));
    }
  }
  const entries: { bdf: string; functions: HostFunction[] }[] = [];
  input.devices.forEach((d, i) => {
    const source = deviceSource(d.bdf);
    try {
      hostBdf(d.bdf, `${source} BDF`);
      entries.push({ bdf: d.bdf, functions: readHostDevice(d.bdf, d.text, source) });
    } catch (e) {
      errors.push(...errorsOf(e, { device: i }, source));
    }
  });
  const rmrrs: HostRmrr[] = [];
  input.rmrr.forEach((spec, i) => {
    if (!spec.trim()) return;
    try {
      rmrrs.push(parseRmrrSpec(spec, RMRR_WHERE(i)));
    } catch (e) {
      errors.push(...errorsOf(e, 'rmrr').map((x) => ({ ...x, line: i + 1 })));
    }
  });
  if (input.dmesg.trim()) {
    try {
      rmrrs.push(...parseXenDmesgRmrrs(input.dmesg, DMESG_SOURCE));
    } catch (e) {
      errors.push(...errorsOf(e, 'dmesg', DMESG_SOURCE));
    }
  }
  let models: DeviceModel[] | undefined;
  try {
    if (input.dm.trim()) models = parseDeviceModels(input.dm);
  } catch (e) {
    errors.push(...errorsOf(e, 'dm'));
  }
  const toolstack = input.toolstack?.trim() || undefined;
  if (toolstack && !(TOOLSTACKS as readonly string[]).includes(toolstack)) {
    errors.push({ field: 'toolstack', message: `--toolstack: ${JSON.stringify(toolstack)} is not a toolstack this planner knows; use ${TOOLSTACKS.join(', ')}` });
  }
  let physAddrBits: number | undefined;
  try {
    if (input.bits?.trim()) physAddrBits = parsePhysAddrBits(input.bits);
  } catch (e) {
    errors.push(...errorsOf(e, 'bits'));
  }
  if (errors.length || !config) return { errors };
  const xen = input.xen.trim() ? input.xen.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  try {
    const plan = planGuest(config, indexDevices(entries), { xen, deviceModels: models, toolstack: toolstack as Toolstack | undefined, rmrrs, physAddrBits });
    return { plan, budget: planBudgetSection(plan.cases.flatMap((c) => (c.memory ? [c.memory] : []))), errors };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const i of e.issues) {
      const missing = /^pci (\S+)$/.exec(i.path)?.[1];
      const field: Field = i.path === '--xen' ? 'xen' : missing ? 'devices' : 'page';
      errors.push({ field, message: `${i.path ? i.path + ': ' : ''}${i.message}`, ...(missing ? { missingBdf: missing } : {}) });
    }
    return { errors };
  }
}
