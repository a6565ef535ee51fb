// Reserved device memory (Intel VT-d RMRRs): host ranges a device keeps
// DMAing to, which libxl (4.6 on) reserves in the guest's memory map. libxl
// moves the end of low RAM below an RMRR that sits above `rdm_mem_boundary`,
// refuses or ignores (by policy) the ones RAM still covers, and hands the rest
// to hvmloader as E820 reserved ranges, which it keeps BARs out of.
//
// Sources (xen.git): libxl__domain_device_construct_rdm in
// tools/libxl/libxl_dm.c (RELEASE-4.6.0 .. 4.13.0) and
// tools/libs/light/libxl_dm.c (RELEASE-4.14.0 on); xlu_rdm_parse in
// libxlu_pci.c; the order xl_parse.c reads `rdm` and `pci`; the shared-RMRR
// check in xen/drivers/passthrough/vtd/iommu.c.

import { InputError } from '../errors.js';
import { hostBdf } from './bdf.js';
import { hex } from '../hex.js';
import type { GuestConfig, PciSpec } from './config.js';
import { carries, sinceSeries, type Release } from './releases.js';

/** One host RMRR: an inclusive range and the endpoints in its device scope. */
export interface HostRmrr {
  start: bigint;
  /** Last byte, inclusive, as the DMAR table and Xen's log give it. */
  end: bigint;
  /** Host addresses (DDDD:BB:DD.F) of the devices that use it. */
  devices: string[];
}

/** A policy as libxl holds it; `unset` is libxl's "invalid" (-1), `uninitialised` a value xl never wrote. */
export type RdmPolicy = 'strict' | 'relaxed' | 'unset' | 'uninitialised';

export interface RdmEntry {
  start: bigint;
  size: bigint;
  policy: RdmPolicy;
  /** Assigned devices whose RMRR this is (none for a strategy=host-only entry). */
  devices: string[];
}

export interface RdmConflict {
  entry: RdmEntry;
  /** strict: libxl fails the build; uninitialised: depends on stack garbage. */
  outcome: 'fails' | 'ignored' | 'undetermined';
}

export interface RdmResult {
  lowMemEnd: bigint;
  highMemEnd: bigint;
  /** What reaches the guest's E820 as reserved (and so hvmloader). */
  exposed: RdmEntry[];
  /** Entries with libxl's unset policy (device entries before 4.14): left out of the E820. */
  hidden: RdmEntry[];
  conflicts: RdmConflict[];
  /** How much low RAM libxl moved above 4 GiB to step below an RMRR. */
  loweredBy: bigint;
  /** Shared RMRRs Xen refuses (or warns about) when assigning the device. */
  shared: { device: string; rmrr: HostRmrr; refused: boolean }[];
  notes: string[];
}

const MIB = 1n << 20n;
const TWO_MIB = 2n * MIB;
const FOUR_GIB = 1n << 32n;
const DEFAULT_BOUNDARY_MIB = 2048; // LIBXL_RDM_MEM_BOUNDARY_MEMKB_DEFAULT

/** The size of a host RMRR, whose end is inclusive. */
export const rmrrSize = (r: HostRmrr) => r.end - r.start + 1n;

/**
 * The `rdm` key as the given release's xl reads it (xlu_rdm_parse): strategy,
 * global policy and what went wrong. xl keeps what the parser filled in an
 * uninitialised variable, so a field the text does not set is garbage.
 */
