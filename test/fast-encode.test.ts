// The fast path from plain bus objects (src/engine/fast.ts) against the
// detailed one (parseBus, then encodeBus): on bundled and benchmark buses,
// mutated one or a few fields at a time, a bus the fast path takes must be
// one parseBus takes and encode to the same words; and place/encode must
// give the same results, or the same refusal word for word, as the detailed
// path alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, parseBus, place } from '../src/index.js';
import { encodeBuses } from '../src/engine/encode.js';
import { fastEncodeBus, MAX_BUS_WORDS } from '../src/engine/fast.js';
import { fullBus, realisticBuses, typicalBus } from '../bench/buses.js';

const root = new URL('..', import.meta.url).pathname;
const bundled = readdirSync(join(root, 'scenarios/buses')).map((f) => JSON.parse(readFileSync(join(root, 'scenarios/buses', f), 'utf8')) as Record<string, unknown>);
// guests as planGuest builds them: RMRRs, both device models, raw read-backs (masks) on every third
const realistic = realisticBuses(9, new URL('..', import.meta.url)) as unknown as Record<string, unknown>[];
const samples: Record<string, unknown>[] = [...bundled, ...realistic, typicalBus() as never, typicalBus('4.6') as never, typicalBus('4.2') as never];

/** The record the detailed path writes, or its refusal. */
function detailed(input: unknown): { words?: number[]; error?: string } {
  try {
    return { words: Array.from(encodeBuses([parseBus(input, 'buses[0]')]).chunks[0].words) };
  } catch (e) {
    return { error: String(e) };
  }
}

/** The record the fast path writes, or undefined when it gives up. */
function fast(input: unknown): number[] | undefined {
  const words = new Uint32Array(MAX_BUS_WORDS);
  const end = fastEncodeBus(input, words, 0);
  return end < 0 ? undefined : Array.from(words.subarray(0, end));
}

/** What encode() (fast path first) gives: the words, or its refusal. */
function viaEncode(input: unknown): { words?: number[]; error?: string } {
  try {
    return { words: Array.from(encode([input as never]).chunks[0].words) };
  } catch (e) {
    return { error: String(e) };
  }
}

// values near every boundary the contract draws, and hostile ones
const value = fc.oneof(
  fc.constantFrom(
    '0x0', '0x4', '0x8', '0x10', '0x800', '0x1000', '0x1001', '0x80000000', '0x80000001', '0x100000000', '0x8000000000000000',
    '0x10000000000000000', '0x00000000000000000010', '0X1000', '0x1aB0', '0xfffff000', '0x100000', '0xff000', '0x100001000',
    '0xfffffff000', '0x100000000000', '0xfc100000', '0xfc000000', '0xfe000000', '0x7000', '0x7113', '0x8086', '0xffff', '0x10000',
    '0x0680', '0xfffffff0', '0xfffffffc', '0xfffff800', '0xffffffff', '0xfffffff1', '0x', '0x-1', '1000', ' 0x10', '0x10 ', 'mem32', 'mem64', 'io', 'rom', 'xen', '4.2', '4.21', '9.9', 'constructor', '',
  ),
  fc.constantFrom(0, -0, 1, 4, 5, 6, 7, 8, 31, 32, 36, 52, 53, 255, 256, 4096, 0x100000, 2 ** 32, 2 ** 53, 1.5, -1, NaN, Infinity),
  fc.constantFrom(true, false, null, undefined, [], {}, 'rom'),
);
const keys = fc.constantFrom('size', 'mask', 'maskHigh', 'index', 'type', 'prefetchable', 'slot', 'function', 'vendorId', 'deviceId',
  'classCode', 'interruptPin', 'bars', 'reserved', 'lowMemEnd', 'highMemEnd', 'mmioHoleSize', 'allowMemoryRelocate',
  'xenPlatformBarUc', 'physAddrBits', 'hvmloader', 'name', 'xen', 'start');

type Path = (string | number)[];
const containers = (o: unknown, prefix: Path = []): Path[] =>
  typeof o !== 'object' || o === null ? [] : [prefix, ...Object.entries(o).flatMap(([k, v]) => containers(v, [...prefix, Array.isArray(o) ? Number(k) : k]))];

type Edit = { op: 'set' | 'delete' | 'swap' | 'copy'; where: number; key: string; value: unknown; other: number };
const edit = fc.record({ op: fc.constantFrom('set', 'set', 'set', 'delete', 'swap', 'copy'), where: fc.nat(), key: keys, value, other: fc.nat() }) as fc.Arbitrary<Edit>;

/** Applies edits to a copy: set or delete a key of some object, swap or copy items of some list. */
function mutate(sample: unknown, edits: Edit[]): unknown {
  const input = structuredClone(sample) as Record<string | number, unknown>;
  for (const e of edits) {
    const all = containers(input);
    let at: Record<string | number, unknown> = input;
    for (const k of all[e.where % all.length]) at = at[k] as Record<string | number, unknown>;
    if (Array.isArray(at)) {
      if (at.length === 0) continue;
      const i = e.where % at.length;
      const j = e.other % at.length;
      if (e.op === 'swap') [at[i], at[j]] = [at[j], at[i]];
      else if (e.op === 'copy') at.splice(j, 0, structuredClone(at[i]));
      else at[i] = structuredClone(e.value); // a copy: the generator hands out the same {} and []
    } else {
      // mostly a key the object has, so most edits change a value the contract checks
      const own = Object.keys(at);
      const key = e.other % 4 !== 0 && own.length > 0 ? own[e.other % own.length] : e.key;
      if (e.op === 'delete') delete at[key];
      else at[key] = structuredClone(e.value);
    }
  }
  return input;
}

describe('fast path from plain bus objects', () => {
  it('takes the bundled and benchmark buses, encoding them as parseBus + encodeBus do', () => {
    for (const input of [...samples, fullBus() as never]) {
      const words = fast(input);
      expect(words).toBeDefined();
      expect(words).toEqual(detailed(input).words);
    }
  });

  it('on mutated buses: what it takes, parseBus takes to the same words; encode() refuses as parseBus does, word for word', () => {
    const seen = { fast: 0, detailed: 0, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 3 }), (sample, edits) => {
        const input = mutate(sample, edits);
        const want = detailed(input);
        const got = fast(input);
        if (got !== undefined) {
          seen.fast++;
          expect(want.error).toBeUndefined();
          expect(got).toEqual(want.words);
        } else if (want.error === undefined) seen.detailed++;
        else seen.refused++;
        expect(viaEncode(input)).toEqual(want);
      }),
      { numRuns: 4000 },
    );
    // the runs exercised all three outcomes
    expect(seen.fast).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.detailed).toBeGreaterThan(0);
  });

  it('place() from a plain object gives what it gives from the parsed bus, log included', () => {
    for (const input of samples) expect(place(input as never)).toEqual(place(parseBus(input)));
  });

  it('gives up on devices out of scan order, so parseBus sorts them', () => {
    const bus = typicalBus() as { devices: unknown[] };
    bus.devices.reverse();
    expect(fast(bus)).toBeUndefined();
    expect(viaEncode(bus)).toEqual(detailed(bus));
    expect(viaEncode(bus).words).toEqual(detailed(typicalBus()).words);
  });
});
