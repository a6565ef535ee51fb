// hvmloader 4.5 (RELEASE-4.5.0): the rules its pci_setup() added over 4.3,
// each worked out by hand from tools/firmware/hvmloader/pci.c, util.c and
// util.h at that tag, on a minimal bus. 4.5 reads platform/mmio_hole_size
// (which replaces the hole-growing loop altogether when it is written) and
// keeps pci_hi_mem_start/pci_hi_mem_end for the window above 4 GiB.
import { describe, expect, it } from 'vitest';
import { place, type PlacementResult } from '../../src/index.js';
import { LINKS, NO_HIGH_RAM, PM_INTA, RELOCATE_64, as, dev, high, ide, low, mem32, mem64, mkBus, relocating, unplaced } from './bus-pre4_6.js';

const head = (enabled: boolean) => [relocating(enabled), ...LINKS, PM_INTA];
const IDE_LINE = 'pci dev 01:1 bar 20 size 000000010: 00000c001';
const RAM_2G = { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' };
const PINNED = { lowMemEnd: '0xf0000000', allowMemoryRelocate: false } as const;
const LOW_HOLE_F = { start: '0xf0000000', end: '0xfc000000' };

describe('hvmloader 4.5: platform/mmio_hole_size', () => {
  it('starts the hole at 4 GiB - size, prints it, and does not grow it even when the BARs do not fit', () => {
    const bus = mkBus('4.5', [dev(3, [mem64(0, '0x40000000')]), dev(4, [mem32(0, '0x1000')])], { mmioHoleSize: '0x40000000' });
    const expected: PlacementResult = {
      hvmloader: '4.5',
      // RELEASE-4.5.0 pci.c: 0x100000000 - 0x40000000 = 0xc0000000 <= 0xf0000000, so it becomes pci_mem_start
      lowHole: { start: '0xc0000000', end: '0xfc000000' },
      // RELEASE-4.5.0 pci.c: the window starts at the first high BAR (4 GiB) and its end (0x140000000) is rounded up to a multiple of 4 GiB
      highWindow: { start: '0x100000000', end: '0x200000000' },
      ram: RAM_2G,
      // RELEASE-4.5.0 pci.c: 1 GiB + 4 KiB exceeds the 960 MiB hole and the doubling loop is in the else branch, so it never runs
      bar64Relocate: true,
      bars: [high(3, 0, '0x40000000', '0x100000000'), low(4, 0, 'mem32', '0x1000', '0xc0000000'), ide()],
      log: [
        ...head(true),
        // RELEASE-4.5.0 pci.c + util.c: "%lx", "%x", then the size cast to a 32-bit long and printed in decimal with "%lu"
        'pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=1073741824',
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 040000000: 10000000c',
        'pci dev 04:0 bar 10 size 000001000: 0c0000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.5.0 pci.c (contrast): without the key the hole doubles to 0x80000000 and the 1 GiB BAR stays low
    const { mmioHoleSize: _unused, ...noKey } = bus;
    expect(place(noKey).bars[0]).toEqual(low(3, 0, 'mem64', '0x40000000', '0x80000000'));
  });

  it('prints the size with "%lu": unsigned, and only its low 32 bits', () => {
    const twoGiB = place(mkBus('4.5', [], { mmioHoleSize: '0x80000000' }));
    // RELEASE-4.5.0 pci.c + util.c: (long)0x80000000 is negative, but "%lu" prints it unsigned
    expect(twoGiB.log).toEqual([
      ...head(true),
      'pci_mem_start=0x80000000 (was 0xf0000000) for mmio_hole_size=2147483648',
      NO_HIGH_RAM,
      IDE_LINE,
    ]);
    expect(twoGiB.lowHole).toEqual({ start: '0x80000000', end: '0xfc000000' });

    // RELEASE-4.5.0 pci.c: a 4 GiB hole starts at 0 (not greater than 0xf0000000, so accepted) and the 32-bit long prints 0;
    // every low page then moves up in 0xffff-page chunks
    const fourGiB = place(mkBus('4.5', [], { mmioHoleSize: '0x100000000' }));
    const expected: PlacementResult = {
      hvmloader: '4.5',
      lowHole: { start: '0x0', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x0', highMemEnd: '0x17f000000', relocated: '0x7f000000' },
      bar64Relocate: false,
      bars: [ide()],
      log: [
        ...head(true),
        'pci_mem_start=0x0 (was 0xf0000000) for mmio_hole_size=0',
        'Relocating 0xffff pages from 06f001000 to 100000000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 05f002000 to 10ffff000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 04f003000 to 11fffe000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 03f004000 to 12fffd000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 02f005000 to 13fffc000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 01f006000 to 14fffb000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 00f007000 to 15fffa000 for lowmem MMIO hole',
        'Relocating 0xf007 pages from 000000000 to 16fff9000 for lowmem MMIO hole',
        'RAM in high memory; setting high_mem resource base to 17f000000',
        IDE_LINE,
      ],
    };
    expect(fourGiB).toEqual(expected);
  });

  it('ignores a hole smaller than 256 MiB with a message, and then does not grow the hole either', () => {
    const bus = mkBus('4.5', [dev(3, [mem64(0, '0x10000000')])], { mmioHoleSize: '0x8000000' });
    const expected: PlacementResult = {
      hvmloader: '4.5',
      // RELEASE-4.5.0 pci.c: 0x100000000 - 0x8000000 = 0xf8000000 > 0xf0000000: ignored; the doubling loop sits in the else branch
      // of "if (mmio_hole_size)", so with the key written it does not run and the hole stays at 0xf0000000
      lowHole: LOW_HOLE_F,
      highWindow: { start: '0x100000000', end: '0x200000000' },
      ram: RAM_2G,
      bar64Relocate: true,
      bars: [high(3, 0, '0x10000000', '0x100000000'), ide()],
      log: [
        ...head(true),
        // RELEASE-4.5.0 pci.c + util.h: both values printed with PRIllx after a literal "0x"
        'max_ram_below_4g=0x0f8000000 too big for mmio_hole_size=0x008000000 has been ignored.',
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 010000000: 10000000c',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.5.0 pci.c: exactly 256 MiB gives 0xf0000000, which is not greater than 0xf0000000, so it is taken
    expect(place({ ...bus, mmioHoleSize: '0x10000000' }).log[6]).toBe('pci_mem_start=0xf0000000 (was 0xf0000000) for mmio_hole_size=268435456');
    // RELEASE-4.5.0 pci.c (contrast): without the key, 256 MiB grows the hole to 0xe0000000 and the BAR stays low
    expect(place(mkBus('4.5', [dev(3, [mem64(0, '0x10000000')])])).bars[0]).toEqual(low(3, 0, 'mem64', '0x10000000', '0xe0000000'));
  });

  it('accepts a hole that is not a power of two; a BAR larger than the start\'s alignment can then miss the hole', () => {
    const bus = mkBus('4.5', [dev(3, [mem64(0, '0x20000000')]), dev(4, [mem32(0, '0x8000000')]), dev(5, [mem32(0, '0x1000')])], {
      mmioHoleSize: '0x30000000',
    });
    const expected: PlacementResult = {
      hvmloader: '4.5',
      // RELEASE-4.5.0 pci.c: 4 GiB - 768 MiB = 0xd0000000
      lowHole: { start: '0xd0000000', end: '0xfc000000' },
      highWindow: null,
      ram: RAM_2G,
      // RELEASE-4.5.0 pci.c: 640 MiB + 4 KiB fits the 704 MiB hole, so nothing is marked for 64-bit relocation
      bar64Relocate: false,
      bars: [
        // RELEASE-4.5.0 pci.c: 0xd0000000 rounded up to 512 MiB is 0xe0000000, and 0xe0000000 + 512 MiB passes 0xfc000000
        unplaced(3, 0, 'mem64', '0x20000000'),
        // RELEASE-4.5.0 pci.c: the failed BAR did not move the base; 128 MiB is aligned at 0xd0000000
        low(4, 0, 'mem32', '0x8000000', '0xd0000000'),
        low(5, 0, 'mem32', '0x1000', '0xd8000000'),
        ide(),
      ],
      log: [
        ...head(true),
        'pci_mem_start=0xd0000000 (was 0xf0000000) for mmio_hole_size=805306368',
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 020000000: no space for resource!',
        'pci dev 04:0 bar 10 size 008000000: 0d0000000',
        'pci dev 05:0 bar 10 size 000001000: 0d8000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('relocates the RAM under a configured hole, whatever allow-memory-relocate says', () => {
    const bus = mkBus('4.5', [], { ...PINNED, mmioHoleSize: '0x40000000' });
    const expected: PlacementResult = {
      hvmloader: '4.5',
      lowHole: { start: '0xc0000000', end: '0xfc000000' },
      highWindow: null,
      // RELEASE-4.5.0 pci.c: the relocation loop only compares the hole start with low_mem_pgend: 0x30000 pages move
      ram: { lowMemEnd: '0xc0000000', highMemEnd: '0x130000000', relocated: '0x30000000' },
      bar64Relocate: false,
      bars: [ide()],
      log: [
        ...head(false),
        'pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=1073741824',
        // RELEASE-4.5.0 pci.c: chunks of 0xffff, 0xffff, 0xffff and 3 pages
        'Relocating 0xffff pages from 0e0001000 to 100000000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 0d0002000 to 10ffff000 for lowmem MMIO hole',
        'Relocating 0xffff pages from 0c0003000 to 11fffe000 for lowmem MMIO hole',
        'Relocating 0x3 pages from 0c0000000 to 12fffd000 for lowmem MMIO hole',
        'RAM in high memory; setting high_mem resource base to 130000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });
});

describe('hvmloader 4.5: pci_hi_mem_start and pci_hi_mem_end', () => {
  it('aligns the window end like its start: ((base - 1) | (lowest bit of start - 1)) + 1', () => {
    const bus = mkBus('4.5', [dev(3, [mem64(0, '0x40000000'), mem64(2, '0x10000000')])], PINNED);
    const expected: PlacementResult = {
      hvmloader: '4.5',
      lowHole: LOW_HOLE_F,
      // RELEASE-4.5.0 pci.c: start 0x100000000 (lowest bit 4 GiB); the high base ends at 0x150000000, so the end is 0x200000000
      highWindow: { start: '0x100000000', end: '0x200000000' },
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      bars: [high(3, 0, '0x40000000', '0x100000000'), high(3, 2, '0x10000000', '0x140000000'), ide()],
      log: [
        ...head(false),
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 040000000: 10000000c',
        'pci dev 03:0 bar 18 size 010000000: 14000000c',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.3.0 pci.c (contrast): 4.3 has no such variables; the window there is just the span of the two BARs
    expect(place(as(bus, '4.3')).highWindow).toEqual({ start: '0x100000000', end: '0x150000000' });

    // RELEASE-4.5.0 pci.c: above unaligned high RAM the start is the 1 GiB-rounded base (0x140000000), so the end 0x1a0000000
    // rounds up to a multiple of 1 GiB: 0x1c0000000
    const aboveRam = place(mkBus('4.5', [dev(3, [mem64(0, '0x40000000'), mem64(2, '0x20000000')])], { ...PINNED, highMemEnd: '0x123456000' }));
    expect(aboveRam.bars.slice(0, 2)).toEqual([high(3, 0, '0x40000000', '0x140000000'), high(3, 2, '0x20000000', '0x180000000')]);
    expect(aboveRam.highWindow).toEqual({ start: '0x140000000', end: '0x1c0000000' });
  });

  it('sets the window even when the BAR that opened it did not fit (start == end)', () => {
    const bus = mkBus('4.5', [dev(3, [mem64(0, '0x1000000000')])], PINNED);
    const expected: PlacementResult = {
      hvmloader: '4.5',
      lowHole: LOW_HOLE_F,
      // RELEASE-4.5.0 pci.c: pci_hi_mem_start is taken from the rounded-up high base (0x1000000000) before the fit check; the base
      // itself stays there, so the end formula gives back the start
      highWindow: { start: '0x1000000000', end: '0x1000000000' },
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      // RELEASE-4.5.0 pci.c: 0x1000000000 + 64 GiB passes 1 << 36
      bars: [unplaced(3, 0, 'mem64', '0x1000000000'), ide()],
      log: [...head(false), RELOCATE_64, NO_HIGH_RAM, 'pci dev 03:0 bar 10 size 1000000000: no space for resource!', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.3.0 pci.c (contrast): nothing was placed high, so 4.3 reports no window
    expect(place(as(bus, '4.3')).highWindow).toBeNull();
  });
});
