// A guest's configuration, read from xl.cfg or from a JSON/YAML guest file
// with the same keys. Only what shapes the PCI bus and the memory layout is
// interpreted; every other key is kept (and reported as ignored). Wrong
// values are refused with the key, the value and what is allowed.

import { parseDocument } from 'yaml';
import { InputError, type InputIssue } from '../errors.js';
import { parseHostBdf } from './bdf.js';
import { parseDiskSpec, type DiskSpec } from './disk.js';
import { parseXlConfig, type XlValue } from './xlcfg.js';
import { XL_KEYS, nearestKey } from './xl-keys.js';
import { LIMITS, quote, stripBom } from '../limits.js';

export type DeviceModel = 'qemu-xen' | 'qemu-xen-traditional';
export const DEVICE_MODELS: readonly DeviceModel[] = ['qemu-xen', 'qemu-xen-traditional'];

/** A --phys-addr-bits value: the host CPU's physical address width, as hvmloader reads it through CPUID. */
export function parsePhysAddrBits(value: string, where = '--phys-addr-bits'): number {
  const bits = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(bits >= 32 && bits <= 52)) throw new InputError([{ path: where, message: `${JSON.stringify(value)}: a physical address width is a whole number of bits from 32 to 52 (see \`address sizes\` in /proc/cpuinfo)` }]);
  return bits;
}

