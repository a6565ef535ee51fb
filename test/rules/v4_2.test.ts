// hvmloader 4.2 (RELEASE-4.2.0): the rules of its pci_setup(), each worked
// out by hand from tools/firmware/hvmloader/pci.c and util.c (its own printf)
// at that tag, on a minimal bus. 4.2 does everything in 32 bits, sizes only the
// low register of a 64-bit BAR, never places anything above 4 GiB and prints
// "size %08x: %08x". Each case is chosen so that dropping the rule changes
// the answer.
import { describe, expect, it } from 'vitest';
import { place, type PlacementResult } from '../../src/index.js';
import { LINKS, PM_INTA, as, dev, ide, io, ioBar, low, mem32, mem64, mkBus, rom, unplaced } from './bus-pre4_6.js';

/** What every bus below prints before the first BAR line. */
const HEAD = [...LINKS, PM_INTA];
/** The IDE function's I/O BAR when it is the only one asking for ports (first at 0xc000). */
const IDE_LINE = 'pci dev 01:1 bar 20 size 00000010: 0000c001';

/** The result fields that do not change in a plain 2 GiB guest. */
const PLAIN = {
  hvmloader: '4.2',
  lowHole: { start: '0xf0000000', end: '0xfc000000' },
  highWindow: null,
  ram: { lowMemEnd: '0x7f000000', highMemEnd: '0x0', relocated: '0x0' },
  bar64Relocate: false,
} as const;

