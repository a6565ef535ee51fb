// Why a BAR was not placed. hvmloader decides whether the hole is big enough
// by comparing the sum of the BAR sizes with the hole's size; that test
// assumes the hole starts aligned to the largest BAR and that BARs pack
// back to back. When the sum fits and a BAR is still dropped, one of these
// broke the assumption:
//  - a mmio_hole size that is not a power of two leaves the start unaligned;
//  - the fallback around reserved ranges starts the hole at the end of RAM,
//    which is only page aligned;
//  - a BAR skipped past a reserved range, wasting the space below it.
// Otherwise the hole was simply too small (32-bit BARs cannot go high).

import { deriveBus, type Bus } from '../bus.js';
import { placeMany } from '../place.js';
import type { PlacedBar, PlacementResult } from '../contract.js';
import { humanSize } from '../hex.js';
import { feasibility, describeMisfit } from './feasibility.js';

export type DropCause = 'unaligned-mmio-hole' | 'unaligned-rmrr-start' | 'reserved-skip' | 'reserved-range' | 'hole-too-small' | 'above-address-width' | 'not-sized';

export interface DropReason {
  bar: PlacedBar;
  cause: DropCause;
  /** hvmloader's own sum test passed for the low hole. */
  sumTestPassed: boolean;
  message: string;
}

const hex = (v: bigint) => '0x' + v.toString(16);
const name = (b: PlacedBar) => `${b.slot.toString(16).padStart(2, '0')}:${b.function} bar ${b.reg.slice(2)}`;
const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

export function explainDrops(bus: Bus, result: PlacementResult): DropReason[] {
  const start = BigInt(result.lowHole.start);
  const end = BigInt(result.lowHole.end);
  const lowBars = result.bars.filter((b) => (b.placement === 'low' || (b.placement === 'unplaced' && b.type !== 'io')) && BigInt(b.size) > 0n);
  const lowSum = lowBars.reduce((s, b) => s + BigInt(b.size), 0n);
  const sumTestPassed = lowSum <= end - start;
  const largest = lowBars.reduce((m, b) => (BigInt(b.size) > m ? BigInt(b.size) : m), 0n);

  // replay the bump allocator to see where BARs jumped ahead (a reserved skip)
  let cursor = start;
  let skipped = false;
  for (const b of result.bars) {
    if (b.placement !== 'low') continue;
    const expected = alignUp(cursor, BigInt(b.size));
    if (BigInt(b.address!) > expected) skipped = true;
    cursor = BigInt(b.address!) + BigInt(b.size);
  }

  const fit = feasibility(start, end, lowBars.map((b) => BigInt(b.size)));
  // the reserved ranges inside the hole, by name, and which drops they alone cause:
  // the same bus without them is placed, and a BAR placed there was dropped for them
  const inHole = bus.reserved.filter((r) => r.start < end && r.start + r.size > start);
  const ranges = inHole.map((r) => `${hex(r.start)}-${hex(r.start + r.size - 1n)}`).join(', ');
  const placedWithout = new Set<string>();
  if (inHole.length && result.bars.some((b) => b.placement === 'unplaced')) {
    const without = placeMany([deriveBus(bus, { reserved: [] })]).result(0);
    for (const b of without.bars) if (b.placement === 'low' || b.placement === 'high') placedWithout.add(`${b.slot}:${b.function}:${b.index}`);
  }
  const reasons: DropReason[] = [];
  for (const bar of result.bars) {
    if (bar.placement !== 'unplaced') continue;
    const size = BigInt(bar.size);
    let cause: DropCause;
    let message: string;
    if (size === 0n) {
      cause = 'not-sized';
      message = `${name(bar)} could not be sized by hvmloader ${result.hvmloader} (it reads only the low half of a 64-bit BAR), so it was given no space`;
    } else if (bar.type === 'io') {
      cause = 'hole-too-small';
      message = `${name(bar)} (${humanSize(size)} of I/O ports) did not fit the I/O window 0xc000-0x10000`;
    } else if (result.highWindow && bar.type === 'mem64' && result.bar64Relocate && !lowBars.includes(bar)) {
      cause = 'above-address-width';
      message = `${name(bar)} (${humanSize(size)}) aligned above RAM would end past 2^${bus.physAddrBits}, the guest's physical address width`;
    } else if (sumTestPassed && skipped) {
      cause = 'reserved-skip';
      message = `${name(bar)} (${humanSize(size)}): the BARs add up to ${humanSize(lowSum)}, which fits the ${humanSize(end - start)} hole, but a BAR skipped past the reserved range${inHole.length > 1 ? 's' : ''} ${ranges || 'in the hole'} and the space below it was lost`;
    } else if (sumTestPassed && start % largest !== 0n && bus.mmioHoleSize !== undefined && bus.mmioHoleSize !== 0n) {
      cause = 'unaligned-mmio-hole';
      message = `${name(bar)} (${humanSize(size)}): the BARs add up to ${humanSize(lowSum)} and fit the hole's size, but mmio_hole ${humanSize(bus.mmioHoleSize)} starts the hole at ${hex(start)}, not aligned to the ${humanSize(largest)} BAR, so aligning it wasted ${humanSize(alignUp(start, largest) - start)}`;
    } else if (sumTestPassed && start % largest !== 0n) {
      cause = 'unaligned-rmrr-start';
      message = `${name(bar)} (${humanSize(size)}): the BARs add up to ${humanSize(lowSum)} and fit the hole's size, but to avoid a reserved range the hole starts at the end of RAM, ${hex(start)}, which is not aligned to the ${humanSize(largest)} BAR`;
    } else if (placedWithout.has(`${bar.slot}:${bar.function}:${bar.index}`)) {
      cause = 'reserved-range';
      message = `${name(bar)} (${humanSize(size)}): the reserved range${inHole.length > 1 ? 's' : ''} ${ranges} (an RMRR in the guest's memory map) take${inHole.length > 1 ? '' : 's'} the place it would get in the hole ${hex(start)}-${hex(end)}; without ${inHole.length > 1 ? 'them' : 'it'} the BAR is placed`;
    } else {
      cause = 'hole-too-small';
      message = `${name(bar)} (${humanSize(size)}): ${fit.firstMisfit ? describeMisfit(fit.firstMisfit, start, end) : `the BARs need ${humanSize(lowSum)} and the hole ${hex(start)}-${hex(end)} has ${humanSize(end - start)}`}${bar.type === 'mem64' ? '' : '; a 32-bit BAR cannot go above 4 GiB'}`;
    }
    reasons.push({ bar, cause, sumTestPassed, message });
  }
  return reasons;
}