/** A --device-model value: one model or both, comma-separated. */
export function parseDeviceModels(value: string, where = '--device-model'): DeviceModel[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(DEVICE_MODELS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) {
    throw new InputError([{ path: where, message: `${bad.length ? `unknown device model ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'none given'}; use qemu-xen, qemu-xen-traditional or both, comma-separated` }]);
  }
  return names as DeviceModel[];
}

export interface PciSpec {
  /** Host address as written, normalised to DDDD:BB:DD.F. */
  bdf: string;
  /** Guest slot asked for with @VSLOT or vslot=, if any. */
  vslot?: number;
  options: Record<string, string>;
  text: string;
}

export interface VifSpec {
  model?: string;
  type?: string;
  text: string;
}

export interface UsbCtrlSpec {
  type?: string;
  version?: number;
  ports?: number;
}

export interface GuestConfig {
  source: string;
  name?: string;
  type: 'hvm' | 'pv' | 'pvh';
  /** `type` and `builder` as written: xl reads `type` only from 4.10 (c7dfe4ac58), `builder` in every release. */
  typeKey?: 'hvm' | 'pv' | 'pvh';
  builder?: 'hvm' | 'generic';
  memoryMiB: number;
  maxmemMiB: number;
  videoramMiB?: number;
  /** The VGA asked for: `vga`, or else `stdvga`. */
  vga?: 'stdvga' | 'cirrus' | 'none' | 'qxl';
  /** Whether `vga` itself was given (xl reads it from 4.4), and `stdvga` as given. */
  vgaKey?: boolean;
  stdvga?: boolean;
  deviceModel?: DeviceModel;
  stubdomain: boolean;
  mmioHoleMiB?: number;
  /** `rdm` as written ("strategy=host,policy=relaxed"); each release's xl reads it differently (see rdm.ts). */
  rdm?: string;
  /** `rdm_mem_boundary` in MiB (libxl default 2048). */
  rdmMemBoundaryMiB?: number;
  /** `hap` (default on): libxl rounds an RMRR-lowered RAM end to 2 MiB for HAP guests. */
  hap: boolean;
  pci: PciSpec[];
  vifs: VifSpec[];
  disks: DiskSpec[];
  usb: boolean;
  usbdevice: string[];
  /** `usbversion`: the USB controller qemu-xen is started with when usb/usbdevice are unset (1-3). */
  usbversion?: number;
  usbctrl: UsbCtrlSpec[];
  bios?: 'rombios' | 'seabios' | 'ovmf';
  /** Keys that add PCI functions this planner does not model (noted in the plan). */
  soundhw?: string;
  hdtype?: 'ide' | 'ahci';
  vendorDevice?: string;
  spiceVdagent: boolean;
  gfxPassthru: boolean;
  xenPlatformPci: boolean;
  /** `vcpus` and `maxvcpus` as written (xl: max_vcpus is maxvcpus, else vcpus, else unset). */
  vcpus?: number;
  maxvcpus?: number;
  /** `shadow_memory` in MiB: the paging pool, instead of libxl's default. */
  shadowMemoryMiB?: number;
  /** `passthrough` (xl 4.13 on): how the IOMMU page tables are kept. */
  passthrough?: 'default' | 'disabled' | 'enabled' | 'sync_pt' | 'share_pt';
  /** `stubdomain_memory` in MiB (xl 4.14 on). */
  stubdomainMemoryMiB?: number;
  /** Keys present in the file that do not shape the bus. */
  otherKeys: string[];
  /** Keys xl does not read at all (it ignores them), with the known key each most likely meant. */
  unknownKeys?: { key: string; where: string; suggestion?: string }[];
  /** Where each key was written ("guest.cfg:3:10"), for messages about its value. */
  places?: Record<string, string>;
}

// The most `memory`/`maxmem` this reads: 16 TiB, as far as the budget's
// 32-bit page counts are asked about (src/budget/ refuses per release). An
// HVM guest's RAM must also end below 16 TiB (hvmloader's high_mem_pgend is
// a 32-bit page number): libxl.ts refuses a layout past that, naming the key.
export const MAX_MEMORY_MIB = 1 << 24;

const KNOWN = new Set([
  'type', 'builder', 'name', 'memory', 'maxmem', 'videoram', 'vga', 'stdvga', 'device_model_version',
  'device_model_stubdomain_override', 'mmio_hole', 'pci', 'vif', 'usb', 'usbdevice', 'usbversion', 'usbctrl', 'bios',
  'xen_platform_pci', 'disk', 'soundhw', 'hdtype', 'vendor_device', 'spice', 'spicevdagent', 'gfx_passthru',
  'rdm', 'rdm_mem_boundary', 'hap', 'vcpus', 'maxvcpus', 'shadow_memory', 'passthrough', 'stubdomain_memory',
]);

class Reader {
  readonly issues: InputIssue[] = [];
  constructor(
    readonly values: Map<string, XlValue>,
    readonly source: string,
  ) {}

  where(key: string): string {
    return `${this.place(key)} ${key}`;
  }

  /** file:line:col of a key's value, or just the file. */
  place(key: string): string {
    const v = this.values.get(key);
    if (!v || !v.line) return this.source;
    return `${this.source}:${v.line}${v.col ? `:${v.col}` : ''}`;
  }

  fail(key: string, message: string): void {
    this.issues.push({ path: this.where(key), message });
  }

  string(key: string): string | undefined {
    const v = this.values.get(key);
    if (!v) return undefined;
    if (v.kind !== 'string') {
      this.fail(key, 'expected a single value, not a list');
      return undefined;
    }
    return v.value;
  }

  /** A whole number as xl reads one (strtol with base 0: 0x hex, 0 octal). */
  number(key: string, lo: number, hi: number, what: string): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const t = text.trim();
    let n = NaN;
    if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t, 16);
    else if (/^0[0-7]+$/.test(t)) n = parseInt(t, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(t)) n = Number(t);
    if (!Number.isSafeInteger(n)) {
      this.fail(key, `${quote(text)} is not a whole number; ${what}`);
      return undefined;
    }
    if (n < lo || n > hi) {
      this.fail(key, `${n} is out of range; ${what}`);
      return undefined;
    }
    return n;
  }

  boolean(key: string): boolean | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
    if (/^(0|false|no|off)$/i.test(text.trim())) return false;
    this.fail(key, `${quote(text)} is not a boolean; use 1 or 0`);
    return undefined;
  }

  choice<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.fail(key, `${quote(text)} is not allowed; use one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return undefined;
  }

  list(key: string): string[] {
    const v = this.values.get(key);
    if (!v) return [];
    if (v.kind === 'string') return [v.value]; // xl also takes a lone string for a one-item list
    const out: string[] = [];
    v.items.forEach((item, i) => {
      if (item.kind === 'string') out.push(item.value);
      else this.fail(key, `item ${i + 1} is a list; expected a string`);
    });
    return out;
  }
}

/** Splits "a=1,b=2" into options, trimming spaces as xl does. */
function options(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) out[p] = '';
    else out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

// xl-pci-configuration(5): [DDDD:]BB:DD.F[@VSLOT][,KEY=VALUE...]

function parsePci(r: Reader, text: string, index: number): PciSpec | undefined {
  const [first, ...rest] = text.split(',');
  const opts = options(rest.join(','));
  let head = first.trim();
  if (!head.includes(':') && opts.bdf) head = opts.bdf; // bdf=... form
  const [address, at, ...extra] = head.split('@');
  const bdf = parseHostBdf(address);
  if (bdf === undefined || extra.length > 0 || (at !== undefined && !/^[0-9a-fA-F]{1,2}$/.test(at))) {
    r.fail('pci', `item ${index + 1} ${JSON.stringify(text)}: expected a host address like "0000:03:00.0" (optionally @VSLOT and ,key=value options)`);
    return undefined;
  }
  const vslotText = at ?? opts.vslot;
  let vslot: number | undefined;
  if (vslotText !== undefined) {
    vslot = parseInt(vslotText.replace(/^0x/i, ''), 16);
    if (!Number.isInteger(vslot) || vslot < 0 || vslot > 31) {
      r.fail('pci', `item ${index + 1}: guest slot ${JSON.stringify(vslotText)} is not 0-1f`);
      return undefined;
    }
  }
  // xl-pci-configuration(5): rdm_policy is strict or relaxed; xl exits on anything else
  if (opts.rdm_policy !== undefined && opts.rdm_policy !== 'strict' && opts.rdm_policy !== 'relaxed') {
    r.fail('pci', `item ${index + 1}: rdm_policy=${JSON.stringify(opts.rdm_policy)} is not allowed; use rdm_policy=strict or rdm_policy=relaxed`);
    return undefined;
  }
  return { bdf, vslot, options: opts, text };
}

// xl_parse.c parse_usbctrl_config: type (case-insensitive enum), version and
// ports read with atoi (0, the default, when not a number); any other key
// makes xl exit
function usbctrlSpec(r: Reader, text: string, index: number): UsbCtrlSpec {
  const o = options(text);
  const atoi = (v: string | undefined) => {
    const n = v === undefined ? 0 : parseInt(/^\s*[+-]?\d+/.exec(v)?.[0] ?? '0', 10);
    return n === 0 ? undefined : n;
  };
  for (const key of Object.keys(o)) {
    if (!['type', 'version', 'ports'].includes(key)) r.fail('usbctrl', `item ${index + 1}: unknown option ${JSON.stringify(key)}; xl takes type, version and ports`);
  }
  const type = o.type?.toLowerCase();
  if (type !== undefined && !['auto', 'pv', 'devicemodel', 'qusb'].includes(type)) {
    r.fail('usbctrl', `item ${index + 1}: type=${JSON.stringify(o.type)} is not a USB controller type; use auto, pv, devicemodel or qusb`);
  }
  return { type, version: atoi(o.version), ports: atoi(o.ports) };
}

// xl.cfg(5): gfx_passthru = BOOLEAN | "default" | "igd"
function gfxPassthru(r: Reader): boolean {
  const text = r.string('gfx_passthru')?.trim();
  if (text === undefined) return false;
  if (text === 'igd' || text === 'default') return true;
  return r.boolean('gfx_passthru') ?? false;
}

function interpret(values: Map<string, XlValue>, source: string): GuestConfig {
  const r = new Reader(values, source);
  // `type` wins; older files say builder="hvm"; without either xl builds PV
  const builder = r.choice('builder', ['hvm', 'generic'] as const);
  const typeKey = r.choice('type', ['hvm', 'pv', 'pvh'] as const);
  const type = typeKey ?? (builder === 'hvm' ? 'hvm' : 'pv');
  const memoryMiB = r.number('memory', 1, MAX_MEMORY_MIB, 'memory is in MiB, e.g. memory = 4096') ?? 128;
  const maxmemMiB = r.number('maxmem', 1, MAX_MEMORY_MIB, 'maxmem is in MiB and at least memory') ?? memoryMiB;
  if (values.has('maxmem') && maxmemMiB < memoryMiB) r.fail('maxmem', `${maxmemMiB} is below memory (${memoryMiB}); maxmem must be at least memory`);
  const videoramMiB = r.number('videoram', 1, 1 << 12, 'videoram is in MiB, e.g. videoram = 16');
  const vgaKey = r.choice('vga', ['stdvga', 'cirrus', 'none', 'qxl'] as const);
  const stdvga = r.boolean('stdvga');
  const vga = vgaKey ?? (stdvga === undefined ? undefined : stdvga ? 'stdvga' : 'cirrus');
  const deviceModel = r.choice('device_model_version', ['qemu-xen', 'qemu-xen-traditional'] as const);
  const stubdomain = r.boolean('device_model_stubdomain_override') ?? false;
  const mmioHoleMiB = r.number('mmio_hole', 1, 4096, 'mmio_hole is in MiB, e.g. mmio_hole = 1024');
  const pci = r
    .list('pci')
    .map((t, i) => parsePci(r, t, i))
    .filter((p): p is PciSpec => p !== undefined);
  const seen = new Set<string>();
  const slots = new Map<number, string>();
  for (const p of pci) {
    if (seen.has(p.bdf)) r.fail('pci', `${p.bdf} is listed twice`);
    seen.add(p.bdf);
    // one function per guest slot: QEMU refuses a second device on a taken slot
    if (p.vslot !== undefined) {
      const other = slots.get(p.vslot);
      if (other !== undefined) r.fail('pci', `${p.bdf} and ${other} both ask for guest slot ${p.vslot.toString(16)}; give each its own @VSLOT (or leave it out)`);
      else slots.set(p.vslot, p.bdf);
    }
  }
  const vifs = r.list('vif').map((t) => {
    const o = options(t);
    return { model: o.model, type: o.type, text: t };
  });
  const disks: DiskSpec[] = [];
  r.list('disk').forEach((t, i) => {
    try {
      disks.push(parseDiskSpec(t));
    } catch (e) {
      r.fail('disk', `item ${i + 1} ${JSON.stringify(t)}: ${(e as Error).message}`);
    }
  });
  const usbctrl = r.list('usbctrl').map((t, i) => usbctrlSpec(r, t, i));
  const config: GuestConfig = {
    source,
    name: r.string('name'),
    type,
    typeKey,
    builder,
    memoryMiB,
    maxmemMiB,
    videoramMiB,
    vga,
    vgaKey: vgaKey !== undefined,
    stdvga,
    deviceModel,
    stubdomain,
    mmioHoleMiB,
    rdm: r.string('rdm'),
    rdmMemBoundaryMiB: r.number('rdm_mem_boundary', 0, 4096, 'rdm_mem_boundary is in MiB below 4 GiB, e.g. rdm_mem_boundary = 2048'),
    hap: r.boolean('hap') ?? true,
    pci,
    vifs,
    disks,
    usb: r.boolean('usb') ?? false,
    usbdevice: r.list('usbdevice'),
    usbversion: r.number('usbversion', 1, 3, 'usbversion is 1 (UHCI), 2 (EHCI) or 3 (xHCI)'),
    usbctrl,
    bios: r.choice('bios', ['rombios', 'seabios', 'ovmf'] as const),
    xenPlatformPci: r.boolean('xen_platform_pci') ?? true,
    soundhw: r.string('soundhw'),
    hdtype: r.choice('hdtype', ['ide', 'ahci'] as const),
    vendorDevice: r.choice('vendor_device', ['none', 'xenserver'] as const),
    spiceVdagent: (r.boolean('spice') ?? false) && (r.boolean('spicevdagent') ?? false),
    gfxPassthru: gfxPassthru(r),
    vcpus: r.number('vcpus', 1, 4096, 'vcpus is a count of virtual CPUs, e.g. vcpus = 4'),
    maxvcpus: r.number('maxvcpus', 1, 4096, 'maxvcpus is a count of virtual CPUs, e.g. maxvcpus = 8'),
    shadowMemoryMiB: r.number('shadow_memory', 0, 1 << 24, 'shadow_memory is in MiB, e.g. shadow_memory = 64'),
    passthrough: r.choice('passthrough', ['default', 'disabled', 'enabled', 'sync_pt', 'share_pt'] as const),
    stubdomainMemoryMiB: r.number('stubdomain_memory', 1, 1 << 20, 'stubdomain_memory is in MiB, e.g. stubdomain_memory = 128'),
    otherKeys: [...values.keys()].filter((k) => !KNOWN.has(k)),
    unknownKeys: [...values.keys()].filter((k) => !XL_KEYS.has(k) && !KNOWN.has(k)).map((k) => ({ key: k, where: r.place(k), suggestion: nearestKey(k) })),
    places: Object.fromEntries([...values.keys()].map((k) => [k, r.place(k)])),
  };
  if (r.issues.length) throw new InputError(r.issues);
  return config;
}

// RELEASE-4.19.0 xl_parse.c parse_config_data: a config without `name` ends
// in "Domain name must be specified." and exit 1; an empty one is that case.
function refuseEmpty(values: Map<string, XlValue>, source: string): void {
  if (values.size === 0) {
    throw new InputError([{ path: source, message: 'has no settings (empty, or comments only); xl refuses it ("Domain name must be specified."); write at least name, type = "hvm" and memory' }]);
  }
}

/** Reads an xl.cfg file's text. */
export function readXlGuest(text: string, source = 'guest.cfg'): GuestConfig {
  const values = parseXlConfig(text, source).values;
  refuseEmpty(values, source);
  return interpret(values, source);
}

/** Values converted from a document, counted so that expanded aliases cannot grow without bound. */
class ValueBudget {
  left: number = LIMITS.documentValues;
  constructor(readonly source: string) {}
  take(key: string): void {
    if (--this.left < 0) throw new InputError([{ path: `${this.source} ${key}`, message: `holds more than ${LIMITS.documentValues} values (aliases expanded); a guest has a few dozen` }]);
  }
}

function toXlValue(value: unknown, key: string, budget: ValueBudget, depth = 0): XlValue {
  budget.take(key);
  if (typeof value === 'string') return { kind: 'string', value, line: 0, quoted: true };
  if (typeof value === 'number' || typeof value === 'bigint') return { kind: 'string', value: String(value), line: 0, quoted: false };
  if (typeof value === 'boolean') return { kind: 'string', value: value ? '1' : '0', line: 0, quoted: false };
  if (Array.isArray(value)) {
    if (depth >= LIMITS.nesting) throw new InputError([{ path: `${budget.source} ${key}`, message: `lists nest more than ${LIMITS.nesting} deep; xl's own keys nest at most 2 deep` }]);
    return { kind: 'list', items: value.map((v) => toXlValue(v, key, budget, depth + 1)), line: 0 };
  }
  throw new InputError([{ path: `${budget.source} ${key}`, message: 'expected a string, a number, a boolean or a list' }]);
}

/**
 * A YAML or JSON document as plain values, within the limits: YAML aliases
 * (LIMITS.yamlAliases, the yaml library's maxAliasCount) and nesting. Syntax
 * errors carry their line.
 */
export function readDocument(text: string, source: string): unknown {
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(stripBom(text), { intAsBigInt: true, prettyErrors: false });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError([{ path: source, message: `nests too deep to read (more than ${LIMITS.nesting} levels are refused)` }]);
    throw e;
  }
  if (doc.errors.some((e) => /call stack/i.test(e.message))) {
    throw new InputError([{ path: source, message: `nests too deep to read (more than ${LIMITS.nesting} levels are refused)` }]);
  }
  if (doc.errors.length) {
    throw new InputError(doc.errors.map((e) => ({ path: `${source}:${e.linePos?.[0].line ?? 0}`, message: e.message.split('\n')[0] })));
  }
  try {
    return doc.toJS({ maxAliasCount: LIMITS.yamlAliases });
  } catch (e) {
    // the yaml library refuses alias bombs with a ReferenceError
    const message = (e as Error).message ?? String(e);
    if (/alias/i.test(message)) {
      throw new InputError([{ path: source, message: `expands YAML aliases more than ${LIMITS.yamlAliases} times; write the values out instead of reusing anchors` }]);
    }
    if (e instanceof RangeError) throw new InputError([{ path: source, message: `nests too deep to read (more than ${LIMITS.nesting} levels are refused)` }]);
    throw e;
  }
}

/** Reads a JSON or YAML guest file: the xl.cfg keys as an object. */
export function readGuestDocument(text: string, source = 'guest.yaml'): GuestConfig {
  const obj = readDocument(text, source);
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InputError([{ path: source, message: 'a guest file is an object of xl.cfg keys, e.g. {"type": "hvm", "memory": 4096}' }]);
  }
  const values = new Map<string, XlValue>();
  const budget = new ValueBudget(source);
  for (const [key, value] of Object.entries(obj)) values.set(key, toXlValue(value, key, budget));
  refuseEmpty(values, source);
  return interpret(values, source);
}

