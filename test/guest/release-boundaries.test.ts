// Each toolstack, xl and QEMU change of src/guest/releases.ts at its
// boundary: a guest planned under the last tag without the change and the
// first tag with it (the backport's tag where there is one) differs in what
// a user sees: the slots, the keys libxl writes, a refusal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXlGuest } from '../../src/guest/config.js';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest, type PlanCase } from '../../src/guest/plan.js';
import type { ChangeName } from '../../src/guest/releases.js';

const root = new URL('../..', import.meta.url).pathname;
const gpu = { bdf: '0b:00.0', functions: parseLspci(readFileSync(join(root, 'scenarios/devices/geforce-rtx3090.lspci'), 'utf8')) };
const plan = (extra: string, xen: string, dm: 'qemu-xen' | 'qemu-xen-traditional' = 'qemu-xen'): PlanCase =>
  planGuest(readXlGuest(`type = "hvm"\nmemory = 2048\n${extra}`, 'guest.cfg'), indexDevices([gpu]), { xen: [xen], deviceModels: [dm] }).cases[0];
const slots = (c: PlanCase) => c.devices.filter((d) => d.slot >= 2).map((d) => d.label.replace(/ \(.*\)$/, ''));
const messages = (c: PlanCase) => c.findings.map((f) => f.message).join('\n');

// [change, before, after, config, what differs]
const cases: [ChangeName, string, string, string, (c: PlanCase) => unknown][] = [
  ['relocate-devices-not-memory', '4.2.5', '4.3.0', '', (c) => c.params?.allowMemoryRelocate],
  ['stubdom-allow-memory-relocate', '4.17.3', '4.17.4', 'device_model_stubdomain_override = 1', (c) => c.params?.allowMemoryRelocate],
  ['stubdom-allow-memory-relocate', '4.18.0', '4.18.1', 'device_model_stubdomain_override = 1', (c) => c.params?.allowMemoryRelocate],
  ['stubdom-allow-memory-relocate', '4.16.7', '4.19.0', 'device_model_stubdomain_override = 1', (c) => c.params?.allowMemoryRelocate],
  ['mmio-hole', '4.4.4', '4.5.0', 'mmio_hole = 1024', (c) => c.params?.mmioHoleSize],
  ['xl-vga-key', '4.2.5', '4.3.0', 'vga = "stdvga"', (c) => c.params?.vga],
  ['xl-vga-none', '4.4.4', '4.5.0', 'vga = "none"', (c) => c.available && !/Unknown vga/.test(messages(c))],
  ['libxl-stdvga-vgamem', '4.4.4', '4.5.0', 'vga = "stdvga"\nvideoram = 32', (c) => c.result?.bars.find((b) => b.slot === 3 && b.reg === '0x10')?.size],
  ['qemu-vgamem-512', '4.6.6', '4.7.0', 'vga = "stdvga"\nvideoram = 512\nmemory = 4096', (c) => c.result?.bars.find((b) => b.reg === '0x10' && BigInt(b.size) >= 1n << 28n && b.slot === 3)?.size],
  ['qemu-1.6', '4.3.4', '4.4.0', '', (c) => slots(c)[0]],
  ['xl-vendor-device', '4.3.4', '4.4.0', 'vendor_device = "xenserver"', (c) => slots(c).includes('XenServer PV device')],
  ['libxl-ahci', '4.5.5', '4.6.0', 'hdtype = "ahci"', (c) => slots(c).includes('ICH9 AHCI')],
  ['libxl-usbctrl-devicemodel', '4.7.6', '4.8.0', "usbctrl = ['version=3']", (c) => slots(c).includes('NEC USB 3.0')],
  ['libxl-scsi-device', '4.10.4', '4.11.0', "disk = ['/dev/vg/a,raw,sda,rw']", (c) => slots(c).slice(0, 2).join(', ')],
  ['libxl-soundhw-device', '4.16.7', '4.17.0', 'soundhw = "hda"', (c) => slots(c).indexOf('Intel HD audio') > slots(c).indexOf('Cirrus VGA')],
  ['no-qemu-traditional', '4.20.4', '4.21.0', '', (c) => c.available],
  ['qemu-xen-stubdomain', '4.13.5', '4.14.0', 'device_model_stubdomain_override = 1', (c) => /stubdomains require/.test(messages(c))],
  ['pod-passthrough-iommu-message', '4.14.4', '4.14.5', "pci = ['0b:00.0']\nmaxmem = 4096", (c) => /IOMMU required/.test(messages(c))],
  ['pod-passthrough-iommu-message', '4.15.2', '4.15.3', "pci = ['0b:00.0']\nmaxmem = 4096", (c) => /IOMMU required/.test(messages(c))],
  ['pod-passthrough-iommu-message', '4.16.0', '4.16.1', "pci = ['0b:00.0']\nmaxmem = 4096", (c) => /IOMMU required/.test(messages(c))],
];

describe('a guest planned on each side of a change', () => {
  for (const [name, before, after, extra, seen] of cases) {
    it(`${name}: ${before} -> ${after}`, () => {
      const dm = name === 'no-qemu-traditional' ? 'qemu-xen-traditional' : 'qemu-xen';
      const a = seen(plan(extra, before, dm));
      const b = seen(plan(extra, after, dm));
      expect(a, `${name} at ${before} and ${after}`).not.toEqual(b);
      // the tag after the boundary sees what every later series sees
      if (name !== 'no-qemu-traditional') expect(seen(plan(extra, '4.19.6', dm))).toEqual(b);
    });
  }
});
