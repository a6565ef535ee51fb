// The firmware after hvmloader: which OVMF and SeaBIOS each Xen release
// builds, and what each OVMF revision breaks of hvmloader's placement, on
// guests at each boundary (the release whose OVMF gained a fix, and the one
// before), under OVMF and under SeaBIOS, through planGuest and the CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readXlGuest } from '../../src/guest/config.js';
import { firmwarePins, guestFirmware, OVMF_CHANGES, ovmfAddressWidth, revisionsWith } from '../../src/guest/firmware.js';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest, type PlanCase } from '../../src/guest/plan.js';
import { parseRelease } from '../../src/guest/releases.js';

const root = new URL('../../', import.meta.url).pathname;
const device = (file: string, bdf: string) => ({ bdf, functions: parseLspci(readFileSync(join(root, 'scenarios/devices', file), 'utf8')) });
const a100 = device('a100-80gb.lspci', '41:00.0'); // 128 GiB 64-bit BAR
const rtx = device('geforce-rtx3090.lspci', '0b:00.0'); // 256 MiB + 32 MiB 64-bit BARs
const codes = (c: PlanCase) => c.findings.map((f) => f.code);
const GIB = 1n << 30n;

const guest = (memory: number, bios: string | undefined, pci: string) =>
  readXlGuest(`type = "hvm"\nmemory = ${memory}\nvga = "stdvga"\n${bios ? `bios = "${bios}"\n` : ''}pci = ['${pci}']\n`, 'guest.cfg');
const plan = (cfg: ReturnType<typeof guest>, dev: typeof a100, xen: string, ovmf?: 'xen' | 'xen-support' | 'no-xen-support') =>
  planGuest(cfg, indexDevices([dev]), { xen: [xen], deviceModels: ['qemu-xen'], ovmf, physAddrBits: 46 }).cases[0]; // a server CPU's width

describe('what each Xen release pins (Config.mk at the RELEASE tags)', () => {
  it('names the OVMF commit and SeaBIOS tag of each release, point releases included', () => {
    const pins = (x: string) => firmwarePins(parseRelease(x));
    expect(pins('4.2')).toEqual({ ovmf: 'b0855f925c', seabios: 'rel-1.6.3.2' });
    expect(pins('4.4.3').ovmf).toBe('447d264115');
    expect(pins('4.4.4').ovmf).toBe('52a99493cc');
    expect(pins('4.5.1').ovmf).toBe('447d264115');
    expect(pins('4.5.2').ovmf).toBe('cb9a7ebabc');
    expect(pins('4.6.0').ovmf).toBe('cb9a7ebabc');
    expect(pins('4.6.1').ovmf).toBe('52a99493cc');
    expect(pins('4.12.4').ovmf).toBe('ef529e6ab7');
    expect(pins('4.13')).toEqual({ ovmf: '20d2e5a125', seabios: 'rel-1.12.1' });
    expect(pins('4.14.6').seabios).toBe('rel-1.16.0');
    expect(pins('4.15.4')).toEqual({ ovmf: 'a3741780fe', seabios: 'rel-1.14.0' });
    expect(pins('4.16')).toEqual({ ovmf: '7b4a99be8a', seabios: 'rel-1.14.0' });
    expect(pins('4.18.2')).toEqual({ ovmf: 'ba91d0292e', seabios: 'rel-1.16.2' });
    expect(pins('4.22')).toEqual({ ovmf: 'ba91d0292e', seabios: 'rel-1.17.0' });
  });

  it('says which pinned revisions have each edk2 change (merge-base --is-ancestor)', () => {
    expect(revisionsWith('xen-light-enumeration')).not.toContain('b0855f925c');
    expect(revisionsWith('root-bridge-scan')[0]).toBe('bc54e50e0f');
    expect(revisionsWith('bar64-below-4g')[0]).toBe('20d2e5a125');
    expect(revisionsWith('no-pmem-aperture')).toEqual(revisionsWith('bar64-below-4g'));
    expect(revisionsWith('cpuid-address-width')).toEqual(['7b4a99be8a', 'ba91d0292e']);
    expect(OVMF_CHANGES['cpuid-address-width'].commit).toBe('e68c2a22ca');
  });

  it('defaults bios as libxl does: seabios for qemu-xen, rombios for qemu-xen-traditional; xend writes no key, so rombios', () => {
    const r = parseRelease('4.19');
    expect(guestFirmware(undefined, 'qemu-xen', 'libxl', r)).toMatchObject({ bios: 'seabios', biosFrom: 'libxl', revision: 'rel-1.16.3' });
    expect(guestFirmware(undefined, 'qemu-xen-traditional', 'libxl', r)).toMatchObject({ bios: 'rombios', biosFrom: 'libxl' });
    expect(guestFirmware('ovmf', 'qemu-xen-traditional', 'xend', r)).toMatchObject({ bios: 'rombios', biosFrom: 'hvmloader' });
    expect(guestFirmware('ovmf', 'qemu-xen', 'libxl', r)).toMatchObject({ bios: 'ovmf', revision: 'ba91d0292e', ovmf: { origin: 'xen', originFrom: 'release', dsc: 'OvmfXen' } });
    expect(guestFirmware('ovmf', 'qemu-xen', 'libxl', parseRelease('4.15'))).toMatchObject({ ovmf: { dsc: 'OvmfPkgX64' } });
  });

  it("computes OVMF's address width as each revision does", () => {
    const scan = ['xen-light-enumeration', 'ram-address-width', 'pci64-address-width', 'root-bridge-scan'] as const;
    // 4 GiB + 28 GiB of RAM, aligned to 32 GiB, plus the 32 GiB aperture: 64 GiB, 36 bits
    expect(ovmfAddressWidth(scan, (4n + 28n) * GIB, 46)).toBe(36);
    expect(ovmfAddressWidth(scan, (4n + 29n) * GIB, 46)).toBe(37);
    // RAM only (2015): 4 GiB + 64 GiB needs 37 bits; before that a fixed 36
    expect(ovmfAddressWidth(['xen-light-enumeration', 'ram-address-width'], (4n + 64n) * GIB, 46)).toBe(37);
    expect(ovmfAddressWidth(['xen-light-enumeration'], (4n + 64n) * GIB, 46)).toBe(36);
    // CPUID from e68c2a22ca, at most 48
    expect(ovmfAddressWidth([...scan, 'cpuid-address-width'], 0n, 52)).toBe(48);
  });
});

