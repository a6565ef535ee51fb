// Guest configuration as xl reads it, and Xen releases as people name them.
import { describe, expect, it } from 'vitest';
import * as B from '../../src/engine/layout.js';
import { readGuest, readGuestDocument, readXlGuest } from '../../src/guest/config.js';
import { hvmloaderOf, parseRelease } from '../../src/guest/releases.js';
import { VERSIONS } from '../../src/versions.js';

describe('guest configuration', () => {
  const cfg = readXlGuest(
    `name = "gpu-guest"
type = "hvm"
memory = 8192
maxmem = 0x2000
vga = "stdvga"
videoram = 16
device_model_version = "qemu-xen"
mmio_hole = 1024
pci = [ '0b:00.0,permissive=1', '0000:0b:00.1@7', '3b:00.0,vslot=0x09,msitranslate=1' ]
vif = [ 'bridge=xenbr0,model=e1000', 'type=vif' ]
usb = 1
usbctrl = [ 'type=devicemodel,version=3,ports=4' ]
on_crash = "restart"
`,
    'gpu.cfg',
  );

  it('reads the keys that shape the bus and the memory layout', () => {
    expect(cfg).toMatchObject({
      name: 'gpu-guest',
      type: 'hvm',
      memoryMiB: 8192,
      maxmemMiB: 8192, // 0x2000, strtol base 0 as xl reads numbers
      vga: 'stdvga',
      videoramMiB: 16,
      deviceModel: 'qemu-xen',
      mmioHoleMiB: 1024,
      usb: true,
      usbctrl: [{ type: 'devicemodel', version: 3, ports: 4 }],
      xenPlatformPci: true,
      stubdomain: false,
    });
  });

  it('normalises PCI addresses and reads the guest slot from @ or vslot=', () => {
    expect(cfg.pci.map((p) => [p.bdf, p.vslot])).toEqual([
      ['0000:0b:00.0', undefined],
      ['0000:0b:00.1', 7],
      ['0000:3b:00.0', 9],
    ]);
    expect(cfg.pci[0].options).toEqual({ permissive: '1' });
  });

  it('reads each vif with its model and type', () => {
    expect(cfg.vifs.map((v) => [v.model, v.type])).toEqual([
      ['e1000', undefined],
      [undefined, 'vif'],
    ]);
  });

  it('keeps the keys it does not interpret', () => {
    expect(cfg.otherKeys).toEqual(['on_crash']);
  });

  it('reads the older builder="hvm" and stdvga=1 spellings', () => {
    const g = readXlGuest('builder = "hvm"\nmemory = 2048\nstdvga = 1\n');
    expect(g.type).toBe('hvm');
    expect(g.vga).toBe('stdvga');
  });

  it('treats a config without type or builder as PV, as xl does', () => {
    expect(readXlGuest('memory = 512\n').type).toBe('pv');
  });

  it('reads the same guest from JSON and YAML', () => {
    const json = readGuestDocument('{"type": "hvm", "memory": 4096, "pci": ["0b:00.0"], "device_model_version": "qemu-xen"}', 'g.json');
    const yaml = readGuest('type: hvm\nmemory: 4096\npci:\n  - "0b:00.0"\ndevice_model_version: qemu-xen\n', 'g.yaml');
    expect(yaml).toMatchObject({ type: 'hvm', memoryMiB: 4096, deviceModel: 'qemu-xen' });
    expect(yaml.pci).toEqual(json.pci);
  });

  const refusals: [string, string, RegExp][] = [
    ['a memory that is not a number', 'type = "hvm"\nmemory = "4G"\n', /bad\.cfg:2:10 memory: "4G" is not a whole number; memory is in MiB/],
    ['an unknown device model', 'type = "hvm"\ndevice_model_version = "qemu-dm"\n', /device_model_version: "qemu-dm" is not allowed; use one of "qemu-xen", "qemu-xen-traditional"/],
    ['maxmem below memory', 'type = "hvm"\nmemory = 4096\nmaxmem = 2048\n', /bad\.cfg:3:10 maxmem: 2048 is below memory \(4096\)/],
    ['a malformed PCI address', "type = 'hvm'\npci = [ '0b:00' ]\n", /pci: item 1 "0b:00": expected a host address like "0000:03:00\.0"/],
    ['an unknown vga', "type = 'hvm'\nvga = 'vmware'\n", /vga: "vmware" is not allowed; use one of "stdvga", "cirrus", "none", "qxl"/],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}, naming the key, the value and what is allowed`, () => {
      expect(() => readXlGuest(text, 'bad.cfg')).toThrow(message);
    });
  }
});

describe('Xen releases', () => {
  const bits = (r: string) => hvmloaderOf(parseRelease(r)).behaviours;

  it('maps each modelled series to its version row', () => {
    expect(bits('4.2.5')).toBe(VERSIONS['4.2'].behaviours);
    expect(bits('4.3.0')).toBe(VERSIONS['4.3'].behaviours);
    expect(bits('4.6.0')).toBe(VERSIONS['4.6'].behaviours);
    expect(bits('4.19.0')).toBe(VERSIONS['4.19'].behaviours);
    expect(bits('4.21.0')).toBe(VERSIONS['4.21'].behaviours);
  });

  it('carries the 1 GiB huge-BAR rule into 4.17.4 and 4.18.1, not before', () => {
    expect(bits('4.17.3') & B.B_HUGE_BAR).toBe(0);
    expect(bits('4.17.4') & B.B_HUGE_BAR).toBe(B.B_HUGE_BAR);
    expect(bits('4.18.0') & B.B_HUGE_BAR).toBe(0);
    expect(bits('4.18.1') & B.B_HUGE_BAR).toBe(B.B_HUGE_BAR);
    expect(hvmloaderOf(parseRelease('4.17.4')).hvmloader).toBe('4.19');
    expect(hvmloaderOf(parseRelease('4.17.3')).hvmloader).toBe('4.6');
  });

  it('carries the per-BAR reserved-range lookup into 4.9.1 and 4.10 on, not 4.6.x', () => {
    expect(bits('4.6.6') & B.B_RMRR_SKIP_ONCE).toBe(B.B_RMRR_SKIP_ONCE);
    expect(bits('4.9.0') & B.B_RMRR_SKIP_EACH).toBe(0);
    expect(bits('4.9.1') & B.B_RMRR_SKIP_EACH).toBe(B.B_RMRR_SKIP_EACH);
    expect(bits('4.14.3') & (B.B_RMRR_SKIP_EACH | B.B_RMRR_SKIP_ONCE)).toBe(B.B_RMRR_SKIP_EACH);
  });

  it('moves the dynamic reserved area in 4.15 and its backports', () => {
    expect(hvmloaderOf(parseRelease('4.14.0')).dynamicReservedArea?.start).toBe(0xfc001000n);
    expect(hvmloaderOf(parseRelease('4.14.1')).dynamicReservedArea?.start).toBe(0xfc100000n);
    expect(hvmloaderOf(parseRelease('4.5.0')).dynamicReservedArea).toBeUndefined();
  });

  it('has the ROM probe from 4.4.3 and 4.5.1', () => {
    expect(bits('4.4.2') & B.B_ROM_PROBE).toBe(0);
    expect(bits('4.4.3') & B.B_ROM_PROBE).toBe(B.B_ROM_PROBE);
    expect(bits('4.5.1') & B.B_ROM_PROBE).toBe(B.B_ROM_PROBE);
  });

  it('refuses what is not a release', () => {
    expect(() => parseRelease('4.x')).toThrow(/--xen: "4\.x" is not a Xen release; write it like 4\.17 or 4\.17\.4/);
    expect(() => parseRelease('3.4.0')).toThrow(/3\.4\.0 is not a Xen release; releases before 4\.2\.0 are not modelled/);
  });
});
