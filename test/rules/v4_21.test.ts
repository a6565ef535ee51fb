// hvmloader 4.21 (RELEASE-4.21.0): the xen-platform-pci-bar-uc key and the
// placement of the Xen platform device's memory BARs during the scan, worked
// out by hand from that revision's tools/firmware/hvmloader/pci.c and util.c
// (its own printf), on a minimal bus. Every case is chosen so that without
// the rule the answer differs; the 4.19 answer is given where it helps.
import { describe, expect, it } from 'vitest';
import { place, type BusInput, type PlacementResult } from '../../src/index.js';
import {
  IO_BARS,
  IO_LINES,
  LINKS,
  NO_HIGH_RAM,
  PLATFORM_INTA,
  PLATFORM_IO,
  PLATFORM_LOW,
  PLATFORM_MEM,
  PM_INTA,
  as,
  low,
  mem32,
  mem64,
  mkBus,
  nic,
  relocating,
  rom,
} from './bus-4_6plus.js';

const UC = 'Xen platform PCI device BAR MTRR cache attribute set to UC';
const WB = 'Xen platform PCI device BAR MTRR cache attribute set to WB';

/** The standard bus plus one 32 MiB BAR at 03:0, with the key as given. */
const withNic = (extra: Partial<BusInput> = {}) => mkBus('4.21', [nic(3, [mem32(0, '0x2000000')])], extra);

