// Sound cards of `soundhw`. The PCI ones and their registers are the same in
// both device models (QX@qemu-xen-4.7.0-rc4 hw/audio/ac97.c, es1370.c,
// intel-hda.c; QT@xen-4.8.0 hw/ac97.c, hw/es1370.c); sb16, adlib, gus,
// cs4231a and pcspk are ISA devices and add no PCI function.
//
// How libxl asks for them: `-soundhw LIST` up to 4.16 (QEMU creates the cards
// right after the machine, before any -device: qemu-xen-4.4.0 .. 4.7.0-rc4
// vl.c audio_init; inside pc_init1 after the IDE in QEMU 1.0/1.3 and in
// qemu-xen-traditional), and from 62ca138c2c (4.17) one `-device` for one
// card named in libxl's list, after the usbversion controller and before
// the NICs (RELEASE-4.19.0 tools/libs/light/libxl_dm.c l.1534-1552).

import type { DeviceModel } from './config.js';
import type { DeviceTemplate } from './emulated.js';
import { carries, type Release } from './releases.js';


const AC97: DeviceTemplate = {
  vendorId: 0x8086, deviceId: 0x2415, classCode: 0x0401, interruptPin: 1, label: 'AC97 audio',
  bars: [{ index: 0, type: 'io', size: 1024n }, { index: 1, type: 'io', size: 256n }],
};
const ES1370: DeviceTemplate = {
  vendorId: 0x1274, deviceId: 0x5000, classCode: 0x0401, interruptPin: 1, label: 'ES1370 audio',
  bars: [{ index: 0, type: 'io', size: 256n }],
};
// intel-hda (ICH6): one 16 KiB non-prefetchable MMIO BAR
const HDA: DeviceTemplate = {
  vendorId: 0x8086, deviceId: 0x2668, classCode: 0x0403, interruptPin: 1, label: 'Intel HD audio',
  bars: [{ index: 0, type: 'mem32', size: 16n * 1024n }],
};

const ISA_CARDS = ['sb16', 'adlib', 'gus', 'cs4231a', 'pcspk'];
// libxl__qemu_soundhw (4.17 on): the names libxl turns into -device
const LIBXL_NAMES = ['ac97', 'adlib', 'cs4231a', 'es1370', 'gus', 'hda', 'sb16'];

export interface SoundLayout {
  cards: DeviceTemplate[];
  /** Where the cards go: created with the machine (-soundhw) or as libxl's -device. */
  asDevice: boolean;
  refusal?: { message: string; fix: string };
  note?: string;
}

export function soundCards(soundhw: string | undefined, dm: DeviceModel, release: Release): SoundLayout {
  const asDevice = dm === 'qemu-xen' && carries(release, 'libxl-soundhw-device');
  const out: SoundLayout = { cards: [], asDevice };
  if (soundhw === undefined || soundhw.trim() === '') return out;
  const names = soundhw.split(',').map((n) => n.trim());
  if (asDevice) {
    if (names.length !== 1 || !LIBXL_NAMES.includes(names[0])) {
      out.refusal = { message: `soundhw = "${soundhw}": libxl ${release.text} takes one card from ${LIBXL_NAMES.join(', ')} and fails ("Unknown soundhw option")`, fix: 'name one card, e.g. soundhw = "hda"' };
      return out;
    }
  } else if (names.includes('all')) {
    out.note = `soundhw = "all": the set of cards depends on how QEMU was built and is not modelled; the slots of devices created after them are too low here`;
    return out;
  }
  const known: Record<string, DeviceTemplate> = dm === 'qemu-xen' ? { ac97: AC97, es1370: ES1370, hda: HDA } : { ac97: AC97, es1370: ES1370 };
  const unknown = names.filter((n) => !known[n] && !ISA_CARDS.includes(n));
  if (unknown.length) {
    out.refusal = {
      message: `soundhw = "${soundhw}": ${dm} has no sound card ${unknown.map((u) => `"${u}"`).join(', ')} and exits at start ("Unknown sound card name")`,
      fix: `use ${Object.keys(known).join(', ')} or an ISA card (sb16, adlib, gus, cs4231a)`,
    };
    return out;
  }
  // -soundhw creates the enabled cards in QEMU's own table order, not the order given
  out.cards = Object.keys(known).filter((n) => names.includes(n)).map((n) => known[n]);
  return out;
}
