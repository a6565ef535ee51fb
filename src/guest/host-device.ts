// One passed-through device as a person has it at hand: `lspci -vv` text, a
// sysfs resource file, or JSON BARs. Shared by the CLI (which reads the file)
// and the web page (which has the text), so both decide the format the same way.

import { parseBus } from '../bus.js';
import { InputError } from '../errors.js';
import { parseLspci, parseSysfsResource, type HostFunction } from './lspci.js';

/** The functions a device description holds; `source` names it in errors. */
export function readHostDevice(bdf: string, text: string, source: string): HostFunction[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError([{ path: source, message: `not JSON: ${(e as Error).message}` }]);
    }
    const device = Array.isArray(value) ? { slot: 0, vendorId: '0x0', deviceId: '0x0', bars: value } : { slot: 0, ...(value as object) };
    const bus = parseBus({ lowMemEnd: '0x100000', devices: [device] }, source);
    const d = bus.devices[0];
    return [{ bdf, vendorId: d.vendorId, deviceId: d.deviceId, classCode: d.classCode, interruptPin: d.interruptPin, bars: d.bars.map((b) => ({ index: b.index, type: b.type, prefetchable: b.prefetchable, size: b.size ?? 0n })) }];
  }
  if (/^\s*0x[0-9a-fA-F]+\s+0x/.test(trimmed)) return [parseSysfsResource(text, bdf, source)];
  return parseLspci(text, source);
}
