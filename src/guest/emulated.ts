// The virtual PCI functions each device model presents on bus 0, in the
// order it creates them (which decides their slots), with their BARs, per
// Xen release. docs/research/emulated-devices.md has the long form of every
// fact here; the short citations name the tree and tag read:
//   QX@tag  qemu-xen (xenbits qemu-xen.git, the QEMU each Xen release pins)
//   QT@tag  qemu-xen-traditional
//   X@tag   xen.git (libxl)
//
// Both device models put a function created "anywhere" in the first slot
// whose function 0 is free (QX hw/pci/pci.c do_pci_register_device, QT
// hw/pci.c pci_register_device), so a slot is the creation order.
//  - 00.0 i440FX 8086:1237, 01.0 PIIX3 8086:7000, 01.1 IDE 8086:7010 (BAR4,
//    16 ports), 01.2 UHCI 8086:7020 (BAR4, 32 ports, INTD) with usb=1,
//    01.3 PIIX4 PM 8086:7113 (INTA, no standard BARs): QX hw/pci-host/piix.c,
//    hw/ide/piix.c, hw/usb/hcd-uhci.c, hw/acpi/piix4.c; QT hw/piix_pci.c,
//    hw/ide.c, hw/usb-uhci.c, hw/piix4acpi.c.
//  - Xen platform device 5853:0001: 256 ports and 16 MiB prefetchable MMIO,
//    INTA (QX hw/i386/xen/xen_platform.c, QT hw/xen_platform.c).
//  - qemu-xen on Xen 4.2/4.3 (QEMU 1.0/1.3): libxl passes `-vga`, so the
//    machine builds the VGA at 02.0 and the platform device right after it
//    (QX@qemu-xen-4.2.0 hw/pc_piix.c l.171-175). From Xen 4.4 libxl passes
//    the VGA as `-device` (X 74914a4b9d), which comes after the machine's own
//    platform device: platform 02.0, VGA 03.0 (QX@qemu-xen-4.4.0
//    hw/i386/pc_piix.c pc_xen_hvm_init; boot logs of Xen 4.13 and 4.14.3).
//  - qemu-xen-traditional (QT@xen-4.8.0 hw/pc.c pc_init1): VGA 02.0, then
//    the platform device, then the NICs. pt_init creates nothing (QT@xen-4.2.0
//    on); both libxl and xend (XendDomainInfo.pci_device_configure_boot at
//    RELEASE-4.2.0) insert passed-through devices with `pci-ins` once the
//    device model runs, after everything (boot logs of Xen 4.12.1).

import type { Device } from '../bus.js';
import type { BarType } from '../contract.js';
import type { DeviceModel, GuestConfig } from './config.js';
import { carries, type Release } from './releases.js';
import { ich9Set, NEC_XHCI, PIIX3_UHCI, usbctrlControllers, type UsbctrlLayout } from './usb.js';
import { soundCards, type SoundLayout } from './sound.js';

export interface VirtualBar {
  index: number; // 6 = ROM
  type: BarType;
  prefetchable?: boolean;
  size: bigint;
  /** The BAR register's writable bits when they are not ~(size - 1) (a size that is not a power of two). */
  mask?: bigint;
}

/** A function as a bus Device has it, with readable BARs and a name. */
export interface VirtualFunction extends Omit<Device, 'bars'> {
  bars: VirtualBar[];
  label: string;
}

/** A function before the device model gives it a slot. */
export type DeviceTemplate = Omit<VirtualFunction, 'slot' | 'function'>;

export type VgaKind = 'stdvga' | 'cirrus' | 'none' | 'qxl';

const KiB = 1n << 10n;
const MiB = 1n << 20n;

/** The smallest power of two at or above n (n >= 1). */
function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** What the QEMU that a Xen release pins builds, where it changed across releases. */
interface QemuXenBuild {
  /** The VGA is machine-created (`-vga`), before the platform device. */
  vgaBeforePlatform: boolean;
  /** std VGA framebuffer BAR in MiB for a videoram of v MiB. */
  stdvgaMiB: (v: number) => number;
  /** std VGA has its 4 KiB "vga.mmio" BAR2. */
  stdvgaMmio: boolean;
  /** ROM BAR per NIC model (undefined: no ROM BAR). */
  nicRom: Record<string, bigint | undefined>;
}

