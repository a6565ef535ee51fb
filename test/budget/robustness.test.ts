// Whatever guest and options budget() gets, the answer is a budget whose
// figures are whole and non-negative, or an InputError naming the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budget } from '../../src/budget/budget.js';
import { InputError } from '../../src/errors.js';
import { readXlGuest } from '../../src/guest/config.js';

const line = fc.oneof(
  fc.constantFrom('type = "hvm"', 'type = "pv"', 'type = "pvh"', 'builder = "hvm"', 'hap = 0', 'hap = 1', 'vga = "stdvga"', 'vga = "qxl"', 'vga = "none"', 'vga = "cirrus"',
    'device_model_version = "qemu-xen"', 'device_model_version = "qemu-xen-traditional"', 'device_model_stubdomain_override = 1', 'passthrough = "sync_pt"', 'passthrough = "share_pt"',
    'pci = [ "0000:03:00.0" ]', 'vif = [ "model=e1000", "model=rtl8139", "type=vif" ]', 'usb = 1'),
  fc.tuple(fc.constantFrom('memory', 'maxmem', 'videoram', 'vcpus', 'maxvcpus', 'shadow_memory', 'stubdomain_memory'), fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constantFrom(16777214, 16777215, 16777216))).map(([k, v]) => `${k} = ${v}`),
);
const release = fc.constantFrom('4.2', '4.3', '4.4.3', '4.4.4', '4.5', '4.6.0', '4.6.1', '4.7', '4.9', '4.10', '4.12', '4.13', '4.14', '4.16', '4.17', '4.19', '4.21', '4.22');

describe('budget() on any guest', () => {
  it('gives whole, non-negative figures or an InputError', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.array(release, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 0, max: 100000 })), fc.option(fc.integer({ min: 0, max: 1000 })), fc.constantFrom(undefined, 'on', 'off') as fc.Arbitrary<'on' | 'off' | undefined>, (lines, xen, hostFree, claims, claimMode) => {
        let cfg;
        try {
          cfg = readXlGuest(lines.join('\n') + '\n', 'f.cfg');
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          return;
        }
        try {
          const b = budget(cfg, { xen, hostFreeMiB: hostFree ?? undefined, claimsMiB: claims ?? undefined, claimMode });
          for (const c of b.cases) {
            for (const v of [c.maxPages, c.balloonTargetKiB, c.shadowKiB, c.pagingPoolKiB, c.iommuKiB, c.stubdomKiB, c.needMemoryKiB]) {
              expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
            }
            if (c.claimPages !== null) expect(Number.isSafeInteger(c.claimPages)).toBe(true);
            if (c.podTargetPages !== null) expect(Number.isSafeInteger(c.podTargetPages) && c.podTargetPages > 0).toBe(true);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).path).toMatch(/memory|--/);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
