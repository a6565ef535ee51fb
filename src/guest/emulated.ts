// The virtual PCI functions each device model presents on bus 0, in the
// order QEMU creates them (which decides their slots), with their BARs.
//
// Sources (QEMU, qemu/qemu; qemu-xen-traditional, xen-project/qemu-xen-traditional):
//  - i440FX 8086:1237 at 00.0 and PIIX3 8086:7000 at 01.0: hw/pci-host/piix.c,
//    hw/i386/pc_piix.c; IDE 8086:7010 at 01.1 with its bus-master BAR4 of 16
//    ports: hw/ide/piix.c; UHCI 8086:7020 at 01.2 (BAR4, 32 ports, INTD) when
//    USB is on: hw/usb/hcd-uhci.c; PIIX4 PM 8086:7113 at 01.3 (INTA, no BARs
//    in the standard header): hw/acpi/piix4.c. qemu-xen-traditional has the
//    same four (hw/piix_pci.c, hw/ide.c, hw/usb-uhci.c, hw/acpi.c).
//  - qemu-xen creates the Xen platform device before the VGA, so the platform
//    device is 02.0 and the VGA 03.0 (published hvmloader boot logs of Xen
//    4.13 and 4.14 guests show exactly this: "pci dev 02:0 bar 14 size
//    001000000" and a 32 MiB cirrus BAR at 03:0; test/guest/bootlogs.test.ts);
//    qemu-xen-traditional (hw/pc.c pc_init1) creates the VGA first (02.0),
//    then the passed-through devices it was started with (xend's direct_pci),
//    then the platform device and the NICs; libxl hot-plugs passed-through
//    devices after the device model started, so with libxl they come last.
//  - VGA: std VGA 1234:1111
//    with BAR0 = vgamem_mb (libxl passes videoram) prefetchable, BAR2 = 4 KiB
//    MMIO and the vgabios-stdvga.bin ROM (hw/display/vga-pci.c); cirrus
//    1013:00b8 with a 32 MiB prefetchable BAR0, 4 KiB MMIO BAR1 and
//    vgabios-cirrus.bin (hw/display/cirrus_vga.c). QEMU sizes a ROM BAR as the
//    ROM file rounded up to a power of two (hw/pci/pci.c pci_add_option_rom):
//    64 KiB for the VGA BIOSes. qemu-xen-traditional's VGA has no ROM BAR
//    (hvmloader loads the VGA BIOS itself) and its std VGA has no MMIO BAR.
//  - Xen platform device 5853:0001 at 03.0: 256 I/O ports and 16 MiB
//    prefetchable MMIO, INTA (hw/i386/xen/xen_platform.c; hw/xen_platform.c).
//  - emulated NICs from 04.0 in vif order: rtl8139 10ec:8139 (256 ports,
//    256 B MMIO; hw/net/rtl8139.c), e1000 8086:100e (128 KiB MMIO, 64 ports;
//    hw/net/e1000.c), ne2k_pci 10ec:8029 (256 ports; hw/net/ne2000-pci.c),
//    all INTA; upstream QEMU adds their iPXE ROMs (efi-*.rom, 256 KiB BARs).
//  - passed-through functions take the next free slots, as function 0 each,
//    unless the config names a slot (xl-pci-configuration(5) @VSLOT).

import type { Device } from '../bus.js';
import type { BarType } from '../contract.js';
import type { DeviceModel, GuestConfig } from './config.js';

export interface VirtualBar {
  index: number; // 6 = ROM
  type: BarType;
  prefetchable?: boolean;
  size: bigint;
}

/** A function as a bus Device has it, with readable BARs and a name. */
export interface VirtualFunction extends Omit<Device, 'bars'> {
  bars: VirtualBar[];
  label: string;
}

const KiB = 1n << 10n;
const MiB = 1n << 20n;

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

