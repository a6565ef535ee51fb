// Why a BAR got no space: each cause on a bus built to show it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainDrops } from '../../src/advisor/why.js';
import { parseBus, place, type BusInput, type DeviceInput } from '../../src/index.js';

const emulated: DeviceInput[] = [
  { slot: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600' },
  { slot: 1, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601' },
];
const dev = (slot: number, size: string): DeviceInput => ({ slot, vendorId: '0x10ee', deviceId: '0x7028', classCode: '0x1180', bars: [{ index: 0, type: 'mem32', size }] });
const explain = (input: BusInput) => {
  const bus = parseBus(input);
  return explainDrops(bus, place(bus));
};
const scenario = (name: string): BusInput => JSON.parse(readFileSync(new URL(`../../scenarios/buses/${name}`, import.meta.url), 'utf8'));

describe('why a BAR was not placed', () => {
  it('a reserved range (RMRR) that takes the place a BAR would get is named, start to end', () => {
    const reasons = explain({
      hvmloader: '4.19',
      lowMemEnd: '0xf0000000',
      allowMemoryRelocate: false,
      reserved: [{ start: '0xf4000000', size: '0x100000' }],
      devices: [...emulated, dev(4, '0x8000000')],
    });
    expect(reasons).toHaveLength(1);
    expect(reasons[0].cause).toBe('reserved-range');
    expect(reasons[0].message).toMatch(/^04:0 bar 10 \(128 MiB\): the reserved range 0xf4000000-0xf40fffff \(an RMRR in the guest's memory map\) takes the place it would get in the hole 0xf0000000-0xfc000000; without it the BAR is placed/);
    expect(reasons[0].message).not.toMatch(/cannot go above 4 GiB/);
  });

  it('an mmio_hole that is not a power of two', () => {
    const [r] = explain(scenario('mmio-hole-not-power-of-two.json'));
    expect(r.cause).toBe('unaligned-mmio-hole');
    expect(r.sumTestPassed).toBe(true);
    expect(r.message).toMatch(/^05:0 bar 10 \(512 MiB\): the BARs add up to .* and fit the hole's size, but mmio_hole 768 MiB starts the hole at 0xd0000000, not aligned to the 512 MiB BAR, so aligning it wasted 256 MiB/);
  });

  it('the page-aligned start hvmloader falls back to around a reserved range', () => {
    const reasons = explain({
      hvmloader: '4.19',
      lowMemEnd: '0xd0001000',
      allowMemoryRelocate: false, // qemu-xen: the hole stops growing at RAM, 0xe0000000
      reserved: [{ start: '0xf8000000', size: '0x1000' }],
      devices: [...emulated, dev(4, '0x20000000'), dev(5, '0x8000000')],
    });
    expect(reasons.map((r) => r.cause)).toEqual(['unaligned-rmrr-start']);
    expect(reasons[0].message).toMatch(/to avoid a reserved range the hole starts at the end of RAM, 0xd0001000, which is not aligned to the 512 MiB BAR/);
  });

  it('a BAR that skipped past a reserved range', () => {
    const reasons = explain({
      hvmloader: '4.19',
      lowMemEnd: '0xf0000000',
      highMemEnd: '0x110000000',
      reserved: [{ start: '0xf4000000', size: '0x1000' }],
      devices: [...emulated, dev(4, '0x4000000'), dev(5, '0x4000000'), dev(6, '0x100000')],
    });
    expect(reasons.map((r) => [r.bar.slot, r.cause])).toEqual([[6, 'reserved-skip']]);
    expect(reasons[0].sumTestPassed).toBe(true);
  });

  it('a hole that is simply too small, with the slot count', () => {
    const reasons = explain(scenario('32bit-bars-do-not-fit.json'));
    expect(reasons).toHaveLength(3);
    expect(reasons.every((r) => r.cause === 'hole-too-small' && !r.sumTestPassed)).toBe(true);
    expect(reasons[0].message).toMatch(/BARs of 256 MiB and up need 3 slots of 256 MiB; the hole 0xf0000000-0xfc000000 has 0; a 32-bit BAR cannot go above 4 GiB/);
  });

  it('a 64-bit BAR 4.2 could not size', () => {
    const reasons = explain({ ...scenario('datacenter-gpu-64g.json'), hvmloader: '4.2' });
    expect(reasons.map((r) => r.cause)).toEqual(['not-sized']);
  });

  it('says nothing when everything is placed', () => {
    expect(explain(scenario('default-hole-fits.json'))).toEqual([]);
  });
});
