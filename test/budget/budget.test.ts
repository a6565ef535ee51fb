// budget() end to end: guests read from xl.cfg text, each figure worked out by
// hand from the rules (src/budget/rules.ts cites the source of each).
import { describe, expect, it } from 'vitest';
import { budget, type BudgetOptions } from '../../src/budget/budget.js';
import { readXlGuest } from '../../src/guest/config.js';
import { InputError } from '../../src/errors.js';

const run = (cfg: string, o: BudgetOptions) => budget(readXlGuest(cfg, 'g.cfg'), o);
const one = (cfg: string, o: BudgetOptions) => {
  const b = run(cfg, o);
  expect(b.cases).toHaveLength(1);
  return b.cases[0];
};
const codes = (c: { findings: { code: string }[] }) => c.findings.map((f) => f.code);

const HVM = 'builder = "hvm"\ntype = "hvm"\nmemory = 2048\nvcpus = 2\ndevice_model_version = "qemu-xen"\n';

describe('an HVM guest', () => {
  it('4.19 qemu-xen: every figure', () => {
    const c = one(HVM, { xen: ['4.19'] });
    expect(c).toMatchObject({
      type: 'hvm',
      deviceModel: 'qemu-xen',
      videoramMiB: 8, // cirrus
      maxPages: 524544, // (2097152 + 1024) / 4
      claimMode: true,
      claimPages: 522208, // (2097152 - 8192) / 4 - 32
      claimFailure: null,
      podTargetPages: null,
      balloonTargetKiB: 2088960, // 2097152 - 8192
      shadowKiB: 10240, // 4 * (512 + 2048), HAP
      pagingPoolKiB: 10240,
      iommuKiB: 0,
      stubdomKiB: 0,
      needMemoryKiB: 2109440, // 2097152 + 10240 + 2048 = 2109440 = 1030 * 2048
      romSlackKiB: 1088,
    });
    expect(c.romNeedKiB).toMatchObject({ kib: 64, exact: false }); // the cirrus VGA BIOS
  });

  it('4.16 and 4.17 with HAP off: the paging pool counts maxmem twice in both', () => {
    const off = HVM + 'hap = 0\n';
    // 4 * (512 + 4096) = 18432 in both; with HAP 4.17 gives 4 * (512 + 2048) = 10240
    expect(one(off, { xen: ['4.16'] }).shadowKiB).toBe(18432);
    expect(one(off, { xen: ['4.17'] }).shadowKiB).toBe(18432);
    expect(one(HVM, { xen: ['4.16'] }).shadowKiB).toBe(18432);
    expect(one(HVM, { xen: ['4.17'] }).shadowKiB).toBe(10240);
  });

  it('4.4 has 8 fewer special pages than 4.5: 1120 KiB of ROM slack instead of 1088', () => {
    expect(one(HVM, { xen: ['4.4'] }).romSlackKiB).toBe(1120);
    expect(one(HVM, { xen: ['4.5'] }).romSlackKiB).toBe(1088);
  });

  it('qemu-xen runs out of room for option ROMs past four e1000 NICs', () => {
    const nics = (n: number) => `${HVM}vga = "stdvga"\nvideoram = 16\nvif = [ ${Array.from({ length: n }, () => "'model=e1000'").join(', ')} ]\n`;
    const four = one(nics(4), { xen: ['4.19'] });
    expect(four.romNeedKiB!.kib).toBe(64 + 4 * 256); // 1088: exactly the slack
    expect(codes(four)).not.toContain('rom-slack');
    const five = one(nics(5), { xen: ['4.19'] });
    expect(five.romNeedKiB!.kib).toBe(1344);
    const f = five.findings.find((x) => x.code === 'rom-slack')!;
    expect(f.severity).toBe('fatal');
    expect(five).toMatchObject({ outcome: 'fails', reasons: ['rom-slack'] });
    expect(f.message).toMatch(/xen: failed to populate ram at/);
    expect(f.fix).toMatch(/fewer emulated NICs \(each brings a 256 KiB ROM\)/);
    expect(codes(five)).toContain('rom-slack-migration');
    // 4.4 has 32 KiB more slack, still short of 1344
    expect(codes(one(nics(5).replace('builder', 'builder'), { xen: ['4.4'] }))).toContain('rom-slack');
  });

  it('a std VGA videoram that is not a power of two makes QEMU populate more than libxl subtracted', () => {
    // videoram 24: QEMU rounds vgamem to 32 MiB, 8192 KiB more, plus the 64 KiB VGA BIOS
    const c = one(HVM + 'vga = "stdvga"\nvideoram = 24\n', { xen: ['4.19'] });
    expect(c.romNeedKiB!.kib).toBe(8256);
    expect(codes(c)).toContain('rom-slack');
  });

  it('qxl: its RAM, VRAM and 8 KiB ROM BAR are video RAM, 8 KiB more than videoram', () => {
    // videoram 128: 64 + 64 MiB + 8 KiB, and the 64 KiB vgabios-qxl
    const c = one(HVM + 'vga = "qxl"\n', { xen: ['4.19'] });
    expect(c.videoramMiB).toBe(128);
    expect(c.romNeedKiB!.items).toEqual([{ what: 'QXL VGA ROM', kib: 64 }, { what: 'video RAM beyond videoram = 128', kib: 8 }]);
  });

  it("xl's pre-check leaves out freemem-slack only before 4.6 (c26f92b8fc)", () => {
    expect(one(HVM, { xen: ['4.5'] }).needMemoryLeavesOut.join(';')).toMatch(/freemem-slack/);
    expect(one(HVM, { xen: ['4.6'] }).needMemoryLeavesOut.join(';')).not.toMatch(/freemem-slack/);
  });

  it('qemu-xen-traditional brings no option ROMs', () => {
    const c = one(HVM.replace('"qemu-xen"', '"qemu-xen-traditional"') + 'vif = [ "model=e1000", "model=e1000", "model=e1000", "model=e1000", "model=e1000" ]\n', { xen: ['4.19'] });
    expect(c.videoramMiB).toBe(4);
    expect(c.romNeedKiB!.kib).toBe(0);
    expect(c.romSlackKiB).toBe(1088);
    expect(codes(c)).not.toContain('rom-slack');
  });

  it('xl before 4.10 reads only builder: type = "hvm" alone builds a PV guest', () => {
    const cfg = 'type = "hvm"\nmemory = 2048\n';
    const old = one(cfg, { xen: ['4.9'] });
    expect(old.type).toBe('pv');
    expect(old.findings.find((f) => f.code === 'type-not-read')).toMatchObject({ severity: 'fatal', fix: 'add builder = "hvm"' });
    const b = run(cfg, { xen: ['4.10'] });
    expect(b.cases.map((c) => c.deviceModel)).toEqual(['qemu-xen', 'qemu-xen-traditional']);
    expect(codes(b.cases[0])).not.toContain('type-not-read');
  });

  it('from 4.10 xl refuses a builder that contradicts type', () => {
    const cfg = 'type = "pvh"\nbuilder = "hvm"\nmemory = 1024\n';
    expect(one(cfg, { xen: ['4.10'] }).findings.find((f) => f.code === 'builder-contradicts-type')!.message).toMatch(/exits: Contradicting "builder" and "type" options specified\./);
    expect(codes(one(HVM, { xen: ['4.19'] }))).not.toContain('builder-contradicts-type'); // both say hvm
    // before 4.10 only builder counts: an HVM guest, and type is the one not read
    expect(one(cfg, { xen: ['4.9'], deviceModels: ['qemu-xen'] })).toMatchObject({ type: 'hvm', reasons: ['type-not-read'] });
  });
});

