// Xen as people name it: a release number (4.14.3, 4.17.4, 4.22.0). Three
// tables, read by everything else:
//  - RELEASE_SERIES: every release xen.git tagged (RELEASE-4.2.0 .. RELEASE-4.22.0);
//    a number not in it is refused;
//  - CHANGES: each toolstack (libxl, xl), QEMU and hvmloader change the guest
//    layer depends on, by name, with its commit, the series it shipped in and
//    the releases it was backported to (`git tag --contains`);
//  - hvmloaderOf: the hvmloader build of a release, put together from CHANGES.
// Code elsewhere asks `carries(release, 'name')`; it never compares numbers.

import { InputError } from '../errors.js';
import * as B from '../engine/layout.js';
import { V4_3, VERSIONS, isVersionName, type HvmloaderProfile, type VersionName } from '../versions.js';

export interface Release {
  major: number;
  minor: number;
  patch: number;
  text: string; // as normalised: 4.17.4
}

// Every 4.x release from 4.2.0 on, from `git tag -l 'RELEASE-4.*'` in xen.git:
// one line per series with its last patch release, and the patch numbers the
// series never tagged. A new release changes or adds one line.
const RELEASE_SERIES: readonly { series: number; last: number; skipped?: number[] }[] = [
  { series: 2, last: 5 },
  { series: 3, last: 4 },
  { series: 4, last: 4 },
  { series: 5, last: 5 },
  { series: 6, last: 6, skipped: [2] }, // RELEASE-4.6.1 is followed by RELEASE-4.6.3
  { series: 7, last: 6 },
  { series: 8, last: 5 },
  { series: 9, last: 4 },
  { series: 10, last: 4 },
  { series: 11, last: 4 },
  { series: 12, last: 4 },
  { series: 13, last: 5 },
  { series: 14, last: 6 },
  { series: 15, last: 7 },
  { series: 16, last: 7 },
  { series: 17, last: 7 },
  { series: 18, last: 6 },
  { series: 19, last: 6 },
  { series: 20, last: 4 },
  { series: 21, last: 2 },
  { series: 22, last: 0 },
];

const seriesOf = (minor: number) => RELEASE_SERIES.find((s) => s.series === minor);
const FIRST = `4.${RELEASE_SERIES[0].series}.0`;
const LATEST = (() => {
  const s = RELEASE_SERIES[RELEASE_SERIES.length - 1];
  return `4.${s.series}.${s.last}`;
})();

/** Every known release, oldest first. */
export function knownReleases(): string[] {
  return RELEASE_SERIES.flatMap((s) =>
    Array.from({ length: s.last + 1 }, (_, p) => p)
      .filter((p) => !s.skipped?.includes(p))
      .map((p) => `4.${s.series}.${p}`),
  );
}

/** The known releases after `r`, a list per series, oldest first. */
export function releasesAfter(r: Release): Release[][] {
  const out: Release[][] = [];
  for (const s of RELEASE_SERIES) {
    const patches = Array.from({ length: s.last + 1 }, (_, p) => p).filter((p) => !s.skipped?.includes(p) && (s.series > r.minor || (s.series === r.minor && p > r.patch)));
    if (patches.length) out.push(patches.map((p) => ({ major: 4, minor: s.series, patch: p, text: `4.${s.series}.${p}` })));
  }
  return out;
}

/**
 * Releases, at most one per series and in order, as advice reads them:
 * 4.17.4, 4.18.1, 4.19.0, 4.20.0 ... up to the latest -> "4.17.4, 4.18.1 or
 * 4.19.0 and later" (a tail of series that each start with it is said once).
 */
export function releaseListText(releases: Release[]): string {
  const latest = RELEASE_SERIES[RELEASE_SERIES.length - 1].series;
  let tail = releases.length;
  while (tail > 0 && releases[tail - 1].patch === 0 && (tail === releases.length ? releases[tail - 1].minor === latest : releases[tail].minor === releases[tail - 1].minor + 1)) tail--;
  const head = releases.slice(0, tail).map((r) => r.text);
  if (tail < releases.length) head.push(`${releases[tail].text}${tail < releases.length - 1 || releases[tail].minor < latest ? ' and later' : ''}`);
  return head.length > 1 ? `${head.slice(0, -1).join(', ')} or ${head.at(-1)}` : head[0];
}

