// Passed-through devices as operators already describe them: the text of
// `lspci -vv -s BDF` (with or without -nn), a sysfs `resource` file, or the
// contract's JSON BARs. Each becomes the function hvmloader will see: its
// class, IDs, interrupt pin and BARs (sizes as the host reports them).

import type { BarType } from '../contract.js';
import { InputError, type InputIssue } from '../errors.js';
import { hex } from '../hex.js';

export interface HostBar {
  index: number; // 0-5; 6 is the expansion ROM
  type: BarType;
  prefetchable: boolean;
  size: bigint;
  /** Where the host has it (lspci "Memory at ..."), when known. */
  hostAddress?: bigint;
}

export interface HostFunction {
  bdf: string; // as the source wrote it, e.g. 0000:03:00.0
  name?: string;
  classCode?: number;
  vendorId?: number;
  deviceId?: number;
  interruptPin: number; // 0 none, 1-4 INTA-INTD
  bars: HostBar[];
}

// Class names lspci prints (pciutils pci.ids, "C" section) for the devices
// people pass through, so that plain `lspci -vv` (without -nn) keeps its class.
const CLASS_NAMES: Record<string, number> = {
  'VGA compatible controller': 0x0300,
  'XGA compatible controller': 0x0301,
  '3D controller': 0x0302,
  'Display controller': 0x0380,
  'Ethernet controller': 0x0200,
  'Network controller': 0x0280,
  'Infiniband controller': 0x0207,
  'Fabric controller': 0x0208,
  'Non-Volatile memory controller': 0x0108,
  'SATA controller': 0x0106,
  'RAID bus controller': 0x0104,
  'Serial Attached SCSI controller': 0x0107,
  'SCSI storage controller': 0x0100,
  'Mass storage controller': 0x0180,
  'USB controller': 0x0c03,
  'Audio device': 0x0403,
  'Multimedia audio controller': 0x0401,
  'Multimedia video controller': 0x0400,
  'Multimedia controller': 0x0480,
  'Processing accelerators': 0x1200,
  'Encryption controller': 0x1080,
  'Signal processing controller': 0x1180,
  'Serial bus controller': 0x0c80,
  'Fibre Channel': 0x0c04,
  'Co-processor': 0x0b40,
  'Unassigned class': 0xff00,
};

const SIZE_UNITS: Record<string, bigint> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

function parseSize(text: string): bigint | undefined {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  return m ? BigInt(m[1]) * SIZE_UNITS[m[2]] : undefined;
}

