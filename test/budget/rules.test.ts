// The memory rules, one by one, at the releases where each changed and the
// ones before. Every expected value is worked out by hand in the comment
// beside it from the source cited in src/budget/rules.ts.
import { describe, expect, it } from 'vitest';
import { carries, parseRelease } from '../../src/guest/releases.js';
import * as R from '../../src/budget/rules.js';
import { memoryCeilingMiB } from '../../src/budget/limits.js';

const rel = (t: string) => parseRelease(t);
const MiB = 1024;

describe('max_pages (libxl__build_pre: memory + LIBXL_MAXMEM_CONSTANT)', () => {
  it('is memory + 1 MiB in pages, whatever maxmem', () => {
    // (4096 * 1024 + 1024) / 4 = 1048832
    expect(R.maxPages(rel('4.2'), 4096 * MiB).pages).toBe(1048832);
    expect(R.maxPages(rel('4.22'), 4096 * MiB).pages).toBe(1048832);
  });
  it('wraps at 2^32 pages before 4.6 and clamps from 4.6 (017e667c43)', () => {
    // (16777215 * 1024 + 1024) / 4 = 2^32: truncated to 0 by 4.5's domctl, clamped to 2^32 - 1 by 4.6's
    expect(R.maxPages(rel('4.5'), 16777215 * MiB)).toEqual({ pages: 0, wrapped: true, clamped: false });
    expect(R.maxPages(rel('4.6'), 16777215 * MiB)).toEqual({ pages: 2 ** 32 - 1, wrapped: false, clamped: true });
    // 16777214 MiB: 2^32 - 256 pages, below the limit in both
    expect(R.maxPages(rel('4.5'), 16777214 * MiB).pages).toBe(2 ** 32 - 256);
  });
  it('bounds the memory a release can build', () => {
    expect(memoryCeilingMiB(rel('4.5'), 'hvm')).toBe(16777214);
    expect(memoryCeilingMiB(rel('4.6'), 'hvm')).toBe(16777216);
    expect(memoryCeilingMiB(rel('4.6'), 'pv')).toBe(16777215); // memory/4 pages must fit in 2^32 - 1
  });
});

describe('balloon target (xenstore memory/target) and the XSA-153 margin', () => {
  // HVM PoD, memory 2048, maxmem 4096, videoram 8: 2097152 - 8192 = 2088960, less 1024 with the fix
  const pod = (t: string, type: R.GuestType = 'hvm') => R.balloonTargetKiB(rel(t), type, 2048 * MiB, 4096 * MiB, type === 'hvm' ? 8 * MiB : 0);
  it('takes 1 MiB off for HVM PoD guests from 4.4.4, 4.5.2, 4.6.1 and 4.7', () => {
    for (const t of ['4.4.4', '4.5.2', '4.6.1', '4.7.0', '4.19']) expect(pod(t)).toBe(2087936);
    for (const t of ['4.3.0', '4.4.3', '4.5.1', '4.6.0']) expect(pod(t)).toBe(2088960);
  });
  it('takes nothing off without PoD, and nothing for PVH (type HVM only)', () => {
    expect(R.balloonTargetKiB(rel('4.19'), 'hvm', 2048 * MiB, 2048 * MiB, 8 * MiB)).toBe(2088960);
    expect(pod('4.19', 'pvh')).toBe(2097152);
  });
});

describe('PoD target', () => {
  it('is the target less video RAM and, with a device model, the VGA hole', () => {
    // (2097152 - 8192) / 4 - 32 = 522208; PVH: 2097152 / 4 = 524288
    expect(R.podTargetPages('hvm', 2048 * MiB, 4096 * MiB, 8 * MiB)).toBe(522208);
    expect(R.podTargetPages('pvh', 2048 * MiB, 4096 * MiB, 0)).toBe(524288);
    expect(R.podTargetPages('hvm', 2048 * MiB, 2048 * MiB, 8 * MiB)).toBeNull();
    expect(R.podTargetPages('pv', 2048 * MiB, 4096 * MiB, 0)).toBeNull();
  });
});

