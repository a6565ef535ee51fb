// Issue 11: whatever the bundled inputs are mutated into — guest configs,
// lspci texts, xl dmesg logs, space files, bus files and Bus objects — the
// answer is a result or a typed error (InputError, BusError), never another
// exception. Runs are kept small (a shared 2-core machine); fast-check prints
// the seed and the shrunk input of any failure.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, budget, parseBusJson, parseLspci, place, placeMany, readGuest } from '../src/index.js';
import { indexDevices, planGuest } from '../src/guest/plan.js';
import { parseXenDmesgRmrrs } from '../src/guest/rdm.js';
import { computeMatrix } from '../src/matrix/run.js';
import { readSpaceFile } from '../src/matrix/space.js';
import type { HostFunction } from '../src/guest/lspci.js';

const root = new URL('..', import.meta.url).pathname;
const read = (dir: string) => readdirSync(join(root, dir)).map((f) => ({ name: `${dir}/${f}`, text: readFileSync(join(root, dir, f), 'utf8') }));
const guests = read('scenarios/guests');
const lspcis = [...read('scenarios/devices'), ...read('test/fixtures/lspci')];
const dmesgs = read('test/fixtures/rmrr');
const buses = read('scenarios/buses');

/** Runs fn; an exception must be an InputError (BusError is one) with at least one issue. */
function resultOrTyped(fn: () => unknown): 'result' | 'refused' {
  try {
    fn();
    return 'result';
  } catch (e) {
    if (!(e instanceof InputError)) throw e; // fast-check reports the input that did this
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.message.split('\n').length).toBeLessThanOrEqual(21);
    return 'refused';
  }
}

// Pieces hostile and mistaken input is made of: the formats' own tokens,
// huge and negative numbers, indentation changes, BOMs, anchors, prototypes.
const piece = fc.constantFrom(
  '\t', '\t\t', '    ', '  ', '\n', '\r\n', '\ufeff', '#', '[', ']', '[[[[', ',', '=', '+=', ':', ';', '"', "'", '{', '}',
  '0x', '0', '1', '-1', '4G', '16777216', '99999999999999999999', 'ffffffffffffffff', '[size=4G]', '[size=16777216T]',
  'Region 0: Memory at fe000000 (64-bit, prefetchable) [size=256M]', 'Region 1: ', 'Expansion ROM at ', '(32-bit, non-prefetchable)',
  'Memory at ', 'Interrupt: pin A', '03:00.0 ', '0b:00.0', '@5', 'memory', 'memroy', 'maxmem', 'videoram', 'mmio_hole', 'pci',
  'type', 'hvm', 'vslot=', '&a', '*a', '__proto__', 'constructor', 'RMRR: [', 'endpoint: 0000:00:14.0', 'found ACPI_DMAR_RMRR',
  '"slot": 99', '"size": "0x3"', '"lowMemEnd": "-1"', '"hvmloader": "9.9"', 'devices', 'bars', 'null',
  // whole statements that once went wrong, and nesting that once overflowed the stack
  '\nmemory = 1\n', '\nmemory = 16777216\n', "\npci = [ '0b:00.0@5', '3b:00.0@5' ]\n", '\nvideoram = 4096\n', '\nmaxmem = 1\n',
  `\nvnuma = ${'['.repeat(3000)}${']'.repeat(3000)}\n`, '\nx: &x [1, 1, 1]\ny: [*x, *x, *x, *x]\n',
);

// What a user reads must name what they wrote, never the bus fields the
// planner derived from it (memory = 1 once came back as "lowMemEnd: 0x-700000").
const INTERNAL = /0x-|lowMemEnd|highMemEnd|devices\[\d+\]/;
function userFacing(plan: ReturnType<typeof planGuest>): void {
  for (const c of plan.cases) for (const f of c.findings) expect(f.message).not.toMatch(INTERNAL);
}