/**
 * Checks a GuestConfig built in code (the API accepts one) the way reading a
 * file checks it: numbers where the planner does arithmetic on them, and the
 * pci list's addresses and slots. A config from readGuest always passes.
 */
export function checkGuestConfig(cfg: GuestConfig): void {
  const issues: InputIssue[] = [];
  const whole = (key: keyof GuestConfig, lo: number, hi: number, optional: boolean) => {
    const v = cfg[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) issues.push({ path: `config.${key}`, message: `${quote(String(v))} is not a whole number ${lo}-${hi}` });
  };
  if (typeof cfg !== 'object' || cfg === null) throw new InputError([{ path: 'config', message: 'expected a GuestConfig (readGuest makes one from xl.cfg text)' }]);
  if (!['hvm', 'pv', 'pvh'].includes(cfg.type)) issues.push({ path: 'config.type', message: `${quote(String(cfg.type))} is not hvm, pv or pvh` });
  whole('memoryMiB', 1, MAX_MEMORY_MIB, false);
  whole('maxmemMiB', 1, MAX_MEMORY_MIB, false);
  whole('videoramMiB', 0, 1 << 12, true);
  whole('mmioHoleMiB', 1, 4096, true);
  whole('rdmMemBoundaryMiB', 0, 4096, true);
  if (cfg.deviceModel !== undefined && !DEVICE_MODELS.includes(cfg.deviceModel)) issues.push({ path: 'config.deviceModel', message: `${quote(String(cfg.deviceModel))} is not one of ${DEVICE_MODELS.join(', ')}` });
  for (const key of ['pci', 'vifs', 'disks', 'usbdevice', 'usbctrl', 'otherKeys'] as const) {
    if (!Array.isArray(cfg[key])) issues.push({ path: `config.${key}`, message: 'expected a list' });
  }
  if (Array.isArray(cfg.pci)) {
    if (cfg.pci.length > LIMITS.busFunctions) issues.push({ path: 'config.pci', message: `${cfg.pci.length} devices; bus 0 has ${LIMITS.busFunctions} functions at most` });
    else {
      cfg.pci.forEach((p, i) => {
        if (typeof p?.bdf !== 'string' || parseHostBdf(p.bdf) !== p.bdf) issues.push({ path: `config.pci[${i}].bdf`, message: `${quote(String(p?.bdf))} is not a normalised host address like 0000:0b:00.0` });
        if (p?.vslot !== undefined && (!Number.isInteger(p.vslot) || p.vslot < 0 || p.vslot > 31)) issues.push({ path: `config.pci[${i}].vslot`, message: `${quote(String(p.vslot))} is not a guest slot 0-31` });
      });
    }
  }
  if (issues.length) throw new InputError(issues);
}

/** xl.cfg, or JSON/YAML when the file name or the text says so. */
export function readGuest(text: string, source: string): GuestConfig {
  if (typeof text !== 'string') throw new InputError([{ path: source, message: 'expected the text of an xl.cfg, JSON or YAML guest file' }]);
  text = stripBom(text);
  if (/\.(json|ya?ml)$/i.test(source) || /^\s*[{-]/.test(text)) return readGuestDocument(text, source);
  return readXlGuest(text, source);
}
