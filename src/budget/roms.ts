// What QEMU populates in the guest beyond its RAM, and the room max_pages
// leaves for it. qemu-xen's xen_ram_alloc populates every RAM block but the
// guest's main RAM at build time: the video RAM and each PCI option ROM
// (qemu-xen-4.6.0 xen-hvm.c; current QEMU hw/xen/xen-hvm-common.c), and stops
// with "xen: failed to populate ram at ..." when Xen refuses a page.

import type { DeviceModel, GuestConfig } from '../guest/config.js';
import { emulatedFunctions } from '../guest/emulated.js';
import { videoDefaults } from '../guest/libxl.js';
import type { Release } from '../guest/releases.js';
import { specialPages, VGA_HOLE_PAGES } from './rules.js';

export interface RomNeed {
  /** KiB QEMU populates beyond the video RAM libxl subtracted from the guest. */
  kib: number;
  /** Always an estimate: distributions ship their own ROM files. */
  exact: false;
  basis: string;
  items: { what: string; kib: number }[];
}

/**
 * KiB of max_pages left when QEMU starts, after guest RAM, the special pages
 * and the video RAM libxl accounted for. The builder populates the guest's
 * RAM (the PoD target for a PoD guest) less the VGA hole, then the special
 * pages (RELEASE-4.19.0 xg_dom_x86.c meminit_hvm, alloc_magic_pages_hvm):
 * max_pages - tot_pages = 1 MiB + the VGA hole + videoram - the special pages.
 */
export function romSlackKiB(r: Release, targetKiB: number, videoKiB: number, maxPagesNow: number): number {
  // without PoD maxmem equals memory, and with PoD tot_pages is the PoD target: memory in both
  const tot = (targetKiB - videoKiB) / 4 - VGA_HOLE_PAGES + specialPages(r, true);
  return (maxPagesNow - tot) * 4 - videoKiB;
}

const KIB = 1024n;

/** The pages QEMU populates beyond videoram: option ROM BARs and any video RAM above videoram. */
export function romNeed(cfg: GuestConfig, r: Release, dm: DeviceModel, videoramMiB: number): RomNeed {
  if (dm === 'qemu-xen-traditional') {
    return {
      kib: 0,
      exact: false,
      basis: 'qemu-xen-traditional has no PCI option ROMs (hvmloader carries the VGA and NIC BIOS) and its video RAM is taken to fit in videoram',
      items: [],
    };
  }
  const vga = videoDefaults(cfg, dm, r).vga;
  const layout = emulatedFunctions(cfg, dm, r, vga, videoramMiB);
  const items: { what: string; kib: number }[] = [];
  for (const f of layout.functions) {
    const rom = f.bars.find((b) => b.type === 'rom');
    if (rom) items.push({ what: `${f.label} ROM`, kib: Number(rom.size / KIB) });
  }
  // QEMU's video RAM blocks: std VGA's framebuffer BAR (vgamem rounded up to a
  // power of two), qxl's RAM, VRAM and its 8 KiB ROM BAR; cirrus keeps
  // vgamem_mb (videoram, 8 or 16, from 4.5; QEMU's default before)
  const card = layout.functions.find((f) => f.classCode === 0x0300);
  let vramKiB = videoramMiB * 1024;
  if (card?.vendorId === 0x1234) vramKiB = Number(card.bars.find((b) => b.index === 0)!.size / KIB);
  if (card?.vendorId === 0x1b36) vramKiB = Number(card.bars.filter((b) => b.index <= 2).reduce((s, b) => s + b.size, 0n) / KIB);
  const excess = vramKiB - videoramMiB * 1024;
  if (excess > 0) items.push({ what: `video RAM beyond videoram = ${videoramMiB}`, kib: excess });
  return {
    kib: items.reduce((s, i) => s + i.kib, 0),
    exact: false,
    basis: "ROM sizes of the QEMU each release pins (its pc-bios files rounded up to a power of two); distributions may ship other ROM files",
    items,
  };
}
