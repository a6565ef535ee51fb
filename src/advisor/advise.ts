// advise(): what fails on a bus, why, the smallest fix, hazards, and what
// other firmware policies would have done. A plain JSON-able answer plus a
// readable rendering.

import { parseBus, type Bus } from '../bus.js';
import type { BusInput, PlacedBar, PlacementResult } from '../contract.js';
import { hex, humanSize } from '../hex.js';
import { place } from '../place.js';
import { columns } from '../report/text.js';
import { computeFixes } from './fixes.js';
import { addressWidth, mtrrExhaustion, sharedPages, type Hazard } from './hazards.js';
import { comparePolicies, type PolicyOutcome } from './policies.js';
import { explainDrops, type DropReason } from './why.js';
import { isEmulated } from './fixes.js';

export interface AdviseOptions {
  /** Which functions are passed through (SS:F); by default every one QEMU does not emulate. */
  passthrough?: string[];
  /** Host addresses of passed-through BARs, for the superpage check. */
  guestAddressBits?: number;
}

export interface Advice {
  hvmloader: string;
  result: PlacementResult;
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
  hazards: { kind: Hazard['kind']; message: string; bars: string[] }[];
  policies: { policy: PolicyOutcome['policy']; mapped: number; relocated: number; dropped: number; rejected: string[]; ramBelow4G: string; lowHole: string }[];
}

const fn = (b: { slot: number; function: number }) => `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
const barName = (b: PlacedBar) => `${fn(b)} bar ${b.reg.slice(2)}`;

export function advise(input: BusInput | Bus, options: AdviseOptions = {}): Advice {
  const bus = parseBus(input);
  const result = place(bus);
  const passthroughSet = new Set(options.passthrough ?? bus.devices.filter((d) => !isEmulated(d)).map(fn));
  const drops = explainDrops(bus, result);
  const fixes = computeFixes(bus);
  const hazards = [
    ...sharedPages(result, (b) => passthroughSet.has(fn(b))),
    ...addressWidth(result, options.guestAddressBits),
    ...mtrrExhaustion(result, bus.hvmloader),
  ];
  const policies = comparePolicies(bus, result);
  return {
    hvmloader: bus.profile?.label ?? bus.hvmloader,
    result,
    fails: drops.length > 0,
    drops: drops.map((d) => ({ bar: barName(d.bar), cause: d.cause, sumTestPassed: d.sumTestPassed, message: d.message })),
    fixes: {
      holeHonoured: fixes.holeHonoured,
      smallestMmioHoleMiB: fixes.smallestHole?.holeMiB ?? null,
      ramBelow4G: fixes.smallestHole ? hex(fixes.smallestHole.ramBelow4G) : null,
      ramCost: fixes.smallestHole ? hex(fixes.smallestHole.ramCost) : null,
      relocateHigh: fixes.relocateHigh ? { placesAll: fixes.relocateHigh.placesAll, ramBelow4G: hex(fixes.relocateHigh.ramBelow4G) } : null,
      removable: fixes.removable,
    },
    hazards: hazards.map((h) => ({ kind: h.kind, message: h.message, bars: h.bars.map(barName) })),
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

export function adviceReport(a: Advice, title: string): string {
  const out: string[] = [`${title} under hvmloader ${a.hvmloader}`, ''];
  if (!a.fails) out.push('Every BAR is placed.');
  else {
    out.push('What fails, and why:');
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
    fixLines.push(
      f.relocateHigh.placesAll
        ? `leaving the hole alone and letting the large 64-bit BARs go above RAM (allow-memory-relocate=0) places everything and keeps RAM below 4 GiB at ${f.relocateHigh.ramBelow4G}`
        : 'letting 64-bit BARs go above RAM (allow-memory-relocate=0) does not place everything',
    );
  }
  if (a.fails) fixLines.push(f.removable.length ? `removing ${f.removable.join(' or ')} lets every other BAR be placed` : "no single passed-through function's removal lets the rest fit");
  out.push(a.fails ? 'Smallest fix:' : 'Options:', ...fixLines.map((l) => `  - ${l}`), '');
  out.push(a.hazards.length ? 'Hazards the boot log will not show:' : 'Hazards the boot log will not show: none');
  for (const h of a.hazards) out.push(`  - ${h.message}`);
  out.push('', 'Other firmware policies on the same devices:', '');
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
