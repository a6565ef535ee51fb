// advise(): what a bus's placement means (the one verdict of src/verdict/),
// why BARs fail, the smallest fix, and what other firmware policies would
// have done. A plain JSON-able answer plus a readable rendering.

import { parseBus, type Bus } from '../bus.js';
import type { BusInput, PlacedBar, PlacementResult } from '../contract.js';
import { hex, humanSize } from '../hex.js';
import { place } from '../place.js';
import { columns } from '../report/text.js';
import { computeFixes } from './fixes.js';
import type { Hazard } from './hazards.js';
import { comparePolicies, type PolicyOutcome } from './policies.js';
import { explainDrops, type DropReason } from './why.js';
import { worstFirst, type CaseOutcome, type Finding, type FindingCode } from '../verdict/findings.js';
import { busFunctions } from '../verdict/functions.js';
import { judgePlacement, verdictOf, type DeviceModelName, type DeviceVerdict, type Verdict } from '../verdict/judge.js';

export interface AdviseOptions {
  /** Which functions are passed through (SS:F); by default every one QEMU does not emulate. */
  passthrough?: string[];
  /** The guest's physical address width, when known. */
  guestAddressBits?: number;
  /** The device model, which decides what moving RAM does; unknown by default (judged as the worst, qemu-xen). */
  deviceModel?: DeviceModelName;
  /** The guest layer's verdict on this very bus (a plan's case): used as it is, so plan and explain agree. */
  verdict?: Verdict;
}

// The findings that are hazards a boot log does not show.
const HAZARDS: ReadonlySet<FindingCode> = new Set(['shared-page', 'address-width', 'address-width-pae', 'mtrr-exhausted', 'superpage-misaligned']);

export interface Advice {
  hvmloader: string;
  result: PlacementResult;
  /** The one verdict: the case outcome, the codes behind it, each device, the findings. */
  outcome: CaseOutcome;
  reasons: FindingCode[];
  devices: DeviceVerdict[];
  findings: Finding[];
  /** outcome === 'fails'. */
  fails: boolean;
  drops: { bar: string; cause: DropReason['cause']; sumTestPassed: boolean; message: string }[];
  fixes: {
    holeHonoured: boolean;
    smallestMmioHoleMiB: number | null;
    ramBelow4G: string | null;
    ramCost: string | null;
    relocateHigh: { placesAll: boolean; ramBelow4G: string } | null;
    removable: string[];
  };
  /** The findings that are hazards a boot log does not show. */
  hazards: { kind: Hazard['kind']; message: string }[];
  policies: { policy: PolicyOutcome['policy']; mapped: number; relocated: number; dropped: number; rejected: string[]; ramBelow4G: string; lowHole: string }[];
}

