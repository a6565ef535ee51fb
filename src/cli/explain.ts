// mmio-planner explain: advice for a bus, or for each case of a guest.

import { advise, adviceReport } from '../advisor/advise.js';
import { parseBus, parseBusJson, withVersion, type Bus } from '../bus.js';
import { hvmloaderOf, parseRelease } from '../guest/releases.js';
import { parseVersionSet, readInput, type Io } from './io.js';
import { makePlan, type PlanFlags } from './plan.js';

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

function runExplainGuest(file: string, text: string, flags: ExplainFlags, io: Io): void {
  const plan = makePlan(file, flags, io, text);
  const advices = plan.cases
    .filter((c) => c.bus && c.result)
    .map((c) => {
      const profile = hvmloaderOf(parseRelease(c.xen));
      const bus = withVersion(parseBus({ ...c.bus!, hvmloader: profile.hvmloader }), profile);
      const passthrough = c.devices.filter((d) => d.passthrough).map((d) => `${d.slot.toString(16).padStart(2, '0')}:${d.function}`);
      return { name: `${plan.guest}: Xen ${c.xen}, ${c.deviceModel}`, advice: advise(bus, { passthrough }) };
    });
  if (flags.json) {
    io.out(JSON.stringify(advices, null, 2) + '\n');
    return;
  }
  io.out(advices.map((a) => adviceReport(a.advice, a.name)).join('\n'));
}

export function runExplain(file: string, flags: ExplainFlags, io: Io): void {
  const source = file === '-' ? 'stdin' : file;
  const text = readInput(file, io);
  if (!isBusText(text, file)) return runExplainGuest(file, text, flags, io);
  let bus: Bus = parseBusJson(text, source);
  if (flags.hvmloader) bus = withVersion(bus, parseVersionSet(flags.hvmloader)[0], source);
  const advice = advise(bus);
  if (flags.json) {
    const { result, ...rest } = advice;
    io.out(JSON.stringify({ ...rest, result }, null, 2) + '\n');
    return;
  }
  io.out(adviceReport(advice, source));
}

