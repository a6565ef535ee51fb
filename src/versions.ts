// The hvmloader versions the engine reproduces, by the name the contract uses.
// The placement behaviours of each live in assembly/versions.ts; this table
// holds what the TypeScript side needs: the engine's code for the version,
// the source revision it was read from, the reserved area that makes its
// memory-map setup BUG, and a one-line account of what changed.

export const VERSION_NAMES = ['4.2', '4.3-rc', '4.3', '4.5', '4.6', '4.19', '4.21'] as const;
export type VersionName = (typeof VERSION_NAMES)[number];
export const DEFAULT_VERSION: VersionName = '4.21';

export interface VersionInfo {
  name: VersionName;
  code: number; // V_* in assembly/versions.ts
  revision: string; // the xen.git tag whose pci.c this reproduces
  // memory_map_setup() BUGs on a reserved range inside this area (4.6 on)
  dynamicReservedArea?: { start: bigint; end: bigint };
  changes: string;
}

export const VERSIONS: Readonly<Record<VersionName, VersionInfo>> = {
  '4.2': {
    name: '4.2',
    code: 0,
    revision: 'RELEASE-4.2.0',
    changes:
      'Grows the hole by doubling down to 2 GiB and moves any RAM it covers above 4 GiB; ' +
      '32-bit arithmetic throughout; sizes only the low register of a 64-bit BAR; nothing goes above 4 GiB.',
  },
  '4.3-rc': {
    name: '4.3-rc',
    code: 1,
    revision: '4.3.0-rc5',
    changes:
      'Sizes 64-bit BARs fully and has a 64-bit placement path, but its trigger is broken: relocation is ' +
      '"wanted" only while the hole has not reached 2 GiB, when everything already fits, and only for BARs over 512 MiB. ' +
      'Logs sizes with %llx, which its printf cannot print.',
  },
  '4.3': {
    name: '4.3',
    code: 2,
    revision: 'RELEASE-4.3.0',
    changes:
      'The "relocate devices rather than memory" series: reads hvmloader/allow-memory-relocate (default 1) and, ' +
      'when it is 0, stops growing the hole at RAM; relocates the largest 64-bit BARs above RAM while the rest ' +
      'do not fit; the high window starts at 4 GiB at least; logs every step with 64-bit values split in two.',
  },
  '4.5': {
    name: '4.5',
    code: 3,
    revision: 'RELEASE-4.5.0',
    changes:
      'platform/mmio_hole_size sets the hole directly (ignored if smaller than the default 256 MiB); ' +
      'the high window end is aligned like its start.',
  },
  '4.6': {
    name: '4.6',
    code: 4,
    revision: 'RELEASE-4.6.0',
    dynamicReservedArea: { start: 0xfc001000n, end: 0xfe000000n },
    changes:
      'Avoids reserved ranges (RMRRs): a grown hole that covers one starts at the end of RAM instead, and a ' +
      'BAR that would overlap the next reserved range skips past it; the ROM is probed with its own mask.',
  },
  '4.19': {
    name: '4.19',
    code: 5,
    revision: 'RELEASE-4.19.0',
    dynamicReservedArea: { start: 0xfc100000n, end: 0xfe000000n },
    changes:
      '64-bit BARs over 1 GiB always go above 4 GiB and do not count toward the hole; the next reserved range ' +
      'is looked up afresh for each BAR.',
  },
  '4.21': {
    name: '4.21',
    code: 6,
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
