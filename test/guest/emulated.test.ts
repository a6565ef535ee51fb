// The emulated functions as each Xen release's device model builds them:
// slot order, framebuffer and ROM sizes that changed with the QEMU a release
// pins (docs/research/emulated-devices.md), and what libxl does with vga and
// videoram per release.
import { describe, expect, it } from 'vitest';
import { readXlGuest } from '../../src/guest/config.js';
import { emulatedFunctions, type VgaKind } from '../../src/guest/emulated.js';
import { platformParams } from '../../src/guest/libxl.js';
import { readFileSync } from 'node:fs';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest } from '../../src/guest/plan.js';
import { parseRelease } from '../../src/guest/releases.js';

const guest = (extra = '') => readXlGuest(`type = "hvm"\nmemory = 2048\n${extra}`, 'guest.cfg');
const layout = (xen: string, dm: 'qemu-xen' | 'qemu-xen-traditional', vga: VgaKind, videoram: number, extra = '') =>
  emulatedFunctions(guest(extra), dm, parseRelease(xen), vga, videoram).functions;
const slots = (fns: ReturnType<typeof layout>) => fns.filter((f) => f.slot >= 2).map((f) => `${f.slot}.${f.function} ${f.label}`);
const barsOf = (fns: ReturnType<typeof layout>, label: string) =>
  fns.find((f) => f.label.startsWith(label))!.bars.map((b) => `${b.index === 6 ? 'rom' : b.index}:${b.size.toString(16)}`);

describe('qemu-xen by release', () => {
  it('Xen 4.2 and 4.3 build the VGA before the platform device (QEMU 1.0/1.3 -vga)', () => {
    for (const xen of ['4.2', '4.3.4']) {
      expect(slots(layout(xen, 'qemu-xen', 'cirrus', 8, "vif = ['model=e1000']"))).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device', '4.0 e1000 NIC (vif 0)']);
    }
    expect(slots(layout('4.4', 'qemu-xen', 'cirrus', 8))).toEqual(['2.0 Xen platform device', '3.0 Cirrus VGA']);
  });

  it('sizes the std VGA framebuffer as that release does', () => {
    const fb = (xen: string, videoram: number) => barsOf(layout(xen, 'qemu-xen', 'stdvga', videoram), 'std VGA');
    expect(fb('4.2', 32)).toEqual(['0:800000', 'rom:10000']); // QEMU 1.0: fixed 8 MiB, no mmio BAR
    expect(fb('4.3', 32)).toEqual(['0:1000000', '2:1000', 'rom:10000']); // QEMU 1.3: 16 MiB default
    expect(fb('4.4', 32)).toEqual(['0:1000000', '2:1000', 'rom:10000']); // no vgamem_mb passed yet
    expect(fb('4.5', 24)[0]).toBe('0:2000000'); // vgamem_mb=24 rounded up to 32 MiB
    expect(fb('4.6', 400)[0]).toBe('0:10000000'); // QEMU 2.2 caps at 256 MiB
    expect(fb('4.19', 400)[0]).toBe('0:20000000'); // later QEMU caps at 512 MiB
  });

  it('gives NIC ROM BARs from the ROM files each QEMU shipped', () => {
    const nic = (xen: string, model: string) => barsOf(layout(xen, 'qemu-xen', 'cirrus', 8, `vif = ['model=${model}']`), model);
    expect(nic('4.2', 'e1000')).toContain('rom:20000'); // pxe-e1000.rom 67072 B
    expect(nic('4.2', 'rtl8139')).toContain('rom:10000'); // pxe-rtl8139.rom 61440 B
    expect(nic('4.2', 'ne2k_pci')).toEqual(['0:100']); // QEMU 1.0 loads it through fw_cfg
    expect(nic('4.3', 'ne2k_pci')).toEqual(['0:100', 'rom:10000']);
    expect(nic('4.4', 'e1000')).toContain('rom:40000'); // efi-e1000.rom
    expect(nic('4.19', 'pcnet')).toEqual(['0:20', '1:20', 'rom:40000']);
  });

  it('keeps the platform device before 4.4 even with xen_platform_pci = 0', () => {
    expect(slots(layout('4.3', 'qemu-xen', 'cirrus', 8, 'xen_platform_pci = 0'))).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device']);
    expect(slots(layout('4.19', 'qemu-xen', 'cirrus', 8, 'xen_platform_pci = 0'))).toEqual(['2.0 Cirrus VGA']);
  });
});

