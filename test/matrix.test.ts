// The risk matrix reproduces the 4.3 cover letter's analysis by computation
// (shared/seeds/002); where the computation disagrees with its prose, the
// computed truth is pinned here and the README explains the difference.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { busToInput, parseBus, place } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { hasChromium, launchChromium } from './helpers/chromium.js';
import { computeMatrix, configBus, configs, judgeFromSummary, verdict, type Matrix, type Row } from '../src/matrix/run.js';
import { placeMany } from '../src/place.js';
import { readGuest } from '../src/guest/config.js';
import { indexDevices, planGuest } from '../src/guest/plan.js';
import { planCommand, reproduction } from '../src/matrix/reproduce.js';
import { judgePlacement, verdictOf } from '../src/verdict/judge.js';
import { DEFAULT_SPACE, makeSpace, spaceSize } from '../src/matrix/space.js';

// the default space's dimensions, thinned where the conclusions do not need every value
// (a behaviour test, not a benchmark: it must pass on a busy machine)
const SPACE = makeSpace({
  ramMiB: [1024, 2048, 2304, 3072, 3328, 3584, 4096, 8192, 65536],
  mmio32MiB: [0, 64, 128, 512, 1024, 3072],
  mmio64MiB: [0, 128, 512, 1024, 4096, 16384],
});
let m: Matrix;
beforeAll(() => {
  m = computeMatrix(SPACE, '4.3-rc', '4.3');
});
const verdicts = (rows: Row[]) => {
  const c: Record<string, number> = {};
  for (const r of rows) c[r.verdict] = (c[r.verdict] ?? 0) + 1;
  return c;
};
const hvm = (f: (r: Row) => boolean) => m.rows.filter((r) => r.guestType === 'hvm' && f(r));
const mmio = (r: Row) => r.mmio32MiB + r.mmio64MiB;

