// The command line. main() takes argv and an output sink and returns the exit
// code, so tests run it in-process as well as through bin/mmio-planner.js.
// Exit codes: 0 success, 2 bad input (the message names the field), 1 fault.

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parseBus, parseBusJson, withVersion, type Bus } from './bus.js';
import type { PlacementResult } from './contract.js';
import { InputError } from './errors.js';
import { place } from './place.js';
import { advise, adviceReport } from './advisor/advise.js';
import { DEVICE_MODELS, readGuest, type DeviceModel } from './guest/config.js';
import type { Toolstack } from './guest/libxl.js';
import { parseLspci, parseSysfsResource, type HostFunction } from './guest/lspci.js';
import { indexDevices, planGuest } from './guest/plan.js';
import { hvmloaderOf, parseRelease } from './guest/releases.js';
import { planReport } from './report/plan.js';
import { computeMatrix } from './matrix/run.js';
import { csv, html, json, markdown, summaryLines } from './matrix/report.js';
import { DEFAULT_SPACE, makeSpace, readSpaceFile } from './matrix/space.js';
import { Presets, SingleBar } from 'cli-progress';
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

interface ExplainFlags extends PlanFlags {
  json?: boolean;
  hvmloader?: string;
}

/** A bus description is a JSON object with devices; anything else is a guest config. */
function isBusText(text: string, file: string): boolean {
  if (/\.(cfg|ya?ml)$/i.test(file)) return false;
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && 'devices' in v;
  } catch {
    return /\.json$/i.test(file); // broken JSON bus files still get the bus error
  }
}

function runExplainGuest(file: string, text: string, flags: ExplainFlags, io: Io): void {
  const plan = makePlan(file, flags, io, text);
  const advices = plan.cases
    .filter((c) => c.bus && c.result)
    .map((c) => {
      const profile = hvmloaderOf(parseRelease(c.xen));
      const bus = withVersion(parseBus({ ...c.bus!, hvmloader: profile.hvmloader }), profile);
      const passthrough = c.devices.filter((d) => d.passthrough).map((d) => `${d.slot.toString(16).padStart(2, '0')}:${d.function}`);
      return { name: `${plan.guest}: Xen ${c.xen}, ${c.deviceModel}`, advice: advise(bus, { passthrough }) };
    });
  if (flags.json) {
    io.out(JSON.stringify(advices, null, 2) + '\n');
    return;
  }
  io.out(advices.map((a) => adviceReport(a.advice, a.name)).join('\n'));
}

function runExplain(file: string, flags: ExplainFlags, io: Io): void {
  const source = file === '-' ? 'stdin' : file;
  const text = readInput(file, io);
  if (!isBusText(text, file)) return runExplainGuest(file, text, flags, io);
  let bus: Bus = parseBusJson(text, source);
  if (flags.hvmloader) bus = withVersion(bus, parseVersionSet(flags.hvmloader)[0], source);
  const advice = advise(bus);
  if (flags.json) {
    const { result, ...rest } = advice;
    io.out(JSON.stringify({ ...rest, result }, null, 2) + '\n');
    return;
  }
  io.out(adviceReport(advice, source));
}

interface PlanFlags {
  pci: string[];
  xen?: string;
  deviceModel?: string;
  toolstack?: string;
  json?: boolean;
  svg?: string;
  log?: boolean;
}

/** A host device description: lspci -vv text, a sysfs resource file, or JSON BARs. */
function readHostDevice(bdf: string, file: string, io: Io): HostFunction[] {
  const text = readInput(file, io);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError([{ path: file, message: `not JSON: ${(e as Error).message}` }]);
    }
    const device = Array.isArray(value) ? { slot: 0, vendorId: '0x0', deviceId: '0x0', bars: value } : { slot: 0, ...(value as object) };
    const bus = parseBus({ lowMemEnd: '0x100000', devices: [device] }, file);
    const d = bus.devices[0];
    return [{ bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size ?? 0n })) }];
  }
  if (/^\s*0x[0-9a-fA-F]+\s+0x/.test(trimmed)) return [parseSysfsResource(text, bdf, file)];
  return parseLspci(text, file);
}

function makePlan(file: string, flags: PlanFlags, io: Io, text = readInput(file, io)) {
  const source = file === '-' ? 'stdin' : file;
  const config = readGuest(text, source);
  const entries = flags.pci.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new InputError([{ path: '--pci', message: `${JSON.stringify(spec)}: write BDF=FILE, e.g. --pci 0b:00.0=gpu.lspci` }]);
    const bdf = spec.slice(0, eq);
    return { bdf, functions: readHostDevice(bdf, spec.slice(eq + 1), io) };
  });
  const devices = indexDevices(entries);
  const xen = flags.xen ? flags.xen.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const deviceModels = flags.deviceModel ? parseDeviceModels(flags.deviceModel) : undefined;
  const toolstack = flags.toolstack as Toolstack | undefined;
  return planGuest(config, devices, { xen, deviceModels, toolstack });
}

