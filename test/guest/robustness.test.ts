// Whatever text people feed the guest-side parsers, the answer is a result
// or an InputError naming the field, never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readXlGuest } from '../../src/guest/config.js';
import { parseLspci } from '../../src/guest/lspci.js';
import { indexDevices, planGuest } from '../../src/guest/plan.js';
import { parseRmrrSpec, parseXenDmesgRmrrs, readRdmKey } from '../../src/guest/rdm.js';
import { parseRelease } from '../../src/guest/releases.js';

function inputErrorOrValue(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).issues.length).toBeGreaterThan(0);
  }
}

// text built from the pieces these formats are made of, so the parsers get far
const piece = fc.constantFrom('0x', '7d000000', 'fff', '-', '@', '+', '00:02.0', '0000:00:14.0', ',', '=', ' ', 'strategy', 'host', 'policy', 'relaxed', 'strict', 'RMRR: [', ']', 'RMRR region: base_addr ', ' end_addr ', '(XEN) [VT-D]found ACPI_DMAR_RMRR:\n', ' endpoint: ', '\n', 'zz');
const text = fc.array(piece, { maxLength: 24 }).map((p) => p.join(''));

describe('guest inputs never fail with anything but a clear InputError', () => {
  it('--rmrr specs and xl dmesg text', () => {
    fc.assert(fc.property(text, (t) => {
      inputErrorOrValue(() => parseRmrrSpec(t));
      inputErrorOrValue(() => parseXenDmesgRmrrs(t));
    }), { numRuns: 2000 });
  });

  it('rdm keys under every release', () => {
    const releases = ['4.5', '4.6', '4.13', '4.14', '4.15', '4.19', '4.22'].map((r) => parseRelease(r));
    fc.assert(fc.property(text, (t) => {
      for (const r of releases) {
        const k = readRdmKey(t, r);
        expect(['host', 'ignore']).toContain(k.strategy);
      }
    }), { numRuns: 1000 });
  });

  it('xl.cfg values for the keys this session added, planned end to end', () => {
    const value = fc.oneof(text, fc.constantFrom('ac97', 'hda', 'all', 'ac97,hda', 'sb16', 'ahci', 'xenserver', 'type=devicemodel,version=3', 'version=0', 'ports=99'));
    const key = fc.constantFrom('rdm', 'rdm_mem_boundary', 'soundhw', 'hdtype', 'vendor_device', 'usbctrl', 'bios', 'hap');
    const devices = indexDevices([{ bdf: '00:02.0', functions: parseLspci('00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:3e92]\n\tRegion 0: Memory at a0000000 (64-bit, non-prefetchable) [size=16M]\n') }]);
    fc.assert(fc.property(key, value, (k, v) => {
      inputErrorOrValue(() => {
        const cfg = readXlGuest(`type = "hvm"\nmemory = 4096\npci = ['00:02.0']\n${k} = ${JSON.stringify(v)}\n`, 'fuzz.cfg');
        planGuest(cfg, devices, { xen: ['4.6', '4.14', '4.19'], rmrrs: [{ start: 0x7d000000n, end: 0x7f7fffffn, devices: ['0000:00:02.0'] }] });
      });
    }), { numRuns: 400 });
  });
});
