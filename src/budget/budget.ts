// budget(): what building a guest asks of Xen and of the host, per Xen
// release and device model: the domain's max_pages, the claim libxc makes
// and whether it fails, the PoD and balloon targets, the paging pool, IOMMU
// and stub domain memory, xl's free-memory pre-check, and the pages left for
// QEMU's video RAM and option ROMs. The rules are in rules.ts, the limits in
// limits.ts; this module puts them together for one guest.

import { InputError } from '../errors.js';
import { finding, outcomeOf, worse, type CaseOutcome, type Finding, type FindingCode } from '../verdict/findings.js';
import { DEVICE_MODELS, type DeviceModel, type GuestConfig } from '../guest/config.js';
import { videoDefaults } from '../guest/libxl.js';
import { carries, parseRelease, type Release } from '../guest/releases.js';
import { limitFindings, memoryCeilingMiB } from './limits.js';
import { romNeed, romSlackKiB, type RomNeed } from './roms.js';
import * as R from './rules.js';
import { xapiFootprintMiB } from './xapi.js';

export type ClaimModeOption = 'on' | 'off';

export interface BudgetOptions {
  /** Xen releases (default 4.19). */
  xen?: string[];
  /** Device models for an HVM guest (default: the config's, else both). */
  deviceModels?: DeviceModel[];
  /** The host's free memory in MiB as libxl reads it (free_pages: `xl info` free_memory + outstanding_claims). */
  hostFreeMiB?: number;
  /** Memory other domains have claimed and not yet populated, MiB (`xl info` outstanding_claims). */
  claimsMiB?: number;
  /** xl.conf claim_mode; default: what the release's xl defaults to. */
  claimMode?: ClaimModeOption;
  /** The PV guest's kernel is 32-bit (xl.cfg does not say). */
  pv32?: boolean;
  /** Whether the host's IOMMU shares page tables with HAP (physinfo cap_iommu_hap_pt_share; default true, as on Intel VT-d). */
  iommuSharesHap?: boolean;
}

export interface ClaimFailure {
  errno: R.ClaimErrno;
  message: string;
}

export interface BudgetCase {
  xen: string;
  /** null for PV and PVH guests, which have no device model. */
  deviceModel: DeviceModel | null;
  /** The type this release's xl builds (before 4.10 xl reads only `builder`). */
  type: R.GuestType;
  available: boolean;
  /** Whether the release has XENMEM_claim_pages at all (4.3 on). */
  claimsExist: boolean;
  /** The domain's max_pages as libxl sets it at build. */
  maxPages: number;
  claimMode: boolean;
  /** The pages argument of XENMEM_claim_pages; null when no claim is made. */
  claimPages: number | null;
  claimFailure: ClaimFailure | null;
  /** Whether ENOMEM was checked (it needs the host's free memory). */
  claimChecked: boolean;
  podTargetPages: number | null;
  /** xenstore memory/target, the balloon driver's target. */
  balloonTargetKiB: number;
  /** The paging (shadow / HAP p2m) pool libxl counts, and what it allocates. */
  shadowKiB: number;
  pagingPoolKiB: number;
  iommuKiB: number;
  /** The stub domain's memory; 0 without one. */
  stubdomKiB: number;
  /** libxl_domain_need_memory as xl's freemem() compares it, rounded up to 2 MiB. */
  needMemoryKiB: number;
  /** What that figure does not include. */
  needMemoryLeavesOut: string[];
  /** KiB of max_pages left after guest RAM, special pages and video RAM: what QEMU has for option ROMs. */
  romSlackKiB: number | null;
  romNeedKiB: RomNeed | null;
  videoramMiB: number;
  /** What XAPI would want free for the same guest (its own memory model), for comparison; null for PVH. */
  xapiFootprintMiB: number | null;
  /** The case's outcome on the verdict scale, and the finding codes behind it. */
  outcome: CaseOutcome;
  reasons: FindingCode[];
  findings: Finding[];
}

export interface GuestBudget {
  guest: string;
  /** The worst case outcome. */
  outcome: CaseOutcome;
  cases: BudgetCase[];
}

const DEFAULT_XEN = ['4.19'];
const MIB = 1024;

function checkOptions(o: BudgetOptions): void {
  const whole = (v: number | undefined, name: string) => {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v < 0) throw new InputError([{ path: name, message: `${v} is not a whole, non-negative number of MiB` }]);
  };
  whole(o.hostFreeMiB, '--host-free');
  whole(o.claimsMiB, '--claims');
  if (o.claimMode !== undefined && o.claimMode !== 'on' && o.claimMode !== 'off') {
    throw new InputError([{ path: '--claim-mode', message: `${JSON.stringify(o.claimMode)} is not a claim mode; use on or off` }]);
  }
}