describe('a UEFI guest with a 64-bit BAR beyond 36 bits (128 GiB BAR at 128 GiB, 16 GiB of RAM)', () => {
  it('is out of reach for the OVMF of Xen 4.15 (width from RAM: 36 bits), with the fix', () => {
    const c = plan(guest(16384, 'ovmf', '41:00.0'), a100, '4.15.5');
    const f = c.findings.find((x) => x.code === 'ovmf-address-width')!;
    expect(f.message).toMatch(/36 bits \(to 0x1000000000, 64 GiB\)/);
    expect(f.message).toMatch(/04:0 bar 14 \(128 GiB\) at 0x2000000000/);
    expect(f.fix).toMatch(/use Xen 4\.16 or later/);
  });

  it('is fine for the OVMF of Xen 4.16 (CPUID), and for a current Xen-support build on 4.15', () => {
    expect(codes(plan(guest(16384, 'ovmf', '41:00.0'), a100, '4.16'))).not.toContain('ovmf-address-width');
    expect(codes(plan(guest(16384, 'ovmf', '41:00.0'), a100, '4.15', 'xen-support'))).not.toContain('ovmf-address-width');
  });

  it('is fine under SeaBIOS, which keeps the placement, on both releases', () => {
    for (const xen of ['4.15', '4.16']) {
      const c = plan(guest(16384, undefined, '41:00.0'), a100, xen);
      expect(c.firmware).toMatchObject({ bios: 'seabios', biosFrom: 'libxl' });
      expect(c.findings.filter((f) => f.code === 'firmware' || f.code.startsWith('ovmf'))).toEqual([
        { severity: 'note', code: 'firmware', message: `SeaBIOS (libxl's default for qemu-xen), rel-1.14.0 in Xen ${parseRelease(xen).text}'s build, keeps hvmloader's placement: on Xen it only reads the BARs` },
      ]);
    }
  });
});

