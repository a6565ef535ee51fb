// The functions a device model can emulate, by vendor:device ID, with their
// names: collected from emulatedFunctions() itself over guests that ask for
// every emulated device, so the list cannot fall behind the layout code.

import { DEVICE_MODELS, readGuest } from './config.js';
import { emulatedFunctions } from './emulated.js';
import { platformParams } from './libxl.js';
import { parseRelease } from './releases.js';

const GUESTS = [
  `vga = "stdvga"\nusb = 1\nsoundhw = "ac97"\nhdtype = "ahci"\nvendor_device = "xenserver"`,
  `vga = "cirrus"\nsoundhw = "es1370"\nusbctrl = ["type=devicemodel,version=1", "type=devicemodel,version=2", "type=devicemodel,version=3"]`,
  `vga = "qxl"\nsoundhw = "hda"\nusbversion = 2`,
  `usbversion = 3\nsoundhw = "hda"`,
].map((extra, i) => `type = "hvm"\nmemory = 1024\nvif = ["model=e1000", "model=rtl8139", "model=ne2k_pci", "model=pcnet"]\ndisk = ["/dev/null,raw,sda,rw"]\n${extra}\n# catalogue ${i}\n`);
const RELEASES = ['4.3.0', '4.8.0', '4.19.0'];

const key = (vendorId: number, deviceId: number) => `${vendorId.toString(16).padStart(4, '0')}:${deviceId.toString(16).padStart(4, '0')}`;
let names: Map<string, string> | undefined;

/** vendor:device (hex, 4 digits each) -> the emulated function's name. */
export function emulatedCatalogue(): ReadonlyMap<string, string> {
  if (names) return names;
  names = new Map();
  for (const text of GUESTS) {
    const cfg = readGuest(text, 'catalogue');
    for (const r of RELEASES) {
      const release = parseRelease(r);
      for (const dm of DEVICE_MODELS) {
        const params = platformParams(cfg, dm, release, 'libxl');
        for (const f of emulatedFunctions(cfg, dm, release, params.vga, params.videoramMiB).functions) {
          const k = key(f.vendorId, f.deviceId);
          if (!names.has(k)) names.set(k, f.label.replace(/ \((vif \d+|usbctrl)\)$/, ''));
        }
      }
    }
  }
  return names;
}

/** The emulated function's name, or undefined for a device no device model emulates. */
export function emulatedName(vendorId: number, deviceId: number): string | undefined {
  return emulatedCatalogue().get(key(vendorId, deviceId));
}