/** The type xl builds: `type` is read from 4.10; before, `builder = "hvm"` or else PV. */
function builtType(cfg: GuestConfig, r: Release): R.GuestType {
  if (carries(r, 'xl-type-key')) return cfg.type;
  return cfg.builder === 'hvm' ? 'hvm' : 'pv';
}

function caseFor(cfg: GuestConfig, r: Release, dm: DeviceModel | null, o: BudgetOptions): BudgetCase {
  const type = builtType(cfg, r);
  const findings: Finding[] = [];
  if (cfg.typeKey !== undefined && cfg.typeKey !== type) {
    findings.push(finding('type-not-read', `xl ${r.text} does not read \`type\` (from 4.10, c7dfe4ac58): this ${cfg.typeKey.toUpperCase()} config is built as ${type.toUpperCase()}${cfg.builder ? ` (builder = "${cfg.builder}")` : ''}`, cfg.typeKey === 'hvm' ? 'add builder = "hvm"' : cfg.typeKey === 'pvh' ? 'use Xen 4.10 or later for PVH' : 'remove builder'));
  }
  // RELEASE-4.10.0 xl_parse.c l.932-937: from 4.10 xl refuses a builder that contradicts type
  const builderType = cfg.builder === undefined ? undefined : cfg.builder === 'hvm' ? 'hvm' : 'pv';
  if (carries(r, 'xl-type-key') && cfg.typeKey !== undefined && builderType !== undefined && builderType !== cfg.typeKey) {
    findings.push(finding('builder-contradicts-type', `type = "${cfg.typeKey}" and builder = "${cfg.builder}" disagree: xl ${r.text} exits: Contradicting "builder" and "type" options specified.`, 'remove builder'));
  }
  const targetKiB = cfg.memoryMiB * MIB;
  const maxKiB = cfg.maxmemMiB * MIB;

  // video RAM: HVM as libxl defaults it for the device model; none for PV and PVH
  let videoramMiB = 0;
  if (type === 'hvm' && dm) {
    const video = videoDefaults(cfg, dm, r);
    videoramMiB = video.videoramMiB;
    if (video.refusal) findings.push(finding('toolstack-refuses', video.refusal));
  }
  const videoKiB = videoramMiB * MIB;
  // libxl gives an HVM guest memory less videoram and checks neither (RELEASE-4.19.0 libxl_create.c):
  // the builder would be handed a negative size
  if (videoKiB >= targetKiB) {
    throw new InputError([{ path: `${cfg.places?.memory ?? cfg.source} memory`, message: `${cfg.memoryMiB} MiB leaves nothing once ${dm} takes videoram = ${videoramMiB} MiB out of it; memory must be above videoram` }]);
  }

  const available = !(type === 'hvm' && dm === 'qemu-xen-traditional' && carries(r, 'no-qemu-traditional'));
  if (!available) findings.push(finding('dm-unavailable', `Xen ${r.text} has no qemu-xen-traditional (removed in 4.21)`, 'use device_model_version = "qemu-xen"'));

  const vcpus = R.pagingVcpus(cfg);
  if (cfg.vcpus !== undefined && cfg.maxvcpus !== undefined && cfg.maxvcpus < cfg.vcpus && carries(r, 'xl-maxvcpus-check')) {
    findings.push(finding('maxvcpus-below-vcpus', `maxvcpus (${cfg.maxvcpus}) is below vcpus (${cfg.vcpus}): xl ${r.text} exits ("xl: maxvcpus < vcpus")`, `set maxvcpus = ${cfg.vcpus} or remove it`));
  }

  // max_pages
  const mp = R.maxPages(r, targetKiB);
  if (mp.clamped) {
    findings.push(finding('max-pages-clamped', `memory + 1 MiB is ${Math.floor((targetKiB + R.MAXMEM_CONSTANT_KIB) / 4)} pages; Xen keeps max_pages in 32 bits and clamps it to ${mp.pages}, ${Math.floor((targetKiB + R.MAXMEM_CONSTANT_KIB) / 4) - mp.pages} pages less than libxl asked`));
  }

  // paging pool, IOMMU, stub domain
  const shadowKiB = cfg.shadowMemoryMiB !== undefined ? cfg.shadowMemoryMiB * MIB : R.defaultPagingKiB(r, type, cfg.hap, vcpus, cfg.maxmemMiB);
  const pagingPoolKiB = R.pagingAllocatedKiB(r, type, shadowKiB);
  const iommu = iommuFor(cfg, r, type, maxKiB, o, findings);
  let stub = { kib: 0, countedKiB: 0 };
  if (type === 'hvm' && cfg.stubdomain && dm) {
    if (dm === 'qemu-xen' && !carries(r, 'libxl-stubdomain-memory')) {
      findings.push(finding('toolstack-refuses', `libxl ${r.text} refuses a qemu-xen stub domain: device model stubdomains require "qemu-xen-traditional" (Linux stub domains for qemu-xen came in 4.14)`, 'use device_model_version = "qemu-xen-traditional", Xen 4.14 or later, or no stub domain'));
    }
    stub = R.stubdom(r, dm, videoKiB, cfg.stubdomainMemoryMiB);
  }

  const needMemoryKiB = R.needMemoryKiB(type, targetKiB, shadowKiB, iommu, stub.countedKiB);
  const leavesOut = leftOut(r, type, stub, shadowKiB, pagingPoolKiB);
  if (type === 'pv' && shadowKiB > 0) {
    findings.push(finding('pv-paging-counted', `xl's pre-check counts ${shadowKiB} KiB of paging pool for this PV guest, which libxl never allocates for PV (RELEASE-4.19.0 libxl_x86.c sets the pool for HVM and PVH only)`));
  }
  if (o.hostFreeMiB !== undefined && needMemoryKiB > o.hostFreeMiB * MIB) {
    findings.push(finding('need-memory', `xl's pre-check wants ${needMemoryKiB / MIB} MiB free and the host has ${o.hostFreeMiB} MiB: with autoballoon xl asks dom0 for ${Math.ceil(needMemoryKiB / MIB - o.hostFreeMiB)} MiB (waiting 30 s at most) and stops with "failed to free memory for the domain" if it does not get them; without autoballoon xl does not check at all`, `free ${Math.ceil(needMemoryKiB / MIB - o.hostFreeMiB)} MiB on the host (xl mem-set 0 ...), or lower memory`));
  }
  if (type === 'hvm' && stub.kib > stub.countedKiB) {
    findings.push(finding('stubdom-undercounted', `the stub domain takes ${stub.kib / MIB} MiB (28 MiB + videoram) but libxl_domain_need_memory counts 32 MiB: xl's pre-check is ${(stub.kib - stub.countedKiB) / MIB} MiB short (fixed in 4.14, 7efd9f3d45)`));
  }

  // claims
  const claimMode = carries(r, 'xc-claims') && (o.claimMode !== undefined ? o.claimMode === 'on' : carries(r, 'xl-claim-mode-default-on'));
  if (o.claimMode === 'on' && !carries(r, 'xc-claims')) {
    findings.push(finding('no-claims', `Xen ${r.text} has no XENMEM_claim_pages (4.3 on): claim_mode is ignored`));
  }
  let claimPages: number | null = null;
  let claimFailure: ClaimFailure | null = null;
  const freePages = o.hostFreeMiB !== undefined ? o.hostFreeMiB * 256 : undefined;
  const claimedPages = (o.claimsMiB ?? 0) * 256;
  if (claimMode) {
    const claim = R.claimOf(r, type, targetKiB, maxKiB, videoKiB);
    claimPages = claim.pages;
    const errno = R.claimErrno(claim, mp.pages, freePages, claimedPages);
    if (errno) {
      claimFailure = { errno, message: R.claimMessage(r, type, errno) };
      findings.push(claimFinding(r, type, claim, errno, mp.pages, needMemoryKiB, o, freePages, claimedPages));
    }
  }

  // PoD and the balloon target
  const podTargetPages = R.podTargetPages(type, targetKiB, maxKiB, videoKiB);
  const balloonTargetKiB = R.balloonTargetKiB(r, type, targetKiB, maxKiB, videoKiB);
  if (podTargetPages !== null) {
    const fudged = type === 'hvm' && carries(r, 'libxl-pod-target-fudge');
    findings.push(finding('pod', `maxmem above memory: populate-on-demand. max_pages follows memory (${mp.pages} pages), not maxmem, and only ${podTargetPages} pages back the guest's RAM: its balloon driver must bring it down to memory/target (${balloonTargetKiB} KiB) before it uses more, or Xen crashes it${fudged ? ' (the 1 MiB below memory is XSA-153\'s margin)' : type === 'hvm' ? `; Xen ${r.text} gives no XSA-153 margin (4.4.4, 4.5.2, 4.6.1, 4.7 on), so a balloon driver slightly off crashes the guest` : ''}`));
  }

  // a PV guest above memory: libxl_set_memory_target (RELEASE-4.22.0 libxl_mem.c l.277-300) takes a
  // new target up to maxmem and, enforcing, sets max_pages to it + videoram + 1 MiB
  if (type === 'pv' && maxKiB > targetKiB) {
    findings.push(finding('pv-maxmem', `maxmem above memory: the PV guest starts with max_pages ${mp.pages} (memory + 1 MiB) and cannot balloon above memory by itself; \`xl mem-set\` up to maxmem (${cfg.maxmemMiB} MiB) raises max_pages to the new target + 1 MiB`));
  }

  // QEMU's pages: video RAM and option ROMs
  let slack: number | null = null;
  let need: RomNeed | null = null;
  if (type === 'hvm' && dm && available) {
    slack = romSlackKiB(r, targetKiB, videoKiB, mp.pages);
    need = romNeed(cfg, r, dm, videoramMiB);
    findings.push(...romFindings(dm, slack, need));
  }

  findings.push(...limitFindings(cfg, r, type, o.pv32 ?? false));
  return {
    xen: r.text,
    deviceModel: type === 'hvm' ? dm : null,
    type,
    available,
    claimsExist: carries(r, 'xc-claims'),
    maxPages: mp.pages,
    claimMode,
    claimPages,
    claimFailure,
    claimChecked: claimPages !== null && freePages !== undefined,
    podTargetPages,
    balloonTargetKiB,
    shadowKiB,
    pagingPoolKiB,
    iommuKiB: iommu,
    stubdomKiB: stub.kib,
    needMemoryKiB,
    needMemoryLeavesOut: leavesOut,
    romSlackKiB: slack,
    romNeedKiB: need,
    videoramMiB,
    xapiFootprintMiB: xapiFootprintMiB(cfg, type),
    ...outcomeOf(findings),
    findings,
  };
}