describe('qemu-xen-traditional std VGA', () => {
  it('uses videoram as the framebuffer BAR, capped at 16 MiB, with no mmio or ROM BAR', () => {
    expect(barsOf(layout('4.19', 'qemu-xen-traditional', 'stdvga', 8), 'std VGA')).toEqual(['0:800000']);
    expect(barsOf(layout('4.19', 'qemu-xen-traditional', 'stdvga', 64), 'std VGA')).toEqual(['0:1000000']);
  });

  it('a videoram that is not a power of two reads back as a mask hvmloader sizes by its lowest bit', () => {
    const plan = planGuest(guest("vga = 'stdvga'\nvideoram = 12"), new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] });
    const bar = plan.cases[0].result!.bars.find((b) => b.slot === 2 && b.reg === '0x10')!;
    expect(bar.size).toBe('0x400000'); // 12 MiB register -> writable bits 0xff400000 -> 4 MiB
  });

  it('warns that such a framebuffer decodes past what hvmloader reserved, naming the BARs it covers', () => {
    const c = planGuest(guest("vga = 'stdvga'\nvideoram = 12\nvif = ['model=e1000']"), new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] }).cases[0];
    const f = c.findings.find((x) => x.code === 'stdvga-overlap')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/sizes the std VGA framebuffer as 4 MiB .* decodes 12 MiB, from 0xf1000000 to 0xf1bfffff, over 04:0 bar 10 \(128 KiB\)/);
    expect(f.fix).toMatch(/power of two/);
    const fine = planGuest(guest("vga = 'stdvga'\nvideoram = 16\nvif = ['model=e1000']"), new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] }).cases[0];
    expect(fine.findings.map((x) => x.code)).not.toContain('stdvga-overlap');
  });

  it('the BAR keeps only the bits of ~(size - 1), so the card can sit below where hvmloader wrote it', () => {
    // platform 16 MiB at 0xf0000000, a passed-through 8 MiB BAR at 0xf1000000, the
    // VGA sized 4 MiB at 0xf1800000: 0xf1800000 & 0xff400000 = 0xf1000000
    const dev = { bdf: '05:00.0', functions: [{ bdf: '05:00.0', vendorId: 0x1234, deviceId: 0x5678, classCode: 0x0280, interruptPin: 1, bars: [{ index: 0, type: 'mem32' as const, prefetchable: false, size: 8n << 20n }] }] };
    const c = planGuest(guest("vga = 'stdvga'\nvideoram = 12\npci = ['05:00.0']"), indexDevices([dev]), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] }).cases[0];
    const f = c.findings.find((x) => x.code === 'stdvga-overlap')!;
    expect(f.message).toMatch(/from 0xf1000000 \(hvmloader wrote 0xf1800000; the BAR keeps only the bits of ~\(size - 1\)\) to 0xf1bfffff, over 04:0 bar 10 \(8 MiB\)/);
  });

  it('notes that videoram above 16 MiB is taken from RAM but unused', () => {
    const c = planGuest(guest("vga = 'stdvga'\nvideoram = 64"), new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] }).cases[0];
    expect(c.findings.find((x) => x.code === 'videoram-unused')).toMatchObject({ fix: 'set videoram = 16' });
  });
});