describe('hvmloader 4.2: order of assignment and the fixed windows', () => {
  it('sorts BARs by descending size, equal sizes in scan order, the ROM after the BARs of its own function', () => {
    const bus = mkBus('4.2', [
      dev(3, [mem32(0, '0x1000'), mem32(1, '0x4000'), io(2, '0x20'), rom('0x4000')]),
      dev(4, [mem32(0, '0x4000', true), io(1, '0x20')]),
    ]);
    const expected: PlacementResult = {
      ...PLAIN,
      bars: [
        // RELEASE-4.2.0 pci.c: a new BAR goes before the first strictly smaller one, so the three 16 KiB BARs keep scan order
        // (03:0 BAR 1, then 03:0's ROM, scanned as the seventh register, then 04:0 BAR 0) and the memory window starts at 0xf0000000
        low(3, 1, 'mem32', '0x4000', '0xf0000000'),
        low(3, 'rom', 'rom', '0x4000', '0xf0004000'),
        low(4, 0, 'mem32', '0x4000', '0xf0008000'),
        low(3, 0, 'mem32', '0x1000', '0xf000c000'),
        // RELEASE-4.2.0 pci.c: ports come from 0xc000 up, in the same sorted list
        ioBar(3, 2, '0x20', '0xc000'),
        ioBar(4, 1, '0x20', '0xc020'),
        ide('0xc040'),
      ],
      log: [
        ...HEAD,
        // RELEASE-4.2.0 pci.c + util.c: "size %08x: %08x", the value written back keeps the BAR's flag bits (8 = prefetchable, 1 = I/O)
        'pci dev 03:0 bar 14 size 00004000: f0000000',
        'pci dev 03:0 bar 30 size 00004000: f0004000',
        'pci dev 04:0 bar 10 size 00004000: f0008008',
        'pci dev 03:0 bar 10 size 00001000: f000c000',
        'pci dev 03:0 bar 18 size 00000020: 0000c001',
        'pci dev 04:0 bar 14 size 00000020: 0000c021',
        'pci dev 01:1 bar 20 size 00000010: 0000c041',
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('hands out I/O ports from 0xc000 and refuses a BAR that would end past 0x10000', () => {
    const bus = mkBus('4.2', [dev(3, [io(0, '0x4000')])]);
    const expected: PlacementResult = {
      ...PLAIN,
      // RELEASE-4.2.0 pci.c: the 16 KiB port range fills 0xc000-0xffff exactly; the IDE BAR would need 0x10000-0x1000f, beyond the 0x10000 limit
      bars: [ioBar(3, 0, '0x4000', '0xc000'), unplaced(1, 4, 'io', '0x10', 1)],
      log: [...HEAD, 'pci dev 03:0 bar 10 size 00004000: 0000c001', 'pci dev 01:1 bar 20 size 00000010: no space for resource!'],
    };
    expect(place(bus)).toEqual(expected);
  });
});

describe('hvmloader 4.2: interrupts', () => {
  it('routes the four ISA links to IRQ 5, 10, 11, 5 and maps each INTx with the barber-pole rule', () => {
    const bus = mkBus('4.2', [
      dev(3, [], { interruptPin: 2 }),
      dev(5, [], { interruptPin: 3 }),
      dev(6, [], { interruptPin: 4 }),
      dev(7, [], { function: 1, interruptPin: 1 }),
      dev(9, [], { function: 5, interruptPin: 2 }),
      dev(0x1e, [], { interruptPin: 1 }),
    ]);
    const got = place(bus);
    expect(got.log).toEqual([
      // RELEASE-4.2.0 pci.c: the link IRQs are the successive bits of the PCI IRQ mask 0x0c20 (5, 10, 11), wrapping round to 5
      'PCI-ISA link 0 routed to IRQ5',
      'PCI-ISA link 1 routed to IRQ10',
      'PCI-ISA link 2 routed to IRQ11',
      'PCI-ISA link 3 routed to IRQ5',
      // RELEASE-4.2.0 pci.c: link = (pin - 1 + slot) & 3, printed in scan order as "%02x:%x INT%c->IRQ%u"
      'pci dev 01:3 INTA->IRQ10', // (0 + 1) & 3 = 1
      'pci dev 03:0 INTB->IRQ5', // (1 + 3) & 3 = 0
      'pci dev 05:0 INTC->IRQ5', // (2 + 5) & 3 = 3
      'pci dev 06:0 INTD->IRQ10', // (3 + 6) & 3 = 1
      'pci dev 07:1 INTA->IRQ5', // (0 + 7) & 3 = 3
      'pci dev 09:5 INTB->IRQ11', // (1 + 9) & 3 = 2
      'pci dev 1e:0 INTA->IRQ11', // (0 + 30) & 3 = 2
      IDE_LINE,
    ]);
    expect(got.bars).toEqual([ide()]);
  });
});

describe('hvmloader 4.2: sizing', () => {
  it('sizes only the low register of a 64-bit BAR: a 4 GiB BAR sizes to 0 and gets "no space" with size 00000000', () => {
    const bus = mkBus('4.2', [dev(3, [mem64(0, '0x100000000'), mem32(2, '0x1000')])]);
    const expected: PlacementResult = {
      ...PLAIN,
      bars: [
        low(3, 2, 'mem32', '0x1000', '0xf0000000'),
        ide(),
        // RELEASE-4.2.0 pci.c: the low read-back is only the flag bits (0xc), which the memory mask clears: size 0, sorted after everything;
        // the upper register is stepped over, not sized as a BAR of its own (there is no entry for index 1)
        unplaced(3, 0, 'mem64', '0x0'),
      ],
      log: [
        ...HEAD,
        'pci dev 03:0 bar 18 size 00001000: f0000000',
        IDE_LINE,
        // RELEASE-4.2.0 pci.c: a zero size aligns the base to 0, and an end of 0 is below the window's base
        'pci dev 03:0 bar 10 size 00000000: no space for resource!',
      ],
    };
    expect(place(bus)).toEqual(expected);
    // 4.3.0-rc5 pci.c (contrast): the upper register is sized too, so the same BAR is 4 GiB there
    expect(place(as(bus, '4.3-rc')).bars[0]).toEqual(unplaced(3, 0, 'mem64', '0x100000000'));
  });

  it('skips a BAR that reads back 0, but lists one whose nonzero read-back masks to 0 (I/O bits above bit 15 only)', () => {
    const bus = mkBus('4.2', [
      dev(3, [{ index: 0, type: 'mem32', mask: '0x0' }, { index: 1, type: 'io', mask: '0xffff0001' }, mem32(2, '0x1000')]),
    ]);
    const expected: PlacementResult = {
      ...PLAIN,
      // RELEASE-4.2.0 pci.c: the zero test comes before masking, so BAR 0 is skipped while BAR 1 (0xffff0001 & 0xfffc = 0) becomes a size-0 entry
      bars: [low(3, 2, 'mem32', '0x1000', '0xf0000000'), ide(), unplaced(3, 1, 'io', '0x0')],
      log: [
        ...HEAD,
        'pci dev 03:0 bar 18 size 00001000: f0000000',
        IDE_LINE,
        // RELEASE-4.2.0 pci.c: the size-0 port BAR aligns to 0, below the port window's base
        'pci dev 03:0 bar 14 size 00000000: no space for resource!',
      ],
    };
    expect(place(bus)).toEqual(expected);
  });
});

describe('hvmloader 4.2: the low MMIO hole', () => {
  it('adds BAR sizes in 32 bits: two 2 GiB BARs wrap mmio_total round, so the hole does not grow', () => {
    const bus = mkBus(
      '4.2',
      [dev(3, [mem32(0, '0x80000000')]), dev(4, [mem32(0, '0x80000000')]), dev(5, [mem32(0, '0x1000')])],
      { lowMemEnd: '0xe0000000' },
    );
    const expected: PlacementResult = {
      ...PLAIN,
      // RELEASE-4.2.0 pci.c: mmio_total is uint32_t, 2 GiB + 2 GiB + 4 KiB = 0x1000, which fits: the hole stays at 0xf0000000 and no RAM moves
      lowHole: { start: '0xf0000000', end: '0xfc000000' },
      ram: { lowMemEnd: '0xe0000000', highMemEnd: '0x0', relocated: '0x0' },
      // RELEASE-4.2.0 pci.c: aligning 0xf0000000 up to 2 GiB wraps to 0, so each 2 GiB BAR would end at 0x80000000, below the base
      bars: [unplaced(3, 0, 'mem32', '0x80000000'), unplaced(4, 0, 'mem32', '0x80000000'), low(5, 0, 'mem32', '0x1000', '0xf0000000'), ide()],
      log: [
        ...HEAD,
        'pci dev 03:0 bar 10 size 80000000: no space for resource!',
        'pci dev 04:0 bar 10 size 80000000: no space for resource!',
        'pci dev 05:0 bar 10 size 00001000: f0000000',
        IDE_LINE,
      ],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('doubles the hole downwards from 0xf0000000 only as far as the BARs need', () => {
    // RELEASE-4.2.0 pci.c: 256 MiB does not fit 0xf0000000-0xfc000000 (192 MiB) but fits from 0xe0000000 (448 MiB)
    const r256 = place(mkBus('4.2', [dev(3, [mem32(0, '0x10000000')])]));
    expect(r256.lowHole.start).toBe('0xe0000000');
    expect(r256.bars[0]).toEqual(low(3, 0, 'mem32', '0x10000000', '0xe0000000'));
    // RELEASE-4.2.0 pci.c: 512 MiB needs one more step, to 0xc0000000 (960 MiB)
    const r512 = place(mkBus('4.2', [dev(3, [mem32(0, '0x20000000')])]));
    expect(r512.lowHole.start).toBe('0xc0000000');
    expect(r512.bars[0]).toEqual(low(3, 0, 'mem32', '0x20000000', '0xc0000000'));
  });

  it('stops doubling at 0x80000000 even when 3 GiB of BARs do not fit', () => {
    const bus = mkBus('4.2', [dev(3, [mem32(0, '0x80000000')]), dev(4, [mem32(0, '0x40000000')])]);
    const expected: PlacementResult = {
      ...PLAIN,
      // RELEASE-4.2.0 pci.c: 0xf0000000, 0xe0000000, 0xc0000000, 0x80000000; shifting 0x80000000 once more gives 0 in 32 bits, which ends the loop
      lowHole: { start: '0x80000000', end: '0xfc000000' },
      // RELEASE-4.2.0 pci.c: the 2 GiB BAR would end at 0x100000000, which is 0 in 32 bits and below the base; the 1 GiB BAR then takes the hole's start
      bars: [unplaced(3, 0, 'mem32', '0x80000000'), low(4, 0, 'mem32', '0x40000000', '0x80000000'), ide()],
      log: [...HEAD, 'pci dev 03:0 bar 10 size 80000000: no space for resource!', 'pci dev 04:0 bar 10 size 40000000: 80000000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
  });

  it('moves the RAM under the hole above 4 GiB (from 4 GiB when there was none) and ignores allow-memory-relocate', () => {
    const bus = mkBus('4.2', [dev(3, [mem32(0, '0x10000000')])], { lowMemEnd: '0xf0000000', allowMemoryRelocate: false });
    const expected: PlacementResult = {
      ...PLAIN,
      lowHole: { start: '0xe0000000', end: '0xfc000000' },
      // RELEASE-4.2.0 pci.c: 0x10000 pages under 0xe0000000-0xf0000000 move in chunks of at most 0xffff pages (0xffff, then 1),
      // high_mem_pgend starting at 4 GiB because it was 0; 4.2 has no xenstore read of allow-memory-relocate at all
      ram: { lowMemEnd: '0xe0000000', highMemEnd: '0x110000000', relocated: '0x10000000' },
      bars: [low(3, 0, 'mem32', '0x10000000', '0xe0000000'), ide()],
      // RELEASE-4.2.0 pci.c: the relocation prints nothing in this version
      log: [...HEAD, 'pci dev 03:0 bar 10 size 10000000: e0000000', IDE_LINE],
    };
    expect(place(bus)).toEqual(expected);
    // RELEASE-4.2.0 pci.c: the key's value makes no difference
    expect(place({ ...bus, allowMemoryRelocate: true })).toEqual(expected);
    // RELEASE-4.2.0 pci.c: with RAM already above 4 GiB, the moved pages go on top of it
    expect(place({ ...bus, highMemEnd: '0x180000000' }).ram).toEqual({ lowMemEnd: '0xe0000000', highMemEnd: '0x190000000', relocated: '0x10000000' });
  });
});
