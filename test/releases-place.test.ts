// Placing by Xen release: a bus that names `xen`, `place --xen`, and
// `--version-set` with releases. Each backport and change is tested at its
// boundary, the tag before against the tag that brought it; the buses are
// those of test/rules.test.ts, whose expected placements come from pci.c.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BusError, InputError, busToInput, carries, planGuest, readXlGuest, hvmloaderOf, parseBus, parseRelease, place, placeMany, withVersion, type BarInput, type BusInput, type DeviceInput, type PlacementResult } from '../src/index.js';
import { advise } from '../src/advisor/advise.js';
import { runCli } from './helpers/cli.js';
import { STALE_RANGE } from './rules/common.js';

const HOST: DeviceInput[] = [
  { slot: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600' },
  { slot: 1, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601' },
];
const dev = (slot: number, bars: BarInput[], extra: Partial<DeviceInput> = {}): DeviceInput => ({ slot, vendorId: '0x1af4', deviceId: '0x1041', classCode: '0x0200', bars, ...extra });
const mem32 = (index: number, size: string): BarInput => ({ index, type: 'mem32', size });
const mem64 = (index: number, size: string): BarInput => ({ index, type: 'mem64', size });
const bus = (xen: string, devices: DeviceInput[], extra: Partial<BusInput> = {}): BusInput => ({ xen, lowMemEnd: '0x7f000000', ...extra, devices: [...HOST, ...devices] });
const where = (r: PlacementResult, slot: number, reg = '0x10') => {
  const b = r.bars.find((x) => x.slot === slot && x.reg === reg)!;
  return b.placement === 'unplaced' ? 'unplaced' : `${b.placement} ${b.address}`;
};

const tmp = mkdtempSync(join(tmpdir(), 'mmio-planner-releases-'));
const file = (name: string, value: unknown) => {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('a bus that names a Xen release', () => {
  it('is placed as that release\'s hvmloader, and the result names both the release and the version', () => {
    const r = place(bus('4.17.4', [dev(3, [mem64(0, '0x80000000'), mem32(2, '0x1000000')])]));
    expect(r.xen).toBe('4.17.4');
    expect(r.hvmloader).toBe('4.19');
    expect(r.lowHole.start).toBe('0xf0000000');
    // a version bus's result has no xen
    expect(place({ ...bus('', []), xen: undefined, hvmloader: '4.19' }).xen).toBeUndefined();
  });

  it('refuses a bus naming both hvmloader and xen, and a release xen.git never tagged, naming the field', () => {
    expect(() => place({ ...bus('4.17.4', []), hvmloader: '4.19' })).toThrow(/xen: give either "hvmloader" \(a version\) or "xen" \(a release\), not both/);
    expect(() => place(bus('4.17.9', []))).toThrow(BusError);
    expect(() => place(bus('4.17.9', []))).toThrow(/xen: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/);
    expect(() => place(bus('4.99', []))).toThrow(/xen: 4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/);
    expect(() => placeMany([bus('4.6.2', [])])).toThrow(/buses\[0\]: xen: 4\.6\.2 is not a Xen release/);
  });

  it('keeps xen through busToInput, so a derived bus is checked against the same build', () => {
    const b = parseBus(bus('4.14.1', [], { reserved: [{ start: '0xfc010000', size: '0x1000' }] }));
    expect(busToInput(b)).toMatchObject({ xen: '4.14.1' });
    expect(busToInput(b).hvmloader).toBeUndefined();
    expect(() => parseBus(busToInput(b))).not.toThrow();
    // the advisor derives buses (mmio_hole candidates, devices removed) from it
    expect(advise(b).result.xen).toBe('4.14.1');
  });

  it('placeMany reports the release of each bus', () => {
    const placed = placeMany([bus('4.17.3', []), bus('4.17.4', []), { ...bus('', []), xen: undefined, hvmloader: '4.6' }]);
    expect([...placed].map((r) => r.xen)).toEqual(['4.17.3', '4.17.4', undefined]);
  });
});

describe('reserved-range checks use the release\'s own reserved area', () => {
  const reserved = [{ start: '0xfc010000', size: '0x1000' }];
  for (const [before, after] of [['4.12.3', '4.12.4'], ['4.13.1', '4.13.2'], ['4.14.0', '4.14.1']]) {
    it(`refuses 0xfc010000 under ${before} (area from 0xfc001000), places it under ${after} (8efa46516c backported)`, () => {
      expect(() => place(bus(before, [], { reserved }))).toThrow(/reserved\[0\]: 0xfc010000\+0x1000 overlaps hvmloader Xen .*'s own reserved area 0xfc001000-0xfe000000/);
      expect(place(bus(after, [], { reserved })).xen).toBe(after);
    });
  }

  it('withVersion to a release profile checks against that profile, not the contract version nearest it', () => {
    const plain = parseBus({ lowMemEnd: '0x7f000000', reserved, devices: HOST });
    const b = withVersion(plain, hvmloaderOf(parseRelease('4.14.1')));
    expect(place(b).xen).toBe('4.14.1');
    expect(() => withVersion(plain, hvmloaderOf(parseRelease('4.14.0')))).toThrow(/own reserved area 0xfc001000/);
    // the version 4.6 (whose area 4.14.1's build is nearest) does refuse it
    expect(() => withVersion(plain, '4.6')).toThrow(BusError);
  });
});

describe('hvmloader changes at the tag that brought them', () => {
  it('1 GiB rule (57acad12a0): 4.17.3 grows the hole for a 2 GiB BAR, 4.17.4 does not; 4.18.0 / 4.18.1 the same', () => {
    const devices = [dev(3, [mem64(0, '0x80000000'), mem32(2, '0x1000000')])];
    for (const [before, after] of [['4.17.3', '4.17.4'], ['4.18.0', '4.18.1'], ['4.16.7', '4.19.0']]) {
      const a = place(bus(before, devices));
      const b = place(bus(after, devices));
      expect(a.lowHole.start, before).toBe('0x80000000');
      expect(where(a, 3, '0x18'), before).toBe('low 0x80000000');
      expect(b.lowHole.start, after).toBe('0xf0000000');
      expect(where(b, 3, '0x18'), after).toBe('low 0xf0000000');
    }
  });

  it('next reserved range per BAR (ecc607b185): skipped once in 4.7.3, 4.8.2, 4.9.0; per BAR in 4.7.4, 4.8.3, 4.9.1', () => {
    const devices = STALE_RANGE.devices(dev);
    const { reserved } = STALE_RANGE;
    for (const [before, after] of [['4.7.3', '4.7.4'], ['4.8.2', '4.8.3'], ['4.9.0', '4.9.1']]) {
      expect(where(place(bus(before, devices, { reserved })), 7), before).toBe('low 0xf8000000');
      expect(where(place(bus(after, devices, { reserved })), 7), after).toBe('unplaced');
    }
  });

  it('ROM probe (73aa7fc292): a 1 KiB ROM read-back sizes as 1 KiB in 4.4.2 and 4.5.0, 2 KiB in 4.4.3 and 4.5.1', () => {
    const rom: BarInput = { type: 'rom', mask: '0xfffffc01' };
    for (const [before, after] of [['4.4.2', '4.4.3'], ['4.5.0', '4.5.1']]) {
      expect(place(bus(before, [dev(3, [rom])])).bars[0].size, before).toBe('0x400');
      expect(place(bus(after, [dev(3, [rom])])).bars[0].size, after).toBe('0x800');
    }
  });

  it('mmio_hole line in hex (1c4589280a): decimal in 4.16.7, hex from 4.17.0', () => {
    const extra = { lowMemEnd: '0xc0000000', mmioHoleSize: '0x40000000' };
    expect(place(bus('4.16.7', [], extra)).log).toContain('pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=1073741824');
    expect(place(bus('4.17.0', [], extra)).log).toContain('pci_mem_start=0xc0000000 (was 0xf0000000) for mmio_hole_size=0x40000000');
  });

  it('mmio_hole itself (2d927fc41b): ignored by 4.4.4, honoured from 4.5.0', () => {
    const devices = [dev(3, [mem32(0, '0x10000000')])];
    const extra = { lowMemEnd: '0xc0000000', mmioHoleSize: '0x40000000' };
    expect(place(bus('4.4.4', devices, extra)).lowHole.start).toBe('0xe0000000');
    expect(place(bus('4.5.0', devices, extra)).lowHole.start).toBe('0xc0000000');
  });

  it('platform BAR cache attribute (22650d6054): not read by 4.20.4, read from 4.21.0', () => {
    const platform: DeviceInput = {
      slot: 2, vendorId: '0x5853', deviceId: '0x0001', classCode: '0xff80', interruptPin: 1,
      bars: [{ index: 0, type: 'io', size: '0x100' }, { index: 1, type: 'mem32', prefetchable: true, size: '0x1000000' }],
    };
    const devices = [platform, dev(3, [mem32(0, '0x2000000')])];
    expect(place(bus('4.20.4', devices, { xenPlatformBarUc: false })).lowHole.end).toBe('0xfc000000');
    expect(place(bus('4.21.0', devices, { xenPlatformBarUc: false })).lowHole.end).toBe('0xfb000000');
  });
});

describe('mmio-planner place with releases', () => {
  const devices = [dev(3, [mem64(0, '0x80000000'), mem32(2, '0x1000000')])];
  const plain = file('plain.json', { lowMemEnd: '0x7f000000', devices: [...HOST, ...devices] });

  it('--xen A,B places under each release and shows where they differ', async () => {
    const r = await runCli(['place', plain, '--xen', '4.17.3,4.17.4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Xen 4\.17\.3 vs Xen 4\.17\.4\n/);
    expect(r.stdout).toMatch(/low MMIO hole +0x80000000-0xfc000000 +0xf0000000-0xfc000000/);
    expect(r.stdout).toMatch(/03:0 bar 18 1af4:1041 \(16 MiB\) +low 0x80000000 +low 0xf0000000/);
  });

  it('--xen R --json gives the contract result with xen and hvmloader', async () => {
    const r = await runCli(['place', plain, '--xen', '4.14.1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ hvmloader: '4.6', xen: '4.14.1' });
    const one = await runCli(['place', plain, '--xen', '4.17.4']);
    expect(one.stdout).toMatch(/^Xen 4\.17\.4 \(its own hvmloader build; nearest modelled version 4\.19\)/);
  });

  it('--version-set mixes versions and releases, keyed as written', async () => {
    const r = await runCli(['place', plain, '--version-set', '4.6,4.17.3,4.17.4', '--json']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout).results;
    expect(Object.keys(results)).toEqual(['4.6', '4.17.3', '4.17.4']);
    expect(results['4.17.4'].lowHole.start).toBe('0xf0000000');
    expect(results['4.6'].lowHole.start).toBe('0x80000000');
    const text = await runCli(['place', plain, '--version-set', '4.6,4.17.4']);
    expect(text.stdout).toMatch(/^hvmloader 4\.6 vs Xen 4\.17\.4\n/);
  });

  it('a bus file that names xen is placed under it by default', async () => {
    const r = await runCli(['place', file('xen.json', bus('4.18.1', devices)), '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ xen: '4.18.1', lowHole: { start: '0xf0000000' } });
  });

  it('refuses an unknown release with exit 2, the option, where the series ends, and nothing on stdout', async () => {
    for (const [args, message] of [
      [['--xen', '4.17.9'], /--xen: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/],
      [['--xen', '4.99'], /--xen: 4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/],
      [['--version-set', '4.6,4.18.7'], /--version-set: 4\.18\.7 is not a Xen release; 4\.18 ends at 4\.18\.6/],
      [['--xen', '4.17.4', '--hvmloader', '4.19'], /give one of --hvmloader, --version-set or --xen/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['place', plain, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const bad = await runCli(['place', file('bad.json', bus('4.2.9', []))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/xen: 4\.2\.9 is not a Xen release; 4\.2 ends at 4\.2\.5/);
  });

  it('explain takes a release for a bus, and refuses an unknown one', async () => {
    const reserved = file('reserved.json', { lowMemEnd: '0x7f000000', reserved: [{ start: '0xfc010000', size: '0x1000' }], devices: [...HOST, ...devices] });
    const ok = await runCli(['explain', reserved, '--xen', '4.14.1', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).result.xen).toBe('4.14.1');
    const refused = await runCli(['explain', reserved, '--xen', '4.14.0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/own reserved area 0xfc001000/);
    const unknown = await runCli(['explain', reserved, '--xen', '4.14.7']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--xen: 4\.14\.7 is not a Xen release; 4\.14 ends at 4\.14\.6/);
    expect(unknown.stdout).toBe('');
  });
});

describe('the API refuses unknown releases', () => {
  it('parseRelease and planGuest throw an InputError naming where the series ends', () => {
    expect(() => parseRelease('4.17.9')).toThrow(InputError);
    const cfg = readXlGuest('type = "hvm"\nmemory = 2048\n', 'guest.cfg');
    expect(() => planGuest(cfg, new Map(), { xen: ['4.19', '4.17.9'] })).toThrow(/--xen: 4\.17\.9 is not a Xen release; 4\.17 ends at 4\.17\.7/);
    expect(carries(parseRelease('4.17.4'), 'stubdom-allow-memory-relocate')).toBe(true);
  });

  it('plan --xen refuses one with exit 2 and nothing on stdout', async () => {
    const cfg = file('guest.cfg', '');
    writeFileSync(cfg, 'type = "hvm"\nmemory = 2048\n');
    const r = await runCli(['plan', cfg, '--xen', '4.99']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--xen: 4\.99\.0 is not a Xen release; the latest known is 4\.22\.0/);
    expect(r.stdout).toBe('');
  });
});