describe('vga and videoram as each libxl reads them', () => {
  const params = (extra: string, xen: string, dm: 'qemu-xen' | 'qemu-xen-traditional' = 'qemu-xen') => platformParams(guest(extra), dm, parseRelease(xen), 'libxl');

  it('xl 4.2 reads only stdvga, so vga = "stdvga" is ignored there; xl 4.3 reads vga (edb15bf83c)', () => {
    expect(params("vga = 'stdvga'", '4.2.5')).toMatchObject({ vga: 'cirrus', videoramMiB: 8 });
    expect(params("vga = 'stdvga'", '4.2.5').ignored[0]).toMatch(/not read by xl before 4.3/);
    expect(params("vga = 'stdvga'", '4.3.0')).toMatchObject({ vga: 'stdvga', videoramMiB: 16, ignored: [] });
    expect(params("vga = 'none'", '4.3.0').refusals[0]).toMatch(/needs Xen 4.5 or later; xl 4.3.0 exits with "Unknown vga"/);
    expect(params('stdvga = 1', '4.3')).toMatchObject({ vga: 'stdvga', videoramMiB: 16 });
    expect(params('stdvga = 1', '4.2')).toMatchObject({ vga: 'stdvga', videoramMiB: 8 });
  });

  it('refuses vga kinds the release does not know', () => {
    expect(params("vga = 'none'", '4.4').refusals[0]).toMatch(/needs Xen 4.5/);
    expect(params("vga = 'qxl'", '4.5').refusals[0]).toMatch(/needs Xen 4.6/);
    expect(params("vga = 'none'", '4.5').refusals).toEqual([]);
  });

  it('sizes QXL from half of videoram each for its RAM and VRAM BARs, RAM at least 32 MiB', () => {
    const qxl = (videoram: number) => barsOf(layout('4.19', 'qemu-xen', 'qxl', videoram), 'QXL');
    expect(qxl(128)).toEqual(['0:4000000', '1:4000000', '2:2000', '3:20', 'rom:10000']);
    expect(qxl(130)).toEqual(['0:8000000', '1:8000000', '2:2000', '3:20', 'rom:10000']); // 65 MiB rounds up to 128
    expect(qxl(40)[0]).toBe('0:2000000'); // twice the 16 MiB vgamem
  });

  it('refuses a cirrus videoram qemu-xen cannot start with, from 4.5', () => {
    expect(params('videoram = 32', '4.19').refusals[0]).toMatch(/only 8 or 16 MiB/);
    expect(params('videoram = 16', '4.19').refusals).toEqual([]);
    expect(params('videoram = 32', '4.4').refusals).toEqual([]); // 4.4 does not pass vgamem_mb
  });

  it('takes the asked videoram from RAM for traditional cirrus although the card ignores it', () => {
    const p = params('videoram = 16', '4.19', 'qemu-xen-traditional');
    expect(p.videoramMiB).toBe(16);
    expect(p.lowMemEnd).toBe((2048n - 16n) << 20n);
    expect(p.ignored[0]).toMatch(/still takes 16 MiB/);
  });
});

describe('SCSI controller for sd* disks', () => {
  const disk = "disk = [ '/dev/vg/guest,raw,sda,rw', '/root/install.iso,,hdc,cdrom' ]";
  it('qemu-xen puts it where each release creates it', () => {
    expect(slots(layout('4.3', 'qemu-xen', 'cirrus', 8, disk))).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device', '4.0 LSI 53C895A SCSI']);
    expect(slots(layout('4.10', 'qemu-xen', 'cirrus', 8, disk))).toEqual(['2.0 LSI 53C895A SCSI', '3.0 Xen platform device', '4.0 Cirrus VGA']);
    expect(slots(layout('4.11', 'qemu-xen', 'cirrus', 8, disk))).toEqual(['2.0 Xen platform device', '3.0 LSI 53C895A SCSI', '4.0 Cirrus VGA']);
  });

  it('needs a non-CD-ROM sd disk under qemu-xen; traditional takes any sdX', () => {
    const cd = "disk = [ '/root/install.iso,,sdb,cdrom', 'phy:/dev/vg/guest,hda,w' ]";
    expect(slots(layout('4.19', 'qemu-xen', 'cirrus', 8, cd))).toEqual(['2.0 Xen platform device', '3.0 Cirrus VGA']);
    expect(slots(layout('4.19', 'qemu-xen-traditional', 'cirrus', 4, `${cd}\nvif = ['bridge=xenbr0']`))).toEqual([
      '2.0 Cirrus VGA', '3.0 Xen platform device', '4.0 rtl8139 NIC (vif 0)', '5.0 LSI 53C895A SCSI',
    ]);
  });

  it('reads disk specs as xl does, and refuses what xl refuses', () => {
    const g = guest("disk = [ 'format=raw, vdev=sda, access=rw, target=/dev/vg/a,b', 'raw:/img,hdc:cdrom,ro', ',,hdd,devtype=cdrom' ]");
    expect(g.disks.map((d) => `${d.vdev}${d.cdrom ? ':cdrom' : ''}`)).toEqual(['sda', 'hdc:cdrom', 'hdd:cdrom']);
    expect(() => guest("disk = [ '/dev/vg/a,sda' ]")).toThrow(/guest.cfg:3:8 disk: item 1 "\/dev\/vg\/a,sda": "sda" is not a disk format/);
    expect(() => guest("disk = [ '/dev/vg/a,,sda,w,extra' ]")).toThrow(/too many positional parameters/);
    expect(() => guest("disk = [ 'vdev=sda,bogus=1,target=/x' ]")).toThrow(/unknown parameter "bogus"/);
  });
});