// ROM BAR = ROM file rounded up to a power of two (QX hw/pci/pci.c
// pci_add_option_rom). File sizes from `git ls-tree -l <tag> pc-bios/`.
function qemuXenBuild(r: Release): QemuXenBuild {
  if (!carries(r, 'qemu-1.6')) {
    // QEMU 1.0 (qemu-xen-4.2.0) / 1.3 (qemu-xen-4.3.0): pxe-*.rom, e1000's
    // 67072 B -> 128 KiB, the others' 61440 B -> 64 KiB. In QEMU 1.0 ne2k_pci
    // and pcnet load their ROM through fw_cfg (rom_add_option), no ROM BAR.
    // std VGA: QEMU 1.0 has a fixed 8 MiB (hw/vga_int.h VGA_RAM_SIZE) and no
    // mmio BAR; QEMU 1.3 defaults vgamem_mb to 16 and added the mmio BAR.
    const q10 = !carries(r, 'qemu-1.3');
    return {
      vgaBeforePlatform: true,
      stdvgaMiB: () => (q10 ? 8 : 16),
      stdvgaMmio: !q10,
      nicRom: { e1000: 128n * KiB, rtl8139: 64n * KiB, ne2k_pci: q10 ? undefined : 64n * KiB, pcnet: q10 ? undefined : 64n * KiB },
    };
  }
  // QEMU 1.6 on (qemu-xen-4.4.0 ...): efi-*.rom of 173-200 KB -> 256 KiB
  // (the Xen 4.13/4.14.3 boot logs show 256 KiB rtl8139 and e1000 ROMs).
  const efi = { e1000: 256n * KiB, rtl8139: 256n * KiB, ne2k_pci: 256n * KiB, pcnet: 256n * KiB };
  // Xen 4.4 passes `-device VGA` without vgamem_mb: QEMU's default 16 MiB.
  if (!carries(r, 'libxl-stdvga-vgamem')) return { vgaBeforePlatform: false, stdvgaMiB: () => 16, stdvgaMmio: true, nicRom: efi };
  // Xen 4.5 on passes vgamem_mb=videoram (X 354d1edefc). QEMU 2.0/2.2
  // (qemu-xen-4.5.0/4.6.0 hw/display/vga.c) round it up to a power of two up
  // to 256 MiB; from qemu-xen-4.7 it is clamped to 1..512 MiB, then rounded.
  const cap = carries(r, 'qemu-vgamem-512') ? 512 : 256;
  return { vgaBeforePlatform: false, stdvgaMiB: (v) => pow2ceil(Math.min(Math.max(v, 1), cap)), stdvgaMmio: true, nicRom: efi };
}

function fixedFunctions(usb: boolean): VirtualFunction[] {
  const f: VirtualFunction[] = [
    { slot: 0, function: 0, vendorId: 0x8086, deviceId: 0x1237, classCode: 0x0600, interruptPin: 0, bars: [], label: 'i440FX host bridge' },
    { slot: 1, function: 0, vendorId: 0x8086, deviceId: 0x7000, classCode: 0x0601, interruptPin: 0, bars: [], label: 'PIIX3 ISA bridge' },
    { slot: 1, function: 1, vendorId: 0x8086, deviceId: 0x7010, classCode: 0x0101, interruptPin: 0, bars: [{ index: 4, type: 'io', size: 16n }], label: 'PIIX3 IDE' },
  ];
  if (usb) f.push({ slot: 1, function: 2, vendorId: 0x8086, deviceId: 0x7020, classCode: 0x0c03, interruptPin: 4, bars: [{ index: 4, type: 'io', size: 32n }], label: 'PIIX3 USB (UHCI)' });
  f.push({ slot: 1, function: 3, vendorId: 0x8086, deviceId: 0x7113, classCode: 0x0680, interruptPin: 1, bars: [], label: 'PIIX4 ACPI PM' });
  return f;
}

const cirrus = (rom: boolean): DeviceTemplate => ({
  // 32 MiB prefetchable container and a 4 KiB MMIO BAR whatever the video
  // memory (QX hw/display/cirrus_vga.c, QT hw/cirrus_vga.c); the VGA BIOS
  // ROM (35-38 KB) makes a 64 KiB ROM BAR under qemu-xen only.
  vendorId: 0x1013, deviceId: 0x00b8, classCode: 0x0300, interruptPin: 0, label: 'Cirrus VGA',
  bars: [
    { index: 0, type: 'mem32', prefetchable: true, size: 32n * MiB },
    { index: 1, type: 'mem32', size: 4n * KiB },
    ...(rom ? [{ index: 6, type: 'rom' as const, size: 64n * KiB }] : []),
  ],
});

