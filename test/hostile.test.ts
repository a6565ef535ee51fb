// Issue 11: hostile and mistaken input. Each example the issue lists is a
// named test here: refused clearly (exit 2, nothing on stdout, the message
// naming the place and the fix), never a crash, a hang, exhausted memory or a
// quiet success. CLI cases run through the in-process main().
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli.js';
import { BusError, InputError, busToInput, parseBus, parseBusJson, parseLspci, parseSysfsResource, place, placeMany, readGuest } from '../src/index.js';
import { trustedBus, type Bus } from '../src/bus.js';
import { encodeBuses } from '../src/engine/encode.js';
import { engineMemoryBytes, runBatch } from '../src/engine/wasm.js';
import * as L from '../src/engine/layout.js';
import { indexDevices, planGuest } from '../src/guest/plan.js';
import { LIMITS } from '../src/limits.js';
import { computeMatrix } from '../src/matrix/run.js';
import { DEFAULT_SPACE, makeSpace, readSpaceFile } from '../src/matrix/space.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mmio-hostile-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const bundled = (p: string) => readFileSync(join(root, p), 'utf8');
const GPU = 'scenarios/devices/geforce-rtx3090.lspci';
const GUEST = 'scenarios/guests/win10-gpu-nic.cfg';
const NIC = 'scenarios/devices/x710-sriov.lspci';

async function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t), readStdin: () => stdin };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Exit 2, nothing on stdout, one message matching `message`. */
async function refused(args: string[], message: RegExp, stdin = ''): Promise<string> {
  const r = await cli(args, stdin);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  return r.stderr;
}

const hvmGuest = (extra = '') => file(`guest-${Math.random().toString(36).slice(2)}.cfg`, `name = "g"\ntype = "hvm"\nmemory = 4096\npci = [ '0b:00.0' ]\n${extra}`);