type Edit = ['delete' | 'insert' | 'duplicate-line' | 'drop-line', number, number, string];
const edits = fc.array(fc.tuple(fc.constantFrom('delete', 'insert', 'duplicate-line', 'drop-line'), fc.nat(), fc.nat({ max: 40 }), piece) as fc.Arbitrary<Edit>, { minLength: 1, maxLength: 5 });

function mutate(text: string, list: Edit[]): string {
  let t = text;
  for (const [op, at, len, p] of list) {
    const i = t.length ? at % (t.length + 1) : 0;
    if (op === 'delete') t = t.slice(0, i) + t.slice(i + len);
    else if (op === 'insert') t = t.slice(0, i) + p + t.slice(i);
    else {
      const lines = t.split('\n');
      const k = lines.length ? at % lines.length : 0;
      if (op === 'duplicate-line') lines.splice(k, 0, lines[k] ?? '');
      else lines.splice(k, 1);
      t = lines.join('\n');
    }
  }
  return t;
}

// host devices for the bundled guests' pci lists
const gpu = parseLspci(readFileSync(join(root, 'scenarios/devices/geforce-rtx3090.lspci'), 'utf8'));
const nic = parseLspci(readFileSync(join(root, 'scenarios/devices/x710-sriov.lspci'), 'utf8'));
const igd = parseLspci(readFileSync(join(root, 'scenarios/devices/intel-igd.lspci'), 'utf8'));
const nvme = parseLspci(readFileSync(join(root, 'scenarios/devices/nvme-ssd.lspci'), 'utf8'));
const hostDevices = indexDevices([
  { bdf: '0b:00.0', functions: gpu },
  { bdf: '3b:00.0', functions: nic },
  { bdf: '00:02.0', functions: igd },
  { bdf: '01:00.0', functions: nvme },
]);

