// One verdict for a guest: plan, explain, advise() and the exit status tell
// the same story, because every consequence is weighed in src/verdict/.
import { readdirSync, readFileSync } from 'node:fs';
import { parseLspci } from '../src/guest/lspci.js';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBus, withVersion } from '../src/bus.js';
import { readGuest } from '../src/guest/config.js';
import { indexDevices, planGuest, type PlanCase } from '../src/guest/plan.js';
import { hvmloaderOf, parseRelease } from '../src/guest/releases.js';
import { place } from '../src/place.js';
import { busFunctions } from '../src/verdict/functions.js';
import { judgePlacement } from '../src/verdict/judge.js';
import { effectOf, FINDING_CODES, outcomeOf, type FindingCode } from '../src/verdict/findings.js';
import { runCli } from './helpers/cli.js';

const root = new URL('../', import.meta.url).pathname;
const dev = (f: string) => join(root, 'scenarios/devices', f);
const GUESTS: Record<string, string[]> = {
  'win10-gpu-nic.cfg': ['--pci', `0b:00.0=${dev('geforce-rtx3090.lspci')}`, '--pci', `3b:00.0=${dev('x710-sriov.lspci')}`],
  'win10-gpu-stubdom.cfg': ['--pci', `0b:00.0=${dev('geforce-rtx3090.lspci')}`, '--pci', `3b:00.0=${dev('x710-sriov.lspci')}`],
  'igd-passthrough.cfg': ['--pci', `00:02.0=${dev('intel-igd.lspci')}`],
  'uefi-a100.cfg': ['--pci', `41:00.0=${dev('a100-80gb.lspci')}`],
};
const XEN = ['--xen', '4.2,4.3,4.17.3,4.17.4,4.19'];

type JsonCase = Pick<PlanCase, 'xen' | 'deviceModel' | 'outcome' | 'reasons' | 'devices'>;
const deviceOutcomes = (c: { devices: { slot: number; function: number; outcome: string }[] }) => c.devices.map((d) => `${d.slot}:${d.function} ${d.outcome}`);

describe('plan and explain agree on every bundled guest', () => {
  it('lists every bundled guest here', () => {
    expect(readdirSync(join(root, 'scenarios/guests')).filter((f) => f.endsWith('.cfg')).sort()).toEqual(Object.keys(GUESTS).sort());
  });

  for (const [guest, pci] of Object.entries(GUESTS)) {
    it(`${guest}: each case's outcome and each device's outcome`, async () => {
      const args = [join(root, 'scenarios/guests', guest), ...pci, ...XEN, '--json'];
      const plan = await runCli(['plan', ...args]);
      const explain = await runCli(['explain', ...args]);
      expect(plan.stderr).toBe('');
      expect(explain.code).toBe(plan.code);
      const p = JSON.parse(plan.stdout);
      const e = JSON.parse(explain.stdout);
      expect(e.outcome).toBe(p.outcome);
      expect(e.cases).toHaveLength(p.cases.length);
      p.cases.forEach((c: JsonCase, i: number) => {
        const x = e.cases[i];
        expect([x.xen, x.deviceModel, x.outcome, x.reasons]).toEqual([c.xen, c.deviceModel, c.outcome, c.reasons]);
        if (x.advice) {
          expect(x.advice.outcome).toBe(c.outcome);
          expect(deviceOutcomes(x.advice)).toEqual(deviceOutcomes(c));
          // the advisor's policy table counts as dropped exactly the memory BARs its text explains as dropped
          const memoryDrops = x.advice.result.bars.filter((b: { placement: string; type: string }) => b.placement === 'unplaced' && b.type !== 'io').length;
          expect(x.advice.policies[0].dropped).toBe(memoryDrops);
          expect(x.advice.drops.filter((d: { message: string }) => !/of I\/O ports/.test(d.message))).toHaveLength(memoryDrops);
        }
      });
    });
  }
});

