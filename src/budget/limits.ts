// Size limits of a guest's memory: what Xen can count, what PV guests' p2m
// reaches, and what each release's SUPPORT.md states.

import { finding, type Finding } from '../verdict/findings.js';
import type { GuestConfig } from '../guest/config.js';
import { carries, type Release } from '../guest/releases.js';
import { COMPAT_M2P_ENTRIES, PV32_ADDRESS_BITS, PV64_P2M_TREE_LIMIT_MIB, type GuestType } from './rules.js';

const TIB_MIB = 1024 * 1024;

/**
 * The largest memory (MiB) a release can build. Xen counts a domain's pages
 * in unsigned ints (max_pages, tot_pages: RELEASE-4.2.0 and RELEASE-4.19.0
 * xen/include/xen/sched.h). Before 4.6 XEN_DOMCTL_max_mem truncates
 * memory + 1 MiB to 32 bits, so 2^32 pages or more wrap to almost nothing
 * (RELEASE-4.5.0 xen/common/domctl.c). From 4.6 it clamps to 2^32 - 1
 * (017e667c43): an HVM guest's populated pages (memory less videoram and the
 * VGA hole, plus 16 special pages) still fit at 16 TiB, a PV or PVH guest's
 * memory/4 pages do not.
 */
export function memoryCeilingMiB(r: Release, type: GuestType): number {
  if (!carries(r, 'xen-max-mem-clamped')) return 2 ** 24 - 2; // (memory * 1024 + 1024) / 4 <= 2^32 - 1
  return type === 'hvm' ? 2 ** 24 : 2 ** 24 - 1;
}

export function limitFindings(cfg: GuestConfig, r: Release, type: GuestType, pv32: boolean): Finding[] {
  const out: Finding[] = [];
  const sizeMiB = Math.max(cfg.memoryMiB, cfg.maxmemMiB);
  const gib = (mib: number) => `${mib / 1024} GiB`;

  if (type === 'pv' && !pv32 && sizeMiB > PV64_P2M_TREE_LIMIT_MIB) {
    if (!carries(r, 'xc-pv-linear-p2m')) {
      out.push(finding('pv-512g-tools', `a 64-bit PV guest of ${gib(sizeMiB)}: the tools of Xen ${r.text} keep the initial p2m inside the kernel's mapping and save, restore and migrate through the three-level p2m tree, which covers 512 GiB; the linear p2m list came with Xen 4.7 (abdf3c5b2b, 7bf74582b3)`, 'use Xen 4.7 or later with a kernel that supports the linear p2m, keep the guest at 512 GiB, or use HVM/PVH'));
    } else {
      out.push(finding('pv-512g-kernel', `a 64-bit PV guest of ${gib(sizeMiB)}: Xen ${r.text} builds it with the p2m list outside the kernel's mapping and migrates it through the linear p2m (4.7 on), but Linux built with CONFIG_XEN_512GB=y (the default) uses only 512 GiB of it`, 'boot the guest kernel with xen_512gb_limit=0, or build it with CONFIG_XEN_512GB=n'));
    }
  }
  if (type === 'pv' && pv32) {
    const m2pGiB = Math.floor((COMPAT_M2P_ENTRIES * 4) / (1024 * 1024));
    out.push(finding('pv32-address-width', `a 32-bit PV guest's frames need entries in Xen's compat M2P (${COMPAT_M2P_ENTRIES} frames, about ${m2pGiB} GiB): on a host whose memory map reaches beyond that, Xen allocates every page of the guest below ${2 ** (PV32_ADDRESS_BITS - 30)} GiB of machine address, and a claim does not know it (x86_64/mm.c domain_set_alloc_bitsize)`));
    if (sizeMiB > 64 * 1024) {
      out.push(finding('pv32-64g', `a 32-bit PAE PV kernel uses at most 64 GiB; ${gib(sizeMiB)} is more than it can map`, 'use a 64-bit kernel, or memory = 65536 or less'));
    }
    if (carries(r, 'xen-pv32-kconfig')) out.push(finding('pv32-config', `Xen ${r.text} runs 32-bit PV guests only when built with CONFIG_PV32 (4.14 on, 68d757df8d)`));
  }
  if (sizeMiB > 8 * TIB_MIB) {
    if (carries(r, 'support-guest-memory-limits')) {
      out.push(finding('support-memory-unsupported', `${gib(sizeMiB)}: SUPPORT.md of Xen ${r.text} supports x86 guests up to 8 TiB; above that, below 16 TiB, they are supported but not security supported`));
    } else {
      out.push(finding('support-memory-unstated', `${gib(sizeMiB)}: SUPPORT.md of Xen ${r.text} states no guest memory limit (4.17 is the first to: 8 TiB security supported, below 16 TiB supported)`));
    }
  }
  return out;
}
