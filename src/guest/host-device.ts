// One passed-through device as a person has it at hand: `lspci -vv` text, a
// sysfs resource file, or JSON BARs. Shared by the CLI (which reads the file)
// and the web page (which has the text), so both decide the format the same way.

import { parseBus } from '../bus.js';
import { InputError } from '../errors.js';
import { stripBom } from '../limits.js';
import { parseLspci, parseSysfsResource, type HostFunction } from './lspci.js';

/** The functions a device description holds; `source` names it in errors. */
export function readHostDevice(bdf: string, text: string, source: string): HostFunction[] {
  if (typeof text !== 'string') throw new InputError([{ path: source, message: 'expected the text of a device description' }]);
  text = stripBom(text);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError([{ path: source, message: `not JSON: ${(e as Error).message}` }]);
    }
    const list = Array.isArray(value);
    const device = list ? { slot: 0, vendorId: '0x0', deviceId: '0x0', bars: value } : { slot: 0, ...(value as object) };
    let bus;
    try {
      bus = parseBus({ lowMemEnd: '0x100000', devices: [device] }, source);
    } catch (e) {
      // name the fields as the file has them, not as the bus they were put in
      if (!(e instanceof InputError)) throw e;
      throw new InputError(e.issues.map((i) => ({ ...i, path: i.path.replace(list ? /^devices\[0\]\.bars/ : /^devices\[0\]\.?/, '') })), source);
    }
    const d = bus.devices[0];
    const masked = d.bars.findIndex((b) => b.size === undefined);
    if (masked >= 0) {
      throw new InputError([{ path: `${source}: ${list ? '' : 'bars'}[${masked}]`, message: 'a passed-through BAR needs its "size" (QEMU shows the guest the host BAR\'s size); "mask" is for bus files' }]);
    }
    return [{ bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size! })) }];
  }
  if (/^\s*0x[0-9a-fA-F]+\s+0x/.test(trimmed)) return [parseSysfsResource(text, bdf, source)];
  return parseLspci(text, source);
}
