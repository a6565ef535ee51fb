// Rule-test buses for hvmloader 4.2, 4.3-rc, 4.3 and 4.5: the four standard
// functions plus plain network controllers (class 0x0200) with no interrupt
// pin unless a test asks for one, so they add no INTx line.
import type { BarInput, BusInput, DeviceInput, PlacedBar } from '../../src/index.js';
import { busOf, ioBar, standard } from './common.js';

export { LINKS, NO_HIGH_RAM, PM_INTA, RELOCATE_64, as, high, io, ioBar, low, mem32, mem64, relocating, rom, standard, unplaced } from './common.js';

export type OldVersion = '4.2' | '4.3-rc' | '4.3' | '4.5';

/** An added function: a network controller without an interrupt pin unless `extra` gives one. */
export function dev(slot: number, bars: BarInput[], extra: Partial<DeviceInput> = {}): DeviceInput {
  return { slot, function: 0, vendorId: '0x1af4', deviceId: '0x1000', classCode: '0x0200', bars, ...extra };
}

/** A bus: the standard functions plus `devices`. */
export function mkBus(hvmloader: OldVersion, devices: DeviceInput[] = [], extra: Partial<BusInput> = {}): BusInput {
  return busOf(hvmloader, [...standard(), ...devices], extra);
}

/** The IDE function's 16-byte I/O BAR at `address`. */
export const ide = (address = '0xc000'): PlacedBar => ioBar(1, 4, '0x10', address, 1);
