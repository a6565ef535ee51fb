// The binary layout is written twice, in src/engine/layout.ts and in
// assembly/layout.ts; the compiled engine exports its copy, which must agree.
import { describe, expect, it } from 'vitest';
import * as L from '../src/engine/layout.js';
import { engineConstant } from '../src/engine/wasm.js';

describe('wasm boundary layout', () => {
  const names = Object.keys(L).filter((k) => typeof (L as Record<string, unknown>)[k] === 'number');

  it('has constants to compare', () => {
    expect(names.length).toBeGreaterThan(60);
  });

  for (const name of names) {
    it(`${name} agrees with the engine`, () => {
      expect(engineConstant(name)).toBe((L as Record<string, number>)[name]);
    });
  }
});
