// mmio-planner matrix: the risk matrix between two versions.

import { Presets, SingleBar } from 'cli-progress';
import { InputError } from '../errors.js';
import { csv, html, json, markdown, summaryLines } from '../matrix/report.js';
import { computeMatrix } from '../matrix/run.js';
import { DEFAULT_SPACE, makeSpace, readSpaceFile } from '../matrix/space.js';
import { parseVersionSet, readInput, writeOutput, type Io } from './io.js';

export interface MatrixFlags {
  from: string;
  to: string;
  space?: string;
  set: string[];
  devices: string[];
  format: 'md' | 'csv' | 'json' | 'html';
  out?: string;
}

export function runMatrix(flags: MatrixFlags, io: Io): void {
  const [from] = parseVersionSet(flags.from);
  const [to] = parseVersionSet(flags.to);
  let space = flags.space ? readSpaceFile(readInput(flags.space, io), flags.space) : DEFAULT_SPACE;
  // --set dim=v1,v2 narrows or widens one dimension; --devices sweeps real device sets
  const overrides: Record<string, unknown> = { ...space };
  for (const spec of flags.set) {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new InputError([{ path: '--set', message: `${JSON.stringify(spec)}: write DIMENSION=v1,v2 (e.g. ramMiB=2048,4096)` }]);
    overrides[spec.slice(0, eq)] = spec
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .map((v) => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v));
  }
  if (flags.devices.length) overrides.deviceSets = flags.devices;
  if (flags.set.length || flags.devices.length) space = makeSpace(overrides, '--set');
  // a progress bar on a terminal only (cli-progress stays silent otherwise)
  const bar = new SingleBar({ format: 'placing {bar} {value}/{total} buses', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  const matrix = computeMatrix(space, from, to, (done, total) => {
    if (!process.stderr.isTTY) return;
    if (!started) {
      bar.start(total, 0);
      started = true;
    }
    bar.update(done);
  });
  if (started) bar.stop();
  const text = { md: markdown, csv, json, html }[flags.format](matrix);
  if (flags.out) {
    writeOutput(flags.out, text, '--out');
    io.out(summaryLines(matrix).join('\n') + `\nwrote ${flags.out}\n`);
  } else {
    io.out(text);
  }
}