describe('fuzzed inputs end in a result or a typed error', () => {
  it('guest configs (bundled xl.cfg files, mutated), planned end to end', () => {
    const seen = { result: 0, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...guests), edits, (g, list) => {
        seen[resultOrTyped(() => userFacing(planGuest(readGuest(mutate(g.text, list), g.name), hostDevices, { xen: ['4.6', '4.19'] })))]++;
        resultOrTyped(() => budget(readGuest(mutate(g.text, list), g.name), { xen: ['4.6', '4.19'] }));
      }),
      { numRuns: 300 },
    );
    // both ends are reached: the fuzz is not refused wholesale, nor always accepted
    expect(seen.result).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('guest documents (the bundled guests as JSON and YAML, mutated)', () => {
    const doc = { name: 'g', type: 'hvm', memory: 8192, vga: 'stdvga', pci: ['0000:0b:00.0', '0000:3b:00.0'], vif: ['model=e1000'] };
    const texts = [JSON.stringify(doc, null, 2), Object.entries(doc).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')];
    fc.assert(
      fc.property(fc.constantFrom(0, 1), edits, (k, list) => {
        resultOrTyped(() => userFacing(planGuest(readGuest(mutate(texts[k], list), k ? 'g.yaml' : 'g.json'), hostDevices, { xen: ['4.19'] })));
      }),
      { numRuns: 200 },
    );
  });

  it('lspci texts (bundled devices and fixtures, mutated), read and planned for the address they name', () => {
    const seen = { result: 0, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...lspcis), edits, (l, list) => {
        seen[resultOrTyped(() => {
          const fns: HostFunction[] = parseLspci(mutate(l.text, list), l.name);
          const bdf = fns[0].bdf.replace(/^[0-9a-fA-F]{4,}:(?=[0-9a-fA-F]{2}:)/, '');
          const devices = indexDevices([{ bdf, functions: fns }]);
          const cfg = readGuest(`name = "g"\ntype = "hvm"\nmemory = 4096\npci = [ '${bdf}' ]\n`, 'g.cfg');
          const plan = planGuest(cfg, devices, { xen: ['4.19'], deviceModels: ['qemu-xen'] });
          userFacing(plan);
          // what was read is what lspci said: every BAR has a size its register can hold
          for (const f of fns) for (const b of f.bars) expect(b.size).toBeLessThanOrEqual(b.type === 'mem64' ? 1n << 63n : 1n << 31n);
          // a device read with BARs keeps them on the bus
          const pt = plan.cases[0].devices.find((d) => d.passthrough);
          if (plan.cases[0].result && fns[0].bars.some((b) => b.type !== 'io')) expect(pt).toBeDefined();
        })]++;
      }),
      { numRuns: 300 },
    );
    expect(seen.result).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('xl dmesg logs (fixtures, mutated), their RMRRs planned', () => {
    const cfg = readGuest("name = 'g'\ntype = 'hvm'\nmemory = 4096\npci = [ '00:02.0' ]\n", 'g.cfg');
    fc.assert(
      fc.property(fc.constantFrom(...dmesgs), edits, (d, list) => {
        resultOrTyped(() => planGuest(cfg, hostDevices, { xen: ['4.6', '4.19'], rmrrs: parseXenDmesgRmrrs(mutate(d.text, list), d.name) }));
      }),
      { numRuns: 150 },
    );
  });

  it('space files (random dimensions and values), computed when small enough', () => {
    const key = fc.constantFrom('guestType', 'toolstack', 'deviceModel', 'stubdomain', 'ramMiB', 'mmio32MiB', 'mmio64MiB', 'mmioHoleMiB', 'deviceSets', '__proto__', 'constructor', 'ram');
    const value = fc.oneof(
      fc.integer({ min: -10, max: 600_000 }),
      fc.constantFrom(0, 32, 256, 3840, 4096, 16769024, 16769025, 99999999999999999999, 1.5, -1),
      fc.constantFrom('hvm', 'pv', 'libxl', 'xend', 'qemu-xen', 'qemu-xen-traditional', true, false, null, 'a100-80gb', '../../../etc/passwd', 'x710-sriov+nvme-ssd'),
      fc.array(fc.constantFrom('a100-80gb', 'geforce-rtx3090', 'x710-vf', 'no-such', '..'), { maxLength: 3 }),
    );
    const space = fc.dictionary(key, fc.array(value, { maxLength: 3 }), { maxKeys: 4 });
    const seen = { result: 0, refused: 0 };
    fc.assert(
      fc.property(space, fc.boolean(), (s, asYaml) => {
        const text = asYaml ? Object.entries(s).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') : JSON.stringify(s);
        seen[resultOrTyped(() => computeMatrix(readSpaceFile(text || '{}', 'space.yaml'), '4.3', '4.19', undefined, 40))]++;
      }),
      { numRuns: 150 },
    );
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('bus files (bundled, mutated as text), placed', () => {
    const seen = { result: 0, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...buses), edits, (b, list) => {
        seen[resultOrTyped(() => place(parseBusJson(mutate(b.text, list), b.name)))]++;
      }),
      { numRuns: 300 },
    );
    expect(seen.result).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('bus objects (bundled, one field set to a hostile value), placed alone and in batches', () => {
    const hostile = fc.oneof(
      fc.constantFrom(-1, 99, 256, 2 ** 53, 1.5, NaN, Infinity, '', '0x', '0x3', '0x-700000', '0xffffffffffffffffff', '9.9', 'rom', '__proto__', null, true, [], {}),
      fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const parsed = buses.map((b) => JSON.parse(b.text) as Record<string, unknown>);
    const paths = (o: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      typeof o !== 'object' || o === null ? [prefix] : [prefix, ...Object.entries(o).flatMap(([k, v]) => paths(v, [...prefix, Array.isArray(o) ? Number(k) : k]))];
    fc.assert(
      fc.property(fc.nat(), fc.nat(), hostile, (bi, pi, v) => {
        const input = structuredClone(parsed[bi % parsed.length]);
        const all = paths(input).filter((p) => p.length > 0);
        const path = all[pi % all.length];
        let at: Record<string | number, unknown> = input;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[path[path.length - 1]] = v;
        resultOrTyped(() => place(input as never));
        resultOrTyped(() => placeMany([input as never, parsed[0] as never]).result(1));
      }),
      { numRuns: 400 },
    );
  });
});
