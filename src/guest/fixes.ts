// Changes a user can make to a guest that does not work, each checked by
// planning the changed guest again: an mmio_hole with its value, less memory,
// maxmem equal to memory, or one passed-through device fewer. A change is
// offered only when the case comes out better with it; the best first.

import { B_MMIO_HOLE } from '../engine/layout.js';
import { MMIO_HOLE_MAX_MIB } from '../advisor/fixes.js';
import { badness, outcomeRank, type CaseOutcome, type FindingCode } from '../verdict/findings.js';
import type { GuestConfig } from './config.js';
import { hvmloaderOf, parseRelease, releaseListText, releasesAfter, type Release } from './releases.js';

export interface CaseFix {
  kind: 'xl.cfg' | 'remove-device' | 'xen-release';
  /** The change as a user writes it: `mmio_hole = 1024`, `remove 0000:0b:00.0 from pci`, `Xen 4.17.4, 4.18.1 or 4.19.0 and later`. */
  change: string;
  /** The case's outcome with the change applied (planned again). */
  outcome: CaseOutcome;
  /** What is still wrong with it applied (finding codes). */
  remaining: FindingCode[];
  /** What the change costs, when it costs something (RAM moved above 4 GiB). */
  cost?: string;
}

/** What fixes need of a judged case. */
interface Judged {
  xen: string;
  outcome: CaseOutcome;
  reasons: FindingCode[];
  result?: { lowHole: { start: string }; ram: { relocated: string; lowMemEnd: string } };
  params?: { videoramMiB: number; mmioHoleSize: string | null };
}

const MIB = 1n << 20n;
// mmio_hole values tried first (MiB)
const HOLE_LADDER = [512, 768, 1024, 1536, 2048, 2560, 3072, 3584];

type Replanned = { outcome: CaseOutcome; reasons: FindingCode[]; result?: { ram: { lowMemEnd: string } } };
// how bad a case is: its outcome, then its worst reason (a device above 4 GiB is less bad than one dropped)
const rank = (c: { outcome: CaseOutcome; reasons: FindingCode[] }) => badness(c.outcome, c.reasons[0] ?? null);

/**
 * The Xen releases after this one in which the same guest plans better: the
 * earliest of each series that does (backports included), every release of a
 * series tried in order. Releases that give the same outcome make one fix.
 */
export function releaseFixes(current: Release, now: { outcome: CaseOutcome; reasons: FindingCode[] }, replan: (r: Release) => Replanned): CaseFix[] {
  const earliest: { release: Release; p: Replanned }[] = [];
  for (const series of releasesAfter(current)) {
    for (const r of series) {
      const p = replan(r);
      if (rank(p) < rank(now)) {
        earliest.push({ release: r, p });
        break;
      }
    }
  }
  const byOutcome = new Map<CaseOutcome, { release: Release; p: Replanned }[]>();
  for (const e of earliest) byOutcome.set(e.p.outcome, [...(byOutcome.get(e.p.outcome) ?? []), e]);
  return [...byOutcome].map(([o, list]) => ({ kind: 'xen-release' as const, change: `Xen ${releaseListText(list.map((e) => e.release))}`, outcome: o, remaining: list[0].p.reasons }));
}

