// planGuest: the bus each device model presents, and every consequence and
// check, each on a guest built to show it (and quiet where it must be).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readXlGuest } from '../../src/guest/config.js';
import { emulatedFunctions } from '../../src/guest/emulated.js';
import { platformParams } from '../../src/guest/libxl.js';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest } from '../../src/guest/plan.js';
import { parseRelease } from '../../src/guest/releases.js';

const root = new URL('../../', import.meta.url).pathname;
const device = (file: string, bdf: string) => ({ bdf, functions: parseLspci(readFileSync(join(root, 'scenarios/devices', file), 'utf8')) });
const gpu = device('geforce-rtx3090.lspci', '0b:00.0');
const a100 = device('a100-80gb.lspci', '41:00.0');
const cfg = (extra: string) => readXlGuest(`type = "hvm"\nmemory = 8192\nvga = "stdvga"\n${extra}`, 'guest.cfg');
const codes = (c: { findings: { code: string }[] }) => c.findings.map((f) => f.code);

describe('platform parameters libxl gives hvmloader', () => {
  it('lays RAM out from maxmem less videoram around the 256 MiB hole', () => {
    const p = platformParams(cfg(''), 'qemu-xen', parseRelease('4.19'), 'libxl');
    // 8192 - 16 MiB = 8176 MiB: 3840 MiB below 4 GiB, 4336 MiB above
    expect([p.lowMemEnd, p.highMemEnd]).toEqual([0xf0000000n, 0x20f000000n]);
    expect(p.allowMemoryRelocate).toBe(false);
    expect(p.mmioHoleSize).toBeUndefined();
  });

  it('lowers RAM below 4 GiB for mmio_hole and writes its size', () => {
    const p = platformParams(cfg('mmio_hole = 1024\n'), 'qemu-xen', parseRelease('4.19'), 'libxl');
    expect([p.lowMemEnd, p.mmioHoleSize]).toEqual([0xc0000000n, 0x40000000n]);
  });

  it('allows relocation only for qemu-xen-traditional, and writes nothing before 4.3 or from xend', () => {
    expect(platformParams(cfg(''), 'qemu-xen-traditional', parseRelease('4.19'), 'libxl').allowMemoryRelocate).toBe(true);
    expect(platformParams(cfg(''), 'qemu-xen', parseRelease('4.2'), 'libxl').allowMemoryRelocate).toBeUndefined();
    expect(platformParams(cfg(''), 'qemu-xen-traditional', parseRelease('4.4'), 'xend').allowMemoryRelocate).toBeUndefined();
  });

  it('writes the key for stub domains only from 4.19, 4.18.1 and 4.17.4', () => {
    const stub = cfg('device_model_stubdomain_override = 1\n');
    expect(platformParams(stub, 'qemu-xen', parseRelease('4.17.3'), 'libxl').allowMemoryRelocate).toBeUndefined();
    expect(platformParams(stub, 'qemu-xen', parseRelease('4.17.4'), 'libxl').allowMemoryRelocate).toBe(false);
    expect(platformParams(stub, 'qemu-xen', parseRelease('4.18.0'), 'libxl').allowMemoryRelocate).toBeUndefined();
    expect(platformParams(stub, 'qemu-xen', parseRelease('4.19'), 'libxl').allowMemoryRelocate).toBe(false);
  });

  it('uses the video RAM defaults libxl applies per device model', () => {
    const plain = readXlGuest('type = "hvm"\nmemory = 2048\n');
    expect(platformParams(plain, 'qemu-xen', parseRelease('4.19'), 'libxl')).toMatchObject({ vga: 'cirrus', videoramMiB: 8 });
    expect(platformParams(plain, 'qemu-xen-traditional', parseRelease('4.19'), 'libxl')).toMatchObject({ vga: 'cirrus', videoramMiB: 4 });
  });
});