describe('the claim libxc makes and how Xen answers it', () => {
  it('4.3 HVM claims from maxmem less 0xc0; 4.4 from the target less the VGA hole (46b5f0fd1f)', () => {
    // 4.3 non-PoD: (2097152 - 8192)/4 - 192 = 522048, after 0xa0 pages were populated
    expect(R.claimOf(rel('4.3'), 'hvm', 2048 * MiB, 2048 * MiB, 8 * MiB)).toEqual({ pages: 522048, totBefore: 160 });
    // 4.3 PoD: (4194304 - 8192)/4 - 192 = 1046336, after the PoD cache made tot_pages 522208
    expect(R.claimOf(rel('4.3'), 'hvm', 2048 * MiB, 4096 * MiB, 8 * MiB)).toEqual({ pages: 1046336, totBefore: 522208 });
    // 4.4: 522208 whether PoD or not, before anything is populated
    expect(R.claimOf(rel('4.4'), 'hvm', 2048 * MiB, 4096 * MiB, 8 * MiB)).toEqual({ pages: 522208, totBefore: 0 });
  });
  it('PV and PVH claim memory/4 pages', () => {
    expect(R.claimOf(rel('4.3'), 'pv', 1024 * MiB, 2048 * MiB, 0)).toEqual({ pages: 262144, totBefore: 0 });
    expect(R.claimOf(rel('4.19'), 'pvh', 1024 * MiB, 1024 * MiB, 0)).toEqual({ pages: 262144, totBefore: 0 });
  });
  it('fails with EINVAL above max_pages and ENOMEM above free less outstanding claims', () => {
    const c = { pages: 522208, totBefore: 0 };
    expect(R.claimErrno(c, 524544)).toBeNull();
    expect(R.claimErrno({ pages: 1046336, totBefore: 522208 }, 524544)).toBe('EINVAL');
    expect(R.claimErrno({ pages: 100, totBefore: 100 }, 524544)).toBe('EINVAL'); // not above tot_pages
    expect(R.claimErrno(c, 524544, 522208)).toBeNull(); // exactly fits
    expect(R.claimErrno(c, 524544, 522207)).toBe('ENOMEM');
    expect(R.claimErrno(c, 524544, 522240, 256)).toBe('ENOMEM'); // 522240 - 256 = 521984 < 522208
  });
  it('prints the message of the path that builds the guest', () => {
    expect(R.claimMessage(rel('4.6'), 'hvm', 'EINVAL')).toBe('xc: error: Could not allocate memory for HVM guest as we cannot claim memory! (22 = Invalid argument): Internal error / libxl: error: libxl_dom.c: libxl__build_hvm: hvm building failed');
    expect(R.claimMessage(rel('4.7'), 'hvm', 'ENOMEM')).toBe("xc: error: panic: xc_dom_boot.c: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory / libxl: error: libxl_dom.c: libxl__build_dom: xc_dom_boot_mem_init failed: Cannot allocate memory");
    expect(R.claimMessage(rel('4.3'), 'pv', 'ENOMEM')).toMatch(/panic: xc_dom_boot\.c: .* libxl__build_pv: xc_dom_boot_mem_init failed/);
    expect(R.claimMessage(rel('4.15'), 'pvh', 'ENOMEM')).toMatch(/panic: xg_dom_boot\.c: .* libxl__build_dom/);
  });
  it('claims exist from 4.3, and xl turns them on by default from 4.4', () => {
    expect([carries(rel('4.2'), 'xc-claims'), carries(rel('4.3'), 'xc-claims')]).toEqual([false, true]);
    expect([carries(rel('4.3'), 'xl-claim-mode-default-on'), carries(rel('4.4'), 'xl-claim-mode-default-on')]).toEqual([false, true]);
  });
});