export function guestFixes(judged: Judged, cfg: GuestConfig, replan: (cfg: GuestConfig) => Replanned, replanRelease?: (r: Release) => Replanned): CaseFix[] {
  const out: CaseFix[] = [];
  // better: a better outcome, or the same one for a lesser reason (a device above 4 GiB rather than dropped)
  const better = (p: Replanned) => rank(p) < rank(judged);
  const lowNow = judged.result ? BigInt(judged.result.ram.lowMemEnd) : undefined;
  const cost = (after?: { ram: { lowMemEnd: string } }) => {
    if (lowNow === undefined || !after) return undefined;
    const lost = lowNow - BigInt(after.ram.lowMemEnd);
    return lost > 0n ? `${lost / MIB} MiB of RAM moves above 4 GiB` : undefined;
  };

  // mmio_hole: read by hvmloader from 4.5 (and by xl from the same release).
  // Try a ladder of sizes, then narrow to the smallest MiB with the best outcome found.
  const release = parseRelease(judged.xen);
  if ((hvmloaderOf(release).behaviours & B_MMIO_HOLE) !== 0) {
    const now = cfg.mmioHoleMiB ?? 256;
    const tried = new Map<number, ReturnType<typeof replan>>();
    const at = (mib: number) => {
      let p = tried.get(mib);
      if (!p) tried.set(mib, (p = replan({ ...cfg, mmioHoleMiB: mib })));
      return p;
    };
    const ladder = [...HOLE_LADDER, MMIO_HOLE_MAX_MIB].filter((m) => m > now);
    // the first rung with the best outcome the ladder reaches, and the rung before it
    let bestMiB: number | undefined;
    let below = now;
    let previous = now;
    for (const mib of ladder) {
      if (better(at(mib)) && (bestMiB === undefined || rank(at(mib)) < rank(at(bestMiB)))) {
        bestMiB = mib;
        below = previous;
      }
      if (at(mib).outcome === 'works') break;
      previous = mib;
    }
    if (bestMiB !== undefined) {
      // the smallest size between the last rung without it and the rung with it
      const target = rank(at(bestMiB));
      let lo = below;
      let hi = bestMiB;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (rank(at(mid)) <= target) hi = mid;
        else lo = mid;
      }
      const p = at(hi);
      out.push({ kind: 'xl.cfg', change: `mmio_hole = ${hi}`, outcome: p.outcome, remaining: p.reasons, cost: cost(p.result) });
    }
  }

  // memory: RAM that ends below the hole hvmloader grew is not moved
  if (judged.result && BigInt(judged.result.ram.relocated) > 0n) {
    const holeStartMiB = Number(BigInt(judged.result.lowHole.start) / MIB);
    const mib = holeStartMiB + (judged.params?.videoramMiB ?? 0);
    if (mib < cfg.memoryMiB) {
      const p = replan({ ...cfg, memoryMiB: mib, maxmemMiB: Math.min(cfg.maxmemMiB, mib) });
      if (better(p)) out.push({ kind: 'xl.cfg', change: `memory = ${mib}${cfg.maxmemMiB > cfg.memoryMiB ? ` and maxmem = ${mib}` : ''}`, outcome: p.outcome, remaining: p.reasons, cost: `${cfg.memoryMiB - mib} MiB less guest RAM` });
    }
  }

  // maxmem above memory turns on populate-on-demand
  if (cfg.maxmemMiB > cfg.memoryMiB) {
    const p = replan({ ...cfg, maxmemMiB: cfg.memoryMiB });
    if (better(p)) out.push({ kind: 'xl.cfg', change: `maxmem = ${cfg.memoryMiB}`, outcome: p.outcome, remaining: p.reasons });
  }

  // one passed-through device fewer: only worth saying when the guest fails
  for (const spec of judged.outcome === 'fails' ? cfg.pci : []) {
    const p = replan({ ...cfg, pci: cfg.pci.filter((x) => x !== spec) });
    if (better(p)) out.push({ kind: 'remove-device', change: `remove ${spec.bdf} from pci`, outcome: p.outcome, remaining: p.reasons });
  }

  // a later release of Xen
  if (replanRelease) out.push(...releaseFixes(release, judged, replanRelease));

  // the best outcome first; xl.cfg changes, then a release, then losing a device
  const ORDER = { 'xl.cfg': 0, 'xen-release': 1, 'remove-device': 2 } as const;
  return out.sort((a, b) => outcomeRank(a.outcome) - outcomeRank(b.outcome) || ORDER[a.kind] - ORDER[b.kind]);
}
