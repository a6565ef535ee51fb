// The real devices a matrix sweeps: a bundled description from
// scenarios/devices named by its file name (checked against the directory
// listing, so a name never becomes a path), or the path of the user's own
// `lspci -vv -s BDF` file. Each is read once per process.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { parseLspci, type HostFunction } from '../guest/lspci.js';
import { quote, stripBom, LIMITS } from '../limits.js';
import { packageRoot } from '../package-root.js';

/** Functions one device description may bring: those of one PCI device. */
export const MAX_FUNCTIONS_PER_DEVICE = 8;

const cache = new Map<string, HostFunction[]>();
let bundled: string[] | undefined;

/** The bundled device names (scenarios/devices/NAME.lspci). */
export function bundledDevices(): string[] {
  bundled ??= readdirSync(join(packageRoot(), 'scenarios', 'devices'))
    .filter((f) => f.endsWith('.lspci'))
    .map((f) => f.slice(0, -'.lspci'.length))
    .sort();
  return bundled;
}

/** A user's own file is named by a path: it has a slash or a file extension. */
export const isDevicePath = (name: string) => /[/\\]/.test(name) || /\.(lspci|txt)$/i.test(name);

function readUserFile(path: string, where: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([{ path: where, message: `cannot read ${quote(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}; give a bundled device (${bundledDevices().join(', ')}) or the path of an \`lspci -vv -s BDF\` file` }]);
  }
  if (text.length > LIMITS.inputBytes) throw new InputError([{ path: where, message: `${quote(path)} is larger than ${LIMITS.inputBytes >> 20} MiB; give one device's lspci -vv -s BDF output` }]);
  return stripBom(text);
}

/** The functions of a device set entry; refuses unknown names and files that are not one device's lspci -vv. */
export function deviceFunctions(name: string, where = `deviceSets ${name}`): HostFunction[] {
  let fns = cache.get(name);
  if (fns) return fns;
  if (isDevicePath(name)) {
    fns = parseLspci(readUserFile(name, where), name);
  } else {
    if (!bundledDevices().includes(name)) {
      throw new InputError([{ path: where, message: `no such device in scenarios/devices; use one of ${bundledDevices().join(', ')}, or the path of your own \`lspci -vv -s BDF\` file` }]);
    }
    const file = join(packageRoot(), 'scenarios', 'devices', `${name}.lspci`);
    fns = parseLspci(readFileSync(file, 'utf8'), file);
  }
  const devices = new Set(fns.map((f) => f.bdf.replace(/\.[0-7]$/, '')));
  if (devices.size > 1 || fns.length > MAX_FUNCTIONS_PER_DEVICE) {
    throw new InputError([{ path: where, message: `describes ${fns.length} functions of ${devices.size} devices; one entry is one device (\`lspci -vv -s BB:DD\`, at most ${MAX_FUNCTIONS_PER_DEVICE} functions)` }]);
  }
  cache.set(name, fns);
  return fns;
}