describe('USB controllers of usbversion (qemu-xen, from 4.4)', () => {
  it('puts UHCI and xHCI in the next free slot after the VGA, before the NICs', () => {
    expect(slots(layout('4.19', 'qemu-xen', 'cirrus', 8, "usbversion = 3\nvif = ['model=e1000']"))).toEqual([
      '2.0 Xen platform device', '3.0 Cirrus VGA', '4.0 NEC USB 3.0 (xHCI)', '5.0 e1000 NIC (vif 0)',
    ]);
    expect(barsOf(layout('4.19', 'qemu-xen', 'cirrus', 8, 'usbversion = 3'), 'NEC')).toEqual(['0:4000']);
    expect(slots(layout('4.19', 'qemu-xen', 'cirrus', 8, 'usbversion = 1'))).toContain('4.0 PIIX3 USB (UHCI)');
  });

  it('puts the ICH9 EHCI set at 1d.0-1d.2 and 1d.7, leaving the slot order alone', () => {
    expect(slots(layout('4.19', 'qemu-xen', 'cirrus', 8, "usbversion = 2\nvif = ['bridge=xenbr0']"))).toEqual([
      '2.0 Xen platform device', '3.0 Cirrus VGA', '29.0 ICH9 USB (UHCI 1)', '29.1 ICH9 USB (UHCI 2)', '29.2 ICH9 USB (UHCI 3)', '29.7 ICH9 USB 2.0 (EHCI)', '4.0 rtl8139 NIC (vif 0)',
    ]);
  });

  it('is ignored when usb = 1, before 4.4 and by qemu-xen-traditional', () => {
    for (const [xen, dm, extra] of [['4.19', 'qemu-xen', 'usb = 1'], ['4.3', 'qemu-xen', ''], ['4.19', 'qemu-xen-traditional', '']] as const) {
      expect(layout(xen, dm, 'cirrus', 8, `usbversion = 3\n${extra}`).some((f) => f.label.startsWith('NEC'))).toBe(false);
    }
  });

  it('refuses a usbversion xl does not accept', () => {
    expect(() => guest('usbversion = 4')).toThrow(/usbversion: 4 is out of range; usbversion is 1 \(UHCI\), 2 \(EHCI\) or 3 \(xHCI\)/);
  });
});

describe('usbctrl controllers libxl hot-adds (qemu-xen, from 4.8)', () => {
  const usbctrl = (xen: string, spec: string, dm: 'qemu-xen' | 'qemu-xen-traditional' = 'qemu-xen') =>
    emulatedFunctions(guest(`vif = ['model=e1000']\nusbctrl = [${spec}]`), dm, parseRelease(xen), 'cirrus', 8);

  it('adds them after the NICs, in config order, version 2 (EHCI) by default', () => {
    const l = usbctrl('4.19', "'type=devicemodel,version=3', 'version=1', 'type=auto'");
    expect(slots(l.functions)).toEqual([
      '2.0 Xen platform device', '3.0 Cirrus VGA', '4.0 e1000 NIC (vif 0)',
      '5.0 NEC USB 3.0 (xHCI) (usbctrl)', '6.0 PIIX3 USB (UHCI) (usbctrl)', '7.0 ICH4 USB 2.0 (EHCI) (usbctrl)',
    ]);
    expect(barsOf(l.functions, 'ICH4')).toEqual(['0:1000']);
    expect(l.usbctrl.refusals).toEqual([]);
  });

  it('passes through devices after them', () => {
    const gpu = { bdf: '0b:00.0', functions: parseLspci(readFileSync(new URL('../../scenarios/devices/geforce-rtx3090.lspci', import.meta.url), 'utf8')) };
    const cfg = guest("usbctrl = ['version=3']\npci = ['0b:00.0']\n");
    const c = planGuest(cfg, indexDevices([gpu]), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0];
    expect(c.devices.map((d) => `${d.slot}:${d.label.split(' [')[0]}`)).toContain('4:NEC USB 3.0 (xHCI) (usbctrl)');
    expect(c.devices.find((d) => d.passthrough)?.slot).toBe(5);
  });

  it('PV controllers add no function; before 4.7 the key is ignored', () => {
    expect(usbctrl('4.19', "'type=pv'").functions.some((f) => f.label.includes('usbctrl'))).toBe(false);
    expect(usbctrl('4.6', "'type=devicemodel'").usbctrl.notes.join()).toMatch(/needs Xen 4.7/);
  });

  it('fails where libxl fails: 4.7, qemu-xen-traditional, bad versions and ports', () => {
    expect(usbctrl('4.7', "'type=auto'").usbctrl.refusals[0].message).toMatch(/Unsupported USB controller type/);
    expect(usbctrl('4.19', "'version=2'", 'qemu-xen-traditional').usbctrl.refusals[0].message).toMatch(/QMP/);
    expect(usbctrl('4.19', "'version=4'").usbctrl.refusals[0]).toMatchObject({ message: expect.stringMatching(/Illegal USB version/), fix: expect.stringMatching(/version=1/) });
    expect(usbctrl('4.19', "'version=2,ports=4'").usbctrl.refusals[0].fix).toMatch(/EHCI always has 6/);
    expect(usbctrl('4.19', "'version=3,ports=15'").usbctrl.refusals).toEqual([]);
  });

  it('refuses what xl refuses, naming the item', () => {
    expect(() => guest("usbctrl = ['type=ehci']")).toThrow(/usbctrl: item 1: type="ehci" is not a USB controller type; use auto, pv, devicemodel or qusb/);
    expect(() => guest("usbctrl = ['version=2,speed=high']")).toThrow(/usbctrl: item 1: unknown option "speed"/);
  });
});

