// Passed-through devices as operators already describe them: the text of
// `lspci -vv -s BDF` (with or without -nn), a sysfs `resource` file, or the
// contract's JSON BARs. Each becomes the function hvmloader will see: its
// class, IDs, interrupt pin and BARs (sizes as the host reports them).

import { ROM_INDEX, SIZE_RANGE } from '../bus.js';
import type { BarType } from '../contract.js';
import { InputError, type InputIssue } from '../errors.js';
import { hex } from '../hex.js';
import { quote, stripBom } from '../limits.js';

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

/** How a detail line is indented: lspci -vv uses one tab per level. */
interface Indent {
  width: number; // leading whitespace characters
  tabs: boolean; // all tabs (else all spaces; mixed is refused where it matters)
  mixed: boolean;
}

function indentOf(raw: string): Indent {
  const lead = /^[ \t]*/.exec(raw)![0];
  const tabs = /^\t*$/.test(lead);
  return { width: lead.length, tabs, mixed: !tabs && lead.includes('\t') };
}

// Lines whose content becomes the function's BARs or pin: these must be read
// at the right level, since the same text inside SR-IOV describes VF BARs.
const MEANINGFUL = /^(Region \d+:|Expansion ROM at |Interrupt: pin |(Memory|I\/O ports) at )/;

// a BAR size as lspci writes it (its largest whole unit), for messages
function sizeName(v: bigint): string {
  const units: [string, bigint][] = [['E', 60n], ['P', 50n], ['T', 40n], ['G', 30n], ['M', 20n], ['K', 10n]];
  for (const [u, shift] of units) if (v >= 1n << shift && v % (1n << shift) === 0n) return `${v >> shift}${u}`;
  return `${v}`;
}

/**
 * Parses `lspci -vv` text: one or more functions, each a header line
 * `BB:DD.F class: name` followed by indented detail lines. Only the
 * function's own Region and Expansion ROM lines count (SR-IOV VF BARs sit
 * deeper, inside their capability). Indentation pasted as spaces is read
 * when it is consistent (the first detail line sets one level); where the
 * level of a Region, ROM or Interrupt line cannot be told, the line is
 * refused. Output without detail lines (plain `lspci`, `lspci -n`) or in
 * `lspci -v` form is refused: it does not say what the BARs are.
 */
