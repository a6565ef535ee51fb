// Reserved device memory (VT-d RMRRs): how each libxl release moves low RAM,
// refuses or ignores conflicts, and what reaches hvmloader as reserved.
// The ranges are the xl.cfg(5) rdm example: device A ac6d3000-ac6e6fff,
// device B ad800000-afffffff.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readXlGuest } from '../../src/guest/config.js';
import { platformParams } from '../../src/guest/libxl.js';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest } from '../../src/guest/plan.js';
import { parseRmrrSpec, parseXenDmesgRmrrs, readRdmKey, type HostRmrr } from '../../src/guest/rdm.js';
import { parseRelease } from '../../src/guest/releases.js';

const root = new URL('../../', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(join(root, 'test/fixtures/rmrr', name), 'utf8');
const A: HostRmrr = { start: 0xac6d3000n, end: 0xac6e6fffn, devices: ['0000:00:14.0'] };
const B: HostRmrr = { start: 0xad800000n, end: 0xafffffffn, devices: ['0000:00:02.0'] };
const guest = (extra: string) => readXlGuest(`type = "hvm"\nmemory = 4096\n${extra}`, 'guest.cfg');
const params = (extra: string, xen: string, rmrrs: HostRmrr[]) => platformParams(guest(extra), 'qemu-xen', parseRelease(xen), 'libxl', rmrrs);
const igd = { bdf: '00:02.0', functions: parseLspci(readFileSync(join(root, 'scenarios/devices/intel-igd.lspci'), 'utf8')) };
const plan = (extra: string, xen: string, rmrrs: HostRmrr[]) =>
  planGuest(guest(extra), indexDevices([igd]), { xen: [xen], deviceModels: ['qemu-xen'], rmrrs }).cases[0];
const codes = (c: { findings: { code: string }[] }) => c.findings.map((f) => f.code);

describe('libxl moves low RAM below an RMRR above rdm_mem_boundary', () => {
  it('4.19 with strategy=host: ends low RAM on the 2 MiB boundary below A and grows high RAM by as much', () => {
    // 4096 - 8 MiB cirrus = 0xff800000 of RAM: 0xf0000000 low, high to 0x10f800000;
    // A at 0xac6d3000 rounds down to 0xac600000, moving 0x43a00000 above 4 GiB
    const p = params('rdm = "strategy=host"\n', '4.19', [A, B]);
    expect([p.lowMemEnd, p.highMemEnd]).toEqual([0xac600000n, 0x153200000n]);
    expect(p.rdm?.exposed.map((e) => e.start)).toEqual([A.start, B.start]);
    expect(p.rdm?.conflicts).toEqual([]);
  });

  it('4.13 does not round to 2 MiB, and `hap = 0` does not round from 4.14 either', () => {
    expect(params('rdm = "strategy=host,policy=relaxed"\n', '4.13', [A, B]).lowMemEnd).toBe(0xac6d3000n);
    expect(params('rdm = "strategy=host"\nhap = 0\n', '4.19', [A, B]).lowMemEnd).toBe(0xac6d3000n);
  });

  it('without strategy=host only the assigned device\'s RMRR counts', () => {
    const p = params("pci = ['00:02.0']\n", '4.19', [A, B]);
    expect(p.lowMemEnd).toBe(0xad800000n);
    expect(p.rdm?.exposed.map((e) => [e.start, e.policy])).toEqual([[B.start, 'strict']]);
  });

  it('does nothing without passthrough or strategy=host, nor before 4.6, nor for xend', () => {
    expect(params('', '4.19', [A, B]).lowMemEnd).toBe(0xf0000000n);
    const old = params("pci = ['00:02.0']\nrdm = \"strategy=host,policy=relaxed\"\n", '4.5', [A, B]);
    expect(old.lowMemEnd).toBe(0xf0000000n);
    expect(old.ignored.join()).toMatch(/rdm needs Xen 4.6/);
    const xend = platformParams(guest("pci = ['00:02.0']\nrdm = \"strategy=host,policy=relaxed\"\n"), 'qemu-xen-traditional', parseRelease('4.4'), 'xend', [A, B]);
    expect(xend.lowMemEnd).toBe(0xf0000000n);
    expect(xend.ignored.join()).toMatch(/xend reserves no RMRRs/);
  });
});

describe('the rdm key as each xl reads it', () => {
  it('4.6-4.13 take only "strategy=host,policy=X", in that order', () => {
    expect(readRdmKey('strategy=host,policy=strict', parseRelease('4.10'))).toMatchObject({ strategy: 'host', policy: 'strict' });
    expect(readRdmKey('strategy=host', parseRelease('4.13'))).toMatchObject({ strategy: 'ignore', note: expect.stringMatching(/dropped by xl 4.13.0/) });
    expect(readRdmKey('policy=relaxed,strategy=host', parseRelease('4.13')).strategy).toBe('ignore');
    expect(readRdmKey('strategy=host, policy=relaxed', parseRelease('4.13')).strategy).toBe('ignore'); // no space skipped
  });

  it('4.14 takes either key in any order, leaving one not given uninitialised', () => {
    expect(readRdmKey('policy=relaxed,strategy=host', parseRelease('4.14'))).toMatchObject({ strategy: 'host', policy: 'relaxed' });
    expect(readRdmKey('strategy=host', parseRelease('4.14'))).toMatchObject({ strategy: 'host', policy: 'uninitialised' });
    expect(readRdmKey('policy=strict', parseRelease('4.14'))).toMatchObject({ strategy: 'ignore', note: expect.stringMatching(/strategy uninitialised/) });
    expect(readRdmKey('strategy=host,', parseRelease('4.14')).strategy).toBe('ignore');
  });

  it('4.15 on drop the whole key when it names a policy xl knows, and leave the policy uninitialised without one', () => {
    expect(readRdmKey('strategy=host,policy=relaxed', parseRelease('4.17.4'))).toMatchObject({ strategy: 'ignore', note: expect.stringMatching(/parsing bug/) });
    expect(readRdmKey('strategy=host,policy=Strict', parseRelease('4.19')).strategy).toBe('ignore');
    expect(readRdmKey('strategy=host', parseRelease('4.19'))).toMatchObject({ strategy: 'host', policy: 'uninitialised' });
    // a policy it does not know is reported and skipped, so the key is read
    expect(readRdmKey('strategy=host,policy=loose', parseRelease('4.19'))).toMatchObject({ strategy: 'host', policy: 'uninitialised' });
  });

  it('refuses an rdm_policy that is neither strict nor relaxed, naming the key', () => {
    expect(() => guest("pci = ['00:02.0,rdm_policy=loose']\n")).toThrow(/pci.*rdm_policy="loose" is not allowed; use rdm_policy=strict or rdm_policy=relaxed/);
  });
});

describe('conflicts that remain', () => {
  // an IGD stolen-memory RMRR below the 2 GiB boundary
  const low: HostRmrr = { start: 0x7b800000n, end: 0x7fffffffn, devices: ['0000:00:02.0'] };

  it('4.19: a device RMRR in RAM below the boundary is strict by default and stops the build, with the boundary that fixes it', () => {
    const c = plan("pci = ['00:02.0']\n", '4.19', [low]);
    const f = c.findings.find((x) => x.code === 'rdm-conflict');
    expect(f?.severity).toBe('fatal');
    expect(f?.message).toContain('RDM conflict at 0x7b800000');
    // 0x7b800000 is 1976 MiB: a boundary of 1975 lets libxl end low RAM below it
    expect(f?.fix).toMatch(/rdm_mem_boundary = 1975/);
    const fixed = plan("pci = ['00:02.0']\nrdm_mem_boundary = 1975\n", '4.19', [low]);
    expect(codes(fixed)).not.toContain('rdm-conflict');
    expect(fixed.params?.lowMemEnd).toBe('0x7b800000');
    expect(fixed.params?.reserved).toEqual([{ start: '0x7b800000', size: '0x4800000' }]);
  });

  it('rdm_policy=relaxed turns the stop into a warning and keeps the range out of the map', () => {
    const c = plan("pci = ['00:02.0,rdm_policy=relaxed']\n", '4.19', [low]);
    expect(c.findings.find((x) => x.code === 'rdm-conflict-ignored')?.severity).toBe('error');
    expect(c.params?.reserved).toEqual([]);
  });

  it('4.13: a device without rdm_policy keeps an unset policy: conflicts are only warned, and a clear RMRR never reaches hvmloader', () => {
    expect(codes(plan("pci = ['00:02.0']\n", '4.13', [low]))).toContain('rdm-conflict-ignored');
    const c = plan("pci = ['00:02.0']\n", '4.13', [B]);
    expect(codes(c)).toContain('rdm-hidden');
    expect(c.params?.reserved).toEqual([]);
    const strict = plan("pci = ['00:02.0,rdm_policy=strict']\n", '4.13', [B]);
    expect(codes(strict)).not.toContain('rdm-hidden');
    expect(strict.params?.reserved).toEqual([{ start: '0xad800000', size: '0x2800000' }]);
  });

  it('before 4.14 only the first RMRR of a device counts', () => {
    const second: HostRmrr = { start: 0xa0000000n, end: 0xa01fffffn, devices: ['0000:00:02.0'] };
    const b = { ...B };
    // 4.13: B alone (unset policy, hidden); 4.19: both, and the lower one ends low RAM
    expect(params("pci = ['00:02.0,rdm_policy=strict']\n", '4.13', [b, second]).lowMemEnd).toBe(0xad800000n);
    expect(params("pci = ['00:02.0']\n", '4.19', [b, second]).lowMemEnd).toBe(0xa0000000n);
  });

  it('strategy=host alone: 4.15 and 4.16 give the device strict, 4.17 on copy the uninitialised policy', () => {
    const cfg = "rdm = \"strategy=host\"\npci = ['00:02.0']\n";
    expect(plan(cfg, '4.15', [low]).findings.find((f) => f.code === 'rdm-conflict')?.severity).toBe('fatal');
    const f = plan(cfg, '4.17', [low]).findings.find((x) => x.code === 'rdm-conflict-undetermined');
    expect(f?.severity).toBe('fatal'); // it may stop: judged as the worst
    expect(f?.message).toMatch(/uninitialised: libxl either stops or ignores it/);
  });

  it('4.10 copies a global relaxed policy into the device', () => {
    const c = plan("rdm = \"strategy=host,policy=relaxed\"\npci = ['00:02.0']\n", '4.10', [low]);
    expect(codes(c)).toContain('rdm-conflict-ignored');
    expect(codes(c)).not.toContain('rdm-hidden');
  });

  it('a shared RMRR: Xen refuses the assignment unless the device is relaxed', () => {
    const shared: HostRmrr = { start: 0xbf7ec000n, end: 0xbf7fffffn, devices: ['0000:00:02.0', '0000:00:14.0'] };
    const refused = plan("pci = ['00:02.0']\nmemory = 2048\n", '4.19', [shared]);
    expect(refused.findings.find((f) => f.code === 'rmrr-shared-refused')).toMatchObject({ severity: 'fatal', fix: expect.stringMatching(/rdm_policy=relaxed/) });
    expect(refused.outcome).toBe('fails');
    const relaxed = plan("pci = ['00:02.0,rdm_policy=relaxed']\nmemory = 2048\n", '4.19', [shared]);
    expect(relaxed.findings.find((f) => f.code === 'rmrr-shared')?.severity).toBe('warning');
  });
});

describe('hvmloader keeps BARs out of the reserved ranges', () => {
  it('an RMRR inside the hole is skipped by every BAR, and shown in the report', async () => {
    // a 1 GiB guest: RAM ends far below; the RMRR sits where the first BAR would go
    const inHole: HostRmrr = { start: 0xf0000000n, end: 0xf07fffffn, devices: ['0000:00:02.0'] };
    const c = plan("pci = ['00:02.0']\nmemory = 1024\n", '4.19', [inHole]);
    expect(c.params?.reserved).toEqual([{ start: '0xf0000000', size: '0x800000' }]);
    for (const b of c.result!.bars.filter((x) => x.placement === 'low' && x.type !== 'io')) {
      const start = BigInt(b.address!);
      expect(start + BigInt(b.size) <= 0xf0000000n || start > 0xf07fffffn).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'rmrr-'));
    writeFileSync(join(dir, 'g.cfg'), "type = 'hvm'\nmemory = 1024\npci = ['00:02.0']\n");
    const r = await runCli(['plan', join(dir, 'g.cfg'), '--pci', `00:02.0=${join(root, 'scenarios/devices/intel-igd.lspci')}`, '--rmrr', '0xf0000000-0xf07fffff@00:02.0', '--xen', '4.19', '--device-model', 'qemu-xen']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reserved (RMRR) in the guest\'s memory map: 0xf0000000+0x800000');
  });

  it('the README example: the bundled IGD guest stops on its stolen-memory RMRR, and the fix it prints works', async () => {
    const args = ['plan', join(root, 'scenarios/guests/igd-passthrough.cfg'), '--pci', `00:02.0=${join(root, 'scenarios/devices/intel-igd.lspci')}`, '--xen', '4.19', '--device-model', 'qemu-xen', '--json'];
    const r = await runCli([...args, '--rmrr', '0x7d000000-0x7f7fffff@00:02.0']);
    const f = JSON.parse(r.stdout).cases[0].findings.find((x: { code: string }) => x.code === 'rdm-conflict');
    expect(f.fix).toMatch(/set rdm_mem_boundary = 1999 .* lower memory to 2000 MiB or less/);
    const dir = mkdtempSync(join(tmpdir(), 'rmrr-'));
    const fixed = join(dir, 'igd.cfg');
    writeFileSync(fixed, readFileSync(join(root, 'scenarios/guests/igd-passthrough.cfg'), 'utf8') + 'rdm_mem_boundary = 1999\n');
    const again = await runCli(['plan', fixed, ...args.slice(2), '--rmrr', '0x7d000000-0x7f7fffff@00:02.0']);
    const c = JSON.parse(again.stdout).cases[0];
    expect(c.findings.map((x: { code: string }) => x.code)).not.toContain('rdm-conflict');
    expect(c.params.lowMemEnd).toBe('0x7d000000');
  });

  it('notes an IGD passed through with no RMRR given', () => {
    expect(codes(plan("pci = ['00:02.0']\n", '4.19', []))).toContain('rmrr-unknown');
    expect(codes(plan("pci = ['00:02.0']\n", '4.19', [B]))).not.toContain('rmrr-unknown');
  });
});

