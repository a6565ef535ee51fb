// The release table (every tag xen.git has from 4.2.0 on) and the named
// changes the guest layer reads through carries().
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANGES, carries, carriersText, firstCarriers, knownReleases, parseRelease, parseTarget, releaseListText, releasesAfter, type ChangeName } from '../../src/guest/releases.js';
import { InputError } from '../../src/errors.js';

const carriesAt = (name: ChangeName, r: string) => carries(parseRelease(r), name);

describe('known releases', () => {
  it('lists every RELEASE-4.x tag from 4.2.0 to 4.22.0, with no 4.6.2', () => {
    const all = knownReleases();
    expect(all[0]).toBe('4.2.0');
    expect(all.at(-1)).toBe('4.22.0');
    expect(all).toContain('4.17.7');
    expect(all).toContain('4.6.3');
    expect(all).not.toContain('4.6.2');
    expect(all).toHaveLength(121); // `git tag -l 'RELEASE-4.*'` less the 4.0.x and 4.1.x tags
  });

  it('accepts a series for its .0 release and a tagged patch release', () => {
    expect(parseRelease('4.17').text).toBe('4.17.0');
    expect(parseRelease('4.17.7').text).toBe('4.17.7');
    expect(parseRelease(' 4.22.0 ').text).toBe('4.22.0');
  });

  it('refuses a patch release that was never tagged, naming where the series ends', () => {
    expect(() => parseRelease('4.17.9')).toThrow(/--xen: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/);
    expect(() => parseRelease('4.22.1', 'xen')).toThrow(/xen: 4\.22\.1 is not a Xen release; 4\.22 ends at 4\.22\.0/);
    expect(() => parseRelease('4.6.2')).toThrow(/4\.6\.2 is not a Xen release; 4\.6 went from 4\.6\.1 to 4\.6\.3/);
  });

  it('refuses a series that does not exist or is not modelled', () => {
    expect(() => parseRelease('4.99')).toThrow(/4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/);
    expect(() => parseRelease('5.0')).toThrow(/5\.0\.0 is not a Xen release/);
    expect(() => parseRelease('4.1.6')).toThrow(/releases before 4\.2\.0 are not modelled/);
    expect(() => parseRelease('4.99')).toThrow(InputError);
  });
});

describe('named changes', () => {
  it('every row names its commit and series, and its backports are releases of earlier series', () => {
    for (const [name, c] of Object.entries(CHANGES)) {
      expect(c.commit, name).toMatch(/^([0-9a-f]{10}|qemu-xen-4\.\d+\.0)$/);
      expect(() => parseRelease(`4.${c.series}.0`), name).not.toThrow();
      for (const r of Object.keys((c as { backports?: object }).backports ?? {})) {
        expect(parseRelease(r).minor, `${name} ${r}`).toBeLessThan(c.series);
      }
    }
  });

  it('is carried from the tag a backport landed in, not the one before, and from the series on', () => {
    const boundaries: [ChangeName, string, string][] = [
      ['stubdom-allow-memory-relocate', '4.17.3', '4.17.4'],
      ['stubdom-allow-memory-relocate', '4.18.0', '4.18.1'],
      ['hvmloader-huge-bars', '4.17.3', '4.17.4'],
      ['hvmloader-huge-bars', '4.18.0', '4.18.1'],
      ['hvmloader-reserved-area-moved', '4.12.3', '4.12.4'],
      ['hvmloader-reserved-area-moved', '4.13.1', '4.13.2'],
      ['hvmloader-reserved-area-moved', '4.14.0', '4.14.1'],
      ['hvmloader-rmrr-each-bar', '4.7.3', '4.7.4'],
      ['hvmloader-rmrr-each-bar', '4.8.2', '4.8.3'],
      ['hvmloader-rmrr-each-bar', '4.9.0', '4.9.1'],
      ['hvmloader-rom-probe', '4.4.2', '4.4.3'],
      ['hvmloader-rom-probe', '4.5.0', '4.5.1'],
      ['pod-passthrough-iommu-message', '4.14.4', '4.14.5'],
      ['pod-passthrough-iommu-message', '4.15.2', '4.15.3'],
      ['pod-passthrough-iommu-message', '4.16.0', '4.16.1'],
    ];
    for (const [name, before, after] of boundaries) {
      expect(carriesAt(name, before), `${name} at ${before}`).toBe(false);
      expect(carriesAt(name, after), `${name} at ${after}`).toBe(true);
    }
    // a backport to 4.17.4 is not in 4.16.x, and every later series has it
    expect(carriesAt('stubdom-allow-memory-relocate', '4.16.7')).toBe(false);
    expect(carriesAt('stubdom-allow-memory-relocate', '4.19.0')).toBe(true);
    expect(carriesAt('stubdom-allow-memory-relocate', '4.18.6')).toBe(true);
    expect(firstCarriers('stubdom-allow-memory-relocate')).toEqual(['4.17.4', '4.18.1', '4.19.0']);
    expect(carriersText('stubdom-allow-memory-relocate')).toBe('4.19.0 or later (4.17.4 and 4.18.1 in their series)');
    expect(carriersText('libxl-rdm')).toBe('4.6.0 or later');
  });

  it('changes without backports start at their series', () => {
    expect(carriesAt('libxl-soundhw-device', '4.16.7')).toBe(false);
    expect(carriesAt('libxl-soundhw-device', '4.17.0')).toBe(true);
    expect(carriesAt('xl-pci-before-rdm', '4.12.4')).toBe(false);
    expect(carriesAt('xl-pci-before-rdm', '4.13.0')).toBe(true);
    expect(carriesAt('no-qemu-traditional', '4.20.4')).toBe(false);
    expect(carriesAt('no-qemu-traditional', '4.21.0')).toBe(true);
  });
});

