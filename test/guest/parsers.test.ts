// xl.cfg and host-device parsing against text as people have it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseLspci, parseSysfsResource } from '../../src/guest/lspci.js';
import { parseXlConfig } from '../../src/guest/xlcfg.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/lspci/${name}`, import.meta.url), 'utf8');
const str = (cfg: ReturnType<typeof parseXlConfig>, key: string) => {
  const v = cfg.values.get(key);
  return v?.kind === 'string' ? v.value : undefined;
};

describe('xl.cfg', () => {
  const text = `# HVM guest with a GPU
name = "win10-gpu"
builder='hvm'   # older spelling of type
memory = 8192
maxmem=8192; vcpus = 4
vga = "stdvga"
videoram = 16
device_model_version = 'qemu-xen'
pci = [ '0000:0b:00.0,permissive=1',
        '0b:00.1@7' ,   # the GPU's audio function
      ]
vif = [ "mac=00:16:3e:5a:00:01,bridge=xenbr0,model=e1000" ]
disk = [ 'phy:/dev/vg/win10,hda,w', 'file:/iso/win.iso,hdc:cdrom,r' ]
extra = "a\\tb \\"quoted\\" \\x41\\101"
nested = [ [ 1, 2 ], [] ]
`;
  const cfg = parseXlConfig(text, 'win10.cfg');

  it('reads quoted strings either way, numbers and semicolon-separated statements', () => {
    expect(str(cfg, 'name')).toBe('win10-gpu');
    expect(str(cfg, 'builder')).toBe('hvm');
    expect(str(cfg, 'memory')).toBe('8192');
    expect(str(cfg, 'maxmem')).toBe('8192');
    expect(str(cfg, 'vcpus')).toBe('4');
  });

  it('reads lists across lines with comments and a trailing comma', () => {
    const pci = cfg.values.get('pci');
    expect(pci?.kind).toBe('list');
    if (pci?.kind !== 'list') return;
    expect(pci.items.map((i) => (i.kind === 'string' ? i.value : '?'))).toEqual(['0000:0b:00.0,permissive=1', '0b:00.1@7']);
    expect(cfg.values.get('nested')).toMatchObject({ kind: 'list', items: [{ kind: 'list', items: [{ value: '1' }, { value: '2' }] }, { kind: 'list', items: [] }] });
  });

  it('decodes C escapes in strings', () => {
    expect(str(cfg, 'extra')).toBe('a\tb "quoted" AA');
  });

  it('appends with +=', () => {
    const c = parseXlConfig("pci = ['01:00.0']\npci += ['02:00.0']\ncmdline = 'a'\ncmdline += ' b'\n");
    const pci = c.values.get('pci');
    expect(pci?.kind === 'list' && pci.items.map((i) => (i.kind === 'string' ? i.value : ''))).toEqual(['01:00.0', '02:00.0']);
    expect(str(c, 'cmdline')).toBe('a b');
  });

  it('accepts a last line without a newline', () => {
    expect(str(parseXlConfig('memory = 2048'), 'memory')).toBe('2048');
  });

  const bad: [string, string, RegExp][] = [
    ['an unclosed string', "name = 'guest\n", /bad\.cfg:1:8: a quoted string is not closed/],
    ['a python-style expression', 'memory = 1024 * 4\n', /bad\.cfg:1:15: unexpected "\*": xl\.cfg takes/],
    ['an xend-style call', "vfb = ['type=vnc']\nmemory = int(512)\n", /bad\.cfg:2:13: unexpected "\(512\)": this looks like Python \(an xend config\)/],
    ['an upper-case key', 'Memory = 1024\n', /bad\.cfg:1:1: unexpected "Memory": keys are lower case/],
    ['a missing value', 'memory =\n', /bad\.cfg:1:9: expected a value .* found end of line/],
    ['an unclosed list', "pci = [ '01:00.0'\nmemory = 4\n", /bad\.cfg:2:1: expected , or \] in the list begun on line 1/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with its line and column`, () => {
      expect(() => parseXlConfig(text, 'bad.cfg')).toThrow(InputError);
      expect(() => parseXlConfig(text, 'bad.cfg')).toThrow(message);
    });
  }
});

describe('lspci -vv', () => {
  it('reads a consumer GPU with -nn: class, IDs, pin, BARs and ROM', () => {
    const [gpu] = parseLspci(fixture('rtx3090-nn.txt'));
    expect(gpu).toMatchObject({ bdf: '0b:00.0', classCode: 0x0300, vendorId: 0x10de, deviceId: 0x2204, interruptPin: 1 });
    expect(gpu.bars).toEqual([
      { index: 0, type: 'mem32', prefetchable: false, size: 16n << 20n, hostAddress: 0xfb000000n },
      { index: 1, type: 'mem64', prefetchable: true, size: 256n << 20n, hostAddress: 0x7fe0000000n },
      { index: 3, type: 'mem64', prefetchable: true, size: 32n << 20n, hostAddress: 0x7ff0000000n },
      { index: 5, type: 'io', prefetchable: false, size: 128n },
      { index: 6, type: 'rom', prefetchable: false, size: 512n << 10n },
    ]);
  });

  it('reads a datacenter GPU without -nn, taking the class from its name', () => {
    const [gpu] = parseLspci(fixture('a100-80g.txt'));
    expect(gpu.classCode).toBe(0x0302);
    expect(gpu.vendorId).toBeUndefined();
    expect(gpu.bars.find((b) => b.index === 1)).toEqual({ index: 1, type: 'mem64', prefetchable: true, size: 128n << 30n, hostAddress: 0x20000000000n });
  });

  it("ignores an SR-IOV capability's VF BARs", () => {
    const [nic] = parseLspci(fixture('x710-sriov.txt'));
    expect(nic.classCode).toBe(0x0200);
    expect(nic.bars.map((b) => [b.index, b.type, b.size])).toEqual([
      [0, 'mem64', 16n << 20n],
      [3, 'mem64', 32n << 10n],
      [6, 'rom', 512n << 10n],
    ]);
  });

  it('reads lspci -n numeric output', () => {
    const [nvme] = parseLspci(fixture('nvme-numeric.txt'));
    expect(nvme).toMatchObject({ classCode: 0x0108, vendorId: 0x144d, deviceId: 0xa808 });
    expect(nvme.bars).toEqual([{ index: 0, type: 'mem64', prefetchable: false, size: 16n << 10n, hostAddress: 0xfe600000n }]);
  });

  it('refuses a BAR without a size (lspci run as a user) and says why', () => {
    const text = '01:00.0 VGA compatible controller: X\n\tRegion 0: Memory at f0000000 (32-bit, prefetchable)\n';
    expect(() => parseLspci(text, 'gpu.txt')).toThrow(/gpu\.txt:2: this BAR has no \[size=\.\.\.\]; run lspci as root/);
  });

  it('refuses text that is not lspci output', () => {
    expect(() => parseLspci('hello\n', 'x.txt')).toThrow(/x\.txt:1: expected a device line/);
  });
});

describe('sysfs resource', () => {
  it('reads BARs, their 64-bit and prefetchable flags, and the ROM', () => {
    const text = [
      '0x00000000fb000000 0x00000000fbffffff 0x0000000000040200',
      '0x0000007fe0000000 0x0000007fefffffff 0x000000000014220c',
      '0x0000000000000000 0x0000000000000000 0x0000000000000000',
      '0x0000007ff0000000 0x0000007ff1ffffff 0x000000000014220c',
      '0x0000000000000000 0x0000000000000000 0x0000000000000000',
      '0x000000000000f000 0x000000000000f07f 0x0000000000040101',
      '0x00000000fc000000 0x00000000fc07ffff 0x0000000000046200',
      '0x0000000000000000 0x0000000000000000 0x0000000000000000',
    ].join('\n');
    const fn = parseSysfsResource(text, '0000:0b:00.0');
    expect(fn.bars).toEqual([
      { index: 0, type: 'mem32', prefetchable: false, size: 16n << 20n },
      { index: 1, type: 'mem64', prefetchable: true, size: 256n << 20n },
      { index: 3, type: 'mem64', prefetchable: true, size: 32n << 20n },
      { index: 5, type: 'io', prefetchable: false, size: 128n },
      { index: 6, type: 'rom', prefetchable: false, size: 512n << 10n },
    ]);
  });
});
