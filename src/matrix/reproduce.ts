// A matrix configuration as a guest `plan` can take: the xl.cfg it stands
// for, its passed-through functions as JSON BARs, and the options. The
// report shows it as one bash command; test/matrix.test.ts plans the same
// guest and checks it comes out as the matrix said.

import type { BarInput, DeviceInput } from '../contract.js';
import { hex } from '../hex.js';
import { configBus, type Config } from './run.js';
import { parseRelease } from '../guest/releases.js';

export interface Reproduction {
  config: string;
  pci: { bdf: string; device: DeviceInput }[];
  deviceModel: string;
  toolstack: string;
}

/** The guest of a configuration, with its passed-through functions as the matrix built them under `version`. */
export function reproduction(c: Config, version: string): Reproduction | undefined {
  const built = configBus(c, version);
  if (typeof built === 'string' || 'unavailable' in built) return undefined;
  const passthrough = built.functions.filter((f) => f.passthrough);
  const pci = passthrough.map((f, i) => {
    const d = built.bus.devices.find((x) => x.slot === f.slot && x.function === f.function)!;
    const bars: BarInput[] = d.bars.map((b) => (b.index === 6 ? { type: 'rom', size: hex(b.size ?? 0n) } : { index: b.index, type: b.type, ...(b.prefetchable ? { prefetchable: true } : {}), size: hex(b.size ?? 0n) }));
    const device: DeviceInput = { slot: 0, vendorId: hex(d.vendorId), deviceId: hex(d.deviceId), classCode: hex(d.classCode), interruptPin: d.interruptPin, bars };
    return { bdf: `${(i + 1).toString(16).padStart(2, '0')}:00.0`, device };
  });
  const lines = [
    'type = "hvm"',
    'builder = "hvm"', // xl before 4.10 reads only builder
    `memory = ${c.ramMiB}`,
    `device_model_version = "${c.deviceModel}"`,
    ...(c.stubdomain ? ['device_model_stubdomain_override = 1'] : []),
    ...(c.mmioHoleMiB ? [`mmio_hole = ${c.mmioHoleMiB}`] : []),
    ...(c.bios !== 'default' ? [`bios = "${c.bios}"`] : []),
    ...(pci.length ? [`pci = [ ${pci.map((p) => `"${p.bdf}"`).join(', ')} ]`] : []),
  ];
  return { config: lines.join('\n') + '\n', pci, deviceModel: c.deviceModel, toolstack: c.toolstack };
}

/** The Xen release `plan` takes for a matrix version, if it is one ('4.3-rc' is not). */
export function planRelease(version: string): string | undefined {
  try {
    return parseRelease(version).text;
  } catch {
    return undefined;
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One bash command that plans the configuration under the given Xen releases. */
export function planCommand(r: Reproduction, releases: string[]): string {
  const cfg = `<(printf '%s\\n' ${r.config.trimEnd().split('\n').map(quote).join(' ')})`;
  const pci = r.pci.map((p) => `--pci ${p.bdf}=<(echo ${quote(JSON.stringify(p.device))})`).join(' ');
  return `npx mmio-planner plan ${cfg} ${pci}${pci ? ' ' : ''}--xen ${releases.join(',')} --device-model ${r.deviceModel} --toolstack ${r.toolstack}`;
}
