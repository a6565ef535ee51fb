// mmio-planner explain: advice for a bus, or for each case of a guest.

import { advise, adviceReport } from '../advisor/advise.js';
import { parseBus, parseBusJson, withVersion, type Bus } from '../bus.js';
import { FIRMWARE_CODES } from '../guest/firmware.js';
import { parseReleaseList } from './targets.js';
import { parseVersionSet, readInput, type Io } from './io.js';
import { makePlan, type PlanFlags } from './plan.js';
import { InputError } from '../errors.js';
import type { CaseOutcome } from '../verdict/findings.js';
import type { DeviceModelName } from '../verdict/judge.js';

export interface ExplainFlags extends PlanFlags {
  json?: boolean;
  hvmloader?: string;
}

/** A bus description is a JSON object with devices; anything else is a guest config. */
function isBusText(text: string, file: string): boolean {
  if (/\.(cfg|ya?ml)$/i.test(file)) return false;
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && 'devices' in v;
  } catch {
    return /\.json$/i.test(file); // broken JSON bus files still get the bus error
  }
}

// Explaining a guest explains each case of its plan: the advice reads the
// plan's own verdict, so plan and explain cannot disagree.
function runExplainGuest(file: string, text: string, flags: ExplainFlags, io: Io): CaseOutcome {
  const plan = makePlan(file, flags, io, text);
  const cases = plan.cases.map((c) => {
    const name = `${plan.guest}: Xen ${c.xen}, ${c.deviceModel}`;
    if (!c.bus || !c.result) return { name, xen: c.xen, deviceModel: c.deviceModel, outcome: c.outcome, reasons: c.reasons, findings: c.findings };
    // the case's bus under its release's own build (checked against that build's reserved area)
    const { hvmloader: _version, ...input } = c.bus;
    const bus = parseBus({ ...input, xen: c.xen });
    const advice = advise(bus, { verdict: { outcome: c.outcome, reasons: c.reasons, devices: c.devices, findings: c.findings } });
    // what the guest's firmware does with this placement (src/guest/firmware.ts)
    const firmware = { ...c.firmware, findings: c.findings.filter((f) => FIRMWARE_CODES.includes(f.code)) };
    return { name, xen: c.xen, deviceModel: c.deviceModel, outcome: c.outcome, reasons: c.reasons, checkedFixes: c.fixes, advice, firmware };
  });
  if (flags.json) io.out(JSON.stringify({ guest: plan.guest, outcome: plan.outcome, cases }, null, 2) + '\n');
  else {
    io.out(
      cases
        .map((c) => {
          if (!('advice' in c) || !c.advice) return `${c.name}\n\nOutcome: ${c.outcome === 'works' ? 'works' : `${c.outcome.toUpperCase()} (${c.reasons.join(', ')})`}\n${c.findings.map((f) => `  ${f.message}${f.fix ? ` -> fix: ${f.fix}` : ''}`).join('\n')}\n`;
          const checked = c.checkedFixes.length ? `Checked by planning the guest again:\n${c.checkedFixes.map((f) => `  - ${f.change} -> ${f.outcome}${f.cost ? ` (${f.cost})` : ''}`).join('\n')}\n` : '';
          const firmware = `\nThe firmware after hvmloader:\n${c.firmware.findings.map((f) => `  - ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`).join('\n')}\n`;
          return adviceReport(c.advice, c.name) + (checked ? '\n' + checked : '') + firmware;
        })
        .join('\n'),
    );
  }
  return plan.outcome;
}

/** Prints the advice; returns the worst case outcome, for the exit status. */
export function runExplain(file: string, flags: ExplainFlags, io: Io): CaseOutcome {
  const source = file === '-' ? 'stdin' : file;
  const text = readInput(file, io);
  if (!isBusText(text, file)) return runExplainGuest(file, text, flags, io);
  let bus: Bus = parseBusJson(text, source);
  if (flags.hvmloader && flags.xen) throw new InputError([{ path: '--xen', message: 'give either --hvmloader or --xen, not both' }]);
  if (flags.hvmloader) bus = withVersion(bus, parseVersionSet(flags.hvmloader)[0], source);
  if (flags.xen) {
    const targets = parseReleaseList(flags.xen);
    if (targets.length > 1) throw new InputError([{ path: '--xen', message: 'explain takes one release for a bus; run it once per release' }]);
    bus = withVersion(bus, targets[0].profile, source);
  }
  const advice = advise(bus, { deviceModel: busDeviceModel(flags.deviceModel) });
  if (flags.json) {
    const { result, ...rest } = advice;
    io.out(JSON.stringify({ ...rest, result }, null, 2) + '\n');
  } else io.out(adviceReport(advice, source));
  return advice.outcome;
}

/** --device-model for a bus: one model, which decides what moving RAM does. */
function busDeviceModel(value: string | undefined): DeviceModelName | undefined {
  if (value === undefined) return undefined;
  if (value !== 'qemu-xen' && value !== 'qemu-xen-traditional') {
    throw new InputError([{ path: '--device-model', message: `${JSON.stringify(value)}: a bus is explained under one device model, qemu-xen or qemu-xen-traditional` }]);
  }
  return value;
}