/** libxl's IOMMU reserve: 4.13 on, only when passthrough resolves to sync_pt (RELEASE-4.13.0 libxl_x86.c libxl__arch_passthrough_mode_setdefault). */
function iommuFor(cfg: GuestConfig, r: Release, type: R.GuestType, maxKiB: number, o: BudgetOptions, findings: Finding[]): number {
  if (!carries(r, 'libxl-defaults-paging')) return 0;
  const asked = cfg.passthrough ?? 'default';
  const enabled = asked === 'default' ? cfg.pci.length > 0 : asked !== 'disabled';
  if (!enabled) return 0;
  if (type === 'pvh') {
    findings.push(finding('toolstack-refuses', `libxl ${r.text} refuses passthrough for PVH guests ("passthrough not yet supported for x86 PVH guests")`, 'use type = "hvm" for a guest with pci devices'));
    return 0;
  }
  const shares = type === 'hvm' && cfg.hap && (o.iommuSharesHap ?? true);
  const sync = asked === 'sync_pt' || ((asked === 'enabled' || asked === 'default') && !shares);
  if (type === 'hvm' && cfg.hap && (asked === 'enabled' || asked === 'default') && o.iommuSharesHap === undefined) {
    findings.push(finding('iommu-assumed-shared', `passthrough resolves to share_pt on a host whose IOMMU shares HAP page tables (assumed), so libxl counts no IOMMU memory; on a host without sharing it is sync_pt and libxl counts ${R.iommuKiB(maxKiB)} KiB more`));
  }
  return sync ? R.iommuKiB(maxKiB) : 0;
}