describe('the exit status reads the verdict', () => {
  const stubdom = [join(root, 'scenarios/guests/win10-gpu-stubdom.cfg'), ...GUESTS['win10-gpu-stubdom.cfg'], '--device-model', 'qemu-xen'];
  const gpu = [join(root, 'scenarios/guests/win10-gpu-nic.cfg'), ...GUESTS['win10-gpu-nic.cfg'], '--device-model', 'qemu-xen'];

  it('3 when a case fails (qemu-xen in a stub domain on 4.17.3 crashes), with the fixes checked', async () => {
    const r = await runCli(['plan', ...stubdom, '--xen', '4.17.3', '--no-log']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/OUTCOME +FAILS \(ram-relocated-qemu-xen\)/);
    expect(r.stdout).toMatch(/mmio_hole = 512 -> works/);
    const e = await runCli(['explain', ...stubdom, '--xen', '4.17.3']);
    expect(e.code).toBe(3);
    expect(e.stdout).toMatch(/Outcome: FAILS \(ram-relocated-qemu-xen\)\n  FATAL hvmloader moves 256 MiB of RAM above 4 GiB/);
  });

  it('fixes: false gives the same verdict without looking for fixes', () => {
    const cfg = readGuest('type = "hvm"\nmemory = 8192\nvga = "stdvga"\ndevice_model_stubdomain_override = 1\npci = ["0b:00.0"]\n', 'stub.cfg');
    const gpuFn = parseLspci(readFileSync(dev('geforce-rtx3090.lspci'), 'utf8'));
    const devices = indexDevices([{ bdf: '0b:00.0', functions: gpuFn }]);
    const full = planGuest(cfg, devices, { xen: ['4.17.3'], deviceModels: ['qemu-xen'] }).cases[0];
    const quick = planGuest(cfg, devices, { xen: ['4.17.3'], deviceModels: ['qemu-xen'], fixes: false }).cases[0];
    expect(full.fixes.length).toBeGreaterThan(0);
    expect(quick.fixes).toEqual([]);
    expect([quick.outcome, quick.reasons, quick.devices]).toEqual([full.outcome, full.reasons, full.devices]);
  });

  it('0 once the release carries the fix (4.17.4), and with the fix applied', async () => {
    expect((await runCli(['plan', ...stubdom, '--xen', '4.17.4', '--json'])).code).toBe(0);
    const fixed = readGuest('type = "hvm"\nmemory = 8192\nvga = "stdvga"\ndevice_model_stubdomain_override = 1\nmmio_hole = 512\npci = ["0b:00.0"]\n', 'fixed.cfg');
    const gpuFn = (await import('../src/guest/lspci.js')).parseLspci((await import('node:fs')).readFileSync(dev('geforce-rtx3090.lspci'), 'utf8'));
    const plan = planGuest(fixed, indexDevices([{ bdf: '0b:00.0', functions: gpuFn }]), { xen: ['4.17.3'], deviceModels: ['qemu-xen'] });
    expect(plan.outcome).toBe('works');
  });

  it('--help says what the exit statuses mean', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit status: 0 done; 3 \(plan, explain, budget\) a case's outcome reached --fail-on \(default: fails\);\n2 bad input/);
  });

  it('--fail-on moves the threshold: never, degraded', async () => {
    expect((await runCli(['plan', ...stubdom, '--xen', '4.17.3', '--json', '--fail-on', 'never'])).code).toBe(0);
    const degraded = await runCli(['plan', ...gpu, '--xen', '4.19', '--json']);
    expect(JSON.parse(degraded.stdout).outcome).toBe('degraded');
    expect(degraded.code).toBe(0);
    expect((await runCli(['plan', ...gpu, '--xen', '4.19', '--json', '--fail-on', 'degraded'])).code).toBe(3);
    expect((await runCli(['explain', ...gpu, '--xen', '4.19', '--json', '--fail-on', 'degraded'])).code).toBe(3);
    const bad = await runCli(['plan', ...gpu, '--fail-on', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });

  it('explain on a bus: RAM moved is a failure unless the device model is known to cope', async () => {
    const bus = join(root, 'scenarios/buses/grow-hole-large-ram-traditional.json');
    const unknown = await runCli(['explain', bus, '--json']);
    expect(BigInt(JSON.parse(unknown.stdout).result.ram.relocated)).toBeGreaterThan(0n);
    expect(JSON.parse(unknown.stdout).reasons).toContain('ram-relocated-device-model-unknown');
    expect(unknown.code).toBe(3);
    const trad = await runCli(['explain', bus, '--json', '--device-model', 'qemu-xen-traditional']);
    expect(JSON.parse(trad.stdout).findings.map((f: { code: string }) => f.code)).toContain('ram-relocated');
    expect(trad.code).toBe(0);
    const xen = await runCli(['explain', bus, '--device-model', 'qemu-xen']);
    expect(xen.stdout).toMatch(/Outcome: FAILS \(ram-relocated-qemu-xen\)/);
  });
});

describe('fixes name the release that fixes it', () => {
  it("4.2 cannot size the A100's 128 GiB BAR: the fix is a release that sizes 64-bit BARs, and explain counts the drop it explains", async () => {
    const cfg = 'type = "hvm"\nbuilder = "hvm"\nmemory = 8192\npci = ["41:00.0"]\n';
    const a100 = parseLspci(readFileSync(dev('a100-80gb.lspci'), 'utf8'));
    const plan = planGuest(readGuest(cfg, 'a100.cfg'), indexDevices([{ bdf: '41:00.0', functions: a100 }]), { xen: ['4.2'], deviceModels: ['qemu-xen'], physAddrBits: 46 });
    const c = plan.cases[0];
    expect(c.devices.find((d) => d.hostBdf)).toMatchObject({ outcome: 'dropped', droppedBars: ['bar 14 (128 GiB)'] });
    expect(c.fixes).toContainEqual(expect.objectContaining({ kind: 'xen-release', change: 'Xen 4.3.0 and later', outcome: 'degraded', remaining: expect.arrayContaining(['device-relocated']) }));
    expect(c.findings.find((f) => f.code === 'device-dropped')!.fix).toMatch(/Xen 4\.3\.0 and later/);
  });
});

describe('the scale', () => {
  it('every code has an effect; the outcome is the worst effect, and the reasons name what made it', () => {
    for (const code of FINDING_CODES) expect(['works', 'degraded', 'fails']).toContain(effectOf(code));
    const f = (code: FindingCode) => ({ severity: 'note' as const, code, message: '' });
    expect(outcomeOf([f('mtrr-exhausted')])).toEqual({ outcome: 'works', reasons: [] });
    expect(outcomeOf([f('device-relocated'), f('ram-relocated-qemu-xen')])).toEqual({ outcome: 'fails', reasons: ['ram-relocated-qemu-xen', 'device-relocated'] });
  });
});

// Random guests: the guest path (planGuest, which knows the device model and
// which devices are passed through) and the bus path (advise() on the same
// bus, told the device model) judge the placement the same way.
describe('random guests: the guest path and the bus path agree', () => {
  // the findings a placement alone gives (src/verdict/judge.ts); the rest are the guest layer's
  const PLACEMENT = new Set<FindingCode>(['ram-relocated-qemu-xen', 'ram-relocated', 'ram-relocated-device-model-unknown', 'critical-device-dropped', 'device-dropped', 'device-relocated', 'shared-page', 'address-width', 'address-width-pae', 'mtrr-exhausted', 'superpage-misaligned']);
  const bar = fc.record({
    type: fc.constantFrom('mem32' as const, 'mem64' as const),
    log2: fc.integer({ min: 12, max: 34 }),
  });
  const host = fc.array(fc.array(bar, { minLength: 1, maxLength: 3 }), { minLength: 0, maxLength: 3 });

  it('holds for each device and each case', () => {
    let cases = 0;
    let notWorking = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }).map((g) => g * 512),
        fc.constantFrom(0, 512, 1024, 2048),
        fc.constantFrom('stdvga', 'cirrus'),
        fc.boolean(),
        fc.constantFrom('4.2', '4.3', '4.6', '4.17.3', '4.19'),
        host,
        (memory, hole, vga, stubdom, xen, devices) => {
          const pci = devices.map((_, i) => `0${i + 1}:00.0`);
          const text = `type = "hvm"\nmemory = ${memory}\nvga = "${vga}"\n${hole ? `mmio_hole = ${hole}\n` : ''}${stubdom ? 'device_model_stubdomain_override = 1\n' : ''}pci = [${pci.map((p) => `"${p}"`).join(', ')}]\n`;
          const cfg = readGuest(text, 'random.cfg');
          const index = indexDevices(
            devices.map((bars, i) => ({
              bdf: pci[i],
              functions: [{ bdf: pci[i], vendorId: 0x10de, deviceId: 0x2000 + i, classCode: 0x0302, interruptPin: 1, bars: bars.map((b, k) => ({ index: b.type === 'mem64' ? 2 * k : k, type: b.type, prefetchable: b.type === 'mem64', size: 1n << BigInt(b.log2) })) }],
            })),
          );
          const plan = planGuest(cfg, index, { xen: [xen] });
          for (const c of plan.cases) {
            if (!c.bus || !c.result) continue;
            const profile = hvmloaderOf(parseRelease(c.xen));
            const bus = withVersion(parseBus({ ...c.bus, hvmloader: profile.hvmloader }), profile);
            const passthrough = c.devices.filter((d) => d.passthrough).map((d) => `${d.slot.toString(16).padStart(2, '0')}:${d.function}`);
            // what advise() does for a bare bus, without its fixes and policies (kept quick)
            const a = judgePlacement(place(bus), { deviceModel: c.deviceModel, functions: busFunctions(bus, new Set(passthrough)), hvmloader: bus.hvmloader });
            expect(deviceOutcomes(a)).toEqual(deviceOutcomes(c));
            const planCodes = c.findings.map((f) => f.code).filter((code) => PLACEMENT.has(code)).sort();
            expect(a.findings.map((f) => f.code).sort()).toEqual(planCodes);
            cases++;
            if (c.outcome !== 'works') notWorking++;
          }
        },
      ),
      { numRuns: 60, seed: 10 },
    );
    expect(cases).toBeGreaterThan(60);
    expect(notWorking).toBeGreaterThan(10);
  });
});
