// The firmware hvmloader hands over to, per Xen release, and what it does
// with hvmloader's BAR placement. Two tables: each Xen release -> the OVMF
// and SeaBIOS revisions its Config.mk pins; each OVMF behaviour -> the edk2
// commit that brought it and the pinned revisions that have it (checked with
// `git merge-base --is-ancestor`; docs/research/firmware.md has the reading).
// firmwareFindings() turns them into the plan's findings for one case.

import type { PlacedBar, PlacementResult } from '../contract.js';
import { hex, humanSize } from '../hex.js';
import type { DeviceModel } from './config.js';
import type { VirtualFunction } from './emulated.js';
import type { Toolstack } from './libxl.js';
import { atOrAfter, carries, type Release } from './releases.js';
import { finding, type Finding, type FindingCode } from '../verdict/findings.js';
import { barName } from './checks.js';

export type Bios = 'rombios' | 'seabios' | 'ovmf';
export const BIOSES: readonly Bios[] = ['rombios', 'seabios', 'ovmf'];

/** Where the OVMF binary comes from: the release's own build, another build with Xen support, or one without. */
export type OvmfOrigin = 'xen' | 'xen-support' | 'no-xen-support';
export const OVMF_ORIGINS: readonly OvmfOrigin[] = ['xen', 'xen-support', 'no-xen-support'];

/** edk2 changes that decide what OVMF does with the BARs hvmloader programmed. */
export type OvmfChange = 'xen-light-enumeration' | 'ram-address-width' | 'pci64-address-width' | 'root-bridge-scan' | 'no-pmem-aperture' | 'bar64-below-4g' | 'cpuid-address-width';

export const OVMF_CHANGES: Readonly<Record<OvmfChange, { commit: string; date: string; what: string }>> = {
  // PlatformPei sets PcdPciDisableBusEnumeration on Xen: PciBusDxe takes its
  // light path, reads the BARs and never assigns or loads option ROMs
  'xen-light-enumeration': { commit: '447d264115', date: '2013-12-08', what: 'on Xen, PCI bus enumeration is off: the BARs hvmloader programmed are kept' },
  // AddressWidthInitialization: bits for 4 GiB + CMOS RAM above 4 GiB, at least 36 (a fixed 36 before)
  'ram-address-width': { commit: 'bc89fe4879', date: '2015-06-26', what: 'address width from the RAM above 4 GiB, at least 36 bits' },
  // GetFirstNonAddress adds the 64-bit PCI aperture (PcdPciMmio64Size, 32 GiB) aligned above RAM
  'pci64-address-width': { commit: '7e5b1b670c', date: '2016-03-04', what: 'address width covers RAM plus a 32 GiB aperture aligned above it, at least 36 bits' },
  // PciHostBridgeLib XenSupport.c: root-bridge apertures from the BARs found (before: PcAtChipsetPkg/OvmfPkg host bridge with 2-4 GiB only)
  'root-bridge-scan': { commit: '49effaf26e', date: '2016-05-10', what: 'root-bridge apertures read from the BARs hvmloader programmed, 64-bit ones included' },
  'no-pmem-aperture': { commit: '27e4d6ae25', date: '2019-04-25', what: 'no separate prefetchable aperture, so interleaved BARs no longer make overlapping apertures' },
  'bar64-below-4g': { commit: 'd63610df60', date: '2019-04-25', what: 'a 64-bit BAR below 4 GiB counts in the 32-bit aperture' },
  'cpuid-address-width': { commit: 'e68c2a22ca', date: '2021-01-13', what: 'address width from CPUID (at most 48 bits)' },
};

interface OvmfRevision {
  commit: string;
  date: string;
  dsc: 'OvmfPkgX64' | 'OvmfXen';
  has: readonly OvmfChange[];
}

const LIGHT: OvmfChange[] = ['xen-light-enumeration'];
const RAM_WIDTH: OvmfChange[] = [...LIGHT, 'ram-address-width'];
const SCAN: OvmfChange[] = [...RAM_WIDTH, 'pci64-address-width', 'root-bridge-scan'];
const FIXES_2019: OvmfChange[] = [...SCAN, 'no-pmem-aperture', 'bar64-below-4g'];
const ALL: OvmfChange[] = [...FIXES_2019, 'cpuid-address-width'];

