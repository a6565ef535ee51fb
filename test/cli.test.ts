// The CLI as people and scripts use it: through the real executable for exit
// codes and streams, and in-process (main) for the rest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { place, type BusInput } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'mmio-planner.js');
const scenarioDir = join(root, 'scenarios', 'buses');
const scenarios = readdirSync(scenarioDir).filter((f) => f.endsWith('.json'));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const runInProcess = runCli;

const tmp = mkdtempSync(join(tmpdir(), 'mmio-planner-cli-'));
function busFile(name: string, bus: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof bus === 'string' ? bus : JSON.stringify(bus));
  return path;
}

const plain: BusInput = JSON.parse(readFileSync(join(scenarioDir, 'default-hole-fits.json'), 'utf8'));
const withGpu = (bars: unknown[], extra: Partial<BusInput> = {}) => ({
  ...plain,
  ...extra,
  devices: [...plain.devices, { slot: 5, vendorId: '0x10de', deviceId: '0x1eb8', classCode: '0x0302', bars }],
});

describe('mmio-planner place: refusals', () => {
  // each bad input the contract lists: exit 2, the field named, nothing on stdout
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"lowMemEnd": ', /not JSON/],
    ['an unknown version', { ...plain, hvmloader: '4.4' }, /hvmloader: unknown version "4\.4"; use one of 4\.2, 4\.3-rc/],
    ['a size that is not a power of two', withGpu([{ index: 0, type: 'mem32', size: '0x3000' }]), /devices\[7\]\.bars\[0\]\.size: 0x3000 is not a power of two/],
    [
      'overlapping registers',
      withGpu([
        { index: 0, type: 'mem64', size: '0x100000' },
        { index: 1, type: 'mem32', size: '0x1000' },
      ]),
      /devices\[7\]\.bars\[1\]\.index: register 0x14 is already used by devices\[7\]\.bars\[0\]/,
    ],
    ['a slot out of range', { ...plain, devices: [...plain.devices, { slot: 32, vendorId: '0x1', deviceId: '0x2', bars: [] }] }, /devices\[7\]\.slot: 32 is out of range; bus 0 has slots 0-31/],
    ['a 64-bit BAR at index 5', withGpu([{ index: 5, type: 'mem64', size: '0x100000' }]), /devices\[7\]\.bars\[0\]\.index: a 64-bit BAR at index 5/],
    [
      '00:01.0 that is not the PIIX3',
      { ...plain, devices: plain.devices.map((d) => (d.slot === 1 && (d.function ?? 0) === 0 ? { ...d, deviceId: '0x7020' } : d)) },
      /devices\[1\]: 00:01\.0 is 8086:7020, but hvmloader ASSERTs that it is the PIIX3 ISA bridge 8086:7000/,
    ],
    [
      'a class 0x0680 function that is not the PIIX4 PM',
      { ...plain, devices: [...plain.devices, { slot: 6, vendorId: '0x1af4', deviceId: '0x1000', classCode: '0x0680' }] },
      /devices\[7\]: a class 0x0680 function must be the PIIX4 ACPI PM 8086:7113/,
    ],
    [
      "a reserved range inside hvmloader's own area (4.6 on)",
      { ...plain, hvmloader: '4.19', reserved: [{ start: '0xfd000000', size: '0x100000' }] },
      /reserved\[0\]: 0xfd000000\+0x100000 overlaps hvmloader 4\.19's own reserved area 0xfc100000-0xfe000000; it would BUG/,
    ],
    ['a number JSON cannot hold exactly', { ...plain, lowMemEnd: 2 ** 53 + 2 }, /lowMemEnd: .* is not exact as a JSON number; write it as a hex string/],
    ['a missing required field', { devices: [] }, /lowMemEnd: is required/],
    ['an unknown field', { ...plain, lowmemEnd: '0x1000' }, /unknown field "lowmemEnd"/],
  ];

  for (const [what, bus, message] of cases) {
    it(`refuses ${what} with exit 2 and no output`, () => {
      const r = run(['place', busFile(what.replace(/\W+/g, '-') + '.json', bus)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }

  it('names the file it cannot read', () => {
    const r = run(['place', join(tmp, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*missing\.json: no such file/);
    expect(r.stdout).toBe('');
  });

  it('refuses an unknown version in --version-set, naming the option', () => {
    const r = run(['place', join(scenarioDir, 'default-hole-fits.json'), '--version-set', '4.3,5.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--version-set: unknown version "5\.0"/);
    expect(r.stdout).toBe('');
  });

  it('refuses a version under which the bus is bad, before printing any other version', () => {
    const bus = { ...plain, hvmloader: '4.5', reserved: [{ start: '0xfc001000', size: '0x1000' }] };
    const r = run(['place', busFile('reserved-4.6.json', bus), '--version-set', '4.5,4.6']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reserved\[0\].*hvmloader 4\.6's own reserved area/);
    expect(r.stdout).toBe('');
  });

  it('refuses an unknown option with exit 2', () => {
    const r = run(['place', join(scenarioDir, 'default-hole-fits.json'), '--jsno']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--jsno'/);
  });

  it('reads a bus from stdin with -', () => {
    const r = run(['place', '-', '--json'], JSON.stringify(plain));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).lowHole).toEqual({ start: '0xf0000000', end: '0xfc000000' });
  });
});

describe('mmio-planner place: output', () => {
  it('prints a summary and a table of every BAR with its size in binary units', async () => {
    const r = await runInProcess(['place', join(scenarioDir, 'gpu-256m-4g-ram.json'), '--hvmloader', '4.3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/low MMIO hole +0xf0000000-0xfc000000 \(192 MiB\)/);
    expect(r.stdout).toMatch(/high window +0x110000000-0x120000000 \(256 MiB\), 1 BAR above 4 GiB/);
    expect(r.stdout).toMatch(/RAM moved +none/);
    expect(r.stdout).toMatch(/05:0 +10de:1eb8 +14 +mem64 pref +256 MiB +high +0x110000000/);
    expect(r.stdout).toMatch(/01:1 +8086:7010 +20 +io +16 B +io +0xc140/);
  });

  it('names the BARs that got no space', async () => {
    const r = await runInProcess(['place', join(scenarioDir, '32bit-bars-do-not-fit.json')]);
    expect(r.stdout).toMatch(/not placed +05:0 bar 10 \(256 MiB\), 06:0 bar 10 \(256 MiB\), 07:0 bar 10 \(256 MiB\)/);
  });

  it('--log prints the lines hvmloader logs', async () => {
    const r = await runInProcess(['place', join(scenarioDir, 'gpu-256m-4g-ram.json'), '--hvmloader', '4.3', '--log']);
    expect(r.stdout).toContain('  Low MMIO hole not large enough for all devices, relocating some BARs to 64-bit\n');
    expect(r.stdout).toContain('  pci dev 05:0 bar 14 size 010000000: 11000000c\n');
  });

  it('--version-set shows where versions differ', async () => {
    const r = await runInProcess(['place', join(scenarioDir, 'gpu-256m-4g-ram.json'), '--version-set', '4.3-rc,4.3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RAM moved +256 MiB +none/);
    expect(r.stdout).toMatch(/1 BAR placed differently/);
    expect(r.stdout).toMatch(/05:0 bar 14 10de:1eb8 \(256 MiB\) +low 0xe0000000 +high 0x110000000/);
  });

  it('--version-set says so when nothing differs', async () => {
    const r = await runInProcess(['place', join(scenarioDir, 'grow-hole-small-ram.json'), '--version-set', '4.5,4.6']);
    expect(r.stdout).toContain('Every BAR is placed the same way by all of them.');
  });

  it('--version-set all --json gives one contract result per version', async () => {
    const r = await runInProcess(['place', join(scenarioDir, 'datacenter-gpu-64g.json'), '--version-set', 'all', '--json']);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.results)).toEqual(['4.2', '4.3-rc', '4.3', '4.5', '4.6', '4.19', '4.21']);
    expect(out.results['4.2'].bars.at(-1)).toMatchObject({ index: 1, size: '0x0', placement: 'unplaced' });
    expect(out.results['4.3'].highWindow).toEqual({ start: '0x1000000000', end: '0x2000000000' });
  });
});

describe('API and CLI agree on every bundled scenario', () => {
  it('has scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(10));

  for (const file of scenarios) {
    it(file, () => {
      const path = join(scenarioDir, file);
      const bus = JSON.parse(readFileSync(path, 'utf8'));
      expect(typeof bus.description, 'each scenario says what it shows').toBe('string');
      const r = run(['place', path, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(place(bus));
    });
  }
});