/**
 * A Xen release by its number: 4.17.4, or 4.17 for 4.17.0. Only releases
 * xen.git tagged are accepted; anything else is an InputError naming `where`
 * and the nearest releases.
 */
export function parseRelease(text: string, where = '--xen'): Release {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new InputError([{ path: where, message: `${JSON.stringify(text)} is not a Xen release; write it like 4.17 or 4.17.4 (known: ${FIRST} to ${LATEST})` }]);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const text3 = `${major}.${minor}.${patch}`;
  const refuse = (why: string) => {
    throw new InputError([{ path: where, message: `${text3} is not a Xen release; ${why}` }]);
  };
  const s = major === 4 ? seriesOf(minor) : undefined;
  if (!s) {
    if (major < 4 || (major === 4 && minor < RELEASE_SERIES[0].series)) refuse(`releases before ${FIRST} are not modelled (known: ${FIRST} to ${LATEST})`);
    refuse(`the latest known is ${LATEST} (known: ${FIRST} to ${LATEST})`);
  }
  if (patch > s!.last) refuse(`4.${minor} ends at 4.${minor}.${s!.last}`);
  if (s!.skipped?.includes(patch)) refuse(`4.${minor} went from 4.${minor}.${patch - 1} to 4.${minor}.${patch + 1}`);
  return { major, minor, patch, text: text3 };
}

/** A change that shipped in a series' .0 release and was backported to some earlier series. */
export interface ReleaseChange {
  /** What changed for the guest, in a line. */
  what: string;
  /** xen.git commit (abbreviated), or the QEMU tag a series pinned. */
  commit: string;
  /** The 4.x series whose .0 release first carried it. */
  series: number;
  /** Earlier releases that carry a backport: release -> backport commit. */
  backports?: Readonly<Record<string, string>>;
}