function qemuXenVga(kind: 'stdvga' | 'cirrus' | 'qxl', videoramMiB: number, build: QemuXenBuild): DeviceTemplate {
  if (kind === 'cirrus') return cirrus(true);
  if (kind === 'qxl') {
    // libxl (RELEASE-4.6.0 on) starts qxl-vga with ram_size_mb and
    // vram_size_mb each half of videoram. QX@qemu-xen-4.7.0-rc4
    // hw/display/qxl.c qxl_init_ramsize: BAR0 (RAM) is at least twice the
    // 16 MiB vgamem, BAR1 (32-bit VRAM) at least 4 KiB, both rounded up to a
    // power of two; no 64-bit VRAM BAR since its size defaults to BAR1's.
    // BAR2 the 8 KiB QXL ROM, BAR3 32 I/O ports, INTA, vgabios-qxl ROM.
    const half = Math.floor(videoramMiB / 2);
    const ram = BigInt(pow2ceil(Math.max(half, 32))) * MiB;
    const vram32 = half >= 1 ? BigInt(pow2ceil(half)) * MiB : 4n * KiB;
    return {
      vendorId: 0x1b36, deviceId: 0x0100, classCode: 0x0300, interruptPin: 1, label: 'QXL VGA',
      bars: [
        { index: 0, type: 'mem32', size: ram },
        { index: 1, type: 'mem32', size: vram32 },
        { index: 2, type: 'mem32', size: 8n * KiB },
        { index: 3, type: 'io', size: 32n },
        { index: 6, type: 'rom', size: 64n * KiB },
      ],
    };
  }
  // std VGA 1234:1111 (QX hw/display/vga-pci.c): prefetchable framebuffer,
  // the mmio BAR2 where the build has it, the vgabios-stdvga ROM (64 KiB)
  const bars: VirtualBar[] = [{ index: 0, type: 'mem32', prefetchable: true, size: BigInt(build.stdvgaMiB(videoramMiB)) * MiB }];
  if (build.stdvgaMmio) bars.push({ index: 2, type: 'mem32', size: 4n * KiB });
  bars.push({ index: 6, type: 'rom', size: 64n * KiB });
  return { vendorId: 0x1234, deviceId: 0x1111, classCode: 0x0300, interruptPin: 0, bars, label: 'std VGA' };
}

function traditionalVga(kind: 'stdvga' | 'cirrus', videoramMiB: number): DeviceTemplate {
  if (kind === 'cirrus') return cirrus(false);
  // QT@xen-4.8.0 hw/vga.c: the framebuffer BAR is -videoram MiB capped at
  // 16 MiB and not rounded; no mmio BAR and no ROM BAR (hvmloader copies the
  // VGA BIOS itself). QT hw/pci.c keeps the BAR's writable bits at
  // ~(size - 1), so a size that is not a power of two reads back as a mask
  // whose lowest set bit hvmloader takes for the size.
  const size = BigInt(Math.min(videoramMiB, 16)) * MiB;
  const bar: VirtualBar = { index: 0, type: 'mem32', prefetchable: true, size };
  if ((size & (size - 1n)) !== 0n) bar.mask = ~(size - 1n) & 0xfffffff0n;
  return { vendorId: 0x1234, deviceId: 0x1111, classCode: 0x0300, interruptPin: 0, bars: [bar], label: 'std VGA' };
}

// Emulated NICs, INTA (QX hw/net/{rtl8139,e1000,ne2000,pcnet-pci}.c; QT hw/
// rtl8139.c, e1000.c, ne2000.c, pcnet.c): the same registers in both device
// models; only qemu-xen gives them ROM BARs.
const NIC_IDS: Record<string, { vendorId: number; deviceId: number; bars: VirtualBar[] }> = {
  rtl8139: { vendorId: 0x10ec, deviceId: 0x8139, bars: [{ index: 0, type: 'io', size: 256n }, { index: 1, type: 'mem32', size: 256n }] },
  e1000: { vendorId: 0x8086, deviceId: 0x100e, bars: [{ index: 0, type: 'mem32', size: 128n * KiB }, { index: 1, type: 'io', size: 64n }] },
  ne2k_pci: { vendorId: 0x10ec, deviceId: 0x8029, bars: [{ index: 0, type: 'io', size: 256n }] },
  pcnet: { vendorId: 0x1022, deviceId: 0x2000, bars: [{ index: 0, type: 'io', size: 32n }, { index: 1, type: 'mem32', size: 32n }] },
};
export const NIC_MODELS = Object.keys(NIC_IDS);

