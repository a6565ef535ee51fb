// Xen as people name it: a release number (4.14.3, 4.17.4, 4.22.0) -> the
// hvmloader build that release shipped, backports included. Each rule cites
// the commit and the first tags that carry it (`git tag --contains`).

import { InputError } from '../errors.js';
import * as B from '../engine/layout.js';
import { V4_3, V4_6, type HvmloaderProfile, type VersionName } from '../versions.js';

export interface Release {
  major: number;
  minor: number;
  patch: number;
  text: string; // as normalised: 4.17.4
}

export function parseRelease(text: string, where = '--xen'): Release {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new InputError([{ path: where, message: `${JSON.stringify(text)} is not a Xen release; write it like 4.17 or 4.17.4` }]);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major !== 4 || minor < 2) {
    throw new InputError([{ path: where, message: `Xen ${text} is outside what is modelled (4.2 and later 4.x releases)` }]);
  }
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

/** True when the release is `minor.patch` or later within the same 4.minor series, or a later series. */
const atLeast = (r: Release, minor: number, patch = 0) => r.minor > minor || (r.minor === minor && r.patch >= patch);

/** Whether a change that landed in series `since` (and was backported to the listed x.y.z) is in `r`. */
function carries(r: Release, since: number, backports: [number, number][] = []): boolean {
  if (r.minor >= since) return true;
  return backports.some(([minor, patch]) => r.minor === minor && r.patch >= patch);
}

const AREA_4_6 = { start: 0xfc001000n, end: 0xfe000000n };
const AREA_4_15 = { start: 0xfc100000n, end: 0xfe000000n };

/** The hvmloader build of a Xen release. */
export function hvmloaderOf(r: Release): HvmloaderProfile {
  let behaviours: number;
  if (r.minor === 2) behaviours = B.B_ARITH32;
  else if (r.minor <= 4) behaviours = V4_3;
  else if (r.minor === 5) behaviours = V4_3 | B.B_MMIO_HOLE;
  else behaviours = V4_6;

  // 73aa7fc292 (4.6) ROM probe, backported as 1af1095705 (4.4.3) and 0327c934e4 (4.5.1)
  if (carries(r, 6, [[4, 3], [5, 1]])) behaviours |= B.B_ROM_PROBE;
  // ecc607b185 (4.10) next RMRR from each BAR's base; c3fa5cdf3f 4.7.4, c642b12321 4.8.3, 22ea7316e5 4.9.1
  if (r.minor >= 6 && carries(r, 10, [[7, 4], [8, 3], [9, 1]])) behaviours = (behaviours & ~B.B_RMRR_SKIP_ONCE) | B.B_RMRR_SKIP_EACH;
  // 1c4589280a (4.17) the mmio_hole line in hex
  if (carries(r, 17)) behaviours |= B.B_LOG_HOLE_HEX;
  // 57acad12a0 (4.19) huge BARs; 1e9808227c 4.17.4, 4c84fa6cb6 4.18.1
  if (carries(r, 19, [[17, 4], [18, 1]])) behaviours |= B.B_HUGE_BAR;
  // 22650d6054 (4.21) the platform BAR's cache attribute
  if (carries(r, 21)) behaviours |= B.B_PLATFORM_BAR;

  // 8efa46516c (4.15) moved the dynamic reserved area; 0ca821f197 4.12.4, f63b20a213 4.13.2, 43eceee913 4.14.1
  const dynamicReservedArea = r.minor < 6 ? undefined : carries(r, 15, [[12, 4], [13, 2], [14, 1]]) ? AREA_4_15 : AREA_4_6;

  return { hvmloader: closestVersion(r, behaviours), label: `Xen ${r.text}`, behaviours, dynamicReservedArea };
}

// The contract's version whose behaviours this build has, or the latest one before it.
function closestVersion(r: Release, behaviours: number): VersionName {
  if (r.minor === 2) return '4.2';
  if (r.minor <= 4) return '4.3';
  if (r.minor === 5) return '4.5';
  if (atLeast(r, 21)) return '4.21';
  if (behaviours & B.B_HUGE_BAR) return '4.19';
  return '4.6';
}
