// The shareable link's fragment: every input survives the round trip, short
// values stay legible, and a damaged link is reported rather than half-read.
import { describe, expect, it } from 'vitest';
import { fromFragment, toFragment, type PageInput } from '../web/fragment.js';

const input: PageInput = {
  config: 'name = "gäst ✓"\r\nmemory = 4096\n# tabs\tand ~ & = # %\n',
  devices: [
    { bdf: '0b:00.0', text: '0b:00.0 VGA compatible controller: NVIDIA\n\tRegion 0: Memory at f0000000\n' },
    { bdf: '0000:3b:00.1', text: '' },
  ],
  rmrr: ['0x7d000000-0x7f7fffff@00:02.0+00:14.0'],
  dmesg: '(XEN) [VT-D]found ACPI_DMAR_RMRR:\n',
  xen: '4.14.3,4.19',
  dm: 'qemu-xen,qemu-xen-traditional',
  toolstack: 'xend',
  bits: '46',
};

describe('link fragment', () => {
  it('round-trips every field, non-ASCII and CRLF included', () => {
    expect(fromFragment('#' + toFragment(input))).toEqual({ input, problems: [] });
  });

  it('writes the documented form: base64url texts, legible releases, models, BDFs and RMRRs', () => {
    const f = toFragment(input);
    expect(f).toMatch(/^config=[A-Za-z0-9_-]+&pci=0b:00\.0~[A-Za-z0-9_-]+&pci=0000:3b:00\.1~&xen=4\.14\.3,4\.19&dm=qemu-xen,qemu-xen-traditional&toolstack=xend&bits=46&rmrr=0x7d000000-0x7f7fffff@00:02\.0\+00:14\.0&dmesg=[A-Za-z0-9_-]+$/);
    expect(Buffer.from(/^config=([^&]+)/.exec(f)![1], 'base64url').toString('utf8')).toBe(input.config);
  });

  it('leaves empty fields out', () => {
    expect(toFragment({ config: 'x', devices: [], rmrr: ['', '  '], dmesg: '', xen: ' ', dm: '' })).toBe('config=eA');
  });

  it('reports a damaged or unknown part instead of guessing', () => {
    const r = fromFragment('config=@@@&pci=0b:00.0&colour=red&xen=4.19');
    expect(r.input.xen).toBe('4.19');
    expect(r.input.config).toBe('');
    expect(r.problems).toEqual([
      "the link's config is not base64url text; it was cut short or changed",
      "the link's pci=0b:00.0 has no ~ between the BDF and the device text",
      'the link has an unknown part "colour"; it was left out',
    ]);
    // bytes that are not UTF-8 are refused, not decoded to replacement characters
    expect(fromFragment(`config=${Buffer.from([0xff, 0xfe]).toString('base64url')}`).problems).toHaveLength(1);
  });
});