describe('a target: a version name or a release', () => {
  it('reads version names as versions and numbers as releases', () => {
    expect(parseTarget('4.3-rc', '--from')).toMatchObject({ label: '4.3-rc', profile: { hvmloader: '4.3-rc' } });
    expect(parseTarget('4.3-rc', '--from').xen).toBeUndefined();
    expect(parseTarget('4.19', '--from')).toMatchObject({ label: '4.19', release: { text: '4.19.0' } });
    expect(parseTarget('4.19', '--from').xen).toBeUndefined();
    expect(parseTarget('4.17.4', '--from')).toMatchObject({ label: '4.17.4', xen: '4.17.4', profile: { hvmloader: '4.19', release: '4.17.4' } });
    expect(parseTarget('4.17', '--from')).toMatchObject({ label: '4.17.0', xen: '4.17.0' });
  });

  it('refuses what is neither, naming the option', () => {
    expect(() => parseTarget('4.17.9', '--from')).toThrow(/--from: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/);
    expect(() => parseTarget('latest', '--to')).toThrow(/--to: unknown version "latest": neither a version \(4\.2, 4\.3-rc.*\) nor a Xen release \(4\.2\.0 to 4\.22\.0\)/);
    expect(() => parseTarget('4.99', '--to')).toThrow(/--to: unknown version "4\.99": .*4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/);
  });
});

describe('one table', () => {
  it('no module but src/guest/releases.ts reads a release\'s minor or patch number: they ask carries() by name', () => {
    const root = new URL('../../src/', import.meta.url).pathname;
    const offenders: string[] = [];
    for (const file of readdirSync(root, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file === join('guest', 'releases.ts')) continue;
      readFileSync(join(root, file), 'utf8').split('\n').forEach((line, i) => {
        if (/\.(minor|patch)\b/.test(line)) offenders.push(`src/${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('later releases, as fixes name them', () => {
  const r = (t: string) => parseRelease(t);
  it('lists the releases after one, a list per series, every tag of each', () => {
    const after = releasesAfter(r('4.21.1'));
    expect(after.map((s) => s.map((x) => x.text))).toEqual([['4.21.2'], ['4.22.0']]);
    expect(releasesAfter(r('4.6.1'))[0].map((x) => x.text)).toEqual(['4.6.3', '4.6.4', '4.6.5', '4.6.6']); // 4.6.2 was never tagged
    expect(releasesAfter(r('4.22.0'))).toEqual([]);
  });

  it('says a run of series that each start fixed, up to the latest, once', () => {
    const list = (...t: string[]) => releaseListText(t.map(r));
    expect(list('4.17.4', '4.18.1', '4.19.0', '4.20.0', '4.21.0', '4.22.0')).toBe('4.17.4, 4.18.1 or 4.19.0 and later');
    expect(list('4.3.0', '4.4.0', '4.5.0', '4.6.0', '4.7.0', '4.8.0', '4.9.0', '4.10.0', '4.11.0', '4.12.0', '4.13.0', '4.14.0', '4.15.0', '4.16.0', '4.17.0', '4.18.0', '4.19.0', '4.20.0', '4.21.0', '4.22.0')).toBe('4.3.0 and later');
    expect(list('4.17.4', '4.18.1')).toBe('4.17.4 or 4.18.1'); // not every later series: no "and later"
    expect(list('4.22.0')).toBe('4.22.0');
  });
});