export function parseLspci(text: string, source = 'lspci'): HostFunction[] {
  if (typeof text !== 'string') throw new InputError([{ path: source, message: 'expected the text of `lspci -vv -s BDF`' }]);
  const issues: InputIssue[] = [];
  const functions: HostFunction[] = [];
  let current: HostFunction | undefined;
  let currentLine = 0;
  let details = 0; // detail lines of the current function
  let unit: Indent | undefined; // the first detail line's indent: one level
  const used = new Map<number, number>(); // register -> line, for the current function
  const endFunction = () => {
    if (current && details === 0) {
      issues.push({ path: `${source}:${currentLine}`, message: `${current.bdf} has no detail lines: this is plain \`lspci\` or \`lspci -n\` output, which does not show BARs; give the output of \`lspci -vv -s ${current.bdf}\` run as root` });
    }
  };
  const lines = stripBom(text).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${source}:${i + 1}`;
    if (!raw.trim() || raw.startsWith('#')) return; // blank lines and notes
    const header = HEADER.exec(raw);
    if (header && !/^\s/.test(raw)) {
      endFunction();
      const [, domain, bus, dev, fn, rest] = header;
      current = { bdf: `${domain ? domain + ':' : ''}${bus}:${dev}.${fn}`, interruptPin: 0, bars: [] };
      currentLine = i + 1;
      details = 0;
      used.clear();
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
    const line = raw.trim();
    const meaningful = MEANINGFUL.test(line);
    const indent = indentOf(raw);
    if (indent.width === 0) {
      if (meaningful) issues.push({ path: where, message: `${quote(line)} has no indentation, so it cannot be told from an SR-IOV VF BAR; give lspci's output unchanged (\`lspci -vv -s ${current.bdf} > file\`)` });
      return;
    }
    details++;
    unit ??= indent;
    // the level: tabs counted, or spaces in units of the first detail line's indent
    let level: number | undefined;
    if (indent.mixed || indent.tabs !== unit.tabs) level = undefined;
    else if (indent.tabs) level = indent.width;
    else level = indent.width % unit.width === 0 ? indent.width / unit.width : undefined;
    if (level === undefined) {
      if (meaningful) issues.push({ path: where, message: `the indentation of this line (${indent.width} ${indent.mixed ? 'mixed tabs and spaces' : indent.tabs ? 'tabs' : 'spaces'}) does not match the ${unit.width} ${unit.tabs ? 'tab' : 'space'}${unit.width === 1 ? '' : 's'} of the first detail line, so it cannot be told whether it belongs to the function or to a capability; give lspci's output unchanged (\`lspci -vv -s ${current.bdf} > file\`)` });
      return;
    }
    if (level !== 1) return; // deeper detail (capabilities, VF BARs)
    if (/^(Memory|I\/O ports) at /.test(line)) {
      issues.push({ path: where, message: `this is \`lspci -v\` output, whose BAR lines do not say which register they are; give the output of \`lspci -vv -s ${current.bdf}\` run as root` });
      return;
    }
    const pin = /^Interrupt: pin ([A-D])/.exec(line);
    if (pin) {
      current.interruptPin = pin[1].charCodeAt(0) - 64;
      return;
    }
    const region = /^Region (\d+): (Memory|I\/O ports) at (\S+)(.*)$/.exec(line);
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
      issues.push({ path: where, message: `[size=${quote(sizeText).slice(1, -1)}] is not a power-of-two BAR size` });
      return;
    }
    const index = rom ? ROM_INDEX : Number(region![1]);
    if (!rom && index > 5) {
      issues.push({ path: where, message: `Region ${region![1]}: a function has BARs 0-5` });
      return;
    }
    const is64 = !rom && region![2] === 'Memory' && /\(64-bit/.test(rest);
    const type: BarType = rom ? 'rom' : region![2] === 'I/O ports' ? 'io' : is64 ? 'mem64' : 'mem32';
    const [lo, hi] = SIZE_RANGE[type];
    if (size < lo || size > hi) {
      const what = type === 'mem32' ? 'a 32-bit memory BAR' : type === 'mem64' ? 'a 64-bit memory BAR' : type === 'io' ? 'an I/O BAR' : 'an expansion ROM';
      issues.push({ path: where, message: `[size=${sizeText}] is out of range for ${what} (${sizeName(lo)} to ${sizeName(hi)}); check the line was copied whole from lspci -vv` });
      return;
    }
    // each register holds one BAR; a 64-bit BAR takes the next register too
    const regs = is64 ? [index, index + 1] : [index];
    if (is64 && index === 5) {
      issues.push({ path: where, message: 'Region 5 cannot be 64-bit: its upper half would need a seventh register' });
      return;
    }
    const clash = regs.find((r) => used.has(r));
    if (clash !== undefined) {
      const what = clash === ROM_INDEX ? 'Expansion ROM' : `Region ${clash}`;
      issues.push({ path: where, message: `${what} is already described on line ${used.get(clash)} (a 64-bit Region also takes the next register); one lspci output per function, copied whole` });
      return;
    }
    regs.forEach((r) => used.set(r, i + 1));
    if (rom) {
      current.bars.push({ index: ROM_INDEX, type: 'rom', prefetchable: false, size });
      return;
    }
    const at = /^[0-9a-fA-F]+$/.test(region![3]) ? BigInt('0x' + region![3]) : undefined;
    if (type === 'io') {
      current.bars.push({ index, type: 'io', prefetchable: false, size });
    } else {
      const prefetchable = /\bprefetchable\)/.test(rest) && !/non-prefetchable/.test(rest);
      current.bars.push({ index, type, prefetchable, size, ...(at !== undefined ? { hostAddress: at } : {}) });
    }
  });
  endFunction();
  if (functions.length === 0 && issues.length === 0) {
    issues.push({ path: source, message: 'no device found; give the output of `lspci -vv -s BDF` (as root)' });
  }
  if (issues.length) throw new InputError(issues);
  for (const f of functions) f.bars.sort((a, b) => a.index - b.index);
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
  if (typeof text !== 'string') throw new InputError([{ path: source, message: 'expected the text of /sys/bus/pci/devices/BDF/resource' }]);
  const issues: InputIssue[] = [];
  const bars: HostBar[] = [];
  const lines = stripBom(text).split(/\r?\n/).filter((l) => l.trim());
  lines.slice(0, 7).forEach((line, index) => {
    const where = `${source}:${index + 1}`;
    const m = /^\s*0x([0-9a-fA-F]{1,16})\s+0x([0-9a-fA-F]{1,16})\s+0x([0-9a-fA-F]{1,16})\s*$/.exec(line);
    if (!m) {
      issues.push({ path: where, message: 'expected "0xSTART 0xEND 0xFLAGS" (16 hex digits at most each) as in /sys/bus/pci/devices/BDF/resource' });
      return;
    }
    const start = BigInt('0x' + m[1]);
    const end = BigInt('0x' + m[2]);
    const flags = BigInt('0x' + m[3]);
    if (end === 0n && start === 0n) return;
    if (end < start) {
      issues.push({ path: where, message: `${hex(start)}-${hex(end)} ends before it starts` });
      return;
    }
    const size = end - start + 1n;
    if ((size & (size - 1n)) !== 0n) {
      issues.push({ path: where, message: `${hex(start)}-${hex(end)} is not a power-of-two BAR` });
      return;
    }
    const type: BarType | undefined = index === 6 ? 'rom' : flags & IORESOURCE_IO ? 'io' : flags & IORESOURCE_MEM ? (flags & IORESOURCE_MEM_64 ? 'mem64' : 'mem32') : undefined;
    if (type === undefined) return; // a resource sysfs marks neither I/O nor memory: not a BAR
    const [lo, hi] = SIZE_RANGE[type];
    if (size < lo || size > hi) {
      issues.push({ path: where, message: `${hex(start)}-${hex(end)} is ${hex(size)} bytes, out of range for a ${type} BAR (${hex(lo)}-${hex(hi)}); check the file was copied whole` });
      return;
    }
    if (type === 'mem32' || type === 'mem64') bars.push({ index, type, prefetchable: (flags & IORESOURCE_PREFETCH) !== 0n, size });
    else bars.push({ index, type, prefetchable: false, size });
  });
  if (lines.length < 7 && issues.length === 0) issues.push({ path: source, message: `expected at least 7 lines (6 BARs and the ROM); got ${lines.length}` });
  if (issues.length) throw new InputError(issues);
  return { bdf, interruptPin: 1, bars };
}
