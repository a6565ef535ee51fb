// mmio-planner place: one bus, one or several versions.

import { parseBusJson, withVersion, type Bus } from '../bus.js';
import type { PlacementResult } from '../contract.js';
import { InputError } from '../errors.js';
import { place } from '../place.js';
import { placementSvg } from '../report/svg.js';
import { comparisonReport, resultReport, wrap } from '../report/text.js';
import type { VersionName } from '../versions.js';
import { parseVersionSet, readInput, writeOutput, type Io } from './io.js';

export interface PlaceFlags {
  json?: boolean;
  svg?: string;
  versionSet?: string;
  hvmloader?: string;
  log?: boolean;
}

export function runPlace(file: string, flags: PlaceFlags, io: Io): void {
  // every check happens before anything is printed: no partial output
  const bus: Bus = parseBusJson(readInput(file, io), file === '-' ? 'stdin' : file);
  if (flags.hvmloader !== undefined && flags.versionSet !== undefined) {
    throw new InputError([{ path: '--hvmloader', message: 'give either --hvmloader or --version-set, not both' }]);
  }
  const versions: VersionName[] = flags.versionSet
    ? parseVersionSet(flags.versionSet)
    : flags.hvmloader
      ? parseVersionSet(flags.hvmloader).slice(0, 1)
      : [bus.hvmloader];
  const source = file === '-' ? 'stdin' : file;
  const buses = versions.map((v) => withVersion(bus, v, source));
  const results: PlacementResult[] = buses.map((b) => place(b));

  if (flags.svg) writeOutput(flags.svg, placementSvg(results[0], `${source} under hvmloader ${results[0].hvmloader}`), '--svg');
  if (flags.json) {
    if (flags.versionSet) {
      io.out(JSON.stringify({ results: Object.fromEntries(results.map((r) => [r.hvmloader, r])) }, null, 2) + '\n');
    } else {
      io.out(JSON.stringify(results[0], null, 2) + '\n');
    }
    return;
  }
  if (bus.description) io.out(wrap(`${source}: ${bus.description}`) + '\n\n');
  if (results.length === 1) {
    io.out(resultReport(results[0], buses[0], { log: flags.log }));
    return;
  }
  io.out(comparisonReport(results, bus));
  if (flags.log) results.forEach((r, i) => io.out('\n' + resultReport(r, buses[i], { log: true })));
}

