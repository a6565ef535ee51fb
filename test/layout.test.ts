// The binary layout is owned by assembly/layout.ts; src/engine/layout.ts is
// generated from it (scripts/layout.mjs) and committed. The committed file
// must be what the script writes, and every value must agree with the
// compiled engine's exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// a plain build script (scripts/ is not type-checked)
import { generateLayout, LAYOUT_SOURCE, LAYOUT_TARGET } from '../scripts/layout.mjs';
import * as L from '../src/engine/layout.js';
import { engineConstant } from '../src/engine/wasm.js';

const root = new URL('..', import.meta.url).pathname;

describe('generated layout module', () => {
  it('is what regenerating it from assembly/layout.ts gives', () => {
    const source = readFileSync(join(root, LAYOUT_SOURCE), 'utf8');
    expect(readFileSync(join(root, LAYOUT_TARGET), 'utf8')).toBe(generateLayout(source));
  });

  it('carries every constant of the engine side, without its types', () => {
    const text = generateLayout('// header\nexport const A: u32 = 1 << 3; // note\n');
    expect(text).toMatch(/^\/\/ GENERATED from assembly\/layout\.ts/);
    expect(text).toContain('export const A = 1 << 3; // note');
  });

  it('refuses a constant it would not carry over exactly', () => {
    expect(() => generateLayout('export const A = 1;\n')).toThrow(/assembly\/layout\.ts:1: expected/);
  });
});

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
