// Each hazard on a bus built to show it, and silent where it must not fire.
import { describe, expect, it } from 'vitest';
import { addressWidth, mtrrBlocks, mtrrExhaustion, sharedPages, superpageAlignment } from '../../src/advisor/hazards.js';
import { place, type BusInput, type DeviceInput } from '../../src/index.js';

const emulated: DeviceInput[] = [
  { slot: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600' },
  { slot: 1, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601' },
];
const bus = (devices: DeviceInput[], extra: Partial<BusInput> = {}): BusInput => ({
  hvmloader: '4.19',
  lowMemEnd: '0x7f000000',
  ...extra,
  devices: [...emulated, ...devices],
});
const dev = (slot: number, bars: DeviceInput['bars']): DeviceInput => ({ slot, vendorId: '0x1af4', deviceId: '0x1100', classCode: '0x0200', bars });
const passthroughSlots = (...slots: number[]) => (b: { slot: number }) => slots.includes(b.slot);

describe('shared 4 KiB pages', () => {
  const small = bus([dev(4, [{ index: 0, type: 'mem32', size: '0x100' }]), dev(5, [{ index: 0, type: 'mem32', size: '0x80' }])]);
  const result = place(small);

  it('fires when sub-page BARs of two passed-through functions land in one page', () => {
    const h = sharedPages(result, passthroughSlots(4, 5));
    expect(h).toHaveLength(1);
    expect(h[0].message).toMatch(/^04:0 bar 10 and 05:0 bar 10 share the 4 KiB guest page 0xf0000000/);
  });

  it('is silent when one of them is emulated', () => {
    expect(sharedPages(result, passthroughSlots(4))).toEqual([]);
  });

  it('is silent when the BARs fill whole pages', () => {
    const big = place(bus([dev(4, [{ index: 0, type: 'mem32', size: '0x1000' }]), dev(5, [{ index: 0, type: 'mem32', size: '0x1000' }])]));
    expect(sharedPages(big, passthroughSlots(4, 5))).toEqual([]);
  });
});

describe('address width', () => {
  const huge = (bits: number) =>
    place(bus([dev(4, [{ index: 0, type: 'mem64', size: '0x10000000000' }])], { lowMemEnd: '0xf0000000', highMemEnd: '0x10f000000', physAddrBits: bits }));

  it('names the BAR beyond what a 32-bit PAE kernel reaches (36 bits)', () => {
    const h = addressWidth(huge(46));
    expect(h).toHaveLength(1); // 2^41 is within 44 (shadow) and 48 (HAP) bits
    expect(h[0].message).toMatch(/end at 0x20000000000, beyond 36 address bits \(0x1000000000\) that 32-bit PAE guest kernels can reach: 04:0 bar 10/);
  });

  it('checks against the width given for the guest', () => {
    expect(addressWidth(huge(46), 40)).toHaveLength(1);
    expect(addressWidth(huge(46), 42)).toEqual([]);
  });

  it('is silent with nothing above 4 GiB', () => {
    expect(addressWidth(place(bus([dev(4, [{ index: 0, type: 'mem32', size: '0x1000' }])])))).toEqual([]);
  });
});

describe('MTRRs', () => {
  it('covers a hole with the greedy aligned blocks hvmloader writes', () => {
    expect(mtrrBlocks(0xf0000000n, 0xfc000000n).map(([a, z]) => z - a)).toEqual([0x8000000n, 0x4000000n]);
    expect(mtrrBlocks(0xc0000000n, 0xfc000000n)).toHaveLength(4);
  });

  it('fires when an unaligned mmio_hole needs more than 8 ranges', () => {
    // 4G - 0x2f009000 starts the hole at 0xd0ff7000: 9 aligned blocks up to 0xfc000000
    const r = place(bus([dev(4, [{ index: 0, type: 'mem32', size: '0x1000' }])], { mmioHoleSize: '0x2f009000', lowMemEnd: '0xd0ff7000' }));
    expect(r.lowHole.start).toBe('0xd0ff7000');
    const h = mtrrExhaustion(r);
    expect(h).toHaveLength(1);
    expect(h[0].message).toMatch(/takes \d+ variable MTRRs: \d+ of the guest's 8; hvmloader stops silently at 8/);
  });

  it('is silent for the default hole', () => {
    expect(mtrrExhaustion(place(bus([])))).toEqual([]);
  });
});

describe('superpage alignment', () => {
  const r = place(bus([dev(4, [{ index: 0, type: 'mem64', size: '0x40000000' }])], { lowMemEnd: '0xf0000000', highMemEnd: '0x10f000000' }));

  it('fires when guest and host addresses differ modulo 2 MiB', () => {
    const h = superpageAlignment(r, () => 0x38000100000n);
    expect(h).toHaveLength(1);
    expect(h[0].message).toMatch(/04:0 bar 10 \(1 GiB\) is at 0x\w+ in the guest and 0x38000100000 on the host; they differ by 0x100000 modulo 2 MiB/);
  });

  it('is silent when they agree modulo 2 MiB', () => {
    expect(superpageAlignment(r, () => 0x38000000000n)).toEqual([]);
  });
});
