// src/engine/layout.ts is generated from assembly/layout.ts, the one owner of
// the binary layout: the same constants with AssemblyScript's `: u32` types
// dropped and a header that says so. scripts/build.mjs runs this when the
// engine's file is newer; test/layout.test.ts checks the committed file is
// what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LAYOUT_SOURCE = 'assembly/layout.ts';
export const LAYOUT_TARGET = 'src/engine/layout.ts';

const HEADER = `// GENERATED from ${LAYOUT_SOURCE} by scripts/layout.mjs (run by npm run build):
// do not edit; change ${LAYOUT_SOURCE} instead. test/layout.test.ts checks
// that this file is what the script writes, and every value against the
// compiled engine's exports.
`;

/** The TypeScript layout module for the text of assembly/layout.ts. */
export function generateLayout(source) {
  const lines = source.split('\n');
  // the source's own header comment gives way to the generated one
  let start = 0;
  while (start < lines.length && lines[start].startsWith('//')) start++;
  const body = lines.slice(start).map((line, i) => {
    if (!line.startsWith('export')) return line;
    const m = /^export const ([A-Z0-9_]+): u32 = (.+)$/.exec(line);
    if (!m) throw new Error(`${LAYOUT_SOURCE}:${start + i + 1}: expected \`export const NAME: u32 = value;\`, got ${JSON.stringify(line)}`);
    return `export const ${m[1]} = ${m[2]}`;
  });
  return HEADER + body.join('\n');
}

/** Writes src/engine/layout.ts under `root` when it differs; true when it wrote. */
export function writeLayout(root) {
  const text = generateLayout(readFileSync(join(root, LAYOUT_SOURCE), 'utf8'));
  const target = join(root, LAYOUT_TARGET);
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // not there yet
  }
  if (current === text) return false;
  writeFileSync(target, text);
  return true;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) writeLayout(new URL('..', import.meta.url).pathname);