describe('the default space', () => {
  it('has over 100,000 configurations; those both versions can run are placed, the rest counted by reason', () => {
    expect(spaceSize(DEFAULT_SPACE)).toBeGreaterThanOrEqual(100_000);
    const skipped = Object.values(m.skipped).reduce((a, b) => a + b, 0);
    expect(m.rows.length + skipped).toBe(spaceSize(SPACE));
    // xend never drove qemu-xen: those combinations are not generated
    expect(m.skipped).toEqual({ 'xend drives only qemu-xen-traditional': spaceSize(SPACE) / 12, 'libxl runs qemu-xen in a stub domain only from Xen 4.14': spaceSize(SPACE) / 24 });
    expect(m.rows.some((r) => r.guestType === 'hvm' && r.toolstack === 'xend' && r.deviceModel === 'qemu-xen')).toBe(false);
  });

  it('leaves out what a release cannot run: xend after 4.4, qemu-xen-traditional from 4.21', () => {
    const small = makeSpace({ guestType: ['hvm'], ramMiB: [2048], mmio32MiB: [0], mmio64MiB: [0], mmioHoleMiB: [0] });
    const later = computeMatrix(small, '4.3', '4.21');
    expect(later.rows.every((r) => r.toolstack !== 'xend' && r.deviceModel === 'qemu-xen')).toBe(true);
    expect(Object.keys(later.skipped).sort()).toEqual([
      'libxl runs qemu-xen in a stub domain only from Xen 4.14',
      'qemu-xen-traditional is gone from Xen 4.21',
      'xend drives only qemu-xen-traditional',
      'xend is gone from Xen 4.5',
    ]);
  });

  it('reads the verdict from the summary only where judging the whole result gives the same', () => {
    let compared = 0;
    const outcomes = new Set<string>();
    for (const c of configs(makeSpace({ guestType: ['hvm'], toolstack: ['libxl', 'other'], ramMiB: [2048, 3584, 3712, 8192], mmio32MiB: [0, 192, 512, 3072], mmio64MiB: [0, 1024, 16384] }))) {
      const built = configBus(c, '4.3');
      if (typeof built === 'string' || 'unavailable' in built) continue;
      const placed = placeMany([built.bus]);
      const fast = judgeFromSummary(placed.summary(0), c, built.functions, false);
      if (!fast) continue;
      const j = judgePlacement(placed.result(0), { deviceModel: c.deviceModel, functions: built.functions, hvmloader: '4.3' });
      const v = verdictOf(j.devices, j.findings);
      expect(fast, JSON.stringify(c)).toEqual({ outcome: v.outcome, why: v.reasons[0] ?? null });
      outcomes.add(`${fast.outcome}/${fast.why}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
    // every kind the summary settles was compared
    expect([...outcomes].sort()).toEqual(['degraded/device-dropped', 'degraded/device-relocated', 'fails/critical-device-dropped', 'fails/ram-relocated-qemu-xen', 'works/null']);
  });

  it('builds buses that validation accepts unchanged', () => {
    let checked = 0;
    for (const c of configs(makeSpace({ guestType: ['hvm'], ramMiB: [2048, 8192], mmio32MiB: [0, 512], mmio64MiB: [0, 4096] }))) {
      const built = configBus(c, '4.3');
      if (typeof built === 'string' || 'unavailable' in built) continue;
      expect(place(parseBus(busToInput(built.bus)))).toEqual(place(built.bus));
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("the cover letter's conclusions, 4.3-rc -> 4.3", () => {
  it('PV guests are counted apart, not as unaffected', () => {
    const pv = m.rows.filter((r) => r.guestType === 'pv');
    expect(verdicts(pv)).toEqual({ pv: pv.length });
    expect(m.counts.pv).toBe(pv.length);
    expect(m.counts.unaffected).toBe(m.rows.filter((r) => r.guestType === 'hvm' && r.verdict === 'unaffected').length);
  });

  it('HVM guests without passthrough are unaffected', () => {
    expect(Object.keys(verdicts(hvm((r) => mmio(r) === 0)))).toEqual(['unaffected']);
  });

  it('devices that fit the default hole are unaffected', () => {
    expect(Object.keys(verdicts(hvm((r) => mmio(r) <= 128 && r.mmioHoleMiB === 0)))).toEqual(['unaffected']);
  });

  it('512 MiB needed with less RAM than 3584 MiB: unaffected up to 3072 MiB; at 3328 MiB the emulated devices tip it over', () => {
    // the letter counts only the passed-through 512 MiB; cirrus, the platform
    // device and friends add ~49 MiB, so the hole must reach 1 GiB and RAM over
    // 3 GiB moves: qemu-xen with libxl then goes from crash to relocated
    expect(Object.keys(verdicts(hvm((r) => mmio(r) === 512 && r.ramMiB <= 3072)))).toEqual(['unaffected']);
    const tipped = hvm((r) => mmio(r) === 512 && r.ramMiB === 3328 && r.verdict !== 'unaffected' && r.verdict !== 'still failing');
    expect(tipped.length).toBeGreaterThan(0);
    expect(tipped.every((r) => r.verdict === 'improvement' && r.fromWhy === 'ram-relocated-qemu-xen' && r.deviceModel === 'qemu-xen' && r.toolstack === 'libxl')).toBe(true);
  });

  it('1024 MiB needed with less RAM than 3072 MiB: unaffected up to 2048 MiB, the same tipping point at 2304', () => {
    expect(Object.keys(verdicts(hvm((r) => mmio(r) === 1024 && r.ramMiB <= 2048)))).toEqual(['unaffected']);
    const tipped = hvm((r) => mmio(r) === 1024 && r.ramMiB === 2304 && r.verdict !== 'unaffected');
    expect(tipped.length).toBeGreaterThan(0);
    // libxl's qemu-xen goes from a crash to placed; stub domains and other toolstacks keep crashing
    expect(tipped.every((r) => r.verdict === 'improvement' || (r.verdict === 'still failing' && (r.stubdomain || r.toolstack !== 'libxl')))).toBe(true);
  });

  it('qemu-xen with libxl where RAM would move: an improvement, unless the hole cannot grow and the VGA loses its place', () => {
    const moved = hvm((r) => r.deviceModel === 'qemu-xen' && r.toolstack === 'libxl' && !r.stubdomain && r.fromWhy === 'ram-relocated-qemu-xen');
    expect(moved.length).toBeGreaterThan(500);
    expect(moved.filter((r) => r.verdict !== 'improvement').every((r) => r.verdict === 'still failing' && r.toWhy === 'critical-device-dropped' && r.mmio64MiB === 0)).toBe(true);
    // 3712 MiB of RAM and 192 MiB of 32-bit-only MMIO: 4.3 keeps RAM below the hole, which
    // cannot grow, and the emulated VGA is left without space (a crash becomes a guest without display)
    const m2 = computeMatrix(makeSpace({ guestType: ['hvm'], toolstack: ['libxl'], deviceModel: ['qemu-xen'], stubdomain: [false], ramMiB: [3712], mmio32MiB: [192], mmio64MiB: [0], mmioHoleMiB: [0] }), '4.3-rc', '4.3');
    expect(m2.rows.map((r) => [r.fromWhy, r.toWhy, r.verdict])).toEqual([['ram-relocated-qemu-xen', 'critical-device-dropped', 'still failing']]);
  });

  it('qemu-traditional with less than 2 GiB of MMIO is unaffected', () => {
    expect(Object.keys(verdicts(hvm((r) => r.deviceModel === 'qemu-xen-traditional' && mmio(r) < 2048)))).toEqual(['unaffected']);
  });

  it("the letter's corner case (qemu-traditional, over 2 GiB of MMIO and of RAM) holds no regression: 4.3-rc never worked there", () => {
    const corner = hvm((r) => r.deviceModel === 'qemu-xen-traditional' && mmio(r) > 2048 && r.ramMiB > 2048);
    const c = verdicts(corner);
    expect(c.regression).toBeUndefined();
    expect(c.improvement).toBeGreaterThan(0);
    // nowhere does anything go from working to failing
    expect(m.counts.regression).toBe(0);
  });

  it('qemu-xen in a stub domain is not a 4.3 configuration: libxl refuses it until 4.14 (46587a30d4)', () => {
    expect(hvm((r) => r.deviceModel === 'qemu-xen' && r.toolstack === 'libxl' && r.stubdomain)).toEqual([]);
    expect(m.skipped['libxl runs qemu-xen in a stub domain only from Xen 4.14']).toBe(spaceSize(SPACE) / 24);
  });
});

describe('verdicts', () => {
  const side = (outcome: Row['from'], why: Row['fromWhy'] = null) => ({ outcome, why });
  it('compare the two outcomes on the one scale', () => {
    expect(verdict(side('works'), side('works'), true)).toBe('unaffected');
    expect(verdict(side('works'), side('works'), false)).toBe('changed, same outcome');
    expect(verdict(side('fails', 'ram-relocated-qemu-xen'), side('degraded', 'device-relocated'), false)).toBe('improvement');
    expect(verdict(side('works'), side('degraded', 'device-relocated'), false)).toBe('regression');
    expect(verdict(side('pv'), side('pv'), true)).toBe('pv');
  });

  it('within an outcome, a dropped device is worse than a BAR above 4 GiB', () => {
    expect(verdict(side('degraded', 'device-dropped'), side('degraded', 'device-relocated'), false)).toBe('improvement');
    expect(verdict(side('degraded', 'device-relocated'), side('degraded', 'device-dropped'), false)).toBe('regression');
    expect(verdict(side('degraded', 'device-relocated'), side('degraded', 'device-relocated'), false)).toBe('changed, same outcome');
  });

  it('a crash that becomes a dropped critical device is still failing, not an improvement; so is the same crash', () => {
    expect(verdict(side('fails', 'ram-relocated-qemu-xen'), side('fails', 'critical-device-dropped'), false)).toBe('still failing');
    expect(verdict(side('fails', 'ram-relocated-qemu-xen'), side('fails', 'ram-relocated-qemu-xen'), true)).toBe('still failing');
  });
});

describe('a configuration reproduced by plan', () => {
  it('plans to the outcome the matrix gave it, for every verdict the 4.3 -> 4.19 matrix has', async () => {
    const space = makeSpace({ guestType: ['hvm'], toolstack: ['libxl', 'other'], ramMiB: [2048, 3584, 8192], mmio32MiB: [0, 512, 3072], mmio64MiB: [0, 1024, 16384], mmioHoleMiB: [0, 1024] });
    const matrix = computeMatrix(space, '4.3', '4.19');
    const seen = new Set<string>();
    for (const r of matrix.rows) {
      const key = `${r.verdict} ${r.from} ${r.to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rep = reproduction(r, '4.19')!;
      const cfg = readGuest(rep.config, 'matrix.cfg');
      // the JSON the command passes with --pci, read as plan reads JSON BARs
      const devices = indexDevices(rep.pci.map((p) => {
        const d = parseBus({ lowMemEnd: '0x100000', devices: [JSON.parse(JSON.stringify(p.device))] }).devices[0];
        return { bdf: p.bdf, functions: [{ bdf: p.bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size ?? 0n })) }] };
      }));
      const plan = planGuest(cfg, devices, { xen: ['4.3', '4.19'], deviceModels: [r.deviceModel], toolstack: r.toolstack });
      expect(plan.cases.map((c) => c.outcome), key).toEqual([r.from, r.to]);
      expect(planCommand(rep, ['4.3.0', '4.19.0'])).toMatch(/^npx mmio-planner plan <\(printf '%s\\n' 'type = "hvm"' 'builder = "hvm"' 'memory = \d+'.* --xen 4\.3\.0,4\.19\.0 --device-model qemu-xen/);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('keeps the bios: an OVMF row plans to the same outcomes, its firmware findings included', () => {
    const space = makeSpace({ guestType: ['hvm'], toolstack: ['libxl'], deviceModel: ['qemu-xen'], stubdomain: [false], ramMiB: [2048, 8192], mmio32MiB: [0, 64], mmio64MiB: [0, 1024], mmioHoleMiB: [0], bios: ['ovmf'] });
    const matrix = computeMatrix(space, '4.3', '4.19');
    for (const r of matrix.rows) {
      const rep = reproduction(r, '4.19')!;
      expect(rep.config).toMatch(/^bios = "ovmf"$/m);
      const devices = indexDevices(rep.pci.map((p) => {
        const d = parseBus({ lowMemEnd: '0x100000', devices: [JSON.parse(JSON.stringify(p.device))] }).devices[0];
        return { bdf: p.bdf, functions: [{ bdf: p.bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size ?? 0n })) }] };
      }));
      const plan = planGuest(readGuest(rep.config, 'matrix.cfg'), devices, { xen: ['4.3', '4.19'], deviceModels: ['qemu-xen'] });
      expect(plan.cases.map((c) => c.outcome)).toEqual([r.from, r.to]);
      expect(r.fromWhy).toBe('ovmf-reassigns-bars'); // 4.3's OVMF has no Xen path
    }
  });
});

