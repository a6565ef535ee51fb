// What the CLI places under: contract version names (4.3-rc, 4.19) and Xen
// releases (4.17.4), alone or mixed in one list.

import { InputError } from '../errors.js';
import { hvmloaderOf, parseRelease, parseTarget, type Target } from '../guest/releases.js';
import { VERSION_NAMES } from '../versions.js';

const dedupe = (targets: Target[]) => targets.filter((t, i) => targets.findIndex((u) => u.label === t.label) === i);

function items(value: string, where: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError([{ path: where, message: `no versions given; use a comma-separated list of versions (${VERSION_NAMES.join(', ')}) or Xen releases (4.17.4)` }]);
  return list;
}

/** --version-set: version names and releases, or "all" (every version name). */
export function parseTargetList(value: string, where = '--version-set'): Target[] {
  if (value.trim() === 'all') return VERSION_NAMES.map((v) => parseTarget(v, where));
  return dedupe(items(value, where).map((v) => parseTarget(v, where)));
}

/** --xen: Xen releases only (4.19 is 4.19.0 here, not the version 4.19). */
export function parseReleaseList(value: string, where = '--xen'): Target[] {
  return dedupe(
    items(value, where).map((v) => {
      const release = parseRelease(v, where);
      return { label: release.text, release, profile: hvmloaderOf(release), xen: release.text };
    }),
  );
}