describe('emulated functions', () => {
  it('qemu-xen: the platform device at 02.0, VGA at 03.0, NICs after in vif order', () => {
    const g = cfg("vif = ['model=e1000', 'model=rtl8139', 'type=vif']\nusb = 1\n");
    const f = emulatedFunctions(g, 'qemu-xen', parseRelease('4.19'), 'stdvga', 16).functions;
    expect(f.map((x) => `${x.slot}.${x.function} ${x.vendorId.toString(16)}:${x.deviceId.toString(16)}`)).toEqual([
      '0.0 8086:1237', '1.0 8086:7000', '1.1 8086:7010', '1.2 8086:7020', '1.3 8086:7113', '2.0 5853:1', '3.0 1234:1111', '4.0 8086:100e', '5.0 10ec:8139',
    ]);
  });

  it('qemu-xen-traditional: VGA at 02.0, the platform device at 03.0', () => {
    const f = emulatedFunctions(cfg(''), 'qemu-xen-traditional', parseRelease('4.19'), 'cirrus', 4).functions;
    expect(f.filter((x) => x.slot >= 2).map((x) => `${x.slot}.${x.function} ${x.label}`)).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device']);
  });

  it('qemu-xen-traditional: xend, like libxl, inserts passed-through devices after every emulated one', () => {
    // pt_init creates nothing from 4.2 on; xend's pci_device_configure_boot sends pci-ins
    const g = cfg("pci = ['0b:00.0']\nvif = ['bridge=xenbr0']\n");
    for (const toolstack of ['xend', 'libxl'] as const) {
      const plan = planGuest(g, indexDevices([gpu]), { xen: ['4.4'], deviceModels: ['qemu-xen-traditional'], toolstack });
      expect(plan.cases[0].devices.map((d) => `${d.slot}.${d.function} ${d.hostBdf ?? d.label}`)).toEqual([
        '1.1 PIIX3 IDE', '2.0 std VGA', '3.0 Xen platform device', '4.0 rtl8139 NIC (vif 0)', '5.0 0000:0b:00.0',
      ]);
    }
  });

  it('gives qemu-xen ROM BARs that qemu-xen-traditional does not have', () => {
    const g = cfg("vif = ['model=e1000']\n");
    const rom = (dm: 'qemu-xen' | 'qemu-xen-traditional') => emulatedFunctions(g, dm, parseRelease('4.19'), 'stdvga', 16).functions.flatMap((f) => f.bars).filter((b) => b.type === 'rom').length;
    expect(rom('qemu-xen')).toBe(2);
    expect(rom('qemu-xen-traditional')).toBe(0);
  });
});