export function readRdmKey(text: string | undefined, release: Release): { strategy: 'host' | 'ignore'; policy: RdmPolicy; note?: string } {
  const none = { strategy: 'ignore' as const, policy: 'unset' as const };
  if (text === undefined) return none;
  if (!carries(release, 'libxl-rdm')) return { ...none, note: `rdm needs Xen ${sinceSeries('libxl-rdm')} or later; xl ${release.text} ignores the key and reserves nothing` };
  const dropped = (why: string) => ({ ...none, note: `rdm = "${text}" is dropped by xl ${release.text}: ${why}` });
  // tokens are compared as they are: no spaces are skipped
  const pairs = text.split(',').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? { key: p, value: undefined } : { key: p.slice(0, eq), value: p.slice(eq + 1) };
  });
  if (pairs.some((p) => p.value === undefined)) return dropped('every item must be key=value');
  const unknown = pairs.find((p) => p.key !== 'strategy' && p.key !== 'policy');
  if (unknown) return dropped(`"${unknown.key}" is not strategy or policy`);
  const badStrategy = pairs.find((p) => p.key === 'strategy' && p.value !== 'host');
  if (badStrategy) return dropped(`the only strategy is host`);
  const strategy = pairs.some((p) => p.key === 'strategy');
  const policies = pairs.filter((p) => p.key === 'policy').map((p) => p.value!);
  const knownPolicy = (v: string) => v === 'strict' || v === 'relaxed';
  const noStrategy = { ...none, note: `rdm = "${text}": without strategy=host xl ${release.text} leaves the strategy uninitialised, so whether host-wide RMRRs are reserved is left to chance` };

  if (!carries(release, 'xl-rdm-any-order')) {
    // 4.6-4.13: exactly "strategy=host,policy=strict|relaxed", in that order
    if (pairs.length === 2 && pairs[0].key === 'strategy' && pairs[1].key === 'policy' && knownPolicy(pairs[1].value!)) {
      return { strategy: 'host', policy: pairs[1].value as RdmPolicy };
    }
    return dropped('it takes only "strategy=host,policy=strict" or "strategy=host,policy=relaxed"');
  }
  if (!carries(release, 'xl-rdm-policy-dropped')) {
    // df04e202c9 (4.14): either key, in any order; one left out is uninitialised
    if (policies.some((v) => !knownPolicy(v))) return dropped('the policy is strict or relaxed');
    if (!strategy) return noStrategy;
    const policy = policies.at(-1) as RdmPolicy | undefined;
    return policy ? { strategy: 'host', policy } : { strategy: 'host', policy: 'uninitialised', note: uninitialisedNote(release) };
  }
  // bdc0799fe2 (4.15): a policy the parser recognises is taken for a failure
  // (any of strict, relaxed, invalid, in any case), dropping the whole key;
  // one it does not recognise is reported and skipped
  const recognised = policies.find((v) => /^(strict|relaxed|invalid)$/i.test(v));
  if (recognised !== undefined) {
    return dropped('from 4.15 xl drops the whole rdm key when it names a policy (a parsing bug), so no host-wide RMRR is reserved; write rdm = "strategy=host" and set rdm_policy on each pci device');
  }
  if (!strategy) return noStrategy;
  return { strategy: 'host', policy: 'uninitialised', note: uninitialisedNote(release) };
}

const uninitialisedNote = (release: Release) =>
  `rdm = "strategy=host" without a policy: xl ${release.text} leaves the global RDM policy uninitialised, so a conflict on an RMRR no assigned device owns fails or is ignored by chance`;

/** The policy an assigned device's RMRRs get while libxl builds the guest. */
function devicePolicy(spec: PciSpec, globalPolicy: RdmPolicy, release: Release): RdmPolicy {
  const own = spec.options.rdm_policy;
  let policy: RdmPolicy = own === 'strict' || own === 'relaxed' ? own : 'unset';
  // xl copies the global policy into each pci device; it read `rdm` before
  // `pci` in 4.6-4.12 and again from e45ad0b1b0 (4.17), after it in 4.13-4.16 (babde47a3f)
  const rdmReadFirst = !carries(release, 'xl-pci-before-rdm') || carries(release, 'xl-rdm-before-pci-again');
  if (own === undefined && rdmReadFirst) policy = globalPolicy;
  // 4.14 on: construct_rdm defaults an unset device policy to strict
  // (libxl__device_pci_setdefault, 6fdb8eef87); before, it stays unset
  if (policy === 'unset' && carries(release, 'libxl-rdm-strict-default')) policy = 'strict';
  return policy;
}

function overlaps(start: bigint, size: bigint, rStart: bigint, rSize: bigint): boolean {
  return start + size > rStart && start < rStart + rSize;
}

/**
 * What libxl does with the host's RMRRs for this guest, from the RAM layout it
 * computed (low RAM end, high RAM end or 0). Only for libxl 4.6 and later.
 */