describe('claims', () => {
  it('none before 4.3, off by default in 4.3, on from 4.4', () => {
    expect(one(HVM, { xen: ['4.2'], claimMode: 'on' })).toMatchObject({ claimMode: false, claimPages: null });
    expect(codes(one(HVM, { xen: ['4.2'], claimMode: 'on' }))).toContain('no-claims');
    expect(one(HVM, { xen: ['4.3'] })).toMatchObject({ claimMode: false, claimPages: null });
    expect(one(HVM, { xen: ['4.3'], claimMode: 'on' })).toMatchObject({ claimPages: 522048, claimFailure: null });
    expect(one(HVM, { xen: ['4.4'] }).claimPages).toBe(522208);
    expect(one(HVM, { xen: ['4.4'], claimMode: 'off' }).claimPages).toBeNull();
  });

  it('4.3 with PoD: EINVAL once maxmem exceeds memory by more than videoram + 1.75 MiB (bug #32, fixed in 4.4)', () => {
    const pod = (maxmem: number) => `${HVM}maxmem = ${maxmem}\n`;
    // maxmem 2057: (2106368 - 8192)/4 - 192 = 524352 <= max_pages 524544: the claim is made
    expect(one(pod(2057), { xen: ['4.3'], claimMode: 'on' })).toMatchObject({ claimPages: 524352, claimFailure: null });
    // maxmem 2058: 524608 > 524544
    const c = one(pod(2058), { xen: ['4.3'], claimMode: 'on' });
    expect(c.claimFailure).toMatchObject({ errno: 'EINVAL' });
    expect(c.claimFailure!.message).toMatch(/cannot claim memory! \(22 = Invalid argument\)/);
    expect(c.findings.find((f) => f.code === 'claim-einval')!.fix).toMatch(/claim_mode = 0/);
    expect(c).toMatchObject({ outcome: 'fails', reasons: ['claim-einval'] });
    expect(one(pod(4096), { xen: ['4.4'] })).toMatchObject({ claimPages: 522208, claimFailure: null, podTargetPages: 522208 });
  });

  it('ENOMEM when the claim exceeds the free heap less other claims, which xl\'s pre-check does not see', () => {
    // the claim stakes 522208 pages = 2039.875 MiB
    expect(one(HVM, { xen: ['4.19'], hostFreeMiB: 2040 })).toMatchObject({ claimFailure: null, claimChecked: true });
    expect(one(HVM, { xen: ['4.19'], hostFreeMiB: 2039 }).claimFailure).toMatchObject({ errno: 'ENOMEM' });
    // 4000 MiB free, 2000 claimed: 512000 pages left < 522208; need_memory (2060 MiB) <= 4000 passes
    const c = one(HVM, { xen: ['4.19'], hostFreeMiB: 4000, claimsMiB: 2000 });
    expect(c.claimFailure!.message).toMatch(/can't allocate low memory for domain/);
    expect(c.findings.find((f) => f.code === 'claim-enomem')!.message).toMatch(/pre-check passed because libxl's free-memory figure ignores outstanding claims/);
    expect(codes(c)).not.toContain('need-memory');
    expect(codes(one(HVM, { xen: ['4.19'], hostFreeMiB: 2000 }))).toContain('need-memory');
  });
});

describe('PoD', () => {
  const POD = `${HVM}maxmem = 4096\n`;
  it('max_pages follows memory, the PoD target and balloon target follow memory, the paging pool maxmem', () => {
    const c = one(POD, { xen: ['4.19'] });
    expect(c).toMatchObject({ maxPages: 524544, podTargetPages: 522208, balloonTargetKiB: 2087936, shadowKiB: 4 * (512 + 4096), romSlackKiB: 1088 });
    expect(c.findings.find((f) => f.code === 'pod')!.message).toMatch(/XSA-153's margin/);
    expect(one(POD, { xen: ['4.6.0'] }).findings.find((f) => f.code === 'pod')!.message).toMatch(/no XSA-153 margin/);
  });
  it('PVH uses PoD too, without the margin and without a VGA hole', () => {
    const c = one('type = "pvh"\nmemory = 1024\nmaxmem = 2048\n', { xen: ['4.19'] });
    expect(c).toMatchObject({ type: 'pvh', deviceModel: null, podTargetPages: 262144, balloonTargetKiB: 1048576, claimPages: 262144, romSlackKiB: null });
  });
});

describe('PVH and PV guests', () => {
  it('PVH from 4.10 is counted like HVM; HAP decides the paging pool from 4.17', () => {
    // no vcpus key: 0 vCPUs in the default. 4.19: 4 * 1024 = 4096; need 1048576 + 4096 + 2048 = 1054720 = 515 * 2048
    const c = one('type = "pvh"\nmemory = 1024\n', { xen: ['4.19'] });
    expect(c).toMatchObject({ maxPages: 262400, shadowKiB: 4096, needMemoryKiB: 1054720, claimPages: 262144, videoramMiB: 0 });
    expect(one('type = "pvh"\nmemory = 1024\nhap = 0\n', { xen: ['4.19'] }).shadowKiB).toBe(8192);
    // 4.10: 4 * 2048 = 8192; 1048576 + 8192 + 2048 = 1058816 = 517 * 2048
    expect(one('type = "pvh"\nmemory = 1024\n', { xen: ['4.10'] }).needMemoryKiB).toBe(1058816);
  });
  it('PV: 1 MiB extra, a paging pool counted and never allocated, IOMMU counted from 4.13 for passthrough', () => {
    const PV = 'memory = 4096\nvcpus = 2\npci = [ "0000:03:00.0" ]\n';
    const old = one(PV, { xen: ['4.12'] });
    expect(old).toMatchObject({ type: 'pv', deviceModel: null, shadowKiB: 34816, pagingPoolKiB: 0, iommuKiB: 0, needMemoryKiB: 4231168, claimPages: 1048576 });
    expect(codes(old)).toContain('pv-paging-counted');
    expect(old.needMemoryLeavesOut.join(';')).toMatch(/IOMMU page tables \(counted from 4.13\)/);
    expect(one(PV, { xen: ['4.13'] })).toMatchObject({ iommuKiB: 8216, needMemoryKiB: 4239360 });
    // 4.17: 4 * (512 + 4096) = 18432; 4194304 + 18432 + 8216 + 1024 = 4221976 -> 4222976
    expect(one(PV, { xen: ['4.17'] })).toMatchObject({ shadowKiB: 18432, needMemoryKiB: 4222976 });
  });
  it('HVM passthrough counts the IOMMU only without shared page tables', () => {
    const PT = HVM + 'pci = [ "0000:03:00.0" ]\n';
    expect(one(PT, { xen: ['4.19'] }).iommuKiB).toBe(0);
    expect(codes(one(PT, { xen: ['4.19'] }))).toContain('iommu-assumed-shared');
    // 2048 MiB = 524288 pages: 1024 + 2 + 1 + 1 = 1028 pages = 4112 KiB
    expect(one(PT, { xen: ['4.19'], iommuSharesHap: false }).iommuKiB).toBe(4112);
    expect(one(PT + 'hap = 0\n', { xen: ['4.19'] }).iommuKiB).toBe(4112);
    expect(one(PT, { xen: ['4.12'], iommuSharesHap: false }).iommuKiB).toBe(0);
    expect(codes(one('type = "pvh"\nmemory = 1024\npci = [ "0000:03:00.0" ]\n', { xen: ['4.19'] }))).toContain('toolstack-refuses');
  });
  it('PV with maxmem above memory: max_pages follows memory until xl mem-set', () => {
    const c = one('memory = 1024\nmaxmem = 2048\n', { xen: ['4.19'] });
    expect(c).toMatchObject({ maxPages: 262400, podTargetPages: null, balloonTargetKiB: 1048576, claimPages: 262144 });
    expect(c.findings.find((f) => f.code === 'pv-maxmem')!.message).toMatch(/xl mem-set` up to maxmem \(2048 MiB\)/);
    expect(codes(one('memory = 1024\n', { xen: ['4.19'] }))).not.toContain('pv-maxmem');
  });
  it('shadow_memory replaces the default', () => {
    expect(one(HVM + 'shadow_memory = 100\n', { xen: ['4.19'] }).shadowKiB).toBe(102400);
  });
});

describe('stub domains', () => {
  const STUB = 'builder = "hvm"\nmemory = 2048\nvcpus = 1\ndevice_model_stubdomain_override = 1\n';
  it('qemu-xen-traditional: 32 MiB to 4.5, 28 MiB + videoram counted as 32 MiB in 4.6-4.13, counted in full from 4.14', () => {
    const trad = STUB + 'device_model_version = "qemu-xen-traditional"\nvga = "stdvga"\nvideoram = 16\n';
    expect(one(trad, { xen: ['4.5'] }).stubdomKiB).toBe(32768);
    const mid = one(trad, { xen: ['4.13'] });
    expect(mid.stubdomKiB).toBe(45056);
    expect(mid.findings.find((f) => f.code === 'stubdom-undercounted')!.message).toMatch(/12 MiB short/);
    // 4.13: shadow 4 * (256 + 4096) = 17408; need 2097152 + 17408 + 2048 + 32768 = 2149376 = 1049.5 * 2048 -> 2150400
    expect(mid.needMemoryKiB).toBe(2150400);
    // 4.14: + 45056 instead: 2161664 = 1055.5 * 2048 -> 2162688
    expect(one(trad, { xen: ['4.14'] })).toMatchObject({ stubdomKiB: 45056, needMemoryKiB: 2162688 });
    expect(codes(one(trad, { xen: ['4.14'] }))).not.toContain('stubdom-undercounted');
  });
  it('qemu-xen: refused before 4.14, a 128 MiB Linux stub domain from 4.14', () => {
    const qx = STUB + 'device_model_version = "qemu-xen"\n';
    expect(one(qx, { xen: ['4.13'] }).findings.find((f) => f.code === 'toolstack-refuses')!.message).toMatch(/device model stubdomains require/);
    // 4.14: 131072 + 8192 = 139264; need 2097152 + 17408 + 2048 + 139264 -> 2256896
    expect(one(qx, { xen: ['4.14'] })).toMatchObject({ stubdomKiB: 139264, needMemoryKiB: 2256896 });
    expect(one(qx + 'stubdomain_memory = 256\n', { xen: ['4.19'] }).stubdomKiB).toBe(270336);
  });
  it('qemu-xen-traditional is gone from 4.21', () => {
    const c = one(STUB + 'device_model_version = "qemu-xen-traditional"\n', { xen: ['4.21'] });
    expect(c.available).toBe(false);
    expect(codes(c)).toContain('dm-unavailable');
  });
});

describe('limits', () => {
  it('64-bit PV above 512 GiB: the tools lift it in 4.7, Linux by default does not', () => {
    const big = 'memory = 614400\n';
    expect(one(big, { xen: ['4.6'] })).toMatchObject({ outcome: 'degraded', reasons: ['pv-512g-tools'] });
    expect(one(big, { xen: ['4.7'] }).findings.find((f) => f.code === 'pv-512g-kernel')).toMatchObject({ severity: 'warning', fix: expect.stringMatching(/xen_512gb_limit=0/) });
    expect(codes(one(big, { xen: ['4.7'] }))).not.toContain('pv-512g-tools');
    expect(codes(one('memory = 524288\n', { xen: ['4.6'] }))).not.toContain('pv-512g-tools');
    expect(codes(one(big, { xen: ['4.6'], pv32: true }))).not.toContain('pv-512g-tools');
  });
  it('32-bit PV: the compat M2P, the 64 GiB PAE limit and CONFIG_PV32 from 4.14', () => {
    const c = one('memory = 70000\n', { xen: ['4.14'], pv32: true });
    expect(codes(c)).toEqual(expect.arrayContaining(['pv32-address-width', 'pv32-64g', 'pv32-config']));
    expect(c.findings.find((f) => f.code === 'pv32-address-width')!.message).toMatch(/below 128 GiB/);
    expect(codes(one('memory = 4096\n', { xen: ['4.13'], pv32: true }))).not.toContain('pv32-config');
  });
  it('SUPPORT.md states guest memory limits from 4.17', () => {
    const big = HVM.replace('memory = 2048', 'memory = 9437184'); // 9 TiB
    expect(codes(one(big, { xen: ['4.17'] }))).toContain('support-memory-unsupported');
    expect(codes(one(big, { xen: ['4.16'] }))).toContain('support-memory-unstated');
    expect(codes(one(HVM, { xen: ['4.17'] })).filter((c) => c.startsWith('support'))).toEqual([]);
  });
  it('refuses a memory the release cannot count, and warns where max_pages is clamped', () => {
    const at = (mib: number, type = 'builder = "hvm"\n') => `${type}memory = ${mib}\ndevice_model_version = "qemu-xen"\n`;
    expect(() => run(at(16777215), { xen: ['4.5'] })).toThrow(InputError);
    expect(() => run(at(16777215), { xen: ['4.5'] })).toThrow(/g\.cfg:2:10 memory: 16777215 MiB is more than Xen 4\.5\.0 can build/);
    expect(run(at(16777214), { xen: ['4.5'] }).cases[0].maxPages).toBe(2 ** 32 - 256);
    const clamped = run(at(16777216), { xen: ['4.6'] }).cases[0];
    expect(clamped.maxPages).toBe(2 ** 32 - 1);
    expect(clamped.findings.find((f) => f.code === 'max-pages-clamped')!.message).toMatch(/257 pages less/);
    expect(() => run('memory = 16777216\n', { xen: ['4.6'] })).toThrow(/PV guest \(at most 16777215 MiB/);
  });
  it('refuses a memory that videoram uses up', () => {
    expect(() => run('builder = "hvm"\nmemory = 8\ndevice_model_version = "qemu-xen"\n', { xen: ['4.19'] })).toThrow(/g\.cfg:2:10 memory: 8 MiB leaves nothing once qemu-xen takes videoram = 8 MiB/);
  });
  it('refuses options it cannot use, naming them', () => {
    expect(() => run(HVM, { hostFreeMiB: -1 })).toThrow(/--host-free: -1 is not a whole, non-negative number/);
    expect(() => run(HVM, { claimMode: 'maybe' as never })).toThrow(/--claim-mode: "maybe" is not a claim mode/);
  });
  it('refuses maxvcpus below vcpus from 4.6, as xl does', () => {
    const cfg = HVM + 'maxvcpus = 1\n';
    expect(codes(one(cfg, { xen: ['4.6'] }))).toContain('maxvcpus-below-vcpus');
    expect(codes(one(cfg, { xen: ['4.5'] }))).not.toContain('maxvcpus-below-vcpus');
    expect(one(cfg, { xen: ['4.5'] }).shadowKiB).toBe(4 * (256 + 4096)); // maxvcpus wins: 1 vCPU
  });
});

describe('XAPI comparison', () => {
  it('is the target plus XAPI\'s overhead (memory.ml at 02c6ed1a7e40)', () => {
    // HVM 2048 MiB, 2 vCPUs: ceil((512 + 4096) / 256) = 18 MiB of shadow + 1 + 1 -> 2068
    expect(one(HVM, { xen: ['4.19'] }).xapiFootprintMiB).toBe(2068);
    // Linux PV 4096 MiB, 2 vCPUs: ceil((512 + 8192) / 256) = 34 + 0 + 1 -> 4131
    expect(one('memory = 4096\nvcpus = 2\n', { xen: ['4.19'] }).xapiFootprintMiB).toBe(4131);
    // no vcpus key: XAPI has one vCPU; 16 MiB: ceil((256 + 32) / 256) = 2 + 2 -> 20
    expect(one('builder = "hvm"\nmemory = 16\ndevice_model_version = "qemu-xen"\n', { xen: ['4.19'] }).xapiFootprintMiB).toBe(20);
    expect(one('type = "pvh"\nmemory = 1024\n', { xen: ['4.19'] }).xapiFootprintMiB).toBeNull();
  });
});
