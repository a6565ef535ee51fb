// mmio-planner matrix: the risk matrix between two versions.

import { Presets, SingleBar } from 'cli-progress';
import { InputError } from '../errors.js';
import { csvHeader, csvLine, html, jsonClose, jsonOpen, jsonRow, markdown, summaryLines } from '../matrix/report.js';
import { computeMatrix, type Matrix, type Row } from '../matrix/run.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { DEFAULT_SPACE, makeSpace, readSpaceFile } from '../matrix/space.js';
import { readInput, writeOutput, type Io } from './io.js';
import { parseTarget, type Target } from '../guest/releases.js';
import { LIMITS, quote } from '../limits.js';
import { VERSION_NAMES } from '../versions.js';
import type { Space } from '../matrix/space.js';

/** The dimensions of the space file that --set and --devices leave alone. */
function pick(space: Space, overrides: Map<string, unknown>): Partial<Space> {
  return Object.fromEntries(Object.entries(space).filter(([k]) => !overrides.has(k))) as Partial<Space>;
}

export interface MatrixFlags {
  from: string;
  to: string;
  space?: string;
  set: string[];
  devices: string[];
  format: 'md' | 'csv' | 'json' | 'html';
  out?: string;
  maxConfigs?: string;
}

/** One version name (4.3-rc) or Xen release (4.17.4), as --from and --to take. */
function oneSide(value: string, flag: string): Target {
  if (value.includes(',') || value.trim() === 'all') {
    throw new InputError([{ path: flag, message: `${quote(value)}: give one version (${VERSION_NAMES.join(', ')}) or Xen release (4.17.4); the matrix compares exactly two` }]);
  }
  return parseTarget(value, flag);
}

function maxConfigs(value: string | undefined): number {
  if (value === undefined) return LIMITS.matrixConfigs;
  const t = value.replace(/_/g, '');
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) < 1) {
    throw new InputError([{ path: '--max-configs', message: `${quote(value)} is not a whole number of configurations, e.g. --max-configs 5000000` }]);
  }
  return Number(t);
}

export function runMatrix(flags: MatrixFlags, io: Io): void {
  // each side is a version name (4.3-rc) or a Xen release (4.17.4)
  const from = oneSide(flags.from, '--from');
  const to = oneSide(flags.to, '--to');
  const max = maxConfigs(flags.maxConfigs);
  let space = flags.space ? readSpaceFile(readInput(flags.space, io), flags.space) : DEFAULT_SPACE;
  // --set dim=v1,v2 narrows or widens one dimension; --devices sweeps real device sets.
  // A Map, so that a dimension named like an Object property is just an unknown name.
  const overrides = new Map<string, unknown>();
  for (const spec of flags.set) {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new InputError([{ path: '--set', message: `${quote(spec)}: write DIMENSION=v1,v2 (e.g. ramMiB=2048,4096)` }]);
    overrides.set(
      spec.slice(0, eq).trim(),
      spec
        .slice(eq + 1)
        .split(',')
        .map((v) => v.trim())
        .map((v) => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? BigInt(v) : v)),
    );
  }
  if (flags.devices.length) overrides.set('deviceSets', flags.devices);
  if (overrides.size) space = { ...makeSpace(overrides, '--set'), ...pick(space, overrides) };
  // a progress bar on a terminal only (cli-progress stays silent otherwise)
  const bar = new SingleBar({ format: 'judging {bar} {value}/{total} configurations', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  const onProgress = (done: number, total: number) => {
    if (!process.stderr.isTTY) return;
    if (!started) {
      bar.start(total, 0);
      started = true;
    }
    bar.update(done);
  };
  // CSV and JSON rows are written as they come, not kept: a sweep of a million
  // configurations stays in bounded memory. Markdown and HTML need only the aggregate.
  // (opened at the first row, so a refused space writes nothing)
  const streamed = flags.format === 'csv' || flags.format === 'json';
  let sink: { write(text: string): void; close(): void } | undefined;
  const open = () => {
    if (!sink) {
      sink = outputSink(flags.out, io);
      sink.write(flags.format === 'csv' ? csvHeader() : jsonOpen());
    }
    return sink;
  };
  let pending: string[] = [];
  let first = true;
  const flush = () => {
    if (pending.length) open().write(pending.join(''));
    pending = [];
  };
  const onRow = streamed
    ? (r: Row) => {
        pending.push(flags.format === 'csv' ? csvLine(r) : jsonRow(r, first));
        first = false;
        if (pending.length >= 4096) flush();
      }
    : undefined;
  let matrix: Matrix;
  try {
    matrix = computeMatrix(space, from, to, { onProgress, maxConfigs: max, keepRows: false, onRow });
  } finally {
    if (started) bar.stop();
  }
  if (streamed) {
    flush();
    const out = open();
    if (flags.format === 'json') out.write(jsonClose(matrix));
    out.close();
  } else {
    const text = { md: markdown, html }[flags.format as 'md' | 'html'](matrix);
    if (flags.out) writeOutput(flags.out, text, '--out');
    else io.out(text);
  }
  if (flags.out) io.out(summaryLines(matrix).join('\n') + `\nwrote ${flags.out}\n`);
}

/** Where streamed rows go: the --out file, written piece by piece, or the Io's stdout. */
function outputSink(path: string | undefined, io: Io): { write(text: string): void; close(): void } {
  if (!path) return { write: (t) => io.out(t), close: () => {} };
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new InputError([{ path: '--out', message: `cannot write ${path}: ${(e as Error).message}` }]);
  }
  return { write: (t) => writeSync(fd, t), close: () => closeSync(fd) };
}