describe('a UEFI guest with a BAR above 4 GiB (a GPU whose 256 MiB BAR is relocated)', () => {
  it('on 4.6 and 4.7: OVMF reaches only 2-4 GiB, so its drivers cannot use the BAR', () => {
    for (const xen of ['4.6', '4.7']) {
      const f = plan(guest(8192, 'ovmf', '0b:00.0'), rtx, xen).findings.find((x) => x.code === 'ovmf-fixed-aperture')!;
      expect(f.message).toMatch(/bar 14 \(256 MiB\) at 0x210000000/);
      expect(f.fix).toMatch(/use Xen 4\.8 or later/);
    }
  });

  it('on 4.8 the root-bridge scan covers it, but its 64-bit BAR below 4 GiB drops the root bridge until 4.13', () => {
    for (const xen of ['4.8', '4.12']) {
      const c = plan(guest(8192, 'ovmf', '0b:00.0'), rtx, xen);
      expect(codes(c)).not.toContain('ovmf-fixed-aperture');
      const f = c.findings.find((x) => x.code === 'ovmf-root-bridge-dropped')!;
      expect([f.severity, c.outcome]).toEqual(['fatal', 'fails']); // UEFI has no disk to boot from
      expect(f.message).toMatch(/64-bit 04:0 bar 1c \(32 MiB\) at 0xf0000000/);
      expect(f.fix).toMatch(/use Xen 4\.13 or later/);
    }
    expect(codes(plan(guest(8192, 'ovmf', '0b:00.0'), rtx, '4.13'))).not.toContain('ovmf-root-bridge-dropped');
  });

  it('an emulated xHCI (usbversion = 3) has a 64-bit BAR below 4 GiB too: the root bridge goes without any passthrough', () => {
    const g = readXlGuest('type = "hvm"\nmemory = 4096\nbios = "ovmf"\nusbversion = 3\n', 'guest.cfg');
    const on = (xen: string) => planGuest(g, new Map(), { xen: [xen], deviceModels: ['qemu-xen'] }).cases[0].findings.find((f) => f.code === 'ovmf-root-bridge-dropped');
    expect(on('4.12')?.message).toMatch(/64-bit .* bar 10 \(16 KiB\)/);
    expect(on('4.13')).toBeUndefined();
  });

  it('under SeaBIOS on 4.6: only the note that the firmware keeps the placement', () => {
    const c = plan(guest(8192, 'seabios', '0b:00.0'), rtx, '4.6');
    expect(c.firmware).toMatchObject({ bios: 'seabios', biosFrom: 'config', revision: 'rel-1.8.2' });
    expect(codes(c).filter((x) => x === 'firmware' || x.startsWith('ovmf'))).toEqual(['firmware']);
  });

  it('says --ovmf does nothing for a SeaBIOS guest', () => {
    const note = plan(guest(8192, undefined, '0b:00.0'), rtx, '4.19', 'no-xen-support').findings.find((x) => x.code === 'firmware')!;
    expect(note.message).toMatch(/^SeaBIOS .*\(--ovmf applies only to bios = "ovmf"\)$/);
  });

  it("says OVMF does not run the GPU's UEFI option ROM", () => {
    const f = plan(guest(8192, 'ovmf', '0b:00.0'), rtx, '4.19').findings.find((x) => x.code === 'ovmf-option-rom-not-run')!;
    expect(f.message).toMatch(/GA102 .*\(04:0\).*the emulated stdvga/);
  });
});

describe('interleaved prefetchable and non-prefetchable BARs (before 27e4d6ae25)', () => {
  // a 32 MiB non-prefetchable BAR goes first, the 16 MiB prefetchable VGA and
  // platform BARs next, then small non-prefetchable ones: the spans overlap
  const nic = { bdf: '05:00.0', functions: [{ bdf: '05:00.0', vendorId: 0x8086, deviceId: 0x1572, classCode: 0x0200, interruptPin: 1, bars: [{ index: 0, type: 'mem32' as const, prefetchable: false, size: 32n << 20n }] }] };
  it('makes overlapping apertures on 4.12, not on 4.13', () => {
    const f = plan(guest(4096, 'ovmf', '05:00.0'), nic, '4.12').findings.find((x) => x.code === 'ovmf-overlapping-apertures')!;
    expect(f.message).toMatch(/32-bit non-prefetchable 0xf0000000-0x[0-9a-f]+, prefetchable 0xf2000000-0xf3ffffff/);
    expect(codes(plan(guest(4096, 'ovmf', '05:00.0'), nic, '4.13'))).not.toContain('ovmf-overlapping-apertures');
  });
});

describe('OVMF that assigns BARs itself', () => {
  it("Xen 4.3's OVMF predates the Xen path and reassigns every BAR; 4.4's keeps them", () => {
    const f = plan(guest(8192, 'ovmf', '0b:00.0'), rtx, '4.3').findings.find((x) => x.code === 'ovmf-reassigns-bars')!;
    expect(f.message).toMatch(/edk2 b0855f925c.*not what the guest gets, and 04:0 bar 14 \(256 MiB\) at 0x210000000 has no room there/);
    expect(codes(plan(guest(8192, 'ovmf', '0b:00.0'), rtx, '4.4'))).not.toContain('ovmf-reassigns-bars');
  });

  it('an OVMF without Xen support: the placement shown is not what the guest gets', () => {
    const c = plan(guest(8192, 'ovmf', '0b:00.0'), rtx, '4.19', 'no-xen-support');
    expect(c.firmware?.ovmf).toEqual({ origin: 'no-xen-support', originFrom: 'option' });
    expect(codes(c).filter((x) => x === 'firmware' || x.startsWith('ovmf'))).toEqual(['ovmf-reassigns-bars']);
  });
});

