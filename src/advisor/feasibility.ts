// Exact feasibility of naturally aligned power-of-two BARs in a window.
//
// For a size class s, an aligned s-slot is a range [k*s, (k+1)*s) inside the
// window. A BAR of size t >= s covers t/s whole s-slots, so the BARs of size
// >= s need sum(t)/s of them; the window has floor(end/s) - ceil(start/s).
// Placing largest first, each BAR into the lowest free aligned slot of its
// size, succeeds exactly when every class fits: larger BARs never break the
// alignment of smaller ones (their slots are unions of smaller slots), so the
// s-slots left after the larger classes are exactly the count minus what they
// used. test/advisor/feasibility.test.ts checks this against brute force.

import { humanSize } from '../hex.js';

export interface ClassCheck {
  size: bigint; // the class: BARs of this size and larger
  needed: bigint; // s-slots they cover
  available: bigint; // aligned s-slots in the window
  fits: boolean;
}

export interface Feasibility {
  fits: boolean;
  classes: ClassCheck[]; // largest class first
  firstMisfit?: ClassCheck;
}

const hex = (v: bigint) => '0x' + v.toString(16);

export function alignedSlots(start: bigint, end: bigint, size: bigint): bigint {
  const first = (start + size - 1n) / size;
  const last = end / size;
  return last > first ? last - first : 0n;
}

/** The slot test over every size class present among `sizes`. */
export function feasibility(start: bigint, end: bigint, sizes: readonly bigint[]): Feasibility {
  const classes: ClassCheck[] = [];
  const distinct = [...new Set(sizes)].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  let covered = 0n; // bytes of BARs at least as large as the current class
  let next = 0;
  const sorted = [...sizes].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  for (const s of distinct) {
    while (next < sorted.length && sorted[next] >= s) covered += sorted[next++];
    const needed = covered / s;
    const available = alignedSlots(start, end, s);
    classes.push({ size: s, needed, available, fits: needed <= available });
  }
  const firstMisfit = classes.find((c) => !c.fits);
  return { fits: firstMisfit === undefined, classes, firstMisfit };
}

/** "BARs of 64 MiB and up need 5 slots of 64 MiB; the hole 0xf0000000-0xfc000000 has 3." */
export function describeMisfit(c: ClassCheck, start: bigint, end: bigint, what = 'the hole'): string {
  const n = (v: bigint) => `${v} slot${v === 1n ? '' : 's'}`;
  return `BARs of ${humanSize(c.size)} and up need ${n(c.needed)} of ${humanSize(c.size)}; ${what} ${hex(start)}-${hex(end)} has ${c.available}`;
}

/**
 * Places largest first, each BAR into the lowest free aligned slot, and
 * returns the addresses (or undefined where it fails). The constructive side
 * of the slot test, used by the optimal-packing policy.
 */
export function packLowestFit(start: bigint, end: bigint, sizes: readonly bigint[]): (bigint | undefined)[] {
  const order = sizes.map((s, i) => [s, i] as const).sort((a, b) => (a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : a[1] - b[1]));
  const taken: [bigint, bigint][] = []; // sorted, disjoint
  const out: (bigint | undefined)[] = new Array(sizes.length).fill(undefined);
  for (const [size, i] of order) {
    let base = ((start + size - 1n) / size) * size;
    for (const [a, b] of taken) {
      if (base + size <= a) break;
      if (base < b) base = ((b + size - 1n) / size) * size;
    }
    if (base + size > end) continue;
    out[i] = base;
    taken.push([base, base + size]);
    taken.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }
  return out;
}