const fn = (b: { slot: number; function: number }) => `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
const barName = (b: PlacedBar) => `${fn(b)} bar ${b.reg.slice(2)}`;

export function advise(input: BusInput | Bus, options: AdviseOptions = {}): Advice {
  const bus = parseBus(input);
  const result = place(bus);
  const verdict =
    options.verdict ??
    (() => {
      const functions = busFunctions(bus, options.passthrough ? new Set(options.passthrough) : undefined);
      const j = judgePlacement(result, { deviceModel: options.deviceModel, functions, hvmloader: bus.hvmloader, guestAddressBits: options.guestAddressBits });
      return verdictOf(j.devices, j.findings);
    })();
  const drops = explainDrops(bus, result);
  const fixes = computeFixes(bus);
  const policies = comparePolicies(bus, result);
  return {
    hvmloader: bus.profile?.label ?? bus.hvmloader,
    result,
    outcome: verdict.outcome,
    reasons: verdict.reasons,
    devices: verdict.devices,
    findings: verdict.findings,
    fails: verdict.outcome === 'fails',
    drops: drops.map((d) => ({ bar: barName(d.bar), cause: d.cause, sumTestPassed: d.sumTestPassed, message: d.message })),
    fixes: {
      holeHonoured: fixes.holeHonoured,
      smallestMmioHoleMiB: fixes.smallestHole?.holeMiB ?? null,
      ramBelow4G: fixes.smallestHole ? hex(fixes.smallestHole.ramBelow4G) : null,
      ramCost: fixes.smallestHole ? hex(fixes.smallestHole.ramCost) : null,
      relocateHigh: fixes.relocateHigh ? { placesAll: fixes.relocateHigh.placesAll, ramBelow4G: hex(fixes.relocateHigh.ramBelow4G) } : null,
      removable: fixes.removable,
    },
    hazards: verdict.findings.filter((f) => HAZARDS.has(f.code)).map((f) => ({ kind: (f.code === 'address-width-pae' ? 'address-width' : f.code) as Hazard['kind'], message: f.message })),
    policies: policies.map((p) => ({
      policy: p.policy,
      mapped: new Set(p.mapped.map(fn)).size,
      relocated: p.relocated.length,
      dropped: p.dropped.length,
      rejected: p.rejected,
      ramBelow4G: hex(p.ramBelow4G),
      lowHole: `${hex(p.lowHole.start)}-${hex(p.lowHole.end)}`,
    })),
  };
}

const SEVERITY = { fatal: 'FATAL', error: 'ERROR', warning: 'WARN', note: 'note' } as const;

export function adviceReport(a: Advice, title: string): string {
  const out: string[] = [`${title} under hvmloader ${a.hvmloader}`, ''];
  out.push(`Outcome: ${a.outcome === 'works' ? 'works' : `${a.outcome.toUpperCase()} (${a.reasons.join(', ')})`}`);
  for (const f of worstFirst(a.findings)) if (!HAZARDS.has(f.code)) out.push(`  ${SEVERITY[f.severity]} ${f.message}${f.fix ? ` -> fix: ${f.fix}` : ''}`);
  out.push('');
  if (a.drops.length === 0) out.push('Every BAR is placed.');
  else {
    out.push('Why BARs get no space:');
    for (const d of a.drops) out.push(`  - ${d.message}`);
    if (a.drops.some((d) => d.sumTestPassed)) out.push("    (hvmloader's own check passed: the BARs add up to less than the hole)");
  }
  out.push('');
  const f = a.fixes;
  const fixLines: string[] = [];
  if (f.smallestMmioHoleMiB !== null) {
    const now = BigInt(a.result.ram.lowMemEnd);
    const then = BigInt(f.ramBelow4G!);
    const change = then < now ? `, ${humanSize(now - then)} less than now (it moves above 4 GiB)` : then > now ? `, ${humanSize(then - now)} more than now` : ', as now';
    fixLines.push(`mmio_hole = ${f.smallestMmioHoleMiB} places every BAR below 4 GiB; RAM below 4 GiB ends at ${f.ramBelow4G}${change}`);
  } else if (!f.holeHonoured) {
    fixLines.push(`mmio_hole is not read by hvmloader ${a.hvmloader} (it came in 4.5)`);
  } else {
    fixLines.push('no mmio_hole from 256 to 3840 MiB places every BAR below 4 GiB');
  }
  if (f.relocateHigh) {
    // allow-memory-relocate is libxl's to write, not an xl.cfg key
    const who = 'hvmloader/allow-memory-relocate=0, which libxl writes for qemu-xen from 4.3 (for its stub domains from 4.19, 4.18.1, 4.17.4)';
    fixLines.push(
      f.relocateHigh.placesAll
        ? `with RAM kept where it is (${who}), the large 64-bit BARs go above RAM: everything is placed and RAM below 4 GiB stays at ${f.relocateHigh.ramBelow4G}`
        : `with RAM kept where it is (${who}), not everything is placed`,
    );
  }
  if (a.drops.length) fixLines.push(f.removable.length ? `removing ${f.removable.join(' or ')} lets every other BAR be placed` : "no single passed-through function's removal lets the rest fit");
  out.push(a.outcome !== 'works' ? 'Smallest fix:' : 'Options:', ...fixLines.map((l) => `  - ${l}`), '');
  out.push(a.hazards.length ? 'Hazards the boot log will not show:' : 'Hazards the boot log will not show: none');
  for (const h of a.hazards) out.push(`  - ${h.message}`);
  out.push('', "Other placement policies on the same devices (firmware that assigns BARs itself; Xen's own SeaBIOS and OVMF builds keep hvmloader's):", '');
  out.push(
    columns([
      ['POLICY', 'FUNCTIONS ALL LOW', 'BARS ABOVE 4G', 'BARS DROPPED', 'RAM BELOW 4 GiB', 'LOW HOLE'],
      ...a.policies.map((p) => [p.policy + (p.rejected.length ? ` (rejects ${p.rejected.join(', ')})` : ''), String(p.mapped), String(p.relocated), String(p.dropped), p.ramBelow4G, p.lowHole]),
    ])
      .split('\n')
      .map((l) => '  ' + l)
      .join('\n'),
  );
  return out.join('\n') + '\n';
}
