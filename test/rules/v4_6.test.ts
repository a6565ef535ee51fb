// hvmloader 4.6 (RELEASE-4.6.0): the rules it added over 4.5, each worked out
// by hand from that revision's tools/firmware/hvmloader/pci.c, e820.c and
// util.c (its own printf), on a minimal bus. Every case is chosen so that
// without the rule the answer differs; where cheap, the 4.5 answer is given too.
import { describe, expect, it } from 'vitest';
import { parseBus, place, type PlacementResult } from '../../src/index.js';
import {
  IO_BARS,
  IO_LINES,
  NO_HIGH_RAM,
  PLATFORM_LOW,
  as,
  low,
  mem32,
  mkBus,
  nic,
  HEAD,
  caught,
  staleRangeBus,
} from './bus-4_6plus.js';

describe('hvmloader 4.6: reserved ranges move the hole start', () => {
  it('falls back to lowMemEnd when the default hole overlaps a reserved range', () => {
    const bus = mkBus('4.6', [], { reserved: [{ start: '0xf8000000', size: '0x100000' }] });
    const expected: PlacementResult = {
      hvmloader: '4.6',
      // RELEASE-4.6.0 pci.c: 0xf0000000 is above low RAM and [0xf0000000,0xfc000000) meets the range, so the hole starts at low_mem_pgend
      lowHole: { start: '0x7f000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [PLATFORM_LOW('0x7f000000'), ...IO_BARS],
      log: [...HEAD, NO_HIGH_RAM, 'pci dev 02:0 bar 14 size 001000000: 07f000008', ...IO_LINES],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.5.0 pci.c has no such fallback: the hole stays at 0xf0000000
    expect(place(as(bus, '4.5')).lowHole.start).toBe('0xf0000000');
  });

  it('checks the grown hole, and the new start is lowMemEnd itself (page-aligned, not a power of two)', () => {
    const devices = [nic(3, [mem32(0, '0x10000000')])];
    const reserved = [{ start: '0xe8000000', size: '0x1000' }];
    const bus = mkBus('4.6', devices, { lowMemEnd: '0x7f0ff000', reserved });
    const expected: PlacementResult = {
      hvmloader: '4.6',
      // RELEASE-4.6.0 pci.c: 272 MiB grows the hole to 0xe0000000, which covers 0xe8000000, so the start falls back to low_mem_pgend << 12
      lowHole: { start: '0x7f0ff000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f0ff000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      // RELEASE-4.6.0 pci.c: BARs align up from the odd start (256 MiB to 0x80000000); the range lies far above them
      bars: [low(3, 0, 'mem32', '0x10000000', '0x80000000'), PLATFORM_LOW('0x90000000'), ...IO_BARS],
      log: [
        ...HEAD,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 010000000: 080000000',
        'pci dev 02:0 bar 14 size 001000000: 090000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);

    // RELEASE-4.6.0 pci.c: without the 256 MiB BAR the hole is not grown and [0xf0000000,0xfc000000) misses 0xe8000000: no fallback
    const small = place(mkBus('4.6', [], { lowMemEnd: '0x7f0ff000', reserved }));
    expect(small.lowHole.start).toBe('0xf0000000');

    // RELEASE-4.5.0 pci.c: the grown hole is kept
    const r45 = place(as(bus, '4.5'));
    expect(r45.lowHole.start).toBe('0xe0000000');
    expect(r45.bars.slice(0, 2).map((b) => b.address)).toEqual(['0xe0000000', '0xf0000000']);
  });

  it('does not fall back when platform/mmio_hole_size is set, and prints the hole size in decimal', () => {
    const bus = mkBus('4.6', [], { mmioHoleSize: '0x20000000', reserved: [{ start: '0xf8000000', size: '0x100000' }] });
    const expected: PlacementResult = {
      hvmloader: '4.6',
      // RELEASE-4.6.0 pci.c: the reserved-range fallback sits in the branch taken only without mmio_hole_size
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [PLATFORM_LOW('0xe0000000'), ...IO_BARS],
      log: [
        ...HEAD,
        // RELEASE-4.6.0 pci.c: the mmio_hole_size message uses %lu, so 0x20000000 shows as 536870912
        'pci_mem_start=0xe0000000 (was 0xf0000000) for mmio_hole_size=536870912',
        NO_HIGH_RAM,
        'pci dev 02:0 bar 14 size 001000000: 0e0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('does not raise the hole start to lowMemEnd when RAM reaches into the hole; the RAM is relocated instead', () => {
    const bus = mkBus('4.6', [], { lowMemEnd: '0xf4000000', reserved: [{ start: '0xf8000000', size: '0x100000' }] });
    const expected: PlacementResult = {
      hvmloader: '4.6',
      // RELEASE-4.6.0 pci.c: the fallback needs pci_mem_start strictly above low RAM; 0xf0000000 is below 0xf4000000, so it stays
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      // RELEASE-4.6.0 pci.c: the 0x4000 pages from 0xf0000000 move to 4 GiB (high_mem_pgend starts there when it was 0)
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x104000000', relocated: '0x4000000' },
      bar64Relocate: false,
      bars: [PLATFORM_LOW('0xf0000000'), ...IO_BARS],
      log: [
        ...HEAD,
        'Relocating 0x4000 pages from 0f0000000 to 100000000 for lowmem MMIO hole',
        'RAM in high memory; setting high_mem resource base to 104000000',
        'pci dev 02:0 bar 14 size 001000000: 0f0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });
});

describe('hvmloader 4.6: BARs skip reserved ranges', () => {
  it('moves a BAR that overlaps the next reserved range past it, aligned to the BAR size', () => {
    const bus = mkBus('4.6', [nic(3, [mem32(0, '0x2000000')])], {
      lowMemEnd: '0xf0000000',
      reserved: [{ start: '0xf0800000', size: '0x1000' }],
    });
    const expected: PlacementResult = {
      hvmloader: '4.6',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [
        // RELEASE-4.6.0 pci.c: [0xf0000000,+32 MiB) meets 0xf0800000, so the base moves to its end 0xf0801000 rounded up to 32 MiB
        low(3, 0, 'mem32', '0x2000000', '0xf2000000'),
        // RELEASE-4.6.0 pci.c: the next BAR continues from the end of the moved one
        PLATFORM_LOW('0xf4000000'),
        ...IO_BARS,
      ],
      log: [
        ...HEAD,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 002000000: 0f2000000',
        'pci dev 02:0 bar 14 size 001000000: 0f4000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.5.0 pci.c: no reserved-range check, the BARs pack from 0xf0000000
    expect(place(as(bus, '4.5')).bars.slice(0, 2).map((b) => b.address)).toEqual(['0xf0000000', '0xf2000000']);
  });

  it('looks up the next reserved range once from pci_mem_start, so a stale one lets a BAR overlap a later range', () => {
    // low RAM ends at 0xef800000 (8 MiB aligned, not 16): A sits in the alignment gap below 0xf0000000, B inside the first BAR
    const bus = staleRangeBus('4.6');
    const expected: PlacementResult = {
      hvmloader: '4.6',
      // RELEASE-4.6.0 pci.c: B meets [0xf0000000,0xfc000000), so the hole falls back to low RAM's end 0xef800000
      lowHole: { start: '0xef800000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0xef800000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      // RELEASE-4.6.0 pci.c: find_next_rmrr(0xef800000) picks A (lowest end); the 16 MiB BAR aligns to 0xf0000000, misses A,
      // and B is never compared, so the BAR lands on top of B
      bars: [PLATFORM_LOW('0xf0000000'), ...IO_BARS],
      log: [...HEAD, NO_HIGH_RAM, 'pci dev 02:0 bar 14 size 001000000: 0f0000008', ...IO_LINES],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('after a skip, looks up the next reserved range from the new base and skips again when that one is hit', () => {
    // A at 0xf0000000 forces a skip; B lies in the gap that skip leaves; C sits where the second BAR lands
    const reserved = [
      { start: '0xf0000000', size: '0x1000' },
      { start: '0xf1000000', size: '0x1000' },
      { start: '0xf2800000', size: '0x1000' },
    ];
    const bus = mkBus('4.6', [nic(3, [mem32(0, '0x2000000')])], { lowMemEnd: '0xf0000000', reserved });
    const r = place(bus);
    expect(r.bars.slice(0, 2)).toEqual([
      // RELEASE-4.6.0 pci.c: 32 MiB at 0xf0000000 meets A; past A rounded to 32 MiB is 0xf2000000, which meets C (0xf2800000);
      // the range after 0xf2000000 is C, so it skips again to 0xf2801000 rounded up, 0xf4000000
      low(3, 0, 'mem32', '0x2000000', '0xf4000000'),
      // RELEASE-4.6.0 pci.c: after that skip the next range is looked up from 0xf4000000: none, so 16 MiB follows at 0xf6000000
      PLATFORM_LOW('0xf6000000'),
    ]);
    expect(r.log.slice(-4, -2)).toEqual([
      'pci dev 03:0 bar 10 size 002000000: 0f4000000',
      'pci dev 02:0 bar 14 size 001000000: 0f6000008',
    ]);
  });
});

describe('hvmloader 4.6: the expansion ROM is sized with its own mask', () => {
  it('sizes a ROM whose read-back has bits below 0x800 as 2 KiB (4.5: by its lowest address bit)', () => {
    const romBar = { type: 'rom' as const, mask: '0xfffffc01' };
    const bus = mkBus('4.6', [nic(3, [mem32(0, '0x400'), romBar])]);
    const expected: PlacementResult = {
      hvmloader: '4.6',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [
        PLATFORM_LOW('0xf0000000'),
        // RELEASE-4.6.0 pci.c: the ROM register is probed with 0xfffff800 (enable clear) and masked with the ROM address mask,
        // so the 0x400 bit never shows: 2 KiB, which sorts ahead of the 1 KiB BAR
        { slot: 3, function: 0, index: 'rom', reg: '0x30', type: 'rom', size: '0x800', placement: 'low', address: '0xf1000000' },
        low(3, 0, 'mem32', '0x400', '0xf1000800'),
        ...IO_BARS,
      ],
      log: [
        ...HEAD,
        NO_HIGH_RAM,
        'pci dev 02:0 bar 14 size 001000000: 0f0000008',
        'pci dev 03:0 bar 30 size 000000800: 0f1000000',
        'pci dev 03:0 bar 10 size 000000400: 0f1000800',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);

    // RELEASE-4.5.0 pci.c: the ROM is probed with all-ones and masked like a memory BAR: 0x400, equal to BAR 0, so it follows it
    const r45 = place(as(bus, '4.5'));
    expect(r45.bars.slice(1, 3)).toEqual([
      low(3, 0, 'mem32', '0x400', '0xf1000000'),
      { slot: 3, function: 0, index: 'rom', reg: '0x30', type: 'rom', size: '0x400', placement: 'low', address: '0xf1000400' },
    ]);
  });
});

describe('hvmloader 4.6: memory_map_setup BUGs on its own reserved area', () => {
  it('refuses a reserved range overlapping 0xfc001000-0xfe000000', () => {
    const bus = mkBus('4.6', [], { reserved: [{ start: '0xf8000000', size: '0x1000' }, { start: '0xfc001000', size: '0x1000' }] });
    // RELEASE-4.6.0 e820.c: a reserved E820 entry meeting RESERVED_MEMORY_DYNAMIC_START..END makes memory_map_setup BUG
    const err = caught(() => place(bus));
    expect(err.path).toBe('reserved[1]');
    expect(err.message).toMatch(/BUG/);
    expect(caught(() => parseBus(bus)).path).toBe('reserved[1]');

    // RELEASE-4.6.0 e820.c: the last page before the end of the area also overlaps
    expect(caught(() => place(mkBus('4.6', [], { reserved: [{ start: '0xfdfff000', size: '0x1000' }] }))).path).toBe('reserved[0]');
  });

  it('accepts ranges that only touch the area, and 4.5 (no memory_map_setup) accepts the overlapping one', () => {
    // RELEASE-4.6.0 util.c check_overlap: ranges ending at 0xfc001000 or starting at 0xfe000000 do not overlap the area
    const touching = mkBus('4.6', [], {
      reserved: [
        { start: '0xfc000000', size: '0x1000' },
        { start: '0xfe000000', size: '0x1000' },
      ],
    });
    const r = place(touching);
    // RELEASE-4.6.0 pci.c: neither meets [0xf0000000,0xfc000000), so the hole and the BARs are as without them
    expect(r.lowHole).toEqual({ start: '0xf0000000', end: '0xfc000000' });
    expect(r.bars).toEqual([PLATFORM_LOW('0xf0000000'), ...IO_BARS]);

    // RELEASE-4.5.0 hvmloader reads no reserved map at all
    const r45 = place(mkBus('4.5', [], { reserved: [{ start: '0xfc001000', size: '0x1000' }] }));
    expect(r45.bars[0]).toEqual(PLATFORM_LOW('0xf0000000'));
  });
});
