// hvmloader 4.3 (RELEASE-4.3.0): the rules its pci_setup() added over the
// 4.3 release candidates, each worked out by hand from
// tools/firmware/hvmloader/pci.c, util.c and util.h (PRIllx) at that tag, on
// a minimal bus. 4.3 reads allow-memory-relocate, stops growing the hole at
// RAM when relocation is off, moves the largest 64-bit BARs above RAM while
// the rest still does not fit, logs every relocation chunk and prints 64-bit
// values as "%x%08x".
import { describe, expect, it } from 'vitest';
import { place, type PlacementResult } from '../../src/index.js';
import { LINKS, NO_HIGH_RAM, PM_INTA, RELOCATE_64, dev, high, ide, low, mem32, mem64, mkBus, relocating, unplaced } from './bus-pre4_6.js';

/** The lines before the hole is settled, for relocation enabled or disabled. */
const head = (enabled: boolean) => [relocating(enabled), ...LINKS, PM_INTA];
/** The IDE function's I/O BAR, first at 0xc000: PRIllx size, then "%x%08x" of the upper and lower register values. */
const IDE_LINE = 'pci dev 01:1 bar 20 size 000000010: 00000c001';
/** A guest whose 3.75 GiB of low RAM pins the hole at 0xf0000000 when relocation is off. */
const PINNED = { lowMemEnd: '0xf0000000', allowMemoryRelocate: false } as const;
const LOW_HOLE_F = { start: '0xf0000000', end: '0xfc000000' };

