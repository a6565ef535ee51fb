// The hvmloader versions the engine reproduces, by the name the contract uses:
// one row per version with its behaviour bits (src/engine/layout.ts B_*, read
// by the engine's phases), the source revision it was read from, the reserved
// area its memory-map setup BUGs on, and a one-line account of what changed.

import * as B from './engine/layout.js';

export const VERSION_NAMES = ['4.2', '4.3-rc', '4.3', '4.5', '4.6', '4.19', '4.21'] as const;
export type VersionName = (typeof VERSION_NAMES)[number];
export const DEFAULT_VERSION: VersionName = '4.21';

/** What the engine and validation need to reproduce one hvmloader build. */
export interface HvmloaderProfile {
  /** The contract's name for the closest modelled version (the result's `hvmloader`). */
  hvmloader: VersionName;
  /** What to call it in reports: a version, or a Xen release such as 4.17.4. */
  label: string;
  behaviours: number; // B_* bits
  // memory_map_setup() BUGs on a reserved range inside this area (4.6 on)
  dynamicReservedArea?: { start: bigint; end: bigint };
  /** The Xen release this build is (4.17.4), when it was named by release. */
  release?: string;
}

export interface VersionInfo extends HvmloaderProfile {
  name: VersionName;
  revision: string; // the xen.git tag whose pci.c this reproduces
  changes: string;
}

// Rows that later versions and releases build on
export const V4_3 = B.B_RELOCATE_KEY | B.B_BAR64_SUM | B.B_HIGH_FLOOR;
export const V4_6 = V4_3 | B.B_MMIO_HOLE | B.B_ROM_PROBE | B.B_RMRR_START | B.B_RMRR_SKIP_ONCE;
export const V4_10 = (V4_6 & ~B.B_RMRR_SKIP_ONCE) | B.B_RMRR_SKIP_EACH;

export const VERSIONS: Readonly<Record<VersionName, VersionInfo>> = {
  '4.2': {
    name: '4.2',
    hvmloader: '4.2',
    label: '4.2',
    behaviours: B.B_ARITH32,
    revision: 'RELEASE-4.2.0',
    changes:
      'Grows the hole by doubling down to 2 GiB and moves any RAM it covers above 4 GiB; ' +
      '32-bit arithmetic throughout; sizes only the low register of a 64-bit BAR; nothing goes above 4 GiB.',
  },
  '4.3-rc': {
    name: '4.3-rc',
    hvmloader: '4.3-rc',
    label: '4.3-rc',
    behaviours: B.B_BAR64_RC | B.B_LOG_LLX,
    revision: '4.3.0-rc5',
    changes:
      'Sizes 64-bit BARs fully and has a 64-bit placement path, but its trigger is broken: relocation is ' +
      '"wanted" only while the hole has not reached 2 GiB, when everything already fits, and only for BARs over 512 MiB. ' +
      'Logs sizes with %llx, which its printf cannot print.',
  },
  '4.3': {
    name: '4.3',
    hvmloader: '4.3',
    label: '4.3',
    behaviours: V4_3,
    revision: 'RELEASE-4.3.0',
    changes:
      'The "relocate devices rather than memory" series: reads hvmloader/allow-memory-relocate (default 1) and, ' +
      'when it is 0, stops growing the hole at RAM; relocates the largest 64-bit BARs above RAM while the rest ' +
      'do not fit; the high window starts at 4 GiB at least; logs every step with 64-bit values split in two.',
  },
  '4.5': {
    name: '4.5',
    hvmloader: '4.5',
    label: '4.5',
    behaviours: V4_3 | B.B_MMIO_HOLE,
    revision: 'RELEASE-4.5.0',
    changes:
      'platform/mmio_hole_size sets the hole directly (ignored if smaller than the default 256 MiB); ' +
      'the high window end is aligned like its start.',
  },
  '4.6': {
    name: '4.6',
    hvmloader: '4.6',
    label: '4.6',
    behaviours: V4_6,
    revision: 'RELEASE-4.6.0',
    dynamicReservedArea: { start: 0xfc001000n, end: 0xfe000000n },
    changes:
      'Avoids reserved ranges (RMRRs): a grown hole that covers one starts at the end of RAM instead, and a ' +
      'BAR that would overlap the next reserved range skips past it; the ROM is probed with its own mask.',
  },
  '4.19': {
    name: '4.19',
    hvmloader: '4.19',
    label: '4.19',
    behaviours: V4_10 | B.B_LOG_HOLE_HEX | B.B_HUGE_BAR,
    revision: 'RELEASE-4.19.0',
    dynamicReservedArea: { start: 0xfc100000n, end: 0xfe000000n },
    changes:
      '64-bit BARs over 1 GiB always go above 4 GiB and do not count toward the hole; the next reserved range ' +
      'is looked up afresh for each BAR.',
  },
  '4.21': {
    name: '4.21',
    hvmloader: '4.21',
    label: '4.21',
    behaviours: V4_10 | B.B_LOG_HOLE_HEX | B.B_HUGE_BAR | B.B_PLATFORM_BAR,
    revision: 'RELEASE-4.21.0',
    dynamicReservedArea: { start: 0xfc100000n, end: 0xfe000000n },
    changes:
      'hvmloader/pci/xen-platform-pci-bar-uc (default 1): when 0, the Xen platform device\'s memory BAR is placed ' +
      'at the top of the hole during the scan, shrinking the hole.',
  },
};

export function isVersionName(value: unknown): value is VersionName {
  return typeof value === 'string' && (VERSION_NAMES as readonly string[]).includes(value);
}
