// The memory rules of each Xen release: what libxl, libxc and Xen do with a
// guest's memory at build time. Every rule was read from xen.git at the tags
// cited (`git show RELEASE-x.y.z:path`); docs/research/memory-budget.md has
// the long form. Units: KiB as libxl counts (`*_memkb`), pages of 4 KiB as
// Xen counts. All values stay far below 2^53, so they are plain numbers.

import { carries, type Release } from '../guest/releases.js';

export type GuestType = 'hvm' | 'pv' | 'pvh';

// RELEASE-4.2.0 .. 4.22.0 libxl_internal.h: LIBXL_MAXMEM_CONSTANT, LIBXL_PV_EXTRA_MEMORY,
// LIBXL_HVM_EXTRA_MEMORY (unchanged across the releases)
export const MAXMEM_CONSTANT_KIB = 1024;
export const PV_EXTRA_KIB = 1024;
export const HVM_EXTRA_KIB = 2048;
/** The VGA hole 0xA0000-0xBFFFF that the builder leaves unpopulated when there is a device model. */
export const VGA_HOLE_PAGES = 0x20;
const MAX_PAGES_LIMIT = 2 ** 32 - 1; // struct domain's max_pages and tot_pages are unsigned int

/**
 * max_pages as libxl__build_pre sets it: target + LIBXL_MAXMEM_CONSTANT, in
 * pages (RELEASE-4.2.0 libxl_dom.c l.235; RELEASE-4.19.0 libxl_dom.c l.352-358
 * through libxl__arch_extra_memory, the same constant on x86). Xen keeps it in
 * an unsigned int: before 4.6 the domctl truncated it (it wraps), from 4.6
 * it clamps to 2^32 - 1 (017e667c43).
 */
export function maxPages(r: Release, targetKiB: number): { pages: number; wrapped: boolean; clamped: boolean } {
  const asked = Math.floor((targetKiB + MAXMEM_CONSTANT_KIB) / 4);
  if (asked <= MAX_PAGES_LIMIT) return { pages: asked, wrapped: false, clamped: false };
  if (carries(r, 'xen-max-mem-clamped')) return { pages: MAX_PAGES_LIMIT, wrapped: false, clamped: true };
  return { pages: asked % 2 ** 32, wrapped: true, clamped: false };
}

/**
 * xenstore memory/target (libxl__build_post): target less video RAM, less
 * 1 MiB for an HVM guest in PoD mode once XSA-153 is in (RELEASE-4.22.0
 * libxl_internal.h libxl__get_targetmem_fudge: type HVM only, so PVH gets none).
 */
export function balloonTargetKiB(r: Release, type: GuestType, targetKiB: number, maxKiB: number, videoKiB: number): number {
  const fudge = type === 'hvm' && maxKiB > targetKiB && carries(r, 'libxl-pod-target-fudge') ? MAXMEM_CONSTANT_KIB : 0;
  return targetKiB - videoKiB - fudge;
}

/**
 * The PoD target the builder sets (HVM and PVH with maxmem above memory):
 * target pages less the VGA hole when there is a device model
 * (RELEASE-4.3.0 xc_hvm_build_x86.c: target - 0x20; RELEASE-4.19.0
 * xg_dom_x86.c meminit_hvm: target_pages - vga_hole_size, 0 without one).
 */
export function podTargetPages(type: GuestType, targetKiB: number, maxKiB: number, videoKiB: number): number | null {
  if (type === 'pv' || maxKiB <= targetKiB) return null;
  return (targetKiB - videoKiB) / 4 - (type === 'hvm' ? VGA_HOLE_PAGES : 0);
}

export interface Claim {
  /** The pages argument of XENMEM_claim_pages: the domain's total after the claim. */
  pages: number;
  /** tot_pages when the claim is made; Xen stakes pages - this. */
  totBefore: number;
}

/**
 * What libxc passes to xc_domain_claim_pages, when claim_mode is on.
 * HVM 4.3: maxmem's pages less 0xc0, after the PoD target was set (PoD) or
 * after 0xa0 pages were populated (RELEASE-4.3.0 xc_hvm_build_x86.c l.303-343).
 * HVM 4.4 on: the target less the VGA hole, before anything is populated
 * (RELEASE-4.4.0 xc_hvm_build_x86.c l.314; RELEASE-4.19.0 xg_dom_x86.c l.1444).
 * PVH: the target (no device model, no hole). PV: dom->total_pages, memory's
 * pages (RELEASE-4.3.0 xc_dom_x86.c l.789-796; RELEASE-4.19.0 xg_dom_x86.c meminit_pv).
 */