// Commits and tags read from xen.git (`git tag --contains COMMIT`); QEMU
// versions from Config.mk's QEMU_UPSTREAM_REVISION at each RELEASE tag.
export const CHANGES = {
  // --- hvmloader (tools/firmware/hvmloader/pci.c)
  'relocate-devices-not-memory': {
    what: 'hvmloader reads hvmloader/allow-memory-relocate, moves 64-bit BARs above RAM rather than RAM above 4 GiB; libxl writes the key (1 only for qemu-xen-traditional)',
    commit: 'c74c1f906a', series: 3,
  },
  'mmio-hole': { what: 'xl/libxl mmio_hole and hvmloader\'s platform/mmio_hole_size', commit: '2d927fc41b', series: 5 },
  'hvmloader-rmrr': { what: 'hvmloader keeps BARs out of reserved ranges (RMRRs) and BUGs on one in its own reserved area', commit: 'b730fc3e15', series: 6 },
  'hvmloader-rom-probe': {
    what: 'hvmloader probes the expansion ROM with its own mask',
    commit: '73aa7fc292', series: 6, backports: { '4.4.3': '1af1095705', '4.5.1': '0327c934e4' },
  },
  'hvmloader-rmrr-each-bar': {
    what: 'hvmloader looks up the next reserved range from each BAR\'s base',
    commit: 'ecc607b185', series: 10, backports: { '4.7.4': 'c3fa5cdf3f', '4.8.3': 'c642b12321', '4.9.1': '22ea7316e5' },
  },
  'hvmloader-hole-hex': { what: 'hvmloader prints the mmio_hole line in hex', commit: '1c4589280a', series: 17 },
  'hvmloader-huge-bars': {
    what: 'hvmloader puts 64-bit BARs over 1 GiB above 4 GiB and leaves them out of the hole',
    commit: '57acad12a0', series: 19, backports: { '4.17.4': '1e9808227c', '4.18.1': '4c84fa6cb6' },
  },
  'hvmloader-platform-bar-uc': { what: 'hvmloader reads hvmloader/pci/xen-platform-pci-bar-uc', commit: '22650d6054', series: 21 },
  'hvmloader-reserved-area-moved': {
    what: 'hvmloader\'s own reserved area starts at 0xfc100000 instead of 0xfc001000',
    commit: '8efa46516c', series: 15, backports: { '4.12.4': '0ca821f197', '4.13.2': 'f63b20a213', '4.14.1': '43eceee913' },
  },

  // --- libxl and xl: keys, layout, refusals
  'qemu-xen-default': { what: 'qemu-xen (upstream QEMU) is libxl\'s default device model, no longer a technology preview', commit: 'ec41430ef6', series: 3 },
  'stubdom-allow-memory-relocate': {
    what: 'libxl writes allow-memory-relocate for a device model in a stub domain too',
    commit: '97883aa269', series: 19, backports: { '4.17.4': 'b974528073', '4.18.1': '489c2b9ba1' },
  },
  'xl-bios-path-override': { what: 'xl reads bios_path_override (libxl loads the guest firmware from a file)', commit: 'd7dd8737ae', series: 8 },
  'no-xend': { what: 'xend removed: only libxl (xl) starts guests', commit: '9e8672f1c3', series: 5 },
  'qemu-xen-stubdomain': { what: 'libxl runs qemu-xen in a stub domain; before, it refuses ("device model stubdomains require qemu-xen-traditional")', commit: '46587a30d4', series: 14 },
  'no-qemu-traditional': { what: 'qemu-xen-traditional removed; libxl writes allow-memory-relocate=0 for every guest', commit: '19ab8356ab', series: 21 },
  'pod-passthrough-refused': { what: 'libxl refuses passthrough to a guest with populate-on-demand (maxmem above memory)', commit: 'c63868ff01', series: 4 },
  'pod-passthrough-iommu-message': {
    what: 'libxl\'s PoD refusal says "IOMMU required for device passthrough but not supported together with PoD"',
    commit: '07449ecfa4', series: 17, backports: { '4.14.5': 'f21d287506', '4.15.3': 'ef27037d43', '4.16.1': '38fbfddf66' },
  },
  'xl-vga-key': { what: 'xl reads vga = "stdvga" | "cirrus" (before, only stdvga = 0/1)', commit: 'edb15bf83c', series: 3 },
  'libxl-videoram-minimums': { what: 'libxl sets videoram defaults and minimums (8 MiB; 16 MiB for qemu-xen\'s stdvga)', commit: '2e814a0171', series: 3 },
  'libxl-videoram-per-device-model': { what: 'libxl\'s videoram rules per device model and card (qemu-xen-traditional\'s cirrus fixed at 4 MiB)', commit: '13d13a45d0', series: 4 },
  'xl-vga-none': { what: 'xl accepts vga = "none"', commit: '2e5738ff47', series: 5 },
  'xl-vga-qxl': { what: 'xl accepts vga = "qxl"', commit: '161212ef02', series: 6 },
  'libxl-stdvga-vgamem': { what: 'libxl passes vgamem_mb=videoram to qemu-xen\'s std VGA', commit: '354d1edefc', series: 5 },
  'libxl-cirrus-vgamem': { what: 'libxl passes vgamem_mb=videoram to qemu-xen\'s cirrus card, which takes only 4, 8 or 16', commit: '8e6bf5b399', series: 5 },
  'libxl-usbversion': { what: 'libxl creates the usbversion = 1/2/3 controller for qemu-xen', commit: 'bba6747189', series: 4 },
  'xl-usbctrl': { what: 'xl reads usbctrl (libxl 4.7 adds only PV/qusb controllers)', commit: 'fa08b87830', series: 7 },
  'libxl-usbctrl-devicemodel': { what: 'libxl hot-adds devicemodel usbctrl controllers (UHCI, EHCI, xHCI) over QMP', commit: '466200d8a0', series: 8 },
  'libxl-scsi-device': { what: 'libxl passes the LSI SCSI controller as its first -device, after the platform device', commit: 'a9e6fa0a53', series: 11 },
  'libxl-ahci': { what: 'libxl passes -device ahci for hdtype = "ahci"', commit: '05d428addd', series: 6 },
  'xl-vendor-device': { what: 'xl/libxl vendor_device = "xenserver" adds the XenServer PV device', commit: '066e134fb3', series: 4 },
  'libxl-soundhw-device': { what: 'libxl asks for one soundhw card as -device after the USB controller, not -soundhw', commit: '62ca138c2c', series: 17 },
  'libxl-rdm': { what: 'libxl reserves RMRRs in the guest memory map (rdm, rdm_mem_boundary, rdm_policy)', commit: '25652f232c', series: 6 },
  'xl-pci-before-rdm': { what: 'xl parses the pci list before rdm, so devices do not get the global rdm policy', commit: 'babde47a3f', series: 13 },
  'xl-rdm-before-pci-again': { what: 'xl parses global pci options (rdm) before the pci list again', commit: 'e45ad0b1b0', series: 17 },
  'xl-rdm-any-order': { what: 'xl reads rdm keys in any order, either one optional', commit: 'df04e202c9', series: 14 },
  'xl-rdm-policy-dropped': { what: 'xl drops the whole rdm key when it names a policy (parsing bug)', commit: 'bdc0799fe2', series: 15 },
  'libxl-rdm-strict-default': { what: 'libxl defaults an unset per-device RDM policy to strict', commit: '6fdb8eef87', series: 14 },
  'libxl-rdm-every-region': { what: 'libxl takes every RMRR of a device, not only the first', commit: '3bdb073643', series: 14 },
  'libxl-rdm-hap-2mib': { what: 'libxl ends low RAM below an RMRR on a 2 MiB boundary for HAP guests', commit: '5f29f34981', series: 14 },

  // --- libxc, libxl, xl and Xen: what a guest's build asks of memory (src/budget/)
  'xc-claims': { what: 'XENMEM_claim_pages and libxc\'s use of it (with fc67e9dc0c)', commit: '65c9792df6', series: 3 },
  'xl-claim-mode-default-on': { what: 'xl\'s claim_mode defaults to 1 (RELEASE-4.3.0 xl.c has 0)', commit: 'f3e5942b1f', series: 4 },
  'xc-hvm-claim-from-target': { what: 'an HVM guest claims its target less the VGA hole, before the PoD target', commit: '46b5f0fd1f', series: 4 },
  'xc-ioreq-server-pages': { what: 'the HVM builder adds eight ioreq-server pages beside the special pages', commit: '434ae6517a', series: 5 },
  'xen-max-mem-clamped': { what: 'XEN_DOMCTL_max_mem clamps instead of truncating to 32 bits', commit: '017e667c43', series: 6 },
  'libxl-no-freemem-slack': { what: 'libxl_get_free_memory stops withholding freemem-slack', commit: 'c26f92b8fc', series: 6 },
  'libxl-stubdom-plus-video': { what: 'a stub domain is 28 MiB plus the guest\'s video RAM', commit: 'd727bfcd0b', series: 6 },
  'xl-maxvcpus-check': { what: 'xl refuses maxvcpus below vcpus ("xl: maxvcpus < vcpus")', commit: 'b642ed6775', series: 6 },
  'libxl-pod-target-fudge': { what: 'XSA-153: a PoD guest\'s balloon target is 1 MiB below its memory', commit: 'e294a0c3af', series: 7, backports: { '4.4.4': '73b70e3c5d', '4.5.2': '423d2cd814', '4.6.1': '56fb5fd623' } },
  'libxl-hvm-xc-dom': { what: 'libxl builds HVM guests with the xc_dom helpers instead of xc_hvm_build', commit: '1ee15d7332', series: 7 },
  'xc-pv-linear-p2m': { what: 'libxc builds and migrates PV guests with a linear p2m list (with 7bf74582b3)', commit: 'abdf3c5b2b', series: 7 },
  'xl-type-key': { what: 'xl reads `type`, so PVH guests exist (0adc9507c8 counts them like HVM); before, only `builder`', commit: 'c7dfe4ac58', series: 10 },
  'libxl-defaults-paging': { what: 'libxl defaults shadow and IOMMU memory and counts the IOMMU (with 67c82f437e, f89f555827)', commit: 'a9af7cd17d', series: 13 },
  'xen-pv32-kconfig': { what: '32-bit PV support can be compiled out (CONFIG_PV32)', commit: '68d757df8d', series: 14 },
  'libxl-stubdomain-memory': { what: 'stubdomain_memory; Linux stub domains for qemu-xen, counted in full', commit: '7efd9f3d45', series: 14 },
  'libs-guest': { what: 'libxenguest moved to tools/libs/guest, its files renamed xg_*', commit: 'e3dd624e48', series: 15 },
  'libxl-paging-by-type-and-hap': { what: 'the paging pool default depends on type and HAP (no x86 backport: RELEASE-4.16.3 keeps 2 pages per MiB)', commit: '2c99281085', series: 17 },
  'support-guest-memory-limits': { what: 'SUPPORT.md states guest memory limits (x86: 8 TiB security supported, below 16 TiB supported)', commit: 'c49ee0329f', series: 17 },

  // --- the QEMU each release pins (Config.mk QEMU_UPSTREAM_REVISION)
  'qemu-1.3': { what: 'qemu-xen is QEMU 1.3: std VGA 16 MiB with its mmio BAR, NIC ROMs as BARs', commit: 'qemu-xen-4.3.0', series: 3 },
  'qemu-1.6': { what: 'qemu-xen is QEMU 1.6 or later: libxl builds the machine with -device, efi NIC ROMs of 256 KiB', commit: 'qemu-xen-4.4.0', series: 4 },
  'qemu-vgamem-512': { what: 'qemu-xen clamps the std VGA framebuffer to 512 MiB (256 before)', commit: 'qemu-xen-4.7.0', series: 7 },
} as const satisfies Record<string, ReleaseChange>;

