// The risk matrix between two Xen releases: each side's guest is built by
// that release's libxl and device model and placed by its hvmloader build.
import { describe, expect, it } from 'vitest';
import { computeMatrix, configBus, configs, type Config, type Row } from '../src/matrix/run.js';
import { busToInput, parseBus, place } from '../src/index.js';
import { makeSpace } from '../src/matrix/space.js';
import { parseTarget } from '../src/guest/releases.js';
import { runCli } from './helpers/cli.js';

const stubQemuXen: Config = { guestType: 'hvm', toolstack: 'libxl', deviceModel: 'qemu-xen', stubdomain: true, ramMiB: 4096, mmio32MiB: 512, mmio64MiB: 0, mmioHoleMiB: 0 };
const built = (c: Config, side: string) => {
  const b = configBus(c, parseTarget(side, 'test'));
  if (b === 'pv' || 'unavailable' in b) throw new Error(`no bus: ${JSON.stringify(b)}`);
  return b.bus;
};
const crashed = (why: string | null) => why === 'ram-relocated-qemu-xen';
const count = (rows: Row[], f: (r: Row) => boolean) => rows.filter(f).length;

describe('a side named by release', () => {
  it('gets that release\'s libxl keys: a stub domain has allow-memory-relocate from 4.17.4 and 4.18.1 (97883aa269 backports)', () => {
    expect(built(stubQemuXen, '4.17.3').allowMemoryRelocate).toBeUndefined();
    expect(built(stubQemuXen, '4.17.4').allowMemoryRelocate).toBe(false);
    expect(built(stubQemuXen, '4.18.0').allowMemoryRelocate).toBeUndefined();
    expect(built(stubQemuXen, '4.18.1').allowMemoryRelocate).toBe(false);
  });

  it('gets that release\'s hvmloader build', () => {
    expect(built(stubQemuXen, '4.17.4').profile).toMatchObject({ release: '4.17.4', hvmloader: '4.19' });
    expect(built(stubQemuXen, '4.17.3').profile).toMatchObject({ release: '4.17.3', hvmloader: '4.6' });
    // a version name keeps the version's own build
    expect(built(stubQemuXen, '4.19').profile).toBeUndefined();
  });

  it('has qemu-xen in a stub domain only from 4.14.0 (46587a30d4): libxl refuses it before', () => {
    expect(configBus(stubQemuXen, parseTarget('4.13.5', 'test'))).toEqual({ unavailable: 'libxl runs qemu-xen in a stub domain only from Xen 4.14' });
    expect(configBus(stubQemuXen, parseTarget('4.3', 'test'))).toEqual({ unavailable: 'libxl runs qemu-xen in a stub domain only from Xen 4.14' });
    expect(built(stubQemuXen, '4.14.0').profile?.release).toBe('4.14.0');
  });

  it('has no qemu-xen-traditional from 4.21.0 (19ab8356ab)', () => {
    const trad = { ...stubQemuXen, deviceModel: 'qemu-xen-traditional' as const, stubdomain: false };
    expect(built(trad, '4.20.4').profile?.release).toBe('4.20.4');
    expect(configBus(trad, parseTarget('4.21.0', 'test'))).toEqual({ unavailable: 'qemu-xen-traditional is gone from Xen 4.21' });
  });

  it('builds buses that validation accepts unchanged, release included', () => {
    const space = makeSpace({ guestType: ['hvm'], ramMiB: [2048, 8192], mmio32MiB: [0, 512], mmio64MiB: [0, 4096] });
    let checked = 0;
    for (const c of configs(space)) {
      const b = configBus(c, parseTarget('4.14.1', 'test'));
      if (b === 'pv' || 'unavailable' in b) continue;
      const input = busToInput(b.bus);
      expect(input.xen).toBe('4.14.1');
      expect(place(parseBus(input))).toEqual(place(b.bus));
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('a version and its .0 release build the same guest and place it the same way', () => {
    const space = makeSpace({ guestType: ['hvm'], ramMiB: [2048, 8192], mmio32MiB: [0, 1024], mmio64MiB: [0, 4096], mmioHoleMiB: [0, 1024] });
    for (const [version, release] of [['4.3', '4.3.0'], ['4.6', '4.6.0'], ['4.19', '4.19.0']]) {
      const m = computeMatrix(space, version, release);
      // nothing changes: a guest failing under one fails the same way under the other
      expect(m.counts, `${version} vs ${release}`).toMatchObject({ regression: 0, improvement: 0, 'changed, same outcome': 0 });
      expect(m.rows.every((r) => r.from === r.to && r.fromWhy === r.toWhy), `${version} vs ${release}`).toBe(true);
      for (const c of configs(space)) {
        const a = configBus(c, version);
        const b = configBus(c, release);
        if (a === 'pv' || 'unavailable' in a || b === 'pv' || 'unavailable' in b) continue;
        const { xen: _xen, ...placedB } = place(b.bus);
        expect(placedB, `${version} vs ${release}`).toEqual(place(a.bus));
      }
    }
  });
});

describe('4.17.3 -> 4.17.4 and 4.18.0 -> 4.19.0', () => {
  const space = makeSpace({ guestType: ['hvm'], toolstack: ['libxl'], deviceModel: ['qemu-xen'], ramMiB: [2048, 4096, 8192], mmio32MiB: [0, 512], mmio64MiB: [0, 2048], mmioHoleMiB: [0] });

  it('4.17.4 stops qemu-xen in a stub domain from crashing where RAM would move (improvements, no regression)', () => {
    const m = computeMatrix(space, '4.17.3', '4.17.4');
    expect(m.title).toBe('Xen 4.17.3 -> Xen 4.17.4');
    expect(m.counts.regression).toBe(0);
    const fixed = m.rows.filter((r) => r.stubdomain && crashed(r.fromWhy));
    expect(fixed.length).toBeGreaterThan(0);
    expect(fixed.every((r) => r.verdict === 'improvement' && !crashed(r.toWhy))).toBe(true);
    // without a stub domain libxl already wrote the key: no crash on either side
    expect(count(m.rows, (r) => !r.stubdomain && (crashed(r.fromWhy) || crashed(r.toWhy)))).toBe(0);
  });

  it('4.17.4 -> 4.18.0 takes the fix away again: stub domains regress', () => {
    const m = computeMatrix(space, '4.17.4', '4.18.0');
    expect(m.counts.regression).toBeGreaterThan(0);
    expect(m.rows.filter((r) => r.verdict === 'regression').every((r) => r.stubdomain && crashed(r.toWhy))).toBe(true);
  });

  it('4.18.0 -> 4.19.0 gives the same verdicts as 4.17.3 -> 4.17.4 (the same two backports)', () => {
    expect(computeMatrix(space, '4.18.0', '4.19.0').counts).toEqual(computeMatrix(space, '4.17.3', '4.17.4').counts);
  });
});

describe('mmio-planner matrix with releases', () => {
  it('runs --from 4.18.0 --to 4.19.0', async () => {
    const r = await runCli(['matrix', '--from', '4.18.0', '--to', '4.19.0', '--set', 'guestType=hvm', '--set', 'ramMiB=4096', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('deviceSet,guestType,toolstack,deviceModel,stubdomain,ramMiB,mmio32MiB,mmio64MiB,mmioHoleMiB,bios,from,fromWhy,to,toWhy,verdict');
    expect(r.stdout).toMatch(/,hvm,libxl,qemu-xen,true,4096,\d+,\d+,\d+,default,fails,ram-relocated-qemu-xen,(works|degraded),[a-z-]*,improvement\n/);
  });

  it('runs --from 4.17.3 --to 4.17.4', async () => {
    const r = await runCli(['matrix', '--from', '4.17.3', '--to', '4.17.4', '--set', 'guestType=hvm', '--set', 'ramMiB=4096', '--set', 'mmioHoleMiB=0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Risk matrix: Xen 4\.17\.3 -> Xen 4\.17\.4\n/);
    expect(r.stdout).toMatch(/configurations, Xen 4\.17\.3 -> Xen 4\.17\.4, \d+ placements in/);
  });

  it('keeps version names working, and mixes them with releases', async () => {
    const r = await runCli(['matrix', '--from', '4.6', '--to', '4.19.0', '--set', 'guestType=hvm', '--set', 'ramMiB=4096', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: '4.6', to: '4.19.0' });
  });

  it('refuses an unknown release with exit 2, naming the option, nothing on stdout', async () => {
    for (const [args, message] of [
      [['--from', '4.17.9', '--to', '4.17.4'], /--from: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/],
      [['--from', '4.17.3', '--to', '4.99'], /--to: unknown version "4\.99": .*4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['matrix', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });
});

describe('the README example', () => {
  it('matrix --from 4.17.3 --to 4.17.4 over HVM guests under libxl gives the counts the README shows', () => {
    const m = computeMatrix(makeSpace({ guestType: ['hvm'], toolstack: ['libxl'] }), '4.17.3', '4.17.4');
    expect(m.rows).toHaveLength(24840);
    expect(m.counts).toEqual({ regression: 0, 'still failing': 252, improvement: 1488, 'changed, same outcome': 1014, unaffected: 22086, pv: 0 });
    const group = (stub: boolean, dm: string) => m.rows.filter((r) => r.stubdomain === stub && r.deviceModel === dm);
    const improved = group(true, 'qemu-xen').filter((r) => r.verdict === 'improvement');
    expect(improved).toHaveLength(1488);
    expect(improved.every((r) => crashed(r.fromWhy) && !crashed(r.toWhy))).toBe(true);
    expect(group(false, 'qemu-xen').filter((r) => r.verdict === 'changed, same outcome')).toHaveLength(132);
  });
});