export function applyRdm(cfg: GuestConfig, release: Release, lowMemEnd: bigint, highMemEnd: bigint, rmrrs: HostRmrr[]): RdmResult {
  const key = readRdmKey(cfg.rdm, release);
  const notes = key.note ? [key.note] : [];
  const none: RdmResult = { lowMemEnd, highMemEnd, exposed: [], hidden: [], conflicts: [], loweredBy: 0n, shared: [], notes };
  if (!carries(release, 'libxl-rdm')) return none;
  if (key.strategy === 'ignore' && cfg.pci.length === 0) return none;

  // host-wide entries take the policy xl read, or the garbage it left: libxl's
  // own default (relaxed, libxl__rdm_setdefault) is never reached through xl
  const entries: RdmEntry[] = [];
  if (key.strategy === 'host') {
    for (const r of rmrrs) entries.push({ start: r.start, size: rmrrSize(r), policy: key.policy, devices: [] });
  }
  for (const spec of cfg.pci) {
    let owned = rmrrs.filter((r) => r.devices.includes(spec.bdf));
    // before 4.14 libxl took only the first RMRR Xen returned for each device
    if (!carries(release, 'libxl-rdm-every-region')) owned = owned.slice(0, 1);
    // xl copies the policy it parsed (unset when `rdm` is absent or dropped), not libxl's default
    const policy = devicePolicy(spec, key.policy, release);
    for (const r of owned) {
      const known = entries.find((e) => e.start === r.start);
      if (known) {
        known.policy = policy; // the device's policy overrides the global one
        known.devices.push(spec.bdf);
      } else {
        entries.push({ start: r.start, size: rmrrSize(r), policy, devices: [spec.bdf] });
      }
    }
  }

  // pass 1: an RMRR in low RAM above the boundary ends low RAM below it; the
  // RAM it displaces goes above 4 GiB
  const boundary = BigInt(cfg.rdmMemBoundaryMiB ?? DEFAULT_BOUNDARY_MIB) * MIB;
  const originalLow = lowMemEnd;
  let high = highMemEnd;
  for (const e of entries) {
    if (!overlaps(0n, lowMemEnd, e.start, e.size) || e.start <= boundary) continue;
    let start = e.start;
    // 4.14 on: HAP guests end low RAM on a 2 MiB boundary for superpages
    if (carries(release, 'libxl-rdm-hap-2mib') && cfg.hap && start > TWO_MIB) start &= ~(TWO_MIB - 1n);
    if (high === 0n) high = FOUR_GIB;
    high += lowMemEnd - start;
    lowMemEnd = start;
  }

  // pass 2: what RAM still covers is a conflict; strict fails, relaxed drops it from the map
  const conflicts: RdmConflict[] = [];
  const exposed: RdmEntry[] = [];
  const hidden: RdmEntry[] = [];
  for (const e of entries) {
    const hit = overlaps(0n, lowMemEnd, e.start, e.size) || (high > FOUR_GIB && overlaps(FOUR_GIB, high - FOUR_GIB, e.start, e.size));
    if (hit) {
      conflicts.push({ entry: e, outcome: e.policy === 'strict' ? 'fails' : e.policy === 'uninitialised' ? 'undetermined' : 'ignored' });
      continue;
    }
    // an unset policy (device entries before 4.14) is libxl's "invalid", which
    // the E820 builder skips: hvmloader never hears of the range
    (e.policy === 'unset' ? hidden : exposed).push(e);
  }

  // Xen refuses to assign a device whose RMRR other devices share, unless its
  // policy is relaxed (vtd/iommu.c, 4.6 on); by then libxl has made unset strict
  const shared: RdmResult['shared'] = [];
  for (const spec of cfg.pci) {
    for (const r of rmrrs) {
      if (r.devices.length > 1 && r.devices.includes(spec.bdf)) shared.push({ device: spec.bdf, rmrr: r, refused: devicePolicy(spec, key.policy, release) !== 'relaxed' });
    }
  }
  return { lowMemEnd, highMemEnd: high, exposed, hidden, conflicts, loweredBy: originalLow - lowMemEnd, shared, notes };
}

/** Describes an RDM range for messages. */
export function rdmRange(e: { start: bigint; size: bigint }): string {
  return `${hex(e.start)}-${hex(e.start + e.size - 1n)}`;
}

