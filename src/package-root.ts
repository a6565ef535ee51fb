// The package's own directory (where build/ and scenarios/ live), found by
// walking up from this module: src/ when run from source, dist/src/ when built.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('cannot find the mmio-planner package directory (package.json beside scenarios/)');
}