describe('silent wrong results are now refused', () => {
  it('matrix mmio32MiB=3000000 is refused at --set (it built buses past slot 31 and exited 0)', async () => {
    for (const v of ['3000000', '3500000']) {
      await refused(
        ['matrix', '--from', '4.3-rc', '--to', '4.19', '--format', 'csv', '--set', 'guestType=hvm', '--set', 'toolstack=libxl', '--set', 'stubdomain=false', '--set', 'mmioHoleMiB=0', '--set', 'mmio64MiB=0,256,1024,4096', '--set', `mmio32MiB=${v},0,64,512`],
        new RegExp(`--set mmio32MiB: ${v} is out of range; use 0-4096 MiB of 32-bit BARs`),
      );
    }
  });

  it('every numeric dimension has a documented range', () => {
    expect(() => makeSpace({ mmio64MiB: [524289] })).toThrow(/mmio64MiB: 524289 is out of range; use 0-524288/);
    expect(() => makeSpace({ mmioHoleMiB: [100] })).toThrow(/mmioHoleMiB: 100 is out of range; use 0 or 256-3840/);
    expect(() => makeSpace({ ramMiB: [16769025] })).toThrow(/ramMiB: 16769025 is out of range; use 32-16769024/);
    expect(makeSpace({ ramMiB: [16769024] }).ramMiB).toEqual([16769024]);
    expect(makeSpace({ mmioHoleMiB: [0, 256, 3840] }).mmioHoleMiB).toEqual([0, 256, 3840]);
  });

  it('the matrix cannot build a bus out of range: trustedBus checks what the engine relies on', () => {
    const bus = parseBus(JSON.parse(bundled('scenarios/buses/default-hole-fits.json')));
    const copy = (changes: Partial<Bus>): Bus => ({ ...bus, devices: bus.devices.map((d) => ({ ...d, bars: d.bars.map((b) => ({ ...b })) })), reserved: [], ...changes });
    expect(() => trustedBus(copy({ devices: [{ ...bus.devices[0], slot: 40 }] }))).toThrow(/out of range: slot 40/);
    expect(() => trustedBus(copy({ lowMemEnd: -0x700000n }))).toThrow(/lowMemEnd/);
    expect(() => trustedBus(copy({ devices: [bus.devices[0], bus.devices[0]] }))).toThrow(/two devices at slot 0 function 0/);
    expect(trustedBus(copy({}))).toBeTruthy();
  });

  it('the engine checks its own table limits and names the bus (never "memory access out of bounds")', () => {
    const good = encodeBuses([parseBus(JSON.parse(bundled('scenarios/buses/default-hole-fits.json')))]).chunks[0];
    const words = good.words.slice();
    words[L.BUS_N_DEVICES] = 300; // more than bus 0's 256 functions
    expect(() => runBatch({ ...good, words })).toThrow(BusError);
    expect(() => runBatch({ ...good, words })).toThrow(/buses\[0\]: refused by the engine: it has more devices than the 256 functions/);
    const short = good.words.slice(0, 20); // a record longer than the input
    expect(() => runBatch({ ...good, words: short })).toThrow(/its record's length disagrees/);
    const badIndex = good.words.slice();
    const firstBar = L.BUS_HEADER_WORDS + badIndex[L.BUS_N_DEVICES] * L.DEVICE_WORDS;
    badIndex[firstBar + L.BAR_INDEX] = 9;
    expect(() => runBatch({ ...good, words: badIndex })).toThrow(/BAR index or BAR type is out of range/);
    expect(() => runBatch({ ...good, resultWords: 3 })).toThrow(/would not fit the output/);
    // and the engine still works after refusing
    expect(runBatch(good).length).toBeGreaterThan(0);
  });

  it('lspci text indented with spaces is read as lspci -vv meant it (it lost every BAR)', () => {
    const tabs = bundled(GPU);
    for (const width of [8, 4, 2]) {
      const spaced = tabs.replace(/^\t+/gm, (t) => ' '.repeat(t.length * width));
      expect(parseLspci(spaced)).toEqual(parseLspci(tabs));
    }
    expect(parseLspci(bundled(NIC).replace(/^\t+/gm, (t) => '    '.repeat(t.length)))[0].bars.map((b) => b.index)).toEqual([0, 3, 6]);
  });

  it('lspci text whose indentation cannot be read is refused with the line', async () => {
    const mixed = bundled(GPU).replace('\tRegion 1:', '   Region 1:');
    expect(() => parseLspci(mixed, 'gpu.lspci')).toThrow(/gpu\.lspci:11: the indentation of this line \(3 spaces\) does not match the 1 tab of the first detail line/);
    const flat = bundled(GPU).replace('\tRegion 1:', 'Region 1:');
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('flat.lspci', flat)}`, '--pci', `3b:00.0=${NIC}`], /flat\.lspci:11: "Region 1: Memory at 7fe0000000.*has no indentation/);
  });

  it('plain lspci and lspci -n output are refused, saying to use lspci -vv -s BDF as root (they gave "every device is mapped")', async () => {
    const plain = file('plain.txt', '0b:00.0 VGA compatible controller: NVIDIA Corporation GA102 [GeForce RTX 3090] (rev a1)\n');
    await refused(['plan', hvmGuest(), '--pci', `0b:00.0=${plain}`], /plain\.txt:1: 0b:00\.0 has no detail lines: this is plain `lspci` or `lspci -n` output.*`lspci -vv -s 0b:00\.0` run as root/);
    const numeric = file('numeric.txt', '0b:00.0 0300: 10de:2204 (rev a1)\n');
    await refused(['plan', hvmGuest(), '--pci', `0b:00.0=${numeric}`], /numeric\.txt:1: 0b:00\.0 has no detail lines/);
    const dashV = file('v.txt', '0b:00.0 VGA compatible controller: NVIDIA Corporation GA102\n\tSubsystem: ASUSTeK\n\tMemory at fb000000 (32-bit, non-prefetchable) [size=16M]\n');
    await refused(['plan', hvmGuest(), '--pci', `0b:00.0=${dashV}`], /v\.txt:3: this is `lspci -v` output.*lspci -vv -s 0b:00\.0/);
  });

  it('an empty or comment-only xl.cfg is refused as xl refuses it (it was planned as a PV guest)', async () => {
    await refused(['plan', file('empty.cfg', '\n')], /empty\.cfg: is empty/);
    await refused(['plan', file('comments.cfg', '# just a note\n\n# another\n')], /comments\.cfg: has no settings \(empty, or comments only\); xl refuses it \("Domain name must be specified\."\); write at least name, type = "hvm" and memory/);
    expect(() => readGuest('{}', 'g.json')).toThrow(/g\.json: has no settings/);
  });

  it('explain - with empty stdin is refused (it exited 0 and printed nothing)', async () => {
    await refused(['explain', '-'], /stdin: is empty; give the text on stdin/, '');
    await refused(['place', '-'], /stdin: is empty/, '  \n');
  });

  it("--pci for a device the guest's pci list does not have is refused, naming both (it was ignored)", async () => {
    await refused(['plan', GUEST, '--pci', `0b:00.0=${GPU}`, '--pci', `3b:00.0=${NIC}`, '--pci', `06:00.0=${file('six.lspci', bundled(GPU).replace(/^0b:00\.0/m, '06:00.0'))}`], /--pci 06:00\.0: .*win10-gpu-nic\.cfg's pci = \[\.\.\.\] does not pass this device through \(it lists 0000:0b:00\.0, 0000:3b:00\.0\)/);
  });

  it('an lspci file for another BDF than the one given is refused (it was accepted)', async () => {
    await refused(['plan', GUEST, '--pci', `0b:00.0=${NIC}`, '--pci', `3b:00.0=${GPU}`], /--pci 0b:00\.0=.*x710-sriov\.lspci: the file describes 3b:00\.0, not 0b:00\.0/);
    expect(() => indexDevices([{ bdf: '0b:00.1', functions: parseLspci(bundled(GPU)) }])).toThrow(/describes 0b:00\.0, not 0b:00\.1/);
    expect(() => indexDevices([{ bdf: '0001:0b:00.0', functions: parseLspci(bundled(GPU).replace(/^0b:00\.0/m, '0002:0b:00.0')) }])).toThrow(/describes 0002:0b:00\.0/);
    // lspci without -D prints no domain: the bus, device and function are what must match
    expect(indexDevices([{ bdf: '0001:0b:00.0', functions: parseLspci(bundled(GPU)) }]).has('0001:0b:00.0')).toBe(true);
  });
});

describe('out-of-range values are refused where the user wrote them', () => {
  it('memory = 1 is refused at memory with its line:col (it was "lowMemEnd: 0x-700000")', async () => {
    const msg = await refused(['plan', file('tiny.cfg', 'name = "g"\ntype = "hvm"\nmemory = 1\n'), '--device-model', 'qemu-xen'], /tiny\.cfg:3:10 memory: 1 MiB leaves nothing once qemu-xen takes videoram = 8 MiB out of it/);
    expect(msg).not.toMatch(/lowMemEnd|0x-/);
  });

  it('memory = 16777216: a toolstack refusal naming memory at its line:col (RAM would end past 16 TiB; it was a highMemEnd error)', () => {
    const cfg = readGuest('name = "g"\ntype = "hvm"\nmemory = 16777216\n', 'huge.cfg');
    const [c] = planGuest(cfg, new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases;
    expect(c.findings[0]).toMatchObject({ severity: 'fatal', code: 'toolstack-refuses' });
    expect(c.findings[0].message).toMatch(/^huge\.cfg:3:10 memory = 16777216: RAM would end at 16384 GiB, past the 16 TiB hvmloader can be told of .*; give memory less than 16776968$/);
    expect(JSON.stringify(c.findings)).not.toMatch(/lowMemEnd|highMemEnd/);
    expect(c.outcome).toBe('fails');
    // the largest memory it suggests is planned
    const ok = planGuest(readGuest('name = "g"\ntype = "hvm"\nmemory = 16776967\n', 'ok.cfg'), new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0];
    expect(ok.result).toBeDefined();
    // xl.cfg reads no more than 16 TiB of memory at all
    expect(() => readGuest('name = "g"\nmemory = 16777217\n', 'over.cfg')).toThrow(/over\.cfg:2:10 memory: 16777217 is out of range/);
  });

  it('lspci [size=16777216T] and [size=4G] on a 32-bit region are refused at the lspci line', async () => {
    const huge = bundled(GPU).replace('[size=256M]', '[size=16777216T]');
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('huge.lspci', huge)}`, '--pci', `3b:00.0=${NIC}`], /huge\.lspci:11: \[size=16777216T\] is out of range for a 64-bit memory BAR \(16 to 8E\)/);
    const wide = bundled(GPU).replace('(32-bit, non-prefetchable) [size=16M]', '(32-bit, non-prefetchable) [size=4G]');
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('wide.lspci', wide)}`, '--pci', `3b:00.0=${NIC}`], /wide\.lspci:10: \[size=4G\] is out of range for a 32-bit memory BAR \(16 to 2G\)/);
  });

  it('a repeated Region is refused at its line, naming the first', () => {
    const twice = bundled(GPU).replace('\tRegion 3:', '\tRegion 0: Memory at fc000000 (32-bit, non-prefetchable) [size=16M]\n\tRegion 3:');
    expect(() => parseLspci(twice, 'twice.lspci')).toThrow(/twice\.lspci:12: Region 0 is already described on line 10/);
    const overlap = bundled(GPU).replace('\tRegion 3:', '\tRegion 2: Memory at fc000000 (32-bit, non-prefetchable) [size=16M]\n\tRegion 3:');
    expect(() => parseLspci(overlap, 'o.lspci')).toThrow(/o\.lspci:12: Region 2 is already described on line 11 \(a 64-bit Region also takes the next register\)/);
  });

  it('a sysfs range 0x0-0xffffffffffffffff is refused at its line', () => {
    const lines = Array.from({ length: 7 }, () => '0x0000000000000000 0x0000000000000000 0x0000000000000000');
    lines[0] = '0x0000000000000000 0xffffffffffffffff 0x0000000000040200';
    expect(() => parseSysfsResource(lines.join('\n'), '0000:0b:00.0', 'resource')).toThrow(/resource:1: 0x0-0xffffffffffffffff is 0x10000000000000000 bytes, out of range for a mem32 BAR/);
  });

  it('two devices on the same virtual slot are refused at pci (it was a FATAL finding about devices[n])', () => {
    expect(() => readGuest("name = 'g'\ntype = 'hvm'\nmemory = 4096\npci = [ '0b:00.0@5', '3b:00.0@05' ]\n", 'two.cfg')).toThrow(/two\.cfg:4:7 pci: 0000:3b:00\.0 and 0000:0b:00\.0 both ask for guest slot 5/);
  });
});

describe('JSON BARs for a passed-through device', () => {
  it('are refused in the terms of the file, and a BAR given by mask is refused (it became a 0-byte BAR)', async () => {
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('bars.json', '[{"index": 0, "type": "mem32", "size": "0x3000"}]')}`, '--pci', `3b:00.0=${NIC}`], /bars\.json: \[0\]\.size: 0x3000 is not a power of two/);
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('dev.json', '{"bars": []}')}`, '--pci', `3b:00.0=${NIC}`], /dev\.json: vendorId: is required/);
    await refused(['plan', GUEST, '--pci', `0b:00.0=${file('mask.json', '[{"index": 0, "type": "mem32", "mask": "0xff000000"}]')}`, '--pci', `3b:00.0=${NIC}`], /mask\.json: \[0\]: a passed-through BAR needs its "size"/);
  });
});

describe('a guest slot an emulated device already has', () => {
  it('is a fatal finding naming the pci key and the device there, not a bus field', () => {
    const cfg = readGuest("name = 'g'\ntype = 'hvm'\nmemory = 4096\nvga = 'stdvga'\npci = [ '0b:00.0@2' ]\n", 'slot.cfg');
    const [c] = planGuest(cfg, indexDevices([{ bdf: '0b:00.0', functions: parseLspci(bundled(GPU)) }]), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases;
    const f = c.findings.find((x) => x.code === 'vslot-in-use');
    expect(f).toMatchObject({ severity: 'fatal', fix: 'give the device a free @VSLOT, or leave @VSLOT out' });
    expect(f!.message).toBe('slot.cfg:5:7 pci: 0000:0b:00.0 asks for guest slot 2, which the device model already gives to Xen platform device; it refuses the device and the guest does not start');
    expect(JSON.stringify(c.findings)).not.toMatch(/devices\[\d+\]/);
  });

  it('more passed-through devices than bus 0 has slots: the device model refuses, named at pci (it was a bus-field error)', () => {
    const vf = bundled('scenarios/devices/x710-vf.lspci');
    const bdfs = Array.from({ length: 30 }, (_, i) => `3c:${(i + 2).toString(16).padStart(2, '0')}.0`);
    const devices = indexDevices(bdfs.map((bdf) => ({ bdf, functions: parseLspci(vf.replace(/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/m, bdf)) })));
    const cfg = readGuest(`name = 'g'\ntype = 'hvm'\nmemory = 4096\npci = [ ${bdfs.map((b) => `'${b}'`).join(', ')} ]\n`, 'many.cfg');
    const [c] = planGuest(cfg, devices, { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases;
    const refusals = c.findings.filter((f) => f.code === 'device-model-refuses');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0].message).toMatch(/^many\.cfg:4:7 pci: no guest slot is left for 0000:3c:\w\w\.0: bus 0 has 32 slots/);
    expect(c.outcome).toBe('fails');
    expect(JSON.stringify(c.findings)).not.toMatch(/devices\[\d+\]|slot 3\d/);
  });
});

describe('resource exhaustion: explicit limits', () => {
  it('a space file of 2,000 x 1,000 values is refused from its size before anything is built, naming the size and the flag', async () => {
    const ram = Array.from({ length: 2000 }, (_, i) => 32 + i);
    const mmio = Array.from({ length: 1000 }, (_, i) => i);
    const space = file('big-space.yaml', `ramMiB: [${ram.join(', ')}]\nmmio64MiB: [${mmio.join(', ')}]\n`);
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--space', space], /--max-configs: the space has 1,440,000,000 configurations \(2 guestType x 3 toolstack x 2 deviceModel x 2 stubdomain x 2000 ramMiB x 3 mmioHoleMiB x 1 bios x 10 mmio32MiB x 1000 mmio64MiB\), more than the 500,000 allowed; narrow it with --set or --space, or raise --max-configs/);
    expect(() => computeMatrix(DEFAULT_SPACE, '4.3', '4.19', undefined, 1000)).toThrow(/the space has 149,040 configurations.*more than the 1,000 allowed/);
  });

  it('--max-configs raises or lowers the limit, and must be a whole number', async () => {
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'guestType=hvm', '--max-configs', '10'], /more than the 10 allowed/);
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--max-configs', 'lots'], /--max-configs: "lots" is not a whole number/);
    const ok = await cli(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'guestType=hvm', '--set', 'toolstack=libxl', '--set', 'deviceModel=qemu-xen', '--set', 'stubdomain=false', '--set', 'ramMiB=4096', '--set', 'mmioHoleMiB=0', '--max-configs', '90', '--format', 'csv']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(91);
  });

  it('a YAML guest reusing anchors under unknown keys is refused by the value budget (it ran out of heap)', async () => {
    // 60 aliases (within the alias limit) of one 2,000-item list: 120,000 values
    const lines = ['type: hvm', 'name: g', 'memory: 4096', `big: &big [${Array(2000).fill('x').join(', ')}]`];
    for (let i = 0; i < 60; i++) lines.push(`unknown${i}: *big`);
    await refused(['plan', file('anchors.yaml', lines.join('\n') + '\n')], /anchors\.yaml unknown\d+: holds more than 100000 values \(aliases expanded\); a guest has a few dozen/);
  });

  it('a billion-laughs YAML file is an InputError, exit 2 (it was an internal error, exit 1)', async () => {
    const lines = ['a0: &a0 "lol"'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('type: hvm');
    await refused(['plan', file('laughs.yaml', lines.join('\n') + '\n')], /laughs\.yaml: expands YAML aliases more than 100 times/);
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--space', file('laughs-space.yaml', lines.join('\n') + '\n')], /laughs-space\.yaml: expands YAML aliases more than 100 times/);
  });

  it('an xl.cfg list nested 8,000 deep is refused at its line:col (it overflowed the stack)', async () => {
    await refused(['plan', file('deep.cfg', `name = "g"\nvnuma = ${'['.repeat(8000)}${']'.repeat(8000)}\n`)], /deep\.cfg:2:25: lists nest more than 16 deep here/);
    await refused(['plan', file('deep.json', `{"name": "g", "vnuma": ${'['.repeat(8000)}${']'.repeat(8000)}}`)], /deep\.json: nests too deep to read/);
    await refused(['plan', file('twenty.json', `{"name": "g", "vnuma": ${'['.repeat(20)}${']'.repeat(20)}}`)], /twenty\.json vnuma: lists nest more than 16 deep/);
    await refused(['plan', file('deeper.yaml', `name: g\nvnuma: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`)], /deeper\.yaml: nests too deep to read/);
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--space', file('deep-space.yaml', `ramMiB: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`)], /deep-space\.yaml: nests too deep to read/);
  });

  it('a bus of too many devices is refused at once in one line (1.8M took 52 s and 200 MB of stderr)', async () => {
    const device = { slot: 3, vendorId: '0x1', deviceId: '0x1', bars: [{ index: 0, type: 'mem32', size: '0x3' }] };
    const text = JSON.stringify({ lowMemEnd: '0x80000000', devices: Array(20_000).fill(device) });
    const msg = await refused(['place', file('many.json', text)], /many\.json: devices: 20000 functions; bus 0 has at most 256 \(32 slots x 8 functions\)/);
    expect(msg.trim().split('\n')).toHaveLength(1);
    const huge = file('huge.json', ' '.repeat(LIMITS.inputBytes + 1));
    await refused(['place', huge], /huge\.json: is larger than 16 MiB, the most one input may be/);
    await refused(['place', '-'], /stdin: is larger than 16 MiB/, '{' + ' '.repeat(LIMITS.inputBytes));
  });

  it('errors list the first 20 problems and say how many more', async () => {
    const bad = { slot: 3, vendorId: '0x1', deviceId: '0x1', bars: [{ index: 0, type: 'mem32', size: '0x3' }] };
    const devices = Array.from({ length: 30 }, (_, i) => ({ ...bad, slot: i + 2 }));
    const msg = await refused(['place', file('thirty.json', JSON.stringify({ lowMemEnd: '0x80000000', devices }))], /devices\[0\]\.bars\[0\]\.size: 0x3 is not a power of two/);
    const lines = msg.trim().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('... and 10 more problems like these');
  });

  it('a 5 MB bad value is not echoed back whole', async () => {
    const value = '0x' + 'z'.repeat(5_000_000);
    const msg = await refused(['place', file('long.json', JSON.stringify({ lowMemEnd: value, devices: [] }))], /lowMemEnd: "0xzzzz.*\.\.\. \(5000002 characters\) is not a 0x-hex number/);
    expect(msg.length).toBeLessThan(LIMITS.errorLineChars + 40);
    const cfg = await refused(['plan', file('long.cfg', `name = "g"\ntype = "hvm"\nmemory = "${'9'.repeat(100_000)}"\n`)], /long\.cfg:3:10 memory: "9{60}"\.\.\. \(100000 characters\) is not a whole number/);
    expect(cfg.length).toBeLessThan(LIMITS.errorLineChars + 40);
  });
});

describe('bad input is never an internal error', () => {
  it('matrix --set constructor=1 (and toString, valueOf, hasOwnProperty) is an unknown dimension', async () => {
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      await refused(['matrix', '--from', '4.3', '--to', '4.19', '--set', `${name}=1`], new RegExp(`--set ${name}: unknown dimension; use guestType, toolstack`));
    }
  });

  it('__proto__: in a space file is an unknown dimension', async () => {
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--space', file('proto.yaml', '__proto__: [1]\n')], /proto\.yaml __proto__: unknown dimension/);
    expect(() => readSpaceFile('{"constructor": [1]}', 'c.json')).toThrow(/c\.json constructor: unknown dimension/);
  });

  it('deviceSets: [["../../../etc/passwd"]] never becomes a name under scenarios/devices', async () => {
    // a path is the user's own lspci file: read as such, and refused as not lspci
    const msg = await refused(['matrix', '--from', '4.3', '--to', '4.19', '--space', file('passwd.yaml', 'deviceSets: [["../../../etc/passwd"]]\n')], /\.\.\/\.\.\/\.\.\/etc\/passwd:1: expected a device line|cannot read/);
    expect(msg).not.toMatch(/root:/);
    // a name must be one of the bundled files, whatever the directory holds
    for (const name of ['..', '.', 'a100-80gb.lspci.bak', 'x710-sriov%2f..']) {
      await refused(['matrix', '--from', '4.3', '--to', '4.19', '--devices', name], /no such device in scenarios\/devices; use one of a100-80gb, geforce-rtx3090/);
    }
  });

  it('--devices takes the path of your own lspci -vv file', async () => {
    const own = file('my-gpu.lspci', bundled(GPU));
    const r = await cli(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'guestType=hvm', '--set', 'toolstack=libxl', '--set', 'stubdomain=false', '--set', 'ramMiB=4096', '--set', 'mmioHoleMiB=0', '--devices', own, '--format', 'csv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(own);
  });

  it('an internal fault is one line without a stack; --debug shows the stack', async () => {
    const failing = (extra: string[]) => {
      let stderr = '';
      const io: Io = { out: () => { throw new Error('disk on fire'); }, err: (t) => (stderr += t), readStdin: () => '' };
      return main(['place', join(root, 'scenarios/buses/default-hole-fits.json'), ...extra], io).then((code) => ({ code, stderr }));
    };
    const plain = await failing([]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('mmio-planner: internal error: disk on fire (run again with --debug for the stack)\n');
    const debug = await failing(['--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/internal error: Error: disk on fire\n\s+at /);
  });

  // these two need a real process: the built CLI (npm test builds it first)
  const bin = join(root, 'bin/mmio-planner.js');
  it('EPIPE (matrix ... | head -c 10) ends quietly', () => {
    const r = spawnSync('sh', ['-c', `node ${bin} matrix --from 4.3-rc --to 4.3 --set guestType=hvm --set ramMiB=2048,4096 --format csv | head -c 10`], { encoding: 'utf8' });
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).toBe('');
  });

  it('ENOSPC (place ... --json > /dev/full) is one line and exit 1', () => {
    const r = spawnSync('sh', ['-c', `node ${bin} place ${join(root, 'scenarios/buses/default-hole-fits.json')} --json > /dev/full`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mmio-planner: cannot write the output: no space left on the device (ENOSPC)\n');
  });
  void execFileSync;
});

describe('the library', () => {
  const bus = parseBus(JSON.parse(bundled('scenarios/buses/gpu-256m-4g-ram.json')));
  const before = place(bus);

  it('a Bus returned by parseBus is deep-frozen: slot = 99, size = 3n, lowMemEnd = -1n, hvmloader = "9.9", 3,000 BARs cannot be set', () => {
    const attempts: (() => void)[] = [
      () => ((bus.devices[0] as { slot: number }).slot = 99),
      () => ((bus.devices[4].bars[0] as { size?: bigint }).size = 3n),
      () => ((bus as { lowMemEnd: bigint }).lowMemEnd = -1n),
      () => ((bus as { hvmloader: string }).hvmloader = '9.9'),
      () => (bus.devices[4].bars as unknown[]).push(...Array(3000).fill(bus.devices[4].bars[0])),
      () => (bus.devices as unknown[]).push(bus.devices[0]),
      () => (bus.reserved as unknown[]).push({ start: 0n, size: 1n }),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    expect(place(bus)).toEqual(before);
  });

  it('a changed copy is checked again: hvmloader "9.9" and 20,000 devices are BusErrors (TypeError and wasm RuntimeError before)', () => {
    const input = busToInput(bus);
    expect(() => place({ ...input, hvmloader: '9.9' })).toThrow(BusError);
    expect(() => place({ ...input, hvmloader: '9.9' })).toThrow(/hvmloader: unknown version "9\.9"/);
    expect(() => place({ ...input, devices: Array(20_000).fill(input.devices[0]) })).toThrow(/devices: 20000 functions; bus 0 has at most 256/);
    expect(() => place({ ...bus, lowMemEnd: -1n } as unknown as Bus)).toThrow(BusError);
    expect(() => placeMany({ words: new Uint32Array(100), count: 5 } as never)).toThrow(BusError);
  });

  it('a GuestConfig built in code is checked like a file: NaN memory, a bad pci address, text that is not text', () => {
    const cfg = readGuest(bundled(GUEST), 'g.cfg');
    const devices = indexDevices([{ bdf: '0b:00.0', functions: parseLspci(bundled(GPU)) }, { bdf: '3b:00.0', functions: parseLspci(bundled(NIC)) }]);
    expect(planGuest(cfg, devices).cases.length).toBe(1);
    expect(() => planGuest({ ...cfg, memoryMiB: NaN }, devices)).toThrow(/config\.memoryMiB: "NaN" is not a whole number/);
    expect(() => planGuest({ ...cfg, maxmemMiB: -4 }, devices)).toThrow(InputError);
    expect(() => planGuest({ ...cfg, pci: [{ ...cfg.pci[0], bdf: '0b:00.0' }] }, devices)).toThrow(/config\.pci\[0\]\.bdf: "0b:00\.0" is not a normalised host address/);
    expect(() => planGuest({ ...cfg, pci: [{ ...cfg.pci[0], vslot: 40 }] }, devices)).toThrow(/config\.pci\[0\]\.vslot/);
    expect(() => planGuest(cfg, {} as never)).toThrow(/devices: expected the Map indexDevices returns/);
    expect(() => parseLspci(42 as never)).toThrow(InputError);
    expect(() => readGuest(undefined as never, 'x.cfg')).toThrow(InputError);
    expect(() => parseBusJson({} as never)).toThrow(BusError);
  });

  it('placeMany of any count: chunks stay in bounded engine memory and give the results place() gives', () => {
    const buses = Array.from({ length: 300 }, (_, i) => (i % 2 ? bus : parseBus(JSON.parse(bundled('scenarios/buses/default-hole-fits.json')))));
    const encoded = encodeBuses(buses, 64 * 1024); // small chunks, so 300 buses span several
    expect(encoded.chunks.length).toBeGreaterThan(3);
    const many = placeMany(encoded);
    for (const i of [0, 1, 150, 299]) expect(many.result(i)).toEqual(place(buses[i], { log: false }));
  });

  it('wasm memory a large batch grew is given back', () => {
    // 256-function buses have large results: 500 of them need over 80 MiB of engine output
    const devices = Array.from({ length: 256 }, (_, i) => ({ slot: i >> 3, function: i & 7, vendorId: '0x1af4', deviceId: '0x1000', bars: [{ index: 0, type: 'mem32' as const, size: '0x1000' }] }));
    devices[1] = { ...devices[1], bars: [] };
    devices[8] = { ...devices[8], vendorId: '0x8086', deviceId: '0x7000', bars: [] };
    const big = parseBus({ lowMemEnd: '0x80000000', devices });
    const r = placeMany(Array(500).fill(big));
    expect(r.summary(499).bars).toBe(place(big).bars.length);
    expect(engineMemoryBytes()).toBeLessThanOrEqual(48 * 1024 * 1024);
    // a chunk larger than the limit (only runBatch's own callers could make one) is placed, then its memory dropped
    const huge = encodeBuses(Array(300).fill(big), 1 << 30).chunks; // capped at the limit: still chunked
    expect(huge.length).toBeGreaterThan(1);
  });
});

describe('smaller', () => {
  const BOM = '\ufeff';
  it('a UTF-8 byte order mark is accepted at the start of every text input', async () => {
    const busText = bundled('scenarios/buses/default-hole-fits.json');
    expect(parseBusJson(BOM + busText)).toEqual(parseBusJson(busText));
    expect((await cli(['place', file('bom.json', BOM + busText), '--json'])).code).toBe(0);
    expect(parseLspci(BOM + bundled(GPU))).toEqual(parseLspci(bundled(GPU)));
    expect(readGuest(BOM + bundled(GUEST), 'g.cfg').memoryMiB).toBe(8192);
    expect(readGuest(BOM + '{"name": "g", "type": "hvm", "memory": 2048}', 'g.json').memoryMiB).toBe(2048);
    expect(readSpaceFile(BOM + 'ramMiB: [2048]\n', 's.yaml').ramMiB).toEqual([2048]);
    const plan = await cli(['plan', file('bom.cfg', BOM + bundled(GUEST)), '--pci', `0b:00.0=${file('bom.lspci', BOM + bundled(GPU))}`, '--pci', `3b:00.0=${NIC}`, '--json']);
    expect(plan.code).toBe(0);
  });

  it('matrix ramMiB=0 is refused, 99999999999999999999 is refused (not rounded), --from 4.2,4.3 is refused', async () => {
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'ramMiB=0'], /--set ramMiB: 0 is out of range; use 32-16769024 MiB of guest RAM/);
    await refused(['matrix', '--from', '4.3', '--to', '4.19', '--set', 'ramMiB=99999999999999999999'], /--set ramMiB: 99999999999999999999 is out of range/);
    await refused(['matrix', '--from', '4.2,4.3', '--to', '4.19'], /--from: "4\.2,4\.3": give one version/);
    await refused(['matrix', '--from', '4.2', '--to', 'all'], /--to: "all": give one version/);
    expect(() => makeSpace({ ramMiB: [2048.5] })).toThrow(/2048\.5" is not a whole number/);
  });

  it('an unknown xl.cfg key is a note with the key xl most likely meant', () => {
    const cfg = readGuest('name = "g"\ntype = "hvm"\nmemroy = 4096\nvcpus = 2\nfrobnicate = 1\n', 'typo.cfg');
    const notes = planGuest(cfg, new Map(), { xen: ['4.19'], deviceModels: ['qemu-xen'] }).cases[0].findings.filter((f) => f.code === 'unknown-key');
    expect(notes.map((n) => [n.severity, n.message])).toEqual([
      ['note', 'typo.cfg:3:10 memroy: unknown key; did you mean memory? (xl ignores it)'],
      ['note', 'typo.cfg:5:14 frobnicate: unknown key (xl ignores it)'],
    ]);
    // the guest was planned with the default memory, as xl would start it
    expect(cfg.memoryMiB).toBe(128);
  });

  it("README's Limits example: the note as plan prints it", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const shown = /\$ npx mmio-planner plan typo\.cfg\n\.\.\.\n(.*)\n/.exec(readme)![1];
    const r = await cli(['plan', file('typo.cfg', 'name = "g"\ntype = "hvm"\nmemroy = 4096\n')]);
    expect(r.code).toBe(0);
    // the report wraps long lines; the words are what must agree
    const words = (t: string) => t.replace(/\s+/g, ' ').trim();
    expect(words(r.stdout)).toContain(words(shown.replace('typo.cfg', join(dir, 'typo.cfg'))));
  });
});

describe('a bus built in code', () => {
  it('is checked once per device list, which is frozen from then on, so a later change cannot slip past the check', () => {
    const devices = [{ slot: 3, function: 0, vendorId: 0x10de, deviceId: 0x1000, classCode: 0x0302, interruptPin: 1, bars: [{ index: 0, type: 'mem32' as const, prefetchable: false, size: 0x1000000n }] }];
    const bus = { hvmloader: '4.19' as const, lowMemEnd: 0x80000000n, highMemEnd: 0n, physAddrBits: 36, reserved: [], devices };
    trustedBus({ ...bus });
    expect(Object.isFrozen(devices) && Object.isFrozen(devices[0]) && Object.isFrozen(devices[0].bars[0])).toBe(true);
    expect(() => { (devices[0] as { slot: number }).slot = 99; }).toThrow(TypeError);
    // the header is still checked on every bus that shares the list
    expect(() => trustedBus({ ...bus, lowMemEnd: 0x1234n })).toThrow(/lowMemEnd 0x1234/);
    // a list not checked before is checked
    expect(() => trustedBus({ ...bus, devices: [{ ...devices[0], bars: [{ index: 0, type: 'mem32' as const, prefetchable: false, size: 3n }] }] })).toThrow(/BAR size 0x3/);
  });
});