function leftOut(r: Release, type: R.GuestType, stub: { kib: number; countedKiB: number }, shadowKiB: number, pagingPoolKiB: number): string[] {
  const out: string[] = [];
  // RELEASE-4.22.0 libxl_mem.c libxl_get_free_memory: free_pages + scrub_pages
  out.push("other domains' outstanding claims (libxl's free figure includes them; `xl info` free_memory does not)");
  if (!carries(r, 'libxl-no-freemem-slack')) out.push('freemem-slack, which libxl before 4.6 also withholds from the free figure (up to 15% of host RAM)');
  if (stub.kib > stub.countedKiB) out.push(`${(stub.kib - stub.countedKiB) / MIB} MiB of the stub domain (it takes 28 MiB + videoram, 32 MiB is counted)`);
  if (stub.kib > 0) out.push("the stub domain's own 1 MiB max_pages margin and Xen overhead");
  if (!carries(r, 'libxl-defaults-paging')) out.push('IOMMU page tables (counted from 4.13)');
  if (pagingPoolKiB > shadowKiB) out.push(`${pagingPoolKiB - shadowKiB} KiB: the paging pool is allocated in whole MiB up to 4.16`);
  if (type === 'hvm') out.push("QEMU's own memory in dom0 (not counted by any toolstack; not modelled)");
  out.push("Xen's per-domain heap (struct domain, vCPUs, grant and maptrack tables)");
  return out;
}