// The edk2 revisions Xen pins (Config.mk OVMF_UPSTREAM_REVISION, xenbits ovmf.git, a mirror of edk2)
const OVMF_REVISIONS: readonly OvmfRevision[] = [
  { commit: 'b0855f925c', date: '2012-02-29', dsc: 'OvmfPkgX64', has: [] },
  { commit: '447d264115', date: '2013-12-08', dsc: 'OvmfPkgX64', has: LIGHT },
  { commit: 'cb9a7ebabc', date: '2015-06-29', dsc: 'OvmfPkgX64', has: RAM_WIDTH },
  { commit: '52a99493cc', date: '2015-11-10', dsc: 'OvmfPkgX64', has: RAM_WIDTH },
  { commit: 'bc54e50e0f', date: '2016-09-05', dsc: 'OvmfPkgX64', has: SCAN },
  { commit: '5920a9d16b', date: '2017-03-21', dsc: 'OvmfPkgX64', has: SCAN },
  { commit: '947f3737ab', date: '2017-09-19', dsc: 'OvmfPkgX64', has: SCAN },
  { commit: 'ef529e6ab7', date: '2018-07-17', dsc: 'OvmfPkgX64', has: SCAN },
  { commit: '20d2e5a125', date: '2019-06-06', dsc: 'OvmfPkgX64', has: FIXES_2019 },
  { commit: 'a3741780fe', date: '2020-07-31', dsc: 'OvmfPkgX64', has: FIXES_2019 },
  // Xen 81f2914202 (4.16) builds OvmfPkg/OvmfXen.dsc when the tree has it
  { commit: '7b4a99be8a', date: '2021-08-17', dsc: 'OvmfXen', has: ALL },
  { commit: 'ba91d0292e', date: '2023-05-03', dsc: 'OvmfXen', has: ALL },
];

// Config.mk at each RELEASE tag: the first x.y.z carrying each pair of pins.
// SeaBIOS 3a28511b46 (4.3) is a commit of xenbits' seabios.git.
const PINS: readonly { from: [number, number]; ovmf: string; seabios: string }[] = [
  { from: [2, 0], ovmf: 'b0855f925c', seabios: 'rel-1.6.3.2' },
  { from: [3, 0], ovmf: 'b0855f925c', seabios: '3a28511b46' },
  { from: [4, 0], ovmf: '447d264115', seabios: 'rel-1.7.3.1' },
  { from: [4, 4], ovmf: '52a99493cc', seabios: 'rel-1.7.3.1' },
  { from: [5, 0], ovmf: '447d264115', seabios: 'rel-1.7.5' },
  { from: [5, 2], ovmf: 'cb9a7ebabc', seabios: 'rel-1.7.5' },
  { from: [5, 3], ovmf: '52a99493cc', seabios: 'rel-1.7.5' },
  { from: [6, 0], ovmf: 'cb9a7ebabc', seabios: 'rel-1.8.2' },
  { from: [6, 1], ovmf: '52a99493cc', seabios: 'rel-1.8.2' },
  { from: [7, 0], ovmf: '52a99493cc', seabios: 'rel-1.9.2' },
  { from: [8, 0], ovmf: 'bc54e50e0f', seabios: 'rel-1.10.0' },
  { from: [9, 0], ovmf: '5920a9d16b', seabios: 'rel-1.10.0' },
  { from: [10, 0], ovmf: '947f3737ab', seabios: 'rel-1.10.2' },
  { from: [11, 0], ovmf: '947f3737ab', seabios: 'rel-1.11.1' },
  { from: [12, 0], ovmf: 'ef529e6ab7', seabios: 'rel-1.12.0' },
  { from: [13, 0], ovmf: '20d2e5a125', seabios: 'rel-1.12.1' },
  { from: [14, 0], ovmf: '20d2e5a125', seabios: 'rel-1.13.0' },
  { from: [14, 6], ovmf: '20d2e5a125', seabios: 'rel-1.16.0' },
  { from: [15, 0], ovmf: 'a3741780fe', seabios: 'rel-1.14.0' },
  { from: [15, 5], ovmf: 'a3741780fe', seabios: 'rel-1.16.0' },
  { from: [16, 0], ovmf: '7b4a99be8a', seabios: 'rel-1.14.0' },
  { from: [16, 4], ovmf: '7b4a99be8a', seabios: 'rel-1.16.0' },
  { from: [17, 0], ovmf: '7b4a99be8a', seabios: 'rel-1.16.0' },
  { from: [18, 0], ovmf: 'ba91d0292e', seabios: 'rel-1.16.2' },
  { from: [19, 0], ovmf: 'ba91d0292e', seabios: 'rel-1.16.3' },
  { from: [22, 0], ovmf: 'ba91d0292e', seabios: 'rel-1.17.0' },
];