function vga(dm: DeviceModel, kind: 'stdvga' | 'cirrus' | 'qxl', videoramMiB: number, slot: number): VirtualFunction {
  const upstream = dm === 'qemu-xen';
  if (kind === 'cirrus') {
    const bars: VirtualBar[] = [
      { index: 0, type: 'mem32', prefetchable: true, size: 32n * MiB },
      { index: 1, type: 'mem32', size: 4n * KiB },
    ];
    if (upstream) bars.push({ index: 6, type: 'rom', size: 64n * KiB });
    return { slot, function: 0, vendorId: 0x1013, deviceId: 0x00b8, classCode: 0x0300, interruptPin: 0, bars, label: 'Cirrus VGA' };
  }
  if (kind === 'qxl') {
    // hw/display/qxl.c: VRAM (BAR0, videoram), RAM (BAR1, 64 MiB), ROM (BAR2, 8 KiB), I/O (BAR3, 32 ports)
    const vram = (1n << BigInt(Math.ceil(Math.log2(Math.max(1, videoramMiB))))) * MiB;
    return {
      slot, function: 0, vendorId: 0x1b36, deviceId: 0x0100, classCode: 0x0300, interruptPin: 1,
      bars: [
        { index: 0, type: 'mem32', size: vram },
        { index: 1, type: 'mem32', size: 64n * MiB },
        { index: 2, type: 'mem32', size: 8n * KiB },
        { index: 3, type: 'io', size: 32n },
        { index: 6, type: 'rom', size: 64n * KiB },
      ],
      label: 'QXL VGA',
    };
  }
  // std VGA: the framebuffer is videoram rounded up to a power of two
  const fb = (1n << BigInt(Math.ceil(Math.log2(Math.max(1, videoramMiB))))) * MiB;
  const bars: VirtualBar[] = [{ index: 0, type: 'mem32', prefetchable: true, size: fb }];
  if (upstream) bars.push({ index: 2, type: 'mem32', size: 4n * KiB }, { index: 6, type: 'rom', size: 64n * KiB });
  return { slot, function: 0, vendorId: 0x1234, deviceId: 0x1111, classCode: 0x0300, interruptPin: 0, bars, label: 'std VGA' };
}

const NIC_IDS: Record<string, { vendorId: number; deviceId: number; bars: VirtualBar[] }> = {
  rtl8139: { vendorId: 0x10ec, deviceId: 0x8139, bars: [{ index: 0, type: 'io', size: 256n }, { index: 1, type: 'mem32', size: 256n }] },
  e1000: { vendorId: 0x8086, deviceId: 0x100e, bars: [{ index: 0, type: 'mem32', size: 128n * KiB }, { index: 1, type: 'io', size: 64n }] },
  ne2k_pci: { vendorId: 0x10ec, deviceId: 0x8029, bars: [{ index: 0, type: 'io', size: 256n }] },
};
export const NIC_MODELS = Object.keys(NIC_IDS);

export interface EmulatedLayout {
  functions: VirtualFunction[];
  nextSlot: number; // where passed-through functions start
  unknownNics: string[];
}

/** The functions a device model presents for this guest, before passthrough. */
export function emulatedFunctions(
  cfg: GuestConfig,
  dm: DeviceModel,
  vgaKind: 'stdvga' | 'cirrus' | 'none' | 'qxl',
  videoramMiB: number,
  bootTimePassthrough = 0, // slots qemu-traditional gives passed-through devices before the platform device (xend)
): EmulatedLayout & { bootTimeSlots: number[] } {
  const usb = cfg.usb || cfg.usbdevice.length > 0;
  const functions = fixedFunctions(usb);
  let slot = 2;
  const platform = (): VirtualFunction => ({
    slot: slot++, function: 0, vendorId: 0x5853, deviceId: 0x0001, classCode: 0xff80, interruptPin: 1,
    bars: [{ index: 0, type: 'io', size: 256n }, { index: 1, type: 'mem32', prefetchable: true, size: 16n * MiB }],
    label: 'Xen platform device',
  });
  if (dm === 'qemu-xen' && cfg.xenPlatformPci) functions.push(platform());
  if (vgaKind !== 'none') functions.push(vga(dm, vgaKind, videoramMiB, slot++));
  const bootTimeSlots: number[] = [];
  if (dm === 'qemu-xen-traditional') for (let i = 0; i < bootTimePassthrough; i++) bootTimeSlots.push(slot++);
  if (dm === 'qemu-xen-traditional' && cfg.xenPlatformPci) functions.push(platform());
  const unknownNics: string[] = [];
  cfg.vifs.forEach((vif, i) => {
    if (vif.type === 'vif') return; // PV-only: no emulated NIC
    const model = vif.model ?? 'rtl8139';
    const nic = NIC_IDS[model];
    if (!nic) {
      unknownNics.push(`vif[${i}] model=${model}`);
      return;
    }
    const bars = [...nic.bars];
    if (dm === 'qemu-xen') bars.push({ index: 6, type: 'rom', size: 256n * KiB });
    functions.push({ slot: slot++, function: 0, ...nic, bars, classCode: 0x0200, interruptPin: 1, label: `${model} NIC (vif ${i})` });
  });
  return { functions, nextSlot: slot, unknownNics, bootTimeSlots };
}