export interface EmulatedLayout {
  functions: VirtualFunction[];
  nextSlot: number; // where passed-through functions start
  unknownNics: string[];
  /** A slot kept free for the host's IGD (qemu-traditional with gfx_passthru). */
  igdSlot?: number;
  /** The usbctrl controllers libxl hot-adds, and what it refuses. */
  usbctrl: UsbctrlLayout;
  /** The sound cards of soundhw, and what fails. */
  sound: SoundLayout;
}

// LSI 53C895A 1000:0012, INTA: 256 ports, 1 KiB and 8 KiB of MMIO, no ROM
// BAR (QX hw/scsi/lsi53c895a.c; QT@xen-4.8.0 hw/lsi53c895a.c l.1994-2016;
// the Qubes boot log in test/fixtures/bootlogs shows this shape at 03:0).
const LSI: DeviceTemplate = {
  vendorId: 0x1000, deviceId: 0x0012, classCode: 0x0100, interruptPin: 1, label: 'LSI 53C895A SCSI',
  bars: [
    { index: 0, type: 'io', size: 256n },
    { index: 1, type: 'mem32', size: 1n * KiB },
    { index: 2, type: 'mem32', size: 8n * KiB },
  ],
};

/**
 * Whether the device model gets a SCSI controller for the guest's disks.
 * qemu-xen: a non-CD-ROM disk named sd* (X@RELEASE-4.19.0 libxl_dm.c
 * l.1378-1387; before 4.11 the same test chose `-drive if=scsi`).
 * Traditional: any disk named sd plus one letter, CD-ROMs too (QT@xen-4.8.0
 * xenstore.c parse_drive_name).
 */
function wantsScsi(cfg: GuestConfig, dm: DeviceModel): boolean {
  if (dm === 'qemu-xen') return cfg.disks.some((d) => !d.cdrom && d.vdev!.startsWith('sd'));
  return cfg.disks.some((d) => /^sd.$/.test(d.vdev!));
}

// ich9-ahci, which `-device ahci` names: 8086:2922, INTA, the index/data
// pair in a 32-byte I/O BAR4 and the 4 KiB ABAR in BAR5 (QX@qemu-xen-4.7.0-rc4
// hw/ide/ich.c l.100-124, hw/ide/ahci.c ahci_init)
const ICH9_AHCI: DeviceTemplate = {
  vendorId: 0x8086, deviceId: 0x2922, classCode: 0x0106, interruptPin: 1, label: 'ICH9 AHCI',
  bars: [{ index: 4, type: 'io', size: 32n }, { index: 5, type: 'mem32', size: 4n * KiB }],
};

// xen-pvdevice,device-id=0xc000: 5853:c000, INTA, a 4 MiB prefetchable
// BAR1 (QX@qemu-xen-4.7.0-rc4 hw/i386/xen/xen_pvdevice.c, `size` default)
const XENSERVER_PV_DEVICE: DeviceTemplate = {
  vendorId: 0x5853, deviceId: 0xc000, classCode: 0x0880, interruptPin: 1, label: 'XenServer PV device',
  bars: [{ index: 1, type: 'mem32', prefetchable: true, size: 4n * MiB }],
};

const platformDevice = (slot: number): VirtualFunction => ({
  slot, function: 0, vendorId: 0x5853, deviceId: 0x0001, classCode: 0xff80, interruptPin: 1,
  bars: [{ index: 0, type: 'io', size: 256n }, { index: 1, type: 'mem32', prefetchable: true, size: 16n * MiB }],
  label: 'Xen platform device',
});

