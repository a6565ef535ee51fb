// The command line. main() takes argv and an output sink and returns the exit
// code, so tests run it in-process as well as through bin/mmio-planner.js.
// Exit codes: 0 success, 2 bad input (the message names the field), 1 fault.

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parseBusJson, withVersion, type Bus } from './bus.js';
import type { PlacementResult } from './contract.js';
import { InputError } from './errors.js';
import { place } from './place.js';
import { advise, adviceReport } from './advisor/advise.js';
import { placementSvg } from './report/svg.js';
import { comparisonReport, resultReport, wrap } from './report/text.js';
import { VERSION_NAMES, isVersionName, type VersionName } from './versions.js';

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

const PACKAGE_VERSION = '0.1.0';

function readInput(path: string, io: Io): string {
  if (path === '-') return io.readStdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new InputError([{ path: '', message: `cannot read ${path}: ${why}` }]);
  }
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new InputError([{ path: '--svg', message: `cannot write ${path}: ${(e as Error).message}` }]);
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

interface PlaceFlags {
  json?: boolean;
  svg?: string;
  versionSet?: string;
  hvmloader?: string;
  log?: boolean;
}

function runPlace(file: string, flags: PlaceFlags, io: Io): void {
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

  if (flags.svg) writeOutput(flags.svg, placementSvg(results[0], `${source} under hvmloader ${results[0].hvmloader}`));
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

interface ExplainFlags {
  json?: boolean;
  hvmloader?: string;
}

function runExplain(file: string, flags: ExplainFlags, io: Io): void {
  const source = file === '-' ? 'stdin' : file;
  let bus: Bus = parseBusJson(readInput(file, io), source);
  if (flags.hvmloader) bus = withVersion(bus, parseVersionSet(flags.hvmloader)[0], source);
  const advice = advise(bus);
  if (flags.json) {
    const { result, ...rest } = advice;
    io.out(JSON.stringify({ ...rest, result }, null, 2) + '\n');
    return;
  }
  io.out(adviceReport(advice, source));
}

function program(io: Io): Command {
  const cmd = new Command('mmio-planner')
    .description("Predicts where Xen's hvmloader places every PCI BAR of an HVM guest.")
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  cmd
    .command('place')
    .description('place the BARs of a bus description (the JSON contract; - reads stdin)')
    .argument('<bus>', 'bus description file, or - for stdin')
    .option('--json', "print the contract's placement result as JSON")
    .addOption(new Option('--hvmloader <version>', "place under this version instead of the bus's own").choices([...VERSION_NAMES]))
    .option('--version-set <versions>', `place under several versions and show where they differ: a list like 4.3-rc,4.3, or "all"`)
    .option('--log', 'also print the lines hvmloader logs')
    .option('--svg <file>', "draw the guest's physical address map (the first version's) to an SVG file")
    .exitOverride()
    .action((file: string, flags: PlaceFlags) => runPlace(file, flags, io));

  cmd
    .command('explain')
    .description('why BARs are not placed, the smallest fix, hazards, and what other firmware would do')
    .argument('<bus>', 'bus description file, or - for stdin')
    .option('--json', 'print the advice as JSON')
    .addOption(new Option('--hvmloader <version>', "explain under this version instead of the bus's own").choices([...VERSION_NAMES]))
    .exitOverride()
    .action((file: string, flags: ExplainFlags) => runExplain(file, flags, io));
  return cmd;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    await program(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.exitCode === 0) return 0;
      return 2; // commander already printed what was wrong
    }
    if (e instanceof InputError) {
      io.err(`mmio-planner: ${e.message}\n`);
      return 2;
    }
    io.err(`mmio-planner: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}
