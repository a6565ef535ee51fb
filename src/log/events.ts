// Log events -> the lines pci_setup prints. The engine records what happened
// as a code and 32-bit numbers; here each code gets the printf format its
// version used and the argument words a 32-bit caller pushes (a 64-bit value
// as low word then high word, after PRIllx_arg splits it high first).

import * as L from '../engine/layout.js';
import { hvmPrintf, type PrintfArg } from './printf.js';
import type { VersionName } from '../versions.js';

type Formatter = (a: Uint32Array | number[], at: number) => [string, PrintfArg[]];

const slot = (devfn: number) => devfn >>> 3;
const fn = (devfn: number) => devfn & 7;

// BAR lines, by the printf family of each version
const BAR_FORMATS = {
  // RELEASE-4.2.0: 32-bit sizes and values
  '32': {
    bar: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %08x: %08x\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 2], w[i + 4]]],
    noSpace: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %08x: no space for resource!\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 2]]],
  },
  // 4.3.0-rc5: a u64 size through %llx, which this printf prints as "lx"
  // without consuming it, so the next %08x shows the size's low word
  llx: {
    bar: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %llx: %08x\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 2], w[i + 3], w[i + 4]]],
    noSpace: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %llx: no space for resource!\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 2], w[i + 3]]],
  },
  // d23749aaf7 (4.3): PRIllx, "%x%08x" over the high and low words
  prillx: {
    bar: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %x%08x: %x%08x\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 3], w[i + 2], w[i + 5], w[i + 4]]],
    noSpace: (w: ArrayLike<number>, i: number): [string, PrintfArg[]] =>
      ['pci dev %02x:%x bar %02x size %x%08x: no space for resource!\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 3], w[i + 2]]],
  },
} as const;

const BAR_FAMILY: Record<VersionName, keyof typeof BAR_FORMATS> = {
  '4.2': '32',
  '4.3-rc': 'llx',
  '4.3': 'prillx',
  '4.5': 'prillx',
  '4.6': 'prillx',
  '4.19': 'prillx',
  '4.21': 'prillx',
};

// 2d927fc41b (4.5) printed the new start with %lx and the size in decimal;
// 1c4589280a (4.17) made both hex.
const HOLE_SET_FORMAT: Partial<Record<VersionName, string>> = {
  '4.5': 'pci_mem_start=0x%lx (was 0x%x) for mmio_hole_size=%lu\n',
  '4.6': 'pci_mem_start=0x%lx (was 0x%x) for mmio_hole_size=%lu\n',
  '4.19': 'pci_mem_start=0x%x (was 0x%x) for mmio_hole_size=0x%lx\n',
  '4.21': 'pci_mem_start=0x%x (was 0x%x) for mmio_hole_size=0x%lx\n',
};

const HOLE_START_DEFAULT = 0xf0000000;

function formatterFor(version: VersionName, code: number): Formatter {
  const bars = BAR_FORMATS[BAR_FAMILY[version]];
  switch (code) {
    case L.EV_RELOCATE_SETTING:
      return (w, i) => ['Relocating guest memory for lowmem MMIO space %s\n', [w[i] ? 'enabled' : 'disabled']];
    case L.EV_PLATFORM_CACHE:
      return (w, i) => ['Xen platform PCI device BAR MTRR cache attribute set to %s\n', [w[i] ? 'UC' : 'WB']];
    case L.EV_ISA_LINK:
      return (w, i) => ['PCI-ISA link %u routed to IRQ%u\n', [w[i], w[i + 1]]];
    case L.EV_INTX:
      return (w, i) => ['pci dev %02x:%x INT%c->IRQ%u\n', [slot(w[i]), fn(w[i]), 0x41 + w[i + 1] - 1, w[i + 2]]];
    case L.EV_XENPCI_64BIT:
      return (w, i) => ['xen platform pci dev %02x:%x unexpected MMIO 64bit BAR%u\n', [slot(w[i]), fn(w[i]), w[i + 1]]];
    case L.EV_XENPCI_OVERFLOW:
      return (w, i) => ['xen platform pci dev %02x:%x BAR%u size %llx overflows low PCI hole\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 2], w[i + 3]]];
    case L.EV_XENPCI_BAR:
      return (w, i) => ['pci dev %02x:%x bar %02x size %x%08x: 0%08x\n', [slot(w[i]), fn(w[i]), w[i + 1], w[i + 3], w[i + 2], w[i + 4]]];
    case L.EV_HOLE_IGNORED:
      return (w, i) => ['max_ram_below_4g=0x%x%08x too big for mmio_hole_size=0x%x%08x has been ignored.\n', [w[i + 1], w[i], w[i + 3], w[i + 2]]];
    case L.EV_HOLE_SET: {
      const fmt = HOLE_SET_FORMAT[version] ?? HOLE_SET_FORMAT['4.21']!;
      return (w, i) => [fmt, [w[i], HOLE_START_DEFAULT, w[i + 1]]];
    }
    case L.EV_LOW_HOLE_SHORT:
      return () => ['Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit\n', []];
    case L.EV_RAM_MOVED:
      return (w, i) => ['Relocating 0x%x pages from %x%08x to %x%08x for lowmem MMIO hole\n', [w[i], w[i + 2], w[i + 1], w[i + 4], w[i + 3]]];
    case L.EV_HIGH_BASE:
      return (w, i) => ['%sRAM in high memory; setting high_mem resource base to %x%08x\n', [w[i] ? '' : 'No ', w[i + 2], w[i + 1]]];
    case L.EV_BAR:
      return bars.bar;
    case L.EV_NO_SPACE:
      return bars.noSpace;
    default:
      throw new Error(`engine produced unknown log event ${code}`);
  }
}

const cache = new Map<string, Formatter>();

function formatter(version: VersionName, code: number): Formatter {
  const key = `${version}/${code}`;
  let f = cache.get(key);
  if (!f) {
    f = formatterFor(version, code);
    cache.set(key, f);
  }
  return f;
}

/**
 * The lines pci_setup prints for `count` events starting at word `at`,
 * split on newlines as a serial console would show them.
 */
export function formatEvents(version: VersionName, words: Uint32Array, at: number, count: number): string[] {
  let text = '';
  for (let e = 0; e < count; e++) {
    const base = at + e * L.EVENT_WORDS;
    const [fmt, args] = formatter(version, words[base])(words, base + 1);
    text += hvmPrintf(fmt, args);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
