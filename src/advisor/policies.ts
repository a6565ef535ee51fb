// What other firmware policies would have done with the same bus. Each
// policy is a small, explicit placer over the bus's sized BARs (as hvmloader
// sized them, so the comparison is like for like):
//  - seabios: whenever the guest has RAM above 4 GiB, every 64-bit BAR goes
//    above it; 32-bit BARs share the hole, which never grows over RAM.
//  - ovmf: 64-bit BARs in a window above RAM, 32-bit ones in the hole; when
//    something does not fit, reject the function asking for the most and retry.
//  - optimal: the smallest hole (in MiB) in which lowest-fit packing places
//    every BAR low; failing that, the largest 64-bit BARs go high until the
//    rest fit the largest hole hvmloader would open (2 GiB).

import type { Bus } from '../bus.js';
import type { PlacedBar, PlacementResult } from '../contract.js';
import { packLowestFit } from './feasibility.js';

export type PolicyName = 'hvmloader' | 'seabios' | 'ovmf' | 'optimal';

export interface PolicyOutcome {
  policy: PolicyName;
  lowHole: { start: bigint; end: bigint };
  /** RAM the guest keeps below 4 GiB under this policy. */
  ramBelow4G: bigint;
  mapped: PlacedBar[]; // all BARs low
  relocated: PlacedBar[]; // placed above 4 GiB
  dropped: PlacedBar[];
  /** Functions rejected whole (ovmf). */
  rejected: string[];
  bars: PlacedBar[]; // every memory BAR with this policy's placement
}

