// Where the CLI reads and writes: an Io sink (so tests run main() in-process),
// file reading that turns I/O errors into InputErrors, and version lists.

import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { LIMITS, stripBom } from '../limits.js';
import { VERSION_NAMES, isVersionName, type VersionName } from '../versions.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): string;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: () => readBounded(0),
};

const tooLarge = (what: string) =>
  new InputError([{ path: what, message: `is larger than ${LIMITS.inputBytes / (1024 * 1024)} MiB, the most one input may be; give the file itself (an xl.cfg, lspci -vv text, a bus or a space file is kilobytes)` }]);

/** Reads a file descriptor up to LIMITS.inputBytes, refusing more without reading it all. */
function readBounded(fd: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking stdin not ready yet
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > LIMITS.inputBytes) throw tooLarge(fd === 0 ? 'stdin' : 'input');
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The text of an input file (or stdin for -), without a byte order mark.
 * Refused: a file that cannot be read, one larger than LIMITS.inputBytes,
 * and an empty one (nothing in it could be planned or placed).
 */
export function readInput(path: string, io: Io): string {
  const name = path === '-' ? 'stdin' : path;
  let text: string;
  if (path === '-') {
    text = io.readStdin();
    if (text.length > LIMITS.inputBytes) throw tooLarge(name);
  } else {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.isFile() && st.size > LIMITS.inputBytes) throw tooLarge(path);
      text = readBounded(fd);
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new InputError([{ path: '', message: `cannot read ${path}: ${why}` }]);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  text = stripBom(text);
  if (text.trim() === '') throw new InputError([{ path: name, message: `is empty; give ${path === '-' ? 'the text on stdin' : 'a file with content'}` }]);
  return text;
}

/**
 * Makes write errors on stdout/stderr end the process the way a command-line
 * tool should: a closed pipe (EPIPE, e.g. `| head`) ends it quietly with the
 * status so far; any other error (ENOSPC, EIO) is reported in one line, exit 1.
 */
export function guardOutputStreams(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    try {
      process.stderr.write(`mmio-planner: cannot write the output: ${e.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : e.message}\n`);
    } catch {
      // nothing more can be said
    }
    process.exit(1);
  });
  process.stderr.on('error', () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 1));
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