function claimFinding(r: Release, type: R.GuestType, claim: R.Claim, errno: R.ClaimErrno, maxPagesNow: number, needKiB: number, o: BudgetOptions, freePages?: number, claimedPages = 0): Finding {
  const message = R.claimMessage(r, type, errno);
  if (errno === 'EINVAL') {
    const why = claim.pages > maxPagesNow
      ? `libxc ${r.text} claims ${claim.pages} pages (maxmem less video RAM less 0xc0) but max_pages is ${maxPagesNow} (memory + 1 MiB); fixed in 4.4 by 46b5f0fd1f`
      : `the claim of ${claim.pages} pages is not above the ${claim.totBefore} pages the domain already has`;
    return finding('claim-einval', `the claim fails with EINVAL: ${why}; xl prints: ${message}`, claim.pages > maxPagesNow ? 'set claim_mode = 0 in /etc/xen/xl.conf, or maxmem = memory, or use Xen 4.4 or later' : 'set claim_mode = 0 in /etc/xen/xl.conf');
  }
  const stake = claim.pages - claim.totBefore;
  const avail = (freePages ?? 0) - claimedPages;
  const passed = o.hostFreeMiB !== undefined && needKiB <= o.hostFreeMiB * MIB;
  return finding('claim-enomem', `the claim fails with ENOMEM: it stakes ${stake} pages (${(stake / 256).toFixed(1)} MiB) and the host has ${avail} pages free after ${claimedPages} claimed by others${passed ? "; xl's pre-check passed because libxl's free-memory figure ignores outstanding claims" : ''}; xl prints: ${message}`, 'wait for the other builds to finish, or free memory on the host (or set claim_mode = 0 to fail later, at allocation, instead)');
}

function romFindings(dm: DeviceModel, slackKiB: number, need: RomNeed): Finding[] {
  if (need.kib <= slackKiB) return [];
  const nic = need.items.find((i) => /NIC/.test(i.what));
  return [
    finding('rom-slack', `${dm} populates about ${need.kib} KiB beyond the video RAM libxl subtracted (${need.items.map((i) => `${i.what} ${i.kib} KiB`).join(', ')}) and max_pages leaves ${slackKiB} KiB: QEMU stops with "xen: failed to populate ram at ..." and the guest does not start (the "more than about four NICs" failure; ${need.basis})`, nic ? `use fewer emulated NICs (each brings a ${nic.kib} KiB ROM), or PV NICs (type=vif)` : 'use a smaller videoram (a power of two) or fewer emulated devices'),
    finding('rom-slack-migration', 'an upstream QEMU 2.3 raised max_pages itself for these pages (c1d322e604, reverted before 2.4 and in no qemu-xen release): the guest starts, but a migration fails on the destination, which rebuilds the domain with memory + 1 MiB'),
  ];
}

/**
 * The memory budget of a guest for each Xen release and device model.
 * Throws InputError for options it cannot use and for a memory the release
 * cannot build.
 */
export function budget(config: GuestConfig, options: BudgetOptions = {}): GuestBudget {
  checkOptions(options);
  const releases = (options.xen ?? DEFAULT_XEN).map((x) => parseRelease(x));
  for (const r of releases) {
    const type = builtType(config, r);
    const ceiling = memoryCeilingMiB(r, type);
    if (config.memoryMiB > ceiling) {
      throw new InputError([{ path: `${config.places?.memory ?? config.source} memory`, message: `${config.memoryMiB} MiB is more than Xen ${r.text} can build for a ${type.toUpperCase()} guest (at most ${ceiling} MiB: max_pages and tot_pages are 32-bit page counts)` }]);
    }
  }
  const cases: BudgetCase[] = [];
  for (const r of releases) {
    const type = builtType(config, r);
    const models: (DeviceModel | null)[] = type !== 'hvm' ? [null] : options.deviceModels ?? (config.deviceModel ? [config.deviceModel] : [...DEVICE_MODELS]);
    for (const dm of models) cases.push(caseFor(config, r, dm, options));
  }
  return { guest: config.source, outcome: cases.map((c) => c.outcome).reduce(worse, 'works'), cases };
}
