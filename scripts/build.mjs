// Builds what is out of date: the wasm engine when assembly/ changed, the
// TypeScript when src/ or bench/ changed, after regenerating the layout
// module from the engine's. `npm start` and `npm test` call it
// after `npm ci` has just built everything, so skipping an up-to-date step
// saves most of their start-up. --force rebuilds both.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeLayout } from './layout.mjs';

const root = new URL('..', import.meta.url).pathname;
const force = process.argv.includes('--force');

/** The newest modification time under the given files and folders (0 when none exist). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const st = statSync(full);
    if (st.isDirectory()) t = Math.max(t, newest(readdirSync(full).map((f) => join(p, f))));
    else t = Math.max(t, st.mtimeMs);
  }
  return t;
}
const stale = (outputs, inputs) => force || outputs.some((o) => !existsSync(join(root, o))) || newest(outputs) < newest(inputs);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const bin = (name) => join(root, 'node_modules', '.bin', name);

if (stale(['build/engine.wasm'], ['assembly', 'asconfig.json', 'package-lock.json'])) run(bin('asc'), ['assembly/index.ts', '--target', 'release']);
// src/engine/layout.ts is generated from assembly/layout.ts (written only when it differs)
writeLayout(root);
if (stale(['dist/src/index.js', 'dist/src/cli.js'], ['src', 'bench', 'tsconfig.json', 'package-lock.json'])) run(bin('tsc'), ['-p', 'tsconfig.json']);
