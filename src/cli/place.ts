// mmio-planner place: one bus, one or several versions.

import { parseBusJson, withVersion, type Bus } from '../bus.js';
import type { PlacementResult } from '../contract.js';
import { InputError } from '../errors.js';
import type { Target } from '../guest/releases.js';
import { place } from '../place.js';
import { placementSvg } from '../report/svg.js';
import { comparisonReport, resultReport, wrap } from '../report/text.js';
import { parseVersionSet, readInput, writeOutput, type Io } from './io.js';
import { parseReleaseList, parseTargetList } from './targets.js';

export interface PlaceFlags {
  json?: boolean;
  svg?: string;
  versionSet?: string;
  hvmloader?: string;
  xen?: string;
  log?: boolean;
}

/** The bus under one target: a version's own build, or a release's. */
const under = (bus: Bus, t: Target, source: string) => withVersion(bus, t.xen ? t.profile : t.profile.hvmloader, source);

export function runPlace(file: string, flags: PlaceFlags, io: Io): void {
  // every check happens before anything is printed: no partial output
  const bus: Bus = parseBusJson(readInput(file, io), file === '-' ? 'stdin' : file);
  const given = (['hvmloader', 'versionSet', 'xen'] as const).filter((f) => flags[f] !== undefined);
  if (given.length > 1) {
    const name = { hvmloader: '--hvmloader', versionSet: '--version-set', xen: '--xen' };
    throw new InputError([{ path: name[given[1]], message: `give one of --hvmloader, --version-set or --xen, not ${given.map((g) => name[g]).join(' and ')}` }]);
  }
  const source = file === '-' ? 'stdin' : file;
  const several = flags.versionSet !== undefined || (flags.xen !== undefined && flags.xen.includes(','));
  const buses = flags.versionSet
    ? parseTargetList(flags.versionSet).map((t) => under(bus, t, source))
    : flags.xen
      ? parseReleaseList(flags.xen).map((t) => under(bus, t, source))
      : flags.hvmloader
        ? [withVersion(bus, parseVersionSet(flags.hvmloader)[0], source)]
        : [bus];
  const results: PlacementResult[] = buses.map((b) => place(b));

  const label = (r: PlacementResult) => r.xen ?? r.hvmloader;
  if (flags.svg) writeOutput(flags.svg, placementSvg(results[0], `${source} under ${results[0].xen ? `Xen ${results[0].xen}` : `hvmloader ${results[0].hvmloader}`}`), '--svg');
  if (flags.json) {
    if (several) {
      io.out(JSON.stringify({ results: Object.fromEntries(results.map((r) => [label(r), r])) }, null, 2) + '\n');
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