export type ChangeName = keyof typeof CHANGES;

// Each change's backports as [series, first patch], read once (the matrix asks millions of times).
const BACKPORTS = new Map<string, [number, number][]>(
  Object.entries(CHANGES as Record<string, ReleaseChange>).map(([name, c]) => [
    name,
    Object.keys(c.backports ?? {}).map((r) => {
      const [, minor, patch] = r.split('.').map(Number);
      return [minor, patch] as [number, number];
    }),
  ]),
);

/** Whether release `r` carries the change: from its series' .0 on, or from a backport within r's own series. */
export function carries(r: Release, name: ChangeName): boolean {
  if (r.minor >= CHANGES[name].series) return true;
  return BACKPORTS.get(name)!.some(([minor, patch]) => r.minor === minor && r.patch >= patch);
}

/** The first release of each series that carries the change, for messages ("4.17.4, 4.18.1, 4.19.0"). */
export function firstCarriers(name: ChangeName): string[] {
  const change: ReleaseChange = CHANGES[name];
  return [...Object.keys(change.backports ?? {}), `4.${change.series}.0`];
}

/** The releases that carry a change, for advice: "4.19.0 or later (4.17.4 and 4.18.1 in their series)". */
export function carriersText(name: ChangeName): string {
  const [first, ...rest] = firstCarriers(name).reverse();
  return rest.length ? `${first} or later (${rest.reverse().join(' and ')} in their series)` : `${first} or later`;
}