describe('planGuest consequences and checks', () => {
  it('maps everything for a plain HVM guest: nothing but the note naming its firmware', () => {
    const plan = planGuest(cfg(''), new Map(), { xen: ['4.19'] });
    expect(plan.cases).toHaveLength(2);
    for (const c of plan.cases) expect(codes(c)).toEqual(['firmware']);
  });

  it('reports a GPU relocated above 4 GiB under qemu-xen and RAM moved under qemu-traditional', () => {
    const plan = planGuest(cfg("pci = ['0b:00.0']\n"), indexDevices([gpu]), { xen: ['4.19'] });
    const [xen, trad] = plan.cases;
    expect(xen.devices.find((d) => d.hostBdf)).toMatchObject({ outcome: 'relocated', relocatedBars: ['bar 14 (256 MiB)'] });
    const notes = (c: { findings: { code: string; severity: string }[] }) => c.findings.filter((f) => f.severity !== 'note').map((f) => f.code);
    expect(notes(xen)).toEqual(['device-relocated']);
    expect(codes(xen)).toContain('phys-addr-bits-assumed');
    expect(xen.outcome).toBe('degraded');
    expect(codes(trad)).toContain('ram-relocated');
    expect(trad.outcome).toBe('works');
    // told the host's width, the plan no longer says it assumed one
    const told = planGuest(cfg("pci = ['0b:00.0']\n"), indexDevices([gpu]), { xen: ['4.19'], physAddrBits: 46 }).cases[0];
    expect(codes(told)).toContain('device-relocated');
    expect(codes(told)).not.toContain('phys-addr-bits-assumed');
    expect(codes(xen)).toContain('firmware'); // the note naming SeaBIOS
  });

  it('flags RAM relocation under qemu-xen as fatal where libxl did not yet stop it (4.2)', () => {
    const plan = planGuest(cfg("pci = ['0b:00.0']\n"), indexDevices([gpu]), { xen: ['4.2'], deviceModels: ['qemu-xen'] });
    const f = plan.cases[0].findings.find((x) => x.code === 'ram-relocated-qemu-xen')!;
    expect(f.severity).toBe('fatal');
    expect(f.fix).toMatch(/use Xen 4\.3 or later/);
  });

  it('flags a stub domain before the libxl fix, not after', () => {
    const stub = cfg("pci = ['0b:00.0']\ndevice_model_stubdomain_override = 1\n");
    const before = planGuest(stub, indexDevices([gpu]), { xen: ['4.18.0'], deviceModels: ['qemu-xen'] }).cases[0];
    const after = planGuest(stub, indexDevices([gpu]), { xen: ['4.18.1'], deviceModels: ['qemu-xen'] }).cases[0];
    expect(codes(before)).toContain('ram-relocated-qemu-xen');
    expect(before.findings.find((f) => f.code === 'ram-relocated-qemu-xen')!.fix).toMatch(/Xen 4\.18\.1 or 4\.19\.0 and later/);
    expect(codes(after)).not.toContain('ram-relocated-qemu-xen');
  });

  it('refuses populate-on-demand with passthrough, with libxl\'s words and the fix', () => {
    const pod = cfg("maxmem = 16384\npci = ['0b:00.0']\n");
    const f = planGuest(pod, indexDevices([gpu]), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0].findings.find((x) => x.code === 'pod-with-passthrough')!;
    expect(f.severity).toBe('fatal');
    expect(f.message).toMatch(/IOMMU required for device passthrough but not supported together with PoD/);
    expect(f.fix).toBe('set maxmem = 8192 (or remove maxmem)');
    const old = planGuest(pod, indexDevices([gpu]), { xen: ['4.3'], deviceModels: ['qemu-xen'] }).cases[0].findings.find((x) => x.code === 'pod-with-passthrough')!;
    expect(old.message).toMatch(/corrupts memory or crashes the guest/); // before 4.4 libxl let it start
    expect(old.severity).toBe('fatal');
  });

  it('says when libxl ignores mmio_hole', () => {
    const f = planGuest(cfg('mmio_hole = 1024\n'), new Map(), { xen: ['4.4'], deviceModels: ['qemu-xen'] }).cases[0].findings;
    expect(f.map((x) => x.message)).toContain('mmio_hole needs Xen 4.5 or later; xl 4.4.0 ignores the key');
  });

  it('drops a device whose BARs cannot fit, names the mmio_hole that fixes it, and calls a dropped storage controller fatal', () => {
    // the A100's 128 GiB BAR goes high; with 36 address bits it cannot
    const plan = planGuest(cfg("pci = ['41:00.0']\n"), indexDevices([a100]), { xen: ['4.19'], deviceModels: ['qemu-xen'], physAddrBits: 36 });
    const c = plan.cases[0];
    expect(c.devices.find((d) => d.hostBdf)).toMatchObject({ outcome: 'dropped', droppedBars: ['bar 14 (128 GiB)'] });
    expect(codes(c)).toContain('device-dropped');
  });

  it('refuses sub-page BARs of two passed-through functions sharing a guest page', () => {
    const small = (bdf: string) => ({ bdf, functions: [{ bdf, classCode: 0x0c05, interruptPin: 1, bars: [{ index: 0, type: 'mem32' as const, prefetchable: false, size: 0x100n }] }] });
    const c = planGuest(cfg("pci = ['00:1f.4', '00:1f.5']\n"), indexDevices([small('00:1f.4'), small('00:1f.5')]), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0];
    const f = c.findings.find((x) => x.code === 'shared-page')!;
    expect(f.severity).toBe('fatal');
    expect(f.message).toMatch(/04:0 bar 10 and 05:0 bar 10 share the 4 KiB guest page/); // no vif: passthrough starts at 04.0
  });

  it('notes a 64-bit BAR whose guest and host addresses differ modulo 2 MiB', () => {
    const text = '07:00.0 Processing accelerators [1200]: Acme Accel [1d0f:0001]\n\tInterrupt: pin A routed to IRQ 11\n\tRegion 0: Memory at 3800100000 (64-bit, prefetchable) [size=1G]\n';
    const c = planGuest(cfg("pci = ['07:00.0']\n"), indexDevices([{ bdf: '07:00.0', functions: parseLspci(text) }]), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0];
    expect(c.findings.find((x) => x.code === 'superpage-misaligned')?.message).toMatch(/and 0x3800100000 on the host; they differ by 0x100000 modulo 2 MiB/);
  });

  it('marks qemu-xen-traditional unavailable from Xen 4.21', () => {
    const c = planGuest(cfg(''), new Map(), { xen: ['4.21'], deviceModels: ['qemu-xen-traditional'] }).cases[0];
    expect(c.available).toBe(false);
    expect(c.findings[0].message).toMatch(/no qemu-xen-traditional \(removed in 4\.21\)/);
  });

  it('calls a PV guest unaffected', () => {
    const plan = planGuest(readXlGuest('memory = 2048\n'), new Map());
    expect(plan.cases[0].findings[0].message).toMatch(/PV guest has no hvmloader/);
  });
});

