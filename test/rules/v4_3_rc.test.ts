// hvmloader 4.3-rc (tag 4.3.0-rc5, before the "relocate devices rather than
// memory" series): the rules its pci_setup() added or changed over 4.2, each
// worked out by hand from tools/firmware/hvmloader/pci.c and util.c at that
// tag, on a minimal bus. This tree sizes 64-bit BARs in full and sums them in
// 64 bits, but its test for moving BARs above 4 GiB can never succeed, it
// still relocates RAM unconditionally, and it prints sizes with "%llx", which
// its own printf does not understand.
import { describe, expect, it } from 'vitest';
import { place, type PlacementResult } from '../../src/index.js';
import { LINKS, PM_INTA, as, dev, ide, low, mem32, mem64, mkBus, unplaced } from './bus-pre4_6.js';

/** What every bus below prints before the first BAR line (no relocation or high-memory lines in this tree). */
const HEAD = [...LINKS, PM_INTA];
/** The IDE function's I/O BAR: "size lx: " then the size's low word; the address is never printed. */
const IDE_LINE = 'pci dev 01:1 bar 20 size lx: 00000010';
const RAM_2G = { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' };

describe('hvmloader 4.3-rc: the printf quirk', () => {
  it('prints "size lx: " followed by the low word of the size, and no address', () => {
    const bus = mkBus('4.3-rc', [dev(3, [mem32(0, '0x1000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.3-rc',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: RAM_2G,
      // 4.3.0-rc5 pci.c: the hole never reached 2 GiB, so bar64_relocate is set even though nothing needed it
      bar64Relocate: true,
      bars: [low(3, 0, 'mem32', '0x1000', '0xf0000000'), ide()],
      log: [
        ...HEAD,
        // 4.3.0-rc5 util.c: "%llx" is not a conversion there: the first 'l' sets the long flag, the second is printed as is, then
        // 'x' as text; nothing is consumed, so "%08x" takes the next argument, the low half of the 64-bit size
        'pci dev 03:0 bar 10 size lx: 00001000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('prints "size lx: no space for resource!" for a BAR that does not fit', () => {
    const bus = mkBus('4.3-rc', [dev(3, [mem64(0, '0x100000000')]), dev(4, [mem32(0, '0x10000000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.3-rc',
      // 4.3.0-rc5 pci.c: mmio_total is 64-bit (4 GiB + 256 MiB), so the hole doubles all the way to 0x80000000
      lowHole: { start: '0x80000000', end: '0xfc000000' },
      highWindow: null,
      ram: RAM_2G,
      // 4.3.0-rc5 pci.c: the flag is set only when the hole start can still be doubled, i.e. when it did NOT reach 2 GiB
      bar64Relocate: false,
      bars: [
        // 4.3.0-rc5 pci.c: with the flag clear the 4 GiB BAR stays in the low window: aligned to 0x100000000 it ends far past 0xfc000000
        unplaced(3, 0, 'mem64', '0x100000000'),
        low(4, 0, 'mem32', '0x10000000', '0x80000000'),
        ide(),
      ],
      log: [...HEAD, 'pci dev 03:0 bar 10 size lx: no space for resource!', 'pci dev 04:0 bar 10 size lx: 10000000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.2.0 pci.c (contrast): there the BAR sizes to 0, mmio_total is only 256 MiB and the hole stops at 0xe0000000
    expect(place(as(bus, '4.2')).lowHole.start).toBe('0xe0000000');
  });
});

describe('hvmloader 4.3-rc: the 64-bit relocation test is inverted', () => {
  it('reports bar64Relocate true on a plain guest', () => {
    // 4.3.0-rc5 pci.c: the hole stays at 0xf0000000, which can still be doubled, so the flag is set
    expect(place(mkBus('4.3-rc')).bar64Relocate).toBe(true);
  });

  it('reports bar64Relocate false once the hole has grown to 2 GiB, even when everything fits there', () => {
    const bus = mkBus('4.3-rc', [dev(3, [mem64(0, '0x40000000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.3-rc',
      // 4.3.0-rc5 pci.c: 1 GiB needs the hole at 0x80000000 (0xc0000000 gives only 960 MiB); 0x80000000 << 1 is 0, so no flag
      lowHole: { start: '0x80000000', end: '0xfc000000' },
      highWindow: null,
      ram: RAM_2G,
      bar64Relocate: false,
      bars: [low(3, 0, 'mem64', '0x40000000', '0x80000000'), ide()],
      log: [...HEAD, 'pci dev 03:0 bar 10 size lx: 40000000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('keeps a 64-bit BAR low while the flag is set, and still moves RAM with allow-memory-relocate 0', () => {
    const bus = mkBus('4.3-rc', [dev(3, [mem64(0, '0x10000000')])], { lowMemEnd: '0xf0000000', allowMemoryRelocate: false });
    const expected: PlacementResult = {
      hvmloader: '4.3-rc',
      // 4.3.0-rc5 pci.c: the doubling loop has no relocation condition: 256 MiB takes the hole to 0xe0000000
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      highWindow: null,
      // 4.3.0-rc5 pci.c: this tree never reads allow-memory-relocate; the 0x10000 pages under the hole go to 4 GiB and up
      ram: { lowMemEnd: '0xe0000000', highMemEnd: '0x110000000', relocated: '0x10000000' },
      bar64Relocate: true,
      // 4.3.0-rc5 pci.c: a BAR goes high only when mmio_left < its size; mmio_left starts at the hole size (>= mmio_total once the
      // loop has stopped short of 2 GiB) and drops by each memory BAR in descending order, so that never happens
      bars: [low(3, 0, 'mem64', '0x10000000', '0xe0000000'), ide()],
      log: [...HEAD, 'pci dev 03:0 bar 10 size lx: 10000000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.3.0 pci.c (contrast): with relocation disallowed 4.3 keeps the RAM and sends this BAR above 4 GiB
    expect(place(as(bus, '4.3')).bars[0].placement).toBe('high');
  });
});

describe('hvmloader 4.3-rc: sizing', () => {
  it('sizes a 64-bit BAR from both registers', () => {
    const bus = mkBus('4.3-rc', [dev(3, [{ index: 0, type: 'mem64', prefetchable: true, mask: '0x0000000c', maskHigh: '0xfffffff8' }])]);
    const got = place(bus);
    // 4.3.0-rc5 pci.c: the upper read-back 0xfffffff8 shifted up 32 joins the masked low word (0): lowest set bit 0x800000000 (32 GiB);
    // it does not fit the 2 GiB hole and nothing goes high, so it is unplaced
    expect(got.bars).toEqual([unplaced(3, 0, 'mem64', '0x800000000'), ide()]);
    expect(got.log).toEqual([...HEAD, 'pci dev 03:0 bar 10 size lx: no space for resource!', IDE_LINE]);
    expect(got.lowHole.start).toBe('0x80000000');
    // RELEASE-4.2.0 pci.c (contrast): the low word alone gives size 0
    expect(place(as(bus, '4.2')).bars[1]).toEqual(unplaced(3, 0, 'mem64', '0x0'));
  });

  it('skips a BAR whose read-back masks to 0 (the zero test now comes after masking)', () => {
    const bus = mkBus('4.3-rc', [dev(3, [{ index: 0, type: 'io', mask: '0xffff0001' }, mem32(1, '0x1000')])]);
    const expected: PlacementResult = {
      hvmloader: '4.3-rc',
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      highWindow: null,
      ram: RAM_2G,
      bar64Relocate: true,
      // 4.3.0-rc5 pci.c: 0xffff0001 & 0xfffc is 0 and the size test follows the mask, so the port BAR is dropped, not listed
      bars: [low(3, 1, 'mem32', '0x1000', '0xf0000000'), ide()],
      log: [...HEAD, 'pci dev 03:0 bar 14 size lx: 00001000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.2.0 pci.c (contrast): 4.2 lists it with size 0 and prints "no space" for it
    expect(place(as(bus, '4.2')).bars).toContainEqual(unplaced(3, 0, 'io', '0x0'));
  });
});
