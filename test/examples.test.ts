// The results the real hvmloader produced (shared/contract/examples), one
// test per recorded run: every field of the result must match, log included.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { place, type BusInput, type PlacementResult } from '../src/index.js';

interface Example {
  name: string;
  bus: BusInput;
  expected: PlacementResult;
}

const examples: Example[] = readFileSync(new URL('./fixtures/hvmloader-examples.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

describe('recorded hvmloader runs', () => {
  it('covers every version', () => {
    const versions = new Set(examples.map((e) => e.expected.hvmloader));
    expect([...versions].sort()).toEqual(['4.19', '4.2', '4.21', '4.3', '4.3-rc', '4.5', '4.6']);
  });

  for (const ex of examples) {
    it(ex.name, () => {
      const got = place(ex.bus);
      expect(got.log).toEqual(ex.expected.log);
      expect(got.bars).toEqual(ex.expected.bars);
      expect(got).toEqual(ex.expected);
    });
  }
});