/** The OVMF and SeaBIOS revisions a Xen release builds (a later series than known takes the last row). */
export function firmwarePins(r: Release): { ovmf: string; seabios: string } {
  let pin = PINS[0];
  for (const p of PINS) if (atOrAfter(r, p.from[0], p.from[1])) pin = p;
  return { ovmf: pin.ovmf, seabios: pin.seabios };
}

const revision = (commit: string) => OVMF_REVISIONS.find((r) => r.commit === commit)!;

/** The pinned OVMF revisions that have a change: what the table says, for tests and docs. */
export function revisionsWith(change: OvmfChange): string[] {
  return OVMF_REVISIONS.filter((r) => r.has.includes(change)).map((r) => r.commit);
}

// The first Xen release whose own OVMF has a change (for the fixes findings suggest).
function firstXenWith(change: OvmfChange): string {
  const pin = PINS.find((p) => revision(p.ovmf).has.includes(change))!;
  return `${pin.from[1] === 0 ? `4.${pin.from[0]}` : `4.${pin.from[0]}.${pin.from[1]}`}`;
}

/** The firmware a case boots, and where each choice came from. */
export interface GuestFirmware {
  bios: Bios;
  /** config: the guest's bios key; libxl: libxl's default for the device model; hvmloader: no toolstack wrote hvmloader/bios. */
  biosFrom: 'config' | 'libxl' | 'hvmloader';
  /** The SeaBIOS tag or edk2 commit of the release's own build (none for ROMBIOS, which lives in xen.git). */
  revision?: string;
  ovmf?: { origin: OvmfOrigin; originFrom: 'release' | 'option'; dsc?: 'OvmfPkgX64' | 'OvmfXen' };
  /** --ovmf was given but the guest does not boot OVMF. */
  ovmfIgnored?: boolean;
}

// libxl_create.c (RELEASE-4.2.0 to 4.22.0) libxl__domain_build_info_setdefault:
// bios unset -> rombios for qemu-xen-traditional, seabios for qemu-xen.
// xend never writes hvmloader/bios, and hvmloader.c detect_bios() reads
// "rombios" when the key is absent.
export function guestFirmware(bios: Bios | undefined, dm: DeviceModel, toolstack: Toolstack, release: Release, ovmf?: OvmfOrigin): GuestFirmware {
  let chosen: Bios;
  let biosFrom: GuestFirmware['biosFrom'];
  if (toolstack === 'xend') [chosen, biosFrom] = ['rombios', 'hvmloader'];
  else if (bios !== undefined) [chosen, biosFrom] = [bios, 'config'];
  else if (toolstack === 'libxl') [chosen, biosFrom] = [dm === 'qemu-xen' ? 'seabios' : 'rombios', 'libxl'];
  else [chosen, biosFrom] = ['rombios', 'hvmloader'];
  const pins = firmwarePins(release);
  const ignored = ovmf !== undefined ? { ovmfIgnored: true } : {};
  if (chosen === 'rombios') return { bios: chosen, biosFrom, ...ignored };
  if (chosen === 'seabios') return { bios: chosen, biosFrom, revision: pins.seabios, ...ignored };
  const origin = ovmf ?? 'xen';
  return { bios: chosen, biosFrom, revision: origin === 'xen' ? pins.ovmf : undefined, ovmf: { origin, originFrom: ovmf ? 'option' : 'release', ...(origin === 'xen' ? { dsc: revision(pins.ovmf).dsc } : {}) } };
}

// libxl_create.c (the same from RELEASE-4.2.0 to 4.22.0): each device model
// takes only its own firmware.
export function biosRefusal(bios: Bios | undefined, dm: DeviceModel, toolstack: Toolstack): string | undefined {
  if (toolstack !== 'libxl' || bios === undefined) return undefined;
  if (dm === 'qemu-xen-traditional' && bios !== 'rombios') {
    return `bios = "${bios}": libxl refuses it with qemu-xen-traditional ("qemu-xen-traditional requires bios=rombios"); remove bios or use device_model_version = "qemu-xen"`;
  }
  if (dm === 'qemu-xen' && bios === 'rombios') {
    return 'bios = "rombios": libxl refuses it with qemu-xen ("qemu-xen does not support bios=rombios"); use seabios or ovmf, or device_model_version = "qemu-xen-traditional"';
  }
  return undefined;
}