describe('bios_path_override', () => {
  it('warns that the binary is not the release\'s own unless --ovmf says what it is (xl reads the key from 4.8)', () => {
    const g = readXlGuest(`type = "hvm"\nmemory = 4096\nbios = "ovmf"\nbios_path_override = "/usr/share/OVMF/OVMF_CODE.fd"\n`, 'guest.cfg');
    const on = (xen: string, ovmf?: 'xen-support') => planGuest(g, new Map(), { xen: [xen], deviceModels: ['qemu-xen'], ovmf }).cases[0].findings.map((f) => f.code);
    expect(on('4.19')).toContain('ovmf-origin-unknown');
    expect(on('4.19', 'xen-support')).not.toContain('ovmf-origin-unknown');
    expect(on('4.7')).not.toContain('ovmf-origin-unknown');
  });
});

describe('through the CLI', () => {
  const cfg = join(root, 'scenarios/guests/uefi-a100.cfg');
  const pci = `--pci=41:00.0=${join(root, 'scenarios/devices/a100-80gb.lspci')}`;
  const bits = ['--phys-addr-bits', '46'];
  it('prints the firmware, the default origin and the address-width finding', async () => {
    const r = await runCli(['plan', cfg, pci, ...bits, '--xen', '4.15,4.16', '--no-log']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/note OVMF of Xen 4\.15\.0 \(edk2 a3741780fe\), the release's own build \(--ovmf names another\)/);
    expect(r.stdout).toMatch(/WARN OVMF of Xen 4\.15\.0 \(edk2 a3741780fe\), before e68c2a22ca, sizes the address space from RAM/);
    expect(r.stdout.match(/before e68c2a22ca/g)).toHaveLength(1); // 4.16's OVMF takes the width from CPUID
  });

  it('the README example prints what the README shows', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('$ npx mmio-planner plan scenarios/guests/uefi-a100.cfg')).split('```')[0];
    expect(block.split('\n')[1].trim()).toBe('--phys-addr-bits 46 --xen 4.15.5,4.16 --no-log');
    const shown = block.split('\n').slice(2).filter((l) => l.trim() && l.trim() !== '...');
    const r = await runCli(['plan', cfg, pci, ...bits, '--xen', '4.15.5,4.16', '--no-log']);
    expect(shown.length).toBeGreaterThan(8);
    // each line as printed, in the order printed
    const printed = r.stdout.split('\n');
    let from = 0;
    for (const line of shown) {
      const i = printed.indexOf(line, from);
      expect(i, line).toBeGreaterThanOrEqual(0);
      from = i + 1;
    }
  });

  it('explain shows the firmware after hvmloader for a guest, in text and JSON', async () => {
    const text = await runCli(['explain', cfg, pci, ...bits, '--xen', '4.15']);
    expect(text.stdout).toMatch(/The firmware after hvmloader:\n  - OVMF of Xen 4\.15\.0 \(edk2 a3741780fe\)/);
    expect(text.stdout).toMatch(/- OVMF of Xen 4\.15\.0 \(edk2 a3741780fe\), before e68c2a22ca/);
    const json = JSON.parse((await runCli(['explain', cfg, pci, ...bits, '--xen', '4.16', '--json'])).stdout);
    expect(json.cases[0].firmware).toMatchObject({ bios: 'ovmf', revision: '7b4a99be8a', ovmf: { origin: 'xen', dsc: 'OvmfXen' } });
    expect(json.cases[0].firmware.findings.map((f: { code: string }) => f.code)).toEqual(['firmware']);
  });

  it('takes --ovmf, and refuses an unknown origin with exit 2 and nothing on stdout', async () => {
    const ok = await runCli(['plan', cfg, pci, '--xen', '4.15', '--ovmf', 'no-xen-support', '--json']);
    expect(JSON.parse(ok.stdout).cases[0].findings.map((f: { code: string }) => f.code)).toContain('ovmf-reassigns-bars');
    const bad = await runCli(['plan', cfg, pci, '--ovmf', 'distro']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--ovmf.*xen, xen-support, no-xen-support/);
  });
});