/**
 * Whether `r` is release 4.minor.patch or a later one, for tables keyed by
 * release (the firmware a release pins); behaviour asks carries() by name.
 */
export function atOrAfter(r: Release, minor: number, patch = 0): boolean {
  return r.minor > minor || (r.minor === minor && r.patch >= patch);
}

/** The series a change shipped in, for messages ("4.6"). */
export const sinceSeries = (name: ChangeName) => `4.${CHANGES[name].series}`;

// A toolstack and device model the matrix knows only by the contract's version
// name: the 4.3 tree before c74c1f906a, whose libxl and QEMU are modelled as 4.2's.
const PRE_4_3: Release = { major: 4, minor: 2, patch: 0, text: '4.3.0-rc5' };

/** The release behind a contract version name: its .0 release (4.3-rc: the 4.3 tree before the series). */
export function releaseOfVersion(name: VersionName): Release {
  if (name === '4.3-rc') return PRE_4_3;
  return parseRelease(VERSIONS[name].revision.replace(/^RELEASE-/, ''));
}

const AREA_4_6 = { start: 0xfc001000n, end: 0xfe000000n };
const AREA_4_15 = { start: 0xfc100000n, end: 0xfe000000n };

/** The hvmloader build of a Xen release, backports included. */
export function hvmloaderOf(r: Release): HvmloaderProfile {
  let behaviours = carries(r, 'relocate-devices-not-memory') ? V4_3 : B.B_ARITH32;
  if (carries(r, 'mmio-hole')) behaviours |= B.B_MMIO_HOLE;
  if (carries(r, 'hvmloader-rom-probe')) behaviours |= B.B_ROM_PROBE;
  if (carries(r, 'hvmloader-rmrr')) {
    behaviours |= B.B_RMRR_START;
    behaviours |= carries(r, 'hvmloader-rmrr-each-bar') ? B.B_RMRR_SKIP_EACH : B.B_RMRR_SKIP_ONCE;
  }
  if (carries(r, 'hvmloader-hole-hex')) behaviours |= B.B_LOG_HOLE_HEX;
  if (carries(r, 'hvmloader-huge-bars')) behaviours |= B.B_HUGE_BAR;
  if (carries(r, 'hvmloader-platform-bar-uc')) behaviours |= B.B_PLATFORM_BAR;

  const dynamicReservedArea = !carries(r, 'hvmloader-rmrr') ? undefined : carries(r, 'hvmloader-reserved-area-moved') ? AREA_4_15 : AREA_4_6;
  return { hvmloader: closestVersion(r), label: `Xen ${r.text}`, behaviours, dynamicReservedArea, release: r.text };
}

