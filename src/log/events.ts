// Log events -> the lines pci_setup prints. The engine records what happened
// as a code and up to six 32-bit words; here each code gets the printf format
// its version used and the argument words a 32-bit caller pushes: a 64-bit
// value goes through PRIllx_arg as its high word, then its low word.

import * as L from '../engine/layout.js';
import { compilePrintf, type ArgSource } from './printf.js';

/** A compiled event format: its text without the trailing newline, and whether it had one. */
interface Line {
  text: (words: ArrayLike<number>, at: number) => string;
  newline: boolean;
}

// argument sources: `at` is the event's first argument word
const word = (k: number): ArgSource => (w, at) => w[at + k];
const slotOf = (k: number): ArgSource => (w, at) => w[at + k] >>> 3;
const fnOf = (k: number): ArgSource => (w, at) => w[at + k] & 7;
const constant = (v: number | string): ArgSource => () => v;
const choose = (k: number, yes: string, no: string): ArgSource => (w, at) => (w[at + k] ? yes : no);

interface EventFormat {
  fmt: string;
  args: ArgSource[];
}

// BAR lines, by the printf family of each version. Event words:
// devfn, reg, size lo, size hi, value lo, value hi.
const DEV = [slotOf(0), fnOf(0), word(1)];
const BAR_FAMILIES: Record<'u32' | 'llx' | 'prillx', { bar: EventFormat; noSpace: EventFormat }> = {
  // RELEASE-4.2.0: sizes and values are 32-bit
  u32: {
    bar: { fmt: 'pci dev %02x:%x bar %02x size %08x: %08x\n', args: [...DEV, word(2), word(4)] },
    noSpace: { fmt: 'pci dev %02x:%x bar %02x size %08x: no space for resource!\n', args: [...DEV, word(2)] },
  },
  // 4.3.0-rc5: the u64 size goes through %llx, which this printf prints as
  // "lx" without consuming it, so the %08x after it shows the size's low word
  llx: {
    bar: { fmt: 'pci dev %02x:%x bar %02x size %llx: %08x\n', args: [...DEV, word(2), word(3), word(4)] },
    noSpace: { fmt: 'pci dev %02x:%x bar %02x size %llx: no space for resource!\n', args: [...DEV, word(2), word(3)] },
  },
  // d23749aaf7 (4.3): PRIllx is "%x%08x" over the high and low words
  prillx: {
    bar: { fmt: 'pci dev %02x:%x bar %02x size %x%08x: %x%08x\n', args: [...DEV, word(3), word(2), word(5), word(4)] },
    noSpace: { fmt: 'pci dev %02x:%x bar %02x size %x%08x: no space for resource!\n', args: [...DEV, word(3), word(2)] },
  },
};

function barFamily(behaviours: number): keyof typeof BAR_FAMILIES {
  if (behaviours & L.B_ARITH32) return 'u32';
  return behaviours & L.B_LOG_LLX ? 'llx' : 'prillx';
}

// 2d927fc41b (4.5) printed the new start with %lx and the size in decimal,
// a 32-bit long; 1c4589280a (4.17) made both hex.
const HOLE_SET_DECIMAL = 'pci_mem_start=0x%lx (was 0x%x) for mmio_hole_size=%lu\n';
const HOLE_SET_HEX = 'pci_mem_start=0x%x (was 0x%x) for mmio_hole_size=0x%lx\n';
const HOLE_START_DEFAULT = 0xf0000000;

