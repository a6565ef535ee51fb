// The platform parameters a toolstack gives hvmloader for a guest: RAM below
// and above 4 GiB, and the xenstore keys it writes. Each rule cites the libxl
// source it comes from (xen.git, tools/libs/light or tools/libxl).

import type { GuestConfig, DeviceModel } from './config.js';
import { carries, sinceSeries, type Release } from './releases.js';
import { applyRdm, type HostRmrr, type RdmResult } from './rdm.js';
import { biosRefusal } from './firmware.js';

export type Toolstack = 'libxl' | 'xend' | 'other';
export const TOOLSTACKS: readonly Toolstack[] = ['libxl', 'xend', 'other'];

export interface PlatformParams {
  lowMemEnd: bigint;
  highMemEnd: bigint;
  allowMemoryRelocate?: boolean; // undefined: key not written
  mmioHoleSize?: bigint; // undefined: key not written
  videoramMiB: number;
  vga: 'stdvga' | 'cirrus' | 'none' | 'qxl';
  /** What libxl did with the host's RMRRs (libxl 4.6 on); its exposed entries are E820 reserved ranges. */
  rdm?: RdmResult;
  /** Things the toolstack refuses or silently ignores, as findings. */
  refusals: string[];
  ignored: string[];
}

const MIB = 1n << 20n;
const FOUR_GIB = 1n << 32n;
const HVM_BELOW_4G_MMIO_START = 0xf0000000n;
const HVM_BELOW_4G_MMIO_LENGTH = FOUR_GIB - HVM_BELOW_4G_MMIO_START;

/**
 * The VGA and videoram libxl settles on (libxl__domain_build_info_setdefault,
 * libxl_create.c; xl's parse of `vga` in xl_cmdimpl.c / xl_parse.c):
 * cirrus unless asked otherwise; videoram defaults and minimums per device
 * model. The `vga` key is read from 4.3 (stdvga, cirrus; edb15bf83c), "none"
 * from 4.5, "qxl" from 4.6; xl 4.2 knows only `stdvga`.
 */
export function videoDefaults(cfg: GuestConfig, dm: DeviceModel, release: Release): { vga: PlatformParams['vga']; videoramMiB: number; refusal?: string; ignored?: string } {
  const asked = cfg.videoramMiB;
  let vga = cfg.vga ?? 'cirrus';
  let ignored: string | undefined;
  if (cfg.vgaKey && !carries(release, 'xl-vga-key')) {
    // RELEASE-4.2.0 xl_cmdimpl.c reads only `stdvga`
    vga = cfg.stdvga ? 'stdvga' : 'cirrus';
    ignored = `vga = "${cfg.vga}" is not read by xl before ${sinceSeries('xl-vga-key')} (use stdvga = 1); the guest gets ${vga}`;
  } else if ((vga === 'none' && !carries(release, 'xl-vga-none')) || (vga === 'qxl' && !carries(release, 'xl-vga-qxl'))) {
    return { vga, videoramMiB: 0, refusal: `vga = "${vga}" needs Xen ${sinceSeries(vga === 'none' ? 'xl-vga-none' : 'xl-vga-qxl')} or later; xl ${release.text} exits with "Unknown vga"` };
  }
  if (vga === 'none') return { vga, videoramMiB: asked ?? 0, ignored };
  if (!carries(release, 'libxl-videoram-minimums')) return { vga, videoramMiB: asked ?? 8, ignored }; // RELEASE-4.2.0: 8 MiB, no minimum
  if (!carries(release, 'libxl-videoram-per-device-model')) {
    // RELEASE-4.3.0: 16 MiB (at least 16) for qemu-xen's stdvga, else 8 (at least 8)
    const min = dm === 'qemu-xen' && vga === 'stdvga' ? 16 : 8;
    const v = asked ?? min;
    return { vga, videoramMiB: v, ignored, refusal: v < min ? `videoram = ${v} is below the ${min} MiB libxl requires here` : undefined };
  }
  if (dm === 'qemu-xen-traditional') {
    if (vga === 'qxl') return { vga, videoramMiB: asked ?? 0, refusal: 'vga = "qxl" needs device_model_version = "qemu-xen" (libxl refuses it with qemu-xen-traditional)' };
    if (vga === 'stdvga') {
      const v = asked ?? 8;
      return { vga, videoramMiB: v, refusal: v < 8 ? `videoram = ${v} is below the 8 MiB libxl requires for stdvga on qemu-xen-traditional` : undefined };
    }
    // libxl only warns: the emulated card keeps 4 MiB, but RAM is still reduced by what was asked
    const v = asked ?? 4;
    return { vga, videoramMiB: v, ignored: v !== 4 ? `videoram = ${v} is ignored by the cirrus card of qemu-xen-traditional (always 4 MiB), though libxl still takes ${v} MiB from the guest's RAM for it` : undefined };
  }
  if (vga === 'qxl') {
    const v = asked ?? 128;
    return { vga, videoramMiB: v, refusal: v < 128 ? `videoram = ${v} is below the 128 MiB libxl requires for qxl` : undefined };
  }
  if (vga === 'stdvga') {
    const v = asked ?? 16;
    return { vga, videoramMiB: v, refusal: v < 16 ? `videoram = ${v} is below the 16 MiB libxl requires for stdvga on qemu-xen` : undefined };
  }
  const v = asked ?? 8;
  if (v < 8) return { vga, videoramMiB: v, refusal: `videoram = ${v} is below the 8 MiB libxl requires for cirrus on qemu-xen` };
  // from 4.5 libxl passes vgamem_mb=videoram and QEMU's cirrus accepts only
  // 4, 8 or 16 (qemu-xen-4.6.0 hw/display/cirrus_vga.c: "Invalid cirrus_vga ram size")
  if (carries(release, 'libxl-cirrus-vgamem') && v !== 8 && v !== 16) return { vga, videoramMiB: v, refusal: `videoram = ${v} with cirrus: qemu-xen accepts only 8 or 16 MiB for its cirrus card and fails to start (use 8 or 16, or vga = "stdvga")` };
  return { vga, videoramMiB: v };
}

