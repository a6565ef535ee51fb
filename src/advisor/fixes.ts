// The smallest change that makes a bus fit, computed by placing candidates
// through the engine (in one placeMany batch), not guessed:
//  - the smallest mmio_hole (MiB, the range xl accepts) with every BAR low,
//    and the RAM below 4 GiB it costs (libxl lowers RAM to 4 GiB - hole);
//  - whether leaving the hole alone and letting the large 64-bit BARs go
//    high (relocation not allowed, as libxl sets for qemu-xen) keeps more RAM;
//  - the functions whose removal lets everything else be placed.

import { deriveBus, trustedBus, type Bus } from '../bus.js';
import { isEmulated } from '../verdict/functions.js';
import type { PlacementResult } from '../contract.js';
import { placeMany } from '../place.js';
import { VERSIONS } from '../versions.js';
import { B_BAR64_SUM, B_MMIO_HOLE } from '../engine/layout.js';


const FOUR_GIB = 1n << 32n;
const MIB = 1n << 20n;
/** tools/xl/xl_parse.c (RELEASE-4.19.0): mmio_hole from HVM_BELOW_4G_MMIO_LENGTH to HVM_BELOW_4G_MMIO_START. */
export const MMIO_HOLE_MIN_MIB = 256;
export const MMIO_HOLE_MAX_MIB = 3840;

/** Guest RAM in bytes, below and above 4 GiB together. */
export function totalRam(bus: Bus): bigint {
  return bus.lowMemEnd + (bus.highMemEnd > FOUR_GIB ? bus.highMemEnd - FOUR_GIB : 0n);
}

/**
 * The bus as libxl lays it out with `mmio_hole = holeMiB`: RAM below 4 GiB
 * ends at 4 GiB - hole, the rest moves above 4 GiB, and the hole size is
 * written to xenstore. RAM also stays below the bus's reserved ranges (RMRRs):
 * libxl ends it under any that RAM would cover (libxl_dm.c
 * libxl__domain_device_construct_rdm, 4.6 on).
 */
export function withMmioHole(bus: Bus, holeMiB: number): Bus {
  const hole = BigInt(holeMiB) * MIB;
  const ram = totalRam(bus);
  let low = ram < FOUR_GIB - hole ? ram : FOUR_GIB - hole;
  for (const r of bus.reserved) if (r.start < low) low = r.start;
  const changes = { lowMemEnd: low, highMemEnd: ram > low ? FOUR_GIB + (ram - low) : 0n, mmioHoleSize: hole };
  // only RAM's ends and the hole change, and these stay where the contract allows
  // them (page-aligned RAM end from 1 MiB to 4 GiB, a MiB-multiple hole): no need
  // to validate the whole bus again, which for a full bus costs milliseconds a candidate
  if (low % 0x1000n === 0n && low >= 0x100000n && changes.highMemEnd < 1n << 44n) return trustedBus({ ...bus, ...changes });
  return deriveBus(bus, changes);
}

// Candidates are placed in small batches, smallest first, so the search stops at
// the first that fits without holding thousands of placed buses at once.
const CANDIDATE_BATCH = 64;

const allLow = (r: PlacementResult) => r.bars.every((b) => b.placement === 'low' || b.placement === 'io');
const allPlaced = (r: PlacementResult) => r.bars.every((b) => b.placement !== 'unplaced');

export interface HoleFix {
  holeMiB: number;
  ramBelow4G: bigint;
  ramCost: bigint; // RAM below 4 GiB given up, moved above 4 GiB
  result: PlacementResult;
}

export interface Fixes {
  /** Undefined when no hole in range places everything low. */
  smallestHole?: HoleFix;
  /** mmio_hole is only read from 4.5 on. */
  holeHonoured: boolean;
  /** Large 64-bit BARs high, hole untouched, RAM not moved: does it place everything? */
  relocateHigh?: { placesAll: boolean; ramBelow4G: bigint; result: PlacementResult };
  /** Functions (SS:F) whose removal alone lets every other BAR be placed. */
  removable: string[];
}

export function computeFixes(bus: Bus): Fixes {
  const version = VERSIONS[bus.hvmloader];
  const behaviours = bus.profile?.behaviours ?? version.behaviours;
  const holeHonoured = (behaviours & B_MMIO_HOLE) !== 0;

  let smallestHole: HoleFix | undefined;
  if (holeHonoured) {
    search: for (let first = MMIO_HOLE_MIN_MIB; first <= MMIO_HOLE_MAX_MIB; first += CANDIDATE_BATCH) {
      const candidates: Bus[] = [];
      for (let mib = first; mib < first + CANDIDATE_BATCH && mib <= MMIO_HOLE_MAX_MIB; mib++) candidates.push(withMmioHole(bus, mib));
      const placed = placeMany(candidates);
      for (let i = 0; i < candidates.length; i++) {
        const s = placed.summary(i);
        if (s.unplaced === 0 && s.high === 0) {
          const result = placed.result(i);
          if (!allLow(result)) continue;
          const ramBelow4G = candidates[i].lowMemEnd;
          smallestHole = { holeMiB: first + i, ramBelow4G, ramCost: bus.lowMemEnd > ramBelow4G ? bus.lowMemEnd - ramBelow4G : 0n, result };
          break search;
        }
      }
    }
  }

  let relocateHigh: Fixes['relocateHigh'];
  if (behaviours & B_BAR64_SUM) {
    // versions that relocate BARs: keep RAM where it is and let them go high
    const noMove = deriveBus(bus, { allowMemoryRelocate: false, mmioHoleSize: undefined });
    const result = placeMany([noMove], { log: true }).result(0);
    relocateHigh = { placesAll: allPlaced(result), ramBelow4G: BigInt(result.ram.lowMemEnd), result };
  }

  const removable: string[] = [];
  const original = placeMany([bus]);
  const others = original.unplaced(0) === 0 ? [] : bus.devices.filter((d) => !isEmulated(d));
  // a bus less one passed-through function is as valid as the bus was
  const without = others.map((d) => trustedBus({ ...bus, devices: bus.devices.filter((x) => x !== d) }));
  if (without.length) {
    const placed = placeMany(without);
    others.forEach((d, i) => {
      if (placed.unplaced(i) === 0) removable.push(`${d.slot.toString(16).padStart(2, '0')}:${d.function}`);
    });
  }
  return { smallestHole, holeHonoured, relocateHigh, removable };
}