// The contract's version whose behaviours this build has, or the latest one before it.
function closestVersion(r: Release): VersionName {
  if (!carries(r, 'relocate-devices-not-memory')) return '4.2';
  if (!carries(r, 'mmio-hole')) return '4.3';
  if (!carries(r, 'hvmloader-rmrr')) return '4.5';
  if (carries(r, 'hvmloader-platform-bar-uc')) return '4.21';
  if (carries(r, 'hvmloader-huge-bars')) return '4.19';
  return '4.6';
}

/** What to place under: a contract version name, or a Xen release with its own build. */
export interface Target {
  /** As the user wrote it, normalised: "4.3-rc", "4.17.4". */
  label: string;
  /** The toolstack and device model release (a version name's .0 release). */
  release: Release;
  profile: HvmloaderProfile;
  /** Set when the target was named by release. */
  xen?: string;
}

/** A version name (4.3-rc, 4.19) or a Xen release (4.17.4). Releases that are also version names (4.19) mean the version. */
export function parseTarget(text: string, where: string): Target {
  const t = text.trim();
  if (isVersionName(t)) return { label: t, release: releaseOfVersion(t), profile: VERSIONS[t] };
  try {
    const release = parseRelease(t, where);
    return { label: release.text, release, profile: hvmloaderOf(release), xen: release.text };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // 4.17.9 reads as a release; 5.0 or "latest" could have meant a version too
    if (/^\d+\.\d+\.\d+$/.test(t)) throw e;
    const why = /^\d+\.\d+$/.test(t) ? `; ${e.issues[0].message}` : '';
    throw new InputError([{ path: where, message: `unknown version ${JSON.stringify(t)}: neither a version (${Object.keys(VERSIONS).join(', ')}) nor a Xen release (${FIRST} to ${LATEST})${why}` }]);
  }
}
