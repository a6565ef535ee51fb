// The emulated devices of each device model against published hvmloader boot
// logs: planning the guest those logs describe must print the same lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readXlGuest } from '../../src/guest/config.js';
import { indexDevices, planGuest } from '../../src/guest/plan.js';

const log = (name: string) =>
  readFileSync(new URL(`../fixtures/bootlogs/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));

describe('published hvmloader boot logs', () => {
  it('Xen 4.13, qemu-xen, 8 GiB, cirrus, USB, default NIC: identical log', () => {
    const guest = readXlGuest('type = "hvm"\nmemory = 8192\nusb = 1\nvif = [ "bridge=xenbr0" ]\n', 'win.cfg');
    const [c] = planGuest(guest, new Map(), { xen: ['4.13.0'], deviceModels: ['qemu-xen'] }).cases;
    expect(c.result!.log).toEqual(log('xen-4.13-qemu-xen-usb-rtl8139.txt'));
  });

  it('Xen 4.14.3, qemu-xen, cirrus, e1000 and a passed-through function: identical log', () => {
    const guest = readXlGuest('type = "hvm"\nmemory = 2048\nvif = [ "model=e1000" ]\npci = [ "00:1f.3" ]\n', 'pt.cfg');
    const devices = indexDevices([
      {
        bdf: '00:1f.3',
        functions: [
          {
            bdf: '00:1f.3',
            classCode: 0x0403,
            vendorId: 0x8086,
            deviceId: 0xa348,
            interruptPin: 1,
            bars: [
              { index: 0, type: 'mem64', prefetchable: false, size: 0x4000n },
              { index: 4, type: 'mem64', prefetchable: false, size: 0x100n },
            ],
          },
        ],
      },
    ]);
    const [c] = planGuest(guest, devices, { xen: ['4.14.3'], deviceModels: ['qemu-xen'] }).cases;
    expect(c.result!.log).toEqual(log('xen-4.14.3-qemu-xen-e1000-passthrough.txt'));
  });
  // qemu-xen-traditional in a stub domain; these logs check its slot order
  // (platform device first when there is no VGA, NICs after it) and that its
  // emulated NIC has no ROM BAR. Before 4.17.4 libxl wrote no
  // allow-memory-relocate key for stub domains, so hvmloader says "enabled".
  const stubdom = (extra: string) =>
    readXlGuest(`type = "hvm"\ndevice_model_version = "qemu-xen-traditional"\ndevice_model_stubdomain_override = 1\nvga = "none"\n${extra}`, 'stubdom.cfg');

  it('Xen 4.12.1, traditional stub domain, no VGA, no NIC, 512 MiB: identical log', () => {
    const [c] = planGuest(stubdom('memory = 512\n'), new Map(), { xen: ['4.12.1'] }).cases;
    expect(c.deviceModel).toBe('qemu-xen-traditional');
    expect(c.result!.log).toEqual(log('xen-4.12.1-traditional-stubdom-novga.txt'));
  });

  it('Xen 4.12.1, traditional stub domain, no VGA, default NIC, 3 GiB: identical log', () => {
    const [c] = planGuest(stubdom('memory = 3072\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n'), new Map(), { xen: ['4.12.1'] }).cases;
    expect(c.result!.log).toEqual(log('xen-4.12.1-traditional-stubdom-rtl8139.txt'));
    expect(c.params!.lowMemEnd).toBe('0xc0000000');
  });
  it('Qubes R4.0 (qemu-xen stub domain): std VGA, an sd disk and two passed-through controllers: identical from the IRQ lines on', () => {
    const guest = readXlGuest(
      'type = "hvm"\nmemory = 400\nvga = "stdvga"\ndevice_model_stubdomain_override = 1\n' +
        "disk = [ 'phy:/dev/qubes_dom0/vm-sys-usb-root,sda,w' ]\npci = [ '00:14.0', '00:1a.0' ]\n",
      'sys-usb.cfg',
    );
    const devices = indexDevices([
      { bdf: '00:14.0', functions: [{ bdf: '00:14.0', classCode: 0x0c03, vendorId: 0x8086, deviceId: 0x1e26, interruptPin: 4, bars: [{ index: 0, type: 'mem32', prefetchable: false, size: 0x1000n }] }] },
      {
        bdf: '00:1a.0',
        functions: [
          {
            bdf: '00:1a.0', classCode: 0x0c03, vendorId: 0x8086, deviceId: 0x1e31, interruptPin: 1,
            bars: [{ index: 0, type: 'mem64', prefetchable: false, size: 0x80000n }, { index: 6, type: 'rom', prefetchable: false, size: 0x10000n }],
          },
        ],
      },
    ]);
    const [c] = planGuest(guest, devices, { xen: ['4.11'], deviceModels: ['qemu-xen'] }).cases;
    const lines = c.result!.log;
    expect(lines.slice(lines.findIndex((l) => l.startsWith('PCI-ISA link 0')))).toEqual(log('qubes-4.0-qemu-xen-lsi-stdvga-2pt.txt'));
  });
});