function eventFormat(behaviours: number, code: number): EventFormat {
  const bars = BAR_FAMILIES[barFamily(behaviours)];
  switch (code) {
    case L.EV_RELOCATE_SETTING:
      return { fmt: 'Relocating guest memory for lowmem MMIO space %s\n', args: [choose(0, 'enabled', 'disabled')] };
    case L.EV_PLATFORM_CACHE:
      return { fmt: 'Xen platform PCI device BAR MTRR cache attribute set to %s\n', args: [choose(0, 'UC', 'WB')] };
    case L.EV_ISA_LINK:
      return { fmt: 'PCI-ISA link %u routed to IRQ%u\n', args: [word(0), word(1)] };
    case L.EV_INTX:
      return { fmt: 'pci dev %02x:%x INT%c->IRQ%u\n', args: [slotOf(0), fnOf(0), (w, at) => 0x40 + w[at + 1], word(2)] };
    case L.EV_XENPCI_64BIT:
      return { fmt: 'xen platform pci dev %02x:%x unexpected MMIO 64bit BAR%u\n', args: [slotOf(0), fnOf(0), word(1)] };
    case L.EV_XENPCI_OVERFLOW:
      // %llx again: prints "lx" and the size words are never read
      return { fmt: 'xen platform pci dev %02x:%x BAR%u size %llx overflows low PCI hole\n', args: [slotOf(0), fnOf(0), word(1), word(2), word(3)] };
    case L.EV_XENPCI_BAR:
      return { fmt: 'pci dev %02x:%x bar %02x size %x%08x: 0%08x\n', args: [...DEV, word(3), word(2), word(4)] };
    case L.EV_HOLE_IGNORED:
      return {
        fmt: 'max_ram_below_4g=0x%x%08x too big for mmio_hole_size=0x%x%08x has been ignored.\n',
        args: [word(1), word(0), word(3), word(2)],
      };
    case L.EV_HOLE_SET:
      return {
        fmt: behaviours & L.B_LOG_HOLE_HEX ? HOLE_SET_HEX : HOLE_SET_DECIMAL,
        args: [word(0), constant(HOLE_START_DEFAULT), word(1)], // (long) keeps the low word
      };
    case L.EV_LOW_HOLE_SHORT:
      return { fmt: 'Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit\n', args: [] };
    case L.EV_RAM_MOVED:
      return { fmt: 'Relocating 0x%x pages from %x%08x to %x%08x for lowmem MMIO hole\n', args: [word(0), word(2), word(1), word(4), word(3)] };
    case L.EV_HIGH_BASE:
      return { fmt: '%sRAM in high memory; setting high_mem resource base to %x%08x\n', args: [choose(0, '', 'No '), word(2), word(1)] };
    case L.EV_BAR:
      return bars.bar;
    case L.EV_NO_SPACE:
      return bars.noSpace;
    default:
      throw new Error(`engine produced unknown log event ${code}`);
  }
}

const compiled = new Map<number, Line[]>();

function linesFor(behaviours: number): Line[] {
  let table = compiled.get(behaviours);
  if (!table) {
    table = [];
    for (let code = L.EV_RELOCATE_SETTING; code <= L.EV_NO_SPACE; code++) {
      const { fmt, args } = eventFormat(behaviours, code);
      const newline = fmt.endsWith('\n');
      table[code] = { text: compilePrintf(newline ? fmt.slice(0, -1) : fmt, args), newline };
    }
    compiled.set(behaviours, table);
  }
  return table;
}

/**
 * The lines pci_setup prints for `count` events starting at word `at`, as a
 * serial console shows them (a message without a newline runs into the next;
 * no format has a newline anywhere but at its end).
 */
export function formatEvents(behaviours: number, words: Uint32Array, at: number, count: number): string[] {
  const table = linesFor(behaviours);
  const lines: string[] = [];
  let pending = '';
  for (let e = 0, base = at; e < count; e++, base += L.EVENT_WORDS) {
    const line = table[words[base]];
    if (!line) throw new Error(`engine produced unknown log event ${words[base]}`);
    if (line.newline) {
      lines.push(pending ? pending + line.text(words, base + 1) : line.text(words, base + 1));
      pending = '';
    } else {
      pending += line.text(words, base + 1);
    }
  }
  if (pending) lines.push(pending);
  return lines;
}
