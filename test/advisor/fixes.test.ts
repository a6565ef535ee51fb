// The smallest mmio_hole is checked by placing with it and with one MiB less;
// the explain command through the CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeFixes, withMmioHole } from '../../src/advisor/fixes.js';
import { runCli } from '../helpers/cli.js';
import { busToInput, parseBus, place, type BusInput } from '../../src/index.js';

const dir = new URL('../../scenarios/buses/', import.meta.url).pathname;
const load = (name: string) => parseBus(JSON.parse(readFileSync(join(dir, name), 'utf8')) as BusInput);
const allLow = (bus: ReturnType<typeof load>) => place(bus).bars.every((b) => b.placement === 'low' || b.placement === 'io');

describe('smallest mmio_hole', () => {
  for (const file of ['32bit-bars-do-not-fit.json', 'mmio-hole-not-power-of-two.json', 'gpu-256m-4g-ram.json', 'mmio-hole-1536m.json']) {
    it(`for ${file}: everything low with it, not with 1 MiB less`, () => {
      const bus = load(file);
      const fix = computeFixes(bus).smallestHole!;
      expect(fix).toBeDefined();
      expect(allLow(withMmioHole(bus, fix.holeMiB))).toBe(true);
      if (fix.holeMiB > 256) expect(allLow(withMmioHole(bus, fix.holeMiB - 1))).toBe(false);
      // the RAM it costs is what leaves low memory
      expect(fix.ramBelow4G).toBe(withMmioHole(bus, fix.holeMiB).lowMemEnd);
      expect(fix.ramCost).toBe(bus.lowMemEnd > fix.ramBelow4G ? bus.lowMemEnd - fix.ramBelow4G : 0n);
    });
  }

  it('keeps the guest RAM total when it lays out the hole', () => {
    const bus = load('gpu-256m-4g-ram.json');
    const moved = withMmioHole(bus, 1024);
    const total = (b: typeof bus) => b.lowMemEnd + (b.highMemEnd > 0n ? b.highMemEnd - (1n << 32n) : 0n);
    expect(total(moved)).toBe(total(bus));
    expect(moved.lowMemEnd).toBe(0xc0000000n);
  });

  it('keeps RAM below a reserved range (RMRR) it would otherwise cover, as libxl does', () => {
    const bus = load('gpu-256m-4g-ram.json');
    const withRmrr = parseBus({ ...(JSON.parse(readFileSync(join(dir, 'gpu-256m-4g-ram.json'), 'utf8')) as BusInput), lowMemEnd: '0xb0000000', highMemEnd: '0x150000000', reserved: [{ start: '0xb0000000', size: '0x2000000' }] });
    expect(withMmioHole(withRmrr, 1024).lowMemEnd).toBe(0xb0000000n); // not 0xc0000000
    expect(withMmioHole(bus, 1024).lowMemEnd).toBe(0xc0000000n);
  });

  it('says mmio_hole does not help before 4.5', () => {
    const fixes = computeFixes(parseBus({ ...JSON.parse(readFileSync(join(dir, '32bit-bars-do-not-fit.json'), 'utf8')), hvmloader: '4.3' }));
    expect(fixes.holeHonoured).toBe(false);
    expect(fixes.smallestHole).toBeUndefined();
  });

  it('finds the single device whose removal lets the rest fit', () => {
    expect(computeFixes(load('mmio-hole-not-power-of-two.json')).removable).toEqual(['05:0']);
  });
});

describe('candidate buses', () => {
  it('an mmio_hole candidate built without validating again is the bus validation gives, and places the same', () => {
    for (const f of ['gpu-256m-4g-ram.json', 'rmrr-in-hole.json', 'mmio-hole-not-power-of-two.json', 'datacenter-gpu-64g.json']) {
      const bus = parseBus(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      for (const mib of [256, 700, 1024, 3840]) {
        const fast = withMmioHole(bus, mib);
        const checked = parseBus(busToInput(fast));
        expect(place(fast), `${f} mmio_hole ${mib}`).toEqual(place(checked));
      }
    }
  });
});

describe('mmio-planner explain', () => {
  const run = runCli;

  it('answers in words first', async () => {
    const r = await run(['explain', join(dir, 'mmio-hole-not-power-of-two.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Outcome: DEGRADED \(device-dropped\)\n  ERROR device 10ee:7028 \(05:0\) gets no space for bar 10 \(512 MiB\)/);
    expect(r.stdout).toMatch(/Why BARs get no space:\n  - 05:0 bar 10 \(512 MiB\): the BARs add up to/);
    expect(r.stdout).toMatch(/mmio_hole = 1024 places every BAR below 4 GiB; RAM below 4 GiB ends at 0xc0000000, 256 MiB less than now/);
    expect(r.stdout).toMatch(/removing 05:0 lets every other BAR be placed/);
    expect(r.stdout).toMatch(/optimal +\d+ +0 +0 +0xc0000000/);
  });

  it('--json gives the same advice for programs', async () => {
    const r = await run(['explain', join(dir, '32bit-bars-do-not-fit.json'), '--json']);
    const a = JSON.parse(r.stdout);
    expect(a.outcome).toBe('degraded'); // three passed-through functions missing, nothing the guest boots from
    expect(a.fails).toBe(false);
    expect(a.devices.filter((d: { outcome: string }) => d.outcome === 'dropped')).toHaveLength(3);
    expect(a.drops.map((d: { cause: string }) => d.cause)).toEqual(['hole-too-small', 'hole-too-small', 'hole-too-small']);
    expect(a.fixes.smallestMmioHoleMiB).toBe(1024);
    expect(a.policies.map((p: { policy: string }) => p.policy)).toEqual(['hvmloader', 'seabios', 'ovmf', 'optimal']);
  });

  it('explains a guest config too, per Xen release and device model', async () => {
    const root = new URL('../../', import.meta.url).pathname;
    const r = await run([
      'explain', join(root, 'scenarios/guests/win10-gpu-nic.cfg'),
      '--pci', `0b:00.0=${join(root, 'scenarios/devices/geforce-rtx3090.lspci')}`,
      '--pci', `3b:00.0=${join(root, 'scenarios/devices/x710-sriov.lspci')}`,
      '--xen', '4.19', '--device-model', 'qemu-xen', '--json',
    ]);
    expect(r.code).toBe(0);
    const { outcome, cases: [a] } = JSON.parse(r.stdout);
    expect(outcome).toBe('degraded');
    expect(a.name).toMatch(/win10-gpu-nic\.cfg: Xen 4\.19\.0, qemu-xen/);
    expect(a.advice.outcome).toBe('degraded');
    expect(a.advice.fixes.smallestMmioHoleMiB).toBe(512);
    expect(a.checkedFixes[0]).toMatchObject({ change: 'mmio_hole = 512', outcome: 'works' });
  });

  it('refuses a bad bus with exit 2', async () => {
    const r = await run(['explain', join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read/);
  });
});
