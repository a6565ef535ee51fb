// Shared building blocks for the hand-worked rule tests of hvmloader 4.6,
// 4.19 and 4.21 (test/rules/v4_6.test.ts, v4_19.test.ts, v4_21.test.ts).
//
// Every bus starts from the emulated devices QEMU gives an HVM guest:
//   00:0 host bridge 8086:1237, 01:0 PIIX3 ISA 8086:7000,
//   01:1 IDE 8086:7010 (I/O BAR 4, 16 bytes), 01:3 PIIX4 PM 8086:7113 (INTA),
//   02:0 Xen platform 5853:0001 (INTA; I/O BAR 0 of 256 bytes and a
//        prefetchable 32-bit memory BAR 1 of 16 MiB)
// and the tests add only the devices a rule needs.
import type { BarInput, BusInput, DeviceInput, PlacedBar, VersionName } from '../../src/index.js';

export type Version = Extract<VersionName, '4.5' | '4.6' | '4.19' | '4.21'>;

export const PLATFORM_MEM: BarInput = { index: 1, type: 'mem32', prefetchable: true, size: '0x1000000' };
export const PLATFORM_IO: BarInput = { index: 0, type: 'io', size: '0x100' };

/** The emulated devices; `platformBars` replaces the Xen platform device's BARs. */
export function emulated(platformBars: BarInput[] = [PLATFORM_IO, PLATFORM_MEM]): DeviceInput[] {
  return [
    { slot: 0, function: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600', bars: [] },
    { slot: 1, function: 0, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601', bars: [] },
    { slot: 1, function: 1, vendorId: '0x8086', deviceId: '0x7010', classCode: '0x0101', bars: [{ index: 4, type: 'io', size: '0x10' }] },
    { slot: 1, function: 3, vendorId: '0x8086', deviceId: '0x7113', classCode: '0x0680', interruptPin: 1, bars: [] },
    { slot: 2, function: 0, vendorId: '0x5853', deviceId: '0x0001', classCode: '0xff80', interruptPin: 1, bars: platformBars },
  ];
}

/** A plain non-VGA function without an interrupt pin (so it prints no INTx line). */
export function nic(slot: number, bars: BarInput[], extra: Partial<DeviceInput> = {}): DeviceInput {
  return { slot, function: 0, vendorId: '0x8086', deviceId: '0x100e', classCode: '0x0200', bars, ...extra };
}

export const mem32 = (index: number, size: string, prefetchable = false): BarInput => ({ index, type: 'mem32', prefetchable, size });
export const mem64 = (index: number, size: string, prefetchable = true): BarInput => ({ index, type: 'mem64', prefetchable, size });
export const rom = (size: string): BarInput => ({ type: 'rom', size });

/** A bus: the emulated devices plus `devices`; 2 GiB less 16 MiB of RAM unless told otherwise. */
export function mkBus(hvmloader: Version, devices: DeviceInput[] = [], extra: Partial<BusInput> = {}, platformBars?: BarInput[]): BusInput {
  return { hvmloader, lowMemEnd: '0x7f000000', ...extra, devices: [...emulated(platformBars), ...devices] };
}

/** The same bus for another version. */
export const as = (bus: BusInput, hvmloader: Version): BusInput => ({ ...bus, hvmloader });

// Log lines every bus here prints.
export const relocating = (enabled: boolean) => `Relocating guest memory for lowmem MMIO space ${enabled ? 'enabled' : 'disabled'}`;
export const LINKS = [
  'PCI-ISA link 0 routed to IRQ5',
  'PCI-ISA link 1 routed to IRQ10',
  'PCI-ISA link 2 routed to IRQ11',
  'PCI-ISA link 3 routed to IRQ5',
];
export const PM_INTA = 'pci dev 01:3 INTA->IRQ10';
export const PLATFORM_INTA = 'pci dev 02:0 INTA->IRQ11';
export const NO_HIGH_RAM = 'No RAM in high memory; setting high_mem resource base to 100000000';
export const RELOCATE_64 = 'Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit';
/** The two standard I/O BARs when nothing else asks for ports: 02:0 BAR 0 then 01:1 BAR 4. */
export const IO_LINES = ['pci dev 02:0 bar 10 size 000000100: 00000c001', 'pci dev 01:1 bar 20 size 000000010: 00000c101'];

// Result entries.
export function low(slot: number, index: number | 'rom', type: PlacedBar['type'], size: string, address: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type, size, placement: 'low', address };
}
export function high(slot: number, index: number, size: string, address: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type: 'mem64', size, placement: 'high', address };
}
export function unplaced(slot: number, index: number | 'rom', type: PlacedBar['type'], size: string, fn = 0): PlacedBar {
  return { slot, function: fn, index, reg: regOf(index), type, size, placement: 'unplaced', address: null };
}
export const PLATFORM_LOW = (address: string): PlacedBar => low(2, 1, 'mem32', '0x1000000', address);
export const IO_BARS: PlacedBar[] = [
  { slot: 2, function: 0, index: 0, reg: '0x10', type: 'io', size: '0x100', placement: 'io', address: '0xc000' },
  { slot: 1, function: 1, index: 4, reg: '0x20', type: 'io', size: '0x10', placement: 'io', address: '0xc100' },
];

function regOf(index: number | 'rom'): string {
  return index === 'rom' ? '0x30' : `0x${(0x10 + 4 * index).toString(16)}`;
}