describe('hvmloader 4.21: the cache attribute line', () => {
  it('prints UC when hvmloader/pci/xen-platform-pci-bar-uc is not written, and places as 4.19', () => {
    const bus = mkBus('4.21');
    const expected: PlacementResult = {
      hvmloader: '4.21',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [PLATFORM_LOW('0xf0000000'), ...IO_BARS],
      // RELEASE-4.21.0 pci.c: the attribute defaults to UC and is printed right after the memory-relocation line
      log: [relocating(true), UC, ...LINKS, PM_INTA, PLATFORM_INTA, NO_HIGH_RAM, 'pci dev 02:0 bar 14 size 001000000: 0f0000008', ...IO_LINES],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('with the key set to 1 changes nothing but that line compared with 4.19', () => {
    const expected419: PlacementResult = {
      hvmloader: '4.19',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      // RELEASE-4.19.0 pci.c: descending size: 32 MiB, then the platform's 16 MiB
      bars: [low(3, 0, 'mem32', '0x2000000', '0xf0000000'), PLATFORM_LOW('0xf2000000'), ...IO_BARS],
      log: [
        relocating(true),
        ...LINKS,
        PM_INTA,
        PLATFORM_INTA,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 002000000: 0f0000000',
        'pci dev 02:0 bar 14 size 001000000: 0f2000008',
        ...IO_LINES,
      ],
    };
    const bus = withNic({ xenPlatformBarUc: true });
    expect(place(as(bus, '4.19'))).toEqual(expected419);
    // RELEASE-4.21.0 pci.c: with UC the platform device goes through the ordinary path; only the attribute line is new
    expect(place(bus)).toEqual({ ...expected419, hvmloader: '4.21', log: [relocating(true), UC, ...expected419.log.slice(1)] });
  });
});

describe('hvmloader 4.21: WB places the Xen platform memory BARs at the top of the hole during the scan', () => {
  it('takes the 16 MiB BAR from the hole end, prints it before the INTx line and lists it first', () => {
    const bus = withNic({ xenPlatformBarUc: false });
    const expected: PlacementResult = {
      hvmloader: '4.21',
      // RELEASE-4.21.0 pci.c: pci_mem_end drops by the BAR size, aligned down to it: 0xfc000000 - 16 MiB = 0xfb000000
      lowHole: { start: '0xf0000000', end: '0xfb000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [
        // RELEASE-4.21.0 pci.c: written during the scan and skipped from the sorted list, so it comes first
        PLATFORM_LOW('0xfb000000'),
        // RELEASE-4.21.0 pci.c: the rest fill the hole from its start as usual
        low(3, 0, 'mem32', '0x2000000', '0xf0000000'),
        ...IO_BARS,
      ],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        // RELEASE-4.21.0 pci.c: printed from inside the BAR loop with a literal 0 before the %08x address
        'pci dev 02:0 bar 14 size 001000000: 0fb000008',
        PLATFORM_INTA,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 002000000: 0f0000000',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('aligns the lowered end down to the BAR size: a 128 MiB BAR leaves the hole empty and it grows below', () => {
    const bus = mkBus('4.21', [nic(3, [mem32(0, '0x2000000')])], { xenPlatformBarUc: false }, [PLATFORM_IO, mem32(1, '0x8000000', true)]);
    const expected: PlacementResult = {
      hvmloader: '4.21',
      // RELEASE-4.21.0 pci.c: 0xfc000000 - 128 MiB = 0xf4000000, aligned down to 128 MiB is 0xf0000000 (not below pci_mem_start, so it is taken);
      // the hole [0xf0000000,0xf0000000) is then empty and 32 MiB doubles its start to 0xe0000000
      lowHole: { start: '0xe0000000', end: '0xf0000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [low(2, 1, 'mem32', '0x8000000', '0xf0000000'), low(3, 0, 'mem32', '0x2000000', '0xe0000000'), ...IO_BARS],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        'pci dev 02:0 bar 14 size 008000000: 0f0000008',
        PLATFORM_INTA,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 002000000: 0e0000000',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it("takes the platform device's ROM as well (the ROM register reads as memory)", () => {
    const bus = mkBus('4.21', [], { xenPlatformBarUc: false }, [PLATFORM_IO, PLATFORM_MEM, rom('0x10000')]);
    const expected: PlacementResult = {
      hvmloader: '4.21',
      // RELEASE-4.21.0 pci.c: the test is on the space bit of the register value, which is clear for the disabled ROM: 0xfb000000 - 64 KiB
      lowHole: { start: '0xf0000000', end: '0xfaff0000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [
        PLATFORM_LOW('0xfb000000'),
        { slot: 2, function: 0, index: 'rom', reg: '0x30', type: 'rom', size: '0x10000', placement: 'low', address: '0xfaff0000' },
        ...IO_BARS,
      ],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        'pci dev 02:0 bar 14 size 001000000: 0fb000008',
        'pci dev 02:0 bar 30 size 000010000: 0faff0000',
        PLATFORM_INTA,
        NO_HIGH_RAM,
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('treats device 5853:0002 the same way, but not 5853:0003', () => {
    const devices = [
      { slot: 3, function: 0, vendorId: '0x5853', deviceId: '0x0002', classCode: '0xff80', bars: [mem32(0, '0x100000')] },
      { slot: 4, function: 0, vendorId: '0x5853', deviceId: '0x0003', classCode: '0xff80', bars: [mem32(0, '0x100000')] },
    ];
    const bus = mkBus('4.21', devices, { xenPlatformBarUc: false });
    const expected: PlacementResult = {
      hvmloader: '4.21',
      // RELEASE-4.21.0 pci.c: 02:0 takes 0xfb000000, then 03:0 (device 0x0002) takes 1 MiB below it
      lowHole: { start: '0xf0000000', end: '0xfaf00000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [
        PLATFORM_LOW('0xfb000000'),
        low(3, 0, 'mem32', '0x100000', '0xfaf00000'),
        // RELEASE-4.21.0 pci.c: only device ids 0x0001 and 0x0002 match; 0x0003 is placed from the hole start
        low(4, 0, 'mem32', '0x100000', '0xf0000000'),
        ...IO_BARS,
      ],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        'pci dev 02:0 bar 14 size 001000000: 0fb000008',
        PLATFORM_INTA,
        'pci dev 03:0 bar 10 size 000100000: 0faf00000',
        NO_HIGH_RAM,
        'pci dev 04:0 bar 10 size 000100000: 0f0000000',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('reports a 64-bit platform BAR as unexpected and places it normally', () => {
    const bus = mkBus('4.21', [], { xenPlatformBarUc: false }, [PLATFORM_IO, mem64(1, '0x1000000')]);
    const expected: PlacementResult = {
      hvmloader: '4.21',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      // RELEASE-4.21.0 pci.c: the 64-bit case jumps past the early placement, so the BAR is sorted and placed from the hole start
      bars: [low(2, 1, 'mem64', '0x1000000', '0xf0000000'), ...IO_BARS],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        // RELEASE-4.21.0 pci.c: BAR%u is the loop index, 1
        'xen platform pci dev 02:0 unexpected MMIO 64bit BAR1',
        PLATFORM_INTA,
        NO_HIGH_RAM,
        'pci dev 02:0 bar 14 size 001000000: 0f000000c',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('reports a BAR that cannot fit the scan-time hole with the %llx quirk and places it normally', () => {
    const bus = mkBus('4.21', [], { xenPlatformBarUc: false }, [PLATFORM_IO, mem32(1, '0x10000000', true)]);
    const expected: PlacementResult = {
      hvmloader: '4.21',
      // RELEASE-4.21.0 pci.c: the BAR joins mmio_total (256 MiB > 192 MiB), so the hole doubles to 0xe0000000; pci_mem_end stays 0xfc000000
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [low(2, 1, 'mem32', '0x10000000', '0xe0000000'), ...IO_BARS],
      log: [
        relocating(true),
        WB,
        ...LINKS,
        PM_INTA,
        // RELEASE-4.21.0 pci.c: (0xfc000000 - 256 MiB) aligned down is 0xe0000000, below pci_mem_start 0xf0000000;
        // util.c's printf takes one 'l' and prints the second 'l' and the 'x' as text, consuming no argument
        'xen platform pci dev 02:0 BAR1 size lx overflows low PCI hole',
        PLATFORM_INTA,
        NO_HIGH_RAM,
        'pci dev 02:0 bar 14 size 010000000: 0e0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });
});
