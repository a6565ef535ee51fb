// Where the CLI reads and writes: an Io sink (so tests run main() in-process),
// file reading that turns I/O errors into InputErrors, and version lists.

import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { VERSION_NAMES, isVersionName, type VersionName } from '../versions.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): string;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: () => readFileSync(0, 'utf8'),
};

export function readInput(path: string, io: Io): string {
  if (path === '-') return io.readStdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new InputError([{ path: '', message: `cannot read ${path}: ${why}` }]);
  }
}

export function writeOutput(path: string, text: string, flag = '--out'): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new InputError([{ path: flag, message: `cannot write ${path}: ${(e as Error).message}` }]);
  }
}

export function parseVersionSet(value: string): VersionName[] {
  if (value === 'all') return [...VERSION_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !isVersionName(n));
  if (bad.length > 0 || names.length === 0) {
    throw new InputError([{ path: '--version-set', message: `${bad.length ? `unknown version ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'no versions given'}; use a comma-separated list of ${VERSION_NAMES.join(', ')}, or "all"` }]);
  }
  return [...new Set(names)] as VersionName[];
}