/** libxl_create.c up to RELEASE-4.13.0: a device model in a stub domain must be qemu-xen-traditional. */
export function libxlRefusesStubdomain(dm: DeviceModel, stubdomain: boolean, release: Release): boolean {
  return dm === 'qemu-xen' && stubdomain && !carries(release, 'qemu-xen-stubdomain');
}

/** The mmio_hole libxl honours, in bytes; undefined when there is none or it is ignored. */
function effectiveHole(cfg: GuestConfig, release: Release, toolstack: Toolstack, ignored: string[]): bigint | undefined {
  if (cfg.mmioHoleMiB === undefined) return undefined;
  if (toolstack !== 'libxl') {
    ignored.push(`mmio_hole is an xl/libxl option; ${toolstack === 'xend' ? 'xend' : 'this toolstack'} does not pass it to hvmloader`);
    return undefined;
  }
  if (!carries(release, 'mmio-hole')) {
    ignored.push(`mmio_hole needs Xen ${sinceSeries('mmio-hole')} or later; xl ${release.text} ignores the key`);
    return undefined;
  }
  // xl_parse.c: 256 MiB to 3840 MiB, else xl exits with an error
  if (cfg.mmioHoleMiB < 256 || cfg.mmioHoleMiB > 3840) {
    ignored.push(`mmio_hole = ${cfg.mmioHoleMiB} is outside 256-3840; xl refuses the config ("invalid value for mmio_hole")`);
    return undefined;
  }
  return BigInt(cfg.mmioHoleMiB) * MIB;
}

/**
 * What the toolstack gives hvmloader. libxl (libxl__build_hvm, libxl_dom.c,
 * RELEASE-4.19.0): RAM is maxmem less videoram; RAM below 4 GiB ends where
 * the MMIO hole starts (4 GiB - mmio_hole, default 256 MiB) and the rest
 * goes above 4 GiB. It writes platform/mmio_hole_size when mmio_hole is set
 * (libxl_create.c) and hvmloader/allow-memory-relocate (libxl_dm.c, from
 * c74c1f906a in 4.3): 1 only for qemu-xen-traditional; for stub domains only
 * from 97883aa269 (4.19; b974528073 4.17.4, 489c2b9ba1 4.18.1); 0 always
 * once qemu-traditional was removed (4.21). xend wrote neither key.
 */