export type FirmwareFunction = Pick<VirtualFunction, 'slot' | 'function' | 'label' | 'classCode'> & { hostBdf?: string; bars: { index?: number | 'rom'; type: string; prefetchable?: boolean }[] };

export interface FirmwareContext {
  release: Release;
  deviceModel: DeviceModel;
  toolstack: Toolstack;
  firmware: GuestFirmware;
  /** RAM above 4 GiB as QEMU writes it to CMOS 0x5b-0x5d (libxl's split; 0 when none). */
  highMemEnd: bigint;
  /** The CPUID physical address bits the guest sees. */
  physAddrBits: number;
  /** The bus's functions, for labels, class codes and which BARs are prefetchable; passed-through ones have hostBdf. */
  functions: FirmwareFunction[];
  vga: string;
  /** The guest sets bios_path_override (xl reads it from 4.8): the binary is not the release's own. */
  biosPathOverride?: boolean;
}

/** The findings firmwareFindings() makes, by code (for readers that show the firmware apart). */
export const FIRMWARE_CODES: readonly FindingCode[] = ['firmware', 'ovmf-reassigns-bars', 'ovmf-fixed-aperture', 'ovmf-root-bridge-dropped', 'ovmf-overlapping-apertures', 'ovmf-address-width', 'ovmf-option-rom-not-run', 'ovmf-origin-unknown'];

const FOUR_GIB = 1n << 32n;
const TWO_GIB = 1n << 31n;
const GIB = 1n << 30n;

const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;
const bitsFor = (end: bigint) => {
  let bits = 0;
  while (1n << BigInt(bits) < end) bits++;
  return bits;
};

/** The physical address width an OVMF revision gives its CPU HOB on this guest. */
export function ovmfAddressWidth(has: readonly OvmfChange[], highMemEnd: bigint, physAddrBits: number): number {
  if (has.includes('cpuid-address-width')) return Math.min(physAddrBits, 48);
  if (!has.includes('ram-address-width')) return 36;
  let end = FOUR_GIB + (highMemEnd > FOUR_GIB ? highMemEnd - FOUR_GIB : 0n);
  // PcdPciMmio64Size is 32 GiB in OvmfPkgX64.dsc (no CSM in Xen's build)
  if (has.includes('pci64-address-width')) end = alignUp(alignUp(end, GIB), 32n * GIB) + 32n * GIB;
  return Math.max(36, bitsFor(end));
}

const base = (b: PlacedBar) => BigInt(b.address!) & ~0xfn;
const end = (b: PlacedBar) => base(b) + BigInt(b.size);
const where = (b: PlacedBar) => `${b.slot.toString(16).padStart(2, '0')}:${b.function} ${barName(b)} at ${hex(base(b))}`;
const list = (bars: PlacedBar[]) => bars.map(where).join(', ');

/**
 * What the guest's firmware does after hvmloader, for one placed case: a
 * note naming the firmware, and what it breaks of the placement shown.
 */
