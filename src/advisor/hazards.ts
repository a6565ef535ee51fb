// Hazards a boot log does not show: each is computed from the placement
// result (and, where it needs them, which functions are passed through and
// their host addresses).

import type { PlacedBar, PlacementResult } from '../contract.js';
import { humanSize } from '../hex.js';
import { B_MMIO_HOLE } from '../engine/layout.js';
import { VERSIONS, type VersionName } from '../versions.js';

export type HazardKind = 'shared-page' | 'address-width' | 'mtrr-exhausted' | 'superpage-misaligned';

export interface Hazard {
  kind: HazardKind;
  message: string;
  bars: PlacedBar[];
  /** For address-width: the width the BARs end beyond. */
  bits?: number;
}

const PAGE = 0x1000n;
const hex = (v: bigint) => '0x' + v.toString(16);
const name = (b: PlacedBar) => `${b.slot.toString(16).padStart(2, '0')}:${b.function} bar ${b.reg.slice(2)}`;

/**
 * BARs smaller than a page from different passed-through functions in one
 * 4 KiB guest page: Xen maps passthrough MMIO a page at a time, so the second
 * mapping of that page is refused and the domain is crashed.
 */
export function sharedPages(result: PlacementResult, passthrough: (b: PlacedBar) => boolean): Hazard[] {
  const byPage = new Map<bigint, PlacedBar[]>();
  for (const b of result.bars) {
    if (b.placement !== 'low' && b.placement !== 'high') continue;
    if (!passthrough(b) || BigInt(b.size) >= PAGE) continue;
    const page = BigInt(b.address!) / PAGE;
    byPage.set(page, [...(byPage.get(page) ?? []), b]);
  }
  const out: Hazard[] = [];
  for (const [page, bars] of byPage) {
    const functions = new Set(bars.map((b) => `${b.slot}:${b.function}`));
    if (functions.size < 2) continue;
    out.push({
      kind: 'shared-page',
      bars,
      message: `${bars.map(name).join(' and ')} share the 4 KiB guest page ${hex(page * PAGE)}; they belong to different passed-through functions and Xen maps passthrough MMIO per page, so the second mapping is refused and the domain crashes`,
    });
  }
  return out;
}

/** Address widths above which a guest cannot reach a BAR. */
export const ADDRESS_LIMITS = [
  { bits: 36, who: '32-bit PAE guest kernels' },
  { bits: 44, who: 'shadow paging' },
  { bits: 48, who: 'hardware-assisted paging (4-level EPT/NPT)' },
] as const;

/** The 64-bit window ending beyond what the guest (or old kernels) can address. */
export function addressWidth(result: PlacementResult, guestBits?: number, limitsToCheck: readonly { bits: number; who: string }[] = ADDRESS_LIMITS): Hazard[] {
  if (!result.highWindow) return [];
  const high = result.bars.filter((b) => b.placement === 'high');
  const end = high.reduce((m, b) => (BigInt(b.address!) + BigInt(b.size) > m ? BigInt(b.address!) + BigInt(b.size) : m), 0n);
  if (end === 0n) return [];
  const limits = guestBits ? [{ bits: guestBits, who: 'this guest' }] : limitsToCheck;
  const out: Hazard[] = [];
  for (const l of limits) {
    const limit = 1n << BigInt(l.bits);
    if (end <= limit) continue;
    const beyond = high.filter((b) => BigInt(b.address!) + BigInt(b.size) > limit);
    out.push({
      kind: 'address-width',
      bits: l.bits,
      bars: beyond,
      message: `the 64-bit BARs end at ${hex(end)}, beyond ${l.bits} address bits (${hex(limit)}) that ${l.who} can reach: ${beyond.map(name).join(', ')}`,
    });
  }
  return out;
}

/** hvmloader's MTRR cover of [base, end): the greedy aligned blocks cacheattr.c writes. */
export function mtrrBlocks(base: bigint, end: bigint): [bigint, bigint][] {
  const blocks: [bigint, bigint][] = [];
  while (base < end) {
    let size = PAGE;
    while ((base & size) === 0n && size < 1n << 52n) size <<= 1n;
    while (base + size > end) size >>= 1n;
    blocks.push([base, base + size]);
    base += size;
  }
  return blocks;
}

export const GUEST_VARIABLE_MTRRS = 8; // Xen's virtual MTRRs (MTRR_VCNT)

/**
 * More variable MTRRs needed to make the hole and the 64-bit window UC than
 * the guest has: hvmloader stops when they run out, leaving the rest of the
 * MMIO cached as RAM. The window is covered from 4.5 (d068866943) on.
 */
export function mtrrExhaustion(result: PlacementResult, version: VersionName = result.hvmloader): Hazard[] {
  const low = mtrrBlocks(BigInt(result.lowHole.start), BigInt(result.lowHole.end));
  // the window has its own variables (and MTRRs) from 4.5, the rows with B_MMIO_HOLE
  const coversHigh = (VERSIONS[version].behaviours & B_MMIO_HOLE) !== 0;
  const high = coversHigh && result.highWindow ? mtrrBlocks(BigInt(result.highWindow.start), BigInt(result.highWindow.end)) : [];
  const needed = low.length + high.length;
  if (needed <= GUEST_VARIABLE_MTRRS) return [];
  const covered = [...low, ...high].slice(0, GUEST_VARIABLE_MTRRS);
  const uncovered = result.bars.filter((b) => {
    if (b.placement !== 'low' && b.placement !== 'high') return false;
    const start = BigInt(b.address!);
    const end = start + BigInt(b.size);
    return !covered.some(([a, z]) => start >= a && end <= z);
  });
  return [
    {
      kind: 'mtrr-exhausted',
      bars: uncovered,
      message: `covering the hole ${result.lowHole.start}-${result.lowHole.end} takes ${low.length} variable MTRRs${high.length ? ` and the 64-bit window ${high.length} more` : ''}: ${needed} of the guest's ${GUEST_VARIABLE_MTRRS}; hvmloader stops silently at ${GUEST_VARIABLE_MTRRS}, leaving ${uncovered.length ? uncovered.map(name).join(', ') : 'part of the window'} cached as if it were RAM`,
    },
  ];
}

/**
 * 64-bit BARs whose guest and host addresses differ modulo 2 MiB: Xen cannot
 * map them with superpages, so every 4 KiB page costs its own mapping.
 */
export function superpageAlignment(result: PlacementResult, hostAddress: (b: PlacedBar) => bigint | undefined): Hazard[] {
  const TWO_MIB = 2n << 20n;
  const out: Hazard[] = [];
  for (const b of result.bars) {
    if (b.type !== 'mem64' || b.address === null || BigInt(b.size) < TWO_MIB) continue;
    const host = hostAddress(b);
    if (host === undefined) continue;
    const guest = BigInt(b.address);
    if ((guest - host) % TWO_MIB !== 0n) {
      out.push({
        kind: 'superpage-misaligned',
        bars: [b],
        message: `${name(b)} (${humanSize(BigInt(b.size))}) is at ${hex(guest)} in the guest and ${hex(host)} on the host; they differ by ${hex((guest - host) % TWO_MIB < 0n ? -((guest - host) % TWO_MIB) : (guest - host) % TWO_MIB)} modulo 2 MiB, so Xen maps it in 4 KiB pages`,
      });
    }
  }
  return out;
}