const FOUR_GIB = 1n << 32n;
const HOLE_END = 0xfc000000n;
const DEFAULT_START = 0xf0000000n;
const MIB = 1n << 20n;
const hex = (v: bigint) => '0x' + v.toString(16);
const fnKey = (b: PlacedBar) => `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;

/**
 * The memory BARs with the sizes the devices really have: a BAR hvmloader
 * misread (4.2 sizes only the low half of a 64-bit BAR, so one of 4 GiB or
 * more reads as 0) keeps the size the bus gives it, so every policy places
 * the same devices and hvmloader's own row counts it as dropped.
 */
function memoryBars(bus: Bus, result: PlacementResult): PlacedBar[] {
  const real = (b: PlacedBar) => {
    const index = b.index === 'rom' ? 6 : b.index;
    return bus.devices.find((d) => d.slot === b.slot && d.function === b.function)?.bars.find((x) => x.index === index)?.size ?? 0n;
  };
  return result.bars
    .filter((b) => b.type !== 'io')
    .map((b) => (BigInt(b.size) > 0n ? b : { ...b, size: hex(real(b)) }))
    .filter((b) => BigInt(b.size) > 0n);
}

/** The hole a policy starts from: the toolstack's mmio_hole, else the default. */
function startingHole(bus: Bus): bigint {
  const hole = bus.mmioHoleSize ?? 0n;
  if (hole > 0n && FOUR_GIB - hole <= DEFAULT_START) return FOUR_GIB - hole;
  return DEFAULT_START;
}

function highBase(bus: Bus): bigint {
  return bus.highMemEnd > FOUR_GIB ? bus.highMemEnd : FOUR_GIB;
}

/** Largest first, each aligned above the previous, from `base` to `limit`. */
function bumpPlace(bars: PlacedBar[], base: bigint, limit: bigint): Map<PlacedBar, bigint | undefined> {
  const out = new Map<PlacedBar, bigint | undefined>();
  const order = [...bars].sort((a, b) => (BigInt(b.size) > BigInt(a.size) ? 1 : BigInt(b.size) < BigInt(a.size) ? -1 : 0));
  for (const b of order) {
    const size = BigInt(b.size);
    const at = ((base + size - 1n) / size) * size;
    if (at + size > limit) {
      out.set(b, undefined);
      continue;
    }
    out.set(b, at);
    base = at + size;
  }
  return out;
}

function lowestFit(bars: PlacedBar[], start: bigint, end: bigint): Map<PlacedBar, bigint | undefined> {
  const at = packLowestFit(start, end, bars.map((b) => BigInt(b.size)));
  return new Map(bars.map((b, i) => [b, at[i]]));
}

function outcome(policy: PolicyName, bus: Bus, start: bigint, low: Map<PlacedBar, bigint | undefined>, high: Map<PlacedBar, bigint | undefined>, rejected: string[] = []): PolicyOutcome {
  const bars: PlacedBar[] = [];
  const mapped: PlacedBar[] = [];
  const relocated: PlacedBar[] = [];
  const dropped: PlacedBar[] = [];
  const place = (b: PlacedBar, at: bigint | undefined, where: 'low' | 'high') => {
    const placed: PlacedBar = { ...b, placement: at === undefined ? 'unplaced' : where, address: at === undefined ? null : hex(at) };
    bars.push(placed);
    if (at === undefined) dropped.push(placed);
    else if (where === 'high') relocated.push(placed);
  };
  low.forEach((at, b) => place(b, at, 'low'));
  high.forEach((at, b) => place(b, at, 'high'));
  const byFunction = new Map<string, PlacedBar[]>();
  for (const b of bars) byFunction.set(fnKey(b), [...(byFunction.get(fnKey(b)) ?? []), b]);
  for (const [, fbars] of byFunction) if (fbars.every((b) => b.placement === 'low')) mapped.push(...fbars);
  const ramBelow4G = bus.lowMemEnd < start ? bus.lowMemEnd : start;
  return { policy, lowHole: { start, end: HOLE_END }, ramBelow4G, mapped, relocated, dropped, rejected, bars };
}

export function seabiosPolicy(bus: Bus, result: PlacementResult): PolicyOutcome {
  const bars = memoryBars(bus, result);
  const ramOver4G = bus.highMemEnd > FOUR_GIB;
  const high = ramOver4G ? bars.filter((b) => b.type === 'mem64') : [];
  const low = bars.filter((b) => !high.includes(b));
  // the hole may grow down to RAM but never over it
  let start = startingHole(bus);
  const need = low.reduce((s, b) => s + BigInt(b.size), 0n);
  while (HOLE_END - start < need) {
    const doubled = 2n * start - FOUR_GIB;
    if (doubled < 0x80000000n || doubled < bus.lowMemEnd) break;
    start = doubled;
  }
  const limit = 1n << BigInt(bus.physAddrBits);
  return outcome('seabios', bus, start, bumpPlace(low, start, HOLE_END), bumpPlace(high, highBase(bus), limit));
}

export function ovmfPolicy(bus: Bus, result: PlacementResult): PolicyOutcome {
  let bars = memoryBars(bus, result);
  const rejected: string[] = [];
  const start = startingHole(bus);
  const limit = 1n << BigInt(bus.physAddrBits);
  for (;;) {
    const high = bars.filter((b) => b.type === 'mem64');
    const low = bars.filter((b) => b.type !== 'mem64');
    const lowAt = lowestFit(low, start, HOLE_END);
    const highAt = bumpPlace(high, highBase(bus), limit);
    const failing = [...lowAt, ...highAt].filter(([, at]) => at === undefined).map(([b]) => b);
    if (failing.length === 0) {
      // rejected functions' BARs are reported as dropped
      const dropped = memoryBars(bus, result).filter((b) => rejected.includes(fnKey(b)));
      for (const b of dropped) (b.type === 'mem64' ? highAt : lowAt).set(b, undefined);
      return outcome('ovmf', bus, start, lowAt, highAt, rejected);
    }
    // reject the function that asks for the most space in the failing region
    const region = failing[0].type === 'mem64' ? high : low;
    const demand = new Map<string, bigint>();
    for (const b of region) demand.set(fnKey(b), (demand.get(fnKey(b)) ?? 0n) + BigInt(b.size));
    const [worst] = [...demand].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))[0];
    rejected.push(worst);
    bars = bars.filter((b) => fnKey(b) !== worst);
  }
}

export function optimalPolicy(bus: Bus, result: PlacementResult): PolicyOutcome {
  const bars = memoryBars(bus, result);
  const limit = 1n << BigInt(bus.physAddrBits);
  const fitsLow = (set: PlacedBar[], start: bigint) => packLowestFit(start, HOLE_END, set.map((b) => BigInt(b.size))).every((a) => a !== undefined);
  // the smallest hole, in MiB steps, that holds every BAR
  const smallest = (set: PlacedBar[]): bigint | undefined => {
    for (let start = DEFAULT_START; start >= 0x80000000n; start -= MIB) if (fitsLow(set, start)) return start;
    return undefined;
  };
  const all = smallest(bars);
  if (all !== undefined) return outcome('optimal', bus, all, lowestFit(bars, all, HOLE_END), new Map());
  // move the largest 64-bit BARs high until the rest fit
  const movable = bars.filter((b) => b.type === 'mem64').sort((a, b) => (BigInt(b.size) > BigInt(a.size) ? 1 : -1));
  for (let k = 1; k <= movable.length; k++) {
    const high = movable.slice(0, k);
    const low = bars.filter((b) => !high.includes(b));
    const start = smallest(low);
    if (start !== undefined) return outcome('optimal', bus, start, lowestFit(low, start, HOLE_END), bumpPlace(high, highBase(bus), limit));
  }
  const low = bars.filter((b) => b.type !== 'mem64');
  return outcome('optimal', bus, 0x80000000n, lowestFit(low, 0x80000000n, HOLE_END), bumpPlace(movable, highBase(bus), limit));
}

/** hvmloader's own result in the same terms, for side-by-side comparison. */
export function hvmloaderOutcome(bus: Bus, result: PlacementResult): PolicyOutcome {
  const low = new Map<PlacedBar, bigint | undefined>();
  const high = new Map<PlacedBar, bigint | undefined>();
  for (const b of memoryBars(bus, result)) {
    const at = b.address === null ? undefined : BigInt(b.address);
    if (b.placement === 'high' || (b.placement === 'unplaced' && b.type === 'mem64' && result.bar64Relocate)) high.set(b, at);
    else low.set(b, at);
  }
  const o = outcome('hvmloader', bus, BigInt(result.lowHole.start), low, high);
  return { ...o, ramBelow4G: BigInt(result.ram.lowMemEnd), lowHole: { start: BigInt(result.lowHole.start), end: BigInt(result.lowHole.end) } };
}

export function comparePolicies(bus: Bus, result: PlacementResult): PolicyOutcome[] {
  return [hvmloaderOutcome(bus, result), seabiosPolicy(bus, result), ovmfPolicy(bus, result), optimalPolicy(bus, result)];
}
