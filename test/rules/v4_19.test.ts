// hvmloader 4.19 (RELEASE-4.19.0): the rules it has that 4.6 did not, each
// worked out by hand from that revision's tools/firmware/hvmloader/pci.c,
// e820.c, config.h and util.c (its own printf), on a minimal bus. Every case
// is chosen so that without the rule the answer differs; where cheap, the 4.6
// answer is given too.
import { describe, expect, it } from 'vitest';
import { place, type PlacementResult } from '../../src/index.js';
import {
  IO_BARS,
  IO_LINES,
  NO_HIGH_RAM,
  PLATFORM_LOW,
  RELOCATE_64,
  as,
  high,
  low,
  mem32,
  mem64,
  mkBus,
  nic,
  unplaced,
  HEAD,
  caught,
  staleRangeBus,
} from './bus-4_6plus.js';

describe('hvmloader 4.19: 64-bit BARs over 1 GiB', () => {
  it('always puts a 64-bit BAR over 1 GiB above 4 GiB, even when everything else fits, and leaves it out of the hole sizing', () => {
    const bus = mkBus('4.19', [nic(3, [mem64(0, '0x80000000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.19',
      // RELEASE-4.19.0 pci.c: a huge 64-bit BAR is not added to mmio_total, so 16 MiB fits the default hole and it does not grow
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      // RELEASE-4.19.0 pci.c: the window end (0x180000000) is rounded up to a multiple of the start's lowest set bit, 4 GiB
      highWindow: { start: '0x100000000', end: '0x200000000' },
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      // RELEASE-4.19.0 pci.c: seeing a huge 64-bit BAR during the scan sets bar64_relocate, and the message is printed for it
      bar64Relocate: true,
      bars: [
        // RELEASE-4.19.0 pci.c: huge 64-bit BARs always relocate, whatever mmio_total says
        high(3, 0, '0x80000000', '0x100000000'),
        PLATFORM_LOW('0xf0000000'),
        ...IO_BARS,
      ],
      log: [
        ...HEAD,
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 080000000: 10000000c',
        'pci dev 02:0 bar 14 size 001000000: 0f0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);

    // RELEASE-4.6.0 pci.c: the 2 GiB counts, so the hole doubles down to 0x80000000 before the BAR goes high
    const r46 = place(as(bus, '4.6'));
    expect(r46.lowHole.start).toBe('0x80000000');
    expect(r46.bars[1]).toEqual(PLATFORM_LOW('0x80000000'));
  });

  it('treats exactly 1 GiB as an ordinary BAR (the threshold is strictly greater)', () => {
    const bus = mkBus('4.19', [nic(3, [mem64(0, '0x40000000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.19',
      // RELEASE-4.19.0 pci.c: 1 GiB + 16 MiB needs the hole doubled to 0x80000000 (1984 MiB); low RAM ends below it
      lowHole: { start: '0x80000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [low(3, 0, 'mem64', '0x40000000', '0x80000000'), PLATFORM_LOW('0xc0000000'), ...IO_BARS],
      log: [
        ...HEAD,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 040000000: 08000000c',
        'pci dev 02:0 bar 14 size 001000000: 0c0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('counts a 32-bit 2 GiB BAR in mmio_total but never takes it off, which sends a 64-bit BAR high that 4.6 keeps low', () => {
    const bus = mkBus('4.19', [nic(3, [mem32(0, '0x80000000')]), nic(4, [mem64(0, '0x10000000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.19',
      // RELEASE-4.19.0 pci.c: only 64-bit BARs are huge; the 32-bit 2 GiB is summed (2 GiB + 272 MiB), the hole doubles to 0x80000000 and still falls short
      lowHole: { start: '0x80000000', end: '0xfc000000' },
      // RELEASE-4.19.0 pci.c: the end 0x110000000 rounded up to the start's 4 GiB alignment
      highWindow: { start: '0x100000000', end: '0x200000000' },
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      bars: [
        // RELEASE-4.19.0 pci.c: a 32-bit BAR stays low; 0x80000000 + 2 GiB passes 0xfc000000
        unplaced(3, 0, 'mem32', '0x80000000'),
        // RELEASE-4.19.0 pci.c: mmio_total is reduced only for BARs up to 1 GiB, so the 2 GiB is still counted: 2320 MiB > 1984 MiB left, relocate
        high(4, 0, '0x10000000', '0x100000000'),
        PLATFORM_LOW('0x80000000'),
        ...IO_BARS,
      ],
      log: [
        ...HEAD,
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 080000000: no space for resource!',
        'pci dev 04:0 bar 10 size 010000000: 10000000c',
        'pci dev 02:0 bar 14 size 001000000: 080000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);

    // RELEASE-4.6.0 pci.c: the 2 GiB is subtracted even though it got no space; 272 MiB then fits and the 256 MiB BAR stays low
    const r46 = place(as(bus, '4.6'));
    expect(r46.highWindow).toBeNull();
    expect(r46.bars.slice(1, 3)).toEqual([low(4, 0, 'mem64', '0x10000000', '0x80000000'), PLATFORM_LOW('0x90000000')]);
  });
});

describe('hvmloader 4.19: reserved ranges', () => {
  it('looks up the next reserved range for each BAR from its own aligned base (no stale range as in 4.6)', () => {
    // the same bus as the 4.6 stale-range case: A in the alignment gap below 0xf0000000, B inside the first 16 MiB
    const bus = staleRangeBus('4.19');
    const expected: PlacementResult = {
      hvmloader: '4.19',
      // RELEASE-4.19.0 pci.c: B meets the default hole above low RAM, so the hole starts at 0xef800000 as in 4.6
      lowHole: { start: '0xef800000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0xef800000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      // RELEASE-4.19.0 pci.c: find_next_rmrr(0xf0000000) gives B; the BAR moves past it to 0xf0801000 rounded up to 16 MiB
      bars: [PLATFORM_LOW('0xf1000000'), ...IO_BARS],
      log: [...HEAD, NO_HIGH_RAM, 'pci dev 02:0 bar 14 size 001000000: 0f1000008', ...IO_LINES],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.6.0 pci.c: the range looked up once from 0xef800000 is A, so the BAR stays on top of B
    expect(place(as(bus, '4.6')).bars[0]).toEqual(PLATFORM_LOW('0xf0000000'));
  });

  it('moved the dynamic reserved area to 0xfc100000-0xfe000000: 0xfc001000 is accepted, 0xfc100000 is refused', () => {
    const early = mkBus('4.19', [], { reserved: [{ start: '0xfc001000', size: '0x1000' }] });
    // RELEASE-4.19.0 config.h: RESERVED_MEMORY_DYNAMIC_START is 0xFC100000, so a range at 0xfc001000 no longer makes memory_map_setup BUG
    const r = place(early);
    // RELEASE-4.19.0 pci.c: the range is above the hole, nothing moves
    expect(r.lowHole).toEqual({ start: '0xf0000000', end: '0xfc000000' });
    expect(r.bars).toEqual([PLATFORM_LOW('0xf0000000'), ...IO_BARS]);
    // RELEASE-4.6.0 config.h: the area began at 0xFC001000 there
    expect(caught(() => place(as(early, '4.6'))).path).toBe('reserved[0]');

    // RELEASE-4.19.0 e820.c: a range meeting 0xfc100000-0xfe000000 makes memory_map_setup BUG
    const err = caught(() => place(mkBus('4.19', [], { reserved: [{ start: '0xfc100000', size: '0x1000' }] })));
    expect(err.path).toBe('reserved[0]');
    expect(err.message).toMatch(/BUG/);
    // RELEASE-4.19.0 util.c check_overlap: a range ending exactly at 0xfc100000 does not meet it
    expect(() => place(mkBus('4.19', [], { reserved: [{ start: '0xfc0ff000', size: '0x1000' }] }))).not.toThrow();
  });
});

describe('hvmloader 4.19: platform/mmio_hole_size messages', () => {
  it('prints the hole size in hex: "for mmio_hole_size=0x%lx"', () => {
    const bus = mkBus('4.19', [], { mmioHoleSize: '0x20000000' });
    const expected: PlacementResult = {
      hvmloader: '4.19',
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: false,
      bars: [PLATFORM_LOW('0xe0000000'), ...IO_BARS],
      log: [
        ...HEAD,
        // RELEASE-4.19.0 pci.c: the start is printed with %x and the size with 0x%lx
        'pci_mem_start=0xe0000000 (was 0xf0000000) for mmio_hole_size=0x20000000',
        NO_HIGH_RAM,
        'pci dev 02:0 bar 14 size 001000000: 0e0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.6.0 pci.c: the same line printed the size in decimal
    expect(place(as(bus, '4.6')).log).toContain('pci_mem_start=0xe0000000 (was 0xf0000000) for mmio_hole_size=536870912');
  });

  it('ignores a hole size under 256 MiB with a split-hex message, and then does not grow the hole either', () => {
    const bus = mkBus('4.19', [nic(3, [mem32(0, '0x10000000')])], { mmioHoleSize: '0x8000000' });
    const expected: PlacementResult = {
      hvmloader: '4.19',
      // RELEASE-4.19.0 pci.c: with mmio_hole_size set the growth loop is in the other branch, so the hole stays at 0xf0000000
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
      bar64Relocate: true,
      bars: [unplaced(3, 0, 'mem32', '0x10000000'), PLATFORM_LOW('0xf0000000'), ...IO_BARS],
      log: [
        ...HEAD,
        // RELEASE-4.19.0 pci.c + util.h: both values go through "0x%x%08x", high half first
        'max_ram_below_4g=0x0f8000000 too big for mmio_hole_size=0x008000000 has been ignored.',
        RELOCATE_64,
        NO_HIGH_RAM,
        'pci dev 03:0 bar 10 size 010000000: no space for resource!',
        'pci dev 02:0 bar 14 size 001000000: 0f0000008',
        ...IO_LINES,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });
});
