// Rule-test buses for hvmloader 4.6, 4.19 and 4.21: the four standard
// functions plus the Xen platform device at 02:0 (INTA; I/O BAR 0 of 256
// bytes and a prefetchable 32-bit memory BAR 1 of 16 MiB), whose BARs a test
// may replace.
import { expect } from 'vitest';
import { BusError, type BarInput, type BusInput, type DeviceInput, type PlacedBar, type VersionName } from '../../src/index.js';
import { LINKS, PM_INTA, busOf, low, relocating, standard } from './common.js';

export { LINKS, NO_HIGH_RAM, PM_INTA, RELOCATE_64, as, high, low, mem32, mem64, relocating, rom, unplaced } from './common.js';

export type Version = Extract<VersionName, '4.5' | '4.6' | '4.19' | '4.21'>;

export const PLATFORM_MEM: BarInput = { index: 1, type: 'mem32', prefetchable: true, size: '0x1000000' };
export const PLATFORM_IO: BarInput = { index: 0, type: 'io', size: '0x100' };

/** The emulated devices; `platformBars` replaces the Xen platform device's BARs. */
export function emulated(platformBars: BarInput[] = [PLATFORM_IO, PLATFORM_MEM]): DeviceInput[] {
  return [...standard(), { slot: 2, function: 0, vendorId: '0x5853', deviceId: '0x0001', classCode: '0xff80', interruptPin: 1, bars: platformBars }];
}

/** A plain non-VGA function without an interrupt pin (so it prints no INTx line). */
export function nic(slot: number, bars: BarInput[], extra: Partial<DeviceInput> = {}): DeviceInput {
  return { slot, function: 0, vendorId: '0x8086', deviceId: '0x100e', classCode: '0x0200', bars, ...extra };
}

/** A bus: the emulated devices plus `devices`. */
export function mkBus(hvmloader: Version, devices: DeviceInput[] = [], extra: Partial<BusInput> = {}, platformBars?: BarInput[]): BusInput {
  return busOf(hvmloader, [...emulated(platformBars), ...devices], extra);
}

export const PLATFORM_INTA = 'pci dev 02:0 INTA->IRQ11';
/** The two standard I/O BARs when nothing else asks for ports: 02:0 BAR 0 then 01:1 BAR 4. */
export const IO_LINES = ['pci dev 02:0 bar 10 size 000000100: 00000c001', 'pci dev 01:1 bar 20 size 000000010: 00000c101'];
export const PLATFORM_LOW = (address: string): PlacedBar => low(2, 1, 'mem32', '0x1000000', address);
export const IO_BARS: PlacedBar[] = [
  { slot: 2, function: 0, index: 0, reg: '0x10', type: 'io', size: '0x100', placement: 'io', address: '0xc000' },
  { slot: 1, function: 1, index: 4, reg: '0x20', type: 'io', size: '0x10', placement: 'io', address: '0xc100' },
];

/** The lines every bus here prints before the hole is settled (relocation allowed). */
export const HEAD = [relocating(true), ...LINKS, PM_INTA, PLATFORM_INTA];

/** The BusError `fn` throws. */
export function caught(fn: () => unknown): BusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BusError);
    return e as BusError;
  }
  throw new Error('expected a BusError');
}

/**
 * The stale-range bus: low RAM ends at 0xef800000 (8 MiB aligned, not 16);
 * range A sits in the alignment gap below 0xf0000000, range B inside the
 * platform device's first 16 MiB. 4.6 looks A up once and never compares B.
 */
export function staleRangeBus(version: Version): BusInput {
  const reserved = [
    { start: '0xefc00000', size: '0x1000' },
    { start: '0xf0800000', size: '0x1000' },
  ];
  return mkBus(version, [], { lowMemEnd: '0xef800000', reserved });
}