export function claimOf(r: Release, type: GuestType, targetKiB: number, maxKiB: number, videoKiB: number): Claim {
  if (type === 'pv') return { pages: targetKiB / 4, totBefore: 0 };
  if (type === 'pvh') return { pages: targetKiB / 4, totBefore: 0 };
  if (carries(r, 'xc-hvm-claim-from-target')) return { pages: (targetKiB - videoKiB) / 4 - VGA_HOLE_PAGES, totBefore: 0 };
  const pod = maxKiB > targetKiB;
  return {
    pages: (maxKiB - videoKiB) / 4 - 0xc0,
    totBefore: pod ? (targetKiB - videoKiB) / 4 - VGA_HOLE_PAGES : 0xa0,
  };
}

export type ClaimErrno = 'EINVAL' | 'ENOMEM';

/**
 * Xen's domain_set_outstanding_pages (RELEASE-4.3.0 and RELEASE-4.19.0
 * xen/common/page_alloc.c): EINVAL when the total asked is not above
 * tot_pages or is above max_pages; ENOMEM when pages - tot_pages exceeds
 * the free heap less every outstanding claim. `freePages` undefined: not checked.
 */
export function claimErrno(claim: Claim, maxPagesNow: number, freePages?: number, claimedPages = 0): ClaimErrno | null {
  if (claim.pages <= claim.totBefore || claim.pages > maxPagesNow) return 'EINVAL';
  if (freePages !== undefined && claim.pages - claim.totBefore > freePages - claimedPages) return 'ENOMEM';
  return null;
}

/**
 * What xl prints when the claim fails: libxc's error through xl's logger,
 * then libxl's. 4.3-4.6 build HVM guests with xc_hvm_build: PERROR (message,
 * errno, then ": Internal error"), and libxl__build_hvm's "hvm building
 * failed" (RELEASE-4.6.0 xc_hvm_build_x86.c l.388, libxl_dom.c l.999). PV in
 * every release and every type from 4.7 (RELEASE-4.7.0 libxl_dom.c l.643) go
 * through xc_dom_boot_mem_init: its panic ("...: Out of memory") and libxl's
 * LOGE with the claim's errno (RELEASE-4.19.0 xg_dom_boot.c l.116-122,
 * libxl_dom.c l.581). Line numbers left out: they move with every release.
 */
export function claimMessage(r: Release, type: GuestType, errno: ClaimErrno): string {
  const [code, text] = errno === 'EINVAL' ? [22, 'Invalid argument'] : [12, 'Cannot allocate memory'];
  if (type === 'hvm' && !carries(r, 'libxl-hvm-xc-dom')) {
    return `xc: error: Could not allocate memory for HVM guest as we cannot claim memory! (${code} = ${text}): Internal error / libxl: error: libxl_dom.c: libxl__build_hvm: hvm building failed`;
  }
  const file = carries(r, 'libs-guest') ? 'xg_dom_boot.c' : 'xc_dom_boot.c';
  const fn = carries(r, 'libxl-hvm-xc-dom') ? 'libxl__build_dom' : 'libxl__build_pv';
  return `xc: error: panic: ${file}: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory / libxl: error: libxl_dom.c: ${fn}: xc_dom_boot_mem_init failed: ${text}`;
}

/** The vCPU count the paging default is computed with: xl leaves max_vcpus 0 when neither key is set, and libxl defaults it to 1 only afterwards. */
export function pagingVcpus(cfg: { vcpus?: number; maxvcpus?: number }): number {
  // RELEASE-4.2.0 xl_cmdimpl.c l.663-676 and l.773-776; RELEASE-4.12.0 xl_parse.c l.1386-1387;
  // RELEASE-4.17.0 libxl_create.c: the default at l.1222 runs before build_info_setdefault (l.1237)
  return cfg.maxvcpus ?? cfg.vcpus ?? 0;
}

/**
 * The default paging (shadow / HAP p2m) pool, KiB. Up to 4.16:
 * 4 * (256 * vcpus + 2 * maxmem MiB) for every type (RELEASE-4.2.0
 * libxl_utils.c libxl_get_required_shadow_memory; computed by xl up to 4.12,
 * by libxl from 4.13). From 4.17: 4 * (256 * vcpus + k * maxmem MiB) with
 * k = (not PV) + (no HAP), HAP counting as off for PV (RELEASE-4.17.0
 * libxl_create.c l.1028-1049, l.1217-1227; EXTRA_DEFAULT_PAGING_MEM_MB is 0 on x86).
 */
export function defaultPagingKiB(r: Release, type: GuestType, hap: boolean, vcpus: number, maxMiB: number): number {
  if (!carries(r, 'libxl-paging-by-type-and-hap')) return 4 * (256 * vcpus + 2 * maxMiB);
  const k = (type !== 'pv' ? 1 : 0) + (type === 'pv' || !hap ? 1 : 0);
  return 4 * (256 * vcpus + k * maxMiB);
}