describe('the paging pool default', () => {
  it('is 4 * (256 * vcpus + 2 * maxmem MiB) up to 4.16 for every type', () => {
    // 4 * (512 + 8192) = 34816
    for (const type of ['hvm', 'pvh', 'pv'] as const) expect(R.defaultPagingKiB(rel('4.16'), type, true, 2, 4096)).toBe(34816);
  });
  it('counts maxmem once for PV and HAP guests, twice with shadow paging, from 4.17 (2c99281085)', () => {
    // HAP: 4 * (512 + 4096) = 18432; shadow: 34816; PV (never HAP): 18432
    expect(R.defaultPagingKiB(rel('4.17'), 'hvm', true, 2, 4096)).toBe(18432);
    expect(R.defaultPagingKiB(rel('4.17'), 'hvm', false, 2, 4096)).toBe(34816);
    expect(R.defaultPagingKiB(rel('4.17'), 'pvh', false, 2, 4096)).toBe(34816);
    expect(R.defaultPagingKiB(rel('4.17'), 'pv', true, 2, 4096)).toBe(18432);
    expect(R.defaultPagingKiB(rel('4.16.6'), 'hvm', true, 2, 4096)).toBe(34816); // no x86 backport
  });
  it('uses no vCPUs when neither vcpus nor maxvcpus is set (xl leaves max_vcpus 0 until libxl defaults it)', () => {
    expect(R.pagingVcpus({})).toBe(0);
    expect(R.pagingVcpus({ vcpus: 4 })).toBe(4);
    expect(R.pagingVcpus({ vcpus: 4, maxvcpus: 8 })).toBe(8);
  });
  it('is allocated in whole MiB up to 4.16, exactly from 4.17, and never for PV', () => {
    // 1 vCPU, 1000 MiB: 4 * (256 + 2000) = 9024 KiB -> 9 MiB; 4.17 HAP: 4 * (256 + 1000) = 5024
    expect(R.pagingAllocatedKiB(rel('4.16'), 'hvm', R.defaultPagingKiB(rel('4.16'), 'hvm', true, 1, 1000))).toBe(9216);
    expect(R.pagingAllocatedKiB(rel('4.17'), 'hvm', R.defaultPagingKiB(rel('4.17'), 'hvm', true, 1, 1000))).toBe(5024);
    expect(R.pagingAllocatedKiB(rel('4.16'), 'pv', 9024)).toBe(0);
  });
});

describe('IOMMU reserve, stub domain and need_memory', () => {
  it('sums a 4-level table of 512 entries', () => {
    // 4096 MiB = 1048576 pages: 2048 + 4 + 1 + 1 = 2054 pages = 8216 KiB
    expect(R.iommuKiB(4096 * MiB)).toBe(8216);
  });
  it('sizes the stub domain per release', () => {
    expect(R.stubdom(rel('4.5'), 'qemu-xen-traditional', 16 * MiB)).toEqual({ kib: 32768, countedKiB: 32768 });
    // 4.6-4.13: 28 MiB + videoram, still counted as 32 MiB (d727bfcd0b)
    expect(R.stubdom(rel('4.6'), 'qemu-xen-traditional', 16 * MiB)).toEqual({ kib: 45056, countedKiB: 32768 });
    expect(R.stubdom(rel('4.13'), 'qemu-xen-traditional', 16 * MiB)).toEqual({ kib: 45056, countedKiB: 32768 });
    // 4.14: 128 MiB (Linux) or 28 MiB (MiniOS) + videoram, counted in full (7efd9f3d45)
    expect(R.stubdom(rel('4.14'), 'qemu-xen', 8 * MiB)).toEqual({ kib: 139264, countedKiB: 139264 });
    expect(R.stubdom(rel('4.14'), 'qemu-xen-traditional', 16 * MiB)).toEqual({ kib: 45056, countedKiB: 45056 });
    expect(R.stubdom(rel('4.14'), 'qemu-xen', 8 * MiB, 256)).toEqual({ kib: 270336, countedKiB: 270336 });
  });
  it('adds the extras and rounds up to 2 MiB', () => {
    // PV: 4194304 + 34816 + 1024 = 4230144 -> 4231168; with 8216 of IOMMU: 4238360 -> 4239360
    expect(R.needMemoryKiB('pv', 4096 * MiB, 34816, 0, 0)).toBe(4231168);
    expect(R.needMemoryKiB('pv', 4096 * MiB, 34816, 8216, 0)).toBe(4239360);
    // HVM with a 4.14 Linux stub domain: 2097152 + 17408 + 2048 + 139264 = 2255872 -> 2256896
    expect(R.needMemoryKiB('hvm', 2048 * MiB, 17408, 0, 139264)).toBe(2256896);
    // PVH is counted like HVM: 1048576 + 5120 + 2048 = 1055744 = 515.5 * 2048 -> 516 * 2048
    expect(R.needMemoryKiB('pvh', 1024 * MiB, 5120, 0, 0)).toBe(1056768);
  });
  it('has 8 special pages, and 8 ioreq-server pages with a device model from 4.5', () => {
    expect([R.specialPages(rel('4.4'), true), R.specialPages(rel('4.5'), true), R.specialPages(rel('4.19'), false)]).toEqual([8, 16, 8]);
  });
  it('limits a 32-bit PV guest to 2^37 bytes of machine address on large hosts', () => {
    expect(R.COMPAT_M2P_ENTRIES).toBe(43515904);
    expect(R.PV32_ADDRESS_BITS).toBe(37);
  });
});