describe('sound cards, AHCI and the XenServer PV device', () => {
  const sl = (xen: string, extra: string, dm: 'qemu-xen' | 'qemu-xen-traditional' = 'qemu-xen') => slots(layout(xen, dm, 'cirrus', 8, `vif = ['model=e1000']\n${extra}`));

  it('-soundhw cards come with the machine, before every -device (4.4-4.16)', () => {
    expect(sl('4.14', "soundhw = 'hda'\ndisk = ['/d.img,raw,sda,rw']")).toEqual([
      '2.0 Xen platform device', '3.0 Intel HD audio', '4.0 LSI 53C895A SCSI', '5.0 Cirrus VGA', '6.0 e1000 NIC (vif 0)',
    ]);
    expect(sl('4.8', "soundhw = 'ac97'\ndisk = ['/d.img,raw,sda,rw']")).toEqual([
      '2.0 LSI 53C895A SCSI', '3.0 Xen platform device', '4.0 AC97 audio', '5.0 Cirrus VGA', '6.0 e1000 NIC (vif 0)',
    ]);
    expect(sl('4.3', "soundhw = 'es1370'")).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device', '4.0 ES1370 audio', '5.0 e1000 NIC (vif 0)']);
  });

  it('from 4.17 one -device after the VGA and usbversion controller, before the NICs', () => {
    expect(sl('4.17', "soundhw = 'hda'\nusbversion = 3")).toEqual([
      '2.0 Xen platform device', '3.0 Cirrus VGA', '4.0 NEC USB 3.0 (xHCI)', '5.0 Intel HD audio', '6.0 e1000 NIC (vif 0)',
    ]);
    expect(barsOf(layout('4.19', 'qemu-xen', 'cirrus', 8, "soundhw = 'hda'"), 'Intel HD')).toEqual(['0:4000']);
  });

  it('ISA cards add no function; qemu-xen-traditional puts PCI cards after the NICs and has no hda', () => {
    expect(sl('4.19', "soundhw = 'sb16'")).toEqual(['2.0 Xen platform device', '3.0 Cirrus VGA', '4.0 e1000 NIC (vif 0)']);
    expect(sl('4.14', "soundhw = 'ac97'", 'qemu-xen-traditional')).toEqual(['2.0 Cirrus VGA', '3.0 Xen platform device', '4.0 e1000 NIC (vif 0)', '5.0 AC97 audio']);
    const l = emulatedFunctions(guest("soundhw = 'hda'"), 'qemu-xen-traditional', parseRelease('4.14'), 'cirrus', 4);
    expect(l.sound.refusal?.message).toMatch(/no sound card "hda" and exits/);
  });

  it('refuses what libxl 4.17+ refuses: a list, or a name it does not know', () => {
    const refusal = (xen: string, s: string) => emulatedFunctions(guest(`soundhw = '${s}'`), 'qemu-xen', parseRelease(xen), 'cirrus', 8).sound.refusal;
    expect(refusal('4.17', 'ac97,hda')?.message).toMatch(/Unknown soundhw option/);
    expect(refusal('4.16', 'ac97,hda')).toBeUndefined();
    expect(refusal('4.19', 'pcspk')?.fix).toMatch(/one card/);
  });

  it('AHCI (from 4.6) and the XenServer PV device (from 4.4) follow the NICs, in that order', () => {
    const l = layout('4.19', 'qemu-xen', 'cirrus', 8, "vif = ['model=e1000']\nhdtype = 'ahci'\nvendor_device = 'xenserver'");
    expect(slots(l)).toEqual(['2.0 Xen platform device', '3.0 Cirrus VGA', '4.0 e1000 NIC (vif 0)', '5.0 ICH9 AHCI', '6.0 XenServer PV device']);
    expect(barsOf(l, 'ICH9 AHCI')).toEqual(['4:20', '5:1000']);
    expect(barsOf(l, 'XenServer')).toEqual(['1:400000']);
    expect(slots(layout('4.5', 'qemu-xen', 'cirrus', 8, "hdtype = 'ahci'"))).not.toContain('4.0 ICH9 AHCI');
    const early = planGuest(guest("hdtype = 'ahci'\nvendor_device = 'xenserver'"), new Map(), { xen: ['4.3'], deviceModels: ['qemu-xen'] }).cases[0];
    expect(early.findings.filter((f) => f.code === 'ignored-option').map((f) => f.message)).toEqual([
      'hdtype = "ahci" needs Xen 4.6 or later; xl 4.3.0 ignores it and the disks stay on IDE',
      'vendor_device needs Xen 4.4 or later; xl 4.3.0 ignores it',
    ]);
  });

  it('a plan of an ordinary guest has no findings but the note naming its firmware', () => {
    expect(planGuest(guest(''), new Map(), { xen: ['4.19'] }).cases.flatMap((c) => c.findings.map((f) => f.code))).toEqual(['firmware', 'firmware']);
  });
});

