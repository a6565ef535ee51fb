// mmio-planner budget through the CLI: the report, --json, and bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'budget-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const WIN10 = new URL('../../scenarios/guests/win10-gpu-nic.cfg', import.meta.url).pathname;

describe('mmio-planner budget', () => {
  it('prints the figures per release and device model', async () => {
    const r = await runCli(['budget', WIN10, '--xen', '4.16,4.19']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // 8 vCPUs, 8192 MiB: 4.16 4 * (2048 + 16384) = 73728 KiB; 4.19 (HAP) 4 * (2048 + 8192) = 40960
    expect(r.stdout).toMatch(/paging pool +73728 KiB +40960 KiB/);
    // 8388608 + 40960 + 2048 = 8431616 KiB = 8234 MiB
    expect(r.stdout).toMatch(/xl's pre-check +8266 MiB +8234 MiB/);
    expect(r.stdout).toMatch(/ROM slack \/ need +1088 \/ ~320 KiB/);
  });

  it('gives the same budget as JSON, with exact: false on the ROM estimate', async () => {
    const r = await runCli(['budget', WIN10, '--json', '--host-free', '4096', '--claims', '0', '--claim-mode', 'on']);
    expect(r.code).toBe(3); // the claim fails: the case fails
    expect((await runCli(['budget', WIN10, '--json', '--host-free', '4096', '--fail-on', 'never'])).code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.cases[0]).toMatchObject({ xen: '4.19.0', deviceModel: 'qemu-xen', maxPages: 2097408, claimPages: 2093024, claimFailure: { errno: 'ENOMEM' }, romNeedKiB: { kib: 320, exact: false } });
  });

  it('turns claims off with --claim-mode off', async () => {
    const r = await runCli(['budget', WIN10, '--json', '--claim-mode', 'off']);
    expect(JSON.parse(r.stdout).cases[0]).toMatchObject({ claimMode: false, claimPages: null });
  });

  const bad: [string, string[], RegExp][] = [
    ['a memory the release cannot build', [file('huge.cfg', 'builder = "hvm"\nmemory = 16777215\n'), '--xen', '4.5'], /huge\.cfg:2:10 memory: 16777215 MiB is more than Xen 4\.5\.0 can build/],
    ['a negative --host-free', [WIN10, '--host-free', '-1'], /--host-free: "-1" is not a whole, non-negative number of MiB/],
    ['an unknown --claim-mode', [WIN10, '--claim-mode', 'maybe'], /--claim-mode: "maybe" is not a claim mode; use on or off/],
    ['an unknown release', [WIN10, '--xen', '4.1'], /--xen: 4\.1\.0 is not a Xen release; releases before 4\.2\.0 are not modelled/],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what} with exit 2, naming the field, nothing on stdout`, async () => {
      const r = await runCli(['budget', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });
  }
});

describe('the README budget example', () => {
  it('is what the command prints', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const command = '$ npx mmio-planner budget scenarios/guests/win10-gpu-nic.cfg --xen 4.13,4.19 --host-free 8200\n';
    const start = readme.indexOf(command);
    expect(start).toBeGreaterThan(0);
    const shown = readme.slice(start + command.length, readme.indexOf('```', start));
    const root = new URL('../../', import.meta.url).pathname;
    const r = await runCli(['budget', join(root, 'scenarios/guests/win10-gpu-nic.cfg'), '--xen', '4.13,4.19', '--host-free', '8200']);
    expect(r.stdout.replaceAll(root, '')).toBe(shown);
  });
});

describe('the budget section of plan', () => {
  it('follows the plan report, for the plan\'s releases; its findings are the case\'s own (one verdict)', async () => {
    const cfg = file('nics.cfg', 'type = "hvm"\nmemory = 2048\nvga = "stdvga"\ndevice_model_version = "qemu-xen"\nvif = [ "model=e1000", "model=e1000", "model=e1000", "model=e1000", "model=e1000" ]\n');
    const r = await runCli(['plan', cfg, '--xen', '4.17,4.19']);
    expect(r.code).toBe(3); // the ROMs do not fit: the case fails, and plan says so
    expect(r.stdout).toMatch(/OUTCOME +FAILS \(rom-slack\) +FAILS \(rom-slack\)/);
    expect(r.stdout).toMatch(/FATAL qemu-xen populates about 1344 KiB/);
    const section = r.stdout.slice(r.stdout.indexOf('Memory budget'));
    expect(section).toMatch(/Xen 4\.17\.0 qemu-xen +Xen 4\.19\.0 qemu-xen/);
    expect(section).toMatch(/ROM slack \/ need +1088 \/ ~1344 KiB SHORT/);
    expect(r.stdout.indexOf('Memory budget')).toBeGreaterThan(r.stdout.indexOf('hvmloader will print'));
  });
  it('refuses a memory the release cannot build, as budget does', async () => {
    const cfg = file('huge-plan.cfg', 'memory = 16777215\n');
    const r = await runCli(['plan', cfg, '--xen', '4.5']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/memory: 16777215 MiB is more than Xen 4\.5\.0 can build/);
  });
});

describe('the README API example', () => {
  it('runs as written', async () => {
    const { budget, readGuest } = await import('../../src/index.js');
    const config = readGuest(readFileSync(WIN10, 'utf8'), 'guest.cfg');
    const b = budget(config, { xen: ['4.16', '4.19'], hostFreeMiB: 8200, claimMode: 'on' });
    expect(b.cases[0].needMemoryKiB).toBe(8464384); // 8192 MiB + 73728 + 2048 KiB
    expect(b.cases[0].claimFailure).toBeNull(); // 2093024 pages <= 8200 MiB
    expect(b.cases[0].romNeedKiB).toMatchObject({ kib: 320, exact: false });
  });
});

describe('--pv32', () => {
  it('budgets a 32-bit PV guest with its limits', async () => {
    const cfg = file('pv32.cfg', 'memory = 70000\n');
    const r = await runCli(['budget', cfg, '--xen', '4.19', '--pv32', '--json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout).cases[0];
    expect(c).toMatchObject({ type: 'pv', deviceModel: null, claimPages: 70000 * 256 });
    expect(c.findings.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['pv32-address-width', 'pv32-64g', 'pv32-config']));
  });
});