export function firmwareFindings(ctx: FirmwareContext, result: PlacementResult): Finding[] {
  const fw = ctx.firmware;
  if (biosRefusal(fw.biosFrom === 'config' ? fw.bios : undefined, ctx.deviceModel, ctx.toolstack)) return []; // libxl stops first
  const unused = fw.ovmfIgnored ? ' (--ovmf applies only to bios = "ovmf")' : '';
  const chosenBy = fw.biosFrom === 'config' ? '' : fw.biosFrom === 'libxl' ? ` (libxl's default for ${ctx.deviceModel})` : ' (hvmloader\'s default: no toolstack key names another)';
  if (fw.bios === 'rombios') {
    // rombios.c: HVMASSIST leaves out pcibios_init_iomem_bases
    return [finding('firmware', `ROMBIOS${chosenBy} keeps hvmloader's placement: under Xen it assigns no BARs${unused}`)];
  }
  if (fw.bios === 'seabios') {
    // SeaBIOS 74c78786 (rel-1.6.3): on Xen, qemu_platform_setup probes devices and skips pci_setup
    return [finding('firmware', `SeaBIOS${chosenBy}, ${fw.revision} in Xen ${ctx.release.text}'s build, keeps hvmloader's placement: on Xen it only reads the BARs${unused}`)];
  }

  const origin = fw.ovmf!.origin;
  const mem = result.bars.filter((b) => b.type !== 'io' && b.type !== 'rom' && b.placement !== 'unplaced' && b.address !== null && BigInt(b.size) > 0n);
  const out: Finding[] = [];
  if (origin === 'no-xen-support') {
    out.push(finding(
      'ovmf-reassigns-bars',
      "OVMF without Xen support (a plain OvmfPkgX64 build, as most distributions ship since edk2-stable202108 removed Xen from it) enumerates PCI itself and assigns every BAR in its own windows: the placement shown is hvmloader's, not what the guest gets, and such builds often do not boot on Xen",
      'use the OVMF Xen builds (OvmfXen.dsc; --ovmf xen), or bios = "seabios"',
    ));
    return out;
  }
  const has: readonly OvmfChange[] = origin === 'xen' ? revision(fw.revision!).has : ALL;
  const name = origin === 'xen' ? `OVMF of Xen ${ctx.release.text} (edk2 ${fw.revision})` : 'OVMF with Xen support';
  const which = origin === 'xen' ? `${name}, ${fw.ovmf!.originFrom === 'release' ? "the release's own build (--ovmf names another)" : 'as --ovmf xen says'}` : `${name} (--ovmf xen-support: assumed a current OvmfXen build, edk2-stable202108 or later)`;
  if (!has.includes('xen-light-enumeration')) {
    // b0855f925c: no PcdPciDisableBusEnumeration on Xen; PcAtChipsetPkg host bridge 0x80000000-0xffffffff
    const high = mem.filter((b) => base(b) >= FOUR_GIB);
    out.push(finding(
      'ovmf-reassigns-bars',
      `${which}, predates ${OVMF_CHANGES['xen-light-enumeration'].commit}: it enumerates PCI itself and reassigns every BAR inside a fixed 2-4 GiB window, so the placement shown is not what the guest gets${high.length ? `, and ${list(high)} has no room there` : ''}`,
      `use Xen ${firstXenWith('xen-light-enumeration')} or later, or bios = "seabios"`,
    ));
    return out;
  }
  out.push(finding('firmware', `${which}, keeps hvmloader's placement: PCI bus enumeration is off on Xen, so it only reads the BARs`));
  // xl_cmdimpl.c reads bios_path_override from RELEASE-4.8.0 (libxl d7dd8737ae)
  if (ctx.biosPathOverride && fw.ovmf!.originFrom === 'release' && carries(ctx.release, 'xl-bios-path-override')) {
    out.push(finding('ovmf-origin-unknown', `bios_path_override loads another OVMF binary than Xen ${ctx.release.text}'s own, which this plan assumes`, 'say which it is with --ovmf xen-support (built with Xen support) or --ovmf no-xen-support'));
  }

  if (!has.includes('root-bridge-scan')) {
    // OvmfPkg/PcAtChipsetPkg PciHostBridgeDxe: one aperture 0x80000000-0xffffffff; RootBridgeIo refuses memory accesses outside it
    const outside = mem.filter((b) => base(b) < TWO_GIB || end(b) > FOUR_GIB);
    if (outside.length) {
      out.push(finding(
        'ovmf-fixed-aperture',
        `${name}, before ${OVMF_CHANGES['root-bridge-scan'].commit}, reaches PCI memory only in 2-4 GiB and has no 64-bit aperture: its drivers cannot use ${list(outside)} (the OS can); a boot disk or display behind those BARs is unusable before the OS starts`,
        `use Xen ${firstXenWith('root-bridge-scan')} or later, whose OVMF takes its apertures from hvmloader's BARs, or keep the devices' BARs in 2-4 GiB (a hole of 2 GiB at most, no BAR above 4 GiB)`,
      ));
    }
  } else {
    if (!has.includes('bar64-below-4g')) {
      // XenSupport.c before d63610df60: a 64-bit BAR goes to (P)MemAbove4G wherever it is;
      // CreateRootBridge rejects an above-4G aperture based below 4 GiB (ASSERT, then NULL) and the host bridge skips the root bridge
      const low64 = mem.filter((b) => b.type === 'mem64' && base(b) < FOUR_GIB);
      if (low64.length) {
        out.push(finding(
          'ovmf-root-bridge-dropped',
          `${name}, before ${OVMF_CHANGES['bar64-below-4g'].commit}, puts the 64-bit ${list(low64)} below 4 GiB into its above-4 GiB aperture, which its host bridge driver rejects (an assertion in debug builds): the PCI root bridge is dropped and UEFI sees no PCI device, so no disk or display to boot from (read from source, not booted)`,
          `use Xen ${firstXenWith('bar64-below-4g')} or later, an OVMF from edk2-stable201905 on (--ovmf xen-support), or bios = "seabios"`,
        ));
      }
    }
    if (!has.includes('no-pmem-aperture')) {
      // XenSupport.c before 27e4d6ae25: [min, max] per aperture kind; interleaved kinds overlap
      const overlaps = apertureOverlaps(mem, ctx.functions);
      if (overlaps.length) {
        out.push(finding(
          'ovmf-overlapping-apertures',
          `${name}, before ${OVMF_CHANGES['no-pmem-aperture'].commit}, builds its prefetchable and non-prefetchable apertures from hvmloader's BARs, and they overlap here (${overlaps.join('; ')}): a debug build of OVMF stops at an assertion; Xen's release build adds the range once and goes on`,
          `use Xen ${firstXenWith('no-pmem-aperture')} or later, or an OVMF from edk2-stable201905 on (--ovmf xen-support)`,
        ));
      }
    }
  }
  if (has.includes('root-bridge-scan')) {
    const width = ovmfAddressWidth(has, ctx.highMemEnd, ctx.physAddrBits);
    const limit = 1n << BigInt(width);
    const beyond = mem.filter((b) => end(b) > limit);
    if (beyond.length) {
      const fixed = has.includes('cpuid-address-width');
      out.push(finding(
        'ovmf-address-width',
        fixed
          ? `${name} maps ${width} address bits (CPUID, at most 48): ${list(beyond)} ends beyond ${hex(limit)}, outside the firmware's memory map`
          : `${name}, before ${OVMF_CHANGES['cpuid-address-width'].commit}, sizes the address space from RAM, not CPUID: ${width} bits (to ${hex(limit)}, ${humanSize(limit)}) here, and ${list(beyond)} ends beyond it. A debug build stops at an assertion; a release build leaves the BAR out of its memory map, so a UEFI driver touching it faults (the OS is unaffected)`,
        fixed
          ? 'give the guest fewer than 48 physical address bits of BARs (a smaller device)'
          : `use Xen ${firstXenWith('cpuid-address-width')} or later, or an OVMF from edk2-stable202102 on (--ovmf xen-support); or a device whose 64-bit BARs end below ${humanSize(limit)}`,
      ));
    }
  }
  // PciBusDxe: GetOpRomInfo/LoadOpRomImage run only with full enumeration
  const displays = ctx.functions.filter((f) => f.hostBdf && f.classCode >> 8 === 0x03 && f.bars.some((b) => b.type === 'rom'));
  for (const f of displays) {
    out.push(finding(
      'ovmf-option-rom-not-run',
      `OVMF does not run the UEFI option ROM of ${f.label} (${f.slot.toString(16).padStart(2, '0')}:${f.function}): with enumeration off it never reads ROM BARs, so the firmware's screen is ${ctx.vga === 'none' ? 'none (vga = "none")' : `the emulated ${ctx.vga}`} until the OS driver loads`,
    ));
  }
  return out;
}