describe('mmio-planner plan', () => {
  const run = runCli;
  const guest = join(root, 'scenarios/guests/win10-gpu-nic.cfg');
  const pci = ['--pci', `0b:00.0=${join(root, 'scenarios/devices/geforce-rtx3090.lspci')}`, '--pci', `3b:00.0=${join(root, 'scenarios/devices/x710-sriov.lspci')}`];

  it('prints each device side by side per device model, the findings and the pci dev lines', async () => {
    const r = await run(['plan', guest, ...pci, '--xen', '4.19', '--device-model', 'qemu-xen,qemu-xen-traditional']);
    expect(r.code).toBe(0); // degraded, not failing: the default --fail-on is fails
    expect(r.stdout).toMatch(/OUTCOME +DEGRADED \(device-relocated\) +works/);
    expect(r.stdout).toMatch(/NVIDIA Corporation GA102 \[GeForce RTX 3090\] \(host 0000:0b:00\.0\) +05:0 relocated bar 14 \(256 MiB\) +05:0 mapped/);
    expect(r.stdout).toContain('    pci dev 05:0 bar 14 size 010000000: 21000000c');
    expect(r.stdout).toMatch(/WARN NVIDIA .* has bar 14 \(256 MiB\) above 4 GiB:\s+its driver must/);
  });

  it('--json and --svg give programs and people the same plan', async () => {
    const svg = join(root, 'build', 'plan-test.svg');
    const r = await run(['plan', guest, ...pci, '--xen', '4.19', '--json', '--svg', svg]);
    const plan = JSON.parse(r.stdout);
    expect(plan.cases[0].result.bars.length).toBeGreaterThan(10);
    expect(readFileSync(svg, 'utf8')).toContain('05:0 bar 14 256 MiB');
  });

  it('refuses a pci entry without a device description, naming the flag to add', async () => {
    const r = await run(['plan', guest, '--xen', '4.19']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pci 0000:0b:00\.0: no description of this device; pass --pci 0000:0b:00\.0=FILE/);
    expect(r.stdout).toBe('');
  });

  it('refuses bad lspci text and bad configs with exit 2', async () => {
    const bad = await run(['plan', guest, '--pci', `0b:00.0=${join(root, 'README.md')}`, '--xen', '4.19']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/README\.md:\d+: expected a device line/);
    const cfgErr = await run(['plan', join(root, 'test/fixtures/lspci/nvme-numeric.txt')]);
    expect(cfgErr.code).toBe(2);
  });
});

