// USB controllers libxl has qemu-xen create beyond the PIIX3 UHCI of
// `usb = 1`: the one of `usbversion` on the command line (X@RELEASE-4.4.0
// tools/libxl/libxl_dm.c l.547-565, the same through 4.21) and the
// `usbctrl = [...]` controllers of type devicemodel, hot-added over QMP
// (libxl_usb.c, from 4.8). qemu-xen-traditional has neither.
// IDs, pins and BARs: QX@qemu-xen-4.7.0-rc4 hw/usb/hcd-uhci.c,
// hw/usb/hcd-ehci-pci.c, hw/usb/hcd-xhci.c.

import type { DeviceModel, GuestConfig } from './config.js';
import type { DeviceTemplate, VirtualFunction } from './emulated.js';
import { carries, sinceSeries, type Release } from './releases.js';


const uhci = (deviceId: number, pin: number, label: string): DeviceTemplate => ({
  vendorId: 0x8086, deviceId, classCode: 0x0c03, interruptPin: pin, label,
  bars: [{ index: 4, type: 'io', size: 32n }],
});

const ehci = (deviceId: number, label: string): DeviceTemplate => ({
  vendorId: 0x8086, deviceId, classCode: 0x0c03, interruptPin: 4, label,
  bars: [{ index: 0, type: 'mem32', size: 4096n }],
});

/** piix3-usb-uhci: a 32-byte I/O BAR, INTD (irq_pin 3). */
export const PIIX3_UHCI = uhci(0x7020, 4, 'PIIX3 USB (UHCI)');
/** nec-usb-xhci: one 16 KiB 64-bit MMIO BAR (capability, operational, runtime, doorbell and MSI-X), INTA. */
export const NEC_XHCI: DeviceTemplate = {
  vendorId: 0x1033, deviceId: 0x0194, classCode: 0x0c03, interruptPin: 1, label: 'NEC USB 3.0 (xHCI)',
  bars: [{ index: 0, type: 'mem64', size: 0x4000n }],
};
/** usb-ehci: the ICH4 EHCI, 4 KiB MMIO, INTD. */
export const ICH4_EHCI = ehci(0x24cd, 'ICH4 USB 2.0 (EHCI)');

/**
 * usbversion=2: an ICH9 EHCI at the fixed address 1d.7 with its three UHCI
 * companions at 1d.0-1d.2 (libxl passes addr=0x1d.N,multifunction=on).
 */
export function ich9Set(): VirtualFunction[] {
  return [
    { ...uhci(0x2934, 1, 'ICH9 USB (UHCI 1)'), slot: 0x1d, function: 0 },
    { ...uhci(0x2935, 2, 'ICH9 USB (UHCI 2)'), slot: 0x1d, function: 1 },
    { ...uhci(0x2936, 3, 'ICH9 USB (UHCI 3)'), slot: 0x1d, function: 2 },
    { ...ehci(0x293a, 'ICH9 USB 2.0 (EHCI)'), slot: 0x1d, function: 7 },
  ];
}

export interface UsbctrlLayout {
  /** Controllers libxl hot-adds to the device model, in config order. */
  controllers: DeviceTemplate[];
  /** Why the toolstack fails to create the guest, if it does, and what to write instead. */
  refusals: { message: string; fix: string }[];
  /** Entries that add no PCI function, or that this release ignores. */
  notes: string[];
}

/**
 * The `usbctrl` entries that become PCI functions. xl reads the key from
 * 4.7 (xl_cmdimpl.c); type auto means devicemodel for an HVM guest
 * (libxl__device_usbctrl_setdefault). 4.7's libxl adds only PV/qusb
 * controllers ("Unsupported USB controller type"); from 4.8
 * (RELEASE-4.8.0 tools/libxl/libxl_usb.c) it hot-adds version 1 as
 * piix3-usb-uhci, 2 (the default) as usb-ehci, 3 as nec-usb-xhci over QMP,
 * after the NICs and before passed-through devices (libxl_create.c
 * domcreate_attach_usbctrls runs before domcreate_attach_pci).
 */
export function usbctrlControllers(cfg: GuestConfig, dm: DeviceModel, release: Release): UsbctrlLayout {
  const out: UsbctrlLayout = { controllers: [], refusals: [], notes: [] };
  if (cfg.usbctrl.length === 0) return out;
  if (!carries(release, 'xl-usbctrl')) {
    out.notes.push(`usbctrl needs Xen ${sinceSeries('xl-usbctrl')} or later; xl ${release.text} ignores the key`);
    return out;
  }
  cfg.usbctrl.forEach((u, i) => {
    const type = (u.type ?? 'auto').toLowerCase();
    const name = `usbctrl[${i}]`;
    if (type === 'pv' || type === 'qusb') {
      out.notes.push(`${name} type=${type}: a PV USB controller, no PCI function`);
      return;
    }
    if (!carries(release, 'libxl-usbctrl-devicemodel')) {
      out.refusals.push({ message: `${name}: libxl 4.7 supports only type=pv or qusb controllers; ${type === 'auto' ? 'type auto means devicemodel for an HVM guest, which ' : ''}it fails with "Unsupported USB controller type"`, fix: `write type=pv (the guest needs a PV USB driver), or use Xen ${sinceSeries('libxl-usbctrl-devicemodel')} or later` });
      return;
    }
    if (dm === 'qemu-xen-traditional') {
      out.refusals.push({ message: `${name}: a devicemodel USB controller is added over QMP, which qemu-xen-traditional does not have; the guest is not created`, fix: 'write type=pv, or use usb = 1 for qemu-xen-traditional\'s own UHCI' });
      return;
    }
    const version = u.version ?? 2;
    const ports = u.ports;
    if (version === 1 && (ports ?? 2) === 2) out.controllers.push(PIIX3_UHCI);
    else if (version === 2 && (ports ?? 6) === 6) out.controllers.push(ICH4_EHCI);
    else if (version === 3 && (ports ?? 8) >= 1 && (ports ?? 8) <= 15) out.controllers.push(NEC_XHCI);
    else if (version < 1 || version > 3) out.refusals.push({ message: `${name}: version=${version}; libxl fails with "Illegal USB version"`, fix: 'write version=1 (UHCI), 2 (EHCI) or 3 (xHCI)' });
    else out.refusals.push({ message: `${name}: ports=${ports} with version=${version}; libxl fails ("Number of ports for USB controller ...")`, fix: version === 1 ? 'leave out ports (UHCI always has 2)' : version === 2 ? 'leave out ports (EHCI always has 6)' : 'write ports between 1 and 15' });
  });
  return out;
}
