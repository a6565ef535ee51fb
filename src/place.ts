// The public placement API: place() for one bus, placeMany() for thousands
// in one engine call.

import { parseBus, type Bus } from './bus.js';
import type { BusInput, PlacementResult } from './contract.js';
import { decodeResult } from './engine/decode.js';
import { encodeInputs, isEncodedBuses, type EncodedBuses } from './engine/encode.js';
import { BusError } from './errors.js';
import * as L from './engine/layout.js';
import { runBatch } from './engine/wasm.js';
import { join64 } from './hex.js';

export interface PlaceOptions {
  /** Format the log lines pci_setup prints (default true). */
  log?: boolean;
}

/** Where hvmloader puts every BAR of one bus. Throws BusError on bad input. */
export function place(bus: BusInput | Bus, options: PlaceOptions = {}): PlacementResult {
  const batch = encodeInputs([bus], (b) => parseBus(b));
  const out = runBatch(batch.chunks[0], options.log ?? true);
  return decodeResult(batch.versions[0], batch.behaviours[0], out, out[0], { ...options, xen: batch.releases[0] });
}

/** The numbers most sweeps need, read straight from the engine's output. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

export interface PlacementSummary {
  bars: number;
  unplaced: number;
  /** The devfn (slot << 3 | function) of each BAR that got no space. */
  unplacedDevfns: number[];
  high: number;
  bar64Relocate: boolean;
  relocatedBytes: bigint;
  lowHoleStart: number;
  lowHoleEnd: number;
}

/** The results of one placeMany() call; each result is decoded on demand. */
export class Placements implements Iterable<PlacementResult> {
  readonly count: number;
  readonly #outs: Uint32Array[];
  readonly #firsts: number[];
  readonly #versions: EncodedBuses['versions'];
  readonly #behaviours: EncodedBuses['behaviours'];
  readonly #releases: EncodedBuses['releases'];
  readonly #log: boolean;

  constructor(batch: EncodedBuses, outs: Uint32Array[], log: boolean) {
    this.count = batch.count;
    this.#outs = outs;
    this.#firsts = batch.chunks.map((c) => c.first);
    this.#versions = batch.versions;
    this.#behaviours = batch.behaviours;
    this.#releases = batch.releases ?? [];
    this.#log = log;
  }

  /** The output words holding bus i and where its record starts in them. */
  #record(i: number): [Uint32Array, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`no bus ${i}; there are ${this.count}`);
    // the chunk whose first bus is the last one at or before i
    let lo = 0;
    let hi = this.#firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#firsts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    const out = this.#outs[lo];
    return [out, out[i - this.#firsts[lo]]];
  }

  /** The full contract result of bus i (log lines only if placeMany asked for them). */
  result(i: number): PlacementResult {
    const [out, at] = this.#record(i);
    return decodeResult(this.#versions[i], this.#behaviours[i], out, at, { log: this.#log, xen: this.#releases[i] });
  }

  summary(i: number): PlacementSummary {
    const [out, at] = this.#record(i);
    const bars = out[at + L.RES_N_BARS];
    let high = 0;
    const unplaced = out[at + L.RES_N_UNPLACED];
    const unplacedDevfns: number[] = unplaced ? [] : NONE;
    for (let b = 0, p = at + L.RES_HEADER_WORDS; b < bars; b++, p += L.PLACED_WORDS) {
      const placement = out[p + L.PB_PLACEMENT];
      if (placement === L.PLACE_HIGH) high++;
      else if (unplaced && placement === L.PLACE_UNPLACED) unplacedDevfns.push(out[p + L.PB_DEVFN]);
    }
    return {
      bars,
      unplacedDevfns,
      unplaced,
      high,
      bar64Relocate: out[at + L.RES_BAR64_RELOCATE] !== 0,
      relocatedBytes: join64(out[at + L.RES_RELOCATED], out[at + L.RES_RELOCATED + 1]),
      lowHoleStart: out[at + L.RES_MEM_START],
      lowHoleEnd: out[at + L.RES_MEM_END],
    };
  }

  /** How many BARs of bus i got "no space for resource". */
  unplaced(i: number): number {
    const [out, at] = this.#record(i);
    return out[at + L.RES_N_UNPLACED];
  }

  *[Symbol.iterator](): Iterator<PlacementResult> {
    for (let i = 0; i < this.count; i++) yield this.result(i);
  }
}

/** Validates and encodes buses once, for repeated placeMany() calls. */
export function encode(buses: readonly (BusInput | Bus)[]): EncodedBuses {
  if (!Array.isArray(buses)) throw new BusError([{ path: '', message: 'expected a list of buses' }]);
  return encodeInputs(buses, (b, i) => parseBus(b, `buses[${i}]`));
}

/**
 * Places many buses: the buses cross into the engine as binary batches of
 * bounded size (LIMITS.engineChunkBytes) and results are read from its
 * output without JSON. Pass encode()d buses to skip validation and encoding
 * on repeated calls.
 */
export function placeMany(buses: readonly (BusInput | Bus)[] | EncodedBuses, options: PlaceOptions = {}): Placements {
  const batch = isEncodedBuses(buses) ? buses : encode(buses as readonly (BusInput | Bus)[]);
  const log = options.log ?? false;
  return new Placements(batch, batch.chunks.map((c) => runBatch(c, log)), log);
}
