// Which functions of a bus the judgement reports on, what to call them, and
// which ones the guest cannot boot without.

import type { Bus } from '../bus.js';
import { emulatedName } from '../guest/catalogue.js';
import { functionName, type JudgedFunction } from './judge.js';

const id = (d: { vendorId: number; deviceId: number }) => `${d.vendorId.toString(16).padStart(4, '0')}:${d.deviceId.toString(16).padStart(4, '0')}`;

/**
 * Devices without which the guest does not boot: its display, storage
 * controllers, and the Xen platform device its PV drivers use.
 */
export function isCritical(fn: { vendorId: number; deviceId: number; classCode: number }): boolean {
  if (fn.vendorId === 0x5853 && fn.deviceId === 0x0001) return true;
  return fn.classCode >> 8 === 0x01 || fn.classCode === 0x0300;
}

/** A function a device model emulates (so removing it from the guest is not a fix). */
export const isEmulated = (d: { vendorId: number; deviceId: number }) => emulatedName(d.vendorId, d.deviceId) !== undefined;

/**
 * The functions of a bare bus, as the judgement sees them: every function with
 * BARs, named from the emulated catalogue or by ID. Passed through are those
 * given, or by default every function no device model emulates.
 */
export function busFunctions(bus: Bus, passthrough?: ReadonlySet<string>): JudgedFunction[] {
  return bus.devices
    .filter((d) => d.bars.length > 0)
    .map((d) => {
      const name = emulatedName(d.vendorId, d.deviceId);
      const realSizes = new Map<number, bigint>();
      for (const b of d.bars) if (b.size !== undefined) realSizes.set(b.index, b.size);
      return {
        slot: d.slot,
        function: d.function,
        label: name ?? `device ${id(d)}`,
        passthrough: passthrough ? passthrough.has(functionName(d)) : name === undefined,
        critical: isCritical(d),
        realSizes,
      };
    });
}
