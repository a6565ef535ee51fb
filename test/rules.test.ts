// One named case per rule a version has or changed, with placements and log
// lines worked out by hand from that revision's pci.c (and util.c's printf).
// Each case is built so that dropping the rule changes the answer; where it
// helps, the neighbouring version is placed too to show the difference.
import { describe, expect, it } from 'vitest';
import { BusError, place, type BarInput, type BusInput, type DeviceInput, type PlacementResult } from '../src/index.js';
import { STALE_RANGE } from './rules/common.js';

const HOST: DeviceInput[] = [
  { slot: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600' },
  { slot: 1, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601' },
];
const LINKS = ['PCI-ISA link 0 routed to IRQ5', 'PCI-ISA link 1 routed to IRQ10', 'PCI-ISA link 2 routed to IRQ11', 'PCI-ISA link 3 routed to IRQ5'];
const dev = (slot: number, bars: BarInput[], extra: Partial<DeviceInput> = {}): DeviceInput => ({ slot, vendorId: '0x1af4', deviceId: '0x1041', classCode: '0x0200', bars, ...extra });
const mem32 = (index: number, size: string): BarInput => ({ index, type: 'mem32', size });
const mem64 = (index: number, size: string): BarInput => ({ index, type: 'mem64', size });
const bus = (hvmloader: BusInput['hvmloader'], devices: DeviceInput[], extra: Partial<BusInput> = {}): BusInput => ({ hvmloader, lowMemEnd: '0x7f000000', ...extra, devices: [...HOST, ...devices] });
const where = (r: PlacementResult, slot: number, reg = '0x10') => {
  const b = r.bars.find((x) => x.slot === slot && x.reg === reg)!;
  return b.placement === 'unplaced' ? 'unplaced' : `${b.placement} ${b.address}`;
};

describe('4.2 (RELEASE-4.2.0)', () => {
  it('sizes only the low register of a 64-bit BAR: 8 GiB reads as 0 and gets no space', () => {
    const r = place(bus('4.2', [dev(3, [mem64(0, '0x200000000')])]));
    // the low read-back is just the flag bits 0xc: non-zero, so listed; masked it is 0
    expect(r.bars).toEqual([{ slot: 3, function: 0, index: 0, reg: '0x10', type: 'mem64', size: '0x0', placement: 'unplaced', address: null }]);
    expect(r.log).toEqual([...LINKS, 'pci dev 03:0 bar 10 size 00000000: no space for resource!']);
  });

  it('lists an I/O BAR whose read-back masks to 0 (only the raw value is tested), later versions skip it', () => {
    const io: BarInput = { index: 0, type: 'io', mask: '0xffff0000' };
    expect(place(bus('4.2', [dev(3, [io])])).log.at(-1)).toBe('pci dev 03:0 bar 10 size 00000000: no space for resource!');
    expect(place(bus('4.3-rc', [dev(3, [io])])).bars).toEqual([]);
  });

  it('keeps the MMIO total in 32 bits: two 2 GiB BARs add up to 0 and the hole does not grow', () => {
    const devices = [dev(3, [mem32(0, '0x80000000')]), dev(4, [mem32(0, '0x80000000')])];
    const r42 = place(bus('4.2', devices));
    expect(r42.lowHole.start).toBe('0xf0000000');
    expect([where(r42, 3), where(r42, 4)]).toEqual(['unplaced', 'unplaced']);
    // 4.3-rc sums in 64 bits and grows the hole to 2 GiB (where a 2 GiB BAR still cannot fit below 0xfc000000)
    const rc = place(bus('4.3-rc', devices));
    expect(rc.lowHole.start).toBe('0x80000000');
    expect([where(rc, 3), where(rc, 4)]).toEqual(['unplaced', 'unplaced']);
  });

  it('ignores allow-memory-relocate, moves RAM silently in 0xffff-page chunks', () => {
    const r = place(bus('4.2', [dev(3, [mem32(0, '0x10000000')])], { lowMemEnd: '0xf0000000', allowMemoryRelocate: false }));
    expect(r.lowHole.start).toBe('0xe0000000');
    // no high RAM before: it starts at 4 GiB; 0x10000 pages moved as 0xffff + 1
    expect(r.ram).toEqual({ lowMemEnd: '0xe0000000', highMemEnd: '0x110000000', relocated: '0x10000000' });
    expect(r.log).toEqual([...LINKS, 'pci dev 03:0 bar 10 size 10000000: e0000000']);
  });

  it('keeps equal sizes in scan order and the ROM after the BARs of its function', () => {
    const r = place(bus('4.2', [dev(4, [mem32(0, '0x1000'), { type: 'rom', size: '0x1000' }]), dev(3, [mem32(2, '0x1000')])]));
    expect(r.bars.map((b) => `${b.slot}:${b.reg}`)).toEqual(['3:0x18', '4:0x10', '4:0x30']);
  });
});

describe('4.3-rc (4.3.0-rc5)', () => {
  it('wants 64-bit relocation exactly when the hole did not reach 2 GiB', () => {
    expect(place(bus('4.3-rc', [dev(3, [mem32(0, '0x1000')])])).bar64Relocate).toBe(true);
    expect(place(bus('4.3-rc', [dev(3, [mem32(0, '0x40000000')])])).bar64Relocate).toBe(false);
  });

  it('so never relocates: a 1 GiB 64-bit BAR grows the hole over RAM even with relocation disallowed', () => {
    const r = place(bus('4.3-rc', [dev(3, [mem64(0, '0x40000000')])], { lowMemEnd: '0xf0000000', highMemEnd: '0x110000000', allowMemoryRelocate: false }));
    expect(r.lowHole.start).toBe('0x80000000');
    expect(r.ram.relocated).toBe('0x70000000');
    expect(where(r, 3)).toBe('low 0x80000000');
    // 4.3 keeps RAM and puts it above RAM
    const fixed = place(bus('4.3', [dev(3, [mem64(0, '0x40000000')])], { lowMemEnd: '0xf0000000', highMemEnd: '0x110000000', allowMemoryRelocate: false }));
    expect(where(fixed, 3)).toBe('high 0x140000000');
  });

  it('prints %llx as "lx" and then the size\'s low word where the value should be', () => {
    const r = place(bus('4.3-rc', [dev(3, [mem32(0, '0x10000000')]), dev(4, [{ index: 0, type: 'io', size: '0x20' }])]));
    expect(r.log.slice(4)).toEqual(['pci dev 03:0 bar 10 size lx: 10000000', 'pci dev 04:0 bar 10 size lx: 00000020']);
  });
});

describe('4.3 (RELEASE-4.3.0)', () => {
  it('says whether it may relocate memory; absent key means enabled', () => {
    expect(place(bus('4.3', [])).log[0]).toBe('Relocating guest memory for lowmem MMIO space enabled');
    expect(place(bus('4.3', [], { allowMemoryRelocate: false })).log[0]).toBe('Relocating guest memory for lowmem MMIO space disabled');
  });

  it('stops growing the hole at RAM when relocation is disallowed, and drops what a 32-bit BAR cannot fit', () => {
    const devices = [dev(3, [mem32(0, '0x10000000')]), dev(4, [mem32(0, '0x10000000')])];
    const r = place(bus('4.3', devices, { lowMemEnd: '0xe0000000', highMemEnd: '0x120000000', allowMemoryRelocate: false }));
    // 0xe0000000 does not overlap RAM ending there; 0xc0000000 would
    expect(r.lowHole.start).toBe('0xe0000000');
    expect(r.bar64Relocate).toBe(true);
    expect([where(r, 3), where(r, 4)]).toEqual(['low 0xe0000000', 'unplaced']);
    expect(r.log.slice(1)).toEqual([
      ...LINKS,
      'Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit',
      'RAM in high memory; setting high_mem resource base to 120000000',
      'pci dev 03:0 bar 10 size 010000000: 0e0000000',
      'pci dev 04:0 bar 10 size 010000000: no space for resource!',
    ]);
  });

  it('relocates the largest 64-bit BARs first, while the rest still do not fit', () => {
    const devices = [dev(3, [mem64(0, '0x20000000'), mem64(2, '0x10000000'), mem64(4, '0x4000000')])];
    const r = place(bus('4.3', devices, { lowMemEnd: '0xf0000000', highMemEnd: '0x108000000', allowMemoryRelocate: false }));
    // 832 MiB > 192: 512 MiB goes high; 320 MiB > 192: 256 MiB goes high; 64 MiB fits
    expect([where(r, 3, '0x10'), where(r, 3, '0x18'), where(r, 3, '0x20')]).toEqual(['high 0x120000000', 'high 0x140000000', 'low 0xf0000000']);
    expect(r.highWindow).toEqual({ start: '0x120000000', end: '0x150000000' });
  });

  it('logs each chunk of RAM it moves and where the high window starts', () => {
    const r = place(bus('4.3', [dev(3, [mem32(0, '0x10000000')])], { lowMemEnd: '0xf0000000' }));
    expect(r.log.slice(5)).toEqual([
      'Relocating 0xffff pages from 0e0001000 to 100000000 for lowmem MMIO hole',
      'Relocating 0x1 pages from 0e0000000 to 10ffff000 for lowmem MMIO hole',
      'RAM in high memory; setting high_mem resource base to 110000000',
      'pci dev 03:0 bar 10 size 010000000: 0e0000000',
    ]);
  });

  it('starts the window at 4 GiB without high RAM, and refuses a BAR past the address width', () => {
    const r = place(bus('4.3', [dev(3, [mem64(0, '0x1000000000')])], { physAddrBits: 36, allowMemoryRelocate: false, lowMemEnd: '0xf0000000' }));
    expect(r.log).toContain('No RAM in high memory; setting high_mem resource base to 100000000');
    // 64 GiB aligned above 4 GiB starts at 64 GiB and would end at 128 GiB > 2^36
    expect(r.log.at(-1)).toBe('pci dev 03:0 bar 10 size 1000000000: no space for resource!');
    expect(r.highWindow).toBeNull();
  });
});

describe('4.5 (RELEASE-4.5.0)', () => {
  it('takes the hole size from platform/mmio_hole_size, printing it in decimal', () => {
    const r = place(bus('4.5', [dev(3, [mem32(0, '0x10000000')])], { lowMemEnd: '0xc0000000', mmioHoleSize: '0x40000000' }));
    expect(r.lowHole.start).toBe('0xc0000000');
    expect(r.log).toContain('pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=1073741824');
    expect(where(r, 3)).toBe('low 0xc0000000');
    // 4.3 has no such key: it doubles from 0xf0000000 only as far as needed
    expect(place(bus('4.3', [dev(3, [mem32(0, '0x10000000')])], { lowMemEnd: '0xc0000000', mmioHoleSize: '0x40000000' })).lowHole.start).toBe('0xe0000000');
  });

  it('ignores a hole smaller than the default, saying so', () => {
    const r = place(bus('4.5', [], { mmioHoleSize: '0x8000000' }));
    expect(r.log).toContain('max_ram_below_4g=0x0f8000000 too big for mmio_hole_size=0x008000000 has been ignored.');
    expect(r.lowHole.start).toBe('0xf0000000');
  });

  it('aligns the 64-bit window end like its start', () => {
    const devices = [dev(3, [mem64(0, '0x80000000')])];
    const extra = { allowMemoryRelocate: false } as const;
    expect(place(bus('4.3', devices, extra)).highWindow).toEqual({ start: '0x100000000', end: '0x180000000' });
    expect(place(bus('4.5', devices, extra)).highWindow).toEqual({ start: '0x100000000', end: '0x200000000' });
  });

  it('keeps the window start even when the BAR that opened it did not fit', () => {
    const r = place(bus('4.5', [dev(3, [mem64(0, '0x1000000000')])], { physAddrBits: 36, allowMemoryRelocate: false, lowMemEnd: '0xf0000000' }));
    expect(r.highWindow).toEqual({ start: '0x1000000000', end: '0x1000000000' });
  });
});

describe('4.6 (RELEASE-4.6.0)', () => {
  it('probes the ROM with its own mask: a 1 KiB ROM read-back sizes as 2 KiB', () => {
    const rom: BarInput = { type: 'rom', mask: '0xfffffc01' };
    expect(place(bus('4.5', [dev(3, [rom])])).bars[0].size).toBe('0x400');
    expect(place(bus('4.6', [dev(3, [rom])])).bars[0].size).toBe('0x800');
  });

  it('starts a grown hole that covers a reserved range at the end of RAM instead', () => {
    const devices = [dev(3, [mem32(0, '0x10000000')])];
    const reserved = [{ start: '0xf8000000', size: '0x1000' }];
    const r = place(bus('4.6', devices, { reserved }));
    expect(r.lowHole.start).toBe('0x7f000000');
    expect(where(r, 3)).toBe('low 0x80000000');
    expect(where(place(bus('4.5', devices, { reserved })), 3)).toBe('low 0xe0000000');
  });

  it('finds the next reserved range once, so a BAR placed past one range can land on the next', () => {
    const devices = STALE_RANGE.devices(dev);
    // R1 just above RAM, R2 inside the grown hole: the hole falls back to 0x7f000000,
    // the next range is R1, and the 1 GiB BAR at 0x80000000 passes it without a skip
    const { reserved } = STALE_RANGE;
    const r46 = place(bus('4.6', devices, { reserved }));
    expect(r46.lowHole.start).toBe('0x7f000000');
    expect(where(r46, 7)).toBe('low 0xf8000000'); // on top of R2
    // 4.19 looks the range up from each BAR's base and skips R2: nothing is left above it
    expect(where(place(bus('4.19', devices, { reserved })), 7)).toBe('unplaced');
  });

  it("refuses a reserved range in hvmloader's own area (a BUG in 4.6, not in 4.5)", () => {
    const b = bus('4.6', [], { reserved: [{ start: '0xfc001000', size: '0x1000' }] });
    expect(() => place(b)).toThrow(BusError);
    expect(() => place(b)).toThrow(/reserved\[0\]: .*own reserved area 0xfc001000-0xfe000000; it would BUG/);
    expect(() => place({ ...b, hvmloader: '4.5' })).not.toThrow();
    // 4.15 moved the area: 4.19 accepts this range
    expect(() => place({ ...b, hvmloader: '4.19' })).not.toThrow();
  });
});

describe('4.19 (RELEASE-4.19.0)', () => {
  it('always moves 64-bit BARs over 1 GiB above 4 GiB and leaves them out of the hole', () => {
    const devices = [dev(3, [mem64(0, '0x80000000'), mem32(2, '0x1000000')])];
    const r = place(bus('4.19', devices));
    expect(r.lowHole.start).toBe('0xf0000000');
    expect(r.bar64Relocate).toBe(true);
    expect(r.log).toContain('Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit');
    expect([where(r, 3, '0x10'), where(r, 3, '0x18')]).toEqual(['high 0x100000000', 'low 0xf0000000']);
    // 4.6 counts it, grows the hole to 2 GiB in vain, and only then moves it high
    const r46 = place(bus('4.6', devices));
    expect(r46.lowHole.start).toBe('0x80000000');
    expect([where(r46, 3, '0x10'), where(r46, 3, '0x18')]).toEqual(['high 0x100000000', 'low 0x80000000']);
  });

  it('counts a 2 GiB 32-bit BAR in the total but never takes it off, pushing a 512 MiB BAR high', () => {
    const devices = [dev(3, [mem32(0, '0x80000000')]), dev(4, [mem64(0, '0x20000000')])];
    const r = place(bus('4.19', devices));
    expect([where(r, 3), where(r, 4)]).toEqual(['unplaced', 'high 0x100000000']);
    expect([where(place(bus('4.6', devices)), 3), where(place(bus('4.6', devices)), 4)]).toEqual(['unplaced', 'low 0x80000000']);
  });

  it('prints the mmio_hole line in hex', () => {
    const r = place(bus('4.19', [], { lowMemEnd: '0xc0000000', mmioHoleSize: '0x40000000' }));
    expect(r.log).toContain('pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=0x40000000');
  });
});

describe('4.21 (RELEASE-4.21.0)', () => {
  const platform: DeviceInput = {
    slot: 2,
    vendorId: '0x5853',
    deviceId: '0x0001',
    classCode: '0xff80',
    interruptPin: 1,
    bars: [{ index: 0, type: 'io', size: '0x100' }, { index: 1, type: 'mem32', prefetchable: true, size: '0x1000000' }],
  };

  it('says which cache attribute the platform BAR gets; UC when the key is absent', () => {
    expect(place(bus('4.21', [platform])).log[1]).toBe('Xen platform PCI device BAR MTRR cache attribute set to UC');
    expect(place(bus('4.21', [platform], { xenPlatformBarUc: false })).log[1]).toBe('Xen platform PCI device BAR MTRR cache attribute set to WB');
  });

  it('with WB, puts the platform BAR at the top of the hole during the scan and lowers the hole end', () => {
    const r = place(bus('4.21', [platform, dev(3, [mem32(0, '0x2000000')])], { xenPlatformBarUc: false }));
    expect(r.lowHole).toEqual({ start: '0xf0000000', end: '0xfb000000' });
    expect(r.bars[0]).toMatchObject({ slot: 2, reg: '0x14', placement: 'low', address: '0xfb000000' });
    expect(r.log.slice(2)).toEqual([
      ...LINKS,
      'pci dev 02:0 bar 14 size 001000000: 0fb000008',
      'pci dev 02:0 INTA->IRQ11',
      'No RAM in high memory; setting high_mem resource base to 100000000',
      'pci dev 03:0 bar 10 size 002000000: 0f0000000',
      'pci dev 02:0 bar 10 size 000000100: 00000c001',
    ]);
  });

  it('leaves a 64-bit or oversized platform BAR to normal placement, saying why', () => {
    const odd: DeviceInput = { ...platform, bars: [mem64(0, '0x100000'), mem32(2, '0x10000000')] };
    const r = place(bus('4.21', [odd], { xenPlatformBarUc: false }));
    expect(r.log).toContain('xen platform pci dev 02:0 unexpected MMIO 64bit BAR0');
    // 256 MiB aligned below 0xfc000000 is 0xe0000000, under the hole start: %llx prints "lx"
    expect(r.log).toContain('xen platform pci dev 02:0 BAR2 size lx overflows low PCI hole');
    expect(r.lowHole.end).toBe('0xfc000000');
  });
});