function runPlan(file: string, flags: PlanFlags, io: Io): void {
  const source = file === '-' ? 'stdin' : file;
  const plan = makePlan(file, flags, io);
  if (flags.svg) {
    const first = plan.cases.find((c) => c.result);
    if (!first?.result) throw new InputError([{ path: '--svg', message: 'no case was placed, so there is no map to draw' }]);
    // a short name: the product in lspci's [brackets] if any, else the label
    const short = (label: string) => /\[([^\]]+)\]/.exec(label)?.[1] ?? label.replace(/ \(vif \d+\)$/, '');
    const names = new Map(first.devices.map((d) => [`${d.slot}:${d.function}`, `${short(d.label)} ${d.slot.toString(16).padStart(2, '0')}:${d.function}`]));
    writeOutput(flags.svg, placementSvg(first.result, `${source}: Xen ${first.xen}, ${first.deviceModel}`, (b) => names.get(`${b.slot}:${b.function}`) ?? `${b.slot.toString(16).padStart(2, '0')}:${b.function}`));
  }
  if (flags.json) {
    io.out(JSON.stringify(plan, null, 2) + '\n');
    return;
  }
  io.out(planReport(plan, { log: flags.log ?? true }));
}

function parseDeviceModels(value: string): DeviceModel[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(DEVICE_MODELS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) {
    throw new InputError([{ path: '--device-model', message: `${bad.length ? `unknown device model ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'none given'}; use qemu-xen, qemu-xen-traditional or both, comma-separated` }]);
  }
  return names as DeviceModel[];
}

interface MatrixFlags {
  from: string;
  to: string;
  space?: string;
  set: string[];
  devices: string[];
  format: 'md' | 'csv' | 'json' | 'html';
  out?: string;
}

function runMatrix(flags: MatrixFlags, io: Io): void {
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
    try {
      writeFileSync(flags.out, text);
    } catch (e) {
      throw new InputError([{ path: '--out', message: `cannot write ${flags.out}: ${(e as Error).message}` }]);
    }
    io.out(summaryLines(matrix).join('\n') + `\nwrote ${flags.out}\n`);
  } else {
    io.out(text);
  }
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
    .argument('<bus-or-guest>', 'bus description (JSON), or a guest xl.cfg/JSON/YAML; - reads stdin')
    .option('--json', 'print the advice as JSON')
    .addOption(new Option('--hvmloader <version>', "explain under this version instead of the bus's own").choices([...VERSION_NAMES]))
    .option('--pci <BDF=FILE>', 'for a guest: describe a passed-through device (repeat per device)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--xen <releases>', 'for a guest: Xen releases, comma-separated')
    .option('--device-model <models>', 'for a guest: qemu-xen, qemu-xen-traditional, or both')
    .exitOverride()
    .action((file: string, flags: ExplainFlags) => runExplain(file, flags, io));

  cmd
    .command('plan')
    .description("plan a guest from its xl.cfg (or JSON/YAML): the bus each device model presents, where every BAR goes, what breaks and how to fix it")
    .argument('<guest>', 'xl.cfg, guest.json or guest.yaml (- reads stdin)')
    .option('--pci <BDF=FILE>', 'describe a passed-through device: lspci -vv text, sysfs resource file or JSON BARs (repeat per device)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--xen <releases>', 'Xen releases, comma-separated (e.g. 4.14.3,4.17.4,4.19)')
    .option('--device-model <models>', 'qemu-xen, qemu-xen-traditional, or both comma-separated (default: the config\'s, else both)')
    .addOption(new Option('--toolstack <name>', 'the toolstack that starts the guest').choices(['libxl', 'xend', 'other']).default('libxl'))
    .option('--json', 'print the plan as JSON')
    .option('--svg <file>', "draw the first case's guest physical address map to an SVG file")
    .option('--no-log', "leave out the lines hvmloader will print")
    .exitOverride()
    .action((file: string, flags: PlanFlags) => runPlan(file, flags, io));

  cmd
    .command('matrix')
    .description('risk matrix: every configuration of a space placed under two versions, with a verdict for each')
    .requiredOption('--from <version>', `the version before (${VERSION_NAMES.join(', ')})`)
    .requiredOption('--to <version>', 'the version after')
    .option('--space <file>', 'YAML or JSON narrowing or widening the dimensions')
    .option('--set <dim=values>', 'narrow or widen one dimension, e.g. ramMiB=2048,4096 (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--devices <set>', 'sweep a real device set from scenarios/devices instead of synthetic MMIO, e.g. a100-80gb+x710-sriov (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'json', 'html']).default('md'))
    .option('--out <path>', 'write the report here and print the summary')
    .exitOverride()
    .action((flags: MatrixFlags) => runMatrix(flags, io));
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