describe('qemu-xen-traditional with gfx_passthru', () => {
  const igd = { bdf: '00:02.0', functions: parseLspci(readFileSync(new URL('../../scenarios/devices/intel-igd.lspci', import.meta.url), 'utf8')) };
  // the bundled NVMe's lspci is for 01:00.0; here the same device sits at 03:00.0 on the host
  const nvmeText = readFileSync(new URL('../../scenarios/devices/nvme-ssd.lspci', import.meta.url), 'utf8').replace(/^01:00\.0/m, '03:00.0');
  const nvme = { bdf: '03:00.0', functions: parseLspci(nvmeText) };
  it('has no emulated VGA, keeps 02.0 for the host IGD and gives other devices the slots after', () => {
    const g = guest("gfx_passthru = 1\nvga = 'stdvga'\nvif = ['bridge=xenbr0']\npci = [ '03:00.0', '00:02.0' ]");
    const [c] = planGuest(g, indexDevices([igd, nvme]), { xen: ['4.19'], deviceModels: ['qemu-xen-traditional'] }).cases;
    expect(c.devices.map((d) => `${d.slot}.${d.function} ${d.hostBdf ?? d.label}`)).toEqual([
      '1.1 PIIX3 IDE', '3.0 Xen platform device', '4.0 rtl8139 NIC (vif 0)', '5.0 0000:03:00.0', '2.0 0000:00:02.0',
    ]);
  });
});

describe('firmware each device model takes', () => {
  const refusals = (extra: string, dm: 'qemu-xen' | 'qemu-xen-traditional') => platformParams(guest(extra), dm, parseRelease('4.14'), 'libxl').refusals;
  it('refuses ovmf or seabios with qemu-xen-traditional and rombios with qemu-xen, as libxl does', () => {
    expect(refusals("bios = 'ovmf'", 'qemu-xen-traditional')[0]).toMatch(/requires bios=rombios/);
    expect(refusals("bios = 'rombios'", 'qemu-xen')[0]).toMatch(/does not support bios=rombios/);
    expect(refusals("bios = 'ovmf'", 'qemu-xen')).toEqual([]);
    expect(refusals("bios = 'rombios'", 'qemu-xen-traditional')).toEqual([]);
  });
});