describe('hvmloader 4.3: allow-memory-relocate', () => {
  it('defaults to enabled when the key is absent and prints which it is', () => {
    const expected: PlacementResult = {
      hvmloader: '4.3',
      lowHole: LOW_HOLE_F,
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      // RELEASE-4.3.0 pci.c: the flag is now set only by the "not large enough" test
      bar64Relocate: false,
      bars: [ide()],
      log: [
        // RELEASE-4.3.0 pci.c: allow_memory_relocate starts at 1 and is overwritten only if xenstore has the key
        relocating(true),
        ...LINKS,
        PM_INTA,
        // RELEASE-4.3.0 pci.c: high_mem_pgend is 0, so the high resource starts at 4 GiB, printed with PRIllx
        NO_HIGH_RAM,
        IDE_LINE,
      ],
    };
    expect(place(mkBus('4.3'))).toEqual(expected);
    // RELEASE-4.3.0 pci.c: the key's value decides the word
    expect(place(mkBus('4.3', [], { allowMemoryRelocate: true })).log[0]).toBe(relocating(true));
    expect(place(mkBus('4.3', [], { allowMemoryRelocate: false })).log[0]).toBe(relocating(false));
  });

  it('stops growing the hole before it would cover RAM when relocation is disallowed; a 32-bit BAR that does not fit gets "no space"', () => {
    const bus = mkBus('4.3', [dev(3, [mem32(0, '0x20000000')])], { lowMemEnd: '0xd0000000', allowMemoryRelocate: false });
    const expected: PlacementResult = {
      hvmloader: '4.3',
      // RELEASE-4.3.0 pci.c: 0xe0000000 is still above RAM's end (0xd0000000) so the hole grows to it; 0xc0000000 would overlap RAM
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0xd0000000', highMemEnd: '0x0', relocated: '0x0' },
      // RELEASE-4.3.0 pci.c: 512 MiB still exceeds 0xfc000000 - 0xe0000000
      bar64Relocate: true,
      // RELEASE-4.3.0 pci.c: only 64-bit BARs may move up; this 32-bit one ends at 0x100000000, past 0xfc000000
      bars: [unplaced(3, 0, 'mem32', '0x20000000'), ide()],
      log: [...head(false), RELOCATE_64, NO_HIGH_RAM, 'pci dev 03:0 bar 10 size 020000000: no space for resource!', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('grows the hole over RAM when allowed and logs each relocated chunk of at most 0xffff pages', () => {
    const bus = mkBus('4.3', [dev(3, [mem32(0, '0x20000000')])], { lowMemEnd: '0xd0000000' });
    const expected: PlacementResult = {
      hvmloader: '4.3',
      // RELEASE-4.3.0 pci.c: relocation enabled by default, so 512 MiB takes the hole to 0xc0000000
      lowHole: { start: '0xc0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0xc0000000', highMemEnd: '0x110000000', relocated: '0x10000000' },
      bar64Relocate: false,
      bars: [low(3, 0, 'mem32', '0x20000000', '0xc0000000'), ide()],
      log: [
        ...head(true),
        // RELEASE-4.3.0 pci.c: 0x10000 pages to move: 0xffff, then 1; each line gives the new low end and the high end before the move
        'Relocating 0xffff pages from 0c0001000 to 100000000 for lowmem MMIO hole',
        'Relocating 0x1 pages from 0c0000000 to 10ffff000 for lowmem MMIO hole',
        // RELEASE-4.3.0 pci.c: high_mem_pgend is nonzero after the move, so no "No "
        'RAM in high memory; setting high_mem resource base to 110000000',
        'pci dev 03:0 bar 10 size 020000000: 0c0000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);

    // RELEASE-4.3.0 pci.c: with RAM already above 4 GiB the chunks go on top of it
    const withHigh = place({ ...bus, highMemEnd: '0x180000000' });
    expect(withHigh.log.slice(6, 9)).toEqual([
      'Relocating 0xffff pages from 0c0001000 to 180000000 for lowmem MMIO hole',
      'Relocating 0x1 pages from 0c0000000 to 18ffff000 for lowmem MMIO hole',
      'RAM in high memory; setting high_mem resource base to 190000000',
    ]);
    expect(withHigh.ram).toEqual({ lowMemEnd: '0xc0000000', highMemEnd: '0x190000000', relocated: '0x10000000' });
  });
});

describe('hvmloader 4.3: relocating BARs above RAM', () => {
  it('moves 64-bit BARs up largest first, only while the running mmio_total exceeds what is left of the hole', () => {
    const bus = mkBus(
      '4.3',
      [dev(3, [mem64(0, '0x10000000'), mem64(2, '0x8000000'), mem64(4, '0x4000000')]), dev(4, [mem32(0, '0x2000000')])],
      { ...PINNED, highMemEnd: '0x140000000' },
    );
    const expected: PlacementResult = {
      hvmloader: '4.3',
      // RELEASE-4.3.0 pci.c: 0xe0000000 would overlap RAM, so the hole stays at 192 MiB for 480 MiB of BARs
      lowHole: LOW_HOLE_F,
      // 4.3 has no window variables: the span of what went above 4 GiB
      highWindow: { start: '0x140000000', end: '0x158000000' },
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x140000000', relocated: '0x0' },
      bar64Relocate: true,
      bars: [
        // RELEASE-4.3.0 pci.c: 480 MiB > 192 MiB: the 256 MiB BAR goes to the high resource, which starts at RAM's end (already aligned)
        high(3, 0, '0x10000000', '0x140000000'),
        // RELEASE-4.3.0 pci.c: 224 MiB left > 192 MiB: the 128 MiB BAR goes up too, right after it
        high(3, 2, '0x8000000', '0x150000000'),
        // RELEASE-4.3.0 pci.c: 96 MiB left fits the 192 MiB hole, so this 64-bit BAR stays low
        low(3, 4, 'mem64', '0x4000000', '0xf0000000'),
        low(4, 0, 'mem32', '0x2000000', '0xf4000000'),
        ide(),
      ],
      log: [
        ...head(false),
        RELOCATE_64,
        'RAM in high memory; setting high_mem resource base to 140000000',
        // RELEASE-4.3.0 pci.c + util.h: size and value both as "%x%08x" (upper word without padding, lower word padded to 8)
        'pci dev 03:0 bar 10 size 010000000: 14000000c',
        'pci dev 03:0 bar 18 size 008000000: 15000000c',
        'pci dev 03:0 bar 20 size 004000000: 0f000000c',
        'pci dev 04:0 bar 10 size 002000000: 0f4000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('gives "no space" to a 32-bit BAR that does not fit while a 64-bit one of the same size moves to 4 GiB', () => {
    const bus = mkBus('4.3', [dev(3, [mem32(0, '0x10000000')]), dev(4, [mem64(0, '0x10000000')])], PINNED);
    const expected: PlacementResult = {
      hvmloader: '4.3',
      lowHole: LOW_HOLE_F,
      highWindow: { start: '0x100000000', end: '0x110000000' },
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      bars: [
        // RELEASE-4.3.0 pci.c: equal sizes keep scan order; the 32-bit BAR stays in the low resource and would end at 0x100000000
        unplaced(3, 0, 'mem32', '0x10000000'),
        // RELEASE-4.3.0 pci.c: mmio_total was decremented by the failed BAR too, but 256 MiB left still exceeds the untouched 192 MiB
        high(4, 0, '0x10000000', '0x100000000'),
        ide(),
      ],
      log: [
        ...head(false),
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 010000000: no space for resource!',
        'pci dev 04:0 bar 10 size 010000000: 10000000c',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('aligns each high BAR up from the end of high RAM', () => {
    const bus = mkBus('4.3', [dev(3, [mem64(0, '0x40000000'), mem64(2, '0x20000000')])], { ...PINNED, highMemEnd: '0x123456000' });
    const expected: PlacementResult = {
      hvmloader: '4.3',
      lowHole: LOW_HOLE_F,
      highWindow: { start: '0x140000000', end: '0x1a0000000' },
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x123456000', relocated: '0x0' },
      bar64Relocate: true,
      bars: [
        // RELEASE-4.3.0 pci.c: 0x123456000 is not 1 GiB aligned, so the high base rounds up to 0x140000000
        high(3, 0, '0x40000000', '0x140000000'),
        // RELEASE-4.3.0 pci.c: 512 MiB left still exceeds 192 MiB; 0x180000000 is already aligned
        high(3, 2, '0x20000000', '0x180000000'),
        ide(),
      ],
      log: [
        ...head(false),
        RELOCATE_64,
        'RAM in high memory; setting high_mem resource base to 123456000',
        'pci dev 03:0 bar 10 size 040000000: 14000000c',
        'pci dev 03:0 bar 18 size 020000000: 18000000c',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('refuses a high BAR that would end past 1 << physAddrBits, and the rounded-up base stays for the next one', () => {
    const devices = [dev(3, [mem64(0, '0x1000000000')]), dev(4, [mem64(0, '0x40000000')])];
    const expected: PlacementResult = {
      hvmloader: '4.3',
      lowHole: LOW_HOLE_F,
      highWindow: null,
      ram: { lowMemEnd: '0xf0000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      // RELEASE-4.3.0 pci.c: the 64 GiB BAR rounds the high base up to 0x1000000000 before the limit check, and ends at 0x2000000000 > 1 << 36;
      // the rounding is kept, so the 1 GiB BAR (1 GiB left > 192 MiB: also high) starts there and ends past the limit too
      bars: [unplaced(3, 0, 'mem64', '0x1000000000'), unplaced(4, 0, 'mem64', '0x40000000'), ide()],
      log: [
        ...head(false),
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 1000000000: no space for resource!',
        'pci dev 04:0 bar 10 size 040000000: no space for resource!',
        IDE_LINE,
      ],
    };
    expect(place(mkBus('4.3', devices, PINNED))).toEqual(expected);

    // RELEASE-4.3.0 pci.c: with 37 bits the 64 GiB BAR ends exactly at the limit (allowed); the 1 GiB one would end at 0x2040000000
    const bits37 = place(mkBus('4.3', devices, { ...PINNED, physAddrBits: 37 }));
    expect(bits37.bars.slice(0, 2)).toEqual([high(3, 0, '0x1000000000', '0x1000000000'), unplaced(4, 0, 'mem64', '0x40000000')]);
    expect(bits37.log.slice(8, 10)).toEqual([
      'pci dev 03:0 bar 10 size 1000000000: 100000000c',
      'pci dev 04:0 bar 10 size 040000000: no space for resource!',
    ]);
    expect(bits37.highWindow).toEqual({ start: '0x1000000000', end: '0x2000000000' });

    // RELEASE-4.3.0 pci.c: with 38 bits both fit, one after the other
    const bits38 = place(mkBus('4.3', devices, { ...PINNED, physAddrBits: 38 }));
    expect(bits38.bars.slice(0, 2)).toEqual([high(3, 0, '0x1000000000', '0x1000000000'), high(4, 0, '0x40000000', '0x2000000000')]);
    expect(bits38.log[9]).toBe('pci dev 04:0 bar 10 size 040000000: 200000000c');
    // 4.3 has no window variables: the span runs from the lowest high BAR to the end of the highest
    expect(bits38.highWindow).toEqual({ start: '0x1000000000', end: '0x2040000000' });

    // RELEASE-4.5.0 pci.c (contrast): 4.5 records the window start even for the BAR that did not fit
    expect(place(mkBus('4.5', devices, PINNED)).highWindow).toEqual({ start: '0x1000000000', end: '0x1000000000' });
  });
});
