// Building blocks shared by the hand-worked rule tests of every version.
//
// Every bus starts from the four emulated functions an HVM guest always has:
//   00:0 host bridge 8086:1237, 01:0 PIIX3 ISA 8086:7000,
//   01:1 PIIX3 IDE 8086:7010 (I/O BAR 4 of 16 bytes), 01:3 PIIX4 PM 8086:7113 (INTA)
// and a test adds only the functions its rule needs.
import type { BarInput, BusInput, DeviceInput, PlacedBar, VersionName } from '../../src/index.js';

/** The four emulated functions every bus has. */
export function standard(): DeviceInput[] {
  return [
    { slot: 0, function: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600', bars: [] },
    { slot: 1, function: 0, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601', bars: [] },
    { slot: 1, function: 1, vendorId: '0x8086', deviceId: '0x7010', classCode: '0x0101', bars: [{ index: 4, type: 'io', size: '0x10' }] },
    { slot: 1, function: 3, vendorId: '0x8086', deviceId: '0x7113', classCode: '0x0680', interruptPin: 1, bars: [] },
  ];
}

export const mem32 = (index: number, size: string, prefetchable = false): BarInput => ({ index, type: 'mem32', prefetchable, size });
export const mem64 = (index: number, size: string, prefetchable = true): BarInput => ({ index, type: 'mem64', prefetchable, size });
export const io = (index: number, size: string): BarInput => ({ index, type: 'io', size });
export const rom = (size: string): BarInput => ({ type: 'rom', size });

/** A bus: `devices` on 2 GiB less 16 MiB of RAM unless `extra` says otherwise. */
export function busOf(hvmloader: VersionName, devices: DeviceInput[], extra: Partial<BusInput> = {}): BusInput {
  return { hvmloader, lowMemEnd: '0x7f000000', ...extra, devices };
}

/** The same bus for another version. */
export const as = (bus: BusInput, hvmloader: VersionName): BusInput => ({ ...bus, hvmloader });

// Lines every bus prints: the four PCI-ISA links (IRQs 5, 10, 11, 5) and the
// PIIX4 PM function's INTA, which lands on link (0 + 1) & 3 = 1.
export const LINKS = [
  'PCI-ISA link 0 routed to IRQ5',
  'PCI-ISA link 1 routed to IRQ10',
  'PCI-ISA link 2 routed to IRQ11',
  'PCI-ISA link 3 routed to IRQ5',
];
export const PM_INTA = 'pci dev 01:3 INTA->IRQ10';
export const relocating = (enabled: boolean) => `Relocating guest memory for lowmem MMIO space ${enabled ? 'enabled' : 'disabled'}`;
export const NO_HIGH_RAM = 'No RAM in high memory; setting high_mem resource base to 100000000';
export const RELOCATE_64 = 'Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit';

// Result entries.
function regOf(index: number | 'rom'): string {
  return index === 'rom' ? '0x30' : `0x${(0x10 + 4 * index).toString(16)}`;
}
export function low(slot: number, index: number | 'rom', type: PlacedBar['type'], size: string, address: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type, size, placement: 'low', address };
}
export function high(slot: number, index: number, size: string, address: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type: 'mem64', size, placement: 'high', address };
}
export function ioBar(slot: number, index: number, size: string, address: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type: 'io', size, placement: 'io', address };
}
export function unplaced(slot: number, index: number | 'rom', type: PlacedBar['type'], size: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type, size, placement: 'unplaced', address: null };
}

/**
 * The bus that tells a once-found next reserved range (4.6) from one looked up
 * per BAR (ecc607b185): 32-bit BARs halving from 1 GiB in slots 3-7, a range
 * just above RAM and one inside the grown hole. Once-found, the 64 MiB BAR of
 * slot 7 lands on the second range; looked up per BAR, it skips it and gets no space.
 */
export const STALE_RANGE = {
  devices: (dev: (slot: number, bars: BarInput[]) => DeviceInput) => ['0x40000000', '0x20000000', '0x10000000', '0x8000000', '0x4000000'].map((size, i) => dev(3 + i, [mem32(0, size)])),
  reserved: [
    { start: '0x7f800000', size: '0x1000' },
    { start: '0xf8000000', size: '0x1000' },
  ],
};