export function platformParams(cfg: GuestConfig, dm: DeviceModel, release: Release, toolstack: Toolstack, rmrrs: HostRmrr[] = []): PlatformParams {
  const refusals: string[] = [];
  const ignored: string[] = [];
  const video = videoDefaults(cfg, dm, release);
  if (video.refusal) refusals.push(video.refusal);
  if (video.ignored) ignored.push(video.ignored);

  const biosRefused = biosRefusal(cfg.bios, dm, toolstack);
  if (biosRefused) refusals.push(biosRefused);
  if (toolstack === 'libxl' && libxlRefusesStubdomain(dm, cfg.stubdomain, release)) {
    refusals.push(`device_model_stubdomain_override with qemu-xen: libxl ${release.text} refuses it ("device model stubdomains require \"qemu-xen-traditional\""); qemu-xen runs in a stub domain from Xen ${sinceSeries('qemu-xen-stubdomain')}`);
  }
  const hole = effectiveHole(cfg, release, toolstack, ignored);
  // libxl_dom.c at RELEASE-4.19.0 libxl__build_hvm: mem_size = (max_memkb -
  // video_memkb) << 10, unsigned: with no RAM left the domain build fails
  const memSize = BigInt(cfg.maxmemMiB - video.videoramMiB) * MIB;
  const ramKey = cfg.maxmemMiB !== cfg.memoryMiB ? 'maxmem' : 'memory';
  const ramAt = `${cfg.places?.[ramKey] ?? cfg.source} ${ramKey} = ${cfg.maxmemMiB}`;
  if (memSize < MIB) {
    refusals.push(`${ramAt}: libxl gives the guest ${ramKey} less videoram (${video.videoramMiB} MiB), which leaves no RAM, and the domain build fails; give ${ramKey} well above ${video.videoramMiB}`);
  }
  const mmioSize = hole !== undefined && FOUR_GIB - hole < HVM_BELOW_4G_MMIO_START ? hole : HVM_BELOW_4G_MMIO_LENGTH;
  const mmioStart = FOUR_GIB - mmioSize;
  let lowMemEnd = memSize;
  let highMemEnd = 0n;
  if (lowMemEnd > mmioStart) {
    highMemEnd = FOUR_GIB + (lowMemEnd - mmioStart);
    lowMemEnd = mmioStart;
  }
  // libxl_dom.c: RMRRs are handled right after this split (4.6 on)
  let rdm: RdmResult | undefined;
  if (toolstack === 'libxl') {
    rdm = applyRdm(cfg, release, lowMemEnd, highMemEnd, rmrrs);
    lowMemEnd = rdm.lowMemEnd;
    highMemEnd = rdm.highMemEnd;
    ignored.push(...rdm.notes);
  } else if (cfg.rdm !== undefined) {
    ignored.push(`rdm is an xl/libxl option; ${toolstack === 'xend' ? 'xend' : 'this toolstack'} reserves no RMRRs in the guest's memory map`);
  }

  let allowMemoryRelocate: boolean | undefined;
  if (toolstack === 'libxl' && carries(release, 'relocate-devices-not-memory')) {
    if (!cfg.stubdomain || carries(release, 'stubdom-allow-memory-relocate')) {
      allowMemoryRelocate = carries(release, 'no-qemu-traditional') ? false : dm === 'qemu-xen-traditional';
    }
  }
  // hvm_info_table.h (RELEASE-4.19.0): high_mem_pgend is a 32-bit page
  // number, so RAM above 4 GiB must end below 16 TiB
  if (highMemEnd >= 1n << 44n) {
    refusals.push(`${ramAt}: RAM would end at ${highMemEnd >> 30n} GiB, past the 16 TiB hvmloader can be told of (hvm_info's high_mem_pgend is 32 bits of pages); give ${ramKey} less than ${Number(((1n << 44n) - (highMemEnd - memSize)) >> 20n) + video.videoramMiB}`);
  }
  return {
    lowMemEnd,
    highMemEnd,
    allowMemoryRelocate,
    mmioHoleSize: hole,
    videoramMiB: video.videoramMiB,
    vga: video.vga,
    rdm,
    refusals,
    ignored,
  };
}
