// The web page in headless Chromium: built by vite exactly as `npm run
// build:web` builds it, served from its own origin, and checked against the
// CLI. A link must plan the same as `plan --json`; errors must sit beside
// their field, at the xl.cfg line, in the CLI's words; nothing may leave the
// origin; editing must keep the link up to date.

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestPlan } from '../src/guest/plan.js';
import { fromFragment, toFragment, type PageInput } from '../web/fragment.js';
import { hasChromium, launchChromium } from './helpers/chromium.js';
import { runCli } from './helpers/cli.js';

const read = (path: string) => readFileSync(path, 'utf8');
// A bundled device's lspci, as if the same device sat at another host address
// (a file must describe the address it is given for, issue 11).
const movedDir = mkdtempSync(join(tmpdir(), 'mmio-web-moved-'));
function movedDevice(path: string, bdf: string): { text: string; file: string } {
  const text = read(path).replace(/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/m, bdf);
  const file = join(movedDir, `${bdf.replace(/[:.]/g, '-')}-${path.split('/').pop()}`);
  writeFileSync(file, text);
  return { text, file };
}
const a100At0b = movedDevice('scenarios/devices/a100-80gb.lspci', '0b:00.0');
const nvmeAt3b = movedDevice('scenarios/devices/nvme-ssd.lspci', '3b:00.0');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const SEVERITY_ORDER = ['fatal', 'error', 'warning', 'note'];

// Building, serving and starting Chromium take a few seconds each on a busy
// two-core machine: these limits are generous, not a performance check.
const SLOW = 300_000;

interface PageCase {
  xen: string;
  dm: string;
  outcome: string;
  reasons: string;
  fixes: { outcome: string; text: string }[];
  devices: { key: string; slot: string; outcome: string; high: string; dropped: string }[];
  findings: { severity: string; code: string; message: string; fix: string | null }[];
  log: string;
}

/** What the page shows for each case, read from the DOM. */
function pageCases(page: Page): Promise<PageCase[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('details.case')].map((c) => ({
      xen: c.dataset.xen!,
      dm: c.dataset.dm!,
      outcome: c.querySelector<HTMLElement>('summary [data-outcome]')!.dataset.outcome!,
      reasons: c.querySelector('.outcome-text')?.textContent ?? '',
      fixes: [...c.querySelectorAll<HTMLElement>('li.checked-fix')].map((f) => ({ outcome: f.dataset.outcome!, text: f.textContent! })),
      devices: [...c.querySelectorAll<HTMLElement>('table.devices tbody tr')].map((r) => ({
        key: r.dataset.key!,
        slot: r.dataset.slot!,
        outcome: r.dataset.outcome!,
        high: r.querySelector('.bars-high')!.textContent!,
        dropped: r.querySelector('.bars-dropped')!.textContent!,
      })),
      findings: [...c.querySelectorAll<HTMLElement>('li.finding')].map((f) => ({
        severity: f.dataset.severity!,
        code: f.dataset.code!,
        message: f.querySelector('.message')!.textContent!,
        fix: f.querySelector('.fix-text')?.textContent ?? null,
      })),
      log: c.querySelector('pre.log')?.textContent ?? '',
    })),
  );
}

/** The same, from `plan --json`; findings in the page's order (worst first, otherwise as planned). */
function cliCases(plan: GuestPlan): PageCase[] {
  return plan.cases.map((c) => ({
    xen: c.xen,
    dm: c.deviceModel,
    outcome: c.outcome,
    // the report's words: "outcome: FAILS (rdm-conflict)"
    reasons: c.reasons.length ? `outcome: ${c.outcome.toUpperCase()} (${c.reasons.join(', ')})` : '',
    fixes: c.fixes.map((f) => ({ outcome: f.outcome, text: `${f.change} -> ${f.outcome}${f.remaining.length ? ` (${f.remaining.join(', ')})` : ''}${f.cost ? `; ${f.cost}` : ''}` })),
    devices: c.devices.map((d) => ({
      key: d.hostBdf ?? d.label,
      slot: `${d.slot.toString(16).padStart(2, '0')}:${d.function}`,
      outcome: d.outcome,
      high: d.relocatedBars.join(', '),
      dropped: d.droppedBars.join(', '),
    })),
    findings: SEVERITY_ORDER.flatMap((s) => c.findings.filter((f) => f.severity === s)).map((f) => ({ severity: f.severity, code: f.code, message: f.message, fix: f.fix ?? null })),
    log: c.result ? c.result.log.join('\n') : '',
  }));
}