/** The functions a device model presents for this guest, before passthrough. */
export function emulatedFunctions(
  cfg: GuestConfig,
  dm: DeviceModel,
  release: Release,
  vgaKind: VgaKind,
  videoramMiB: number,
): EmulatedLayout {
  const usb = cfg.usb || cfg.usbdevice.length > 0;
  const functions = fixedFunctions(usb);
  let slot = 2;
  // the next slot whose function 0 is free, as both device models choose it
  // qemu-xen-traditional started with -gfx_passthru keeps 02.0 for the
  // host's IGD (QT@xen-4.8.0 hw/pci.c pci_register_device) and has no
  // emulated VGA (vl.c select_vgahw("passthrough") overrides -std-vga)
  const igdSlot = dm === 'qemu-xen-traditional' && cfg.gfxPassthru ? 2 : undefined;
  const free = () => {
    while (slot === igdSlot || functions.some((f) => f.slot === slot)) slot++;
    return slot++;
  };
  const add = (f: DeviceTemplate) => functions.push({ ...f, slot: free(), function: 0 });

  const scsi = wantsScsi(cfg, dm);

  if (dm === 'qemu-xen') {
    const build = qemuXenBuild(release);
    // before 4.4 the platform device exists whatever xen_platform_pci says
    // (QEMU 1.0/1.3 create it whenever Xen is on; libxl had no `pc` machine)
    const platform = cfg.xenPlatformPci || build.vgaBeforePlatform;
    // libxl's -device order from 4.4: VGA, then the usbversion controller
    // (only when usb/usbdevice are unset), then sound and NICs
    const sound = soundCards(cfg.soundhw, dm, release);
    const addSound = () => sound.cards.forEach(add);
    const vga = () => {
      if (vgaKind !== 'none') add(qemuXenVga(vgaKind, videoramMiB, build));
      const usbversion = carries(release, 'libxl-usbversion') && !usb ? cfg.usbversion : undefined;
      if (usbversion === 1) add(PIIX3_UHCI);
      if (usbversion === 2) functions.push(...ich9Set());
      if (usbversion === 3) add(NEC_XHCI);
      if (sound.asDevice) addSound();
    };
    // -soundhw cards come with the machine, after its own devices
    if (build.vgaBeforePlatform) {
      // QEMU 1.0/1.3 pc_init1: VGA, platform, the sound cards after the IDE,
      // the `if=scsi` controller last (pc_pci_device_init)
      vga();
      if (platform) functions.push(platformDevice(free()));
      addSound();
      if (scsi) add(LSI);
    } else if (!carries(release, 'libxl-scsi-device')) {
      // QEMU 1.6-2.11 create the `if=scsi` controller inside pc_init1, before
      // pc_xen_hvm_init adds the platform device (QX@qemu-xen-4.7.0-rc4
      // hw/i386/pc_piix.c l.307, l.470)
      if (scsi) add(LSI);
      if (platform) functions.push(platformDevice(free()));
      addSound();
      vga();
    } else {
      // a9e6fa0a53 (4.11): libxl's first `-device` is the controller
      if (platform) functions.push(platformDevice(free()));
      if (!sound.asDevice) addSound();
      if (scsi) add(LSI);
      vga();
    }
    const nicLayout = nics(cfg, dm, build.nicRom, add);
    // after the NICs libxl passes `-device ahci` (05d428addd, 4.6) and the
    // XenServer PV device (066e134fb3, 4.4), in that order
    if (cfg.hdtype === 'ahci' && carries(release, 'libxl-ahci')) add(ICH9_AHCI);
    if (cfg.vendorDevice === 'xenserver' && carries(release, 'xl-vendor-device')) add(XENSERVER_PV_DEVICE);
    const usbctrl = usbctrlControllers(cfg, dm, release);
    for (const c of usbctrl.controllers) add({ ...c, label: `${c.label} (usbctrl)` });
    return { ...nicLayout, functions, nextSlot: slot, usbctrl, sound };
  }

  if ((vgaKind === 'stdvga' || vgaKind === 'cirrus') && igdSlot === undefined) add(traditionalVga(vgaKind, videoramMiB));
  if (cfg.xenPlatformPci) functions.push(platformDevice(free()));
  const { unknownNics } = nics(cfg, dm, {}, add);
  // QT@xen-4.8.0 hw/pc.c pc_init1: audio_init after the NICs and the IDE, the LSI last
  const sound = soundCards(cfg.soundhw, dm, release);
  sound.cards.forEach(add);
  if (scsi) add(LSI);
  return { unknownNics, functions, nextSlot: slot, igdSlot, usbctrl: usbctrlControllers(cfg, dm, release), sound };
}

/** One NIC per emulated vif, in vif order (X libxl_nic.c: rtl8139 by default; type=vif is PV only). */
function nics(cfg: GuestConfig, dm: DeviceModel, rom: Record<string, bigint | undefined>, add: (f: DeviceTemplate) => void): { unknownNics: string[] } {
  const unknownNics: string[] = [];
  cfg.vifs.forEach((vif, i) => {
    if (vif.type === 'vif') return;
    const model = vif.model ?? 'rtl8139';
    const nic = NIC_IDS[model];
    if (!nic) {
      unknownNics.push(`vif[${i}] model=${model}`);
      return;
    }
    const romSize = dm === 'qemu-xen' ? rom[model] : undefined;
    const bars = romSize ? [...nic.bars, { index: 6, type: 'rom' as const, size: romSize }] : [...nic.bars];
    add({ vendorId: nic.vendorId, deviceId: nic.deviceId, bars, classCode: 0x0200, interruptPin: 1, label: `${model} NIC (vif ${i})` });
  });
  return { unknownNics };
}