function address(text: string, where: string): bigint {
  const t = text.trim();
  if (!/^(0x)?[0-9a-fA-F]+$/i.test(t)) throw new InputError([{ path: where, message: `${JSON.stringify(text)} is not a hex address like 0x7b800000` }]);
  return BigInt(t.toLowerCase().startsWith('0x') ? t : `0x${t}`);
}

function checked(r: HostRmrr, where: string): HostRmrr {
  if (r.end < r.start) throw new InputError([{ path: where, message: `ends (${hex(r.end)}) before it starts (${hex(r.start)}); give START-END with END the last byte` }]);
  if (r.start % 4096n !== 0n || (r.end + 1n) % 4096n !== 0n) {
    throw new InputError([{ path: where, message: `${hex(r.start)}-${hex(r.end)} is not whole 4 KiB pages; RMRRs start on a page and END is the last byte (…fff)` }]);
  }
  if (r.end >= 1n << 52n) throw new InputError([{ path: where, message: `${hex(r.end)} is beyond 52-bit physical addresses` }]);
  return r;
}

/** `START-END[@BDF[+BDF...]]`, hex, END inclusive, as in `--rmrr 0x7b800000-0x7fffffff@0000:00:02.0`. */
export function parseRmrrSpec(text: string, where = '--rmrr'): HostRmrr {
  const [range, scope] = text.split('@');
  const m = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(range);
  if (!m) throw new InputError([{ path: where, message: `${JSON.stringify(text)} is not START-END[@BDF[+BDF...]], e.g. 0x7b800000-0x7fffffff@0000:00:02.0` }]);
  const devices = scope === undefined ? [] : scope.split('+').map((b) => hostBdf(b, where));
  return checked({ start: address(m[1], where), end: address(m[2], where), devices }, where);
}

/**
 * RMRRs from `xl dmesg` of a Xen booted with iommu=verbose on a debug build:
 * each "found ACPI_DMAR_RMRR:" block lists its " endpoint: SBDF" lines and
 * then the range, " RMRR: [start,end]" since afe9505680 (4.14) and
 * "RMRR region: base_addr S end_addr E" (end_address in 4.6) before
 * (vtd/dmar.c, acpi_parse_one_rmrr / register_one_rmrr).
 */
export function parseXenDmesgRmrrs(text: string, source = 'xl dmesg'): HostRmrr[] {
  const out: HostRmrr[] = [];
  let inBlock = false;
  let devices: string[] = [];
  let sawBlock = false;
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    if (/found ACPI_DMAR_RMRR/.test(line)) {
      inBlock = true;
      sawBlock = true;
      devices = [];
      return;
    }
    if (/found ACPI_DMAR_/.test(line)) {
      inBlock = false;
      return;
    }
    const ep = /\bendpoint:\s*([0-9a-fA-F:.]+)/.exec(line);
    if (ep && inBlock) {
      devices.push(hostBdf(ep[1], where));
      return;
    }
    const rm =
      /\bRMRR:\s*\[\s*(?:0x)?([0-9a-fA-F]+)\s*,\s*(?:0x)?([0-9a-fA-F]+)\s*\]/.exec(line) ??
      /RMRR region: base_addr\s+(?:0x)?([0-9a-fA-F]+)\s+end_addr(?:ess)?\s+(?:0x)?([0-9a-fA-F]+)/.exec(line);
    if (rm && inBlock && !/Ignore|incorrect|scope/.test(line)) {
      out.push(checked({ start: BigInt(`0x${rm[1]}`), end: BigInt(`0x${rm[2]}`), devices }, where));
      inBlock = false;
    }
  });
  if (out.length === 0) {
    const why = sawBlock
      ? 'it has "found ACPI_DMAR_RMRR" blocks but no " RMRR: [start,end]" (or "RMRR region:") lines; those are printed only by a debug build of Xen, so give the ranges with --rmrr START-END@BDF'
      : 'it has no "found ACPI_DMAR_RMRR" lines; boot Xen with iommu=verbose (and a debug build for the addresses), or give the ranges with --rmrr START-END@BDF';
    throw new InputError([{ path: source, message: `no RMRRs found: ${why}` }]);
  }
  return out;
}
