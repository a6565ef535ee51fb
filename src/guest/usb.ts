// USB controllers libxl has qemu-xen create beyond the PIIX3 UHCI of
// `usb = 1`: the one of `usbversion` on the command line (X@RELEASE-4.4.0
// tools/libxl/libxl_dm.c l.547-565, the same through 4.21) and the
// `usbctrl = [...]` controllers of type devicemodel, hot-added over QMP
// (libxl_usb.c, from 4.7). qemu-xen-traditional has neither.
// IDs, pins and BARs: QX@qemu-xen-4.7.0-rc4 hw/usb/hcd-uhci.c,
// hw/usb/hcd-ehci-pci.c, hw/usb/hcd-xhci.c.

import type { VirtualFunction } from './emulated.js';

type Controller = Omit<VirtualFunction, 'slot' | 'function'>;

const uhci = (deviceId: number, pin: number, label: string): Controller => ({
  vendorId: 0x8086, deviceId, classCode: 0x0c03, interruptPin: pin, label,
  bars: [{ index: 4, type: 'io', size: 32n }],
});

const ehci = (deviceId: number, label: string): Controller => ({
  vendorId: 0x8086, deviceId, classCode: 0x0c03, interruptPin: 4, label,
  bars: [{ index: 0, type: 'mem32', size: 4096n }],
});

/** piix3-usb-uhci: 32 ports, INTD. */
export const PIIX3_UHCI = uhci(0x7020, 4, 'PIIX3 USB (UHCI)');
/** nec-usb-xhci: one 16 KiB 64-bit MMIO BAR (capability, operational, runtime, doorbell and MSI-X), INTA. */
export const NEC_XHCI: Controller = {
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
