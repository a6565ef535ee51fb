// Each policy's invariants on the bundled scenarios, and what sets each apart.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { comparePolicies, ovmfPolicy, optimalPolicy, seabiosPolicy, type PolicyOutcome } from '../../src/advisor/policies.js';
import { parseBus, place, type BusInput } from '../../src/index.js';

const dir = new URL('../../scenarios/buses/', import.meta.url);
const scenarios = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (name: string, version = '4.21') => {
  const bus = parseBus({ ...(JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as BusInput), hvmloader: version as BusInput['hvmloader'] });
  return { bus, result: place(bus) };
};

function checkInvariants(o: PolicyOutcome, physAddrBits: number, highMemEnd: bigint) {
  const placed = o.bars.filter((b) => b.address !== null).map((b) => ({ b, start: BigInt(b.address!), end: BigInt(b.address!) + BigInt(b.size) }));
  for (const p of placed) {
    expect(p.start % BigInt(p.b.size), `${o.policy} aligns ${p.b.reg}`).toBe(0n);
    if (p.b.placement === 'low') expect(p.start >= o.lowHole.start && p.end <= o.lowHole.end, `${o.policy} keeps low BARs in the hole`).toBe(true);
    else {
      expect(p.start >= (highMemEnd > 1n << 32n ? highMemEnd : 1n << 32n), `${o.policy} puts high BARs above RAM`).toBe(true);
      expect(p.end <= 1n << BigInt(physAddrBits)).toBe(true);
    }
  }
  const sorted = [...placed].sort((x, y) => (x.start < y.start ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) expect(sorted[i].start >= sorted[i - 1].end, `${o.policy} places without overlap`).toBe(true);
  expect(o.ramBelow4G <= o.lowHole.start).toBe(true);
  expect(o.mapped.length + o.relocated.length + o.dropped.length).toBeLessThanOrEqual(o.bars.length);
}

describe('what-if policies', () => {
  for (const file of scenarios) {
    it(`keep their invariants on ${file}`, () => {
      const { bus, result } = load(file);
      for (const o of comparePolicies(bus, result)) checkInvariants(o, bus.physAddrBits, bus.highMemEnd);
    });
  }

  it('seabios puts every 64-bit BAR high once RAM reaches 4 GiB', () => {
    const { bus, result } = load('gpu-256m-4g-ram.json');
    const o = seabiosPolicy(bus, result);
    expect(o.bars.filter((b) => b.type === 'mem64').every((b) => b.placement === 'high')).toBe(true);
    expect(o.bars.filter((b) => b.type !== 'mem64').every((b) => b.placement === 'low')).toBe(true);
  });

  it('seabios keeps 64-bit BARs low when the guest has no RAM above 4 GiB', () => {
    const { bus, result } = load('grow-hole-small-ram.json');
    expect(seabiosPolicy(bus, result).relocated).toEqual([]);
  });

  it('ovmf rejects the hungriest function until the rest fit', () => {
    const { bus, result } = load('32bit-bars-do-not-fit.json');
    const o = ovmfPolicy(bus, result);
    expect(o.rejected.length).toBeGreaterThan(0);
    for (const b of o.bars) {
      const fn = `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
      expect(b.placement === 'unplaced').toBe(o.rejected.includes(fn));
    }
  });

  it('optimal packs everything low in the smallest hole when it can, never a bigger hole than hvmloader needed', () => {
    const { bus, result } = load('grow-hole-small-ram.json');
    const o = optimalPolicy(bus, result);
    expect(o.dropped).toEqual([]);
    expect(o.relocated).toEqual([]);
    expect(o.lowHole.start).toBe(0xe0000000n); // the 256 MiB BAR needs the aligned slot at 0xe0000000, as hvmloader found
  });
});