const HEADER = /^(?:([0-9a-fA-F]{4,}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\s+(.*)$/;

/**
 * Parses `lspci -vv` text: one or more functions, each a header line
 * `BB:DD.F class: name` followed by tab-indented detail lines. Only the
 * function's own Region and Expansion ROM lines count (SR-IOV VF BARs sit
 * deeper, inside their capability).
 */
export function parseLspci(text: string, source = 'lspci'): HostFunction[] {
  const issues: InputIssue[] = [];
  const functions: HostFunction[] = [];
  let current: HostFunction | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${source}:${i + 1}`;
    if (!raw.trim() || raw.startsWith('#')) return; // blank lines and notes
    const header = HEADER.exec(raw);
    if (header && !/^\s/.test(raw)) {
      const [, domain, bus, dev, fn, rest] = header;
      current = { bdf: `${domain ? domain + ':' : ''}${bus}:${dev}.${fn}`, interruptPin: 0, bars: [] };
      functions.push(current);
      // "Class name [0300]: Vendor Device [10de:2204] (rev a1)" or numeric "0300: 10de:2204"
      const numeric = /^([0-9a-fA-F]{4}): ([0-9a-fA-F]{4}):([0-9a-fA-F]{4})/.exec(rest);
      if (numeric) {
        current.classCode = parseInt(numeric[1], 16);
        current.vendorId = parseInt(numeric[2], 16);
        current.deviceId = parseInt(numeric[3], 16);
        return;
      }
      const colon = rest.indexOf(': ');
      const className = colon >= 0 ? rest.slice(0, colon) : rest;
      current.name =
        colon >= 0
          ? rest
              .slice(colon + 2)
              .replace(/\s*\(prog-if.*$/, '')
              .replace(/\s*\(rev [0-9a-fA-F]+\)/, '')
              .replace(/\s*\[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\]/, '')
              .trim()
          : undefined;
      const code = /\[([0-9a-fA-F]{4})\]$/.exec(className);
      if (code) current.classCode = parseInt(code[1], 16);
      else if (CLASS_NAMES[className.trim()] !== undefined) current.classCode = CLASS_NAMES[className.trim()];
      const ids = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\](?:\s*\(rev [0-9a-fA-F]+\))?(?:\s*\(prog-if.*\))?\s*$/.exec(rest);
      if (ids) {
        current.vendorId = parseInt(ids[1], 16);
        current.deviceId = parseInt(ids[2], 16);
      }
      return;
    }
    if (!current) {
      issues.push({ path: where, message: 'expected a device line like "03:00.0 VGA compatible controller: ..." first (from lspci -vv -s BDF)' });
      return;
    }
    if (!/^\t[^\t]/.test(raw)) return; // deeper detail (capabilities, VF BARs)
    const line = raw.trim();
    const pin = /^Interrupt: pin ([A-D])/.exec(line);
    if (pin) {
      current.interruptPin = pin[1].charCodeAt(0) - 64;
      return;
    }
    const region = /^Region (\d): (Memory|I\/O ports) at (\S+)(.*)$/.exec(line);
    const rom = /^Expansion ROM at (\S+)(.*)$/.exec(line);
    if (!region && !rom) return;
    const rest = (region ? region[4] : rom![2]) ?? '';
    const sizeText = /\[size=([^\]]+)\]/.exec(rest)?.[1];
    if (sizeText === undefined) {
      issues.push({ path: where, message: 'this BAR has no [size=...]; run lspci as root (-vv shows sizes only then) or give the sysfs resource file' });
      return;
    }
    const size = parseSize(sizeText);
    if (size === undefined || size === 0n || (size & (size - 1n)) !== 0n) {
      issues.push({ path: where, message: `[size=${sizeText}] is not a power-of-two BAR size` });
      return;
    }
    if (rom) {
      current.bars.push({ index: 6, type: 'rom', prefetchable: false, size });
      return;
    }
    const index = Number(region![1]);
    const at = /^[0-9a-fA-F]+$/.test(region![3]) ? BigInt('0x' + region![3]) : undefined;
    if (index > 5) {
      issues.push({ path: where, message: `Region ${index}: a function has BARs 0-5` });
      return;
    }
    if (region![2] === 'I/O ports') {
      current.bars.push({ index, type: 'io', prefetchable: false, size });
    } else {
      const is64 = /\(64-bit/.test(rest);
      const prefetchable = /\bprefetchable\)/.test(rest) && !/non-prefetchable/.test(rest);
      current.bars.push({ index, type: is64 ? 'mem64' : 'mem32', prefetchable, size, ...(at !== undefined ? { hostAddress: at } : {}) });
    }
  });
  if (functions.length === 0 && issues.length === 0) {
    issues.push({ path: source, message: 'no device found; give the output of `lspci -vv -s BDF` (as root)' });
  }
  if (issues.length) throw new InputError(issues);
  return functions;
}

// linux/ioport.h resource flags as sysfs prints them
const IORESOURCE_IO = 0x100n;
const IORESOURCE_MEM = 0x200n;
const IORESOURCE_PREFETCH = 0x2000n;
const IORESOURCE_MEM_64 = 0x100000n;

/**
 * Parses a sysfs /sys/bus/pci/devices/BDF/resource file: one line per
 * resource, "start end flags" in hex; lines 0-5 are the BARs, 6 the ROM.
 */
export function parseSysfsResource(text: string, bdf: string, source = 'resource'): HostFunction {
  const issues: InputIssue[] = [];
  const bars: HostBar[] = [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  lines.slice(0, 7).forEach((line, index) => {
    const m = /^\s*0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s*$/.exec(line);
    if (!m) {
      issues.push({ path: `${source}:${index + 1}`, message: 'expected "0xSTART 0xEND 0xFLAGS" as in /sys/bus/pci/devices/BDF/resource' });
      return;
    }
    const start = BigInt('0x' + m[1]);
    const end = BigInt('0x' + m[2]);
    const flags = BigInt('0x' + m[3]);
    if (end === 0n && start === 0n) return;
    const size = end - start + 1n;
    if (size <= 0n || (size & (size - 1n)) !== 0n) {
      issues.push({ path: `${source}:${index + 1}`, message: `${hex(start)}-${hex(end)} is not a power-of-two BAR` });
      return;
    }
    if (index === 6) bars.push({ index, type: 'rom', prefetchable: false, size });
    else if (flags & IORESOURCE_IO) bars.push({ index, type: 'io', prefetchable: false, size });
    else if (flags & IORESOURCE_MEM) {
      bars.push({ index, type: flags & IORESOURCE_MEM_64 ? 'mem64' : 'mem32', prefetchable: (flags & IORESOURCE_PREFETCH) !== 0n, size });
    }
  });
  if (lines.length < 7 && issues.length === 0) issues.push({ path: source, message: `expected at least 7 lines (6 BARs and the ROM); got ${lines.length}` });
  if (issues.length) throw new InputError(issues);
  return { bdf, interruptPin: 1, bars };
}