// The apertures XenSupport.c built before 27e4d6ae25: [lowest, highest] of each
// kind (32-bit or 64-bit, prefetchable or not) of BAR with memory decoding on.
function apertureOverlaps(mem: PlacedBar[], functions: FirmwareContext['functions']): string[] {
  const prefetchable = (b: PlacedBar) => functions.find((f) => f.slot === b.slot && f.function === b.function)?.bars.find((x) => x.index === b.index && x.type === b.type)?.prefetchable ?? false;
  const span = (bars: PlacedBar[]) => (bars.length ? { lo: bars.reduce((m, b) => (base(b) < m ? base(b) : m), base(bars[0])), hi: bars.reduce((m, b) => (end(b) > m ? end(b) : m), end(bars[0])) } : undefined);
  const out: string[] = [];
  for (const type of ['mem32', 'mem64'] as const) {
    const plain = span(mem.filter((b) => b.type === type && !prefetchable(b)));
    const pref = span(mem.filter((b) => b.type === type && prefetchable(b)));
    if (plain && pref && plain.lo < pref.hi && pref.lo < plain.hi) {
      out.push(`${type === 'mem32' ? '32-bit' : '64-bit'} non-prefetchable ${hex(plain.lo)}-${hex(plain.hi - 1n)}, prefetchable ${hex(pref.lo)}-${hex(pref.hi - 1n)}`);
    }
  }
  return out;
}