async function cliPlan(args: string[]): Promise<GuestPlan> {
  const r = await runCli(['plan', ...args, '--json']);
  expect(r.stderr).toBe('');
  const plan = JSON.parse(r.stdout) as GuestPlan;
  // plan exits 3 when a case fails
  expect(r.code).toBe(plan.outcome === 'fails' ? 3 : 0);
  return plan;
}

/** Waits until the page has (re)planned after `since` (the body's data-generation before the change). */
async function settled(page: Page, since = 0): Promise<string> {
  await page.waitForFunction((g) => Number(document.body.dataset.generation ?? 0) > g && ['planned', 'errors', 'empty'].includes(document.body.dataset.state ?? ''), since, { timeout: SLOW });
  return page.evaluate(() => document.body.dataset.state!);
}

const generation = (page: Page) => page.evaluate(() => Number(document.body.dataset.generation ?? 0));

describe.skipIf(!hasChromium)('web page in Chromium', { timeout: SLOW }, () => {
  let server: PreviewServer;
  let origin: string;
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    const { build, preview } = await import('vite');
    outDir = mkdtempSync(join(tmpdir(), 'mmio-web-'));
    await build({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir }, preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
    origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, SLOW);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(fragment: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(SLOW);
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/#${fragment}`);
    await settled(page);
    return { page, requests, errors };
  }

  const guests: { name: string; input: PageInput; cli: string[]; shows?: (cases: PageCase[]) => void }[] = [
    {
      name: 'the Windows guest with a GPU and a NIC, three releases, both device models',
      input: {
        config: read('scenarios/guests/win10-gpu-nic.cfg'),
        devices: [
          { bdf: '0b:00.0', text: read('scenarios/devices/geforce-rtx3090.lspci') },
          { bdf: '3b:00.0', text: read('scenarios/devices/x710-sriov.lspci') },
        ],
        rmrr: [],
        dmesg: '',
        xen: '4.2,4.14.3,4.19',
        dm: 'qemu-xen,qemu-xen-traditional',
        bits: '46',
      },
      cli: ['scenarios/guests/win10-gpu-nic.cfg', '--pci', '0b:00.0=scenarios/devices/geforce-rtx3090.lspci', '--pci', '3b:00.0=scenarios/devices/x710-sriov.lspci', '--xen', '4.2,4.14.3,4.19', '--device-model', 'qemu-xen,qemu-xen-traditional', '--phys-addr-bits', '46'],
    },
    {
      name: 'the IGD guest with its RMRR (a strict conflict)',
      input: { config: read('scenarios/guests/igd-passthrough.cfg'), devices: [{ bdf: '00:02.0', text: read('scenarios/devices/intel-igd.lspci') }], rmrr: ['0x7d000000-0x7f7fffff@00:02.0'], dmesg: '', xen: '4.14.3,4.19', dm: 'qemu-xen' },
      cli: ['scenarios/guests/igd-passthrough.cfg', '--pci', '00:02.0=scenarios/devices/intel-igd.lspci', '--rmrr', '0x7d000000-0x7f7fffff@00:02.0', '--xen', '4.14.3,4.19', '--device-model', 'qemu-xen'],
      // the README's example: libxl refuses the guest, and the plan checks a fix
      shows: (cases) => {
        expect(cases.map((c) => c.outcome)).toEqual(['fails', 'fails']);
        expect(cases[1].reasons).toMatch(/rdm-conflict/);
        expect(cases[1].fixes.length).toBeGreaterThan(0);
      },
    },
    {
      name: 'the IGD guest with RMRRs from xl dmesg, the config choosing the device model',
      input: { config: read('scenarios/guests/igd-passthrough.cfg'), devices: [{ bdf: '0000:00:02.0', text: read('scenarios/devices/intel-igd.lspci') }], rmrr: [], dmesg: read('test/fixtures/rmrr/xl-dmesg-4.12.4-andryuk.txt'), xen: '4.12.4,4.19', dm: '' },
      cli: ['scenarios/guests/igd-passthrough.cfg', '--pci', '0000:00:02.0=scenarios/devices/intel-igd.lspci', '--rmrr-log', 'test/fixtures/rmrr/xl-dmesg-4.12.4-andryuk.txt', '--xen', '4.12.4,4.19'],
    },
    {
      name: 'the Windows guest started by xend',
      input: {
        config: read('scenarios/guests/win10-gpu-nic.cfg'),
        devices: [
          { bdf: '0b:00.0', text: a100At0b.text },
          { bdf: '3b:00.0', text: read('scenarios/devices/x710-sriov.lspci') },
        ],
        rmrr: [],
        dmesg: '',
        xen: '4.2,4.4',
        dm: 'qemu-xen-traditional',
        toolstack: 'xend',
      },
      cli: ['scenarios/guests/win10-gpu-nic.cfg', '--pci', `0b:00.0=${a100At0b.file}`, '--pci', '3b:00.0=scenarios/devices/x710-sriov.lspci', '--xen', '4.2,4.4', '--device-model', 'qemu-xen-traditional', '--toolstack', 'xend'],
    },
  ];

  for (const g of guests) {
    it(`a link plans ${g.name} as plan --json does`, async () => {
      const expected = cliCases(await cliPlan(g.cli));
      const { page, errors } = await open(toFragment(g.input));
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('planned');
      const shown = await pageCases(page);
      expect(shown).toEqual(expected);
      expect(shown.flatMap((c) => c.devices).length).toBeGreaterThan(0);
      g.shows?.(shown);
      // the memory budget section plan prints after its report, word for word
      const text = await runCli(['plan', ...g.cli]);
      const budget = (await page.locator('pre.budget-text').textContent())!;
      expect(budget).toMatch(/^Memory budget/);
      expect(text.stdout.trimEnd().endsWith(budget)).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('reads a link written by hand in the documented form', async () => {
    // built here without web/fragment.ts: the format itself is the contract
    const cfg = read('scenarios/guests/win10-gpu-nic.cfg').replace('memory = 8192', 'memory = 3840');
    const fragment = `config=${b64(cfg)}&pci=0b:00.0~${b64(a100At0b.text)}&pci=0000:3b:00.0~${b64(nvmeAt3b.text)}&xen=4.5,4.19&dm=qemu-xen&bits=46`;
    const dir = mkdtempSync(join(tmpdir(), 'mmio-web-cfg-'));
    writeFileSync(join(dir, 'guest.cfg'), cfg);
    const expected = cliCases(await cliPlan([join(dir, 'guest.cfg'), '--pci', `0b:00.0=${a100At0b.file}`, '--pci', `0000:3b:00.0=${nvmeAt3b.file}`, '--xen', '4.5,4.19', '--device-model', 'qemu-xen', '--phys-addr-bits', '46']));
    const { page } = await open(fragment);
    expect(await pageCases(page)).toEqual(expected);
    // this guest is one where something happens: a device above 4 GiB or dropped, or a finding
    expect(expected.some((c) => c.findings.length > 0)).toBe(true);
    await page.close();
  });

  it('shows a malformed xl.cfg error beside the config, at its line and column, in the CLI words', async () => {
    const bad = 'name = "x"\ntype = "hvm"\npci = [ "0b:00.0"\nmemory = 4096\n';
    const dir = mkdtempSync(join(tmpdir(), 'mmio-web-bad-'));
    writeFileSync(join(dir, 'bad.cfg'), bad);
    const cli = await runCli(['plan', join(dir, 'bad.cfg')]);
    expect(cli.code).toBe(2);
    const cliWords = cli.stderr.trim().replace(`mmio-planner: ${join(dir, 'bad.cfg')}`, '');
    expect(cliWords).toMatch(/^:4:1: /);

    const { page } = await open(`config=${b64(bad)}`);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('errors');
    const issue = page.locator('#config-error .issue');
    expect(await issue.count()).toBe(1);
    expect(await issue.getAttribute('data-line')).toBe('4');
    expect(await issue.getAttribute('data-col')).toBe('1');
    expect(await issue.locator('.message').textContent()).toBe(`xl.cfg${cliWords}`);
    // as the README quotes it
    expect(`xl.cfg${cliWords}`).toBe('xl.cfg:4:1: expected , or ] in the list begun on line 3, found "memory"');
    expect(await issue.locator('pre.excerpt').textContent()).toBe('4 | memory = 4096\n    ^');
    expect(await page.locator('#config').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('details.case').count()).toBe(0);
    // "Go to line 4" puts the cursor on that line of the textarea
    await issue.getByRole('button', { name: 'Go to line 4' }).click();
    const selected = await page.evaluate(() => {
      const t = document.getElementById('config') as HTMLTextAreaElement;
      return { focused: document.activeElement === t, at: t.value.slice(0, t.selectionStart).split('\n').length };
    });
    expect(selected).toEqual({ focused: true, at: 4 });

    // a value error names its line; fixing the text replans
    const since = await generation(page);
    await page.locator('#config').fill('name = "x"\ntype = "hvm"\nmemory = "lots"\n');
    await settled(page, since);
    expect(await page.locator('#config-error .issue').getAttribute('data-line')).toBe('3');
    expect(await page.locator('#config-error .message').textContent()).toMatch(/^xl\.cfg:3:10 memory: "lots" is not a whole number/);
    const again = await generation(page);
    await page.locator('#config').fill('name = "x"\ntype = "hvm"\nmemory = 2048\n');
    expect(await settled(page, again)).toBe('planned');
    expect(await page.locator('#config-error .issue').count()).toBe(0);
    expect(await page.locator('#config').getAttribute('aria-invalid')).toBeNull();
    await page.close();
  });

  it('shows a value the form does not offer beside its field, from a hand-written link', async () => {
    const { page } = await open(`config=${b64(read('scenarios/guests/win10-gpu-nic.cfg'))}&dm=qemu-xen,qemu-upstream&toolstack=xapi&xen=4.19,5.0&bits=64`);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('errors');
    expect(await page.locator('#dm-error .message').textContent()).toBe('--device-model: unknown device model "qemu-upstream"; use qemu-xen, qemu-xen-traditional or both, comma-separated');
    expect(await page.locator('#toolstack-error .message').textContent()).toMatch(/^--toolstack: "xapi" is not a toolstack this planner knows; use libxl, xend, other$/);
    expect(await page.locator('#toolstack').inputValue()).toBe('xapi');
    expect(await page.locator('#bits-error .message').textContent()).toBe('--phys-addr-bits: "64": a physical address width is a whole number of bits from 32 to 52 (see `address sizes` in /proc/cpuinfo)');
    expect(await page.locator('#dm').getAttribute('aria-invalid')).toBe('true');
    // once those are fixed, the release is checked as --xen checks it
    const since = await generation(page);
    await page.locator('#dm').selectOption('qemu-xen');
    await page.locator('#toolstack').selectOption('');
    await page.locator('#bits').fill('46');
    await settled(page, since);
    await expect.poll(() => page.locator('#xen-error .message').textContent(), { timeout: SLOW }).toBe('--xen: 5.0.0 is not a Xen release; the latest known is 4.22.0 (known: 4.2.0 to 4.22.0)');
    await page.close();
  });

  it('shows a device error under that device, and offers to add a device the config passes through', async () => {
    const cfg = read('scenarios/guests/win10-gpu-nic.cfg');
    const { page } = await open(`config=${b64(cfg)}&pci=0b:00.0~${b64('0b:00.0 VGA compatible controller: x\n\tRegion 0: Memory at f0000000 (32-bit, non-prefetchable) [size=16Q]\n')}`);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('errors');
    const deviceIssue = page.locator('#devices .device-input').first().locator('.error .issue');
    expect(await deviceIssue.count()).toBeGreaterThan(0);
    expect(await deviceIssue.first().locator('.message').textContent()).toMatch(/^device 0b:00\.0:2: /);
    expect(await deviceIssue.first().getAttribute('data-line')).toBe('2');

    // with a readable first device, the config's second pci entry has no description yet
    const since = await generation(page);
    await page.locator('#devices .device-input .text').first().fill(read('scenarios/devices/geforce-rtx3090.lspci'));
    await settled(page, since);
    const missing = page.locator('#devices-error .issue');
    expect(await missing.locator('.message').textContent()).toMatch(/^pci 0000:3b:00\.0: no description of this device; pass --pci 0000:3b:00\.0=FILE/);
    await missing.getByRole('button', { name: 'Add a device for 0000:3b:00.0' }).click();
    expect(await page.locator('#devices .device-input').count()).toBe(2);
    expect(await page.locator('#devices .device-input .bdf').nth(1).inputValue()).toBe('0000:3b:00.0');
    // the new row's text field has the focus, ready for a paste
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('device 2: lspci -vv, sysfs resource or JSON');
    await page.close();
  });

  it('keeps the link up to date as the input is edited, and the new link plans the same', async () => {
    const example = guests[0].input;
    const { page } = await open(toFragment({ ...example, xen: '4.19', dm: 'qemu-xen' }));
    const hashInput = () => page.evaluate(() => location.hash).then((h) => fromFragment(h).input);

    let since = await generation(page);
    await page.locator('#xen').fill('4.14.3,4.19');
    await settled(page, since);
    expect(await page.evaluate(() => location.hash)).toContain('&xen=4.14.3,4.19');
    expect(await page.locator('details.case').count()).toBe(2);

    since = await generation(page);
    await page.locator('#dm').selectOption('qemu-xen,qemu-xen-traditional');
    await settled(page, since);
    expect(await page.evaluate(() => location.hash)).toContain('&dm=qemu-xen,qemu-xen-traditional');

    // maxmem above memory with passthrough: libxl refuses populate-on-demand
    since = await generation(page);
    await page.locator('#config').press('End');
    await page.locator('#config').press('Control+End');
    await page.keyboard.type('maxmem = 16384\n');
    await settled(page, since);
    // keystrokes may land on either side of a replan: wait for the last one
    await expect.poll(() => hashInput().then((i) => i.config), { timeout: SLOW, interval: 200 }).toBe(example.config + 'maxmem = 16384\n');
    await expect.poll(() => page.locator('li.finding[data-code="pod-with-passthrough"]').count(), { timeout: SLOW, interval: 200 }).toBe(4);

    since = await generation(page);
    await page.locator('#rmrr-section summary').click();
    await page.locator('#rmrr').fill('0xe0000000-0xe00fffff@0b:00.0');
    await settled(page, since);
    expect(await page.evaluate(() => location.hash)).toContain('&rmrr=0xe0000000-0xe00fffff@0b:00.0');

    since = await generation(page);
    await page.getByRole('button', { name: 'remove device 2' }).click();
    await settled(page, since);
    const edited = await hashInput();
    expect(edited.devices.map((d) => d.bdf)).toEqual(['0b:00.0']);
    expect(await page.locator('#link').inputValue()).toBe(await page.evaluate(() => location.href));

    since = await generation(page);
    await page.locator('#devices .device-input .text').first().fill('');
    await settled(page, since);
    expect((await hashInput()).devices[0].text).toBe('');

    // a file dropped on the config, and one picked for a device, land in their fields
    since = await generation(page);
    const dropped = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'guest.cfg', { type: 'text/plain' }));
      return dt;
    }, example.config + 'maxmem = 16384\n# from a file\n');
    await page.dispatchEvent('#config', 'drop', { dataTransfer: dropped });
    await page.locator('#devices .device-input .text-file').first().setInputFiles({ name: 'gpu.lspci', mimeType: 'text/plain', buffer: Buffer.from(example.devices[0].text) });
    // the two files are read asynchronously: wait for both to reach the link
    await expect.poll(hashInput, { timeout: SLOW, interval: 200 }).toMatchObject({ config: example.config + 'maxmem = 16384\n# from a file\n', devices: [{ bdf: '0b:00.0', text: example.devices[0].text }] });
    await settled(page, since);
    expect(await page.locator('#config').inputValue()).toBe(example.config + 'maxmem = 16384\n# from a file\n');

    // the link opens to the same input and the same plan
    const url = await page.evaluate(() => location.href);
    const planText = await page.locator('#plan').innerText();
    const second = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    second.setDefaultTimeout(SLOW);
    await second.goto(url);
    await settled(second);
    expect(await second.locator('#xen').inputValue()).toBe('4.14.3,4.19');
    expect(await second.locator('#config').inputValue()).toBe(example.config + 'maxmem = 16384\n# from a file\n');
    expect(await second.locator('#plan').innerText()).toBe(planText);
    await second.close();
    await page.close();
  });

  it('sends no request beyond its own origin, and plans offline once loaded', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(SLOW);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    // the page's Content-Security-Policy blocks other origins before a request is made: count its refusals too
    await context.addInitScript(() => {
      (window as unknown as { refused: string[] }).refused = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { refused: string[] }).refused.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${origin}/`);
    expect(await settled(page)).toBe('empty');
    for (const example of await page.locator('#examples a').all()) {
      const since = await generation(page);
      await example.click();
      expect(await settled(page, since)).toBe('planned');
    }
    await context.setOffline(true);
    const since = await generation(page);
    await page.locator('#xen').fill('4.17.4');
    expect(await settled(page, since)).toBe('planned');
    expect(await page.locator('details.case').first().getAttribute('data-xen')).toBe('4.17.4');
    // the page, its script, its style and the engine, all from here
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.some((u) => u.endsWith('.wasm'))).toBe(true);
    expect(requests.filter((u) => new URL(u).origin !== origin && !u.startsWith('data:'))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { refused: string[] }).refused)).toEqual([]);
    await context.close();
  });

  it('is usable by keyboard, labels every control, and fits a phone screen', async () => {
    const { page } = await open(toFragment(guests[1].input), { width: 390, height: 844 });
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('input, textarea, select, button')]
        .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent?.trim())
        .map((e) => e.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    // nothing wider than the screen: wide tables and the map scroll inside their own boxes
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // the link to post stays readable rather than squeezed beside the status
    expect((await page.locator('#link').boundingBox())!.width).toBeGreaterThan(200);
    // Tab walks through the inputs in reading order
    const reached: string[] = [];
    await page.locator('body').focus();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || ''));
    }
    const order = ['config', 'device 1 host BDF', 'add-device', 'xen', 'dm'].map((id) => reached.indexOf(id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    await page.close();
  });

  it('weighs under 400 KB besides the engine', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const all = files(outDir);
    expect(all.some((f) => f.endsWith('.wasm'))).toBe(true);
    expect(all.some((f) => f.endsWith('index.html'))).toBe(true);
    const bytes = all.filter((f) => !f.endsWith('.wasm')).reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThan(400_000);
  });
});