describe('mmio-planner matrix', () => {
  const run = runCli;
  const dir = mkdtempSync(join(tmpdir(), 'matrix-'));
  const space = join(dir, 'space.yaml');
  writeFileSync(space, 'guestType: [hvm]\ntoolstack: [libxl]\nramMiB: [2048, 4096, 8192]\nmmio32MiB: [0, 512]\nmmio64MiB: [0, 1024]\n');

  it('prints the summary first, then the matrix, for a space from YAML', async () => {
    const r = await run(['matrix', '--from', '4.3-rc', '--to', '4.3', '--space', space]);
    expect(r.code).toBe(0);
    // 144 in the space, less the 36 with qemu-xen in a stub domain, which 4.3's libxl refuses
    expect(r.stdout).toMatch(/^# Risk matrix: hvmloader 4\.3-rc -> 4\.3\n\n```\n108 configurations/);
    expect(r.stdout).toMatch(/not generated: 36 \(libxl runs qemu-xen in a stub domain only from Xen 4\.14\)/);
    expect(r.stdout).toMatch(/  PV \(no hvmloader\) +0\n/);
    expect(r.stdout).toMatch(/\| HVM qemu-xen libxl \|/);
  });

  it('writes csv and json with one row per configuration', async () => {
    const out = join(dir, 'm.csv');
    await run(['matrix', '--from', '4.3-rc', '--to', '4.3', '--space', space, '--format', 'csv', '--out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('deviceSet,guestType,toolstack,deviceModel,stubdomain,ramMiB,mmio32MiB,mmio64MiB,mmioHoleMiB,bios,from,fromWhy,to,toWhy,verdict');
    expect(lines).toHaveLength(109);
    const j = JSON.parse((await run(['matrix', '--from', '4.3', '--to', '4.19', '--space', space, '--format', 'json'])).stdout);
    expect(j.rows).toHaveLength(108);
  });

  it('refuses an unknown dimension or value in the space file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'ram: [1024]\n');
    const r = await run(['matrix', '--from', '4.3-rc', '--to', '4.3', '--space', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml ram: unknown dimension; use guestType, toolstack/);
    writeFileSync(bad, 'deviceModel: [qemu-dm]\n');
    expect((await run(['matrix', '--from', '4.3-rc', '--to', '4.3', '--space', bad])).stderr).toMatch(/"qemu-dm" is not allowed; use qemu-xen, qemu-xen-traditional/);
  });

  it('narrows dimensions from the command line and sweeps real device sets from scenarios/devices', async () => {
    const r = await run(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'guestType=hvm', '--set', 'stubdomain=false', '--set', 'toolstack=libxl', '--devices', 'a100-80gb', '--devices', 'geforce-rtx3090+x710-sriov', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toHaveLength(2 * 23 * 2 * 3); // device models x RAM x device sets x mmio_hole
    expect(new Set(j.rows.map((x: Row) => x.deviceSet))).toEqual(new Set(['a100-80gb', 'geforce-rtx3090+x710-sriov']));
    // the A100's 128 GiB BAR is 64-bit MMIO of the set
    expect(j.rows.find((x: Row) => x.deviceSet === 'a100-80gb').mmio64MiB).toBe(131072 + 32);
    const bad = await run(['matrix', '--from', '4.3', '--to', '4.19', '--devices', 'no-such-card']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/deviceSets no-such-card: no such device in scenarios\/devices; use one of .*a100-80gb/);
  });

  it('refuses an unknown version', async () => {
    const r = await run(['matrix', '--from', '4.44', '--to', '4.3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown version "4\.44"/);
  });
});

describe('the bios dimension', () => {
  it("defaults to libxl's own choice, so the default space keeps its size", () => {
    expect(DEFAULT_SPACE.bios).toEqual(['default']);
    expect(spaceSize(makeSpace({ bios: ['default', 'ovmf'] }))).toBe(2 * spaceSize(DEFAULT_SPACE));
  });

  it('refuses a bios that is not one', () => {
    expect(() => makeSpace({ bios: ['uefi'] })).toThrow(/bios: "uefi" is not allowed; use default, rombios, seabios, ovmf/);
  });

  it("judges the firmware with the placement: 4.3's OVMF reassigns the BARs (fails), 4.5's keeps them; libxl's refusals are counted apart", () => {
    const space = makeSpace({ guestType: ['hvm'], toolstack: ['libxl'], stubdomain: [false], ramMiB: [2048], mmio32MiB: [64], mmio64MiB: [0], mmioHoleMiB: [0], bios: ['default', 'ovmf'] });
    const mx = computeMatrix(space, '4.3', '4.5');
    const row = (bios: string) => mx.rows.find((r) => r.deviceModel === 'qemu-xen' && r.bios === bios)!;
    expect(row('ovmf')).toMatchObject({ from: 'fails', fromWhy: 'ovmf-reassigns-bars', to: 'works', verdict: 'improvement' });
    expect(row('default')).toMatchObject({ from: 'works', to: 'works', verdict: 'unaffected' });
    expect(mx.rows.some((r) => r.deviceModel === 'qemu-xen-traditional' && r.bios === 'ovmf')).toBe(false);
    expect(mx.skipped).toEqual({ 'libxl refuses bios = "ovmf" with qemu-xen-traditional': 1 });
  });

  it('a CSV row names the bios', async () => {
    const r = await runCli(['matrix', '--from', '4.3', '--to', '4.5', '--set', 'guestType=hvm', '--set', 'toolstack=libxl', '--set', 'deviceModel=qemu-xen', '--set', 'stubdomain=false', '--set', 'ramMiB=2048', '--set', 'mmio32MiB=64', '--set', 'mmio64MiB=0', '--set', 'mmioHoleMiB=0', '--set', 'bios=ovmf', '--format', 'csv']);
    expect(r.stdout.trim().split('\n')[1]).toBe(',hvm,libxl,qemu-xen,false,2048,64,0,0,ovmf,fails,ovmf-reassigns-bars,works,,improvement');
  });
});

// The HTML report in a real headless Chromium: the summary counts and a
// cell's hover text must match the JSON. CI installs Debian's chromium.
describe.skipIf(!hasChromium)('HTML report in Chromium', () => {
  it('shows the JSON counts and a cell hover with its configurations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-html-'));
    const space = makeSpace({ guestType: ['hvm'], toolstack: ['libxl'], ramMiB: [2048, 4096, 8192], mmio32MiB: [0, 512], mmio64MiB: [0, 1024, 4096] });
    const matrix = computeMatrix(space, '4.3-rc', '4.3');
    const { html } = await import('../src/matrix/report.js');
    const file = join(dir, 'matrix.html');
    writeFileSync(file, html(matrix));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto('file://' + file);
      for (const [v, n] of Object.entries(matrix.counts)) {
        expect(await page.locator(`[data-count="${v}"]`).textContent()).toBe(String(n));
      }
      const cell = page.locator('figure').first().locator('.cell').first();
      await cell.hover();
      const tip = await page.locator('#tip').textContent();
      expect(tip).toBe(await cell.getAttribute('data-detail'));
      expect(tip).toMatch(/^RAM \d+ MiB, MMIO .* MiB: (regression|still failing|improvement|changed, same outcome|unaffected) \d+/);
      // a click lists the cell's configurations, each with the plan command that reproduces it
      await cell.click();
      await expect.poll(() => page.locator('#configs-list li').count()).toBeGreaterThan(0);
      expect(await page.locator('#configs-list li').first().textContent()).toMatch(/^(regression|still failing|improvement|changed, same outcome|unaffected): HVM, libxl, /);
      expect(await page.locator('#configs-list li pre').first().textContent()).toMatch(/^npx mmio-planner plan <\(printf .* --xen 4\.3\.0 --device-model/);
    } finally {
      await browser.close();
    }
  });
});
