// The slot test must agree with an exhaustive search on small windows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedSlots, describeMisfit, feasibility, packLowestFit } from '../../src/advisor/feasibility.js';

/** Is there any non-overlapping placement of aligned BARs in [start, end)? Backtracking. */
function bruteForce(start: number, end: number, sizes: number[]): boolean {
  const order = [...sizes].sort((a, b) => b - a);
  const used: [number, number][] = [];
  const place = (k: number): boolean => {
    if (k === order.length) return true;
    const s = order[k];
    for (let base = Math.ceil(start / s) * s; base + s <= end; base += s) {
      if (used.some(([a, b]) => base < b && a < base + s)) continue;
      used.push([base, base + s]);
      if (place(k + 1)) return true;
      used.pop();
    }
    return false;
  };
  return place(0);
}

describe('slot test', () => {
  it('counts aligned slots', () => {
    expect(alignedSlots(0xf0000000n, 0xfc000000n, 0x4000000n)).toBe(3n);
    expect(alignedSlots(0xd0000000n, 0xfc000000n, 0x20000000n)).toBe(0n);
    expect(alignedSlots(0x1000n, 0x1fffn, 0x1000n)).toBe(0n);
  });

  it('agrees with exhaustive search on every small random window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 7 }),
        (startUnits, lengthUnits, logs) => {
          const start = startUnits;
          const end = startUnits + lengthUnits;
          const sizes = logs.map((l) => 2 ** l);
          const exact = bruteForce(start, end, sizes);
          const test = feasibility(BigInt(start), BigInt(end), sizes.map(BigInt));
          expect(test.fits).toBe(exact);
          // and the constructive packing places everything exactly when it fits
          const packed = packLowestFit(BigInt(start), BigInt(end), sizes.map(BigInt));
          expect(packed.every((a) => a !== undefined)).toBe(exact);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('packs without overlap, aligned, inside the window', () => {
    const sizes = [0x10000000n, 0x1000000n, 0x1000000n, 0x40000n, 0x1000n];
    const at = packLowestFit(0xd8000000n, 0xfc000000n, sizes);
    at.forEach((a, i) => {
      expect(a).toBeDefined();
      expect(a! % sizes[i]).toBe(0n);
      expect(a! >= 0xd8000000n && a! + sizes[i] <= 0xfc000000n).toBe(true);
    });
    const spans = at.map((a, i) => [a!, a! + sizes[i]] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (let i = 1; i < spans.length; i++) expect(spans[i][0] >= spans[i - 1][1]).toBe(true);
  });

  it('names the first class that does not fit, in plain words', () => {
    const sizes = Array(5).fill(0x4000000n) as bigint[];
    const f = feasibility(0xf0000000n, 0xfc000000n, sizes);
    expect(f.fits).toBe(false);
    expect(describeMisfit(f.firstMisfit!, 0xf0000000n, 0xfc000000n)).toBe(
      'BARs of 64 MiB and up need 5 slots of 64 MiB; the hole 0xf0000000-0xfc000000 has 3',
    );
  });
});