/**
 * What the paging pool allocation actually takes (HVM and PVH; PV allocates
 * none): whole MiB rounded up through SHADOW_OP_SET_ALLOCATION up to 4.16
 * (RELEASE-4.12.0 libxl_x86.c l.347-351), the exact size from 4.17
 * (xc_set_paging_mempool_size, 7c3bbd940d).
 */
export function pagingAllocatedKiB(r: Release, type: GuestType, shadowKiB: number): number {
  if (type === 'pv') return 0;
  return carries(r, 'libxl-paging-by-type-and-hap') ? shadowKiB : Math.ceil(shadowKiB / 1024) * 1024;
}

/**
 * libxl's IOMMU page-table reserve (4.13 on, only for passthrough=sync_pt):
 * a 4-level table of 512 entries, ceil(pages / 512^k) for k = 1..4, in KiB
 * (RELEASE-4.13.0 libxl_create.c libxl__get_required_iommu_memory).
 */
export function iommuKiB(maxKiB: number): number {
  let pages = Math.floor(maxKiB / 4);
  let total = 0;
  for (let level = 0; level < 4; level++) {
    pages = Math.ceil(pages / 512);
    total += pages;
  }
  return total * 4;
}

/**
 * The stub domain's memory (its max and target), KiB, and what
 * libxl_domain_need_memory counts for it.
 * 4.2-4.5: 32 MiB (RELEASE-4.2.0 libxl_dm.c l.769). 4.6-4.13: 28 MiB + video
 * RAM, still counted as 32 MiB (RELEASE-4.6.0 libxl_dm.c l.1375;
 * RELEASE-4.13.0 libxl_mem.c l.463). 4.14 on: stubdomain_memory, default
 * 128 MiB for qemu-xen's Linux stub domain and 28 MiB for MiniOS, plus video
 * RAM, counted in full (RELEASE-4.14.0 libxl_create.c l.243-252, libxl_dm.c
 * l.2290-2292, libxl_mem.c l.462-465).
 */
export function stubdom(r: Release, dm: 'qemu-xen' | 'qemu-xen-traditional', videoKiB: number, stubdomainMemoryMiB?: number): { kib: number; countedKiB: number } {
  if (!carries(r, 'libxl-stubdom-plus-video')) return { kib: 32 * 1024, countedKiB: 32 * 1024 };
  if (!carries(r, 'libxl-stubdomain-memory')) return { kib: 28 * 1024 + videoKiB, countedKiB: 32 * 1024 };
  const base = stubdomainMemoryMiB !== undefined ? stubdomainMemoryMiB * 1024 : dm === 'qemu-xen' ? 128 * 1024 : 28 * 1024;
  return { kib: base + videoKiB, countedKiB: base + videoKiB };
}

/**
 * libxl_domain_need_memory, what xl's freemem() compares with the host's
 * free memory: target + paging + IOMMU (4.13 on) + 2 MiB for HVM/PVH (+ the
 * stub domain) or 1 MiB for PV, rounded up to 2 MiB (RELEASE-4.2.0 libxl.c
 * l.3508-3534; RELEASE-4.13.0 and RELEASE-4.22.0 libxl_mem.c
 * libxl__domain_need_memory_calculate).
 */
export function needMemoryKiB(type: GuestType, targetKiB: number, shadowKiB: number, iommu: number, stubCountedKiB: number): number {
  let need = targetKiB + shadowKiB + iommu;
  need += type === 'pv' ? PV_EXTRA_KIB : HVM_EXTRA_KIB + stubCountedKiB;
  return Math.ceil(need / 2048) * 2048;
}

/** Pages the builder populates besides guest RAM: 8 special pages, and 8 ioreq-server pages with a device model from 4.5 (RELEASE-4.19.0 xg_dom_x86.c alloc_magic_pages_hvm). */
export function specialPages(r: Release, deviceModel: boolean): number {
  return 8 + (deviceModel && carries(r, 'xc-ioreq-server-pages') ? 8 : 0);
}

/** The per-domain p2m tree limit of 64-bit PV guests before the linear p2m list: 512 GiB. */
export const PV64_P2M_TREE_LIMIT_MIB = 512 * 1024;

/**
 * A 32-bit PV guest's machine frames must have entries in the compat M2P
 * window 0xF5800000-0xFFE00000 (RELEASE-4.19.0 asm/config.h l.249-261): when
 * the host's memory map reaches beyond that many frames, every allocation for
 * the guest comes from below 2^(fls(entries) - 1 + 12) bytes
 * (RELEASE-4.19.0 x86_64/mm.c domain_set_alloc_bitsize).
 */
export const COMPAT_M2P_ENTRIES = (0xffe00000 - 0xf5800000) / 4;
export const PV32_ADDRESS_BITS = Math.floor(Math.log2(COMPAT_M2P_ENTRIES)) + 12;