describe('reading RMRRs', () => {
  it('parses START-END@BDF+BDF', () => {
    expect(parseRmrrSpec('0xad800000-0xafffffff@00:02.0+0000:00:14.0')).toEqual({ start: 0xad800000n, end: 0xafffffffn, devices: ['0000:00:02.0', '0000:00:14.0'] });
  });

  it.each([
    ['ad800000', /START-END/],
    ['0xb0000000-0xafffffff', /ends .* before it starts/],
    ['0xad800000-0xafffffe0', /whole 4 KiB pages/],
    ['0xad800000-0xafffffff@00:02', /not a host PCI address/],
    ['0xzz-0xafffffff', /not a hex address/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseRmrrSpec(spec)).toThrow(message);
  });

  it('reads xl dmesg of a debug Xen in both log formats, skipping RMRRs Xen ignored (real logs)', () => {
    // Xen 4.12.4: "RMRR region: base_addr ..."; the third RMRR names a device that is not there
    expect(parseXenDmesgRmrrs(fixture('xl-dmesg-4.12.4-andryuk.txt'))).toEqual([
      { start: 0x78863000n, end: 0x78882fffn, devices: ['0000:00:14.0'] },
      { start: 0x7d000000n, end: 0x7f7fffffn, devices: ['0000:00:02.0'] },
    ]);
    // Xen 4.22-unstable: " RMRR: [start,end]", one RMRR shared by three USB controllers
    expect(parseXenDmesgRmrrs(fixture('xl-dmesg-4.22-unstable-astie.txt'))).toEqual([
      { start: 0xd9888000n, end: 0xd9894fffn, devices: ['0000:00:1d.0', '0000:00:1a.0', '0000:00:14.0'] },
      { start: 0xdc000000n, end: 0xde1fffffn, devices: ['0000:00:02.0'] },
    ]);
  });

  it('on those hosts: the IGD RMRR below 2 GiB stops a 4 GiB guest, the one above it lowers RAM, the shared USB RMRR refuses 00:14.0', () => {
    const andryuk = parseXenDmesgRmrrs(fixture('xl-dmesg-4.12.4-andryuk.txt'));
    const astie = parseXenDmesgRmrrs(fixture('xl-dmesg-4.22-unstable-astie.txt'));
    const stop = plan("pci = ['00:02.0']\n", '4.19', andryuk).findings.find((f) => f.code === 'rdm-conflict');
    expect(stop?.fix).toMatch(/rdm_mem_boundary = 1999/); // 0x7d000000 is 2000 MiB
    const low = plan("pci = ['00:02.0']\n", '4.19', astie);
    expect(low.params?.lowMemEnd).toBe('0xdc000000');
    expect(low.params?.reserved).toEqual([{ start: '0xdc000000', size: '0x2200000' }]);
    // the Haswell xHCI (8086:8c31): one 64 KiB 64-bit BAR
    const xhci = { bdf: '00:14.0', functions: [{ bdf: '00:14.0', vendorId: 0x8086, deviceId: 0x8c31, classCode: 0x0c03, interruptPin: 1, bars: [{ index: 0, type: 'mem64' as const, prefetchable: false, size: 0x10000n }] }] };
    const usb = planGuest(guest("pci = ['00:14.0']\n"), indexDevices([xhci]), { xen: ['4.19'], deviceModels: ['qemu-xen'], rmrrs: astie }).cases[0];
    expect(usb.findings.find((f) => f.code === 'rmrr-shared-refused')?.message).toMatch(/shared with 0000:00:1d.0, 0000:00:1a.0: Xen refuses/);
  });

  it('explains that a release build does not print the ranges', () => {
    expect(() => parseXenDmesgRmrrs(fixture('xl-dmesg-release-build.txt'))).toThrow(/only by a debug build of Xen/);
  });

  it('the CLI takes --rmrr-log and refuses a bad --rmrr with exit 2 and no output', async () => {
    const cfg = join(root, 'scenarios/guests/win10-gpu-nic.cfg');
    const bad = await runCli(['plan', cfg, '--rmrr', '0xad800000']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--rmrr.*START-END/);
    const noRanges = await runCli(['plan', cfg, '--rmrr-log', join(root, 'test/fixtures/rmrr/xl-dmesg-release-build.txt')]);
    expect(noRanges.code).toBe(2);
    expect(noRanges.stdout).toBe('');
    expect(noRanges.stderr).toMatch(/xl-dmesg-release-build.txt: no RMRRs found: .* debug build of Xen/);
    const dir = mkdtempSync(join(tmpdir(), 'rmrr-'));
    writeFileSync(join(dir, 'g.cfg'), "type = 'hvm'\nmemory = 4096\nrdm = 'strategy=host'\n");
    const ok = await runCli(['plan', join(dir, 'g.cfg'), '--rmrr-log', join(root, 'test/fixtures/rmrr/xl-dmesg-4.22-unstable-astie.txt'), '--xen', '4.19', '--json']);
    expect(ok.code).toBe(0);
    const c = JSON.parse(ok.stdout).cases[0];
    // strategy=host: the lowest RMRR in RAM, 0xd9888000, rounded down to 2 MiB
    expect(c.params.lowMemEnd).toBe('0xd9800000');
    expect(c.findings.map((f: { code: string }) => f.code)).toContain('rdm-lowmem');
  });
});
